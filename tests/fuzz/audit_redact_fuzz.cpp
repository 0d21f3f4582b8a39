// Fuzzes the audit trail's redactor: a secret the session knows must not reach an audit row
// wherever the box puts it (an argv, a host name, a reason), whatever surrounds it.
#include <string>
#include <string_view>
#include <vector>

#include "audit/redact.h"
#include "fuzz_target.h"

namespace {

constexpr std::string_view kMarkerOpen = "[redacted:";

// `text` with each "[redacted:<what>]" marker replaced by a NUL, a byte no secret holds (the
// secrets are environment values): what is left of the text is what a reader sees of it. The
// marker's own words are not a leak, even where a secret shares them ("redact", or a secret
// starting with "]" that the marker's last byte and the text after it spell out again).
std::string without_markers(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t at = text.find(kMarkerOpen); at != std::string_view::npos;
       at = text.find(kMarkerOpen, copied)) {
    const size_t close = text.find(']', at);
    if (close == std::string_view::npos) break;
    out.append(text.substr(copied, at - copied));
    out.push_back('\0');
    copied = close + 1;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::fuzz::InputReader in(data, size);
  const size_t cut = in.byte();
  const std::string secret(in.piece());
  const std::string_view around = in.rest();

  // A secret holding '[' can form a marker with the text around it ("[redacted" before
  // ":env]"), and a marker cannot both stay as it is and hide such a secret. Environment values
  // that spell markers are left out; every other secret is checked.
  if (secret.find('[') != std::string::npos) return 0;
  const cordon::audit::Redactor redactor(std::vector<std::string>{secret});
  // Any text, token shapes only: redacting twice changes nothing. (With a literal secret that
  // straddles a keyword, as "r eAK" does in "Bearer eAK", a second pass can hide more, never
  // less: the first pass's marker leaves "Beare[...]", which is no longer an auth scheme.)
  const cordon::audit::Redactor shapes;
  const std::string once = shapes.redact(around);
  FUZZ_CHECK(shapes.redact(once) == once);
  (void)redactor.redact(around);
  if (secret.size() < cordon::audit::Redactor::kMinLiteralLength) return 0;

  const size_t at = around.empty() ? 0 : cut % (around.size() + 1);
  std::string text(around.substr(0, at));
  text += secret;
  text += around.substr(at);
  const std::string redacted = redactor.redact(text);
  FUZZ_CHECK(without_markers(redacted).find(secret) == std::string::npos);
  return 0;
}
