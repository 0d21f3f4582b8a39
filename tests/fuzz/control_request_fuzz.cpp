// Fuzzes the control socket's request parser, and the text reviewers read: an argv or a reason
// from the box is shown on a reviewer's terminal and page, where a control byte could move the
// cursor or hide part of a command.
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "review/control_protocol.h"

namespace {

bool shows_safely(std::string_view text) {
  for (const unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto request = cordon::review::parse_request(text);
  if (request.ok()) {
    // What a client encodes, the server reads back the same.
    std::string line = cordon::review::encode_request(*request);
    FUZZ_CHECK(!line.empty() && line.back() == '\n');
    line.pop_back();
    const auto again = cordon::review::parse_request(line);
    FUZZ_CHECK(again.ok() && again->op == request->op && again->id == request->id &&
               again->scope == request->scope && again->reason == request->reason &&
               again->reviewer == request->reviewer);
  }

  cordon::fuzz::InputReader in(data, size);
  const std::vector<std::string> argv = in.pieces(16);
  FUZZ_CHECK(shows_safely(cordon::review::display_command(argv)));
  FUZZ_CHECK(shows_safely(cordon::review::display_text(text)));
  const std::string reason = cordon::review::clean_reason(text);
  FUZZ_CHECK(reason.size() <= cordon::review::kMaxReason);
  for (const unsigned char c : reason) FUZZ_CHECK(c >= 0x20 && c != 0x7f);
  return 0;
}
