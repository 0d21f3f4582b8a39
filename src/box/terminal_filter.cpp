// TerminalFilter: the escape sequences of the box's output that may reach the user's terminal.
// The states follow the DEC/ECMA-48 parser terminals use (vt100.net/emu/dec_ansi_parser), so
// that every sequence is judged as the terminal will read it.
#include "box/terminal_filter.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace cordon::box {
namespace {

constexpr uint8_t kEsc = 0x1b;
constexpr uint8_t kBel = 0x07;
constexpr uint8_t kCan = 0x18;
constexpr uint8_t kSub = 0x1a;
// C0 controls kept between an ESC and the byte that says what it begins.
constexpr size_t kMaxEscapeControls = 16;

// A byte that ends the ground state's run of plain text.
bool special_in_ground(uint8_t b) {
  return b == kEsc || b >= 0x80;
}
// ...and a passed string's: BEL ends an OSC, CAN and SUB abort it.
bool special_in_string(uint8_t b) {
  return b == kEsc || b >= 0x80 || b == kBel || b == kCan || b == kSub;
}

bool osc_allowed(uint32_t number) {
  return number <= 2                        // titles (set; their reports are dropped)
         || number == 4                     // palette colours
         || number == 8                     // hyperlinks
         || (number >= 10 && number <= 19)  // dynamic colours (foreground, background...)
         || number == 104 || (number >= 110 && number <= 119);  // their resets
}

}  // namespace

size_t TerminalFilter::filter(std::string_view in, std::span<char> out) {
  if (out.size() < in.size() + kMaxHeld) std::abort();  // programmer bug: no room
  out_ = out.data();
  out_len_ = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    // Runs of plain bytes are copied (or skipped) at once; only the bytes that may begin,
    // end or change a sequence go through step().
    const bool plain_state =
        state_ == State::kGround || state_ == State::kStringPass || state_ == State::kStringDrop;
    if (plain_state && !lead_c2_ && utf8_needed_ == 0) {
      size_t j = i;
      if (state_ == State::kGround) {
        while (j < n && !special_in_ground(p[j])) ++j;
      } else {
        while (j < n && !special_in_string(p[j])) ++j;
      }
      if (state_ != State::kStringDrop) {
        std::memcpy(out_ + out_len_, p + i, j - i);
        out_len_ += j - i;
      }
      i = j;
      if (i == n) break;
    }
    step(p[i++]);
  }
  out_ = nullptr;
  return out_len_;
}

// UTF-8 in text and strings: true when `b` was taken here (text, passed when `passing`, or a
// C1 control, fed to step() as ESC and its 7-bit form); false for an ASCII byte the state
// handles.
bool TerminalFilter::decode_utf8(uint8_t b, bool passing) {
  if (lead_c2_) {
    lead_c2_ = false;
    if (b >= 0x80 && b <= 0x9f) {  // U+0080-U+009F: a C1 control
      utf8_needed_ = 0;
      step(kEsc);
      step(static_cast<uint8_t>(b - 0x40));
      return true;
    }
    if (passing) emit(0xc2);
    utf8_needed_ = 1;
  }
  if (b < 0x80) {
    utf8_needed_ = 0;  // a character cut short: the terminal starts over as well
    return false;
  }
  if (b < 0xc0) {  // a continuation byte
    if (utf8_needed_ > 0) {
      --utf8_needed_;
    } else if (b < 0xa0) {
      return true;  // continues nothing: an 8-bit terminal would take it for C1; dropped
    }
    if (passing) emit(b);
    return true;
  }
  if (b == 0xc2) {
    utf8_needed_ = 0;
    lead_c2_ = true;  // held until the next byte says whether this is a C1 control
    return true;
  }
  utf8_needed_ = b < 0xe0 ? 1 : b < 0xf0 ? 2 : b < 0xf5 ? 3 : 0;
  if (b == 0xc0 || b == 0xc1) utf8_needed_ = 0;  // never valid
  if (passing) emit(b);
  return true;
}

void TerminalFilter::begin_escape() {
  held_len_ = 0;
  hold(kEsc);
  state_ = State::kEscape;
}

void TerminalFilter::to_ground() {
  held_len_ = 0;
  utf8_needed_ = 0;
  state_ = State::kGround;
}

void TerminalFilter::hold(uint8_t b) {
  held_[held_len_++] = static_cast<char>(b);
}

void TerminalFilter::emit_held() {
  std::memcpy(out_ + out_len_, held_.data(), held_len_);
  out_len_ += held_len_;
  held_len_ = 0;
}

// The held CSI sequence, final byte included.
bool TerminalFilter::csi_allowed() const {
  // Parameters, intermediates and final, skipping the C0 controls a terminal executes as it
  // reads them (they are kept in place when the sequence passes).
  char marker = 0;
  bool any = false;  // a byte other than a C0 control seen
  bool first_param_done = false;
  uint64_t first_param = 0;
  char intermediate = 0;
  char final_byte = 0;
  for (size_t k = 2; k < held_len_; ++k) {
    const auto c = static_cast<uint8_t>(held_[k]);
    if (c < 0x20 || c == 0x7f) continue;
    const bool first = !any;
    any = true;
    if (c >= 0x40) {
      final_byte = static_cast<char>(c);
    } else if (c >= 0x3c && c <= 0x3f) {  // < = > ?
      if (first) marker = static_cast<char>(c);
      first_param_done = true;
    } else if (c >= 0x30 && c <= 0x39) {
      if (!first_param_done)
        first_param = std::min<uint64_t>(first_param * 10 + (c - '0'), 1u << 20);
    } else if (c == ';' || c == ':') {
      first_param_done = true;
    } else {  // 0x20-0x2f
      intermediate = static_cast<char>(c);
      first_param_done = true;
    }
  }
  // Title reports: the answer is the title, which the box can set to any text.
  if (final_byte == 't' && marker == 0 && intermediate == 0 &&
      (first_param == 20 || first_param == 21)) {
    return false;
  }
  // DECRQCRA: a checksum of what a screen area shows.
  if (final_byte == 'y' && intermediate == '*') return false;
  return true;
}

