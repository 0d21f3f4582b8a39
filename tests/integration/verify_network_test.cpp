// `cordon verify` on the egress wall: every network finding passes with the proxy (the default
// profile) and with no network at all (read-only), the attacks the report must show are there,
// and a verify policy that opens the host's loopback canary makes the report fail.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

class VerifyNetworkTest : public BoxTest {
 protected:
  // `cordon verify --json` with `flags`; the rows of the report.
  nlohmann::json verify(const std::vector<std::string>& flags, RunOptions options = {}) {
    std::vector<std::string> args = {"verify",    "--json",  "--workspace",
                                     workspace(), "--probe", CORDON_PROBE_BINARY};
    args.insert(args.end(), flags.begin(), flags.end());
    last_ = cordon(args, std::move(options));
    auto report = nlohmann::json::parse(last_.out, nullptr, /*allow_exceptions=*/false);
    if (report.is_discarded()) {
      ADD_FAILURE() << "not JSON: " << last_.out << last_.err;
      return nlohmann::json::array();
    }
    return report.is_array() ? report : report["findings"];
  }

  static std::vector<nlohmann::json> network_rows(const nlohmann::json& rows) {
    std::vector<nlohmann::json> out;
    for (const auto& row : rows) {
      if (row.value("wall", "") == "network") out.push_back(row);
    }
    return out;
  }

  // The row whose attack contains `needle`, or null.
  static nlohmann::json row(const nlohmann::json& rows, const std::string& needle) {
    for (const auto& r : rows) {
      if (r.value("attack", "").find(needle) != std::string::npos) return r;
    }
    return nullptr;
  }

  static std::string describe(const nlohmann::json& r) {
    return r.value("attack", "?") + ": expected " + r.value("expected", "?") + ", got " +
           r.value("got", "?");
  }

  RunOutput last_;
};

TEST_F(VerifyNetworkTest, ProxyModeStopsEveryNetworkAttack) {
  auto rows = verify({"--profile", "workspace-write"});
  auto network = network_rows(rows);
  ASSERT_GT(network.size(), 60u) << last_.out << last_.err;
  for (const auto& r : network) EXPECT_TRUE(r.value("pass", false)) << describe(r);

  // Every kind of attack the wall must face is in the report, with its positive controls.
  for (const char* needle :
       {"verify origin via HTTP proxy (positive control)",
        "verify origin via CONNECT + ClientHello with its SNI (positive control)",
        "verify origin via SOCKS5 with remote DNS (positive control)",
        "verify origin via getaddrinfo + direct connect (transparent, positive control)",
        "verify origin reached through the proxy (positive control, host check)",
        "host loopback canary service reached (host check)",
        "TCP 203.0.113.7:",
        "TCP [2001:db8::7]:",
        "UDP sendto 203.0.113.7:9",
        "ICMP echo",
        "raw IPv4 socket",
        "packet socket",
        "SO_MARK",
        "RTM_DELROUTE",
        "DNS query for a denied name (denied.example) via 8.8.8.8:53",
        "DNS exfiltration",
        "host loopback canary directly: 127.0.0.1:",
        "host loopback canary via HTTP proxy: http://0x7f.1:",
        "host loopback canary via CONNECT [::ffff:127.0.0.1]:",
        "host loopback canary via SOCKS5 name \"LOCALHOST\"",
        "host loopback canary via SOCKS5 name \"localhost.\"",
        "host loopback canary via SOCKS5 IPv6 ::1",
        "cloud metadata via HTTP proxy: http://169.254.169.254/",
        "cloud metadata by name via HTTP proxy",
        "denied host via HTTP proxy",
        "denied host via CONNECT",
        "denied host via SOCKS5",
        "getaddrinfo(denied.example) (transparent path to a denied name)",
        "allowed host on an unlisted port via CONNECT",
        "userinfo:",
        "denied absolute URI with the allowed Host header",
        "allowed absolute URI with a denied Host header",
        "origin-form request",
        "request smuggling: Content-Length and Transfer-Encoding",
        "TLS ClientHello with SNI denied.example",
        "SOCKS5 UDP ASSOCIATE",
        "keep-alive: the verify origin, then pipelined",
        "SOCKS5 verify-origin.cordon.test:",
        "transparent connection to the verify origin's address, then a TLS ClientHello",
        "connect to a host abstract socket"}) {
    EXPECT_FALSE(row(rows, needle).is_null()) << "no attack mentions " << needle;
  }
  EXPECT_EQ(last_.status, 0) << last_.err;
}

