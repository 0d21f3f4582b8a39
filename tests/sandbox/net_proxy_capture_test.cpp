// The captured entry points: the DNS stub (synthetic answers, REFUSED, never forwarded), the
// transparent listener (original destination mapped back to a name, SNI checked, bytes
// tunnelled), and TCP forwards. The transparent path runs twice: with a substituted
// original-destination lookup, and for real in a new network namespace with an nf_tables
// redirect and SO_ORIGINAL_DST.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "net/socket_address.h"
#include "sandbox/net_proxy_harness.h"
#include "sandbox/run_in_child.h"

namespace cordon::net::testing {
namespace {

using cordon::testing::run_in_child;

EgressConfig capture_config(uint16_t port) {
  std::string p = std::to_string(port);
  EgressConfig config;
  config.allow = {"origin.test:" + p, "api.example.com:" + p, "*.wild.example.com"};
  config.deny = {"denied.test", "bad.wild.example.com"};
  config.resolve = {
      {"origin.test", "127.0.0.1"}, {"api.example.com", "127.0.0.1"}, {"denied.test", "127.0.0.1"}};
  config.allow_cidr = {"127.0.0.1/32:" + p};
  return config;
}

// ---- DNS ----

std::string dns_query(uint16_t id, const std::string& name, uint16_t type, uint16_t qclass = 1) {
  std::string m;
  m.push_back(static_cast<char>(id >> 8));
  m.push_back(static_cast<char>(id & 0xff));
  m += std::string("\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);  // RD, one question
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    m.push_back(static_cast<char>(dot - start));
    m += name.substr(start, dot - start);
    start = dot + 1;
  }
  m.push_back(0);
  m.push_back(static_cast<char>(type >> 8));
  m.push_back(static_cast<char>(type & 0xff));
  m.push_back(static_cast<char>(qclass >> 8));
  m.push_back(static_cast<char>(qclass & 0xff));
  return m;
}

struct DnsAnswer {
  bool received = false;
  uint16_t id = 0;
  int rcode = -1;
  int answers = 0;
  std::string address;  // the A record, if any
};

DnsAnswer ask(uint16_t dns_port, const std::string& query) {
  DnsAnswer answer;
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  timeval tv{2, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(dns_port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd.get(), query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  uint8_t buffer[1500];
  ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
  if (n < 12) return answer;
  answer.received = true;
  answer.id = static_cast<uint16_t>(buffer[0] << 8 | buffer[1]);
  answer.rcode = buffer[3] & 0x0f;
  answer.answers = buffer[6] << 8 | buffer[7];
  if (answer.answers == 1 && n >= 4) {
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, buffer + n - 4, text, sizeof(text));
    answer.address = text;
  }
  return answer;
}

TEST(NetProxyDns, AllowedNamesGetSyntheticAddressesOthersRefused) {
  ProxyRunner proxy(capture_config(8080));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  uint16_t port = proxy.ports().dns;

  DnsAnswer a = ask(port, dns_query(0x1234, "origin.test", 1));
  ASSERT_TRUE(a.received);
  EXPECT_EQ(a.id, 0x1234);
  EXPECT_EQ(a.rcode, 0);
  EXPECT_EQ(a.answers, 1);
  EXPECT_EQ(a.address.rfind("198.18.", 0), 0u) << a.address;
  // The same name (in another case) keeps its address; another name gets another one.
  DnsAnswer again = ask(port, dns_query(2, "ORIGIN.test", 1));
  EXPECT_EQ(again.address, a.address);
  DnsAnswer wild = ask(port, dns_query(3, "x.wild.example.com", 1));
  EXPECT_EQ(wild.rcode, 0);
  EXPECT_NE(wild.address, a.address);
  EXPECT_FALSE(wild.address.empty());

  DnsAnswer aaaa = ask(port, dns_query(4, "origin.test", 28));
  EXPECT_EQ(aaaa.rcode, 0);
  EXPECT_EQ(aaaa.answers, 0);
  DnsAnswer mx = ask(port, dns_query(5, "origin.test", 15));
  EXPECT_EQ(mx.rcode, 0);
  EXPECT_EQ(mx.answers, 0);

  for (const char* name : {"denied.test", "unlisted.example.org", "bad.wild.example.com",
                           "wild.example.com", "localhost", "127.0.0.1"}) {
    DnsAnswer refused = ask(port, dns_query(6, name, 1));
    EXPECT_EQ(refused.rcode, 5) << name;
    EXPECT_EQ(refused.answers, 0) << name;
  }
  DnsAnswer chaos = ask(port, dns_query(7, "version.bind", 16, 3));
  EXPECT_EQ(chaos.rcode, 5);

  // Garbage gets no answer, and the stub still serves afterwards.
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd.get(), "\x00\x01garbage", 9, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  EXPECT_EQ(ask(port, dns_query(8, "origin.test", 1)).address, a.address);

  auto records = proxy.records();
  ASSERT_GE(records.size(), 12u);
  EXPECT_EQ(records[0].entry, EntryPoint::kDns);
  EXPECT_EQ(records[0].protocol, "dns");
  EXPECT_TRUE(records[0].allowed);
  EXPECT_EQ(records[0].host, "origin.test");
  EXPECT_EQ(records[0].address, a.address);
  int refused = 0;
  for (const auto& r : records) refused += r.allowed ? 0 : 1;
  EXPECT_EQ(refused, 7);
}

// ---- transparent, with a substituted original-destination lookup ----

// Destinations the test sets per client port, read by the proxy's lookup.
class FakeDestinations {
 public:
  std::function<Result<Endpoint>(const UniqueFd&)> lookup() {
    return [this](const UniqueFd& client) -> Result<Endpoint> {
      sockaddr_in peer{};
      socklen_t length = sizeof(peer);
      ::getpeername(client.get(), reinterpret_cast<sockaddr*>(&peer), &length);
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = by_port_.find(ntohs(peer.sin_port));
      if (it == by_port_.end()) return Error(Errc::kSystem, "not redirected", ENOENT);
      return it->second;
    };
  }
  // A client socket, bound first so that its port can be mapped before it connects.
  UniqueFd connect(uint16_t transparent_port, const std::string& address, uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval tv{5, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local));
    uint16_t client_port = local_port(fd);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!address.empty()) by_port_[client_port] = Endpoint{*IpAddress::parse(address), port};
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(transparent_port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) return UniqueFd();
    return fd;
  }

