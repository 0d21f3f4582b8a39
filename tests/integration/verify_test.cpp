// `cordon verify` passes for every built-in profile; every attack row is checked by name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

class VerifyTest : public BoxTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(VerifyTest, EveryAttackIsStopped) {
  auto r = cordon({"verify", "--json", "--profile", GetParam(), "--workspace", workspace(),
                   "--probe", CORDON_PROBE_BINARY});
  auto findings = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(findings.is_discarded()) << "not JSON: " << r.out << r.err;
  // render_json: either an array of rows or {"findings": [...]}.
  const auto& rows = findings.is_array() ? findings : findings["findings"];
  ASSERT_GT(rows.size(), 100u) << "the probe ran too few attacks";
  for (const auto& row : rows) {
    EXPECT_TRUE(row.value("pass", false))
        << row.value("wall", "?") << ": " << row.value("attack", "?") << " expected "
        << row.value("expected", "?") << ", got " << row.value("got", "?");
  }
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_P(VerifyTest, CoversEveryWallOfTheBox) {
  auto r = cordon({"verify", "--json", "--profile", GetParam(), "--workspace", workspace(),
                   "--probe", CORDON_PROBE_BINARY});
  auto findings = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(findings.is_discarded()) << r.out << r.err;
  const auto& rows = findings.is_array() ? findings : findings["findings"];
  std::string all;
  for (const auto& row : rows) all += row.value("wall", "") + ": " + row.value("attack", "") + "\n";
  for (const char* needle :
       {"filesystem", "isolation", "resources", "network", "lifecycle", "canary", "symlink",
        "hardlink", "TIOCSTI", "x32", "fork bomb", "memory balloon", "/tmp", "setuid", "daemon",
        "/proc", "leaked", "core_pattern", "dynamic loader"}) {
    EXPECT_NE(all.find(needle), std::string::npos) << "no attack mentions " << needle;
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, VerifyTest,
                         ::testing::Values("read-only", "workspace-write", "customer-data",
                                           "production", "financial"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace cordon::testing
