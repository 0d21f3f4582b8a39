// The plain-HTTP inspector of tunnels: which first bytes are HTTP, and which requests pass.
#include <gtest/gtest.h>

#include <string>

#include "net/http_tunnel_inspector.h"

namespace cordon::net {
namespace {

using Kind = HttpTunnelInspector::Step::Kind;
constexpr size_t kHead = 8192;

TEST(NetLooksLikeHttp, TellsRequestLinesFromOtherProtocols) {
  EXPECT_EQ(looks_like_http("GET / HTTP/1.1\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("POST http://a.example/ x\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("PRI * HTTP/2.0\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("get / http/1.1\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("\r\nGET / HTTP/1.1\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("GET", kHead), LooksLikeHttp::kToken);
  EXPECT_EQ(looks_like_http("ping", kHead), LooksLikeHttp::kToken);
  EXPECT_EQ(looks_like_http(std::string("0032git-upload-pack /p.git\0host=a.example\0", 41), kHead),
            LooksLikeHttp::kNo);
  EXPECT_EQ(looks_like_http("GET / HTTP/1.", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", kHead),
            LooksLikeHttp::kNo);
  EXPECT_EQ(looks_like_http("EHLO client.example\r\n", kHead), LooksLikeHttp::kNo);
  EXPECT_EQ(looks_like_http(std::string("\0\0\0\x08\x04\xd2\x16\x2f", 8), kHead),
            LooksLikeHttp::kNo);
  EXPECT_EQ(looks_like_http(std::string("U\0\0\0\x04", 5), kHead), LooksLikeHttp::kNo);
  // A server takes a method of any length, a request line without a version and (some) a
  // control byte in the target: each is a request to inspect, not bytes to pass.
  EXPECT_EQ(looks_like_http(std::string(40, 'A'), kHead), LooksLikeHttp::kWait);
  EXPECT_EQ(looks_like_http(std::string(kHead, 'x'), kHead), LooksLikeHttp::kNo);
  EXPECT_EQ(looks_like_http(std::string(40, 'A') + " / HTTP/1.1\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("GET /path\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("GET /\x0b HTTP/1.1\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("OPTIONS * HTTP/1.1\r\n", kHead), LooksLikeHttp::kYes);
  EXPECT_EQ(looks_like_http("GET ", kHead), LooksLikeHttp::kWait);
}

SniPolicy connect_policy() {
  SniPolicy policy;
  policy.must_equal = "api.example.com";
  policy.must_equal_label = "CONNECT host";
  policy.port = 80;
  return policy;
}

// Feeds `stream` at once, passing what the inspector passes; returns the bytes passed and
// whether it refused (the reason in `why`).
std::string pass(HttpTunnelInspector& in, std::string stream, bool* refused,
                 std::string* why = nullptr) {
  std::string passed;
  *refused = false;
  while (!stream.empty()) {
    auto step = in.client(stream);
    if (step.kind == Kind::kRefuse) {
      *refused = true;
      if (why) *why = step.reason;
      break;
    }
    if (step.kind == Kind::kWait || step.bytes == 0) break;
    passed += stream.substr(0, step.bytes);
    stream.erase(0, step.bytes);
  }
  return passed;
}

const std::string kGood = "GET /a HTTP/1.1\r\nHost: api.example.com\r\n\r\n";
const std::string kForeign = "GET /b HTTP/1.1\r\nHost: attacker.example\r\n\r\n";

TEST(NetHttpTunnel, EveryRequestMustNameTheDecidedHost) {
  bool refused = false;
  std::string why;
  {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(
        pass(in, kGood + kGood + "GET / HTTP/1.1\r\nHost: API.Example.COM.:80\r\n\r\n", &refused),
        kGood + kGood + "GET / HTTP/1.1\r\nHost: API.Example.COM.:80\r\n\r\n");
    EXPECT_FALSE(refused);
  }
  {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, kForeign, &refused, &why), "");
    EXPECT_TRUE(refused);
    EXPECT_NE(why.find("Host attacker.example differs from CONNECT host api.example.com"),
              std::string::npos)
        << why;
  }
  {
    HttpTunnelInspector in(connect_policy(), 80, 4096);  // pipelined behind a good one
    EXPECT_EQ(pass(in, kGood + kForeign, &refused), kGood);
    EXPECT_TRUE(refused);
  }
  for (const std::string bad : {
           "GET http://attacker.example/ HTTP/1.1\r\nHost: attacker.example\r\n\r\n",
           "GET http://attacker.example/ HTTP/1.1\r\n\r\n",
           "GET http://attacker.example/ HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
           "GET / HTTP/1.0\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: api.example.com:8080\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: api.example.com\r\nHost: attacker.example\r\n\r\n",
           "CONNECT attacker.example:443 HTTP/1.1\r\nHost: attacker.example:443\r\n\r\n",
           "\r\nGET / HTTP/1.1\r\nHost: attacker.example\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: api.example.com\r\nUpgrade: h2c\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: api.example.com\r\nUpgrade: foo\r\n\r\n",
           "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 1\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
       }) {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, bad, &refused), "") << bad;
    EXPECT_TRUE(refused) << bad;
  }
}

TEST(NetHttpTunnel, BodiesAreFramedSoAHeadInsideOneIsJustBytes) {
  bool refused = false;
  const std::string chunked =
      "POST / HTTP/1.1\r\nHost: api.example.com\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      [] {
        char size[16];
        std::snprintf(size, sizeof size, "%zx", kForeign.size());
        return std::string(size);
      }() +
      "\r\n" + kForeign + "\r\n0\r\n\r\n";
  const std::string length = "POST / HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: " +
                             std::to_string(kForeign.size()) + "\r\n\r\n" + kForeign;
  // A GET or HEAD with a body is refused: a server that ignores the body's length ("CL.0")
  // would read the body as a request nobody inspected.
  for (const char* method : {"GET", "HEAD"}) {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    std::string why;
    EXPECT_EQ(pass(in,
                   std::string(method) + " / HTTP/1.1\r\nHost: api.example.com\r\n" +
                       "Content-Length: " + std::to_string(kForeign.size()) + "\r\n\r\n" + kForeign,
                   &refused, &why),
              "");
    EXPECT_TRUE(refused) << method;
    EXPECT_NE(why.find("a body on"), std::string::npos) << why;
  }
  for (const std::string& first : {chunked, length}) {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, first + kGood, &refused), first + kGood);
    EXPECT_FALSE(refused);
    // ... and the request after the body is inspected like any other.
    HttpTunnelInspector again(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(again, first + kForeign, &refused), first);
    EXPECT_TRUE(refused);
  }
  // Byte by byte, the same.
  HttpTunnelInspector slow(connect_policy(), 80, 4096);
  std::string stream = chunked + kForeign, pending, passed;
  refused = false;
  for (char c : stream) {
    pending += c;
    for (;;) {
      auto step = slow.client(pending);
      if (step.kind == Kind::kRefuse) refused = true;
      if (step.kind != Kind::kPass || step.bytes == 0) break;
      passed += pending.substr(0, step.bytes);
      pending.erase(0, step.bytes);
    }
    if (refused) break;
  }
  EXPECT_EQ(passed, chunked);
  EXPECT_TRUE(refused);
}

TEST(NetHttpTunnel, AFirstTokenPassesAndWhatFollowsItDecides) {
  bool refused = false;
  {
    // Another protocol's word, then more of it: bytes.
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, "ping", &refused), "ping");
    EXPECT_FALSE(in.switched());
    EXPECT_EQ(pass(in, "\npong " + kForeign, &refused), "\npong " + kForeign);
    EXPECT_TRUE(in.switched());
    EXPECT_FALSE(in.http());
  }
  {
    // A method sent alone, then the rest of a request with a foreign Host: the token went, the
    // rest of the head does not.
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, "GET", &refused), "GET");
    EXPECT_EQ(pass(in, kForeign.substr(3), &refused), "");
    EXPECT_TRUE(refused);
  }
  {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, "GE", &refused), "GE");
    EXPECT_EQ(pass(in, "T /a HTTP/1.1\r\nHost: api", &refused), "");
    EXPECT_EQ(pass(in, "T /a HTTP/1.1\r\nHost: api.example.com\r\n\r\n" + kGood, &refused),
              kGood.substr(2) + kGood);
    EXPECT_FALSE(refused);
    EXPECT_TRUE(in.http());
  }
}

