// What the kernel starts for a script: `#!INTERPRETER [ARG]` makes execve(PATH, argv) run
// INTERPRETER with argv [INTERPRETER, ARG (if any), PATH, argv[1]...]. The gate's tracer sees
// that start at the exec event; `cordon policy explain` builds it from the file so that it
// judges what a box would (psql on Debian is a link to a perl script: the box's gate sees
// `perl /usr/bin/psql -c ...` and scores it as psql).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::gate {

struct Shebang {
  std::string interpreter;  // as written: "/usr/bin/perl", "/usr/bin/env"
  std::string argument;     // the rest of the line, blanks trimmed; "" when none
};

// The `#!` line at the start of a file's first bytes, as Linux reads it (binfmt_script: blanks
// after "#!" skipped, the interpreter up to a blank, one argument up to the line's end); nullopt
// for a file that is not a script or names no interpreter.
std::optional<Shebang> parse_shebang(std::string_view head);

// The argv the interpreter gets when `path_as_invoked` (the file name given to execve) is run
// with `argv`.
std::vector<std::string> script_argv(const Shebang& shebang, const std::string& path_as_invoked,
                                     const std::vector<std::string>& argv);

}  // namespace cordon::gate
