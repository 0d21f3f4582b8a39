// Unit tests for verify's side of the egress wall: the spec's network section, the bytes the
// probe builds (checked against cordon's own parsers in net/), and the host's bait services.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "net/dns_message.h"
#include "net/socks5.h"
#include "net/tls_client_hello.h"
#include "verify/net_bait.h"
#include "verify/plan.h"
#include "verify/probe_network_wire.h"
#include "verify/spec.h"

namespace cordon::verify {
namespace {

std::span<const uint8_t> span_of(const wire::Bytes& b) {
  return {b.data(), b.size()};
}

// ---- the spec -------------------------------------------------------------------------------

NetworkSpec proxy_spec() {
  NetworkSpec n;
  n.mode = "proxy";
  n.http_proxy_port = 3128;
  n.socks_port = 1080;
  n.transparent_port = 3129;
  n.dns_port = 53;
  n.origin_name = kVerifyOriginName;
  n.origin_port = 40001;
  n.origin_marker = "cordon-verify-origin-abc";
  n.denied_name = kVerifyDeniedName;
  n.canary_port = 40002;
  return n;
}

TEST(VerifyNetworkSpec, RoundTripsInTheProbeSpec) {
  ProbeSpec spec;
  spec.network = proxy_spec();
  auto parsed = parse_spec(serialize_spec(spec));
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->network, spec.network);
  EXPECT_EQ(*parsed, spec);
}

TEST(VerifyNetworkSpec, EveryFieldIsRequiredAndTheModeMustBeKnown) {
  ProbeSpec spec;
  spec.network = proxy_spec();
  auto j = nlohmann::json::parse(serialize_spec(spec));
  j.erase("network");
  EXPECT_FALSE(parse_spec(j.dump()).ok()) << "a spec without the network section";

  j = nlohmann::json::parse(serialize_spec(spec));
  j["network"].erase("canary_port");
  auto missing = parse_spec(j.dump());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("canary_port"), std::string::npos);

  j = nlohmann::json::parse(serialize_spec(spec));
  j["network"]["mode"] = "tunnel";
  auto unknown = parse_spec(j.dump());
  ASSERT_FALSE(unknown.ok()) << "a probe must not guess which attacks fit an unknown mode";
  EXPECT_NE(unknown.error().message().find("tunnel"), std::string::npos);

  j = nlohmann::json::parse(serialize_spec(spec));
  j["network"]["origin_port"] = 70000;
  EXPECT_FALSE(parse_spec(j.dump()).ok()) << "a port beyond 65535";
}

// ---- ClientHello ------------------------------------------------------------------------------

TEST(VerifyClientHello, IsOneHandshakeRecordWhoseLengthsAddUp) {
  wire::Bytes hello = wire::client_hello("verify-origin.cordon.test");
  ASSERT_GT(hello.size(), 9u);
  EXPECT_EQ(hello[0], 0x16);  // handshake record
  EXPECT_EQ(hello[1], 0x03);
  size_t record = static_cast<size_t>(hello[3] << 8 | hello[4]);
  EXPECT_EQ(record + 5, hello.size());
  EXPECT_EQ(hello[5], 0x01);  // client_hello
  size_t body = static_cast<size_t>(hello[6] << 16 | hello[7] << 8 | hello[8]);
  EXPECT_EQ(body + 4, record);
  // legacy_version, random, session id, cipher suites, compression, extensions.
  size_t pos = 9 + 2 + 32;
  pos += 1 + hello[pos];
  pos += 2 + static_cast<size_t>(hello[pos] << 8 | hello[pos + 1]);
  pos += 1 + hello[pos];
  size_t extensions = static_cast<size_t>(hello[pos] << 8 | hello[pos + 1]);
  EXPECT_EQ(pos + 2 + extensions, hello.size());
  // The first extension is server_name with the one host name.
  pos += 2;
  EXPECT_EQ(hello[pos], 0x00);
  EXPECT_EQ(hello[pos + 1], 0x00);
  const std::string name(hello.begin() + static_cast<long>(pos) + 9,
                         hello.begin() + static_cast<long>(pos) + 9 + 25);
  EXPECT_EQ(name, "verify-origin.cordon.test");
}

