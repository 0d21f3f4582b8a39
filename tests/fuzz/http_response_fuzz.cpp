// Fuzzes the response-head parser (an origin's answer decides where a kept-alive connection's
// next response starts) and the chunked-body scanner, whole against fed in pieces.
#include <string_view>

#include "fuzz_target.h"
#include "net/http_message.h"

namespace {

using cordon::net::ChunkedBodyScanner;
using cordon::net::ParseStatus;

constexpr size_t kMaxHead = 32 * 1024;
constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "CONNECT"};

// The scanner's answer must not depend on how the body's bytes were cut into reads.
void check_chunked(std::string_view body, size_t cut) {
  ChunkedBodyScanner whole;
  const long whole_taken = whole.consume(body);
  FUZZ_CHECK(whole_taken >= -1 && whole_taken <= static_cast<long>(body.size()));
  if (whole_taken >= 0 && static_cast<size_t>(whole_taken) < body.size()) FUZZ_CHECK(whole.done());

  ChunkedBodyScanner pieces;
  cut = body.empty() ? 0 : cut % (body.size() + 1);
  long first = pieces.consume(body.substr(0, cut));
  long taken = first;
  if (first == static_cast<long>(cut) && !pieces.done()) {
    const long second = pieces.consume(body.substr(cut));
    taken = second < 0 ? -1 : first + second;
  }
  FUZZ_CHECK(taken == whole_taken);
  FUZZ_CHECK(pieces.done() == whole.done());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::fuzz::InputReader in(data, size);
  const std::string_view method = kMethods[in.byte() % std::size(kMethods)];
  const size_t cut = in.byte();
  const std::string_view buffer = in.rest();

  const auto parse = cordon::net::parse_response_head(buffer, method, kMaxHead);
  if (parse.status == ParseStatus::kBad) FUZZ_CHECK(!parse.error.empty());
  if (parse.status == ParseStatus::kComplete) {
    const auto& head = parse.head;
    FUZZ_CHECK(head.head_size >= 4 && head.head_size <= buffer.size());
    FUZZ_CHECK(buffer.substr(head.head_size - 4, 4) == "\r\n\r\n");
    FUZZ_CHECK(head.status >= 100 && head.status <= 999 && head.status != 101);
    if (method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304) {
      FUZZ_CHECK(head.framing == cordon::net::BodyFraming::kNone);
    }
    check_chunked(buffer.substr(head.head_size), cut);
  } else {
    check_chunked(buffer, cut);
  }
  return 0;
}
