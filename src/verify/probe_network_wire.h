// The bytes the probe sends to cordon's egress wall and reads back: a TLS ClientHello with a
// chosen server name, SOCKS5 requests, DNS queries and answers, HTTP response heads.
//
// Pure and header-only: the probe links only cordon_base, and the unit tests check these
// builders against cordon's own parsers (net/). Written from the RFCs (TLS 1.3 RFC 8446 4.1.2,
// SNI RFC 6066 3, SOCKS5 RFC 1928, DNS RFC 1035 4.1), not from any TLS or DNS library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::verify::wire {

using Bytes = std::vector<uint8_t>;

inline void put8(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v));
}
inline void put16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put24(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, v);
}
inline void put_bytes(Bytes& b, std::string_view s) {
  b.insert(b.end(), s.begin(), s.end());
}
inline void put_bytes(Bytes& b, const Bytes& s) {
  b.insert(b.end(), s.begin(), s.end());
}

inline std::string to_string(const Bytes& b) {
  return {b.begin(), b.end()};
}

inline std::string hex(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// ---- TLS ----------------------------------------------------------------------------------

// One TLS record holding a ClientHello (legacy version TLS 1.2, supported_versions TLS 1.3 and
// 1.2, three cipher suites) with a server_name extension naming `sni`, or none when it is
// empty. A proxy can read the name from it; no server could finish a handshake (no key share).
inline Bytes client_hello(std::string_view sni) {
  Bytes extensions;
  if (!sni.empty()) {
    Bytes list;  // ServerNameList: one host_name entry
    put8(list, 0);
    put16(list, sni.size());
    put_bytes(list, sni);
    put16(extensions, 0x0000);  // server_name
    put16(extensions, list.size() + 2);
    put16(extensions, list.size());
    put_bytes(extensions, list);
  }
  put16(extensions, 0x002b);  // supported_versions: TLS 1.3, TLS 1.2
  put16(extensions, 5);
  put8(extensions, 4);
  for (size_t v : {0x0304, 0x0303}) put16(extensions, v);

  Bytes body;
  put16(body, 0x0303);                                // legacy_version
  for (int i = 0; i < 32; ++i) put8(body, 0xc0 + i);  // random (fixed: nothing depends on it)
  put8(body, 32);  // legacy_session_id (a middlebox-compatible 32 bytes)
  for (int i = 0; i < 32; ++i) put8(body, 0x5e);
  put16(body, 6);  // cipher_suites
  for (size_t suite : {0x1301, 0x1302, 0xc02f}) put16(body, suite);
  put8(body, 1);  // legacy_compression_methods: null
  put8(body, 0);
  put16(body, extensions.size());
  put_bytes(body, extensions);

  Bytes handshake;
  put8(handshake, 1);  // client_hello
  put24(handshake, body.size());
  put_bytes(handshake, body);

  Bytes record;
  put8(record, 0x16);     // handshake
  put16(record, 0x0301);  // record version, as clients send it
  put16(record, handshake.size());
  put_bytes(record, handshake);
  return record;
}

// ---- SOCKS5 -------------------------------------------------------------------------------

namespace socks {
constexpr uint8_t kConnect = 1;
constexpr uint8_t kBind = 2;
constexpr uint8_t kUdpAssociate = 3;
constexpr uint8_t kNotAllowedByRuleset = 2;
}  // namespace socks

// VER 5, one method: no authentication.
inline Bytes socks_greeting() {
  return {5, 1, 0};
}

inline Bytes socks_request_head(uint8_t command, uint8_t atyp) {
  return {5, command, 0, atyp};
}

inline Bytes socks_request_domain(std::string_view host, uint16_t port,
                                  uint8_t command = socks::kConnect) {
  Bytes b = socks_request_head(command, 3);
  put8(b, host.size());
  put_bytes(b, host);
  put16(b, port);
  return b;
}

inline Bytes socks_request_ipv4(const std::array<uint8_t, 4>& address, uint16_t port,
                                uint8_t command = socks::kConnect) {
  Bytes b = socks_request_head(command, 1);
  for (uint8_t byte : address) b.push_back(byte);  // insert(): bogus GCC 12 -Warray-bounds at -O3
  put16(b, port);
  return b;
}

inline Bytes socks_request_ipv6(const std::array<uint8_t, 16>& address, uint16_t port,
                                uint8_t command = socks::kConnect) {
  Bytes b = socks_request_head(command, 4);
  for (uint8_t byte : address) b.push_back(byte);  // insert(): bogus GCC 12 -Warray-bounds at -O3
  put16(b, port);
  return b;
}

// The size of the complete reply at the start of `data` (VER REP RSV ATYP BND.ADDR BND.PORT),
// 0 while more bytes are needed, nullopt when it cannot be a SOCKS5 reply.
inline std::optional<size_t> socks_reply_size(std::string_view data) {
  if (data.empty()) return 0;
  if (static_cast<uint8_t>(data[0]) != 5) return std::nullopt;
  if (data.size() < 5) return 0;
  size_t size = 0;
  switch (static_cast<uint8_t>(data[3])) {
    case 1:
      size = 4 + 4 + 2;
      break;
    case 4:
      size = 4 + 16 + 2;
      break;
    case 3:
      size = 4 + 1 + static_cast<uint8_t>(data[4]) + 2;
      break;
    default:
      return std::nullopt;
  }
  return data.size() >= size ? size : 0;
}

// ---- DNS ----------------------------------------------------------------------------------

namespace dns {
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeTxt = 16;
constexpr uint16_t kTypeAAAA = 28;
constexpr int kRcodeRefused = 5;
}  // namespace dns

// A standard query (RD set) with one question for `name` (no trailing dot), class IN. Labels
// longer than 63 bytes are cut, which makes a different name: callers keep them short.
inline Bytes dns_query(uint16_t id, std::string_view name, uint16_t type) {
  Bytes b;
  put16(b, id);
  put16(b, 0x0100);  // RD
  put16(b, 1);       // QDCOUNT
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    std::string_view label = name.substr(start, std::min<size_t>(dot - start, 63));
    if (!label.empty()) {
      put8(b, label.size());
      put_bytes(b, label);
    }
    start = dot + 1;
  }
  put8(b, 0);
  put16(b, type);
  put16(b, 1);  // IN
  return b;
}

