// CONNECT and SOCKS5 tunnels over real loopback sockets: decided, dialled, then the TLS
// ClientHello's server name checked against the requested host; the origin's bytes flow before
// the client's first message completes (server-speaks-first protocols).
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/net_proxy_harness.h"

namespace cordon::net::testing {
namespace {

EgressConfig tunnel_config(uint16_t port) {
  std::string p = std::to_string(port);
  EgressConfig config;
  config.allow = {"origin.test:" + p, "api.example.com:" + p};
  config.deny = {"denied.test"};
  config.resolve = {
      {"origin.test", "127.0.0.1"}, {"api.example.com", "127.0.0.1"}, {"denied.test", "127.0.0.1"}};
  config.allow_cidr = {"127.0.0.1/32:" + p};
  return config;
}

// An origin that sends back every byte it receives.
RawServer::Handler echo() {
  return [](const UniqueFd& c) {
    char buffer[65536];
    for (;;) {
      ssize_t n = ::recv(c.get(), buffer, sizeof(buffer), 0);
      if (n <= 0) return;
      if (!send_all(c, std::string_view(buffer, static_cast<size_t>(n)))) return;
    }
  };
}

// Sends a CONNECT and reads the proxy's answer head.
HttpReply connect_through(const UniqueFd& client, const std::string& authority) {
  send_all(client, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
  return read_reply(client, /*head_request=*/true);
}

TEST(NetProxyConnect, TunnelCarriesTheClientsProtocol) {
  HttpOrigin origin;
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  HttpReply established = connect_through(client, "origin.test:" + std::to_string(origin.port()));
  ASSERT_EQ(established.status, 200) << established.head;
  ASSERT_TRUE(send_all(client, "GET /hello HTTP/1.1\r\nHost: origin.test\r\n\r\n"));
  HttpReply reply = read_reply(client);
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.body, "hello from origin");
  ::shutdown(client.get(), SHUT_WR);
  EXPECT_TRUE(peer_closed(client, 2s));
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].allowed);
  EXPECT_EQ(records[0].protocol, "connect");
  EXPECT_EQ(records[0].host, "origin.test");
  EXPECT_EQ(records[0].address, "127.0.0.1");
  EXPECT_GT(records[0].bytes_up, 0u);
  EXPECT_GT(records[0].bytes_down, 0u);
}

TEST(NetProxyConnect, DeniedHostAndUnlistedPortAre403) {
  HttpOrigin origin;
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  for (const std::string& authority :
       {"denied.test:" + std::to_string(origin.port()), std::string("origin.test:443"),
        "origin.test:" + std::to_string(origin.port() + 1), std::string("127.0.0.1:22")}) {
    UniqueFd client = connect_to(proxy.ports().http);
    HttpReply reply = connect_through(client, authority);
    EXPECT_EQ(reply.status, 403) << authority;
    EXPECT_TRUE(header_value(reply.head, "X-Cordon-Denied").has_value()) << reply.head;
  }
  EXPECT_EQ(origin.connections(), 0);
  auto records = proxy.wait_records(4);
  for (const auto& r : records) EXPECT_FALSE(r.allowed) << r.host;
}

TEST(NetProxyConnect, MatchingServerNamePasses) {
  RawServer origin(echo());
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  // The same name in another spelling, no SNI at all, and bytes that are not TLS all pass.
  for (const std::string& hello : {client_hello("origin.test"), client_hello("ORIGIN.test."),
                                   client_hello(""), std::string("SSH-2.0-client\r\n")}) {
    UniqueFd client = connect_to(proxy.ports().http);
    ASSERT_EQ(connect_through(client, "origin.test:" + std::to_string(origin.port())).status, 200);
    ASSERT_TRUE(send_all(client, hello));
    EXPECT_EQ(recv_n(client, hello.size()), hello);
  }
}

TEST(NetProxyConnect, ServerNameThatDiffersFromTheConnectHostIsRefused) {
  RawServer origin(echo());
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_EQ(connect_through(client, "origin.test:" + std::to_string(origin.port())).status, 200);
  // Split across two writes: the gate waits for the whole ClientHello.
  std::string hello = client_hello("api.example.com");
  ASSERT_TRUE(send_all(client, hello.substr(0, 20)));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(send_all(client, hello.substr(20)));
  EXPECT_TRUE(peer_closed(client, 2s));
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].allowed);
  EXPECT_EQ(records[0].reason,
            "TLS server name api.example.com differs from CONNECT host origin.test");
  EXPECT_EQ(records[0].bytes_up, 0u);  // nothing reached the origin
}

