// Who is on the other end of a control socket connection, from the kernel's word alone.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/pid_namespace.h"
#include "base/result.h"

namespace cordon::review {

// Checks the peer of a connected AF_UNIX socket (SO_PEERCRED) and names it "uid:<username>"
// (getpwuid_r; "uid:<number>" when the user has no name). Refused (Errc::kPolicy): a uid other
// than `session_uid` and root, and a peer whose pid namespace is `reviewer_pid_namespace`
// (the box's: its processes run as the same uid, so only the namespace tells them apart),
// or whose namespace cannot be read (fail closed). An empty `reviewer_pid_namespace` skips
// that check (tests without a box).
Result<std::string> authenticate_peer(int fd, uid_t session_uid,
                                      const std::string& reviewer_pid_namespace);

// "uid:<username>" for a uid.
std::string uid_identity(uid_t uid);

}  // namespace cordon::review
