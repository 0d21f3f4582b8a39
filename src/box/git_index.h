// Reads the paths of the gitlinks (mode 160000, "a repository lives here") in a git index file,
// the only thing cordon needs from it: a gitlink whose directory holds a repository makes the
// host's `git status` run git inside that repository, with that repository's config.
//
// The format is git's own (Documentation/gitformat-index.txt): versions 2, 3 and 4, SHA-1 or
// SHA-256 names, and a split index's shared part. Written here because no Debian library reads
// it short of linking libgit2 for one field; the reader checks every length against the file and
// refuses what it cannot account for byte by byte.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace cordon::box {

// The gitlink paths in the index `bytes` (the whole file); with `shared_index` set, the hex name
// of the shared index a split index points to ("" when there is none). An error for anything
// that is not a whole, well-formed index.
Result<std::vector<std::string>> gitlinks_in_index(const std::string& bytes,
                                                   std::string* shared_index = nullptr);

}  // namespace cordon::box
