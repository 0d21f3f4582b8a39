// Plain HTTP inside tunnels (CONNECT, SOCKS5, transparent) to an allowed host: every request on
// the connection must name that host, or a shared front end would route it to another site
// (domain fronting without TLS). The origin on the host's loopback answers /echo with the Host
// it saw, so a request that reached it under a foreign name shows that name.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "integration/fixture.h"
#include "integration/servers.h"

namespace cordon::testing {
namespace {

class TunnelHttpTest : public BoxTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    if (run_program({"/bin/sh", "-c", "command -v python3"}).status != 0) {
      GTEST_SKIP() << "needs python3";
    }
    ::mkdir((dir() / "site").c_str(), 0755);
    origin_ = std::make_unique<HttpOrigin>(dir() / "site");
    ASSERT_GT(origin_->port(), 0) << "the HTTP origin did not start";
  }

  // One line per scenario from tunnel_http.py: "name: hosts=a,b closed=1".
  std::map<std::string, std::string> run_scenarios(const std::string& mode) {
    const std::string port = std::to_string(origin_->port());
    const std::string config = policy_file("[network]\nallow = [\"origin.test:" + port +
                                           "\"]\nallow_cidr = [\"127.0.0.1/32:" + port +
                                           "\"]\nresolve = { \"origin.test\" = \"127.0.0.1\" }\n");
    write_text(
        workspace() + "/tunnel_http.py",
        read_text(std::string(CORDON_SOURCE_DIR) + "/tests/integration/servers/tunnel_http.py"));
    auto r = box({"python3", workspace() + "/tunnel_http.py", mode, "origin.test", port},
                 {"--config", config});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    std::map<std::string, std::string> lines;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
      size_t colon = line.find(": ");
      if (colon != std::string::npos) lines[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return lines;
  }

  std::string own() const { return "origin.test:" + std::to_string(origin_->port()); }
  std::unique_ptr<HttpOrigin> origin_;
};

TEST_P(TunnelHttpTest, EveryRequestMustNameTheDecidedHost) {
  auto lines = run_scenarios(GetParam());
  const std::string me = own();
  // Positive controls: kept-alive requests to the decided host, and a chunked body that holds
  // a request head (bytes of a body, never a request), followed by another request.
  EXPECT_EQ(lines["keepalive"], "hosts=" + me + "," + me + " closed=0");
  EXPECT_EQ(lines["chunked_fake_head"], "hosts=" + me + "," + me + " closed=0");
  EXPECT_EQ(lines["websocket"], "switched=1 echoed=1");
  // A foreign Host, first or later, alone or pipelined, or in an absolute URI, never arrives.
  EXPECT_EQ(lines["foreign_first"], "hosts= closed=1");
  EXPECT_EQ(lines["foreign_absolute"], "hosts= closed=1");
  EXPECT_EQ(lines["foreign_second"], "hosts=" + me + " closed=1");
  EXPECT_EQ(lines["no_host"], "hosts= closed=1");
  EXPECT_EQ(lines["h2c_upgrade"], "hosts= closed=1");
  EXPECT_EQ(lines["h2c_prior_knowledge"], "hosts= closed=1");
  // Pipelined behind a good request: the good one may or may not be answered before the close.
  const std::string pipelined = lines["foreign_pipelined"];
  EXPECT_TRUE(pipelined == "hosts= closed=1" || pipelined == "hosts=" + me + " closed=1")
      << pipelined;
  for (const auto& [name, line] : lines) {
    EXPECT_EQ(line.find("attacker.example"), std::string::npos) << name << ": " << line;
  }
  // The refusal is in the audit trail with the inspector's reason.
  auto q = cordon({"audit", "query", "--store", audit_store(), "--decision", "deny", "--json"});
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_NE(q.out.find("Host attacker.example differs from"), std::string::npos) << q.out;
}

INSTANTIATE_TEST_SUITE_P(Net, TunnelHttpTest,
                         ::testing::Values("connect", "socks5", "transparent"));

}  // namespace
}  // namespace cordon::testing
