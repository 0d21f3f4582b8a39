// Fuzzes the review web page's request parser. Any process on the host, and any web page the
// reviewer's browser opens, can send it bytes. Beyond not crashing:
//   - a parse is final: the server parses after every read, so once a prefix of the bytes
//     parses as complete or refused, the whole input parses the same (a request split over
//     reads gets the answer it gets sent whole);
//   - a complete request has a token method, a path that starts with '/' and holds no '?', a
//     body within the limit that is the bytes after the head;
//   - a refusal is one of the statuses the parser answers with;
//   - query_value returns a value the query holds as "key=value", without '&'.
#include <string>

#include "fuzz_target.h"
#include "net/http_syntax.h"
#include "review/web_request.h"

namespace {

using cordon::review::ParsedWebRequest;

bool same(const ParsedWebRequest& a, const ParsedWebRequest& b) {
  return a.state == b.state && a.status == b.status && a.error == b.error &&
         a.request.method == b.request.method && a.request.path == b.request.path &&
         a.request.query == b.request.query && a.request.headers == b.request.headers &&
         a.request.body == b.request.body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first two bytes choose where the input is cut, as a read would cut it.
  const size_t cut_at = (static_cast<size_t>(data[0]) << 8 | data[1]);
  const std::string_view received(reinterpret_cast<const char*>(data) + 2, size - 2);

  const ParsedWebRequest whole = cordon::review::parse_web_request(received);
  const ParsedWebRequest part =
      cordon::review::parse_web_request(received.substr(0, cut_at % (received.size() + 1)));
  if (part.state != ParsedWebRequest::State::kIncomplete) FUZZ_CHECK(same(part, whole));

  switch (whole.state) {
    case ParsedWebRequest::State::kIncomplete:
      FUZZ_CHECK(whole.status == 0);
      break;
    case ParsedWebRequest::State::kRefused:
      FUZZ_CHECK(whole.status == 400 || whole.status == 411 || whole.status == 413 ||
                 whole.status == 431);
      FUZZ_CHECK(!whole.error.empty());
      break;
    case ParsedWebRequest::State::kComplete: {
      const auto& r = whole.request;
      FUZZ_CHECK(cordon::net::http_syntax::is_token(r.method));
      FUZZ_CHECK(!r.path.empty() && r.path[0] == '/' && r.path.find('?') == std::string::npos);
      FUZZ_CHECK(r.body.size() <= cordon::review::kMaxWebBody);
      const size_t head_end = received.find("\r\n\r\n");
      FUZZ_CHECK(head_end != std::string_view::npos && head_end + 4 <= cordon::review::kMaxWebHead);
      FUZZ_CHECK(received.substr(head_end + 4, r.body.size()) == r.body);
      for (const std::string_view key : {"token", "", "a"}) {
        const std::string value = cordon::review::query_value(r.query, key);
        FUZZ_CHECK(value.find('&') == std::string::npos);
        if (!value.empty()) {
          const std::string pair = std::string(key) + "=" + value;
          FUZZ_CHECK(r.query == pair || r.query.starts_with(pair + "&") ||
                     r.query.find("&" + pair) != std::string::npos);
        }
      }
      break;
    }
  }
  return 0;
}
