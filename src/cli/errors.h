// Turning errors into messages and exit codes: the only place that does (style.md).
#pragma once

#include "base/result.h"

namespace cordon::cli {

// Exit statuses of cordon's own failures (the program's status passes through otherwise).
constexpr int kExitCordonError = 125;  // the box could not be built, bad policy, bad flags
constexpr int kExitNotFound = 127;     // the program does not exist in the box

// Prints "cordon: MESSAGE" and an indented hint paragraph to stderr, every control byte escaped
// as \xHH; returns kExitCordonError. Every error of cordon's own is 125, a "not found" one too
// (a missing --config file is a bad policy, not a missing program).
int report_error(const Error& error);
// The same for the box's own result, the one place a "not found" error means that the program
// does not exist in the box: kExitNotFound, so scripts can tell it from a bad policy.
int report_box_error(const Error& error);

}  // namespace cordon::cli