TEST(NetHttpTunnel, ALongMethodOrALineWithoutAVersionIsARequestToo) {
  // Servers take a method of any length and (some) a request line without a version: each had
  // made the inspector pass the connection on as bytes, a foreign Host after it unchecked.
  for (const std::string& first :
       {std::string(40, 'A') + " / HTTP/1.1\r\nHost: attacker.example\r\n\r\n",
        std::string("GET /path\r\n") + kForeign}) {
    for (size_t cut : {first.size(), size_t{40}, size_t{3}}) {
      HttpTunnelInspector in(connect_policy(), 80, 4096);
      bool refused = false;
      // As a read would cut it: what did not pass waits with the bytes that come next.
      std::string passed = pass(in, first.substr(0, cut), &refused);
      if (!refused) passed += pass(in, first.substr(passed.size()), &refused);
      EXPECT_TRUE(refused) << first.substr(0, 20) << " cut at " << cut;
      EXPECT_EQ(passed.find("attacker"), std::string::npos);
    }
  }
}

TEST(NetHttpTunnel, AHeadLargerThanTheLimitIsRefused) {
  HttpTunnelInspector in(connect_policy(), 80, 64);
  bool refused = false;
  pass(in, "GET / HTTP/1.1\r\nHost: api.example.com\r\nX: " + std::string(100, 'a') + "\r\n\r\n",
       &refused);
  EXPECT_TRUE(refused);
}

