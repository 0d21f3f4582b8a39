// The built-in read-only programs: what a production profile lets run without an allow rule.
#pragma once

#include "gate/program_start.h"

namespace cordon::gate {

// Whether `start` is a built-in read-only program used read-only: a system binary (its
// executable lies directly in /usr/bin, /bin, /usr/sbin or /sbin, which the box shows
// read-only, so a workspace script named `cat` is not one) whose arguments ask for no write.
// read_only_programs.cpp lists the programs and, for each, why it is on the list and which
// arguments take it off.
bool is_read_only_start(const ProgramStart& start);

}  // namespace cordon::gate
