// The egress wall with real clients inside the box and real origins on the host's loopback:
// curl through the HTTP proxy, CONNECT to an HTTPS origin, SOCKS5 with remote DNS, programs
// that ignore the proxy variables (transparent capture and the DNS stub), and git clone.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>
#include <string>

#include "integration/fixture.h"
#include "integration/servers.h"

namespace cordon::testing {
namespace {

bool have(const char* program) {
  return run_program({"/bin/sh", "-c", std::string("command -v ") + program}).status == 0;
}

class EgressTest : public BoxTest {
 protected:
  void SetUp() override {
    if (!have("curl") || !have("python3")) GTEST_SKIP() << "needs curl and python3";
    ::mkdir((dir() / "site").c_str(), 0755);
    write_text(dir() / "site/hello.txt", "hello from the origin\n");
    origin_ = std::make_unique<HttpOrigin>(dir() / "site");
    ASSERT_GT(origin_->port(), 0) << "the HTTP origin did not start";
  }

  std::string port() const { return std::to_string(origin_->port()); }

  // A policy allowing origin.test on the origin's port, pinned to the host's loopback (which
  // only an explicit allow_cidr makes reachable).
  std::vector<std::string> allow_origin(const std::vector<int>& extra_ports = {}) {
    std::string allow = "\"origin.test:" + port() + "\"";
    std::string cidr = "\"127.0.0.1/32:" + port() + "\"";
    for (int p : extra_ports) {
      allow += ", \"origin.test:" + std::to_string(p) + "\"";
      cidr += ", \"127.0.0.1/32:" + std::to_string(p) + "\"";
    }
    return {"--config",
            policy_file("[network]\nmode = \"proxy\"\nallow = [" + allow + "]\nallow_cidr = [" +
                        cidr + "]\nresolve = { \"origin.test\" = \"127.0.0.1\" }\n")};
  }

