// Program names as the box resolves them: a rule for `sh` also names dash when /bin/sh is a link
// to dash, a rule for `cc` names gcc-12. The gate decides on the file that runs, so a rule
// written for the name people type must follow the name to that file.
#pragma once

#include <string>
#include <vector>

#include "gate/gate.h"

namespace cordon::gate {

// For every plain name (no '/', no glob characters) in a rule's `program`, looks it up in `dirs`
// (the box's PATH, box::default_path_dirs()) and, when it is a link to a file with another name,
// adds that name to the rule. Never removes a name. Reads the filesystem: call when setting a
// session up, not while deciding.
void add_resolved_program_names(GateConfig& config, const std::vector<std::string>& dirs);

}  // namespace cordon::gate
