// The HTTP forward proxy over real loopback sockets: keep-alive with every request decided anew,
// framing (HEAD, chunked, Content-Length, until close), refusals (403 with X-Cordon-Denied,
// loopback in every spelling, 400 for ambiguous heads), upstream failures (502/504) and the
// standalone proxy's client tokens (407).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <mutex>
#include <thread>

#include "net/client_auth.h"
#include "sandbox/net_proxy_harness.h"

namespace cordon::net::testing {
namespace {

EgressConfig origin_config(uint16_t port) {
  std::string p = std::to_string(port);
  EgressConfig config;
  config.allow = {"origin.test:" + p, "api.example.com:" + p};
  config.resolve = {
      {"origin.test", "127.0.0.1"}, {"api.example.com", "127.0.0.1"}, {"denied.test", "127.0.0.1"}};
  config.allow_cidr = {"127.0.0.1/32:" + p};
  return config;
}

std::string get(const std::string& url, const std::string& extra = "") {
  return "GET " + url + " HTTP/1.1\r\nHost: " + url.substr(7, url.find('/', 7) - 7) + "\r\n" +
         extra + "\r\n";
}

const DecisionRecord* find_record(const std::vector<DecisionRecord>& records,
                                  const std::string& host, bool allowed) {
  for (const auto& r : records) {
    if (r.host == host && r.allowed == allowed) return &r;
  }
  return nullptr;
}

TEST(NetProxyHttp, AllowedGetIsRelayedAndRecorded) {
  HttpOrigin origin;
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  std::string url = "http://origin.test:" + std::to_string(origin.port()) + "/hello";
  ASSERT_TRUE(send_all(client, get(url, "Connection: close\r\n")));
  HttpReply reply = read_reply(client);
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hello from origin");

  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].allowed);
  EXPECT_EQ(records[0].entry, EntryPoint::kHttp);
  EXPECT_EQ(records[0].protocol, "http");
  EXPECT_EQ(records[0].host, "origin.test");
  EXPECT_EQ(records[0].port, origin.port());
  EXPECT_EQ(records[0].address, "127.0.0.1");
  EXPECT_GT(records[0].bytes_up, 0u);
  EXPECT_GT(records[0].bytes_down, reply.body.size());
}