 private:
  std::mutex mutex_;
  std::map<uint16_t, Endpoint> by_port_;
};

TEST(NetProxyTransparent, SyntheticAddressStandsForItsName) {
  HttpOrigin origin;
  FakeDestinations destinations;
  ProxyOptions options;
  options.original_destination = destinations.lookup();
  ProxyRunner proxy(capture_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::string synthetic = ask(proxy.ports().dns, dns_query(1, "origin.test", 1)).address;
  ASSERT_FALSE(synthetic.empty());

  UniqueFd client = destinations.connect(proxy.ports().transparent, synthetic, origin.port());
  ASSERT_TRUE(client.valid());
  // Plain HTTP in the tunnel names the name the address stands for (http_tunnel_inspector.h).
  ASSERT_TRUE(
      send_all(client, "GET /host HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n"));
  HttpReply reply = read_reply(client);
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.body, "origin.test");
  client.reset();  // the tunnel, and its record, end when both sides have closed

  auto records = proxy.wait_records(2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].entry, EntryPoint::kTransparent);
  EXPECT_EQ(records[1].protocol, "transparent");
  EXPECT_EQ(records[1].host, "origin.test");
  EXPECT_EQ(records[1].address, "127.0.0.1");
  EXPECT_TRUE(records[1].allowed);

