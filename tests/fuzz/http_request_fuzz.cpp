// Fuzzes the forward proxy's request-head parser, which reads whatever the box sends, and the
// head it writes upstream from what it accepted.
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "net/http_message.h"
#include "net/http_syntax.h"

namespace {

using cordon::net::ParseStatus;

constexpr size_t kMaxHead = 32 * 1024;  // the proxy's default (ProxyLimits::max_head_bytes)

// No byte that could end a line, a head or a C string except the CRLFs between lines.
bool clean_field(std::string_view text) {
  for (const unsigned char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// A head sent upstream ends with its one blank line, and every line ends in CRLF: nothing the
// box sent can end it early or smuggle a second request behind it.
void check_upstream_head(std::string_view head) {
  FUZZ_CHECK(head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n");
  FUZZ_CHECK(head.find("\r\n\r\n") == head.size() - 4);
  for (size_t i = 0; i < head.size(); ++i) {
    FUZZ_CHECK(head[i] != '\0');
    if (head[i] == '\n') FUZZ_CHECK(i > 0 && head[i - 1] == '\r');
    if (head[i] == '\r') FUZZ_CHECK(i + 1 < head.size() && head[i + 1] == '\n');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view buffer(reinterpret_cast<const char*>(data), size);
  const auto parse = cordon::net::parse_request_head(buffer, kMaxHead);
  if (parse.status == ParseStatus::kBad) FUZZ_CHECK(!parse.error.empty());
  if (parse.status != ParseStatus::kComplete) return 0;

  const auto& head = parse.head;
  FUZZ_CHECK(head.head_size >= 4 && head.head_size <= size && head.head_size <= kMaxHead + 4);
  FUZZ_CHECK(buffer.substr(head.head_size - 4, 4) == "\r\n\r\n");
  FUZZ_CHECK(cordon::net::http_syntax::is_token(head.method));
  FUZZ_CHECK(!head.authority.empty() && clean_field(head.authority));
  for (const auto& [name, value] : head.headers) {
    FUZZ_CHECK(cordon::net::http_syntax::is_token(name));
    FUZZ_CHECK(clean_field(value));
  }
  FUZZ_CHECK(!(head.content_length && head.chunked));

  // The head alone decides: the bytes after it (a body, a pipelined request) change nothing,
  // and one byte less is not yet a head.
  const auto alone = cordon::net::parse_request_head(buffer.substr(0, head.head_size), kMaxHead);
  FUZZ_CHECK(alone.status == ParseStatus::kComplete);
  FUZZ_CHECK(alone.head.authority == head.authority && alone.head.method == head.method &&
             alone.head.target == head.target && alone.head.connect == head.connect);
  const auto shorter =
      cordon::net::parse_request_head(buffer.substr(0, head.head_size - 1), kMaxHead);
  FUZZ_CHECK(shorter.status != ParseStatus::kComplete);

  if (!head.connect) {
    FUZZ_CHECK(!head.origin_form.empty() && head.origin_form.front() == '/');
    FUZZ_CHECK(clean_field(head.origin_form));
    check_upstream_head(cordon::net::upstream_request_head(head, true));
    check_upstream_head(cordon::net::upstream_request_head(head, false));
  }
  return 0;
}
