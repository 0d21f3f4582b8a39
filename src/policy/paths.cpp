// Lexical checks on the paths a policy file names.
#include "policy/paths.h"

#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

#include "base/files.h"

namespace cordon::policy {
namespace {

std::vector<std::string> split_components(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(pos, end - pos);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    pos = end + 1;
  }
  return parts;
}

bool has_dotdot(const std::vector<std::string>& parts) {
  for (const auto& p : parts) {
    if (p == "..") return true;
  }
  return false;
}

std::string join(const std::string& prefix, const std::vector<std::string>& parts) {
  std::string out = prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0 || prefix == "~") out += '/';
    out += parts[i];
  }
  return out;
}

Error path_error(const std::string& path, const std::string& what, const std::string& hint) {
  return Error(Errc::kPolicy, "path \"" + path + "\" " + what).with_hint(hint);
}

// Whole directories: "/libfoo" is not in "/lib".
constexpr std::array<std::string_view, 13> kSystemDirs = {
    "/usr", "/bin", "/sbin", "/lib",  "/lib32", "/lib64", "/libx32",
    "/etc", "/opt", "/boot", "/proc", "/sys",   "/dev"};

}  // namespace

Result<void> refuse_control_bytes(const std::string& path, const char* hint) {
  for (unsigned char c : path) {
    if (c >= 0x20 && c != 0x7f) continue;
    char byte[8];
    std::snprintf(byte, sizeof byte, "\\x%02x", c);
    return path_error(
        path, std::string("contains the control byte ") + byte,
        std::string("a path cannot contain NUL, newlines or other control bytes; ") + hint);
  }
  return Ok{};
}

Result<std::string> normalize_host_path(const std::string& path) {
  const char* hint = "write an absolute path (\"/nix\") or one under your home (\"~/.cache/pip\")";
  CORDON_TRY(refuse_control_bytes(path, hint));
  bool home_relative = path == "~" || path.rfind("~/", 0) == 0;
  if (!home_relative && path.rfind('/', 0) != 0) {
    return path_error(path, "is relative", hint);
  }
  std::vector<std::string> parts = split_components(home_relative ? path.substr(1) : path);
  if (has_dotdot(parts)) {
    return path_error(path, "contains a \"..\" component", hint);
  }
  return join(home_relative ? "~" : "/", parts);
}

Result<std::string> normalize_workspace_path(const std::string& path) {
  const char* hint =
      "write a path relative to the workspace root, e.g. \"deploy/\" or \"Makefile\"";
  CORDON_TRY(refuse_control_bytes(path, hint));
  if (path.rfind('/', 0) == 0 || path.rfind('~', 0) == 0) {
    return path_error(path, "is not relative to the workspace", hint);
  }
  std::vector<std::string> parts = split_components(path);
  if (has_dotdot(parts)) {
    return path_error(path, "contains a \"..\" component", hint);
  }
  if (parts.empty()) {
    return path_error(path, "names the whole workspace",
                      "to make the whole workspace read-only, set filesystem.workspace = "
                      "\"read-only\"");
  }
  std::string out = join("", parts);
  if (path.back() == '/') out += '/';
  return out;
}

bool is_same_or_beneath(const std::string& path, const std::string& root, const std::string& home) {
  std::string p = home.empty() ? path : expand_home(path, home);
  std::string r = home.empty() ? root : expand_home(root, home);
  return cordon::is_same_or_beneath(p, r);
}

bool is_root_or_home(const std::string& normalized) {
  return normalized == "/" || normalized == "~";
}

std::string system_dir_of(const std::string& normalized) {
  for (std::string_view dir : kSystemDirs) {
    if (is_same_or_beneath(normalized, std::string(dir), "")) return std::string(dir);
  }
  return "";
}

}  // namespace cordon::policy
