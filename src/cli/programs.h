// cordon's companion programs (cordon-probe, cordon-audit, cordon-audit-writer): next to
// cordon in the build tree, or in ../libexec/cordon/ when installed.
#pragma once

#include <string>

namespace cordon::cli {

// The path of the companion program `name`; the build-tree path when neither exists (the error
// that follows names it).
std::string companion_program(const char* name);

}  // namespace cordon::cli
