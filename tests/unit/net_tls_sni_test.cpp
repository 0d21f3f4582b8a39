// The SNI peek on CONNECT tunnels: real and composed ClientHellos, whole, split and malformed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/tls_client_hello.h"

namespace cordon::net {
namespace {

using Bytes = std::vector<uint8_t>;
using Status = SniPeek::Status;

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Captured from `openssl s_client -connect 127.0.0.1:PORT -servername api.example.com`
// (OpenSSL 3.0) against a loopback listener: one record, TLS 1.3 with the usual extensions.
const Bytes kOpenSslHello = from_hex(
    "160301013c0100013803038ae618d0e77d9392981e47721dcc43565298d6"
    "0fec06cb7a3a7181438aba0a4f20adcda719f5fa9cba02b99a91a8c9e3f3"
    "cd70420918c9e5860ee44d11f1570f53003e130213031301c02cc030009f"
    "cca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039"
    "c009c0130033009d009c003d003c0035002f00ff010000b1000000140012"
    "00000f6170692e6578616d706c652e636f6d000b000403000102000a0016"
    "0014001d0017001e00190018010001010102010301040023000000160000"
    "00170000000d002a0028040305030603080708080809080a080b08040805"
    "0806040105010601030303010302040205020602002b0009080304030303"
    "020301002d00020101003300260024001d0020333d9f58bb4262d8020cfc"
    "a72f2a02a843f24e889efc94a2fc315437c4be405f");

// ---- A small composer of ClientHello bytes: handshake body, extensions, records. ----

void put8(Bytes* b, size_t v) {
  b->push_back(static_cast<uint8_t>(v));
}
void put16(Bytes* b, size_t v) {
  put8(b, v >> 8);
  put8(b, v);
}
void put24(Bytes* b, size_t v) {
  put8(b, v >> 16);
  put16(b, v);
}
void append(Bytes* b, const Bytes& more) {
  b->insert(b->end(), more.begin(), more.end());
}

Bytes extension(uint16_t type, const Bytes& body) {
  Bytes e;
  put16(&e, type);
  put16(&e, body.size());
  append(&e, body);
  return e;
}

// server_name (RFC 6066 section 3) with the given (type, name) entries.
Bytes server_name(const std::vector<std::pair<uint8_t, std::string>>& names) {
  Bytes list;
  for (const auto& [type, name] : names) {
    put8(&list, type);
    put16(&list, name.size());
    list.insert(list.end(), name.begin(), name.end());
  }
  Bytes body;
  put16(&body, list.size());
  append(&body, list);
  return extension(0, body);
}

Bytes sni(const std::string& name) {
  return server_name({{0, name}});
}
const Bytes kSupportedVersions = extension(43, {0x02, 0x03, 0x04});

struct HelloShape {
  size_t session_id = 32;
  size_t ciphers = 4;
  size_t compression = 1;
  bool extensions_block = true;
};

// The ClientHello handshake message (type, 24-bit length, body).
Bytes hello(const std::vector<Bytes>& extensions, HelloShape shape = {}) {
  Bytes body;
  put16(&body, 0x0303);
  body.insert(body.end(), 32, 0xAB);  // random
  put8(&body, shape.session_id);
  body.insert(body.end(), shape.session_id, 0x11);
  put16(&body, shape.ciphers);
  for (size_t i = 0; i < shape.ciphers; ++i) put8(&body, i % 2 == 0 ? 0x13 : 0x01);
  put8(&body, shape.compression);
  body.insert(body.end(), shape.compression, 0x00);
  if (shape.extensions_block) {
    Bytes all;
    for (const Bytes& e : extensions) append(&all, e);
    put16(&body, all.size());
    append(&body, all);
  }
  Bytes msg;
  put8(&msg, 1);
  put24(&msg, body.size());
  append(&msg, body);
  return msg;
}

// Handshake bytes cut into records of at most `fragment` bytes each.
Bytes records(const Bytes& handshake, size_t fragment = 16384, uint8_t type = 22) {
  Bytes out;
  for (size_t at = 0; at < handshake.size(); at += fragment) {
    const size_t n = std::min(fragment, handshake.size() - at);
    put8(&out, type);
    put16(&out, 0x0301);
    put16(&out, n);
    out.insert(out.end(), handshake.begin() + at, handshake.begin() + at + n);
  }
  return out;
}

SniPeek peek(const Bytes& b) {
  return peek_client_hello(b);
}

// ---- Found / not found. ----

TEST(NetTlsSni, RealOpenSslClientHello) {
  SniPeek p = peek(kOpenSslHello);
  ASSERT_EQ(p.status, Status::kFound);
  EXPECT_EQ(p.server_name, "api.example.com");
}

TEST(NetTlsSni, ComposedHelloWithSni) {
  SniPeek p = peek(
      records(hello({kSupportedVersions, sni("API.Example.com"), extension(10, {0, 2, 0, 29})})));
  ASSERT_EQ(p.status, Status::kFound);
  EXPECT_EQ(p.server_name, "API.Example.com");  // as sent; the caller canonicalises
}

TEST(NetTlsSni, NoSni) {
  EXPECT_EQ(peek(records(hello({kSupportedVersions}))).status, Status::kNoSni);
  EXPECT_EQ(peek(records(hello({}))).status, Status::kNoSni);
  HelloShape bare;
  bare.extensions_block = false;  // TLS 1.0 style: no extensions at all
  EXPECT_EQ(peek(records(hello({}, bare))).status, Status::kNoSni);
}

TEST(NetTlsSni, SplitAcrossRecords) {
  const Bytes msg = hello({kSupportedVersions, sni("api.example.com")});
  for (size_t fragment : {1, 3, 4, 5, 40, 100}) {
    SniPeek p = peek(records(msg, fragment));
    ASSERT_EQ(p.status, Status::kFound) << fragment;
    EXPECT_EQ(p.server_name, "api.example.com");
  }
  // Split in the middle of the server name itself.
  const size_t name_at = msg.size() - std::string("example.com").size();
  Bytes two = records(Bytes(msg.begin(), msg.begin() + name_at));
  append(&two, records(Bytes(msg.begin() + name_at, msg.end())));
  EXPECT_EQ(peek(two).server_name, "api.example.com");
}

TEST(NetTlsSni, LargeHelloOverTwoFullRecords) {
  // A post-quantum key share or a padding extension pushes hellos past one 16 KiB record.
  const Bytes msg = hello({extension(21, Bytes(20000, 0)), sni("api.example.com")});
  const Bytes data = records(msg);
  SniPeek p = peek(data);
  ASSERT_EQ(p.status, Status::kFound);
  EXPECT_EQ(p.server_name, "api.example.com");
  EXPECT_EQ(peek(Bytes(data.begin(), data.begin() + 16389)).status, Status::kIncomplete);
}

TEST(NetTlsSni, IncompleteUntilTheWholeHelloArrivesByteByByte) {
  for (const Bytes& data : {kOpenSslHello, records(hello({sni("api.example.com")}), 50)}) {
    for (size_t n = 0; n < data.size(); ++n) {
      ASSERT_EQ(peek(Bytes(data.begin(), data.begin() + n)).status, Status::kIncomplete) << n;
    }
    EXPECT_EQ(peek(data).status, Status::kFound);
  }
}

TEST(NetTlsSni, BytesAfterTheHelloAreIgnored) {
  Bytes data = kOpenSslHello;
  append(&data, {0x17, 0x03, 0x03, 0x00, 0x02, 0xde, 0xad});  // early application data
  EXPECT_EQ(peek(data).server_name, "api.example.com");
}

// ---- Not TLS. ----

TEST(NetTlsSni, PlainTextIsNotTls) {
  const std::string get = "GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n";
  EXPECT_EQ(peek(Bytes(get.begin(), get.end())).status, Status::kNotTls);
  EXPECT_EQ(peek(Bytes{'G'}).status, Status::kNotTls);
  const std::string ssh = "SSH-2.0-OpenSSH_9.2\r\n";
  EXPECT_EQ(peek(Bytes(ssh.begin(), ssh.end())).status, Status::kNotTls);
}

TEST(NetTlsSni, Sslv2CompatibleHelloIsNotTls) {
  // 2-byte header with the high bit set, MSG-CLIENT-HELLO, version 3.1, then lengths.
  const Bytes v2 = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10};
  EXPECT_EQ(peek(v2).status, Status::kNotTls);
}

TEST(NetTlsSni, OtherRecordTypesAndVersionsAreNotTls) {
  EXPECT_EQ(peek(records(hello({sni("api.example.com")}), 16384, 23)).status, Status::kNotTls);
  EXPECT_EQ(peek(Bytes{0x16, 0x02}).status, Status::kNotTls);
  EXPECT_EQ(peek(Bytes{}).status, Status::kIncomplete);
  EXPECT_EQ(peek(Bytes{0x16}).status, Status::kIncomplete);
  EXPECT_EQ(peek(Bytes{0x16, 0x03, 0x01, 0x00}).status, Status::kIncomplete);
}

// ---- Malformed. ----

TEST(NetTlsSni, MalformedRecordLayer) {
  Bytes zero = {0x16, 0x03, 0x01, 0x00, 0x00};
  EXPECT_EQ(peek(zero).status, Status::kMalformed);
  Bytes huge = {0x16, 0x03, 0x01, 0x40, 0x01};  // 16385 > 2^14
  EXPECT_EQ(peek(huge).status, Status::kMalformed);
  // A second record of another type before the hello is complete.
  const Bytes msg = hello({sni("api.example.com")});
  Bytes mixed = records(Bytes(msg.begin(), msg.begin() + 20));
  append(&mixed, records(Bytes(msg.begin() + 20, msg.end()), 16384, 21));
  EXPECT_EQ(peek(mixed).status, Status::kMalformed);
  Bytes wrong_version = records(Bytes(msg.begin(), msg.begin() + 20));
  append(&wrong_version, {0x16, 0x02, 0x00, 0x00, 0x01, 0x00});
  EXPECT_EQ(peek(wrong_version).status, Status::kMalformed);
}

TEST(NetTlsSni, MalformedHandshakeHeader) {
  Bytes server_hello = hello({sni("api.example.com")});
  server_hello[0] = 2;
  EXPECT_EQ(peek(records(server_hello)).status, Status::kMalformed);
  // Declares 70000 bytes: beyond the 64 KiB bound, refused before it arrives.
  Bytes too_big = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x11, 0x70};
  EXPECT_EQ(peek(too_big).status, Status::kMalformed);
  // An empty ClientHello body.
  EXPECT_EQ(peek(records(Bytes{0x01, 0x00, 0x00, 0x00})).status, Status::kMalformed);
}

