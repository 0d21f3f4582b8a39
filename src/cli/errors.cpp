// Error reporting for the command line.
#include "cli/errors.h"

#include <iostream>
#include <sstream>

namespace cordon::cli {

int report_error(const Error& error) {
  std::cerr << "cordon: " << error.describe() << "\n";
  if (!error.hint().empty()) {
    std::istringstream lines(error.hint());
    std::string line;
    bool first = true;
    while (std::getline(lines, line)) {
      std::cerr << (first ? "  hint: " : "  ") << line << "\n";
      first = false;
    }
  }
  return error.code() == Errc::kNotFound ? kExitNotFound : kExitCordonError;
}

}  // namespace cordon::cli