TEST(NetProxyHttp, KeepAliveReusesTheOriginAndDecidesEachRequest) {
  HttpOrigin origin;
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  std::string base = "http://origin.test:" + std::to_string(origin.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(send_all(client, get(base + "/hello")));
    HttpReply reply = read_reply(client);
    ASSERT_TRUE(reply.ok) << i;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(header_value(reply.head, "X-Origin-Connection").value_or(""), "1");
  }
  EXPECT_EQ(origin.connections(), 1);

  // The same client connection now asks for a host the rules refuse: refused, and closed.
  std::string denied = "http://denied.test:" + std::to_string(origin.port()) + "/hello";
  ASSERT_TRUE(send_all(client, get(denied)));
  HttpReply refused = read_reply(client);
  ASSERT_TRUE(refused.ok);
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(header_value(refused.head, "X-Cordon-Denied").has_value()) << refused.head;
  EXPECT_NE(refused.body.find("denied.test"), std::string::npos) << refused.body;
  EXPECT_TRUE(peer_closed(client, 2s));
  EXPECT_EQ(origin.requests(), 3);

  auto records = proxy.wait_records(4);
  ASSERT_EQ(records.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(records[i].allowed);
  EXPECT_FALSE(records[3].allowed);
  EXPECT_EQ(records[3].host, "denied.test");
  EXPECT_EQ(records[3].address, "");
}

// on_decisions_done follows every decision in the turn of the loop that made it, so a sink
// that gathers records (cordon proxy's audit rows) never holds one back; and once more when
// the proxy stops, for the decisions of the connections it closes.
TEST(NetProxyHttp, EveryDecisionIsFollowedByDecisionsDone) {
  HttpOrigin origin;
  std::mutex mutex;
  std::vector<std::string> gathered;   // on the proxy's thread, between done calls
  std::vector<std::string> delivered;  // what each done call handed on
  ProxyOptions options;
  options.on_decision = [&](const DecisionRecord& r) {
    std::lock_guard lock(mutex);
    gathered.push_back(r.host + (r.allowed ? " allowed" : " refused"));
  };
  options.on_decisions_done = [&] {
    std::lock_guard lock(mutex);
    delivered.insert(delivered.end(), gathered.begin(), gathered.end());
    gathered.clear();
  };
  auto delivered_count = [&] {
    std::lock_guard lock(mutex);
    return delivered.size();
  };
  ProxyRunner proxy(origin_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  const std::string base = "http://origin.test:" + std::to_string(origin.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(send_all(client, get(base + "/hello")));
    ASSERT_TRUE(read_reply(client).ok) << i;
    proxy.wait_records(static_cast<size_t>(i + 1));
    // The record and its hand-on are one turn of the loop apart at most.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (delivered_count() < static_cast<size_t>(i + 1) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    std::lock_guard lock(mutex);
    EXPECT_EQ(delivered.size(), static_cast<size_t>(i + 1)) << "request " << i;
    EXPECT_TRUE(gathered.empty());
  }
  // A CONNECT tunnel still open when the proxy stops is reported as the proxy closes it.
  UniqueFd tunnel = connect_to(proxy.ports().http);
  const std::string authority = "origin.test:" + std::to_string(origin.port());
  ASSERT_TRUE(
      send_all(tunnel, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"));
  HttpReply established = read_reply(tunnel, /*head_request=*/true);
  ASSERT_TRUE(established.ok);
  ASSERT_EQ(established.status, 200);
  proxy.stop();
  std::lock_guard lock(mutex);
  EXPECT_TRUE(gathered.empty()) << "a decision was never handed on";
  ASSERT_EQ(delivered.size(), 4u);
  EXPECT_EQ(delivered.back(), "origin.test allowed");
}

TEST(NetProxyHttp, AnotherAllowedHostOnTheSameConnectionGetsItsOwnOrigin) {
  HttpOrigin origin;
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  std::string p = std::to_string(origin.port());
  ASSERT_TRUE(send_all(client, get("http://origin.test:" + p + "/host")));
  HttpReply first = read_reply(client);
  ASSERT_TRUE(send_all(client, get("http://api.example.com:" + p + "/host")));
  HttpReply second = read_reply(client);
  ASSERT_TRUE(first.ok && second.ok);
  EXPECT_EQ(first.body, "origin.test:" + p);
  EXPECT_EQ(second.body, "api.example.com:" + p);
  EXPECT_EQ(origin.connections(), 2);
}

TEST(NetProxyHttp, HeadChunkedAndUntilCloseFraming) {
  HttpOrigin origin;
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  std::string base = "http://origin.test:" + std::to_string(origin.port());

  ASSERT_TRUE(send_all(client, "HEAD " + base + "/hello HTTP/1.1\r\nHost: origin.test:" +
                                   std::to_string(origin.port()) + "\r\n\r\n"));
  HttpReply head = read_reply(client, /*head_request=*/true);
  ASSERT_TRUE(head.ok);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(header_value(head.head, "Content-Length").value_or(""), "17");

  // The HEAD response had no body: the next response on the connection starts cleanly.
  ASSERT_TRUE(send_all(client, get(base + "/chunked")));
  HttpReply chunked = read_reply(client);
  ASSERT_TRUE(chunked.ok);
  EXPECT_EQ(chunked.body, "chunk-one|chunk-two|");

  ASSERT_TRUE(send_all(client, get(base + "/hello")));
  HttpReply after = read_reply(client);
  ASSERT_TRUE(after.ok);
  EXPECT_EQ(after.body, "hello from origin");

  ASSERT_TRUE(send_all(client, get(base + "/until-close")));
  HttpReply until_close = read_reply(client);
  ASSERT_TRUE(until_close.ok);
  EXPECT_EQ(until_close.body, "body until close");
  EXPECT_EQ(origin.connections(), 1);
}

TEST(NetProxyHttp, PostBodiesByContentLengthAndChunked) {
  HttpOrigin origin;
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  std::string authority = "origin.test:" + std::to_string(origin.port());

  std::string body = big_body(3 * 1024 * 1024 + 17);  // larger than every buffer on the way
  std::string post = "POST http://" + authority + "/echo HTTP/1.1\r\nHost: " + authority +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  std::thread sender([&] { send_all(client, post + body); });
  HttpReply echoed = read_reply(client);
  sender.join();
  ASSERT_TRUE(echoed.ok);
  EXPECT_EQ(echoed.body.size(), body.size());
  EXPECT_TRUE(echoed.body == body);

  std::string chunked = "POST http://" + authority + "/echo HTTP/1.1\r\nHost: " + authority +
                        "\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n";
  ASSERT_TRUE(send_all(client, chunked));
  HttpReply reply = read_reply(client);
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.body, "hello, world");
  EXPECT_EQ(origin.connections(), 1);

  auto records = proxy.wait_records(2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_GT(records[0].bytes_up, body.size());
  EXPECT_GT(records[0].bytes_down, body.size());
}

TEST(NetProxyHttp, LargeResponseIsRelayedIntact) {
  HttpOrigin origin;
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  size_t size = 20 * 1024 * 1024;
  ASSERT_TRUE(send_all(client, get("http://origin.test:" + std::to_string(origin.port()) + "/big/" +
                                   std::to_string(size))));
  HttpReply reply = read_reply(client);
  ASSERT_TRUE(reply.ok);
  ASSERT_EQ(reply.body.size(), size);
  EXPECT_TRUE(reply.body == big_body(size));
}

TEST(NetProxyHttp, DeniedHostGets403NamingTheReason) {
  HttpOrigin origin;
  EgressConfig config = origin_config(origin.port());
  config.deny = {"api.example.com"};
  ProxyRunner proxy(config);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_TRUE(
      send_all(client, get("http://api.example.com:" + std::to_string(origin.port()) + "/hello")));
  HttpReply reply = read_reply(client);
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.status, 403);
  auto denied = header_value(reply.head, "X-Cordon-Denied");
  ASSERT_TRUE(denied.has_value());
  EXPECT_NE(denied->find("api.example.com"), std::string::npos) << *denied;
  EXPECT_EQ(origin.requests(), 0);
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].allowed);
  EXPECT_EQ(records[0].rule, "api.example.com");
}

TEST(NetProxyHttp, LoopbackInEverySpellingIsRefused) {
  HttpOrigin origin;  // reachable only through its allow_cidr
  HttpOrigin hidden;  // no rule allows it: it must never see a request
  EgressConfig config = origin_config(origin.port());
  std::string p = std::to_string(hidden.port());
  config.allow.push_back("localhost:" + p);  // allowed by name, resolves to loopback
  ProxyRunner proxy(config);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::vector<std::string> hosts = {
      "127.0.0.1", "2130706433", "0x7f000001",         "0177.0.0.1",      "127.1",
      "0x7f.1",    "[::1]",      "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0",
      "localhost", "LOCALHOST.", "127.0.0.2"};
  for (const std::string& host : hosts) {
    UniqueFd client = connect_to(proxy.ports().http);
    std::string url = "http://" + host + ":" + p + "/hello";
    ASSERT_TRUE(send_all(client, "GET " + url + " HTTP/1.1\r\nHost: " + host + ":" + p +
                                     "\r\nConnection: close\r\n\r\n"));
    HttpReply reply = read_reply(client);
    EXPECT_TRUE(reply.status == 403 || reply.status == 400) << host << ": " << reply.head;
  }
  EXPECT_EQ(hidden.requests(), 0);
  EXPECT_EQ(hidden.connections(), 0);
  auto records = proxy.records();
  ASSERT_EQ(records.size(), hosts.size());
  for (const auto& r : records) EXPECT_FALSE(r.allowed) << r.host << ": " << r.reason;
  const DecisionRecord* localhost = find_record(records, "localhost", false);
  ASSERT_NE(localhost, nullptr);
  EXPECT_NE(localhost->reason.find("loopback"), std::string::npos) << localhost->reason;
}

TEST(NetProxyHttp, MalformedHeadsAre400AndNeverReachTheOrigin) {
  HttpOrigin origin;
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::string authority = "origin.test:" + std::to_string(origin.port());
  std::vector<std::string> heads = {
      // both framings
      "POST http://" + authority + "/echo HTTP/1.1\r\nHost: " + authority +
          "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      // Host differs from the URI (the decision is on the URI, the origin would see Host)
      "GET http://" + authority + "/hello HTTP/1.1\r\nHost: denied.test\r\n\r\n",
      // origin-form: not a proxy request
      "GET /hello HTTP/1.1\r\nHost: " + authority + "\r\n\r\n",
      // bare LF
      "GET http://" + authority + "/hello HTTP/1.1\nHost: " + authority + "\n\n",
      // userinfo
      "GET http://user@" + authority + "/hello HTTP/1.1\r\nHost: " + authority + "\r\n\r\n",
  };
  for (const std::string& head : heads) {
    UniqueFd client = connect_to(proxy.ports().http);
    ASSERT_TRUE(send_all(client, head));
    HttpReply reply = read_reply(client);
    EXPECT_EQ(reply.status, 400) << head;
    EXPECT_TRUE(peer_closed(client, 2s));
  }
  EXPECT_EQ(origin.requests(), 0);
}

TEST(NetProxyHttp, OversizedHeadIsRefused) {
  HttpOrigin origin;
  ProxyOptions options;
  options.limits.max_head_bytes = 4096;
  ProxyRunner proxy(origin_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  std::string url = "http://origin.test:" + std::to_string(origin.port()) + "/hello";
  send_all(client, get(url, "X-Big: " + std::string(8192, 'x') + "\r\n"));
  HttpReply reply = read_reply(client);
  EXPECT_TRUE(reply.status == 400 || reply.status == 431) << reply.head;
  EXPECT_EQ(origin.requests(), 0);
}

TEST(NetProxyHttp, ClosedPortIs502) {
  uint16_t closed_port;
  {
    UniqueFd probe = listen_tcp();
    closed_port = local_port(probe);
  }  // closed: connections are refused
  ProxyRunner proxy(origin_config(closed_port));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_TRUE(send_all(client, get("http://origin.test:" + std::to_string(closed_port) + "/")));
  HttpReply reply = read_reply(client);
  EXPECT_EQ(reply.status, 502) << reply.head;
  EXPECT_NE(reply.body.find("refused"), std::string::npos) << reply.body;
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].allowed);
  EXPECT_NE(records[0].reason.find("upstream failed"), std::string::npos) << records[0].reason;
}

