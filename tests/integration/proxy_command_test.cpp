// `cordon proxy`: the egress proxy alone on a host port, with per-client tokens, real curl
// clients and a real origin on loopback.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "base/unique_fd.h"
#include "integration/fixture.h"
#include "integration/servers.h"

extern char** environ;

namespace cordon::testing {
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

constexpr const char* kToken = "0123456789abcdef0123456789abcdef";

class ProxyCommandTest : public BoxTest {
 protected:
  void SetUp() override {
    ::mkdir((dir() / "site").c_str(), 0755);
    write_text(dir() / "site/hello.txt", "hello from the origin\n");
    origin_ = std::make_unique<HttpOrigin>(dir() / "site");
    ASSERT_GT(origin_->port(), 0);
    const std::string port = std::to_string(origin_->port());
    config_ = policy_file(
        "[network]\nallow = [\"origin.test:" + port + "\"]\nallow_cidr = [\"127.0.0.1/32:" + port +
        "\"]\nresolve = { \"origin.test\" = \"127.0.0.1\" }\n[audit]\nstore = \"" + audit_store() +
        "\"\n");
    tokens_ = dir() / "tokens";
    write_text(tokens_, std::string("# clients\nci-runner ") + kToken + "\n");
    ::chmod(tokens_.c_str(), 0600);
  }
  void TearDown() override { stop(); }

