// The stub resolver's DNS messages: query parsing, synthetic answers, and glibc reading them.
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "net/dns_message.h"

namespace cordon::net::dns {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes* b, uint16_t v) {
  b->push_back(static_cast<uint8_t>(v >> 8));
  b->push_back(static_cast<uint8_t>(v));
}

Bytes encode_name(const std::string& name) {
  Bytes out;
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + start, name.begin() + dot);
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

struct QuerySpec {
  uint16_t id = 0x1234;
  uint16_t flags = 0x0100;  // RD
  uint16_t qdcount = 1, ancount = 0, nscount = 0, arcount = 0;
  Bytes name = encode_name("api.example.com");
  uint16_t type = kTypeA;
  uint16_t qclass = kClassIN;
  Bytes after;  // records after the question
};

Bytes build(const QuerySpec& s) {
  Bytes m;
  for (uint16_t v : {s.id, s.flags, s.qdcount, s.ancount, s.nscount, s.arcount}) put16(&m, v);
  m.insert(m.end(), s.name.begin(), s.name.end());
  put16(&m, s.type);
  put16(&m, s.qclass);
  m.insert(m.end(), s.after.begin(), s.after.end());
  return m;
}

// An EDNS(0) OPT record as resolvers send it: root name, type 41, 1232-byte UDP size.
Bytes opt_record(Bytes rdata = {}) {
  Bytes r = {0};
  put16(&r, 41);
  put16(&r, 1232);
  r.insert(r.end(), {0, 0, 0, 0});
  put16(&r, static_cast<uint16_t>(rdata.size()));
  r.insert(r.end(), rdata.begin(), rdata.end());
  return r;
}

IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;  // built by hand: address.cpp belongs to another part of net/
  ip.family = IpAddress::Family::kV4;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

// ---- A small, independent decoder for checking answers (follows compression pointers). ----

struct Record {
  std::string name;
  uint16_t type = 0, qclass = 0;
  uint32_t ttl = 0;
  Bytes rdata;
};

struct Decoded {
  uint16_t id = 0, flags = 0;
  std::string qname;
  uint16_t qtype = 0, qclass = 0;
  std::vector<Record> answers;
  uint16_t nscount = 0, arcount = 0;
  size_t size = 0;
};

uint16_t rd16(const Bytes& m, size_t at) {
  return static_cast<uint16_t>((m[at] << 8) | m[at + 1]);
}

std::optional<std::string> read_name(const Bytes& m, size_t* pos) {
  std::string name;
  size_t at = *pos;
  bool jumped = false;
  for (int hops = 0; hops < 16; ++hops) {
    if (at >= m.size()) return std::nullopt;
    const uint8_t len = m[at];
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= m.size()) return std::nullopt;
      if (!jumped) *pos = at + 2;
      jumped = true;
      at = ((len & 0x3F) << 8) | m[at + 1];
      continue;
    }
    if (len == 0) {
      if (!jumped) *pos = at + 1;
      return name;
    }
    if (at + 1 + len > m.size()) return std::nullopt;
    if (!name.empty()) name += '.';
    name.append(m.begin() + at + 1, m.begin() + at + 1 + len);
    at += 1 + len;
  }
  return std::nullopt;
}

std::optional<Decoded> decode(const Bytes& m) {
  if (m.size() < 12) return std::nullopt;
  Decoded d;
  d.id = rd16(m, 0);
  d.flags = rd16(m, 2);
  const uint16_t qd = rd16(m, 4), an = rd16(m, 6);
  d.nscount = rd16(m, 8);
  d.arcount = rd16(m, 10);
  if (qd != 1) return std::nullopt;
  size_t pos = 12;
  auto qname = read_name(m, &pos);
  if (!qname || pos + 4 > m.size()) return std::nullopt;
  d.qname = *qname;
  d.qtype = rd16(m, pos);
  d.qclass = rd16(m, pos + 2);
  pos += 4;
  for (int i = 0; i < an; ++i) {
    Record r;
    auto name = read_name(m, &pos);
    if (!name || pos + 10 > m.size()) return std::nullopt;
    r.name = *name;
    r.type = rd16(m, pos);
    r.qclass = rd16(m, pos + 2);
    r.ttl = (uint32_t{rd16(m, pos + 4)} << 16) | rd16(m, pos + 6);
    const uint16_t rdlen = rd16(m, pos + 8);
    pos += 10;
    if (pos + rdlen > m.size()) return std::nullopt;
    r.rdata.assign(m.begin() + pos, m.begin() + pos + rdlen);
    pos += rdlen;
    d.answers.push_back(r);
  }
  d.size = pos;
  return d;
}

