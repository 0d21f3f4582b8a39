// The agent process (pid 2 in the box): gives up everything, then execs the program.
//
// Runs as: the user's uid in the box's user namespace, forked by the box init, starting with the
// init's capabilities over the box's namespaces; leaves with none. The order is the security
// argument: each step needs what the previous ones have not taken away yet, and seccomp, which
// would refuse some of the earlier syscalls, is always last before the supervisor's go and exec.
// Between fork and exec: no allocation, no exceptions; failures are StepFailure records.
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "base/syscalls.h"
#include "box/capabilities.h"
#include "box/child_plan.h"
#include "box/exec_listener.h"
#include "box/landlock.h"
#include "box/seccomp.h"

namespace cordon::box {
namespace {

void reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // some fail: fine
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

int connect_terminal(const ChildPlan& plan, int slave) {
  if (plan.use_pty && slave >= 0) {
    if (::ioctl(slave, TIOCSCTTY, 0) != 0) return -errno;
    for (int fd = 0; fd < 3; ++fd) {
      if (plan.is_tty[fd] && ::dup2(slave, fd) < 0) return -errno;
    }
    if (slave > 2) ::close(slave);
  }
  if (plan.stdout_fd >= 0) {
    if (::dup2(plan.stdout_fd, STDOUT_FILENO) < 0) return -errno;
  }
  return 0;
}

// Closes every fd but 0-2 and the ones still needed before exec (all CLOEXEC; -1 for none).
int close_inherited_fds(int keep_a, int keep_b, int keep_c, int keep_d) {
  int keep[4] = {keep_a, keep_b, keep_c, keep_d};
  std::sort(std::begin(keep), std::end(keep));  // in place: no allocation
  unsigned first = 3;
  for (int fd : keep) {
    if (fd < 3 || static_cast<unsigned>(fd) < first) continue;
    if (static_cast<unsigned>(fd) > first &&
        sys::close_range(first, static_cast<unsigned>(fd) - 1, 0) != 0) {
      return -errno;
    }
    first = static_cast<unsigned>(fd) + 1;
  }
  if (sys::close_range(first, ~0U, 0) != 0) return -errno;
  return 0;
}

// execve with a PATH search over the box's PATH (execvpe would use cordon's own environment).
// A directory without the program is skipped before any execve: in a gated session every execve
// is a round trip to the supervisor's tracer, a failing one too (about 65 us each here).
int exec_program(const ChildPlan& plan) {
  const char* file = plan.argv[0];
  if (std::strchr(file, '/') != nullptr) {
    ::execve(file, plan.argv, plan.envp);
    return -errno;
  }
  int result = -ENOENT;
  const char* p = plan.path ? plan.path : "/usr/bin:/bin";
  char candidate[PATH_MAX];
  const size_t file_len = std::strlen(file);
  while (*p) {
    const char* colon = std::strchr(p, ':');
    size_t dir_len = colon ? static_cast<size_t>(colon - p) : std::strlen(p);
    if (dir_len > 0 && dir_len + 1 + file_len + 1 <= sizeof candidate) {
      std::memcpy(candidate, p, dir_len);
      candidate[dir_len] = '/';
      std::memcpy(candidate + dir_len + 1, file, file_len + 1);
      if (::access(candidate, F_OK) == 0 || (errno != ENOENT && errno != ENOTDIR)) {
        ::execve(candidate, plan.argv, plan.envp);
        if (errno == EACCES) {
          result = -EACCES;  // keep looking, but remember (as execvp does)
        } else if (errno != ENOENT && errno != ENOTDIR) {
          return -errno;
        }
      }
    }
    if (!colon) break;
    p = colon + 1;
  }
  return result;
}

}  // namespace

void run_agent(const ChildPlan& plan, int slave) {
  const int efd = plan.error_fd;
  reset_signals();
  // 1. Own session and process group: no controlling terminal of the host's.
  if (::setsid() < 0) report_and_exit(efd, Step::kAgentSession, errno);
  // 2. The box's terminal (or the inherited non-terminal stdio).
  if (int rc = connect_terminal(plan, slave); rc != 0) report_and_exit(efd, Step::kAgentStdio, -rc);
  // 3. Nothing inherited beyond 0-2 (the error pipe and Landlock ruleset close at exec/step 8;
  //    the gate's socket at step 9; the control socket, which brings the go, at step 11).
  if (int rc = close_inherited_fds(efd, plan.landlock_fd, plan.gate_fd, plan.control_fd);
      rc != 0) {
    report_and_exit(efd, Step::kCloseFds, -rc);
  }
  // 4. Resource limits.
  int failed_index = -1;
  if (int rc = apply_rlimits(plan.rlimits, &failed_index); rc != 0) {
    report_and_exit(efd, Step::kRlimits, -rc, failed_index);
  }
  // 5. Working directory.
  if (::chdir(plan.cwd) != 0) report_and_exit(efd, Step::kChdir, errno);
  // 6. No capability in any set, none to be regained by exec.
  if (int rc = drop_all_capabilities(); rc != 0) report_and_exit(efd, Step::kDropCapabilities, -rc);
  // 7. no_new_privs: setuid bits and file capabilities mean nothing from here on.
  if (int rc = set_no_new_privs(); rc != 0) report_and_exit(efd, Step::kNoNewPrivs, -rc);
  // 8. Landlock.
  if (plan.landlock_fd >= 0) {
    if (int rc = landlock_restrict_raw(plan.landlock_fd); rc != 0) {
      report_and_exit(efd, Step::kLandlock, -rc);
    }
    ::close(plan.landlock_fd);
  }
  // 9. A gated session's exec listener, to the supervisor (box/exec_listener.h).
  if (plan.gate_fd >= 0) {
    if (int rc = send_exec_listener(plan.exec_notify, plan.gate_fd); rc != 0) {
      report_and_exit(efd, Step::kGateListener, -rc);
    }
    ::close(plan.gate_fd);
  }
  // 10. Seccomp, last.
  if (int rc = install_seccomp(plan.seccomp); rc != 0) report_and_exit(efd, Step::kSeccomp, -rc);
  // 11. The supervisor's go: no program runs before its sinks (the audit store) are ready and,
  //     in a gated session, its tracer answers execs. The steps above ran meanwhile.
  char go = 0;
  ssize_t got;
  do {
    got = ::recv(plan.control_fd, &go, 1, 0);
  } while (got < 0 && errno == EINTR);
  if (got != 1 || go != kTagGo) {
    report_and_exit(efd, Step::kAwaitSupervisor, got < 0 ? errno : EPIPE);
  }
  ::close(plan.control_fd);
  // 12. Exec.
  int rc = exec_program(plan);
  report_and_exit(efd, Step::kExec, -rc);
}

}  // namespace cordon::box