  // Starts `cordon proxy` and waits until it accepts connections.
  bool start(const std::vector<std::string>& extra = {}) {
    http_port_ = free_port();
    socks_port_ = free_port();
    std::vector<std::string> args = {CORDON_BINARY, "proxy",
                                     "--listen",    "127.0.0.1:" + std::to_string(http_port_),
                                     "--socks",     "127.0.0.1:" + std::to_string(socks_port_),
                                     "--config",    config_,
                                     "--tokens",    tokens_};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // A runtime directory of the test's own: the proxy starts a writer of its own (its child),
    // never one another test's session left waiting.
    ::mkdir(runtime().c_str(), 0700);
    std::vector<std::string> env_store = {"XDG_CONFIG_HOME=" + (dir() / "config"),
                                          "XDG_STATE_HOME=" + (dir() / "state"),
                                          "CORDON_RUNTIME_DIR=" + runtime(), "PATH=/usr/bin:/bin"};
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path().c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return false;
    for (int i = 0; i < 100; ++i) {
      if (accepts(http_port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  // The proxy's exit status, if it exits within `limit` on its own.
  std::optional<int> exits_within(std::chrono::seconds limit) {
    for (auto deadline = std::chrono::steady_clock::now() + limit;
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
    }
    return std::nullopt;
  }
  // A CONNECT tunnel to the origin through the proxy, open after its 200; -1 if refused.
  UniqueFd open_tunnel() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(http_port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
    const std::string target = "origin.test:" + std::to_string(origin_->port());
    const std::string request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target +
                                "\r\nProxy-Authorization: Bearer " + kToken + "\r\n\r\n";
    if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return {};
    }
    char answer[256] = {};
    const ssize_t n = ::recv(fd.get(), answer, sizeof answer - 1, 0);
    if (n <= 0 || std::string(answer, static_cast<size_t>(n)).find(" 200 ") == std::string::npos) {
      return {};
    }
    return fd;
  }
  std::string runtime() const { return dir() / "run"; }
  std::string stderr_path() const { return dir() / "proxy.err"; }
  RunOutput curl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/env", "curl", "-sS", "--max-time", "10"});
    return run_program(args);
  }
  std::string proxy_url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  std::string origin_url() const {
    return "http://origin.test:" + std::to_string(origin_->port()) + "/hello.txt";
  }

  std::unique_ptr<HttpOrigin> origin_;
  std::string config_, tokens_;
  int http_port_ = 0, socks_port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(ProxyCommandTest, ClientWithItsTokenReachesAnAllowedHost) {
  ASSERT_TRUE(start());
  auto r = curl({"-x", proxy_url(), "-U", std::string("ci-runner:") + kToken, origin_url()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the origin\n");
}

TEST_F(ProxyCommandTest, MissingOrWrongTokenGets407) {
  ASSERT_TRUE(start());
  for (const std::vector<std::string>& auth :
       {std::vector<std::string>{}, std::vector<std::string>{"-U", "ci-runner:wrong-token-000000"},
        std::vector<std::string>{"-U", std::string("someone-else:") + kToken}}) {
    std::vector<std::string> args = {"-i", "-x", proxy_url()};
    args.insert(args.end(), auth.begin(), auth.end());
    args.push_back(origin_url());
    auto r = curl(args);
    EXPECT_NE(r.out.find("407"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(r.out.find("hello from the origin"), std::string::npos);
  }
}

TEST_F(ProxyCommandTest, DeniedHostGets403EvenWithAToken) {
  ASSERT_TRUE(start());
  auto r = curl({"-i", "-x", proxy_url(), "-U", std::string("ci-runner:") + kToken,
                 "http://other.test:" + std::to_string(origin_->port()) + "/"});
  EXPECT_NE(r.out.find("403"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("X-Cordon-Denied"), std::string::npos) << r.out;
}

TEST_F(ProxyCommandTest, Socks5NeedsTheTokenToo) {
  ASSERT_TRUE(start());
  const std::string socks = "127.0.0.1:" + std::to_string(socks_port_);
  auto ok = curl({"--socks5-hostname", socks, "--proxy-user", std::string("ci-runner:") + kToken,
                  origin_url()});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "hello from the origin\n");
  auto anonymous = curl({"--socks5-hostname", socks, origin_url()});
  EXPECT_NE(anonymous.status, 0);
  EXPECT_EQ(anonymous.out.find("hello from the origin"), std::string::npos);
}

TEST_F(ProxyCommandTest, DecisionsAreAuditedWithTheClientName) {
  ASSERT_TRUE(start());
  ASSERT_EQ(
      curl({"-x", proxy_url(), "-U", std::string("ci-runner:") + kToken, origin_url()}).status, 0);
  EXPECT_EQ(stop(), 0);
  auto q =
      cordon({"audit", "query", "--store", audit_store(), "--kind", "network.decision", "--json"});
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_NE(q.out.find("\"client\": \"ci-runner\""), std::string::npos) << q.out;
  EXPECT_EQ(q.out.find(kToken), std::string::npos) << "the token must never be recorded";
}

// The trail fails closed: once its writer is gone the proxy stops, closes what is open and says
// why, instead of serving on with its decisions unrecorded.
TEST_F(ProxyCommandTest, WhenItsWriterDiesTheProxyStops) {
  ASSERT_TRUE(start());
  ASSERT_EQ(
      curl({"-x", proxy_url(), "-U", std::string("ci-runner:") + kToken, origin_url()}).status, 0);
  UniqueFd tunnel = open_tunnel();
  ASSERT_TRUE(tunnel) << "an idle tunnel to close";
  const std::vector<pid_t> writers = children_named(pid_, "cordon-audit-wr");
  ASSERT_EQ(writers.size(), 1u) << "the proxy's own writer";
  ASSERT_EQ(::kill(writers[0], SIGKILL), 0);

  const std::optional<int> status = exits_within(std::chrono::seconds(5));
  ASSERT_TRUE(status.has_value()) << "the proxy served on without its writer";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 125) << *status;
  const std::string err = read_text(stderr_path());
  EXPECT_NE(err.find("the audit writer stopped, so the proxy stopped"), std::string::npos) << err;
  char byte;
  EXPECT_LE(::recv(tunnel.get(), &byte, 1, 0), 0) << "the open tunnel was closed";
  EXPECT_FALSE(accepts(http_port_));
}

TEST_F(ProxyCommandTest, TokenFileReadableByOthersIsRefused) {
  ::chmod(tokens_.c_str(), 0644);
  auto r = cordon({"proxy", "--listen", "127.0.0.1:" + std::to_string(free_port()), "--config",
                   config_, "--tokens", tokens_});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
}

TEST_F(ProxyCommandTest, ShortTokenIsRefusedWithFileAndLine) {
  write_text(tokens_, "ci-runner short\n");
  ::chmod(tokens_.c_str(), 0600);
  auto r = cordon({"proxy", "--listen", "127.0.0.1:" + std::to_string(free_port()), "--config",
                   config_, "--tokens", tokens_});
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find(tokens_ + ":1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cordon::testing