TEST(VerifyClientHello, CordonsParserReadsTheServerName) {
  for (const char* sni : {"denied.example", "verify-origin.cordon.test", "a.b.example"}) {
    wire::Bytes hello = wire::client_hello(sni);
    net::SniPeek peek = net::peek_client_hello(span_of(hello));
    EXPECT_EQ(peek.status, net::SniPeek::Status::kFound) << sni;
    EXPECT_EQ(peek.server_name, sni);
    // Cut anywhere, it is incomplete, never malformed or another name.
    for (size_t cut : {size_t{1}, size_t{5}, size_t{40}, hello.size() - 1}) {
      net::SniPeek part = net::peek_client_hello({hello.data(), cut});
      EXPECT_EQ(part.status, net::SniPeek::Status::kIncomplete) << sni << " cut at " << cut;
    }
  }
  wire::Bytes anonymous = wire::client_hello("");
  EXPECT_EQ(net::peek_client_hello(span_of(anonymous)).status, net::SniPeek::Status::kNoSni);
}

// ---- SOCKS5 -----------------------------------------------------------------------------------

TEST(VerifySocks, RequestsParseAsCordonReadsThem) {
  wire::Bytes greeting = wire::socks_greeting();
  net::socks5::Greeting g = net::socks5::parse_greeting(span_of(greeting));
  EXPECT_EQ(g.status, net::socks5::Status::kComplete);
  EXPECT_TRUE(g.offers_no_auth);

  wire::Bytes domain = wire::socks_request_domain("verify-origin.cordon.test", 8080);
  net::socks5::Request r = net::socks5::parse_request(span_of(domain));
  ASSERT_EQ(r.status, net::socks5::Status::kComplete);
  EXPECT_EQ(r.command, 1);
  EXPECT_EQ(r.host, "verify-origin.cordon.test");
  EXPECT_FALSE(r.host_is_address);
  EXPECT_EQ(r.port, 8080);
  EXPECT_EQ(r.size, domain.size());

  wire::Bytes v4 = wire::socks_request_ipv4({127, 0, 0, 1}, 1);
  r = net::socks5::parse_request(span_of(v4));
  ASSERT_EQ(r.status, net::socks5::Status::kComplete);
  EXPECT_EQ(r.host, "127.0.0.1");
  EXPECT_TRUE(r.host_is_address);

  wire::Bytes v6 =
      wire::socks_request_ipv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, 443);
  r = net::socks5::parse_request(span_of(v6));
  ASSERT_EQ(r.status, net::socks5::Status::kComplete);
  EXPECT_TRUE(r.host_is_address);
  EXPECT_EQ(r.port, 443);

  wire::Bytes udp = wire::socks_request_ipv4({0, 0, 0, 0}, 0, wire::socks::kUdpAssociate);
  EXPECT_EQ(net::socks5::parse_request(span_of(udp)).command, 3);
}

TEST(VerifySocks, ReplySizeFollowsTheAddressType) {
  std::vector<uint8_t> v4 = net::socks5::reply(net::socks5::kNotAllowedByRuleset);
  std::string reply(v4.begin(), v4.end());
  EXPECT_EQ(wire::socks_reply_size(reply), reply.size());
  EXPECT_EQ(wire::socks_reply_size(reply.substr(0, 3)), 0u);
  EXPECT_EQ(wire::socks_reply_size(""), 0u);
  EXPECT_EQ(wire::socks_reply_size(std::string("\x05\x00\x00\x04", 4) + std::string(18, '\0')),
            22u);
  EXPECT_EQ(wire::socks_reply_size(std::string("\x05\x00\x00\x03\x03"
                                               "abc\x00\x50",
                                               10)),
            10u);
  EXPECT_FALSE(wire::socks_reply_size("HTTP/1.1 400 Bad Request\r\n").has_value());
  EXPECT_FALSE(wire::socks_reply_size(std::string("\x05\x00\x00\x09\x00\x00", 6)).has_value());
}

// ---- DNS --------------------------------------------------------------------------------------

TEST(VerifyDns, QueriesParseAsTheStubReadsThem) {
  wire::Bytes q = wire::dns_query(0x1234, "verify-origin.cordon.test", wire::dns::kTypeA);
  auto parsed = net::dns::parse_query(span_of(q));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->id, 0x1234);
  EXPECT_EQ(parsed->name, "verify-origin.cordon.test");
  EXPECT_EQ(parsed->type, net::dns::kTypeA);
  EXPECT_EQ(parsed->qclass, net::dns::kClassIN);
  EXPECT_EQ(parsed->question_end, q.size());

  const std::string exfil = wire::dns_exfil_name(std::string(100, 'k'), "exfil.example");
  EXPECT_EQ(exfil.substr(exfil.size() - 14), ".exfil.example");
  wire::Bytes long_query = wire::dns_query(7, exfil, wire::dns::kTypeA);
  auto long_parsed = net::dns::parse_query(span_of(long_query));
  ASSERT_TRUE(long_parsed.has_value()) << "labels must stay within 63 bytes";
  EXPECT_EQ(long_parsed->name, exfil);
}

