// SOCKS5 greeting, username/password and request parsing, fed whole and a byte at a time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/socks5.h"

namespace cordon::net::socks5 {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes domain_request(uint8_t command, const std::string& domain, uint16_t port) {
  Bytes b = {5, command, 0, 3, static_cast<uint8_t>(domain.size())};
  for (char c : domain) b.push_back(static_cast<uint8_t>(c));  // insert(): bogus GCC 12 warning
  b.push_back(static_cast<uint8_t>(port >> 8));
  b.push_back(static_cast<uint8_t>(port));
  return b;
}

// Every strict prefix of a complete message is kIncomplete; `parse` is any of the parsers.
template <class Parse>
void expect_incomplete_prefixes(const Bytes& message, Parse parse) {
  for (size_t n = 0; n < message.size(); ++n) {
    EXPECT_EQ(parse(std::span<const uint8_t>(message.data(), n)).status, Status::kIncomplete)
        << "prefix of " << n << " bytes";
  }
}

// ---- Greeting. ----

TEST(NetSocks5, GreetingWithTwoMethods) {
  const Bytes g = {5, 2, 0x00, 0x02, 0xAA};  // one byte of the next message follows
  Greeting p = parse_greeting(g);
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_TRUE(p.offers_no_auth);
  EXPECT_TRUE(p.offers_password);
  EXPECT_EQ(p.size, 4u);
  expect_incomplete_prefixes(Bytes(g.begin(), g.begin() + 4), parse_greeting);
}

TEST(NetSocks5, GreetingWithOtherMethodsOnly) {
  Greeting p = parse_greeting(Bytes{5, 1, 0x01});  // GSSAPI only
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_FALSE(p.offers_no_auth);
  EXPECT_FALSE(p.offers_password);
  p = parse_greeting(Bytes{5, 1, 0x02});
  EXPECT_TRUE(p.offers_password);
  EXPECT_FALSE(p.offers_no_auth);
}

TEST(NetSocks5, GreetingWithZeroMethodsIsBad) {
  EXPECT_EQ(parse_greeting(Bytes{5, 0}).status, Status::kBad);
}

TEST(NetSocks5, GreetingWithWrongVersionIsBadAtOnce) {
  EXPECT_EQ(parse_greeting(Bytes{4}).status, Status::kBad);
  EXPECT_EQ(parse_greeting(Bytes{'G', 'E', 'T'}).status, Status::kBad);
}

TEST(NetSocks5, MethodReply) {
  EXPECT_EQ(method_reply(0x00), (Bytes{5, 0x00}));
  EXPECT_EQ(method_reply(0x02), (Bytes{5, 0x02}));
  EXPECT_EQ(method_reply(0xFF), (Bytes{5, 0xFF}));
}

// ---- Username / password. ----

TEST(NetSocks5, Credentials) {
  const Bytes c = {1, 5, 't', 'o', 'k', 'e', 'n', 3, 'p', 'w', 'd'};
  Credentials p = parse_credentials(c);
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.username, "token");
  EXPECT_EQ(p.password, "pwd");
  EXPECT_EQ(p.size, c.size());
  expect_incomplete_prefixes(c, parse_credentials);
}

TEST(NetSocks5, CredentialsWithEmptyPassword) {
  Credentials p = parse_credentials(Bytes{1, 1, 'u', 0});
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.username, "u");
  EXPECT_EQ(p.password, "");
  EXPECT_EQ(p.size, 4u);
}

TEST(NetSocks5, CredentialsWithWrongVersionAreBad) {
  EXPECT_EQ(parse_credentials(Bytes{5, 1, 'u', 1, 'p'}).status, Status::kBad);
}

TEST(NetSocks5, CredentialsReply) {
  EXPECT_EQ(credentials_reply(true), (Bytes{1, 0}));
  EXPECT_EQ(credentials_reply(false)[0], 1);
  EXPECT_NE(credentials_reply(false)[1], 0);
}

// ---- Requests. ----

TEST(NetSocks5, ConnectIpv4) {
  const Bytes r = {5, 1, 0, 1, 203, 0, 113, 7, 0x01, 0xBB};
  Request p = parse_request(r);
  ASSERT_EQ(p.status, Status::kComplete) << p.error;
  EXPECT_EQ(p.command, 1);
  EXPECT_EQ(p.host, "203.0.113.7");
  EXPECT_TRUE(p.host_is_address);
  EXPECT_EQ(p.port, 443);
  EXPECT_EQ(p.size, r.size());
  expect_incomplete_prefixes(r, parse_request);
}

TEST(NetSocks5, ConnectIpv6) {
  Bytes r = {5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80};
  Request p = parse_request(r);
  ASSERT_EQ(p.status, Status::kComplete) << p.error;
  EXPECT_EQ(p.host, "2001:db8::1");  // not bracketed
  EXPECT_TRUE(p.host_is_address);
  EXPECT_EQ(p.port, 80);
  EXPECT_EQ(p.size, 22u);
  expect_incomplete_prefixes(r, parse_request);

  Bytes mapped = {5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1, 0, 80};
  EXPECT_EQ(parse_request(mapped).host, "::ffff:127.0.0.1");
}