// Rewrites the hello's 24-bit length and the record length after a body edit.
Bytes reframe(Bytes msg) {
  const size_t body = msg.size() - 4;
  msg[1] = static_cast<uint8_t>(body >> 16);
  msg[2] = static_cast<uint8_t>(body >> 8);
  msg[3] = static_cast<uint8_t>(body);
  return records(msg);
}

TEST(NetTlsSni, MalformedLengthsInsideTheHello) {
  HelloShape s;
  s.session_id = 33;
  EXPECT_EQ(peek(records(hello({sni("api.example.com")}, s))).status, Status::kMalformed);
  s = {};
  s.ciphers = 3;
  EXPECT_EQ(peek(records(hello({sni("api.example.com")}, s))).status, Status::kMalformed);
  s = {};
  s.ciphers = 0;
  EXPECT_EQ(peek(records(hello({sni("api.example.com")}, s))).status, Status::kMalformed);
  s = {};
  s.compression = 0;
  EXPECT_EQ(peek(records(hello({sni("api.example.com")}, s))).status, Status::kMalformed);

  // The extensions block: one byte too many, one too few, an extension overrunning it.
  const Bytes good = hello({kSupportedVersions, sni("api.example.com")});
  Bytes extra = good;
  extra.push_back(0);
  EXPECT_EQ(peek(reframe(extra)).status, Status::kMalformed);
  Bytes short_by_one = good;
  short_by_one.pop_back();
  EXPECT_EQ(peek(reframe(short_by_one)).status, Status::kMalformed);
  Bytes overrun = hello({extension(43, {0x02, 0x03, 0x04})});
  overrun[overrun.size() - 4] = 0x09;  // the extension claims 9 bytes, 3 follow
  EXPECT_EQ(peek(records(overrun)).status, Status::kMalformed);
  // The hello's own length shorter than its fields.
  Bytes truncated = good;
  truncated.resize(4 + 2 + 32 + 10);
  EXPECT_EQ(peek(reframe(truncated)).status, Status::kMalformed);
}

