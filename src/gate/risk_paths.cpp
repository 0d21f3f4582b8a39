// Path operands for the risk scorer: lexical resolution and classification, no filesystem access.
#include "gate/risk_paths.h"

#include <array>

namespace cordon::gate {
namespace {

std::string_view trim_trailing_slashes(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

// Appends `rel`'s components to the absolute, normalised `out`, folding `.` and `..`.
void append_components(std::string& out, std::string_view rel) {
  std::size_t pos = 0;
  while (pos <= rel.size()) {
    std::size_t end = rel.find('/', pos);
    if (end == std::string_view::npos) end = rel.size();
    const std::string_view part = rel.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      const auto slash = out.rfind('/');
      out.resize(slash == 0 ? 1 : slash);
      continue;
    }
    if (out.size() > 1) out.push_back('/');
    out.append(part);
  }
}

bool has_glob(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace

bool path_within(std::string_view path, std::string_view dir) {
  path = trim_trailing_slashes(path);
  dir = trim_trailing_slashes(dir);
  if (dir.empty() || !path.starts_with(dir)) return false;
  return path.size() == dir.size() || dir == "/" || path[dir.size()] == '/';
}

std::string resolve_operand(std::string_view operand, std::string_view cwd, std::string_view home) {
  std::string out = "/";
  out.reserve(cwd.size() + operand.size() + 2);
  if (operand == "~" || operand.starts_with("~/")) {
    append_components(out, home);
    operand.remove_prefix(1);
  } else if (!operand.starts_with("/")) {
    append_components(out, cwd);
  }
  // A glob in the last component stands for the directory's contents.
  const auto last_slash = operand.rfind('/');
  const std::string_view last =
      last_slash == std::string_view::npos ? operand : operand.substr(last_slash + 1);
  if (has_glob(last)) {
    operand =
        last_slash == std::string_view::npos ? std::string_view() : operand.substr(0, last_slash);
  }
  append_components(out, operand);
  return out;
}

PathClass classify_path(std::string_view resolved, const RiskContext& context) {
  resolved = trim_trailing_slashes(resolved);
  if (resolved == "/") return {PathKind::kPrecious, "the filesystem root"};
  const std::string_view workspace = trim_trailing_slashes(context.workspace);
  const std::string_view home = trim_trailing_slashes(context.home);
  if (!workspace.empty() && resolved == workspace) {
    return {PathKind::kPrecious, "the workspace root"};
  }
  if (!home.empty() && resolved == home) return {PathKind::kPrecious, "the home directory"};
  if (!workspace.empty() && path_within(workspace, resolved)) {
    return {PathKind::kPrecious, "an ancestor of the workspace"};
  }
  if (!home.empty() && path_within(home, resolved)) {
    return {PathKind::kPrecious, "an ancestor of the home directory"};
  }
  if (resolved == "/tmp" || resolved == "/var/tmp") return {PathKind::kTempRoot, ""};
  if (path_within(resolved, "/tmp") || path_within(resolved, "/var/tmp")) {
    return {PathKind::kTemp, ""};
  }
  // Depth 1 ("/usr") is a system directory; so is depth 2 below the trees the system lives in.
  const auto second = resolved.find('/', 1);
  if (second == std::string_view::npos) return {PathKind::kSystem, "a top-level system directory"};
  if (resolved.find('/', second + 1) == std::string_view::npos) {
    static constexpr std::array<std::string_view, 9> kTrees = {
        "/usr", "/etc", "/boot", "/var", "/bin", "/sbin", "/lib", "/lib64", "/opt"};
    for (auto tree : kTrees) {
      if (resolved.substr(0, second) == tree) return {PathKind::kSystem, "the system path"};
    }
  }
  return {PathKind::kOther, ""};
}

bool is_data_device(std::string_view resolved) {
  if (!resolved.starts_with("/dev/") || resolved.size() == 5) return false;
  const std::string_view dev = resolved.substr(5);
  // Only what holds data or memory: disks, partitions, their mappers, raw memory. Everything
  // else under /dev (null, ttys, bash's /dev/tcp and /dev/udp, /dev/fd) is not a filesystem.
  static constexpr std::array<std::string_view, 20> kDataDevices = {
      "sd",     "hd",   "vd",   "xvd", "nvme", "mmcblk", "dm-", "md",  "mapper/", "loop",
      "disk/",  "nbd",  "rbd",  "zd",  "bcache", "mtd",  "sr",  "mem", "kmem",    "port"};
  for (auto prefix : kDataDevices) {
    if (dev.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace cordon::gate