TEST(NetHttpTunnel, AWebsocketUpgradeSwitchesToBytesOnlyOn101) {
  const std::string upgrade =
      "GET /ws HTTP/1.1\r\nHost: api.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "\r\n";
  bool refused = false;
  {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, upgrade + kForeign, &refused), upgrade);  // held until the answer
    EXPECT_FALSE(refused);
    ASSERT_TRUE(in.watches_origin());
    EXPECT_EQ(in.origin("HTTP/1.1 101 Swi").kind, Kind::kWait);
    auto step = in.origin("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nxx");
    EXPECT_EQ(step.kind, Kind::kPass);
    EXPECT_FALSE(in.watches_origin());
    EXPECT_TRUE(in.switched());
    EXPECT_EQ(pass(in, kForeign, &refused), kForeign);  // websocket frames: bytes
  }
  {
    HttpTunnelInspector in(connect_policy(), 80, 4096);
    EXPECT_EQ(pass(in, upgrade, &refused), upgrade);
    EXPECT_EQ(in.origin("HTTP/1.1 100 Continue\r\n\r\n").kind, Kind::kPass);
    EXPECT_TRUE(in.watches_origin());
    EXPECT_EQ(in.origin("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").kind, Kind::kPass);
    EXPECT_FALSE(in.switched());
    EXPECT_EQ(pass(in, kGood + kForeign, &refused), kGood);  // still inspected
    EXPECT_TRUE(refused);
  }
  {
    HttpTunnelInspector in(connect_policy(), 80, 4096);  // only as the first request
    EXPECT_EQ(pass(in, kGood + upgrade, &refused), kGood);
    EXPECT_TRUE(refused);
  }
}

TEST(NetHttpTunnel, TransparentConnectionsToAnAddressTakeAnyAllowedName) {
  auto rules = EgressRules::compile({.allow = {"api.example.com", "203.0.113.7"}});
  ASSERT_TRUE(rules.ok());
  SniPolicy policy;
  policy.must_allow = &*rules;
  policy.port = 80;
  bool refused = false;
  HttpTunnelInspector in(policy, 80, 4096);
  const std::string literal = "GET / HTTP/1.1\r\nHost: 203.0.113.7\r\n\r\n";
  EXPECT_EQ(pass(in, kGood + literal + kForeign, &refused), kGood + literal);
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace cordon::net
