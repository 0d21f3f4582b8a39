// Error reporting for the command line.
#include "cli/errors.h"

#include <iostream>
#include <sstream>

#include "review/control_protocol.h"

namespace cordon::cli {
namespace {

// Messages quote policy values, paths and command arguments, some from an untrusted workspace
// file: every control and non-ASCII byte is shown as \xHH (as the review channels show a
// command), so no quoted value can retitle, clear or reprogram the terminal. Only the newlines
// of the text itself are kept: they lay out multi-line hints.
void print_lines(const std::string& text, const char* first_prefix, const char* prefix) {
  if (text.empty()) {
    std::cerr << first_prefix << "\n";
    return;
  }
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    std::cerr << (first ? first_prefix : prefix) << review::display_text(line) << "\n";
    first = false;
  }
}

}  // namespace

int report_error(const Error& error) {
  print_lines(error.describe(), "cordon: ", "  ");
  if (!error.hint().empty()) print_lines(error.hint(), "  hint: ", "  ");
  return kExitCordonError;
}

int report_box_error(const Error& error) {
  int status = report_error(error);
  return error.code() == Errc::kNotFound ? kExitNotFound : status;
}

}  // namespace cordon::cli
