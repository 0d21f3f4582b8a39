// Internal to box/: the pieces of run_box() that the supervisor's event loop needs.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>

#include "base/result.h"
#include "base/unique_fd.h"
#include "box/cgroup.h"
#include "box/child_plan.h"
#include "box/launch.h"
#include "box/terminal.h"

namespace cordon::box {

// What the loop learns while the box runs.
struct LoopOutcome {
  std::optional<InitMessage> agent_exit;  // the init's report of the agent's exit
  std::optional<StepFailure> setup_failure;
  bool timed_out = false;
  bool recorder_lost = false;  // the audit writer hung up: the box was killed
  int init_wait_status = 0;
};

struct LoopInputs {
  int init_pidfd;
  int control_fd;  // parent's end of the control socket
  int error_fd;    // read end of the StepFailure pipe
  std::optional<uint64_t> timeout_seconds;
  CgroupSession* cgroup;  // may be null
  bool relay_input = true;  // see LaunchRequest::relay_input
  TerminalHold* terminal_hold = nullptr;  // see LaunchRequest::terminal_hold
  // Reaps the init and returns its wait status; null means waitid on init_pidfd. When the gate
  // traces the box, only its tracer may wait on the init (a wait here could take a ptrace stop).
  std::function<int()> reap_init;
  // Called once when the init reports the program's exit, before the init has ended (ending a
  // pid namespace and its mounts takes a few hundred microseconds): the caller's teardown can
  // start meanwhile. May be null.
  std::function<void()> on_program_exit;
  // The audit writer's socket (-1 if none): when it hangs up, nothing the box does can be
  // recorded any more, so the loop kills the box (the audit trail fails closed even while no
  // event is emitted). Only the hang-up is watched; the socket is read elsewhere.
  int recorder_hangup_fd = -1;
};

// Runs until the box init has exited: relays the terminal, forwards signals to the init, kills
// the box at the timeout or when the audit writer hangs up, samples resource use. `signals` is
// a signalfd for the supervised set.
Result<LoopOutcome> supervise_box(const LoopInputs& in, int signal_fd);

}  // namespace cordon::box