TEST(NetProxyHttp, OriginResetIs502) {
  RawServer origin([](const UniqueFd& c) {
    char buffer[1024];
    (void)!::recv(c.get(), buffer, sizeof(buffer), 0);
    linger lin{1, 0};
    ::setsockopt(c.get(), SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
  });
  ProxyRunner proxy(origin_config(origin.port()));
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  ASSERT_TRUE(send_all(client, get("http://origin.test:" + std::to_string(origin.port()) + "/")));
  HttpReply reply = read_reply(client);
  EXPECT_EQ(reply.status, 502) << reply.head;
}

TEST(NetProxyHttp, SilentOriginIs504AtTheIdleTimeout) {
  RawServer origin([](const UniqueFd& c) {
    char buffer[1024];
    while (::recv(c.get(), buffer, sizeof(buffer), 0) > 0) {
    }
  });
  ProxyOptions options;
  options.limits.idle_timeout = 500ms;
  ProxyRunner proxy(origin_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(send_all(client, get("http://origin.test:" + std::to_string(origin.port()) + "/")));
  HttpReply reply = read_reply(client);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply.status, 504) << reply.head;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 3s);
}

TEST(NetProxyHttp, UnansweredConnectIs504AtTheConnectTimeout) {
  // A listener whose accept queue is full and never drained drops further SYNs: the connect
  // neither succeeds nor fails.
  UniqueFd full = listen_tcp(0, 0);
  uint16_t port = local_port(full);
  std::vector<UniqueFd> fillers;
  for (int i = 0; i < 4; ++i) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)!::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
    fillers.push_back(std::move(fd));
  }
  std::this_thread::sleep_for(100ms);
  ProxyOptions options;
  options.limits.connect_timeout = 700ms;
  ProxyRunner proxy(origin_config(port), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(send_all(client, get("http://origin.test:" + std::to_string(port) + "/")));
  HttpReply reply = read_reply(client);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply.status, 504) << reply.head << reply.body;
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 3s);
}

