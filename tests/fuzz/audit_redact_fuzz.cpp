// Fuzzes the audit trail's redactor: a secret the session knows must not reach an audit row
// wherever the box puts it (an argv, a host name, a reason), whatever surrounds it.
#include <string>
#include <string_view>
#include <vector>

#include "audit/redact.h"
#include "fuzz_target.h"

namespace {

constexpr std::string_view kMarkerOpen = "[redacted:";

// Where the redactor's "[redacted:<what>]" markers are in `text`.
std::vector<std::pair<size_t, size_t>> marker_spans(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t at = text.find(kMarkerOpen); at != std::string_view::npos;
       at = text.find(kMarkerOpen, at + 1)) {
    const size_t close = text.find(']', at);
    if (close != std::string_view::npos) spans.emplace_back(at, close + 1);
  }
  return spans;
}

// Every occurrence of `secret` in `text` lies inside a marker (a secret such as "redact" is
// part of the marker's own words, which is not a leak).
bool only_inside_markers(std::string_view text, std::string_view secret) {
  const auto spans = marker_spans(text);
  for (size_t at = text.find(secret); at != std::string_view::npos;
       at = text.find(secret, at + 1)) {
    bool inside = false;
    for (const auto& [begin, end] : spans) inside |= begin <= at && at + secret.size() <= end;
    if (!inside) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::fuzz::InputReader in(data, size);
  const size_t cut = in.byte();
  const std::string secret(in.piece());
  const std::string_view around = in.rest();

  const cordon::audit::Redactor redactor(std::vector<std::string>{secret});
  const std::string plain = redactor.redact(around);
  if (secret.size() < cordon::audit::Redactor::kMinLiteralLength) return 0;

  const size_t at = around.empty() ? 0 : cut % (around.size() + 1);
  std::string text(around.substr(0, at));
  text += secret;
  text += around.substr(at);
  const std::string redacted = redactor.redact(text);
  FUZZ_CHECK(only_inside_markers(redacted, secret));
  (void)plain;
  return 0;
}
