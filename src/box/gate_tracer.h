// GateTracer: the approval gate's enforcement. Every execve in the box stops in a seccomp
// notification (box/exec_listener.h); the tracer seizes the caller with ptrace, lets the call go
// on, and decides the program start at its exec event, before the new image runs an
// instruction. An allowed program is released (detached) and runs untraced.
//
// Why decide at the exec event and not at the notification: the notification shows the execve
// arguments while they are still in the caller's memory, where another thread (or a process
// sharing that memory) can change them after the check. At the exec event the new image exists,
// its argv was copied by the kernel, and no other thread is left: what is decided is what runs.
// The notification only says who is about to exec, so that it is traced before it does.
//
// Why not trace every process all the time (fork, clone and exit events): every fork, every new
// process's first stop and every exit would wait for the tracer; a shell loop of program starts
// ran 1.57x slower gated (bench/README.md). Only an exec now waits, twice (its notification and
// its exec event).
//
// Runs as: a thread of the supervisor (the user's uid, host namespaces); every ptrace request
// comes from it. The box's init is seized before it starts the agent (so that a machine that
// refuses ptrace stops a gated session before the program runs, and so that the tracer reaps
// the init); the init never execs. If the thread ends, PTRACE_O_EXITKILL kills every tracee and
// the init, and the box with it: the gate never fails open.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "events/session_events.h"
#include "gate/gate.h"
#include "review/review_queue.h"

namespace cordon::box {

struct GateTracerOptions {
  pid_t init_pid = -1;
  // The supervisor's end of the socket the agent sends its exec listener on (ChildPlan::gate_fd).
  UniqueFd exec_listener_socket;
  std::string session_id;
  // Decides one start (normally gate::Gate::decide). Called on the tracer thread.
  std::function<gate::GateDecision(const gate::ProgramStart&)> decide;
  // Where `ask` decisions wait for a reviewer; null means nobody can answer, so asks are refused.
  review::ReviewQueue* reviews = nullptr;
  // Records a decision (normally to the audit trail) before it takes effect; false when it could
  // not be recorded (the audit writer is gone): a start whose decision was not recorded does not
  // run.
  std::function<bool(const events::Event&)> emit;
  // The box's writable binds (workspace, `write` paths): a program there is never taken for a
  // system program, even beneath a system directory (a workspace under /opt).
  std::vector<std::string> writable_paths;
};

class GateTracer {
 public:
  // Seizes the init (whose agent must not have exec'd: it waits for the go) and starts tracing.
  // An error means the box cannot be gated (a ptrace policy such as Yama's scope 3): the caller
  // must not start the program.
  static Result<std::unique_ptr<GateTracer>> start(GateTracerOptions options);
  // Kills the box if it still runs, reaps every tracee and stops the thread.
  ~GateTracer();
  GateTracer(const GateTracer&) = delete;
  GateTracer& operator=(const GateTracer&) = delete;

  // The init's wait status (as from waitpid), once it has exited; blocks until then. The tracer
  // reaps the init itself: a wait on it elsewhere could take one of its ptrace stops.
  int wait_init();

  struct Impl;

 private:
  explicit GateTracer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Why the gate cannot run here, or nothing: reads the Yama ptrace scope.
std::optional<std::string> ptrace_unavailable_reason(bool is_root);
// The same for a given scope (nullopt: no Yama on this kernel).
std::optional<std::string> ptrace_refusal_for_scope(std::optional<int> yama_scope, bool is_root);

}  // namespace cordon::box
