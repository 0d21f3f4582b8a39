// Capabilities and no_new_privs: the agent keeps no privilege and can never regain one.
#pragma once

namespace cordon::box {

// Child side, async-signal-safe. Drops every capability from the bounding set, clears the
// ambient set, locks the securebits (no root semantics on exec, no setuid fixups) and empties the
// effective, permitted and inheritable sets. Returns 0 or -errno.
int drop_all_capabilities();

// Child side: PR_SET_NO_NEW_PRIVS. Returns 0 or -errno.
int set_no_new_privs();

}  // namespace cordon::box
