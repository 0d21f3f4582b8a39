// Fuzzes the filter between the box's output and the user's terminal (box/terminal_filter.h):
// however the bytes are cut into reads the output is the same, never longer than the input,
// and a fixed point of the filter: nothing it drops (the clipboard, reports that type text back,
// DCS and APC strings) is left in what reaches the terminal.
#include <string>
#include <string_view>
#include <vector>

#include "box/terminal_filter.h"
#include "fuzz_target.h"

namespace {

using cordon::box::TerminalFilter;

std::string run(std::string_view in, size_t step) {
  TerminalFilter filter;
  std::string out;
  std::vector<char> buf(step + TerminalFilter::kMaxHeld);
  for (size_t at = 0; at < in.size(); at += step) {
    const std::string_view chunk = in.substr(at, step);
    const size_t n = filter.filter(chunk, buf);
    FUZZ_CHECK(n <= chunk.size() + TerminalFilter::kMaxHeld);
    out.append(buf.data(), n);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::fuzz::InputReader input(data, size);
  const size_t step = 1 + input.byte() % 16;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string_view printed = text.substr(size > 0 ? 1 : 0);

  const std::string whole = run(printed, printed.size() + 1);
  FUZZ_CHECK(whole.size() <= printed.size());
  FUZZ_CHECK(run(printed, step) == whole);
  FUZZ_CHECK(run(printed, 1) == whole);
  // What passed passes again unchanged: no dropped sequence hides in the output. (A plain
  // byte after it: a lead byte 0xC2 at the end is held until the next byte says what it is.)
  const std::string again = whole + "x";
  FUZZ_CHECK(run(again, again.size() + 1) == again);
  FUZZ_CHECK(whole.find("\x1b]52") == std::string::npos);
  FUZZ_CHECK(whole.find("\x1bP") == std::string::npos);
  FUZZ_CHECK(whole.find("\x1b[21t") == std::string::npos);
  return 0;
}