  std::unique_ptr<HttpOrigin> origin_;
};

TEST_F(EgressTest, ProxyVariablesAreSetInTheBox) {
  auto r = sh("env | grep -i _proxy | sort", allow_origin());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("HTTP_PROXY=http://127.0.0.1:3128"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("https_proxy=http://127.0.0.1:3128"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ALL_PROXY=socks5h://127.0.0.1:1080"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NO_PROXY=localhost,127.0.0.1,::1"), std::string::npos) << r.out;
}

TEST_F(EgressTest, AllowedHostWorksThroughTheHttpProxy) {
  auto r = box({"curl", "-sS", "http://origin.test:" + port() + "/hello.txt"}, allow_origin());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the origin\n");
}

TEST_F(EgressTest, DeniedHostGets403WithTheRuleAndReason) {
  auto r = box({"curl", "-sS", "-i", "http://other.test:" + port() + "/hello.txt"}, allow_origin());
  EXPECT_NE(r.out.find("HTTP/1.1 403"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("X-Cordon-Denied:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hello from the origin"), std::string::npos);
}

TEST_F(EgressTest, HostLoopbackIsRefusedWithoutAnAllowCidr) {
  // Allowed by name, but the name resolves to loopback and no allow_cidr covers it.
  const std::string config = policy_file("[network]\nallow = [\"origin.test:" + port() +
                                         "\"]\nresolve = { \"origin.test\" = \"127.0.0.1\" }\n");
  auto r = box({"curl", "-sS", "-i", "http://origin.test:" + port() + "/hello.txt"},
               {"--config", config});
  EXPECT_NE(r.out.find("403"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("loopback"), std::string::npos) << r.out;
}

// The supervisor dials from the host's network namespace: a name pinned to one of the host's
// own addresses (its eth0 address) would reach a service listening there, as 127.0.0.1 would.
TEST_F(EgressTest, TheHostsOwnAddressIsRefusedLikeLoopbackUnlessAllowCidrCoversIt) {
  const std::string own = host_address_outside_blocked_ranges();
  if (own.empty()) {
    GTEST_SKIP() << "this machine has no IPv4 address outside loopback and the blocked ranges "
                    "(a private one is refused as private, which would not test this check)";
  }
  HttpOrigin host_only(dir() / "site", own);
  ASSERT_GT(host_only.port(), 0) << "the origin did not start on " << own;
  const std::string p = std::to_string(host_only.port());
  const std::string url = "http://evil.example.com:" + p + "/hello.txt";
  const std::string policy = "[network]\nallow = [\"*.example.com:" + p +
                             "\"]\nresolve = { \"evil.example.com\" = \"" + own + "\" }\n";
  auto refused = box({"curl", "-sS", "-i", url}, {"--config", policy_file(policy)});
  EXPECT_NE(refused.out.find("HTTP/1.1 403"), std::string::npos) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("resolves to " + own + ": an address of this host"), std::string::npos)
      << refused.out;
  EXPECT_EQ(refused.out.find("hello from the origin"), std::string::npos) << refused.out;
  // Transparent and SOCKS5 entry points dial through the same vetting.
  auto socks = box({"curl", "-sS", "--socks5-hostname", "127.0.0.1:1080", url},
                   {"--config", policy_file(policy)});
  EXPECT_EQ(socks.out.find("hello from the origin"), std::string::npos) << socks.out;
  auto q = cordon({"audit", "query", "--store", audit_store(), "--decision", "deny", "--json"});
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_NE(q.out.find("an address of this host"), std::string::npos) << q.out;

  auto allowed =
      box({"curl", "-sS", url},
          {"--config", policy_file(policy + "allow_cidr = [\"" + own + "/32:" + p + "\"]\n")});
  EXPECT_EQ(allowed.status, 0) << allowed.err;
  EXPECT_EQ(allowed.out, "hello from the origin\n");
}

TEST_F(EgressTest, AnAddressDenyRuleHoldsForNamesThatResolveToIt) {
  // docs/egress.md: a denied host is never reached, whatever allow says, and that includes an
  // allowed name pinned (or resolving) to a denied address.
  const std::string policy = policy_file(
      "[network]\nallow = [\"*.example.com:" + port() + "\"]\nallow_cidr = [\"127.0.0.0/8:" +
      port() + "\"]\ndeny = [\"127.0.0.1\"]\nresolve = { \"db.example.com\" = \"127.0.0.1\" }\n");
  auto by_name = box({"curl", "-sS", "-i", "http://db.example.com:" + port() + "/hello.txt"},
                     {"--config", policy});
  EXPECT_NE(by_name.out.find("HTTP/1.1 403"), std::string::npos) << by_name.out << by_name.err;
  EXPECT_NE(by_name.out.find("X-Cordon-Denied: 127.0.0.1"), std::string::npos) << by_name.out;
  EXPECT_EQ(by_name.out.find("hello from the origin"), std::string::npos) << by_name.out;
  auto socks = box({"curl", "-sS", "--socks5-hostname", "127.0.0.1:1080",
                    "http://db.example.com:" + port() + "/hello.txt"},
                   {"--config", policy});
  EXPECT_EQ(socks.out.find("hello from the origin"), std::string::npos) << socks.out;
}

// Raw requests (bash's /dev/tcp), because curl would normalise the spellings before sending.
TEST_F(EgressTest, EverySpellingOfTheHostLoopbackIsRefused) {
  std::string script;
  for (const std::string host :
       {"127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7f000001",
        "[::ffff:127.0.0.1]", "[::1]", "localhost", "localhost.", "LOCALHOST"}) {
    script += "exec 3<>/dev/tcp/127.0.0.1/3128; printf 'GET http://" + host + ":" + port() +
              "/hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n' >&3; "
              "echo \"" +
              host + " $(head -n1 <&3)\"; exec 3<&-\n";
  }
  auto r = box({"/bin/bash", "-c", script}, {"--allow", "origin.test"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("hello from the origin"), std::string::npos) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  int refused = 0;
  while (std::getline(lines, line)) {
    EXPECT_NE(line.find(" 403 Forbidden"), std::string::npos) << line;
    refused += line.find(" 403 Forbidden") != std::string::npos;
  }
  EXPECT_EQ(refused, 11) << r.out;
}

TEST_F(EgressTest, ConnectToAnHttpsOriginByItsName) {
  if (!have("openssl")) GTEST_SKIP() << "needs openssl for the TLS origin";
  const std::string cert = workspace() + "/origin.pem", key = dir() / "origin.key";
  ASSERT_TRUE(make_certificate("origin.test", cert, key));
  HttpsOrigin tls(dir() / "site", cert, key);
  ASSERT_GT(tls.port(), 0);
  auto r = box({"curl", "-sS", "--cacert", cert,
                "https://origin.test:" + std::to_string(tls.port()) + "/hello.txt"},
               allow_origin({tls.port()}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the origin\n");
}

TEST_F(EgressTest, Socks5WithRemoteDns) {
  auto r = box({"curl", "-sS", "--socks5-hostname", "127.0.0.1:1080",
                "http://origin.test:" + port() + "/hello.txt"},
               allow_origin());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the origin\n");
  auto denied = box({"curl", "-sS", "--socks5-hostname", "127.0.0.1:1080",
                     "http://other.test:" + port() + "/hello.txt"},
                    allow_origin());
  EXPECT_NE(denied.status, 0);
  EXPECT_EQ(denied.out.find("hello from the origin"), std::string::npos);
}

TEST_F(EgressTest, ProgramIgnoringProxyVariablesIsCapturedAndDecided) {
  // --noproxy '*': curl connects directly; the DNS stub answers origin.test with a synthetic
  // address, the capture redirects the connection, and the proxy decides it by name.
  auto r = box({"curl", "-sS", "--noproxy", "*", "http://origin.test:" + port() + "/hello.txt"},
               allow_origin());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the origin\n");
  // A name the policy does not allow does not even resolve.
  auto denied =
      box({"curl", "-sS", "--noproxy", "*", "http://other.test:" + port() + "/"}, allow_origin());
  EXPECT_EQ(denied.status, 6) << denied.err;  // curl: could not resolve host
}

TEST_F(EgressTest, DirectConnectionsToAddressesGoNowhere) {
  // 203.0.113.9 is a documentation address: no allow rule; the capture takes the connection
  // and the proxy closes it without reaching anything.
  auto r = box({"curl", "-sS", "--noproxy", "*", "--max-time", "10", "http://203.0.113.9/"},
               allow_origin());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.status, 28) << "timed out instead of being refused: " << r.err;
}

TEST_F(EgressTest, GitClonesFromAnAllowedHttpServer) {
  if (!have("git")) GTEST_SKIP() << "needs git";
  ASSERT_TRUE(make_served_git_repository(dir() / "site/repo.git", "cloned through cordon\n"));
  auto r = sh(
      "cd /tmp && git clone -q http://origin.test:" + port() + "/repo.git copy && cat copy/README",
      allow_origin());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "cloned through cordon\n");
}

TEST_F(EgressTest, TcpForwardReachesItsTargetOnly) {
  // The box talks to 127.0.0.1:15432; cordon dials the forward's target by the same rules.
  const std::string config = policy_file(
      "[network]\nallow = [\"origin.test:" + port() +
      "\"]\nallow_cidr = [\"127.0.0.1/32:" + port() +
      "\"]\nresolve = { \"origin.test\" = \"127.0.0.1\" }\nforward = [\"15432=origin.test:" +
      port() + "\"]\n");
  auto r = box({"curl", "-sS", "http://127.0.0.1:15432/hello.txt"}, {"--config", config});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the origin\n");
}

TEST_F(EgressTest, RulesSpanningManyPortsKeepTheListenersReachable) {
  // Too many ports for per-port Landlock rules: the listeners stay reachable.
  std::vector<std::string> flags = allow_origin();
  flags.insert(flags.end(), {"--allow", "wide.example:1-2000"});
  auto r = box({"curl", "-sS", "http://origin.test:" + port() + "/hello.txt"}, flags);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the origin\n");
}

TEST_F(EgressTest, NetworkNoneHasNoProxyAndNoRoute) {
  auto r = sh("env | grep -ci _proxy; curl -sS --noproxy '*' --max-time 5 http://203.0.113.9/",
              {"--network", "none"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(EgressTest, DecisionsAreInTheAuditTrail) {
  ASSERT_EQ(
      box({"curl", "-sS", "http://origin.test:" + port() + "/hello.txt"}, allow_origin()).status,
      0);
  (void)box({"curl", "-sS", "http://other.test:" + port() + "/"}, allow_origin());
  auto q =
      cordon({"audit", "query", "--store", audit_store(), "--kind", "network.decision", "--json"});
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_NE(q.out.find("\"origin.test\""), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("\"other.test\""), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("\"127.0.0.1\""), std::string::npos) << "the address dialled: " << q.out;
  EXPECT_NE(q.out.find("\"deny\""), std::string::npos) << q.out;
}

}  // namespace
}  // namespace cordon::testing