TEST(NetProxyConnect, MalformedClientHelloIsRefused) {
  RawServer origin(echo());
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_EQ(connect_through(client, "origin.test:" + std::to_string(origin.port())).status, 200);
  std::string hello = client_hello("origin.test");
  hello[5] = '\x02';  // a ServerHello where the ClientHello must be
  ASSERT_TRUE(send_all(client, hello));
  EXPECT_TRUE(peer_closed(client, 2s));
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].allowed);
}

TEST(NetProxyConnect, OriginThatSpeaksFirstIsHeardBeforeTheClientSpeaks) {
  RawServer origin([](const UniqueFd& c) {
    send_all(c, "SSH-2.0-origin\r\n");
    char buffer[256];
    ssize_t n = ::recv(c.get(), buffer, sizeof(buffer), 0);
    if (n > 0) send_all(c, "got " + std::string(buffer, static_cast<size_t>(n)));
  });
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_EQ(connect_through(client, "origin.test:" + std::to_string(origin.port())).status, 200);
  EXPECT_EQ(recv_n(client, 16), "SSH-2.0-origin\r\n");
  ASSERT_TRUE(send_all(client, "SSH-2.0-client\r\n"));
  EXPECT_EQ(recv_n(client, 20), "got SSH-2.0-client\r\n");
}

TEST(NetProxyConnect, HalfCloseIsPassedOn) {
  RawServer origin([](const UniqueFd& c) {
    std::string got = recv_all(c);  // until the client's FIN arrives through the proxy
    send_all(c, "received " + std::to_string(got.size()));
  });
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_EQ(connect_through(client, "origin.test:" + std::to_string(origin.port())).status, 200);
  ASSERT_TRUE(send_all(client, std::string(100000, 'x')));
  ::shutdown(client.get(), SHUT_WR);
  EXPECT_EQ(recv_all(client), "received 100000");
}

// A large upload, by either relay (splice through a pipe, or copy when no pipe can be made):
// the origin checks every byte against the pattern and reports how many came, and where the
// first wrong one was.
class TunnelUpload : public ::testing::TestWithParam<bool> {};

// Pipes this process holds open (the proxy runs on a thread of it).
int open_pipes() {
  int count = 0;
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) return -1;
  while (const dirent* entry = ::readdir(fds)) {
    char target[64] = {};
    std::string link = std::string("/proc/self/fd/") + entry->d_name;
    if (::readlink(link.c_str(), target, sizeof target - 1) > 0 &&
        std::string_view(target).starts_with("pipe:")) {
      ++count;
    }
  }
  ::closedir(fds);
  return count;
}

unsigned char upload_byte(size_t offset) {
  return static_cast<unsigned char>((offset * 13 + offset / 4093) & 0xff);
}

TEST_P(TunnelUpload, EveryByteArrivesInOrderAndIsCounted) {
  constexpr size_t kTotal = 24 * 1024 * 1024;
  RawServer origin([](const UniqueFd& c) {
    size_t got = 0;
    size_t first_wrong = SIZE_MAX;
    char buffer[65536];
    for (;;) {
      ssize_t n = ::recv(c.get(), buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n && first_wrong == SIZE_MAX; ++i) {
        if (static_cast<unsigned char>(buffer[i]) != upload_byte(got + static_cast<size_t>(i))) {
          first_wrong = got + static_cast<size_t>(i);
        }
      }
      got += static_cast<size_t>(n);
    }
    send_all(c,
             std::to_string(got) + " " +
                 (first_wrong == SIZE_MAX ? "intact" : "wrong at " + std::to_string(first_wrong)));
  });
  ProxyOptions options;
  options.limits.tunnel_splice = GetParam();
  ProxyRunner proxy(tunnel_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  const int pipes_before = open_pipes();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_EQ(connect_through(client, "origin.test:" + std::to_string(origin.port())).status, 200);
  std::string chunk(1 << 20, '\0');
  for (size_t sent = 0; sent < kTotal; sent += chunk.size()) {
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(upload_byte(sent + i));
    ASSERT_TRUE(send_all(client, chunk));
  }
  // The relay that was asked for is the one that ran: a spliced direction holds its pipe until
  // the tunnel ends; a copied one has none.
  if (GetParam()) {
    EXPECT_EQ(open_pipes(), pipes_before + 2) << "the upload did not go through a pipe";
  } else {
    EXPECT_EQ(open_pipes(), pipes_before);
  }
  ::shutdown(client.get(), SHUT_WR);
  EXPECT_EQ(recv_all(client), std::to_string(kTotal) + " intact");
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].bytes_up, kTotal);
}

