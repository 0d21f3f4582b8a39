// parse_shebang() and script_argv(): a script's start as the kernel makes it.
#include "gate/script_start.h"

namespace cordon::gate {

std::optional<Shebang> parse_shebang(std::string_view head) {
  if (!head.starts_with("#!")) return std::nullopt;
  std::string_view line = head.substr(
      2, head.find('\n') == std::string_view::npos ? std::string_view::npos : head.find('\n') - 2);
  constexpr std::string_view kBlanks = " \t";
  const size_t start = line.find_first_not_of(kBlanks);
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  const size_t end = line.find_last_not_of(" \t\r");
  line = line.substr(0, end + 1);
  const size_t blank = line.find_first_of(kBlanks);
  Shebang shebang;
  shebang.interpreter = std::string(line.substr(0, blank));
  if (blank != std::string_view::npos) {
    std::string_view argument = line.substr(blank);
    const size_t first = argument.find_first_not_of(kBlanks);
    if (first != std::string_view::npos) shebang.argument = std::string(argument.substr(first));
  }
  return shebang;
}

std::vector<std::string> script_argv(const Shebang& shebang, const std::string& path_as_invoked,
                                     const std::vector<std::string>& argv) {
  std::vector<std::string> out{shebang.interpreter};
  if (!shebang.argument.empty()) out.push_back(shebang.argument);
  out.push_back(path_as_invoked);
  if (argv.size() > 1) out.insert(out.end(), argv.begin() + 1, argv.end());
  return out;
}

}  // namespace cordon::gate
