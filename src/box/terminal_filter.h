// TerminalFilter: what of the box's terminal output may reach the user's terminal. Pure and
// streaming: a sequence split across reads is judged whole, in bounded memory.
//
// The box's output is otherwise passed verbatim, and some escape sequences act on the user's
// terminal beyond the screen (internal security review): OSC 52 sets the user's clipboard, and
// queries whose answers the terminal types back as input (title reports, DECRQSS) let the box
// choose text that lands in the user's shell once cordon has exited. Dropped:
//   - OSC, except titles (0, 1, 2: set only; their reports are dropped below), the palette and
//     dynamic colours and their resets (4, 10-19, 104, 110-119, their `?` queries included:
//     TUIs ask for the background colour to pick a theme, and the answer is the terminal's
//     rgb:... text, never the box's) and hyperlinks (8). So the clipboard (52), fonts (50,
//     whose query crashed or ran code in xterm, CVE-2022-45063), X properties (3), the log
//     file (46), notifications and vendor protocols (9, 777, 1337: iTerm2 can write files) go.
//   - DCS, SOS, PM and APC strings: DECRQSS (`\eP$q...`), XTGETTCAP, tmux's passthrough
//     (which would carry any sequence past this filter), sixel and kitty images. A TUI asking
//     with DECRQSS or XTGETTCAP gets no answer, as on a terminal that lacks them.
//   - CSI 20 t and CSI 21 t (icon and window title reports: the title is the box's text) and
//     DECRQCRA (CSI ... * y, a checksum of a screen area: it reads what the screen shows,
//     including what was there before cordon ran).
// Everything else passes: text (UTF-8), colours, cursor movement, modes (alternate screen,
// mouse, bracketed paste, keyboard protocols), DSR/CPR (CSI 6 n), device attributes, DECRQM,
// XTVERSION, size reports (CSI 14/16/18/19 t), the title stack (CSI 22/23 t).
//
// C1 controls encoded in UTF-8 (U+0080-U+009F, which xterm and VTE act on) count as their
// 7-bit forms; a byte 0x80-0x9F that continues no UTF-8 character is dropped (an 8-bit
// terminal would take it for a C1 control). A sequence the terminal would abort (CAN, SUB, ESC)
// is aborted here too. Bytes outside escape sequences are copied in runs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cordon::box {

class TerminalFilter {
 public:
  // The most bytes held back between calls (a CSI sequence being read; a longer one is
  // dropped whole). filter() writes at most in.size() + kMaxHeld bytes.
  static constexpr size_t kMaxHeld = 256;

  // Filters `in`, continuing from the previous call, into `out` (at least in.size() +
  // kMaxHeld bytes). Returns how many bytes it wrote.
  size_t filter(std::string_view in, std::span<char> out);

 private:
  enum class State : uint8_t {
    kGround,        // text
    kEscape,        // after ESC (held)
    kCsi,           // ESC [ ... (held until its final byte)
    kCsiDrop,       // a CSI too long to hold: dropped to its final byte
    kOscNumber,     // ESC ] and digits (held until the number is known)
    kOscNumberEsc,  // ESC ] digits ESC: ST or not
    kStringPass,    // an allowed OSC's text, passed as it comes
    kStringDrop,    // a dropped string (OSC, DCS, SOS, PM, APC), to its terminator
    kStringDropEsc,
  };

  void step(uint8_t b);
  bool decode_utf8(uint8_t b, bool passing);
  void begin_escape();
  void to_ground();
  void hold(uint8_t b);
  void emit(uint8_t b) { out_[out_len_++] = static_cast<char>(b); }
  void emit_held();
  bool csi_allowed() const;

  State state_ = State::kGround;
  std::array<char, kMaxHeld> held_{};
  size_t held_len_ = 0;
  uint32_t osc_number_ = 0;
  uint8_t osc_digits_ = 0;
  uint8_t utf8_needed_ = 0;  // continuation bytes the current UTF-8 character still needs
  bool lead_c2_ = false;     // a 0xC2 held: with 0x80-0x9F it is a C1 control

  char* out_ = nullptr;  // the current call's output
  size_t out_len_ = 0;
};

}  // namespace cordon::box