INSTANTIATE_TEST_SUITE_P(NetProxyConnect, TunnelUpload, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Splice" : "Copy";
                         });

TEST(NetProxyConnect, AllowedIpv6LiteralIsDialled) {
  UniqueFd listener(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener.get(), 8) != 0) {
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  socklen_t length = sizeof(address);
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
  uint16_t port = ntohs(address.sin6_port);
  std::thread origin([&] {
    UniqueFd c(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    char buffer[256];
    ssize_t n = ::recv(c.get(), buffer, sizeof(buffer), 0);
    if (n > 0) send_all(c, std::string_view(buffer, static_cast<size_t>(n)));
  });
  EgressConfig config;
  config.allow_cidr = {"::1/128:" + std::to_string(port)};
  ProxyRunner proxy(config);
  ASSERT_TRUE(proxy.ok()) << proxy.error();

  UniqueFd refused = connect_to(proxy.ports().http);  // another port: no allow_cidr for it
  EXPECT_EQ(connect_through(refused, "[::1]:" + std::to_string(port + 1)).status, 403);
  UniqueFd client = connect_to(proxy.ports().http);
  HttpReply reply = connect_through(client, "[::1]:" + std::to_string(port));
  EXPECT_EQ(reply.status, 200) << reply.head;
  if (reply.status == 200) {
    ASSERT_TRUE(send_all(client, "six"));
    EXPECT_EQ(recv_n(client, 3), "six");
  } else {
    UniqueFd unblock(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    (void)!::connect(unblock.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
  }
  origin.join();
  client.reset();
  auto records = proxy.wait_records(2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].allowed);
  EXPECT_TRUE(records[1].allowed);
  EXPECT_EQ(records[1].host, "::1");
  EXPECT_EQ(records[1].address, "::1");
}

// ---- SOCKS5 ----

std::string socks_request(uint8_t command, const std::string& host, uint16_t port) {
  std::string request("\x05", 1);
  request.push_back(static_cast<char>(command));
  request.push_back(0);
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    request.push_back(1);
    request.append(reinterpret_cast<const char*>(&v4), 4);
  } else {
    request.push_back(3);
    request.push_back(static_cast<char>(host.size()));
    request += host;
  }
  request.push_back(static_cast<char>(port >> 8));
  request.push_back(static_cast<char>(port & 0xff));
  return request;
}

// Greets without authentication, sends the request and returns the reply code (-1: none).
int socks_connect(const UniqueFd& client, uint8_t command, const std::string& host, uint16_t port) {
  if (!send_all(client, std::string("\x05\x01\x00", 3))) return -1;
  std::string method = recv_n(client, 2);
  if (method != std::string("\x05\x00", 2)) return -1;
  if (!send_all(client, socks_request(command, host, port))) return -1;
  std::string reply = recv_n(client, 10);
  if (reply.size() != 10 || reply[0] != 5) return -1;
  return static_cast<uint8_t>(reply[1]);
}

TEST(NetProxySocks5, AllowedConnectCarriesBytes) {
  RawServer origin(echo());
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().socks5);
  ASSERT_EQ(socks_connect(client, 1, "origin.test", origin.port()), 0);
  ASSERT_TRUE(send_all(client, "ping"));
  EXPECT_EQ(recv_n(client, 4), "ping");
  client.reset();
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].allowed);
  EXPECT_EQ(records[0].entry, EntryPoint::kSocks5);
  EXPECT_EQ(records[0].protocol, "socks5");
  EXPECT_EQ(records[0].bytes_up, 4u);
  EXPECT_EQ(records[0].bytes_down, 4u);
}