void TerminalFilter::step(uint8_t b) {
  switch (state_) {
    case State::kGround:
      if (decode_utf8(b, /*passing=*/true)) return;
      if (b == kEsc) {
        begin_escape();
      } else {
        emit(b);
      }
      return;

    case State::kEscape:
      if (b == '[') {
        hold(b);
        state_ = State::kCsi;
      } else if (b == ']') {
        hold(b);
        osc_number_ = 0;
        osc_digits_ = 0;
        state_ = State::kOscNumber;
      } else if (b == 'P' || b == 'X' || b == '^' || b == '_') {  // DCS, SOS, PM, APC
        held_len_ = 0;
        state_ = State::kStringDrop;
      } else if (b == kEsc) {
        begin_escape();  // the terminal starts over at the second ESC
      } else if (b == kCan || b == kSub) {
        to_ground();
        emit(b);
      } else if (b < 0x20 || b == 0x7f) {
        // Executed (or ignored) by the terminal without leaving the sequence: kept in place,
        // a few of them (the terminal never sees the ESC of a sequence dropped here).
        if (held_len_ >= kMaxEscapeControls) {
          to_ground();
        } else {
          hold(b);
        }
      } else if (b == '%') {
        // ESC % (DOCS) switches the terminal's encoding: out of UTF-8, it would read the bytes
        // 0x80-0x9F, which pass here inside UTF-8 characters, as C1 controls (an OSC 52 among
        // them). Dropped; what follows is shown as text.
        to_ground();
      } else if (b < 0x80) {
        // An escape sequence of its own (ESC 7, ESC ( B, ESC c ...): nothing it can do reaches
        // beyond the screen. Its intermediates and final are plain bytes from here.
        hold(b);
        emit_held();
        to_ground();
      } else {
        to_ground();  // not a sequence the terminal knows; the byte starts over as text
        step(b);
      }
      return;

    case State::kCsi:
      if ((b >= 0x20 && b <= 0x3f) || b < 0x20 || b == 0x7f) {
        if (b == kEsc) {
          begin_escape();
        } else if (b == kCan || b == kSub) {
          to_ground();
          emit(b);
        } else if (held_len_ >= kMaxHeld - 1) {  // room for the final byte
          held_len_ = 0;
          state_ = State::kCsiDrop;
        } else {
          hold(b);
        }
      } else if (b <= 0x7e) {  // the final byte
        hold(b);
        if (csi_allowed()) emit_held();
        to_ground();
      } else {
        to_ground();
        step(b);
      }
      return;

    case State::kCsiDrop:
      if (b == kEsc) {
        begin_escape();
      } else if (b == kCan || b == kSub) {
        to_ground();
        emit(b);
      } else if (b >= 0x40 && b <= 0x7e) {
        to_ground();
      } else if (b >= 0x80) {
        to_ground();
        step(b);
      }
      return;

    case State::kOscNumber:
      if (b >= '0' && b <= '9' && osc_digits_ < 6) {
        hold(b);
        osc_number_ = osc_number_ * 10 + (b - '0');
        ++osc_digits_;
        return;
      }
      // The number ends here. It passes only with the byte that ends it for the terminal as
      // well (`;`, BEL, ST): were that byte dropped, or a dropped sequence next, the terminal
      // would read on, and `ESC ] 0` + (dropped) + `52;c;...` is OSC 52 (the fuzz target's
      // finding-osc-number-joined).
      if (osc_digits_ > 0 && osc_allowed(osc_number_)) {
        if (b == ';' || b == kBel) {
          hold(b);
          emit_held();
          if (b == ';') {
            state_ = State::kStringPass;
          } else {
            to_ground();
          }
          return;
        }
        if (b == kEsc) {
          hold(b);
          state_ = State::kOscNumberEsc;
          return;
        }
      }
      held_len_ = 0;  // a number no terminal knows, or not allowed: dropped to its end
      state_ = State::kStringDrop;
      if (b < '0' || b > '9') step(b);
      return;

    case State::kOscNumberEsc:
      if (b == '\\') {
        hold(b);
        emit_held();
        to_ground();
      } else {  // the OSC was aborted: dropped; the ESC begins a sequence
        begin_escape();
        step(b);
      }
      return;

    case State::kStringPass:
      if (decode_utf8(b, /*passing=*/true)) return;
      if (b == kEsc) {
        // ESC \ ends the string; any other ESC aborts it and begins a sequence, which is
        // judged like every other.
        begin_escape();
      } else if (b == kBel || b == kCan || b == kSub) {
        emit(b);
        to_ground();
      } else {
        emit(b);
      }
      return;

    case State::kStringDrop:
      if (decode_utf8(b, /*passing=*/false)) return;
      if (b == kEsc) {
        state_ = State::kStringDropEsc;
      } else if (b == kBel || b == kCan || b == kSub) {
        to_ground();
      }
      return;

    case State::kStringDropEsc:
      to_ground();
      if (b != '\\') {  // not ST: the ESC begins a sequence
        begin_escape();
        step(b);
      }
      return;
  }
}

}  // namespace cordon::box