TEST(VerifyDns, ReadsTheStubsAnswersAndRefusals) {
  wire::Bytes q = wire::dns_query(0x4242, "verify-origin.cordon.test", wire::dns::kTypeA);
  auto query = net::dns::parse_query(span_of(q));
  ASSERT_TRUE(query.has_value());

  std::vector<uint8_t> a =
      net::dns::answer_a(span_of(q), *query, net::IpAddress::v4(198, 18, 0, 7), 60);
  wire::DnsAnswer answer = wire::parse_dns_answer({a.data(), a.size()});
  ASSERT_TRUE(answer.valid) << answer.error;
  EXPECT_EQ(answer.id, 0x4242);
  EXPECT_TRUE(answer.response);
  EXPECT_EQ(answer.rcode, 0);
  ASSERT_EQ(answer.a_records.size(), 1u);
  EXPECT_EQ(wire::ipv4_text(answer.a_records[0]), "198.18.0.7");
  EXPECT_TRUE(wire::is_synthetic(answer.a_records[0]));

  std::vector<uint8_t> refused = net::dns::answer_error(span_of(q), *query, 5);
  answer = wire::parse_dns_answer({refused.data(), refused.size()});
  ASSERT_TRUE(answer.valid);
  EXPECT_EQ(answer.rcode, wire::dns::kRcodeRefused);
  EXPECT_EQ(answer.answer_count, 0);
  EXPECT_STREQ(wire::rcode_name(answer.rcode), "REFUSED");

  EXPECT_FALSE(wire::parse_dns_answer({a.data(), 5}).valid);
  EXPECT_FALSE(wire::parse_dns_answer({a.data(), a.size() - 2}).valid);
}

TEST(VerifyDns, CompressedAnswerNamesAreSkipped) {
  // A hand-made answer: the record's name is a pointer to the question (0xc00c).
  wire::Bytes m = wire::dns_query(9, "a.example", wire::dns::kTypeA);
  m[2] = 0x81;  // QR, RD
  m[3] = 0x80;  // RA, NOERROR
  m[7] = 2;     // ANCOUNT
  for (int i = 0; i < 2; ++i) {
    for (int b : {0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0, 4})
      m.push_back(static_cast<uint8_t>(b));
    for (int b : {198, 18, 0, 1 + i}) m.push_back(static_cast<uint8_t>(b));
  }
  wire::DnsAnswer answer = wire::parse_dns_answer(span_of(m));
  ASSERT_TRUE(answer.valid) << answer.error;
  ASSERT_EQ(answer.a_records.size(), 2u);
  EXPECT_EQ(wire::ipv4_text(answer.a_records[1]), "198.18.0.2");
  EXPECT_FALSE(wire::is_synthetic({198, 20, 0, 1}));
  EXPECT_TRUE(wire::is_synthetic({198, 19, 255, 254}));
}

// ---- HTTP -------------------------------------------------------------------------------------

TEST(VerifyHttpHead, ReadsStatusHeadersAndLength) {
  auto head = wire::parse_http_head(
      "HTTP/1.1 403 Forbidden\r\nX-Cordon-Denied:  no rule allows denied.example \r\n"
      "Content-Length: 12\r\n\r\nnot allowed\n");
  EXPECT_TRUE(head.complete);
  EXPECT_EQ(head.status, 403);
  EXPECT_EQ(head.header("x-cordon-denied"), "no rule allows denied.example");
  EXPECT_EQ(head.content_length(), 12u);
  EXPECT_FALSE(wire::parse_http_head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n").complete);
  EXPECT_EQ(wire::parse_http_head("SSH-2.0-x\r\n\r\n").status, 0);
  EXPECT_FALSE(wire::parse_http_head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
                   .content_length()
                   .has_value());
}

// ---- the host's bait --------------------------------------------------------------------------

TEST(VerifyOrigin, AnswersWithTheMarkerAndTheHostItSaw) {
  std::string answer = origin_http_answer(
      "M-1", "GET / HTTP/1.1\r\nUser-Agent: x\r\nhOsT:  verify-origin.cordon.test:9 \r\n", true);
  auto head = wire::parse_http_head(answer);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("connection"), "keep-alive");
  const std::string body = answer.substr(head.head_size);
  EXPECT_EQ(body, "M-1\nhost: verify-origin.cordon.test:9\n");
  EXPECT_EQ(head.content_length(), body.size());
  const std::string no_host = origin_http_answer("M", "GET / HTTP/1.0", false);
  EXPECT_EQ(wire::parse_http_head(no_host).header("connection"), "close");
  EXPECT_EQ(no_host.substr(no_host.find("\r\n\r\n") + 4), "M\nhost: \n");
}