TEST(NetProxySocks5, RefusalsUseTheirReplyCodes) {
  RawServer origin(echo());
  uint16_t closed_port;
  {
    UniqueFd probe = listen_tcp();
    closed_port = local_port(probe);
  }
  EgressConfig config = tunnel_config(origin.port());
  config.allow.push_back("api.example.com:" + std::to_string(closed_port));
  config.allow_cidr.push_back("127.0.0.1/32:" + std::to_string(closed_port));
  ProxyRunner proxy(config);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  struct Case {
    uint8_t command;
    std::string host;
    uint16_t port;
    int reply;
  };
  std::vector<Case> cases = {
      {1, "denied.test", origin.port(), 0x02},
      {1, "origin.test", 443, 0x02},
      {1, "127.0.0.1", 22, 0x02},  // loopback, no allow_cidr for the port
      {1, "localhost", origin.port(), 0x02},
      {2, "origin.test", origin.port(), 0x07},    // BIND
      {3, "origin.test", origin.port(), 0x07},    // UDP ASSOCIATE
      {1, "api.example.com", closed_port, 0x05},  // allowed, nothing listens
  };
  for (const Case& c : cases) {
    UniqueFd client = connect_to(proxy.ports().socks5);
    EXPECT_EQ(socks_connect(client, c.command, c.host, c.port), c.reply) << c.host << ":" << c.port;
    EXPECT_TRUE(peer_closed(client, 2s));
  }
  auto records = proxy.wait_records(cases.size());
  ASSERT_EQ(records.size(), cases.size());
  EXPECT_FALSE(records[4].allowed);
  EXPECT_NE(records[4].reason.find("BIND"), std::string::npos) << records[4].reason;
  EXPECT_TRUE(records[6].allowed);  // the rules allowed it; the origin was not there
}

TEST(NetProxySocks5, ServerNameMustMatchTheRequestedHost) {
  RawServer origin(echo());
  ProxyRunner proxy(tunnel_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().socks5);
  ASSERT_EQ(socks_connect(client, 1, "origin.test", origin.port()), 0);
  ASSERT_TRUE(send_all(client, client_hello("denied.test")));
  EXPECT_TRUE(peer_closed(client, 2s));
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].allowed);
  EXPECT_EQ(records[0].reason, "TLS server name denied.test differs from SOCKS5 host origin.test");
}

TEST(NetProxySocks5, StandaloneProxyNeedsUsernameAndToken) {
  RawServer origin(echo());
  ProxyOptions options;
  options.client_tokens = {{"tok-123", "runner"}};
  ProxyRunner proxy(tunnel_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  auto credentials = [](const std::string& user, const std::string& password) {
    std::string m("\x01", 1);
    m.push_back(static_cast<char>(user.size()));
    m += user;
    m.push_back(static_cast<char>(password.size()));
    m += password;
    return m;
  };
  {  // no acceptable method
    UniqueFd client = connect_to(proxy.ports().socks5);
    ASSERT_TRUE(send_all(client, std::string("\x05\x01\x00", 3)));
    EXPECT_EQ(recv_n(client, 2), std::string("\x05\xff", 2));
    EXPECT_TRUE(peer_closed(client, 2s));
  }
  {  // wrong token
    UniqueFd client = connect_to(proxy.ports().socks5);
    ASSERT_TRUE(send_all(client, std::string("\x05\x02\x00\x02", 4)));
    EXPECT_EQ(recv_n(client, 2), std::string("\x05\x02", 2));
    ASSERT_TRUE(send_all(client, credentials("runner", "tok-124")));
    std::string status = recv_n(client, 2);
    ASSERT_EQ(status.size(), 2u);
    EXPECT_NE(status[1], 0);
    EXPECT_TRUE(peer_closed(client, 2s));
  }
  {  // right name and token
    UniqueFd client = connect_to(proxy.ports().socks5);
    ASSERT_TRUE(send_all(client, std::string("\x05\x01\x02", 3)));
    EXPECT_EQ(recv_n(client, 2), std::string("\x05\x02", 2));
    ASSERT_TRUE(send_all(client, credentials("runner", "tok-123")));
    EXPECT_EQ(recv_n(client, 2), std::string("\x01\x00", 2));
    ASSERT_TRUE(send_all(client, socks_request(1, "origin.test", origin.port())));
    std::string reply = recv_n(client, 10);
    ASSERT_EQ(reply.size(), 10u);
    EXPECT_EQ(reply[1], 0);
    ASSERT_TRUE(send_all(client, "hi"));
    EXPECT_EQ(recv_n(client, 2), "hi");
  }
  auto records = proxy.wait_records(3);
  ASSERT_GE(records.size(), 2u);
  bool saw_runner = false;
  for (const auto& r : records) saw_runner = saw_runner || (r.allowed && r.client == "runner");
  // The allowed tunnel is reported when it ends, i.e. at the latest when the proxy stops.
  proxy.stop();
  records = proxy.records();
  for (const auto& r : records) saw_runner = saw_runner || (r.allowed && r.client == "runner");
  EXPECT_TRUE(saw_runner);
}

}  // namespace
}  // namespace cordon::net::testing
