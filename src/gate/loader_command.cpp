// Reading the dynamic loader's command line (glibc elf/rtld.c's option loop, by behaviour).
#include "gate/loader_command.h"

#include <array>
#include <string_view>

namespace cordon::gate {
namespace {

// Options that take the next argument as their value.
constexpr std::array<std::string_view, 7> kWithValue = {
    "--library-path",         "--inhibit-rpath",     "--audit", "--preload",
    "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask", "--argv0"};
// Options that stand alone.
constexpr std::array<std::string_view, 7> kAlone = {
    "--list", "--verify", "--inhibit-cache", "--list-tunables", "--list-diagnostics",
    "--help", "--version"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view arg) {
  for (std::string_view name : names) {
    if (arg == name) return true;
  }
  return false;
}

std::string_view file_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool is_dynamic_loader(const std::string& executable) {
  const std::string_view name = file_name(executable);
  if (name == "libc.so") return true;  // musl
  if (!name.starts_with("ld")) return false;
  const std::string_view rest = name.substr(2);
  // ld-linux*.so.N, ld-musl-*.so.N, ld64.so.N, ld.so.N
  const bool shaped = rest.starts_with("-") || rest.starts_with("64.so") || rest.starts_with(".so");
  return shaped && name.find(".so") != std::string_view::npos;
}

std::optional<LoaderCommand> parse_loader_command(const std::vector<std::string>& loader_argv) {
  std::optional<std::string> argv0;
  size_t i = 1;
  while (i < loader_argv.size()) {
    const std::string& arg = loader_argv[i];
    if (one_of(kWithValue, arg) && i + 1 < loader_argv.size()) {
      if (arg == "--argv0") argv0 = loader_argv[i + 1];
      i += 2;
    } else if (one_of(kAlone, arg)) {
      if (arg == "--help" || arg == "--version" || arg == "--list-tunables" ||
          arg == "--list-diagnostics") {
        return std::nullopt;  // the loader prints and exits
      }
      i += 1;
    } else {
      break;  // the program: anything else, even if it starts with "-"
    }
  }
  if (i >= loader_argv.size()) return std::nullopt;
  LoaderCommand command;
  command.program = loader_argv[i];
  command.argv.assign(loader_argv.begin() + static_cast<std::ptrdiff_t>(i), loader_argv.end());
  if (argv0) command.argv[0] = *argv0;
  return command;
}

}  // namespace cordon::gate
