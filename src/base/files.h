// Small file helpers for the parent side (they allocate; never use them between clone and exec).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace cordon {

// Reads a whole (small) file such as a /proc or cgroup file.
Result<std::string> read_file(const std::string& path);
// Reads `fd` to its end.
Result<std::string> read_all(int fd);
// Writes all of `content` to `fd` (retrying short writes and EINTR).
Result<void> write_all(int fd, std::string_view content);
// Writes `content` to an existing file in one write(2), as /proc and cgroup files require.
Result<void> write_file(const std::string& path, const std::string& content);
// Replaces a leading "~" or "~/" with `home`.
std::string expand_home(const std::string& path, const std::string& home);
// True when `path` is `dir` or lies beneath it, by path components ("/a/bc" is not beneath
// "/a/b"). Both are absolute, normalised paths; every path is beneath "/".
bool is_same_or_beneath(const std::string& path, const std::string& dir);
// `bytes` random bytes from getrandom(2), hex-encoded.
Result<std::string> random_hex(size_t bytes);

}  // namespace cordon
