// Small file helpers for the parent side.
#include "base/files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace cordon {

Result<std::string> read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open " + path);
  auto content = read_all(fd.get());
  if (!content.ok()) return std::move(content.error().context("read " + path));
  return content;
}

Result<std::string> read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<void> write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("write");
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return Ok{};
}

Result<void> write_file(const std::string& path, const std::string& content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::system("open " + path);
  ssize_t n = ::write(fd.get(), content.data(), content.size());
  if (n < 0) return Error::system("write " + path);
  if (static_cast<size_t>(n) != content.size()) {
    return Error(Errc::kSystem, "short write to " + path);
  }
  return Ok{};
}

std::string expand_home(const std::string& path, const std::string& home) {
  if (path == "~") return home;
  if (path.rfind("~/", 0) == 0) return home + path.substr(1);
  return path;
}

bool is_same_or_beneath(const std::string& path, const std::string& dir) {
  if (path.compare(0, dir.size(), dir) != 0) return false;
  return path.size() == dir.size() || dir.back() == '/' || path[dir.size()] == '/';
}

Result<std::string> random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (::getrandom(raw.data(), bytes, 0) != static_cast<ssize_t>(bytes)) {
    return Error::system("getrandom");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace cordon
