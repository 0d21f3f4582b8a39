// User namespaces: writing the box's id maps, and explaining why a machine refuses to make one.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.h"

namespace cordon::box {

// Child side, async-signal-safe, run by the box init on itself: maps `uid`/`gid` to themselves
// inside its new user namespace (one id each; the kernel allows a process to map exactly its own
// ids). setgroups is denied first, so no supplementary group can be dropped to gain access.
// Returns 0 or -errno.
int write_own_id_maps(uid_t uid, gid_t gid);

// Where the host's sysctls live (a fake tree in tests).
struct UsernsSysctls {
  std::string proc_sys = "/proc/sys";
};

// Builds the error for a failed clone(CLONE_NEWUSER) (err = its errno): names the setting that
// forbids user namespaces on this machine and the exact command that changes it.
Error explain_userns_failure(int err, const UsernsSysctls& sysctls = {});

// Builds the error for a failed clone of the box init: explain_userns_failure() for the errors by
// which a kernel, a sysctl or a security profile refuses namespaces (EPERM, EINVAL, ENOSPC,
// EUSERS); any other (out of processes or memory, an internal limit) as what it is, never blamed
// on user namespaces.
Error explain_clone_failure(int err, const UsernsSysctls& sysctls = {});

// On Ubuntu 23.10+ an AppArmor sysctl lets the namespace be created but strips its
// capabilities, so the failure shows up later as EPERM from mount. Returns the hint when that
// restriction is on, for errors of later steps.
std::optional<std::string> apparmor_userns_restriction_hint(const UsernsSysctls& sysctls = {});

}  // namespace cordon::box
