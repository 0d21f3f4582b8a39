// The approval gate's hook into every exec of the box: a seccomp filter that turns each execve
// and execveat into a notification (SECCOMP_RET_USER_NOTIF) to the supervisor, whose tracer
// seizes the caller with ptrace before the call goes on and decides at its exec event
// (box/gate_tracer.h). Only processes that exec are ever traced, and only from that execve to
// its end: fork, clone and exit cost the box nothing.
//
// The filter is inherited by every descendant and cannot be removed. If the supervisor goes,
// its listener closes and every execve fails (ENOSYS): the gate never fails open.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon::box {

// Child side, async-signal-safe (the agent's step gate-listener, after no_new_privs): installs
// `exec_notify` (prebuilt_exec_notify_filter()) and sends its listener on `socket`, keeping no
// copy. Returns 0 or -errno.
int send_exec_listener(const sock_fprog& exec_notify, int socket);

// Supervisor side: the listener and its notifications. The kernel's ioctls are used directly:
// libseccomp's wrappers report every failure as ECANCELED and refuse to work until the process
// has probed the kernel's seccomp API, which cordon (its filters compiled at build time) skips.
class ExecListener {
 public:
  // Without blocking: the listener if it has come on `socket`, nullopt if nothing has yet. An
  // error if the box closed its end first (its set-up failed before the agent's step) or sent
  // anything but a seccomp listener.
  static Result<std::optional<ExecListener>> receive(int socket);

  int fd() const { return fd_.get(); }

  // One process about to exec, held in its execve until answered.
  struct Exec {
    uint64_t id;
    pid_t pid;  // in the supervisor's pid namespace
  };
  // The next waiting exec, after poll() found fd() readable; nullopt if its caller was killed
  // meanwhile. An error means the listener is broken (the box must end).
  Result<std::optional<Exec>> next();
  // Whether the caller still waits (so `pid` is still that process, not a reuse of its number).
  bool still_waiting(const Exec& exec) const;
  // The execve goes on (the kernel runs it as the caller made it).
  void go_on(const Exec& exec);
  // The execve fails with `err` (an errno) in the caller.
  void fail(const Exec& exec, int err);

 private:
  ExecListener(UniqueFd fd, size_t request_size, size_t response_size);
  void respond(uint64_t id, uint32_t flags, int error);
  UniqueFd fd_;
  // Sized as this kernel's structures (SECCOMP_GET_NOTIF_SIZES), which may outgrow this build's.
  std::vector<uint64_t> request_;
  std::vector<uint64_t> response_;
};

}  // namespace cordon::box