int rcode(const Decoded& d) {
  return d.flags & 0xF;
}

// ---- parse_query. ----

TEST(NetDnsMessage, ParsesAStandardQuery) {
  QuerySpec s;
  s.name = encode_name("Api.Example.COM");
  const Bytes m = build(s);
  auto q = parse_query(m);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->id, 0x1234);
  EXPECT_EQ(q->flags, 0x0100);
  EXPECT_EQ(q->name, "Api.Example.COM");  // case preserved (0x20 mixing resolvers check it)
  EXPECT_EQ(q->type, kTypeA);
  EXPECT_EQ(q->qclass, kClassIN);
  EXPECT_EQ(q->question_end, m.size());
}

TEST(NetDnsMessage, AcceptsNamesWithUnderscoresHyphensAndTheRoot) {
  QuerySpec s;
  s.name = encode_name("_acme-challenge.api-1.example.com");
  s.type = 16;
  auto q = parse_query(build(s));
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->name, "_acme-challenge.api-1.example.com");
  EXPECT_EQ(q->type, 16);
  s.name = {0};
  q = parse_query(build(s));
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->name, "");
}

TEST(NetDnsMessage, AllowsOneOptRecord) {
  QuerySpec s;
  s.arcount = 1;
  s.after = opt_record({0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});  // with a COOKIE option
  const Bytes m = build(s);
  auto q = parse_query(m);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->question_end, m.size() - s.after.size());
}

TEST(NetDnsMessage, RefusesCompressionPointersInTheQuestion) {
  QuerySpec s;
  s.name = {0xC0, 0x0C};
  EXPECT_FALSE(parse_query(build(s)));
  s.name = {3, 'a', 'p', 'i', 0xC0, 0x0C};
  EXPECT_FALSE(parse_query(build(s)));
  s.name = {0x40, 'a', 0};  // reserved label types (EDNS0 extended labels)
  EXPECT_FALSE(parse_query(build(s)));
  s.name = {0x80, 'a', 0};
  EXPECT_FALSE(parse_query(build(s)));
}

TEST(NetDnsMessage, RefusesResponsesOtherOpcodesAndOtherCounts) {
  auto refused = [](auto edit) {
    QuerySpec s;
    edit(&s);
    return !parse_query(build(s)).has_value();
  };
  EXPECT_TRUE(refused([](QuerySpec* s) { s->flags |= 0x8000; }));   // QR=1
  EXPECT_TRUE(refused([](QuerySpec* s) { s->flags |= 1 << 11; }));  // IQUERY
  EXPECT_TRUE(refused([](QuerySpec* s) { s->flags |= 2 << 11; }));  // STATUS
  EXPECT_TRUE(refused([](QuerySpec* s) { s->flags |= 5 << 11; }));  // UPDATE
  EXPECT_TRUE(refused([](QuerySpec* s) { s->qdcount = 0; }));
  EXPECT_TRUE(refused([](QuerySpec* s) { s->qdcount = 2; }));
  EXPECT_TRUE(refused([](QuerySpec* s) { s->ancount = 1; }));
  EXPECT_TRUE(refused([](QuerySpec* s) { s->nscount = 1; }));
  EXPECT_TRUE(refused([](QuerySpec* s) { s->arcount = 1; }));  // announced, absent
  EXPECT_TRUE(refused([](QuerySpec* s) {
    s->arcount = 2;
    s->after = opt_record();
    Bytes second = opt_record();
    s->after.insert(s->after.end(), second.begin(), second.end());
  }));
  EXPECT_TRUE(refused([](QuerySpec* s) {  // an additional record that is not OPT
    s->arcount = 1;
    s->after = opt_record();
    s->after[2] = kTypeA;
  }));
  EXPECT_TRUE(refused([](QuerySpec* s) {  // OPT whose RDATA overruns the message
    s->arcount = 1;
    s->after = opt_record({0, 10});
    s->after[10] = 9;
  }));
  EXPECT_TRUE(refused([](QuerySpec* s) {  // bytes after the OPT record
    s->arcount = 1;
    s->after = opt_record();
    s->after.push_back(0);
  }));
  EXPECT_TRUE(refused([](QuerySpec* s) { s->after = {0}; }));  // bytes after the question
  // The control: the untouched spec parses.
  EXPECT_FALSE(refused([](QuerySpec*) {}));
}

