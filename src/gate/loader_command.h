// Programs started through the dynamic loader: `/lib64/ld-linux-x86-64.so.2 /bin/rm -rf dir`.
// The kernel execs the loader; the loader maps the program itself, with no execve of its own,
// so the gate must judge the program the loader is told to run, not the loader.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cordon::gate {

// The dynamic loader by the name of the file that runs (symlinks followed): glibc's
// ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld64.so.2, ld.so.1, ..., and musl's libc.so,
// which is its own loader.
bool is_dynamic_loader(const std::string& executable);

// What the loader will run, read from its argv the way glibc's loader reads it: its own options
// first (`--argv0 NAME`, `--library-path DIR`, `--preload LIST`, `--list`, ...), exact
// spellings only, then the program and the program's arguments.
struct LoaderCommand {
  std::string program;            // as given: a path, or a bare name the loader searches for
  std::vector<std::string> argv;  // the program's argv; argv[0] is --argv0's value if given
};
// Nothing when the loader is asked to run no program (`--help`, `--version`, no operand).
std::optional<LoaderCommand> parse_loader_command(const std::vector<std::string>& loader_argv);

}  // namespace cordon::gate