TEST(NetProxyHttp, StandaloneProxyNeedsAClientToken) {
  HttpOrigin origin;
  ProxyOptions options;
  options.client_tokens = {{"s3cret-token", "ci-runner"}};
  ProxyRunner proxy(origin_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  std::string url = "http://origin.test:" + std::to_string(origin.port()) + "/hello";
  struct Case {
    std::string header;
    int status;
  };
  std::vector<Case> cases = {
      {"", 407},
      {"Proxy-Authorization: Basic " + std::string("Y2ktcnVubmVyOnMzY3JldC10b2tlbg==") + "\r\n",
       200},  // ci-runner:s3cret-token
      {"Proxy-Authorization: Bearer s3cret-token\r\n", 200},
      {"Proxy-Authorization: Bearer s3cret-tokem\r\n", 407},
      {"Proxy-Authorization: Basic " + std::string("b3RoZXI6czNjcmV0LXRva2Vu") + "\r\n",
       407},  // other:s3cret-token (the token is ci-runner's)
      {"Proxy-Authorization: Basic !!!\r\n", 407},
  };
  for (const Case& c : cases) {
    UniqueFd client = connect_to(proxy.ports().http);
    ASSERT_TRUE(send_all(client, get(url, c.header + "Connection: close\r\n")));
    HttpReply reply = read_reply(client);
    EXPECT_EQ(reply.status, c.status) << c.header;
    if (c.status == 407) {
      EXPECT_EQ(header_value(reply.head, "Proxy-Authenticate").value_or(""),
                "Basic realm=\"cordon\"");
    }
  }
  auto records = proxy.wait_records(cases.size());
  ASSERT_EQ(records.size(), cases.size());
  EXPECT_EQ(records[1].client, "ci-runner");
  EXPECT_TRUE(records[1].allowed);
  EXPECT_FALSE(records[0].allowed);
}

TEST(NetProxyHttp, ProxyCredentialsAndHopByHopHeadersNeverReachTheOrigin) {
  HttpOrigin origin;
  ProxyOptions options;
  options.client_tokens = {{"s3cret-token", "ci-runner"}};
  ProxyRunner proxy(origin_config(origin.port()), options);
  ASSERT_TRUE(proxy.ok()) << proxy.error();
  UniqueFd client = connect_to(proxy.ports().http);
  std::string url = "http://origin.test:" + std::to_string(origin.port()) + "/head";
  ASSERT_TRUE(send_all(client, get(url,
                                   "Proxy-Authorization: Bearer s3cret-token\r\n"
                                   "Proxy-Connection: keep-alive\r\n"
                                   "Connection: X-Private\r\nX-Private: 1\r\n"
                                   "X-Kept: yes\r\n")));
  HttpReply reply = read_reply(client);
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.rfind("GET /head HTTP/1.1\r\n", 0), 0u) << reply.body;
  EXPECT_EQ(reply.body.find("s3cret-token"), std::string::npos) << reply.body;
  EXPECT_FALSE(header_value(reply.body, "Proxy-Authorization").has_value());
  EXPECT_FALSE(header_value(reply.body, "Proxy-Connection").has_value());
  EXPECT_FALSE(header_value(reply.body, "X-Private").has_value());
  EXPECT_EQ(header_value(reply.body, "X-Kept").value_or(""), "yes");
}

TEST(NetProxyHttp, StandaloneProxyRefusesListenersThatCannotAuthenticate) {
  ProxyOptions options;
  options.client_tokens = {{"token", "name"}};
  auto rules = EgressRules::compile(EgressConfig{});
  ASSERT_TRUE(rules.ok());
  std::vector<Listener> listeners;
  listeners.push_back(Listener{EntryPoint::kTransparent, listen_tcp(), ""});
  auto proxy = Proxy::create(std::move(*rules), std::move(listeners), options);
  EXPECT_FALSE(proxy.ok());
}

TEST(NetProxyHttp, TokensCompareWholly) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_EQ(decode_base64("Y2ktcnVubmVyOnMzY3JldC10b2tlbg==").value_or(""),
            "ci-runner:s3cret-token");
  EXPECT_FALSE(decode_base64("Y2k=cnVu").has_value());
}

}  // namespace
}  // namespace cordon::net::testing
