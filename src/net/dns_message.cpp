// Parses the box's DNS queries and builds cordon's synthetic answers (RFC 1035, RFC 6891 OPT).
#include "net/dns_message.h"

#include <cstdlib>

namespace cordon::net::dns {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kFlagRa = 0x0080;
constexpr uint16_t kTypeOpt = 41;
constexpr size_t kMaxNameWire = 255;  // RFC 1035 section 2.3.4, length bytes included

uint16_t be16(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint16_t>((m[at] << 8) | m[at + 1]);
}

void put16(std::vector<uint8_t>* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}

bool is_name_byte(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// The question name, uncompressed. Compression pointers are refused: in a one-question query
// the only place they could point is back into the header, which is never a name.
bool read_name(std::span<const uint8_t> m, size_t* pos, std::string* name) {
  size_t wire = 0;
  while (true) {
    if (*pos >= m.size()) return false;
    const uint8_t size = m[(*pos)++];
    wire += 1 + size;
    if (wire > kMaxNameWire) return false;
    if (size == 0) return true;
    if ((size & 0xC0) != 0) return false;  // a pointer (0xC0) or a reserved label type; > 63
    if (m.size() - *pos < size) return false;
    if (!name->empty()) *name += '.';
    for (uint8_t c : m.subspan(*pos, size)) {
      if (!is_name_byte(c)) return false;
      *name += static_cast<char>(c);
    }
    *pos += size;
  }
}

// One EDNS OPT pseudo-record (RFC 6891 section 6.1.2) that must end the message.
bool skip_opt(std::span<const uint8_t> m, size_t pos) {
  if (m.size() - pos < 11 || m[pos] != 0 || be16(m, pos + 1) != kTypeOpt) return false;
  const size_t rdata = be16(m, pos + 9);
  return m.size() - pos - 11 == rdata;
}

// The header and question of an answer. AA stays 0 (cordon is not the authority for any
// name), RD is echoed as RFC 1035 asks and RA is set because cordon does resolve. The OPT
// record is not echoed: an answer without one tells the client to fall back to plain DNS.
std::vector<uint8_t> answer_head(std::span<const uint8_t> message, const Query& query,
                                 uint8_t rcode, uint16_t answers) {
  if (rcode > 15 || query.question_end <= kHeaderSize || message.size() < query.question_end) {
    std::abort();  // programmer bug: not the query parse_query returned for this message
  }
  std::vector<uint8_t> out;
  out.reserve(query.question_end + 16);
  put16(&out, query.id);
  put16(&out, static_cast<uint16_t>(kFlagQr | (query.flags & kFlagRd) | kFlagRa | rcode));
  put16(&out, 1);        // QDCOUNT
  put16(&out, answers);  // ANCOUNT
  put16(&out, 0);        // NSCOUNT
  put16(&out, 0);        // ARCOUNT
  out.insert(out.end(), message.begin() + kHeaderSize,
             message.begin() + static_cast<long>(query.question_end));
  return out;
}

}  // namespace

std::optional<Query> parse_query(std::span<const uint8_t> message) {
  if (message.size() < kHeaderSize) return std::nullopt;
  Query q;
  q.id = be16(message, 0);
  q.flags = be16(message, 2);
  if ((q.flags & kFlagQr) != 0 || ((q.flags >> 11) & 0xF) != 0) return std::nullopt;
  if (be16(message, 4) != 1 || be16(message, 6) != 0 || be16(message, 8) != 0) {
    return std::nullopt;
  }
  const uint16_t additional = be16(message, 10);
  if (additional > 1) return std::nullopt;
  size_t pos = kHeaderSize;
  if (!read_name(message, &pos, &q.name)) return std::nullopt;
  if (message.size() - pos < 4) return std::nullopt;
  q.type = be16(message, pos);
  q.qclass = be16(message, pos + 2);
  q.question_end = pos + 4;
  // Nothing may follow but the one OPT record the header announced.
  if (additional == 1 ? !skip_opt(message, q.question_end) : message.size() != q.question_end) {
    return std::nullopt;
  }
  return q;
}

std::vector<uint8_t> answer_a(std::span<const uint8_t> message, const Query& query,
                              const IpAddress& address, uint32_t ttl) {
  if (address.family != IpAddress::Family::kV4) std::abort();  // programmer bug
  std::vector<uint8_t> out = answer_head(message, query, 0, 1);
  put16(&out, 0xC000 | kHeaderSize);  // a pointer to the question's name
  put16(&out, kTypeA);
  put16(&out, kClassIN);
  put16(&out, static_cast<uint16_t>(ttl >> 16));
  put16(&out, static_cast<uint16_t>(ttl));
  put16(&out, 4);
  out.insert(out.end(), address.bytes.begin(), address.bytes.begin() + 4);
  return out;
}

std::vector<uint8_t> answer_empty(std::span<const uint8_t> message, const Query& query) {
  return answer_head(message, query, 0, 0);
}

std::vector<uint8_t> answer_error(std::span<const uint8_t> message, const Query& query,
                                  uint8_t rcode) {
  return answer_head(message, query, rcode, 0);
}

}  // namespace cordon::net::dns
