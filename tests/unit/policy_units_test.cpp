// Sizes and durations as written in policy files.
#include <gtest/gtest.h>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;

TEST(PolicyUnits, ParsesSizes) {
  EXPECT_EQ(parse_size("1024").value(), 1024u);
  EXPECT_EQ(parse_size("0").value(), 0u);
  EXPECT_EQ(parse_size("4K").value(), 4 * kKiB);
  EXPECT_EQ(parse_size("512M").value(), 512 * kMiB);
  EXPECT_EQ(parse_size("512m").value(), 512 * kMiB);
  EXPECT_EQ(parse_size("4G").value(), 4 * kGiB);
  EXPECT_EQ(parse_size("2T").value(), 2048 * kGiB);
}

TEST(PolicyUnits, RejectsBadSizes) {
  for (const char* bad : {"", "M", "4GB", "1.5G", "-1", " 4G", "4 G", "4X", "G4",
                          "99999999999999999999", "20000000T"}) {
    auto r = parse_size(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), Errc::kPolicy);
    EXPECT_NE(r.error().message().find("invalid size"), std::string::npos);
    EXPECT_NE(r.error().hint().find("\"512M\""), std::string::npos);
  }
}

TEST(PolicyUnits, ParsesDurations) {
  EXPECT_EQ(parse_duration("3600").value(), 3600u);
  EXPECT_EQ(parse_duration("90s").value(), 90u);
  EXPECT_EQ(parse_duration("30m").value(), 1800u);
  EXPECT_EQ(parse_duration("2h").value(), 7200u);
  EXPECT_EQ(parse_duration("1d").value(), 86400u);
  EXPECT_EQ(parse_duration("1h30m").value(), 5400u);
  EXPECT_EQ(parse_duration("1d2h3m4s").value(), 86400u + 7200 + 180 + 4);
}

TEST(PolicyUnits, RejectsBadDurations) {
  for (const char* bad : {"", "h", "2x", "1.5h", "30m1h", "1h1h", "1h30", "-5s", "2 h", "2H",
                          "99999999999999999999d"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("invalid duration"), std::string::npos);
    EXPECT_NE(r.error().hint().find("\"2h\""), std::string::npos);
  }
}

TEST(PolicyUnits, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(format_size(4 * kGiB), "4G");
  EXPECT_EQ(format_size(512 * kMiB), "512M");
  EXPECT_EQ(format_size(1536 * kMiB), "1536M");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_duration(8 * 3600), "8h");
  EXPECT_EQ(format_duration(5400), "90m");
  EXPECT_EQ(format_duration(45), "45s");
  EXPECT_EQ(format_duration(2 * 86400), "2d");
}

TEST(PolicyUnits, FormatParsesBack) {
  for (uint64_t n :
       {uint64_t{1}, uint64_t{1023}, kKiB, 3 * kMiB + kKiB, 5 * kGiB, 7 * 1024 * kGiB}) {
    EXPECT_EQ(parse_size(format_size(n)).value(), n);
  }
  for (uint64_t n : {uint64_t{0}, uint64_t{59}, uint64_t{61}, uint64_t{3600}, uint64_t{90061}}) {
    EXPECT_EQ(parse_duration(format_duration(n)).value(), n);
  }
}

}  // namespace
}  // namespace cordon::policy

namespace cordon::policy {
namespace {

TEST(PolicyLoopbackPorts, RangesAreExpanded) {
  NetworkPolicy network;
  network.loopback_ports.value = {"3000", "8000-8002"};
  EXPECT_EQ(loopback_ports(network), (std::vector<uint16_t>{3000, 8000, 8001, 8002}));
}

}  // namespace
}  // namespace cordon::policy
