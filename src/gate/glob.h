// Glob patterns of the approval gate's rules (fnmatch(3) syntax), validated when compiled.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace cordon::gate {

// One compiled glob: `*`, `?`, `[...]` (with `!` or `^` to negate) and backslash escapes.
//
// A path glob (GlobKind::kPath) uses FNM_PATHNAME, so `*` and `?` never match a '/', and a
// trailing "/**" matches the directory itself and everything beneath it ("/etc/**" matches
// "/etc" and "/etc/ssl/x"). "**" anywhere else in a path glob is refused: fnmatch would read it
// as `*`, which is not what anyone writing it means. A word glob (kWord: program names,
// arguments) lets `*` match any character.
enum class GlobKind { kWord, kPath };

class Glob {
 public:
  // Errors (kInvalidInput): an empty pattern, a `[` without its `]`, a trailing backslash, and
  // "**" inside a path glob other than a final "/**".
  static Result<Glob> compile(std::string_view pattern, GlobKind kind);

  bool matches(const std::string& text) const;
  const std::string& pattern() const { return pattern_; }

 private:
  Glob() = default;
  std::string pattern_;  // as written
  std::string fn_pattern_;
  int flags_ = 0;
  bool literal_ = false;  // no metacharacter: compared as a string (the common, fast case)
};

// `text` with every glob metacharacter escaped, so it matches only itself inside a pattern.
std::string escape_glob(std::string_view text);

}  // namespace cordon::gate
