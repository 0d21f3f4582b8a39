// The few DNS messages the box's stub resolver reads and writes (RFC 1035): one question in,
// one synthetic A answer, an empty answer, or a refusal out. Pure; no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/address.h"

namespace cordon::net::dns {

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeAAAA = 28;
constexpr uint16_t kClassIN = 1;

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;  // as received (the RD bit is echoed)
  std::string name;    // as sent, labels joined with '.', no trailing dot; case preserved
  uint16_t type = 0;
  uint16_t qclass = 0;
  size_t question_end = 0;  // offset just past the question (to copy it into the answer)
};

// A standard query (QR=0, OPCODE=0) with exactly one question and no answer/authority records
// (an EDNS OPT record in the additional section is allowed and ignored). Compression pointers
// in the question, labels over 63 bytes, names over 255 bytes, and bytes outside the hostname
// alphabet are refused (nullopt; a message too broken to answer gets no answer at all).
// Letters, digits, '-' and '_' make up that alphabet; the root name parses as "".
std::optional<Query> parse_query(std::span<const uint8_t> message);

// Answers copy the question, echo RD, set RA, leave AA clear (cordon is not the authority for
// any name) and carry no OPT record (the client falls back to plain DNS).
// NOERROR with one A record (TTL `ttl`) for the question; its name is a pointer (0xC00C) to
// the question's. `address` must be IPv4.
std::vector<uint8_t> answer_a(std::span<const uint8_t> message, const Query& query,
                              const IpAddress& address, uint32_t ttl);
// NOERROR with no answer (NODATA): a name that exists but not with this type (AAAA, MX, ...).
std::vector<uint8_t> answer_empty(std::span<const uint8_t> message, const Query& query);
// An error answer: rcode 5 REFUSED (names the policy does not allow) or 3 NXDOMAIN, 1 FORMERR.
std::vector<uint8_t> answer_error(std::span<const uint8_t> message, const Query& query,
                                  uint8_t rcode);

}  // namespace cordon::net::dns
