// program_name(): the name rules and the risk scorer know a program by.
#include "gate/program_start.h"

namespace cordon::gate {

std::string program_name(const ProgramStart& start) {
  const std::string& path = start.executable.empty()
                                ? (start.argv.empty() ? start.executable : start.argv.front())
                                : start.executable;
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace cordon::gate