TEST_F(VerifyNetworkTest, TheReportSaysWhatVerifyAddedToThePolicy) {
  auto r = cordon({"verify", "--profile", "workspace-write", "--workspace", workspace(), "--probe",
                   CORDON_PROBE_BINARY});
  EXPECT_NE(r.out.find("network: the verify policy adds allow = [\"verify-origin.cordon.test:"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("allow_cidr = [\"127.0.0.1/32:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("UNSAFE"), std::string::npos);
}

TEST_F(VerifyNetworkTest, NoNetworkModeHasNoRouteAndNoProxy) {
  auto rows = verify({"--profile", "read-only"});
  auto network = network_rows(rows);
  ASSERT_GT(network.size(), 10u) << last_.out << last_.err;
  for (const auto& r : network) EXPECT_TRUE(r.value("pass", false)) << describe(r);
  for (const char* needle : {"TCP connect 1.1.1.1:443", "DNS query to 8.8.8.8:53",
                             "no proxy without network.mode", "host loopback canary directly",
                             "host loopback canary service reached (host check)", "ICMP echo"}) {
    EXPECT_FALSE(row(rows, needle).is_null()) << "no attack mentions " << needle;
  }
  // No proxy, so no attack through it and no origin to reach.
  EXPECT_TRUE(row(rows, "via HTTP proxy").is_null());
  EXPECT_TRUE(row(rows, "verify origin").is_null());
  EXPECT_EQ(last_.status, 0) << last_.err;
}

// The negative control: a verify policy with allow_cidr 127.0.0.0/8 on the canary's port lets
// the proxy dial the host's loopback, and the report must say so, from both sides.
TEST_F(VerifyNetworkTest, OpeningTheHostLoopbackFailsTheReport) {
  RunOptions unsafe;
  unsafe.set_env.emplace("CORDON_VERIFY_UNSAFE_TEST_OPEN_CANARY", "1");
  auto rows = verify({"--profile", "workspace-write"}, unsafe);
  EXPECT_NE(last_.status, 0) << "verify passed with the canary open";
  EXPECT_NE(last_.err.find("UNSAFE"), std::string::npos) << last_.err;

  auto host = row(rows, "host loopback canary service reached (host check)");
  ASSERT_FALSE(host.is_null()) << last_.out;
  EXPECT_FALSE(host.value("pass", true)) << describe(host);
  EXPECT_NE(host.value("got", ""), "0 connection(s)");

  // Address literals inside the opened range reach the canary, through every entry point.
  for (const char* needle : {"host loopback canary via HTTP proxy: http://127.0.0.1:",
                             "host loopback canary via HTTP proxy: http://2130706433:",
                             "host loopback canary via CONNECT 0x7f.1:",
                             "host loopback canary via SOCKS5 IPv4 127.0.0.1"}) {
    auto r = row(rows, needle);
    ASSERT_FALSE(r.is_null()) << "no attack mentions " << needle;
    EXPECT_FALSE(r.value("pass", true)) << describe(r);
  }
  // A name is still refused (no allow rule names it), and the rest of the wall holds.
  for (const char* needle : {"host loopback canary via HTTP proxy: http://localhost:",
                             "denied host via CONNECT", "TLS ClientHello with SNI"}) {
    auto r = row(rows, needle);
    ASSERT_FALSE(r.is_null()) << "no attack mentions " << needle;
    EXPECT_TRUE(r.value("pass", false)) << describe(r);
  }
}

}  // namespace
}  // namespace cordon::testing
