// hooks_path_setting() and hooks_path_in_workspace(): a moved hooks directory in the workspace.
#include "box/git_hooks_path.h"

#include <vector>

namespace cordon::box {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  const size_t start = s.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return {};
  return s.substr(start, s.find_last_not_of(" \t\r") - start + 1);
}

// A value as git reads it: quotes removed, \" \\ \t \n unescaped, a comment outside quotes ends
// it, blanks at its ends dropped.
std::string config_value(std::string_view raw) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\\' && i + 1 < raw.size()) {
      const char next = raw[++i];
      out += next == 't' ? '\t' : next == 'n' ? '\n' : next;
    } else if (!quoted && (c == '#' || c == ';')) {
      break;
    } else {
      out += c;
    }
  }
  return std::string(trim(out));
}

}  // namespace

std::optional<std::string> hooks_path_setting(std::string_view config) {
  std::optional<std::string> found;
  bool in_core = false;
  while (!config.empty()) {
    const size_t end = config.find('\n');
    std::string_view line = trim(config.substr(0, end));
    config.remove_prefix(end == std::string_view::npos ? config.size() : end + 1);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      const size_t close = line.find(']');
      const std::string_view section = trim(
          line.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      in_core = iequals(section, "core");
      if (close == std::string_view::npos) continue;
      line = trim(line.substr(close + 1));  // `[core] hooksPath = x` on one line
      if (line.empty()) continue;
    }
    if (!in_core) continue;
    const size_t eq = line.find('=');
    if (!iequals(trim(line.substr(0, eq)), "hookspath") || eq == std::string_view::npos) continue;
    found = config_value(line.substr(eq + 1));
  }
  return found;
}

std::optional<std::string> hooks_path_in_workspace(const std::string& setting,
                                                   const std::string& repo,
                                                   const std::string& workspace) {
  if (setting.empty() || setting[0] == '~') return std::nullopt;
  std::string path;
  if (setting[0] == '/') {
    if (setting.rfind(workspace + "/", 0) != 0) return std::nullopt;
    path = setting.substr(workspace.size() + 1);
  } else {
    path = repo.empty() ? setting : repo + "/" + setting;
  }
  // Normalised by its components: "." dropped, ".." taking one back, never above the workspace.
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t slash = path.find('/', pos);
    const std::string part =
        path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  if (parts.empty()) return std::nullopt;  // the workspace itself: not a hooks directory
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : "/") + part;
  return out;
}

}  // namespace cordon::box
