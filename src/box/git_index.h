// Reads the paths of the gitlinks (mode 160000, "a repository lives here") in a git index file,
// the only thing cordon needs from it: a gitlink whose directory holds a repository makes the
// host's `git status` run git inside that repository, with that repository's config.
//
// The format is git's own (Documentation/gitformat-index.txt): versions 2, 3 and 4, SHA-1 or
// SHA-256 names, and split indexes, merged with their shared part as git merges them. Written
// here because no Debian library reads it short of linking libgit2 for one field; the reader
// checks every length against the file and refuses what it cannot account for byte by byte.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace cordon::box {

// The bytes of the shared index a split index names by the hex `name` (git keeps it in
// .git/sharedindex.<name>).
using SharedIndexLoader = std::function<Result<std::string>(const std::string& name)>;

// The gitlink paths (sorted) of the index git reads from `bytes`, the whole .git/index. A split
// index is merged with the shared index `load_shared` returns: its entries, less those the
// `link` extension's delete bitmap removes, with those its replace bitmap names overwritten by
// the split index's first entries (which are stored without a name and take the shared entry's:
// a file the box turned into a gitlink that way has no name of its own), plus the split index's
// other entries.
//
// An error for anything that is not a whole, well-formed index, and for a split index whose
// shared part is missing, malformed or does not match its bitmaps: every gitlink git would see is
// resolved to its name, or the whole index is refused, never one gitlink passed over.
Result<std::vector<std::string>> gitlinks_in_index(const std::string& bytes,
                                                   const SharedIndexLoader& load_shared);

}  // namespace cordon::box