TEST(NetDnsMessage, RefusesTruncatedMessages) {
  QuerySpec s;
  s.arcount = 1;
  s.after = opt_record({0, 10, 0, 2, 9, 9});
  const Bytes m = build(s);
  ASSERT_TRUE(parse_query(m));
  for (size_t n = 0; n < m.size(); ++n) {
    EXPECT_FALSE(parse_query(std::span<const uint8_t>(m.data(), n))) << n;
  }
}

TEST(NetDnsMessage, RefusesBytesOutsideTheHostnameAlphabet) {
  for (const std::string& label :
       {std::string("a b"), std::string("a\0b", 3), std::string("a.b"), std::string("*"),
        std::string("caf\xc3\xa9"), std::string("a@b"), std::string("a%b"), std::string("a/b")}) {
    QuerySpec s;
    s.name = {static_cast<uint8_t>(label.size())};
    s.name.insert(s.name.end(), label.begin(), label.end());
    Bytes rest = encode_name("example.com");
    s.name.insert(s.name.end(), rest.begin(), rest.end());
    EXPECT_FALSE(parse_query(build(s))) << label;
  }
}

TEST(NetDnsMessage, LabelAndNameLengthLimits) {
  QuerySpec s;
  s.name = encode_name(std::string(63, 'a') + ".example.com");
  EXPECT_TRUE(parse_query(build(s)));
  s.name = encode_name(std::string(64, 'a') + ".example.com");  // 64 = 0x40: a label type
  EXPECT_FALSE(parse_query(build(s)));
  const std::string l63(63, 'b');
  s.name = encode_name(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'c'));
  ASSERT_EQ(s.name.size(), 255u);
  EXPECT_TRUE(parse_query(build(s)));
  s.name = encode_name(l63 + "." + l63 + "." + l63 + "." + std::string(62, 'c'));
  EXPECT_FALSE(parse_query(build(s)));
}

// ---- Answers, decoded independently. ----

TEST(NetDnsMessage, AnswerA) {
  QuerySpec s;
  s.name = encode_name("Api.Example.com");
  s.arcount = 1;
  s.after = opt_record();
  const Bytes m = build(s);
  auto q = parse_query(m);
  ASSERT_TRUE(q);
  const Bytes a = answer_a(m, *q, v4(198, 18, 0, 7), 60);
  auto d = decode(a);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, 0x1234);
  EXPECT_TRUE(d->flags & 0x8000);        // QR
  EXPECT_EQ((d->flags >> 11) & 0xF, 0);  // OPCODE
  EXPECT_FALSE(d->flags & 0x0400);       // AA: cordon is no authority
  EXPECT_FALSE(d->flags & 0x0200);       // TC
  EXPECT_TRUE(d->flags & 0x0100);        // RD echoed
  EXPECT_TRUE(d->flags & 0x0080);        // RA
  EXPECT_EQ(rcode(*d), 0);
  EXPECT_EQ(d->qname, "Api.Example.com");
  EXPECT_EQ(d->qtype, kTypeA);
  EXPECT_EQ(d->qclass, kClassIN);
  EXPECT_EQ(d->nscount, 0);
  EXPECT_EQ(d->arcount, 0);  // the OPT is not echoed
  ASSERT_EQ(d->answers.size(), 1u);
  EXPECT_EQ(d->answers[0].name, "Api.Example.com");
  EXPECT_EQ(d->answers[0].type, kTypeA);
  EXPECT_EQ(d->answers[0].qclass, kClassIN);
  EXPECT_EQ(d->answers[0].ttl, 60u);
  EXPECT_EQ(d->answers[0].rdata, (Bytes{198, 18, 0, 7}));
  EXPECT_EQ(d->size, a.size());
  // The answer's name is a pointer to the question's (offset 12), right after the question.
  EXPECT_EQ(a[q->question_end], 0xC0);
  EXPECT_EQ(a[q->question_end + 1], 0x0C);
  // The question bytes are copied exactly.
  EXPECT_TRUE(std::equal(m.begin() + 12, m.begin() + q->question_end, a.begin() + 12));
}