  // Another Host on the same address would reach another site on a shared front end.
  UniqueFd fronted = destinations.connect(proxy.ports().transparent, synthetic, origin.port());
  ASSERT_TRUE(fronted.valid());
  ASSERT_TRUE(
      send_all(fronted, "GET /host HTTP/1.1\r\nHost: whatever\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(read_reply(fronted).ok);
  auto all = proxy.wait_records(3);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_FALSE(all[2].allowed);
  EXPECT_NE(all[2].reason.find("Host whatever differs from the name of " + synthetic),
            std::string::npos)
      << all[2].reason;
}

TEST(NetProxyTransparent, RefusalsCloseTheConnection) {
  RawServer origin([](const UniqueFd& c) {
    char buffer[65536];
    for (;;) {
      ssize_t n = ::recv(c.get(), buffer, sizeof(buffer), 0);
      if (n <= 0 || !send_all(c, std::string_view(buffer, static_cast<size_t>(n)))) return;
    }
  });
  FakeDestinations destinations;
  ProxyOptions options;
  options.original_destination = destinations.lookup();
  ProxyRunner proxy(capture_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  uint16_t tport = proxy.ports().transparent;
  std::string origin_address = ask(proxy.ports().dns, dns_query(1, "origin.test", 1)).address;
  std::string api_address = ask(proxy.ports().dns, dns_query(2, "api.example.com", 1)).address;
  ASSERT_FALSE(origin_address.empty());

  // Refused before a byte: never handed out, a literal no rule allows, not redirected.
  for (auto [address, port] : std::vector<std::pair<std::string, uint16_t>>{
           {"198.19.200.1", origin.port()}, {"203.0.113.9", 80}, {"", 0}, {origin_address, 443}}) {
    UniqueFd client = destinations.connect(tport, address, port);
    ASSERT_TRUE(client.valid());
    EXPECT_TRUE(peer_closed(client, 2s)) << address;
  }

  // TLS: the server name must be the name the address was handed out for, and allowed.
  UniqueFd good = destinations.connect(tport, origin_address, origin.port());
  std::string hello = client_hello("origin.test");
  ASSERT_TRUE(send_all(good, hello));
  EXPECT_EQ(recv_n(good, hello.size()), hello);
  UniqueFd fronted = destinations.connect(tport, origin_address, origin.port());
  ASSERT_TRUE(send_all(fronted, client_hello("api.example.com")));  // allowed, but another name
  EXPECT_TRUE(peer_closed(fronted, 2s));

  // A literal destination: the TLS name must be allowed on its own.
  UniqueFd literal_ok = destinations.connect(tport, "127.0.0.1", origin.port());
  ASSERT_TRUE(send_all(literal_ok, client_hello("api.example.com")));
  EXPECT_EQ(recv_n(literal_ok, hello.size() + 4).size(), client_hello("api.example.com").size());
  UniqueFd literal_bad = destinations.connect(tport, "127.0.0.1", origin.port());
  ASSERT_TRUE(send_all(literal_bad, client_hello("denied.test")));
  EXPECT_TRUE(peer_closed(literal_bad, 2s));
  (void)api_address;

  good.reset();
  literal_ok.reset();
  auto records = proxy.wait_records(10);
  int refused = 0;
  for (const auto& r : records) {
    if (r.entry == EntryPoint::kTransparent && !r.allowed) ++refused;
  }
  EXPECT_EQ(refused, 6);
}

// ---- transparent, for real: nf_tables redirect and SO_ORIGINAL_DST in a new netns ----

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out.flush());
}

TEST(NetProxyTransparent, RedirectedConnectionsInANetworkNamespace) {
  if (::system("command -v nft >/dev/null 2>&1 && command -v ip >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "nft or ip not installed";
  }
  struct Report {
    int setup;  // 0 ok, 1 unshare, 2 maps, 3 ip, 4 proxy, 5 nft
    int setup_errno;
    int dns_ok;
    int status;
    int body_ok;
    int refused_closed;
    int records_allowed;
    int records_refused;
  };
  int status = 0;
  Report r = run_in_child<Report>(
      [](Report& report) {
        report = Report{};
        uid_t uid = ::getuid();
        gid_t gid = ::getgid();
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
          report.setup = 1;
          report.setup_errno = errno;
          return;
        }
        if (!write_file("/proc/self/setgroups", "deny") ||
            !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
            !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
          report.setup = 2;
          return;
        }
        if (::system("ip link set lo up && ip route add local default dev lo") != 0) {
          report.setup = 3;
          return;
        }
        HttpOrigin origin;
        ProxyRunner proxy(capture_config(origin.port()));  // the real SO_ORIGINAL_DST
        if (!proxy.ok()) {
          report.setup = 4;
          return;
        }
        std::string tport = std::to_string(proxy.ports().transparent);
        std::string rules =
            "nft add table ip cap && "
            "nft add chain ip cap out '{ type nat hook output priority -100; }' && "
            "nft add rule ip cap out ip daddr 127.0.0.0/8 return && "
            "nft add rule ip cap out meta l4proto tcp redirect to :" +
            tport;
        if (::system(rules.c_str()) != 0) {
          report.setup = 5;
          return;
        }
        std::string synthetic = ask(proxy.ports().dns, dns_query(9, "origin.test", 1)).address;
        report.dns_ok = synthetic.rfind("198.18.", 0) == 0;

        // The box's view: connect to the synthetic address on the origin's port.
        UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        timeval tv{5, 0};
        ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(origin.port());
        ::inet_pton(AF_INET, synthetic.c_str(), &to.sin_addr);
        if (::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0) {
          send_all(client, "GET /hello HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n");
          HttpReply reply = read_reply(client);
          report.status = reply.status;
          report.body_ok = reply.body == "hello from origin";
        }
        client.reset();
        // An address no rule allows: redirected, refused, closed.
        UniqueFd other(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ::setsockopt(other.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ::inet_pton(AF_INET, "203.0.113.9", &to.sin_addr);
        to.sin_port = htons(80);
        if (::connect(other.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0) {
          report.refused_closed = peer_closed(other, 2s);
        }
        auto records = proxy.wait_records(3);
        for (const auto& rec : records) {
          if (rec.entry != EntryPoint::kTransparent) continue;
          if (rec.allowed && rec.host == "origin.test") ++report.records_allowed;
          if (!rec.allowed && rec.host == "203.0.113.9") ++report.records_refused;
        }
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  if (r.setup == 1 || r.setup == 2) {
    GTEST_SKIP() << "no unprivileged user+network namespaces here (errno " << r.setup_errno << ")";
  }
  if (r.setup == 5) GTEST_SKIP() << "nf_tables NAT is not available in a user namespace here";
  ASSERT_EQ(r.setup, 0);
  EXPECT_TRUE(r.dns_ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body_ok);
  EXPECT_TRUE(r.refused_closed);
  EXPECT_EQ(r.records_allowed, 1);
  EXPECT_EQ(r.records_refused, 1);
}

// ---- forwards ----

TEST(NetProxyForward, FixedTargetDecidedLikeAnyConnection) {
  HttpOrigin origin;
  EgressConfig config = capture_config(origin.port());
  std::string p = std::to_string(origin.port());
  ProxyRunner proxy(config, {}, {"origin.test:" + p, "denied.test:" + p});
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().forwards[0]);
  ASSERT_TRUE(send_all(client, "GET /hello HTTP/1.1\r\nHost: db\r\nConnection: close\r\n\r\n"));
  HttpReply reply = read_reply(client);
  EXPECT_EQ(reply.body, "hello from origin");
  client.reset();

  UniqueFd denied = connect_to(proxy.ports().forwards[1]);
  EXPECT_TRUE(peer_closed(denied, 2s));
  auto records = proxy.wait_records(2);
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    EXPECT_EQ(r.entry, EntryPoint::kForward);
    EXPECT_EQ(r.allowed, r.host == "origin.test") << r.host << ": " << r.reason;
  }
}

}  // namespace
}  // namespace cordon::net::testing
