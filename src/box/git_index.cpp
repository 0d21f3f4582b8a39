// gitlinks_in_index: a strict reader of git's index format, for the gitlink entries only, and
// the merge of a split index with its shared part.
#include "box/git_index.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "box/ewah_bitmap.h"

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
  size_t remaining() const { return end_ - pos_; }
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
  // The next `n` bytes, which the caller has checked are there, in hex; not consumed.
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
  uint32_t count = 0;
  std::vector<std::pair<uint32_t, std::string>> gitlinks;  // position, path
  std::vector<uint32_t> unnamed;                           // positions of entries without a path
  std::vector<std::string> wanted_names;                   // the paths at the wanted positions
  bool split = false;                                      // has a `link` extension
  std::string shared_index;                                // its hex name; "" when all zeros
  std::string_view bitmaps;                                // what follows the name in `link`
};

// Parses the whole file with names of `hash_size` bytes; nullopt unless every byte is accounted
// for (the entries, the extensions, and the trailing checksum of hash_size bytes). The paths of
// the entries at the ascending positions `want` go to wanted_names.
std::optional<Parsed> parse(const std::string& bytes, size_t hash_size,
                            const std::vector<uint32_t>& want) {
  if (bytes.size() < 12 + hash_size) return std::nullopt;
  Reader in(bytes, bytes.size() - hash_size);
  if (bytes.compare(0, 4, "DIRC") != 0 || !in.skip(4)) return std::nullopt;
  const auto version = in.u32();
  const auto count = in.u32();
  if (!version || !count || *version < 2 || *version > 4) return std::nullopt;

  Parsed out;
  out.count = *count;
  size_t wanted = 0;
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
    if (path.empty()) out.unnamed.push_back(i);
    if ((*mode & kTypeMask) == kGitlinkType) out.gitlinks.emplace_back(i, path);
    if (wanted < want.size() && want[wanted] == i) {
      out.wanted_names.push_back(path);
      ++wanted;
    }
  }

  // Extensions up to the checksum: a 4-byte signature and a 4-byte size each.
  while (in.pos() < bytes.size() - hash_size) {
    const size_t signature = in.pos();
    if (!in.skip(4)) return std::nullopt;
    const auto size = in.u32();
    if (!size || *size > in.remaining()) return std::nullopt;
    if (bytes.compare(signature, 4, "link") == 0) {
      if (*size < hash_size || out.split) return std::nullopt;
      out.split = true;
      const std::string name = in.hex(hash_size);
      if (name.find_first_not_of('0') != std::string::npos) out.shared_index = name;
      out.bitmaps = std::string_view(bytes).substr(in.pos() + hash_size, *size - hash_size);
    }
    if (!in.skip(*size)) return std::nullopt;
  }
  return out;
}

// The file parsed in whichever hash layout fits it (SHA-1 repositories name objects in 20 bytes,
// SHA-256 ones in 32; only one layout accounts for every byte).
Result<Parsed> parse_any(const std::string& bytes, const std::vector<uint32_t>& want = {}) {
  for (size_t hash_size : {20u, 32u}) {
    if (auto parsed = parse(bytes, hash_size, want)) return std::move(*parsed);
  }
  return Error(Errc::kInvalidInput, "not a git index this reader understands");
}

bool contains(const std::vector<uint32_t>& sorted, uint32_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

// The front index merged with the shared one, as git's merge_base_index (split-index.c) does;
// an error wherever git would die instead, since then no name can be trusted.
Result<std::vector<std::string>> merge_split(const Parsed& front, const std::string& shared_bytes) {
  const auto bad = [](const std::string& why) {
    return Error(Errc::kInvalidInput, "split index: " + why);
  };
  // An entry takes at least 64 bytes, so no bitmap of this shared index may reach beyond this.
  const uint64_t max_entries = shared_bytes.size() / 64 + 1;
  std::vector<uint32_t> deleted, replaced;
  if (!front.bitmaps.empty()) {
    auto del = decode_ewah(front.bitmaps, max_entries);
    if (!del.ok()) return std::move(del.error()).context("split index: delete bitmap");
    auto rep = decode_ewah(front.bitmaps.substr(del->encoded_bytes), max_entries);
    if (!rep.ok()) return std::move(rep.error()).context("split index: replace bitmap");
    if (del->encoded_bytes + rep->encoded_bytes != front.bitmaps.size()) {
      return bad("bytes after the replace bitmap");
    }
    deleted = std::move(del->set_bits);
    replaced = std::move(rep->set_bits);
  }
  auto shared = parse_any(shared_bytes, replaced);
  if (!shared.ok()) return std::move(shared.error()).context("shared index");
  if (shared->split) return bad("the shared index is split itself");
  if (!shared->unnamed.empty()) return bad("the shared index has an entry without a name");
  for (uint32_t position : deleted) {
    if (position >= shared->count) return bad("a deletion beyond the shared index");
  }
  for (uint32_t position : replaced) {
    if (position >= shared->count) return bad("a replacement beyond the shared index");
    if (contains(deleted, position)) return bad("an entry both replaced and deleted");
  }
  // The first replaced.size() entries replace, in order, and only they are unnamed.
  if (replaced.size() > front.count) return bad("more replacements than entries");
  if (front.unnamed.size() != replaced.size() ||
      (!replaced.empty() && front.unnamed.back() != replaced.size() - 1)) {
    return bad("the unnamed entries are not the replacements");
  }

  std::vector<std::string> links;
  for (const auto& [position, path] : shared->gitlinks) {
    if (!contains(deleted, position) && !contains(replaced, position)) links.push_back(path);
  }
  for (const auto& [position, path] : front.gitlinks) {
    // A replacement keeps its own mode (a gitlink here) and the shared entry's name.
    links.push_back(position < replaced.size() ? shared->wanted_names[position] : path);
  }
  return links;
}

}  // namespace

Result<std::vector<std::string>> gitlinks_in_index(const std::string& bytes,
                                                   const SharedIndexLoader& load_shared) {
  auto front = parse_any(bytes);
  if (!front.ok()) return front.error();
  std::vector<std::string> links;
  if (front->shared_index.empty()) {
    // Not split (an all-zero name in `link` means no shared index): every entry names itself.
    if (!front->unnamed.empty()) {
      return Error(Errc::kInvalidInput, "an entry without a name in an index that is not split");
    }
    for (auto& [position, path] : front->gitlinks) links.push_back(std::move(path));
  } else {
    if (!load_shared) return Error(Errc::kInvalidInput, "a split index, and no shared index given");
    auto shared = load_shared(front->shared_index);
    if (!shared.ok()) return shared.error();
    auto merged = merge_split(*front, *shared);
    if (!merged.ok()) return merged.error();
    links = std::move(*merged);
  }
  std::sort(links.begin(), links.end());
  return links;
}

}  // namespace cordon::box