// `data` hex-encoded in labels of at most 60 characters, then `suffix`: the shape of a DNS
// tunnel's query ("6b65793d....exfil.example").
inline std::string dns_exfil_name(std::string_view data, std::string_view suffix) {
  std::string encoded = hex(data), name;
  for (size_t i = 0; i < encoded.size(); i += 60) name += encoded.substr(i, 60) + ".";
  return name + std::string(suffix);
}

struct DnsAnswer {
  bool valid = false;
  std::string error;  // !valid: why
  uint16_t id = 0;
  bool response = false;  // QR
  int rcode = 0;
  uint16_t answer_count = 0;
  std::vector<std::array<uint8_t, 4>> a_records;
};

namespace detail {
// Skips a (possibly compressed) name at `pos`; false when it runs off the end.
inline bool skip_name(std::span<const uint8_t> m, size_t& pos) {
  for (int labels = 0; labels < 128; ++labels) {
    if (pos >= m.size()) return false;
    uint8_t len = m[pos];
    if ((len & 0xc0) == 0xc0) {
      pos += 2;
      return pos <= m.size();
    }
    if ((len & 0xc0) != 0) return false;
    pos += 1 + len;
    if (len == 0) return true;
  }
  return false;
}
inline uint16_t get16(std::span<const uint8_t> m, size_t pos) {
  return static_cast<uint16_t>(m[pos] << 8 | m[pos + 1]);
}
}  // namespace detail

// Reads the header, skips the questions and collects the A records of the answer section.
inline DnsAnswer parse_dns_answer(std::span<const uint8_t> m) {
  DnsAnswer a;
  if (m.size() < 12) {
    a.error = "short message (" + std::to_string(m.size()) + " bytes)";
    return a;
  }
  a.id = detail::get16(m, 0);
  uint16_t flags = detail::get16(m, 2);
  a.response = (flags & 0x8000) != 0;
  a.rcode = flags & 0x0f;
  uint16_t questions = detail::get16(m, 4);
  a.answer_count = detail::get16(m, 6);
  size_t pos = 12;
  for (uint16_t i = 0; i < questions; ++i) {
    if (!detail::skip_name(m, pos) || pos + 4 > m.size()) {
      a.error = "truncated question";
      return a;
    }
    pos += 4;
  }
  for (uint16_t i = 0; i < a.answer_count; ++i) {
    if (!detail::skip_name(m, pos) || pos + 10 > m.size()) {
      a.error = "truncated answer";
      return a;
    }
    uint16_t type = detail::get16(m, pos);
    uint16_t rdlength = detail::get16(m, pos + 8);
    pos += 10;
    if (pos + rdlength > m.size()) {
      a.error = "truncated answer data";
      return a;
    }
    if (type == dns::kTypeA && rdlength == 4) {
      a.a_records.push_back({m[pos], m[pos + 1], m[pos + 2], m[pos + 3]});
    }
    pos += rdlength;
  }
  a.valid = true;
  return a;
}

inline std::string ipv4_text(const std::array<uint8_t, 4>& a) {
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." +
         std::to_string(a[3]);
}

// cordon's synthetic answers: 198.18.0.0/15.
inline bool is_synthetic(const std::array<uint8_t, 4>& a) {
  return a[0] == 198 && (a[1] & 0xfe) == 18;
}

inline const char* rcode_name(int rcode) {
  switch (rcode) {
    case 0:
      return "NOERROR";
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    default:
      return "RCODE?";
  }
}

// ---- HTTP ---------------------------------------------------------------------------------

// A response head as far as the probe cares: the status and the headers, by lower-case name.
struct HttpHead {
  bool complete = false;  // the blank line was seen
  int status = 0;         // 0: no parsable status line
  size_t head_size = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::optional<std::string> header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return std::nullopt;
  }
  std::optional<size_t> content_length() const {
    auto v = header("content-length");
    if (!v || v->empty() || v->size() > 12) return std::nullopt;
    size_t n = 0;
    for (char c : *v) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    return n;
  }
};

inline HttpHead parse_http_head(std::string_view data) {
  HttpHead h;
  size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return h;
  h.complete = true;
  h.head_size = end + 4;
  std::string_view head = data.substr(0, end);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.size() >= 12 && status_line.substr(0, 7) == "HTTP/1." && status_line[8] == ' ') {
    int status = 0;
    for (size_t i = 9; i < 12; ++i) {
      if (status_line[i] < '0' || status_line[i] > '9') return h;
      status = status * 10 + (status_line[i] - '0');
    }
    h.status = status;
  }
  while (eol != std::string_view::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    h.headers.emplace_back(std::move(name), std::string(value));
  }
  return h;
}

}  // namespace cordon::verify::wire
