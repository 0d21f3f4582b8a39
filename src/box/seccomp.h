// Seccomp-bpf: the syscall wall, compiled in the parent, installed by the agent as its last step.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace cordon::box {

// A compiled classic-BPF program. Built in the parent (libseccomp allocates); the child only
// passes fprog() to seccomp(2).
struct SeccompProgram {
  std::vector<sock_filter> instructions;
  sock_fprog fprog() const {
    return sock_fprog{static_cast<unsigned short>(instructions.size()),
                      const_cast<sock_filter*>(instructions.data())};
  }
};

// The box's filter: default allow; the refused groups (see seccomp.cpp) return EPERM; clone3
// returns ENOSYS so libc falls back to clone(2), whose flags we can inspect; non-native
// architectures (i386 via int 0x80, x32) are refused.
Result<SeccompProgram> compile_box_filter();

// The same filter, compiled at build time by tools/seccomp_gen.cpp (defined in the generated
// source of the cordon_seccomp_prebuilt library); what cordon installs. A unit test checks that
// it equals compile_box_filter().
const SeccompProgram& prebuilt_box_filter();

// The approval gate's filter, installed by the agent of a gated session next to the box's: every
// execve and execveat becomes a notification to the supervisor (SECCOMP_RET_USER_NOTIF), which
// seizes the caller with ptrace before letting the call go on and decides at its exec event
// (box/gate_tracer.h); everything else is allowed here (the box's filter refuses what it
// refuses); other architectures get EPERM, as in the box's filter.
Result<SeccompProgram> compile_exec_notify_filter();
// Compiled at build time like the box's filter (equal to a fresh compile, tested).
const SeccompProgram& prebuilt_exec_notify_filter();

// Human-readable listing of the rules (for the reviewed golden file and `cordon policy show`).
std::string describe_box_filter();

// Child side, async-signal-safe: installs `program` with SECCOMP_FILTER_FLAG_TSYNC off.
// Returns 0 or -errno. Requires no_new_privs (set by the previous step).
int install_seccomp(const sock_fprog& program);

// Child side, async-signal-safe: installs `program` with SECCOMP_FILTER_FLAG_NEW_LISTENER.
// Returns the listener (close-on-exec) or -errno.
int install_seccomp_with_listener(const sock_fprog& program);

}  // namespace cordon::box
