// The per-user runtime directory that holds each session's control socket.
#pragma once

#include <string>

#include "base/result.h"

namespace cordon::review {

// `$CORDON_RUNTIME_DIR` (tests), else `$XDG_RUNTIME_DIR/cordon` when XDG_RUNTIME_DIR is a
// directory we own, else `/run/user/<uid>/cordon` when /run/user/<uid> exists, else
// `/tmp/cordon-<uid>`. Created with mode 0700. An existing one must be a real directory
// (lstat: never a symlink) owned by us with mode 0700, else an error with a hint: another
// user who could plant it could also read or replace our sockets.
Result<std::string> runtime_dir();

// The same checks for an explicit path (`create`: make it 0700 when missing).
Result<void> check_private_dir(const std::string& path, bool create);

}  // namespace cordon::review