TEST(VerifyOrigin, KeepsHttp11ConnectionsUnlessAskedToClose) {
  EXPECT_TRUE(origin_keeps_alive("GET / HTTP/1.1\r\nHost: a"));
  EXPECT_TRUE(origin_keeps_alive("GET / HTTP/1.1\r\nConnection: keep-alive"));
  EXPECT_FALSE(origin_keeps_alive("GET / HTTP/1.1\r\nConnection: Close"));
  EXPECT_FALSE(origin_keeps_alive("GET / HTTP/1.0\r\nHost: a"));
  EXPECT_FALSE(origin_keeps_alive("POST / HTTP/1.1\r\nTransfer-Encoding: chunked"));
}

UniqueFd connect_to(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len;
  if (std::string(ip).find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    ::inet_pton(AF_INET6, ip, &in6->sin6_addr);
    len = sizeof *in6;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &in->sin_addr);
    len = sizeof *in;
  }
  UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return UniqueFd();
  return fd;
}

// Everything the peer sends until it closes (or 3 s pass).
std::string read_all(int fd, const std::string& until = "") {
  std::string out;
  for (;;) {
    if (!until.empty() && out.find(until) != std::string::npos) return out;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 3000) != 1) return out;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(VerifyNetBait, ServesTheOriginAndCountsTheCanary) {
  auto bait = NetBait::start("cordon-verify-origin-test");
  ASSERT_TRUE(bait.ok()) << bait.error().describe();
  NetBait& b = **bait;
  ASSERT_NE(b.origin_port(), 0);
  ASSERT_NE(b.canary_port(), 0);
  EXPECT_NE(b.origin_port(), b.canary_port());

  {
    UniqueFd c = connect_to("127.0.0.1", b.origin_port());
    ASSERT_TRUE(c);
    const std::string request = "GET /x HTTP/1.1\r\nHost: verify-origin.cordon.test:1\r\n\r\n";
    ASSERT_EQ(::send(c.get(), request.data(), request.size(), 0),
              static_cast<ssize_t>(request.size()));
    std::string answer = read_all(c.get());
    EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
    EXPECT_NE(answer.find("cordon-verify-origin-test\nhost: verify-origin.cordon.test:1\n"),
              std::string::npos)
        << answer;
  }
  {
    // What arrives through a tunnel that is not HTTP is echoed after the marker.
    UniqueFd c = connect_to("127.0.0.1", b.origin_port());
    ASSERT_TRUE(c);
    wire::Bytes hello = wire::client_hello("verify-origin.cordon.test");
    ASSERT_EQ(::send(c.get(), hello.data(), hello.size(), 0), static_cast<ssize_t>(hello.size()));
    std::string echoed = read_all(c.get(), "verify-origin.cordon.test");
    EXPECT_EQ(echoed.rfind("cordon-verify-origin-test echo\n", 0), 0u);
    EXPECT_NE(echoed.find(wire::to_string(hello)), std::string::npos);
  }
  {
    // Kept alive: two requests, the first with a body to skip, get two answers.
    UniqueFd c = connect_to("127.0.0.1", b.origin_port());
    ASSERT_TRUE(c);
    const std::string requests =
        "POST /a HTTP/1.1\r\nHost: one.example\r\nContent-Length: 4\r\n\r\nGET /"
        "GET /b HTTP/1.1\r\nHost: two.example\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(c.get(), requests.data(), requests.size(), 0),
              static_cast<ssize_t>(requests.size()));
    std::string answers = read_all(c.get());
    EXPECT_NE(answers.find("host: one.example\n"), std::string::npos) << answers;
    EXPECT_NE(answers.find("host: two.example\n"), std::string::npos) << answers;
  }
  EXPECT_EQ(b.origin_connections(), 3u);
  EXPECT_EQ(b.canary_connections(), 0u);

  {
    UniqueFd c = connect_to("127.0.0.1", b.canary_port());
    ASSERT_TRUE(c);
    EXPECT_NE(read_all(c.get()).find(kCanaryReply), std::string::npos);
  }
  if (b.canary_on_ipv6()) {
    UniqueFd c = connect_to("::1", b.canary_port());
    ASSERT_TRUE(c);
    EXPECT_NE(read_all(c.get()).find(kCanaryReply), std::string::npos);
  }
  EXPECT_EQ(b.canary_connections(), b.canary_on_ipv6() ? 2u : 1u);

  const uint16_t port = b.origin_port();
  b.stop();
  b.stop();  // idempotent
  EXPECT_FALSE(connect_to("127.0.0.1", port)) << "the origin still listens after stop()";
}

