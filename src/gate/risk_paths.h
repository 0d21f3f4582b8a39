// Path operands for the risk scorer: resolving against cwd and home, and what a path is.
#pragma once

#include <string>
#include <string_view>

#include "gate/program_start.h"
#include "gate/risk.h"

namespace cordon::gate {

// `operand` made absolute against `cwd`, `~` and `~/x` expanded from `home`, then lexically
// normalised (no `.`, `..`, `//` or trailing `/`). A last component holding glob characters
// (`/*`, `~/*.txt`, kept literal when no shell expanded them) becomes its directory, whose
// contents are then at stake.
std::string resolve_operand(std::string_view operand, std::string_view cwd, std::string_view home);

enum class PathKind {
  kPrecious,  // "/", the home directory, the workspace root, or an ancestor of one of them
  kSystem,    // a top-level directory ("/usr", "/etc") or a system tree below one
  kTempRoot,  // /tmp or /var/tmp itself
  kTemp,      // below /tmp or /var/tmp
  kOther,
};

struct PathClass {
  PathKind kind = PathKind::kOther;
  const char* label = "";  // for kPrecious and kSystem: "the filesystem root", "the home
                           // directory", "the workspace root", "an ancestor of the workspace",
                           // "a top-level system directory", "the system path"
};

PathClass classify_path(std::string_view resolved, const RiskContext& context);

// True when `path` is `dir` or lies below it (both normalised and absolute).
bool path_within(std::string_view path, std::string_view dir);

// A block or character device that holds data: /dev/sda, /dev/nvme0n1p2, /dev/mapper/x. Not
// /dev/null, /dev/zero, /dev/std*, /dev/fd/*, /dev/tty*, /dev/shm/*.
bool is_data_device(std::string_view resolved);

}  // namespace cordon::gate
