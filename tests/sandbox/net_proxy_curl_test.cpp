// Real clients against the proxy: curl through the HTTP proxy (forward, keep-alive across hosts,
// CONNECT with -p, HTTPS to an `openssl s_server` origin, domain fronting with --connect-to,
// client tokens in the proxy URL) and through SOCKS5 with remote name resolution.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sandbox/net_proxy_harness.h"

namespace cordon::net::testing {
namespace {

bool have(const char* program) {
  std::string command = std::string("command -v ") + program + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

struct Command {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command line (only fixed arguments and loopback ports are interpolated).
Command run(const std::string& command) {
  Command result;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

EgressConfig curl_config(std::vector<uint16_t> ports) {
  EgressConfig config;
  for (uint16_t port : ports) {
    std::string p = std::to_string(port);
    config.allow.push_back("origin.test:" + p);
    config.allow.push_back("api.example.com:" + p);
    config.allow_cidr.push_back("127.0.0.1/32:" + p);
  }
  config.resolve = {{"origin.test", "127.0.0.1"}, {"api.example.com", "127.0.0.1"}};
  return config;
}

class NetProxyCurl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("curl")) GTEST_SKIP() << "curl is not installed";
  }
  std::string curl() const { return "curl -sS --noproxy '' --max-time 10 "; }
};

TEST_F(NetProxyCurl, ForwardProxyKeepAliveAndRefusal) {
  HttpOrigin origin;
  ProxyRunner proxy(curl_config({origin.port()}));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.ports().http);
  std::string base = "http://origin.test:" + std::to_string(origin.port());

  Command hello = run(curl() + "-x " + proxy_url + " " + base + "/hello");
  EXPECT_EQ(hello.exit_code, 0);
  EXPECT_EQ(hello.out, "hello from origin");

  // Three URLs on one kept-alive connection: allowed, allowed, then a host no rule allows.
  std::string null = " -o /dev/null ";
  Command codes = run(curl() + "-w '%{http_code} %{num_connects}\\n' -x " + proxy_url + null +
                      base + "/hello" + null + base + "/chunked" + null +
                      "http://denied.test:" + std::to_string(origin.port()) + "/hello");
  EXPECT_EQ(codes.out, "200 1\n200 0\n403 0\n");
  EXPECT_EQ(origin.connections(), 2);  // one per curl run

  Command posted = run(curl() + "-x " + proxy_url + " --data-binary 'a=1&b=2' " + base + "/echo");
  EXPECT_EQ(posted.out, "a=1&b=2");
  Command chunked =
      run(curl() + "-x " + proxy_url +
          " -H 'Transfer-Encoding: chunked' --data-binary 'streamed' " + base + "/echo");
  EXPECT_EQ(chunked.out, "streamed");
}

TEST_F(NetProxyCurl, ConnectTunnelWithProxytunnel) {
  HttpOrigin origin;
  ProxyRunner proxy(curl_config({origin.port()}));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  Command tunnelled = run(curl() + "-p -x http://127.0.0.1:" + std::to_string(proxy.ports().http) +
                          " http://origin.test:" + std::to_string(origin.port()) + "/hello");
  EXPECT_EQ(tunnelled.exit_code, 0);
  EXPECT_EQ(tunnelled.out, "hello from origin");
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].protocol, "connect");
  EXPECT_TRUE(records[0].allowed);
}

TEST_F(NetProxyCurl, Socks5WithRemoteResolution) {
  HttpOrigin origin;
  ProxyRunner proxy(curl_config({origin.port()}));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::string socks = "--socks5-hostname 127.0.0.1:" + std::to_string(proxy.ports().socks5) + " ";
  Command ok =
      run(curl() + socks + "http://origin.test:" + std::to_string(origin.port()) + "/hello");
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out, "hello from origin");
  Command refused =
      run(curl() + socks + "http://denied.test:" + std::to_string(origin.port()) + "/hello");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_EQ(origin.requests(), 1);
}

TEST_F(NetProxyCurl, ClientTokenInTheProxyUrl) {
  HttpOrigin origin;
  ProxyOptions options;
  options.client_tokens = {{"s3cret", "laptop"}};
  ProxyRunner proxy(curl_config({origin.port()}), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::string url = " http://origin.test:" + std::to_string(origin.port()) + "/hello";
  std::string port = std::to_string(proxy.ports().http);
  Command with_token = run(curl() + "-x http://laptop:s3cret@127.0.0.1:" + port + url);
  EXPECT_EQ(with_token.out, "hello from origin");
  Command without =
      run(curl() + "-o /dev/null -w '%{http_code}' -x http://127.0.0.1:" + port + url);
  EXPECT_EQ(without.out, "407");
  Command socks =
      run(curl() + "--socks5-hostname 127.0.0.1:" + std::to_string(proxy.ports().socks5) +
          " --proxy-user laptop:s3cret" + url);
  EXPECT_EQ(socks.out, "hello from origin");
}

// An `openssl s_server -www` origin with a throwaway certificate for origin.test.
class TlsOrigin {
 public:
  TlsOrigin() {
    dir_ = std::filesystem::temp_directory_path() /
           ("cordon-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    std::string key = (dir_ / "key.pem").string();
    std::string cert = (dir_ / "cert.pem").string();
    std::string make =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 1 -subj /CN=origin.test -keyout " +
        key + " -out " + cert + " >/dev/null 2>&1";
    if (std::system(make.c_str()) != 0) return;
    {
      UniqueFd probe = listen_tcp();
      port_ = local_port(probe);
    }
    std::string accept = "127.0.0.1:" + std::to_string(port_);  // no allocation after fork
    pid_ = ::fork();
    if (pid_ == 0) {
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(),
               "-cert", cert.c_str(), "-key", key.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !ready_; ++i) {  // wait until it listens
      ready_ = connect_to(port_, 100ms).valid();
      if (!ready_) std::this_thread::sleep_for(20ms);
    }
  }
  ~TlsOrigin() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  bool ready() const { return ready_; }
  uint16_t port() const { return port_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  bool ready_ = false;
};

TEST_F(NetProxyCurl, HttpsThroughConnectAndDomainFrontingRefused) {
  if (!have("openssl")) GTEST_SKIP() << "openssl is not installed";
  TlsOrigin origin;
  if (!origin.ready()) GTEST_SKIP() << "openssl s_server did not start";
  ProxyRunner proxy(curl_config({origin.port()}));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::string proxy_arg = "-k -x http://127.0.0.1:" + std::to_string(proxy.ports().http) + " ";
  std::string port = std::to_string(origin.port());

  Command ok = run(curl() + proxy_arg + "https://origin.test:" + port + "/");
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_NE(ok.out.find("s_server"), std::string::npos) << ok.out.substr(0, 200);

  // The CONNECT names api.example.com (allowed), the TLS server name says origin.test.
  Command fronted = run(curl() + proxy_arg + "--connect-to origin.test:" + port +
                        ":api.example.com:" + port + " https://origin.test:" + port + "/");
  EXPECT_NE(fronted.exit_code, 0);

  auto records = proxy.wait_records(2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].allowed);
  EXPECT_EQ(records[0].host, "origin.test");
  EXPECT_FALSE(records[1].allowed);
  EXPECT_EQ(records[1].host, "api.example.com");
  EXPECT_EQ(records[1].reason,
            "TLS server name origin.test differs from CONNECT host api.example.com");
}

}  // namespace
}  // namespace cordon::net::testing
