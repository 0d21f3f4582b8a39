// Strict HTTP/1.x message heads for the forward proxy: requests from the box (decided on the
// absolute-URI authority, never on Host) and responses from origins (only their framing, so a
// kept-alive connection knows where each response ends). Pure parsing; no sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cordon::net {

enum class ParseStatus { kIncomplete, kComplete, kBad };

using HeaderList = std::vector<std::pair<std::string, std::string>>;  // names as sent

struct RequestHead {
  std::string method;             // "GET", "CONNECT", ...
  std::string target;             // the request-target as sent
  bool connect = false;           // authority-form CONNECT
  std::string authority;          // absolute-form: "host[:port]" of the URI; CONNECT: target
  bool absolute_form = false;     // the target was an absolute URI
  uint16_t default_port = 80;     // 80 for http://, 443 for CONNECT (the port is required there)
  std::string origin_form;        // absolute-form only: path + query to send upstream ("/" if empty)
  int minor_version = 1;          // HTTP/1.0 or HTTP/1.1
  HeaderList headers;
  std::optional<uint64_t> content_length;  // request body framing
  bool chunked = false;
  bool keep_alive = true;         // after this request (1.1 default; 1.0 needs keep-alive)
  size_t head_size = 0;           // bytes of the head, including the final CRLFCRLF
};

struct RequestParse {
  ParseStatus status = ParseStatus::kIncomplete;
  RequestHead head;   // valid when kComplete
  std::string error;  // kBad: one line for the 400 body ("bare LF in header line")
};

// Parses one request head from the start of `buffer`. kIncomplete until the blank line; kBad
// once `buffer` holds more than `max_head` bytes without one. Refused (kBad): origin-form or
// asterisk-form targets (the proxy only speaks to proxy clients), schemes other than http,
// userinfo in the authority, backslashes, '#' fragments, NUL or control bytes, bare LF or bare
// CR anywhere in the head, obs-fold (a line starting with SP/HTAB), whitespace before a
// header's colon, a Host header that is duplicated or differs from the URI authority (compared
// after canonicalisation), both Content-Length and Transfer-Encoding, several or non-numeric
// Content-Length values, a Transfer-Encoding other than exactly "chunked", HTTP versions other
// than 1.0 and 1.1, methods that are not tokens, CONNECT without an explicit port.
// Also refused: an empty line before the request line, '%' in the host, a port with leading
// zeros, Transfer-Encoding in HTTP/1.0, a Connection list that is not tokens, and a CONNECT
// with a body. The Host comparison is a local one (case, one trailing dot, default port); the
// proxy still canonicalises the authority. A missing Host is accepted: the authority decides
// and upstream_request_head writes Host itself.
RequestParse parse_request_head(std::string_view buffer, size_t max_head);

// A request as an origin server receives it, inside a tunnel already decided on its host
// (http_tunnel_inspector.h): origin-form ("/path"), absolute-form (http:// only) and, for
// OPTIONS, asterisk-form targets; `authority` is the absolute-form URI's when there is one,
// else the Host header's. The same strictness as parse_request_head, and also refused: a
// missing Host (the front end would pick the host), CONNECT, and Upgrade is left to the caller.
RequestParse parse_origin_request_head(std::string_view buffer, size_t max_head);

// The request as sent upstream: origin-form target, Host set to the authority, hop-by-hop
// headers dropped (Connection and the headers it lists, Keep-Alive, Proxy-Connection,
// Proxy-Authorization, TE, Trailer, Upgrade), "Connection: keep-alive" or "close" as asked.
// The client's HTTP minor version is kept (the response is relayed unchanged), and
// Content-Length / Transfer-Encoding stay even when Connection names them. Not for CONNECT.
std::string upstream_request_head(const RequestHead& head, bool keep_alive);

// The value of a header (first, case-insensitive name), if present.
std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name);

enum class BodyFraming { kNone, kContentLength, kChunked, kUntilClose };

struct ResponseHead {
  int status = 0;
  int minor_version = 1;
  HeaderList headers;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;  // kContentLength
  bool keep_alive = true;       // the origin keeps the connection open after this response
  size_t head_size = 0;
};

struct ResponseParse {
  ParseStatus status = ParseStatus::kIncomplete;
  ResponseHead head;
  std::string error;
};

// Parses a response head. `request_method` decides HEAD's empty body; 1xx, 204 and 304 have no
// body. The same strictness as requests (bare LF, obs-fold, CL+TE, bad lengths are kBad).
// A 1xx head (100 Continue, 103 Early Hints) is kComplete with kNone framing: relay it and
// parse again from head_size for the final response. 101 is kBad: Upgrade is never forwarded.
ResponseParse parse_response_head(std::string_view buffer, std::string_view request_method,
                                  size_t max_head);

// Finds the end of a chunked body as its bytes stream past (the bytes are relayed unchanged).
class ChunkedBodyScanner {
 public:
  // Consumes from `data`; returns how many bytes belong to this body (all of `data` unless the
  // body ended inside it). -1 on malformed chunk framing; the scanner is then unusable and the
  // connection must be closed. No whitespace is accepted between a chunk size and ';' or CR.
  long consume(std::string_view data);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kSize, kSizeExt, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kTrailerLf,
                     kTrailerLine, kDone };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  int size_digits_ = 0;
  bool trailer_line_empty_ = true;
};

// The response a refusal sends: "HTTP/1.1 403 Forbidden" with `X-Cordon-Denied: <rule or
// reason>`, a text body naming the host, port, rule and reason, and Connection: close.
// The header value is the rule (the reason when the rule is empty), at most 256 bytes, with
// every control or non-ASCII byte replaced by '?': no text can add a header or end the head.
std::string denied_response(std::string_view host, uint16_t port, std::string_view rule,
                            std::string_view reason);
// "HTTP/1.1 400 Bad Request" with the reason in the body; Connection: close.
std::string bad_request_response(std::string_view reason);
// 502 / 504 for upstream failures (connect refused, timeout), with the reason in the body.
// 503 is accepted too; any other status is a programmer bug (abort).
std::string gateway_error_response(int status, std::string_view reason);

}  // namespace cordon::net
