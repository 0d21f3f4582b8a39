// gitlinks_in_index: a strict reader of git's index format, for the gitlink entries only.
#include "box/git_index.h"

#include <cstdint>
#include <optional>

namespace cordon::box {
namespace {

constexpr uint32_t kGitlinkType = 0160000;
constexpr uint32_t kTypeMask = 0170000;
constexpr size_t kStatFieldsBytes = 40;  // ctime, mtime (s, ns), dev, ino, mode, uid, gid, size
constexpr uint16_t kExtendedFlag = 0x4000;
constexpr uint16_t kNameLengthMask = 0x0fff;

// A cursor over the file that never reads past its end.
class Reader {
 public:
  explicit Reader(const std::string& bytes, size_t end) : bytes_(bytes), end_(end) {}

  size_t pos() const { return pos_; }
  bool skip(size_t n) {
    if (end_ - pos_ < n) return false;
    pos_ += n;
    return true;
  }
  std::optional<uint32_t> u32() {
    if (end_ - pos_ < 4) return std::nullopt;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
    pos_ += 4;
    return v;
  }
  std::optional<uint16_t> u16() {
    if (end_ - pos_ < 2) return std::nullopt;
    const auto v = static_cast<uint16_t>((static_cast<unsigned char>(bytes_[pos_]) << 8) |
                                         static_cast<unsigned char>(bytes_[pos_ + 1]));
    pos_ += 2;
    return v;
  }
  // The string up to the next NUL (which is consumed), if there is one before the end.
  std::optional<std::string> cstring() {
    const size_t nul = bytes_.find('\0', pos_);
    if (nul == std::string::npos || nul >= end_) return std::nullopt;
    std::string s = bytes_.substr(pos_, nul - pos_);
    pos_ = nul + 1;
    return s;
  }
  // git's offset varint (version 4's "bytes to drop from the previous path").
  std::optional<uint64_t> varint() {
    if (pos_ >= end_) return std::nullopt;
    auto c = static_cast<unsigned char>(bytes_[pos_++]);
    uint64_t v = c & 127;
    while (c & 128) {
      if (pos_ >= end_ || v > (UINT64_MAX >> 8)) return std::nullopt;
      c = static_cast<unsigned char>(bytes_[pos_++]);
      v = ((v + 1) << 7) | (c & 127);
    }
    return v;
  }
  std::string hex(size_t n) const {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(bytes_[pos_ + i]);
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
    return out;
  }

 private:
  const std::string& bytes_;
  size_t end_;
  size_t pos_ = 0;
};

struct Parsed {
  std::vector<std::string> gitlinks;
  std::string shared_index;
};

// Parses the whole file with names of `hash_size` bytes; nullopt unless every byte is accounted
// for (the entries, the extensions, and the trailing checksum of hash_size bytes).
std::optional<Parsed> parse(const std::string& bytes, size_t hash_size) {
  if (bytes.size() < 12 + hash_size) return std::nullopt;
  Reader in(bytes, bytes.size() - hash_size);
  if (bytes.compare(0, 4, "DIRC") != 0 || !in.skip(4)) return std::nullopt;
  const auto version = in.u32();
  const auto count = in.u32();
  if (!version || !count || *version < 2 || *version > 4) return std::nullopt;

  Parsed out;
  std::string path;  // version 4 builds each path on the previous one
  for (uint32_t i = 0; i < *count; ++i) {
    const size_t start = in.pos();
    if (!in.skip(24)) return std::nullopt;
    const auto mode = in.u32();
    if (!mode || !in.skip(kStatFieldsBytes - 28 + hash_size)) return std::nullopt;
    const auto flags = in.u16();
    if (!flags) return std::nullopt;
    if (*flags & kExtendedFlag) {
      if (*version < 3 || !in.u16()) return std::nullopt;
    }
    if (*version == 4) {
      const auto drop = in.varint();
      auto suffix = in.cstring();
      if (!drop || !suffix || *drop > path.size()) return std::nullopt;
      path.resize(path.size() - *drop);
      path += *suffix;
    } else {
      auto name = in.cstring();
      if (!name) return std::nullopt;
      path = std::move(*name);
      // 1-8 NULs in all (the one read included) pad the entry to a multiple of 8 bytes.
      const size_t used = in.pos() - start;
      if (!in.skip((8 - used % 8) % 8)) return std::nullopt;
    }
    const size_t length = *flags & kNameLengthMask;
    if (length < kNameLengthMask ? path.size() != length : path.size() < length) {
      return std::nullopt;
    }
    if ((*mode & kTypeMask) == kGitlinkType) out.gitlinks.push_back(path);
  }

  // Extensions up to the checksum: a 4-byte signature and a 4-byte size each.
  while (in.pos() < bytes.size() - hash_size) {
    const size_t signature = in.pos();
    if (!in.skip(4)) return std::nullopt;
    const auto size = in.u32();
    if (!size) return std::nullopt;
    if (bytes.compare(signature, 4, "link") == 0) {
      if (*size < hash_size) return std::nullopt;
      out.shared_index = in.hex(hash_size);
    }
    if (!in.skip(*size)) return std::nullopt;
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> gitlinks_in_index(const std::string& bytes,
                                                   std::string* shared_index) {
  // SHA-1 repositories name objects in 20 bytes, SHA-256 ones in 32; only one layout fits.
  for (size_t hash_size : {20u, 32u}) {
    auto parsed = parse(bytes, hash_size);
    if (!parsed) continue;
    if (shared_index) *shared_index = parsed->shared_index;
    return std::move(parsed->gitlinks);
  }
  return Error(Errc::kInvalidInput, "not a git index this reader understands");
}

}  // namespace cordon::box