TEST(NetTlsSni, MalformedServerNames) {
  auto status_of = [](const Bytes& ext) { return peek(records(hello({ext}))).status; };
  EXPECT_EQ(status_of(server_name({{0, "api.example.com"}, {0, "other.example.com"}})),
            Status::kMalformed);
  EXPECT_EQ(status_of(sni("")), Status::kMalformed);
  EXPECT_EQ(status_of(sni(std::string("api.example.com\0.other.example.com", 33))),
            Status::kMalformed);
  EXPECT_EQ(status_of(sni("api.example.com\r\n")), Status::kMalformed);
  EXPECT_EQ(status_of(sni("api example.com")), Status::kMalformed);
  EXPECT_EQ(status_of(server_name({{1, "api.example.com"}})), Status::kMalformed);
  EXPECT_EQ(status_of(server_name({})), Status::kMalformed);   // an empty list
  EXPECT_EQ(status_of(extension(0, {})), Status::kMalformed);  // no list at all
  EXPECT_EQ(status_of(extension(0, {0x00, 0x05, 0x00, 0x00, 0x01, 'a'})), Status::kMalformed);
  // The list length disagrees with the extension length.
  EXPECT_EQ(status_of(extension(0, {0x00, 0x03, 0x00, 0x00, 0x01, 'a', 'b'})), Status::kMalformed);
  // Two server_name extensions, each well-formed.
  EXPECT_EQ(peek(records(hello({sni("api.example.com"), sni("api.example.com")}))).status,
            Status::kMalformed);
}

}  // namespace
}  // namespace cordon::net
