// ChildPlan: everything the box init and the agent need, prepared by the parent before clone.
// The child only reads it (its copy-on-write copy of the parent's memory); it never allocates.
#pragma once

#include <linux/filter.h>
#include <sys/ioctl.h>

#include "box/box_network.h"
#include "box/mounts.h"
#include "box/rlimits.h"

namespace cordon::box {

// Messages the init sends the supervisor on the control socket (SOCK_SEQPACKET).
struct InitMessage {
  enum Kind : int32_t { kAgentExited = 1 } kind;
  int32_t exit_code;  // valid when signal == 0
  int32_t signal;
};
constexpr char kTagPtyMaster = 'P';
// Supervisor -> init: the box may start its program.
constexpr char kTagGo = 'G';

struct ChildPlan {
  int control_fd = -1;  // init's end of the control socket
  uid_t uid = 0;        // the user's ids, mapped to themselves by the init
  gid_t gid = 0;
  int cgroup_join[4] = {-1, -1, -1, -1};  // v1 tasks / v2 cgroup.procs, opened by the supervisor
  int error_fd = -1;    // write end of the CLOEXEC StepFailure pipe
  ChildMounts mounts;
  const char* hostname = "cordon";
  BoxNetworkPlan network;  // proxy mode: capture and listeners (see box_network.h)

  // Terminal: when use_pty, fds 0-2 that are terminals (is_tty) are replaced by the box's pty.
  bool use_pty = false;
  bool is_tty[3] = {false, false, false};
  bool has_size = false;
  winsize size{};
  int stdout_fd = -1;  // when >= 0, becomes the agent's stdout (verify's report file)

  // Agent.
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* path = nullptr;  // PATH value for the program lookup (from envp)
  const char* cwd = nullptr;
  RlimitPlan rlimits;
  int landlock_fd = -1;  // -1: no Landlock (best-effort policy on a kernel without it)
  sock_fprog seccomp{};
  // Gated sessions: the agent installs `exec_notify` and sends its listener to the supervisor
  // on `gate_fd` (its end of a socket pair), then closes both. -1: no gate.
  int gate_fd = -1;
  sock_fprog exec_notify{};
};

// The box init (pid 1 in the box). Never returns.
[[noreturn]] void run_box_init(const ChildPlan& plan);

// The agent (pid 2): drops everything and execs the program. Never returns.
[[noreturn]] void run_agent(const ChildPlan& plan, int pty_slave);

// Writes a StepFailure to the error pipe and exits (child side).
[[noreturn]] void report_and_exit(int error_fd, Step step, int err, int detail = -1);

}  // namespace cordon::box
