// Frames: a 4-byte little-endian length, then the payload.
#include "audit/frames.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cordon::audit {
namespace {

constexpr size_t kReadChunk = 64 << 10;

uint32_t decode_size(const char* header) {
  uint32_t size = 0;
  for (size_t i = 0; i < kHeaderSize; ++i)
    size |= static_cast<uint32_t>(static_cast<uint8_t>(header[i])) << (8 * i);
  return size;
}

}  // namespace

Result<void> append_frame(std::string& out, std::string_view payload) {
  if (payload.size() > kMaxFrame) return Error(Errc::kInternal, "audit frame too large");
  const uint32_t size = static_cast<uint32_t>(payload.size());
  for (size_t i = 0; i < kHeaderSize; ++i) out += static_cast<char>((size >> (8 * i)) & 0xff);
  out += payload;
  return Ok{};
}

Result<void> write_frames(int fd, std::string_view frames) {
  while (!frames.empty()) {
    // send, not write: MSG_NOSIGNAL turns a dead peer into EPIPE instead of SIGPIPE.
    const ssize_t n = ::send(fd, frames.data(), frames.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("write audit frame");
    frames.remove_prefix(static_cast<size_t>(n));
  }
  return Ok{};
}

Result<void> write_frame(int fd, std::string_view payload) {
  std::string frame;
  frame.reserve(kHeaderSize + payload.size());
  CORDON_TRY(append_frame(frame, payload));
  return write_frames(fd, frame);
}

std::optional<size_t> FrameReader::front_size() const {
  if (end_ - start_ < kHeaderSize) return std::nullopt;
  return decode_size(buffer_.data() + start_);
}

bool FrameReader::has_frame() const {
  const std::optional<size_t> size = front_size();
  return size && end_ - start_ >= kHeaderSize + *size;
}

Result<std::optional<std::string>> FrameReader::next() {
  for (;;) {
    const std::optional<size_t> size = front_size();
    if (size && *size > kMaxFrame) return Error(Errc::kInvalidInput, "audit frame too large");
    if (has_frame()) {
      std::string payload(buffer_, start_ + kHeaderSize, *size);
      start_ += kHeaderSize + *size;
      return std::optional<std::string>(std::move(payload));
    }
    // Not a whole frame yet: move the unread part to the front, read what the peer has sent.
    const size_t unread = end_ - start_;
    std::memmove(buffer_.data(), buffer_.data() + start_, unread);
    start_ = 0;
    end_ = unread;
    const size_t room = std::max(kReadChunk, size ? kHeaderSize + *size : 0);
    if (buffer_.size() < room) buffer_.resize(room);
    const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("read audit frame");
    if (n == 0) {
      if (end_ == 0) return std::optional<std::string>();
      return Error(Errc::kInvalidInput, "audit frame cut short");
    }
    end_ += static_cast<size_t>(n);
  }
}

}  // namespace cordon::audit
