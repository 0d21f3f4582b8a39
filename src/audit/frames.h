// Length-prefixed frames on a stream socket: the channel between cordon and its audit writer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cordon::audit {

// Frames above this are refused (an argv can be large; a frame this size is a bug).
inline constexpr size_t kMaxFrame = 64 << 20;

Result<void> write_frame(int fd, std::string_view payload);
// The next frame; nullopt at a clean end of stream.
Result<std::optional<std::string>> read_frame(int fd);

}  // namespace cordon::audit
