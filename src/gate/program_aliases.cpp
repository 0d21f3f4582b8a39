// add_resolved_program_names(): follow each plain program name to the file it runs.
#include "gate/program_aliases.h"

#include <algorithm>
#include <filesystem>

namespace cordon::gate {

void add_resolved_program_names(GateConfig& config, const std::vector<std::string>& dirs) {
  for (RuleSpec& rule : config.rules) {
    std::vector<std::string> added;
    for (const std::string& name : rule.program) {
      if (name.empty() || name.find_first_of("/*?[") != std::string::npos) continue;
      for (const std::string& dir : dirs) {
        std::error_code ec;
        const std::filesystem::path resolved =
            std::filesystem::canonical(std::filesystem::path(dir) / name, ec);
        if (ec) continue;
        const std::string real = resolved.filename().string();
        if (real != name && std::find(rule.program.begin(), rule.program.end(), real) ==
                                rule.program.end()) {
          added.push_back(real);
        }
        break;  // the first hit on the PATH is the one that runs
      }
    }
    for (auto& name : added) {
      if (std::find(rule.program.begin(), rule.program.end(), name) == rule.program.end()) {
        rule.program.push_back(std::move(name));
      }
    }
  }
}

}  // namespace cordon::gate