TEST(NetDnsMessage, AnswerEchoesAClearRdAndLargeTtls) {
  QuerySpec s;
  s.flags = 0;
  s.id = 0xBEEF;
  const Bytes m = build(s);
  auto q = parse_query(m);
  ASSERT_TRUE(q);
  auto d = decode(answer_a(m, *q, v4(198, 18, 255, 254), 0x01020304));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, 0xBEEF);
  EXPECT_FALSE(d->flags & 0x0100);
  EXPECT_EQ(d->answers.at(0).ttl, 0x01020304u);
}

TEST(NetDnsMessage, AnswerEmptyAndErrors) {
  QuerySpec s;
  s.type = kTypeAAAA;
  const Bytes m = build(s);
  auto q = parse_query(m);
  ASSERT_TRUE(q);
  auto d = decode(answer_empty(m, *q));
  ASSERT_TRUE(d);
  EXPECT_EQ(rcode(*d), 0);
  EXPECT_TRUE(d->answers.empty());
  EXPECT_EQ(d->qtype, kTypeAAAA);
  EXPECT_TRUE(d->flags & 0x8000);
  for (uint8_t code : {1, 3, 5}) {
    d = decode(answer_error(m, *q, code));
    ASSERT_TRUE(d);
    EXPECT_EQ(rcode(*d), code);
    EXPECT_TRUE(d->answers.empty());
    EXPECT_EQ(d->qname, "api.example.com");
    EXPECT_TRUE(d->flags & 0x0100);
    EXPECT_FALSE(d->flags & 0x0400);
  }
}

// ---- glibc's stub resolver reads the answers (loopback only, no network needed). ----

// A one-socket DNS server on 127.0.0.1 answering with the functions under test until it has
// served `queries` messages or waited 10 s.
class LoopbackServer {
 public:
  explicit LoopbackServer(int queries) {
    fd_.reset(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (!fd_ || bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    timeval timeout{10, 0};
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, queries] { serve(queries); });
  }
  ~LoopbackServer() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  void serve(int queries) {
    for (int i = 0; i < queries; ++i) {
      uint8_t buf[1500];
      sockaddr_in peer{};
      socklen_t len = sizeof(peer);
      const ssize_t n =
          recvfrom(fd_.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n < 0) return;
      std::span<const uint8_t> m(buf, static_cast<size_t>(n));
      auto q = parse_query(m);
      if (!q) continue;
      Bytes out;
      if (q->name == "missing.example.com") {
        out = answer_error(m, *q, 3);
      } else if (q->type != kTypeA) {
        out = answer_empty(m, *q);
      } else {
        out = answer_a(m, *q, v4(198, 18, 0, 9), 30);
      }
      sendto(fd_.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
    }
  }

  UniqueFd fd_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST(NetDnsMessage, GlibcResolverReadsTheAnswers) {
  LoopbackServer server(3);
  ASSERT_NE(server.port(), 0) << "cannot bind a UDP socket on 127.0.0.1";
  struct __res_state state {};
  if (res_ninit(&state) != 0) GTEST_SKIP() << "res_ninit failed: no usable resolver state";
  state.nscount = 1;
  state.nsaddr_list[0].sin_family = AF_INET;  // set: glibc then ignores its IPv6 copy
  state.nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  state.nsaddr_list[0].sin_port = htons(server.port());
  state.retrans = 2;
  state.retry = 1;

  unsigned char answer[512];
  const int n = res_nquery(&state, "api.example.com", ns_c_in, ns_t_a, answer, sizeof(answer));
  ASSERT_GT(n, 0) << "h_errno " << state.res_h_errno;
  auto d = decode(Bytes(answer, answer + n));
  ASSERT_TRUE(d);
  ASSERT_EQ(d->answers.size(), 1u);
  EXPECT_EQ(d->answers[0].rdata, (Bytes{198, 18, 0, 9}));

  EXPECT_LT(res_nquery(&state, "api.example.com", ns_c_in, ns_t_aaaa, answer, sizeof(answer)), 0);
  EXPECT_EQ(state.res_h_errno, NO_DATA);
  EXPECT_LT(res_nquery(&state, "missing.example.com", ns_c_in, ns_t_a, answer, sizeof(answer)), 0);
  EXPECT_EQ(state.res_h_errno, HOST_NOT_FOUND);
  res_nclose(&state);
}

}  // namespace
}  // namespace cordon::net::dns
