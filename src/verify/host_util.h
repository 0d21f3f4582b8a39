// Small host-side helpers for `cordon verify` (random names, process lookup, tree removal).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace cordon::verify {


// CLOCK_REALTIME in milliseconds.
int64_t now_ms();

// Pids of this user's processes whose comm is exactly `comm` (the probe daemon names itself).
std::vector<pid_t> processes_named(const std::string& comm);

// Removes `path` and everything beneath it without following symlinks or crossing mounts.
void remove_tree(const std::string& path);

// Creates each missing directory of `rel` under `base` (mode 0755).
Result<void> make_parents(const std::string& base, const std::string& rel);

// Creates (O_EXCL) a file with `content` and `mode`.
Result<void> write_new_file(const std::string& path, const std::string& content, mode_t mode);

}  // namespace cordon::verify