TEST(NetSocks5, ConnectDomain) {
  const Bytes r = domain_request(1, "API.example-1.com", 8443);
  Request p = parse_request(r);
  ASSERT_EQ(p.status, Status::kComplete) << p.error;
  EXPECT_EQ(p.command, 1);
  EXPECT_EQ(p.host, "API.example-1.com");  // as sent; the caller canonicalises
  EXPECT_FALSE(p.host_is_address);
  EXPECT_EQ(p.port, 8443);
  EXPECT_EQ(p.size, r.size());
  expect_incomplete_prefixes(r, parse_request);
  EXPECT_EQ(parse_request(domain_request(1, "_srv.api.example.com.", 443)).status,
            Status::kComplete);
}

TEST(NetSocks5, TrailingBytesAreNotPartOfTheRequest) {
  Bytes r = domain_request(1, "api.example.com", 443);
  const size_t size = r.size();
  r.insert(r.end(), {0x16, 0x03, 0x01});  // the client's TLS hello, sent early
  Request p = parse_request(r);
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.size, size);
}

TEST(NetSocks5, BindAndUdpAssociateAreParsedWithTheirCommand) {
  Request bind = parse_request(domain_request(2, "api.example.com", 443));
  ASSERT_EQ(bind.status, Status::kComplete);
  EXPECT_EQ(bind.command, 2);
  // UDP ASSOCIATE usually names 0.0.0.0:0.
  Request udp = parse_request(Bytes{5, 3, 0, 1, 0, 0, 0, 0, 0, 0});
  ASSERT_EQ(udp.status, Status::kComplete) << udp.error;
  EXPECT_EQ(udp.command, 3);
  EXPECT_EQ(reply(kCommandNotSupported), (Bytes{5, 0x07, 0, 1, 0, 0, 0, 0, 0, 0}));
}

TEST(NetSocks5, BadDomains) {
  for (const std::string& domain :
       {std::string("api.example.com\0.other.example.com", 33), std::string("api example.com"),
        std::string("user@api.example.com"), std::string("api.example.com%eth0"),
        std::string("caf\xc3\xa9.example.com"), std::string("api.example.com/"),
        std::string("api.example.com:443"), std::string("[::1]"), std::string("\x7f")}) {
    Request p = parse_request(domain_request(1, domain, 443));
    EXPECT_EQ(p.status, Status::kBad) << domain;
    EXPECT_FALSE(p.error.empty());
  }
}

TEST(NetSocks5, BadRequests) {
  EXPECT_EQ(parse_request(domain_request(1, "", 443)).status, Status::kBad);  // empty domain
  EXPECT_EQ(parse_request(Bytes{4, 1, 0, 1, 1, 2, 3, 4, 0, 80}).status, Status::kBad);
  EXPECT_EQ(parse_request(Bytes{4}).status, Status::kBad);  // known bad at the first byte
  EXPECT_EQ(parse_request(Bytes{5, 1, 1, 1, 1, 2, 3, 4, 0, 80}).status, Status::kBad);  // RSV
  EXPECT_EQ(parse_request(Bytes{5, 1, 0, 2, 1, 2, 3, 4, 0, 80}).status, Status::kBad);  // ATYP
  EXPECT_EQ(parse_request(Bytes{5, 0, 0, 1, 1, 2, 3, 4, 0, 80}).status, Status::kBad);  // CMD 0
  EXPECT_EQ(parse_request(Bytes{5, 9, 0, 1, 1, 2, 3, 4, 0, 80}).status, Status::kBad);  // CMD 9
  EXPECT_EQ(parse_request(Bytes{5, 1, 0, 1, 1, 2, 3, 4, 0, 0}).status, Status::kBad);   // port 0
}

TEST(NetSocks5, Replies) {
  EXPECT_EQ(reply(kSucceeded), (Bytes{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(reply(kNotAllowedByRuleset), (Bytes{5, 2, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(reply(kHostUnreachable)[1], 0x04);
}

TEST(NetSocks5, WholeConversationFedIncrementally) {
  // greeting, credentials and request arrive in one stream; each parser reports its size.
  Bytes stream = {5, 1, 2, 1, 5, 't', 'o', 'k', 'e', 'n', 0};
  const Bytes req = domain_request(1, "api.example.com", 443);
  stream.insert(stream.end(), req.begin(), req.end());
  for (size_t have = 0; have <= stream.size(); ++have) {
    std::span<const uint8_t> data(stream.data(), have);
    Greeting g = parse_greeting(data);
    if (g.status != Status::kComplete) {
      EXPECT_EQ(g.status, Status::kIncomplete);
      continue;
    }
    Credentials c = parse_credentials(data.subspan(g.size));
    if (c.status != Status::kComplete) {
      EXPECT_EQ(c.status, Status::kIncomplete);
      continue;
    }
    EXPECT_EQ(c.username, "token");
    Request r = parse_request(data.subspan(g.size + c.size));
    if (have < stream.size()) {
      EXPECT_EQ(r.status, Status::kIncomplete) << have;
    } else {
      ASSERT_EQ(r.status, Status::kComplete);
      EXPECT_EQ(r.host, "api.example.com");
    }
  }
}

}  // namespace
}  // namespace cordon::net::socks5
