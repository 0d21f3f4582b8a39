// Glob compilation and matching over fnmatch(3).
#include "gate/glob.h"

#include <fnmatch.h>

namespace cordon::gate {
namespace {

bool is_meta(char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// Where the bracket expression opening at `open` ends (the index of its `]`), or npos. As in
// fnmatch, a `]` right after `[`, `[!` or `[^` is a member, not the end.
size_t bracket_end(std::string_view p, size_t open) {
  size_t i = open + 1;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) ++i;
  if (i < p.size() && p[i] == ']') ++i;
  for (; i < p.size(); ++i) {
    if (p[i] == '[' && i + 1 < p.size() && (p[i + 1] == ':' || p[i + 1] == '=' || p[i + 1] == '.')) {
      // A class like [:alpha:] inside the brackets: skip to its closing ":]".
      const char kind = p[i + 1];
      size_t close = p.find(std::string{kind, ']'}, i + 2);
      if (close == std::string_view::npos) return std::string_view::npos;
      i = close + 1;
      continue;
    }
    if (p[i] == ']') return i;
  }
  return std::string_view::npos;
}

Error bad(std::string_view pattern, const std::string& what, std::string hint) {
  return Error(Errc::kInvalidInput, "glob \"" + std::string(pattern) + "\": " + what)
      .with_hint(std::move(hint));
}

}  // namespace

std::string escape_glob(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (is_meta(c)) out += '\\';
    out += c;
  }
  return out;
}

Result<Glob> Glob::compile(std::string_view pattern, GlobKind kind) {
  if (pattern.empty()) return bad(pattern, "empty pattern", "write \"*\" to match anything");
  bool meta = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 == pattern.size()) {
        return bad(pattern, "ends in a lone backslash", "write \\\\ for a literal backslash");
      }
      meta = true;
      ++i;
    } else if (c == '[') {
      size_t end = bracket_end(pattern, i);
      if (end == std::string_view::npos) {
        return bad(pattern, "'[' at offset " + std::to_string(i) + " has no closing ']'",
                   "close the set (\"[abc]\") or escape the bracket (\"\\\\[\")");
      }
      meta = true;
      i = end;
    } else if (c == '*' || c == '?') {
      meta = true;
    }
  }
  Glob g;
  g.pattern_ = std::string(pattern);
  g.fn_pattern_ = g.pattern_;
  if (kind == GlobKind::kPath) {
    g.flags_ = FNM_PATHNAME;
    std::string_view body = pattern;
    if (body.size() >= 3 && body.substr(body.size() - 3) == "/**") {
      body.remove_suffix(3);
      // "/**": every absolute path. FNM_LEADING_DIR with an empty body would match nothing.
      g.fn_pattern_ = body.empty() ? "/*" : std::string(body);
      g.flags_ |= FNM_LEADING_DIR;
    }
    if (body.find("**") != std::string_view::npos) {
      return bad(pattern, "\"**\" is only understood at the end of a path glob (\"dir/**\")",
                 "use \"*\" for one path component, or end the glob in \"/**\" for a whole tree");
    }
  }
  // Escaped-only patterns (no unescaped metacharacter) still go through fnmatch: it unescapes.
  g.literal_ = !meta && (g.flags_ & FNM_LEADING_DIR) == 0;
  return g;
}

bool Glob::matches(const std::string& text) const {
  if (literal_) return text == pattern_;
  return ::fnmatch(fn_pattern_.c_str(), text.c_str(), flags_) == 0;
}

}  // namespace cordon::gate