// prepare_verify plants the bait and fills the spec; check_host_after counts the canary.
class VerifyNetworkPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/cordon-verify-test-home-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    home_ = dir;
    options_.host_home = home_;
    options_.pids_limit = 64;
    options_.memory_limit_bytes = 128 << 20;
    options_.tmp_limit_bytes = 16 << 20;
    options_.network_proxy = true;
    options_.http_proxy_port = 3128;
    options_.socks_port = 1080;
    options_.transparent_port = 3129;
    options_.dns_port = 53;
  }
  void TearDown() override { ::rmdir(home_.c_str()); }

  const Finding* find(const std::vector<Finding>& findings, const std::string& needle) {
    for (const Finding& f : findings) {
      if (f.attack.find(needle) != std::string::npos) return &f;
    }
    return nullptr;
  }

  std::string home_;
  VerifyOptions options_;
};

TEST_F(VerifyNetworkPlan, ProxyModeTellsTheProbeWhereEverythingIs) {
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  const NetworkSpec& n = plan->spec.network;
  EXPECT_EQ(n.mode, "proxy");
  EXPECT_EQ(n.http_proxy_port, 3128);
  EXPECT_EQ(n.socks_port, 1080);
  EXPECT_EQ(n.transparent_port, 3129);
  EXPECT_EQ(n.dns_port, 53);
  EXPECT_EQ(n.origin_name, kVerifyOriginName);
  EXPECT_EQ(n.denied_name, kVerifyDeniedName);
  ASSERT_TRUE(plan->net_bait);
  EXPECT_EQ(n.origin_port, plan->net_bait->origin_port());
  EXPECT_EQ(n.canary_port, plan->net_bait->canary_port());
  EXPECT_EQ(n.origin_marker.rfind("cordon-verify-origin-", 0), 0u);
  EXPECT_GT(n.origin_marker.size(), std::string("cordon-verify-origin-").size());
  cleanup(*plan);
  EXPECT_FALSE(plan->net_bait);
}

TEST_F(VerifyNetworkPlan, NoneModeHasACanaryButNoOrigin) {
  options_.network_proxy = false;
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  EXPECT_EQ(plan->spec.network.mode, "none");
  EXPECT_NE(plan->spec.network.canary_port, 0);
  EXPECT_TRUE(plan->spec.network.origin_name.empty());
  EXPECT_EQ(plan->spec.network.origin_port, 0);
  plan->daemon_grace_ms = 0;
  auto findings = check_host_after(*plan);
  const Finding* canary = find(findings, "canary service reached");
  ASSERT_NE(canary, nullptr);
  EXPECT_TRUE(canary->pass);
  EXPECT_EQ(canary->wall, "network");
  EXPECT_EQ(find(findings, "verify origin reached"), nullptr);
  cleanup(*plan);
}

TEST_F(VerifyNetworkPlan, HostChecksCountTheCanaryAndTheOrigin) {
  auto plan = prepare_verify(options_);
  ASSERT_TRUE(plan.ok()) << plan.error().describe();
  plan->daemon_grace_ms = 0;
  auto before = check_host_after(*plan);
  ASSERT_NE(find(before, "canary service reached"), nullptr);
  EXPECT_TRUE(find(before, "canary service reached")->pass);
  ASSERT_NE(find(before, "verify origin reached"), nullptr);
  EXPECT_FALSE(find(before, "verify origin reached")->pass) << "nothing dialled the origin yet";

  // What a broken proxy does: dial both.
  UniqueFd origin = connect_to("127.0.0.1", plan->spec.network.origin_port);
  UniqueFd canary = connect_to("127.0.0.1", plan->spec.network.canary_port);
  ASSERT_TRUE(origin && canary);
  read_all(canary.get());
  for (int i = 0; i < 100 && plan->net_bait->origin_connections() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto after = check_host_after(*plan);
  const Finding* reached = find(after, "canary service reached");
  ASSERT_NE(reached, nullptr);
  EXPECT_FALSE(reached->pass);
  EXPECT_EQ(reached->got, "1 connection(s)");
  EXPECT_TRUE(find(after, "verify origin reached")->pass);
  cleanup(*plan);
}

}  // namespace
}  // namespace cordon::verify
