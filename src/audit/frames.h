// Length-prefixed frames on a stream socket: the channel between cordon and its audit writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cordon::audit {

// Frames above this are refused (an argv can be large; a frame this size is a bug).
inline constexpr size_t kMaxFrame = 64 << 20;
// Each frame starts with its payload's size, 4 bytes little-endian.
inline constexpr size_t kHeaderSize = 4;
// How long the writer waits, after its answer at a session's end, for cordon to exit before it
// signs that end anyway (writer_main.cpp); the session's options may say otherwise.
inline constexpr int64_t kSignAfterAtMostMs = 2000;

Result<void> write_frame(int fd, std::string_view payload);
// Appends `payload` as one frame to `out`, for one write of several frames (write_frames).
Result<void> append_frame(std::string& out, std::string_view payload);
// Writes frames built with append_frame.
Result<void> write_frames(int fd, std::string_view frames);

// Reads frames through a buffer: one read() takes every frame the peer has sent so far. The only
// reader of `fd` (bytes past the frame returned stay in the buffer).
class FrameReader {
 public:
  explicit FrameReader(int fd) : fd_(fd) {}
  // The next frame; nullopt at a clean end of stream.
  Result<std::optional<std::string>> next();
  // Whether next() can return a frame without reading.
  bool has_frame() const;

 private:
  // The size of the frame at the front of the buffer, once its header is in.
  std::optional<size_t> front_size() const;
  int fd_;
  std::string buffer_;  // bytes [start_, end_) are read and not yet returned
  size_t start_ = 0;
  size_t end_ = 0;
};

}  // namespace cordon::audit
