// Turning errors into messages and exit codes: the only place that does (style.md).
#pragma once

#include "base/result.h"

namespace cordon::cli {

// Exit statuses of cordon's own failures (the program's status passes through otherwise).
constexpr int kExitCordonError = 125;  // the box could not be built, bad policy, bad flags
constexpr int kExitNotFound = 127;     // the program does not exist in the box

// Prints "cordon: MESSAGE" and an indented hint paragraph to stderr; returns the exit status.
int report_error(const Error& error);

}  // namespace cordon::cli
