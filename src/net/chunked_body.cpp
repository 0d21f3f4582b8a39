// Finds the end of a chunked body (RFC 9112 section 7.1) in bytes relayed as they arrive.
#include <algorithm>

#include "net/http_message.h"
#include "net/http_syntax.h"

namespace cordon::net {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Extension and trailer bytes: visible ASCII, SP, HTAB and obs-text. CR ends the line, and
// anything else (a bare LF above all) is a framing error.
bool is_line_byte(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

}  // namespace

// Strictness: no whitespace between the size and ';' or CR (RFC 9112 allows BWS there, but
// parsers that disagree on it are how chunked smuggling starts), no obs-fold in trailers.
long ChunkedBodyScanner::consume(std::string_view data) {
  size_t i = 0;
  while (i < data.size() && state_ != State::kDone) {
    const char c = data[i];
    switch (state_) {
      case State::kSize: {
        const int digit = hex_value(c);
        if (digit >= 0) {
          if (remaining_ > (UINT64_MAX >> 4)) return -1;  // the size overflows 64 bits
          remaining_ = (remaining_ << 4) | static_cast<uint64_t>(digit);
          ++size_digits_;
        } else if (size_digits_ > 0 && c == ';') {
          state_ = State::kSizeExt;
        } else if (size_digits_ > 0 && c == '\r') {
          state_ = State::kSizeLf;
        } else {
          return -1;  // no size at all, or whitespace or junk after it
        }
        ++i;
        break;
      }
      case State::kSizeExt:
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (!is_line_byte(c)) {
          return -1;
        }
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return -1;
        state_ = remaining_ == 0 ? State::kTrailer : State::kData;
        trailer_line_empty_ = true;
        ++i;
        break;
      case State::kData: {
        const uint64_t take = std::min<uint64_t>(remaining_, data.size() - i);
        remaining_ -= take;
        i += take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return -1;
        state_ = State::kDataLf;
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return -1;
        state_ = State::kSize;
        size_digits_ = 0;
        ++i;
        break;
      case State::kTrailer:
        // The start of a trailer line, or the CR of the blank line that ends the body.
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (http_syntax::is_tchar(c)) {
          trailer_line_empty_ = false;
          state_ = State::kTrailerLine;
        } else {
          return -1;
        }
        ++i;
        break;
      case State::kTrailerLine:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (!is_line_byte(c)) {
          return -1;
        }
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n') return -1;
        state_ = trailer_line_empty_ ? State::kDone : State::kTrailer;
        trailer_line_empty_ = true;
        ++i;
        break;
      case State::kDone:
        break;
    }
  }
  return static_cast<long>(i);
}

}  // namespace cordon::net
