// HTTP/1.x head lexing shared by the request and response parsers (RFC 9110/9112), private to net/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"

namespace cordon::net::http_syntax {

bool is_tchar(unsigned char c);
bool is_token(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);
std::string_view trim_ows(std::string_view text);

// Where the head in `buffer` ends. Bare LF, bare CR and NUL are refused as soon as they arrive,
// so a client cannot make the proxy wait for max_head bytes of a head that is already invalid.
struct HeadEnd {
  ParseStatus status = ParseStatus::kIncomplete;
  size_t size = 0;  // kComplete: bytes up to and including the final CRLFCRLF
  std::string error;
};
HeadEnd find_head_end(std::string_view buffer, size_t max_head);

// Splits a complete head (as measured by find_head_end) into its start line and header fields.
// Refuses obs-fold, whitespace before a colon, names that are not tokens and control bytes
// other than HTAB in values. Values are stored without surrounding whitespace.
bool split_head(std::string_view head, std::string_view* start_line, HeaderList* headers,
                std::string* error);

// The frame both heads are parsed in: `Parse` (RequestParse or ResponseParse) is kComplete once
// the head ends within max_head, splits into a start line and fields, and `read_head(start_line,
// &parse.head, &parse.error)` (the start line and what the fields mean) returns true.
template <typename Parse, typename ReadHead>
Parse parse_head(std::string_view buffer, size_t max_head, ReadHead read_head) {
  Parse parse;
  const HeadEnd end = find_head_end(buffer, max_head);
  if (end.status != ParseStatus::kComplete) {
    parse.status = end.status;
    parse.error = end.error;
    return parse;
  }
  std::string_view start_line;
  parse.status = ParseStatus::kBad;
  if (!split_head(buffer.substr(0, end.size), &start_line, &parse.head.headers, &parse.error) ||
      !read_head(start_line, &parse.head, &parse.error)) {
    return parse;
  }
  parse.head.head_size = end.size;
  parse.status = ParseStatus::kComplete;
  return parse;
}

// "HTTP/1.0" -> 0, "HTTP/1.1" -> 1; anything else (HTTP/2.0, HTTP/0.9, lower case) nullopt.
std::optional<int> parse_version(std::string_view text);

// Body framing headers, validated the same way in both directions: one Content-Length of
// digits only (a list such as "1, 1" is refused rather than deduplicated), one
// Transfer-Encoding of exactly "chunked", never both, and no Transfer-Encoding in HTTP/1.0
// (RFC 9112 section 6.1: such framing is faulty).
struct Framing {
  std::optional<uint64_t> content_length;
  bool chunked = false;
};
bool parse_framing(const HeaderList& headers, int minor_version, Framing* framing,
                   std::string* error);

// The lower-cased tokens of every Connection header (comma lists, empty elements skipped).
// Elements that are not tokens are refused.
bool connection_tokens(const HeaderList& headers, std::vector<std::string>* tokens,
                       std::string* error);

// "host[:port]" from an http:// URI, a CONNECT target or a Host header, checked for syntax
// only: the proxy runs the host through canonicalize_host before any rule sees it. Refuses
// userinfo, '%' (percent-encoding, zone ids), bytes outside [A-Za-z0-9._-] in a name,
// unbracketed IPv6 and ports outside 1..65535 or with leading zeros (so "host:080" and
// "host:80" are never two spellings a later comparison has to reconcile).
struct HostPort {
  std::string_view host;  // brackets kept for IPv6
  std::optional<uint16_t> port;
};
std::optional<HostPort> split_host_port(std::string_view authority, std::string* error);

// RFC 9112 section 9.3: "close" ends the connection; HTTP/1.0 stays open only with keep-alive.
bool keeps_alive(int minor_version, const std::vector<std::string>& tokens);

}  // namespace cordon::net::http_syntax
