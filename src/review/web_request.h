// One request to the review web page, taken from what its connection has received so far.
//
// The server parses again after every read, so a request split over many reads must get the
// answer it gets when sent whole: once a parse is not kIncomplete, more bytes never change it
// (tests/fuzz/web_request_fuzz.cpp checks this). Only origin-form targets, no chunked bodies,
// heads of at most 8 KiB and bodies of at most 16 KiB; the first request of a connection is the
// only one (every response closes it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "net/http_message.h"

namespace cordon::review {

constexpr size_t kMaxWebHead = 8 * 1024;
constexpr size_t kMaxWebBody = 16 * 1024;

struct WebRequest {
  std::string method;
  std::string path;   // the target up to its '?'; starts with '/'
  std::string query;  // after the '?', not decoded
  net::HeaderList headers;
  std::string body;
};

struct ParsedWebRequest {
  enum class State { kIncomplete, kRefused, kComplete };
  State state = State::kIncomplete;
  WebRequest request;  // kComplete
  int status = 0;      // kRefused: the HTTP status to answer with
  std::string error;   // kRefused: why, for the response's body
};

ParsedWebRequest parse_web_request(std::string_view received);

// The value of `key` in a query string ("token=abc&x=1"); no percent-decoding is needed for
// the hex tokens the server hands out, so an encoded one simply does not match.
std::string query_value(std::string_view query, std::string_view key);

}  // namespace cordon::review
