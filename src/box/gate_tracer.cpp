// GateTracer: the tracer thread's loop. A process is seized when its execve stops in the exec
// listener; then it is on its way to its exec event, held for a reviewer, or being ended with
// status 126; an allowed one is released. Every exec event goes through the gate's decision.
#include "box/gate_tracer.h"

#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/log.h"
#include "base/signal_scope.h"
#include "base/syscalls.h"
#include "base/unique_fd.h"
#include "base/wakeup.h"
#include "box/exec_listener.h"
#include "box/loader_start.h"
#include "box/operand_paths.h"
#include "box/program_twins.h"
#include "box/tracee_exit.h"
#include "box/tracee_start.h"
#include "gate/program_environment.h"
#include "review/control_protocol.h"

namespace cordon::box {
namespace {

constexpr int kDeniedStatus = 126;
// No fork, vfork or clone events: children of a traced process are not traced (their own execs
// stop in the exec listener).
constexpr long kTraceOptions = PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;

// If a SIGCHLD is ever taken by a thread that does not block it, the tracer still looks.
constexpr int kSafetyPollMs = 200;

bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

// The command as one line for messages and the audit trail: shell-quoted, every control byte
// escaped (review::display_command: a program's argv must not drive the user's terminal), cut.
std::string shown_command(const std::vector<std::string>& argv) {
  std::string out = review::display_command(argv);
  return out.size() > 200 ? out.substr(0, 197) + "..." : out;
}

// The file that runs, for the audit trail: a copy is named with what it is a copy of.
// The variables of a held start's environment that change what it does, as the reviewer reads
// them; each value cut at 200 bytes (the argv is the command; this is a warning).
std::string environment_text(const std::vector<std::string>& environment) {
  std::string out;
  for (const std::string& entry : environment) {
    if (!out.empty()) out += ", ";
    out += entry.size() > 200 ? entry.substr(0, 200) + "..." : entry;
  }
  return out;
}

std::string environment_reason(const std::vector<std::string>& environment) {
  return "its environment sets " + environment_text(environment) +
         ": not in its argv, and these change what it does (code it loads, what it acts on)";
}

std::string what_runs(const gate::ProgramStart& start) {
  std::string out = start.copy_path.empty()
                        ? start.executable
                        : start.copy_path + " (a copy of " + start.executable + ")";
  if (!start.loader.empty()) out += " (through the dynamic loader " + start.loader + ")";
  if (!start.environment.empty()) out += " (with " + environment_text(start.environment) + ")";
  return out;
}

// A refusal longer than this is cut: a write of at most a pipe page into a pipe that polls
// writable cannot block (a longer one waits for a reader who may never read).
constexpr size_t kMaxMessage = 1024;

// Writes the refusal to the tracee's own stderr (a dup taken with pidfd_getfd), without ever
// blocking the tracer: a full pipe or a stopped terminal loses the message, never the refusal.
void tell_tracee(pid_t pid, std::string message) {
  if (message.size() > kMaxMessage) message = message.substr(0, kMaxMessage - 4) + "...\n";
  UniqueFd pidfd(sys::pidfd_open(pid, 0));
  if (!pidfd) return;
  UniqueFd err(sys::pidfd_getfd(pidfd.get(), STDERR_FILENO, 0));
  if (!err) return;
  pollfd p{err.get(), POLLOUT, 0};
  if (::poll(&p, 1, 0) != 1 || (p.revents & POLLOUT) == 0) return;
  (void)!::write(err.get(), message.data(), message.size());
}

}  // namespace

struct GateTracer::Impl {
  GateTracerOptions options;
  UniqueFd init_pidfd;
  Wakeup wake;  // a reviewer answered, or the session is ending
  std::thread thread;

  // Shared with the reviewers' threads and the supervisor.
  struct Answered {
    pid_t pid;
    review::ReviewItem item;
    review::ReviewOutcome outcome;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Answered> answered;
  std::optional<Error> setup_error;
  bool seized = false;
  std::optional<int> init_status;

  // The tracer thread's own.
  std::optional<ExecListener> listener;  // once the agent has sent it
  // kRunning: seized, on its way to its exec event (or back from a failed execve, until its
  // next one or its end); the init is always kRunning.
  enum class State { kRunning, kHeld, kEnding };
  struct Tracee {
    State state = State::kRunning;
    std::string review_id;
  };
  std::unordered_map<pid_t, Tracee> tracees;
  // /proc handles of seized processes, opened while their execve runs and taken at the exec
  // event. A process whose execve fails keeps its handles until its next exec or its end; the
  // cap keeps a box of such processes from running the supervisor out of descriptors (past
  // it, a start is read by number, as without handles).
  static constexpr size_t kMaxProcHandles = 64;
  std::unordered_map<pid_t, TraceeProcHandles> proc_handles;
  ProgramTwins twins;
  uint64_t wakeups = 0;      // for -vv: the loop must sleep between events, never spin
  uint64_t exec_events = 0;

  void run();
  void take_listener();
  void on_exec_notification();
  void handle(pid_t pid, int status);
  void on_exec(pid_t pid);
  void on_answers();
  void allow(pid_t pid, const gate::ProgramStart& start, const std::string& rule,
             const std::string& reason);
  void refuse(pid_t pid, const gate::ProgramStart& start, const std::string& rule,
              const std::string& reason);
  void hold(pid_t pid, const gate::ProgramStart& start, const gate::GateDecision& decision);
  void forget(pid_t pid);
};

namespace {

void resume(pid_t pid, int sig = 0) {
  // ESRCH: the tracee was killed meanwhile; its exit is reported next.
  ::ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(sig)));
}

// From a stop: runs on, untraced.
void release(pid_t pid) { ::ptrace(PTRACE_DETACH, pid, nullptr, nullptr); }

}  // namespace

void GateTracer::Impl::run() {
  // The thread blocks every signal (quiet_thread); it learns of stops through its own signalfd.
  // The supervisor's main thread blocks SIGCHLD too while the box runs (launch.cpp).
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  UniqueFd sigfd(::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
  {
    std::lock_guard lock(mutex);
    if (!sigfd) {
      setup_error = Error::system("signalfd for the gate");
    } else if (::ptrace(PTRACE_SEIZE, options.init_pid, nullptr, kTraceOptions) != 0) {
      setup_error = Error(Errc::kUnsupported, "the approval gate cannot trace the box", errno)
                        .with_hint(
                            "the gate decides every program start with ptrace; this machine "
                            "refuses it (check kernel.yama.ptrace_scope and any LSM policy), so a "
                            "gated profile cannot run here");
    } else {
      seized = true;
    }
    changed.notify_all();
    if (!seized) return;
  }
  tracees[options.init_pid] = Tracee{};

  for (;;) {
    const int socket = options.exec_listener_socket.get();
    pollfd fds[3] = {{sigfd.get(), POLLIN, 0},
                     {wake.fd(), POLLIN, 0},
                     {listener ? listener->fd() : socket, POLLIN, 0}};
    if (::poll(fds, fds[2].fd >= 0 ? 3 : 2, kSafetyPollMs) < 0 && errno != EINTR) {
      log::warn("gate: poll: " + std::string(std::strerror(errno)));
    }
    wakeups += 1;
    // Only what poll() reported is read: every syscall here delays the stop being waited on.
    if (listener && (fds[2].revents & POLLIN) != 0) {
      on_exec_notification();
    } else if (listener && fds[2].revents != 0) {
      // Hung up: every process that carried the exec filter has exited, and none can carry it
      // again (it is only inherited). poll() would say so at once, forever: kept, the listener
      // made this loop spin, holding a CPU while the init exited.
      listener.reset();
    } else if (!listener && fds[2].revents != 0) {
      take_listener();
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo infos[16];
      (void)!::read(sigfd.get(), infos, sizeof infos);  // the waitpid loop below takes them all
    }
    if (fds[1].revents != 0) {
      wake.drain();
      on_answers();
    }
    int status = 0;
    pid_t pid;
    // __WNOTHREAD: only this thread's tracees, never another child of cordon.
    while ((pid = ::waitpid(-1, &status, __WALL | __WNOTHREAD | WNOHANG)) > 0) {
      if (pid == options.init_pid && (WIFEXITED(status) || WIFSIGNALED(status))) {
        log::debug("gate: " + std::to_string(exec_events) + " program starts, " +
                   std::to_string(wakeups) + " wake-ups");
        std::lock_guard lock(mutex);
        init_status = status;
        changed.notify_all();
        return;  // the last of the box: the init is reaped after every other process
      }
      handle(pid, status);
    }
  }
}

void GateTracer::Impl::take_listener() {
  auto received = ExecListener::receive(options.exec_listener_socket.get());
  if (received.ok() && !received->has_value()) return;  // not yet
  options.exec_listener_socket.reset();
  if (received.ok()) {
    listener = std::move(**received);
    return;
  }
  // A box whose set-up failed reports its step on the error pipe; anything else is a box that
  // cannot be gated, so it ends (its agent would wait in its first execve forever).
  if (received.error().code() != Errc::kChildSetup) {
    log::warn("gate: " + received.error().describe() + "; the box is stopped");
    sys::pidfd_send_signal(init_pidfd.get(), SIGKILL, nullptr, 0);
  }
}

void GateTracer::Impl::on_exec_notification() {
  auto next = listener->next();
  if (!next.ok()) {
    // Nothing could be answered any more: the box ends rather than wait or run undecided.
    log::warn("gate: " + next.error().describe() + "; the box is stopped");
    sys::pidfd_send_signal(init_pidfd.get(), SIGKILL, nullptr, 0);
    listener.reset();
    return;
  }
  const auto& exec = *next;
  if (!exec) return;
  if (tracees.count(exec->pid) == 0) {
    if (::ptrace(PTRACE_SEIZE, exec->pid, nullptr, kTraceOptions) != 0) {
      const int err = errno;
      if (!listener->still_waiting(*exec)) return;  // killed meanwhile
      // Untraceable means undecidable: the exec does not happen (a process already traced in
      // the box, by a debugger there, ends up here).
      log::warn("gate: cannot trace process " + std::to_string(exec->pid) + " (" +
                std::strerror(err) + "); its exec is refused");
      listener->fail(*exec, EPERM);
      return;
    }
    // If the caller was killed and its number reused between the notification and the seize,
    // the process seized is a stranger: it stays traced, and its own next exec is decided.
    tracees[exec->pid] = Tracee{};
  }
  listener->go_on(*exec);
  // While the execve runs (on another CPU, as a rule), not at its exec event, where the program
  // waits for them.
  if (proc_handles.size() < kMaxProcHandles && proc_handles.count(exec->pid) == 0) {
    if (auto handles = open_tracee_proc(exec->pid); handles.ok()) {
      proc_handles.emplace(exec->pid, std::move(*handles));
    }
  }
}

void GateTracer::Impl::handle(pid_t pid, int status) {
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    forget(pid);
    return;
  }
  if (!WIFSTOPPED(status)) return;
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;
  if (event == PTRACE_EVENT_EXEC) {
    // A thread other than the leader that execs takes the leader's number at this stop.
    unsigned long former = 0;
    if (::ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &former) == 0 &&
        static_cast<pid_t>(former) != pid) {
      auto it = tracees.find(static_cast<pid_t>(former));
      if (it != tracees.end()) {
        tracees[pid] = std::move(it->second);
        tracees.erase(it);
      }
      // Their numbers changed hands: this start is read by number.
      proc_handles.erase(static_cast<pid_t>(former));
      proc_handles.erase(pid);
    }
  }
  Tracee& tracee = tracees[pid];
  if (tracee.state == State::kEnding) {
    // A refused image must never run. The one stop it may come back with is its execve's
    // syscall-exit, where exit_group(126) is arranged; any other (a signal on its way) ends it.
    if (event == 0 && sig == (SIGTRAP | 0x80) && arrange_exit(pid, kDeniedStatus)) {
      resume(pid);
    } else {
      ::kill(pid, SIGKILL);
    }
    return;
  }
  switch (event) {
    case PTRACE_EVENT_EXEC:
      on_exec(pid);
      return;
    case PTRACE_EVENT_STOP:
      // A group stop (job control) stays stopped until SIGCONT; anything else (a stop the seize
      // caught on its way) goes on.
      if (is_stop_signal(sig)) {
        ::ptrace(PTRACE_LISTEN, pid, nullptr, nullptr);
      } else {
        resume(pid);
      }
      return;
    default:
      break;
  }
  // Syscall stops are asked for only when ending a refused image (above); a signal on its way
  // to the tracee is delivered.
  resume(pid, sig == (SIGTRAP | 0x80) ? 0 : sig);
}

void GateTracer::Impl::on_exec(pid_t pid) {
  exec_events += 1;
  // Closed when this returns, after the program's release.
  auto handles = proc_handles.extract(pid);
  auto start = handles ? read_tracee_start(handles.mapped()) : read_tracee_start(pid);
  if (!start.ok() && handles) start = read_tracee_start(pid);
  if (!start.ok()) {
    // Unreadable means undecidable: the start does not happen.
    log::warn("gate: " + start.error().describe());
    ::kill(pid, SIGKILL);
    return;
  }
  // A renamed copy of a system program is judged as that program; a file that cannot be
  // compared is not run.
  auto twin = twins.twin_of(pid, start->executable);
  if (!twin.ok()) {
    refuse(pid, *start, "undecidable", twin.error().describe());
    return;
  }
  if (*twin) {
    start->copy_path = std::move(start->executable);
    start->executable = std::move(**twin);
  }
  // Started through the dynamic loader: judged as the program the loader is told to run.
  if (auto loaded = judge_loaded_program(pid, *start, twins); !loaded.ok()) {
    refuse(pid, *start, "undecidable", loaded.error().describe());
    return;
  }
  // A program that takes arguments from its environment (terraform's TF_CLI_ARGS) is judged with
  // them; the start itself keeps the argv it was given, and the variables show beside it.
  bool environment_read = false;
  std::optional<gate::ProgramStart> with_arguments;
  if (gate::takes_arguments_from_environment(*start)) {
    auto environment = read_tracee_environment(pid);
    if (!environment.ok()) {
      refuse(pid, *start, "undecidable", environment.error().describe());
      return;
    }
    start->environment = std::move(*environment);
    environment_read = true;
    if (auto argv = gate::argv_with_environment_arguments(*start, start->environment)) {
      with_arguments = *start;
      with_arguments->argv = std::move(*argv);
    }
  }
  const gate::ProgramStart& judged = with_arguments ? *with_arguments : *start;
  gate::GateDecision decision = options.decide(judged);
  // Paths are judged as text; where an operand goes through a symlink, the paths it reaches are
  // judged too, and the stricter decision holds.
  if (decision.action != gate::Action::kDeny) {
    auto reached = start_through_symlinks(pid, judged);
    if (!reached.ok()) {
      refuse(pid, *start, "undecidable", reached.error().describe());
      return;
    }
    if (*reached) {
      gate::GateDecision through = options.decide(**reached);
      if (through.action > decision.action) {
        decision = std::move(through);
        decision.reason += " (through symlinks: " + shown_command((*reached)->argv) + ")";
      }
    }
  }
  if (decision.action == gate::Action::kAsk) {
    // What its argv does not show, the reviewer sees, and a session grant covers only the same.
    if (!environment_read) {
      auto environment = read_tracee_environment(pid);
      if (!environment.ok()) {
        refuse(pid, *start, "undecidable", environment.error().describe());
        return;
      }
      start->environment = std::move(*environment);
    }
    if (options.reviews != nullptr && options.reviews->granted(*start)) {
      allow(pid, *start, "session grant", "a reviewer allowed this exact command for the session");
      return;
    }
    if (!start->environment.empty()) {
      decision.risk.reasons.insert(decision.risk.reasons.begin(),
                                   environment_reason(start->environment));
    }
  }
  switch (decision.action) {
    case gate::Action::kAllow:
      allow(pid, *start, decision.rule, decision.reason);
      return;
    case gate::Action::kDeny:
      refuse(pid, *start, decision.rule, decision.reason);
      return;
    case gate::Action::kAsk:
      if (options.reviews == nullptr) {
        refuse(pid, *start, decision.rule,
               decision.reason + "; it needs a reviewer and this session has none");
        return;
      }
      hold(pid, *start, decision);
      return;
  }
}

void GateTracer::Impl::allow(pid_t pid, const gate::ProgramStart& start, const std::string& rule,
                             const std::string& reason) {
  // The audit row is sent before the program runs; a start that could not be recorded does
  // not run (the supervisor is stopping the box meanwhile).
  if (!options.emit(events::ProgramStarted{options.session_id, start.argv, what_runs(start),
                                           events::Decision::kAllow, rule, reason})) {
    ::kill(pid, SIGKILL);
    return;
  }
  if (pid == options.init_pid) {
    tracees[pid].state = State::kRunning;
    resume(pid);
    return;
  }
  tracees.erase(pid);
  release(pid);
}

void GateTracer::Impl::refuse(pid_t pid, const gate::ProgramStart& start, const std::string& rule,
                              const std::string& reason) {
  options.emit(events::ProgramStarted{options.session_id, start.argv, what_runs(start),
                                      events::Decision::kDeny, rule, reason});
  tell_tracee(pid, "cordon: refused `" + shown_command(start.argv) +
                       "`: " + review::display_text(reason) + " (rule: " +
                       review::display_text(rule) + ")\n");
  tracees[pid].state = State::kEnding;
  // On to the execve's syscall-exit-stop, where the exit is arranged (handle()).
  if (::ptrace(PTRACE_SYSCALL, pid, nullptr, nullptr) != 0) ::kill(pid, SIGKILL);
}

void GateTracer::Impl::hold(pid_t pid, const gate::ProgramStart& start,
                            const gate::GateDecision& decision) {
  review::ReviewItem item;
  item.session_id = options.session_id;
  item.start = start;
  item.decision = decision;
  item.reviewers_needed = decision.reviewers;
  const std::string id = options.reviews->submit(
      std::move(item), [this, pid](const review::ReviewItem& done, const review::ReviewOutcome& o) {
        std::lock_guard lock(mutex);
        answered.push_back(Answered{pid, done, o});
        wake.poke();
      });
  tracees[pid] = Tracee{State::kHeld, id};
  options.emit(events::ApprovalRequested{options.session_id, id, shown_command(start.argv),
                                         gate::to_string(decision.risk.level)});
  log::info("gate: holding `" + shown_command(start.argv) + "` for review (" + id +
            "): cordon approvals approve " + id);
}

void GateTracer::Impl::on_answers() {
  std::vector<Answered> batch;
  {
    std::lock_guard lock(mutex);
    batch.swap(answered);
  }
  for (auto& a : batch) {
    auto it = tracees.find(a.pid);
    if (it == tracees.end() || it->second.state != State::kHeld ||
        it->second.review_id != a.item.id) {
      continue;  // the program died while held
    }
    std::string reviewers;
    for (const auto& r : a.outcome.reviewers) reviewers += (reviewers.empty() ? "" : ",") + r;
    options.emit(events::ApprovalAnswered{
        options.session_id, a.item.id, reviewers, a.outcome.channel,
        a.outcome.approved ? events::Decision::kAllow : events::Decision::kDeny,
        a.outcome.latency});
    if (a.outcome.approved) {
      allow(a.pid, a.item.start, a.item.decision.rule, "approved by " + reviewers);
    } else if (a.outcome.timed_out) {
      refuse(a.pid, a.item.start, a.item.decision.rule,
             a.item.decision.reason + "; no reviewer answered in time");
    } else {
      refuse(a.pid, a.item.start, a.item.decision.rule,
             "denied by " + reviewers + (a.outcome.reason.empty() ? "" : ": " + a.outcome.reason));
    }
  }
}

void GateTracer::Impl::forget(pid_t pid) {
  proc_handles.erase(pid);
  auto it = tracees.find(pid);
  if (it == tracees.end()) return;
  if (it->second.state == State::kHeld && options.reviews != nullptr) {
    options.reviews->cancel(it->second.review_id);
  }
  tracees.erase(it);
}

GateTracer::GateTracer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<GateTracer>> GateTracer::start(GateTracerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->twins = ProgramTwins(default_path_dirs(), impl->options.writable_paths);
  impl->init_pidfd = UniqueFd(sys::pidfd_open(impl->options.init_pid, 0));
  if (!impl->init_pidfd) return Error::system("pidfd_open the box init");
  CORDON_ASSIGN_OR_RETURN(impl->wake, Wakeup::create());
  Impl* raw = impl.get();
  impl->thread = quiet_thread([raw] { raw->run(); });
  std::unique_lock lock(impl->mutex);
  impl->changed.wait(lock, [raw] { return raw->seized || raw->setup_error.has_value(); });
  if (impl->setup_error) {
    Error error = *impl->setup_error;
    lock.unlock();
    impl->thread.join();
    return error;
  }
  lock.unlock();
  return std::unique_ptr<GateTracer>(new GateTracer(std::move(impl)));
}

GateTracer::~GateTracer() {
  bool running;
  {
    std::lock_guard lock(impl_->mutex);
    running = !impl_->init_status.has_value();
  }
  if (running) sys::pidfd_send_signal(impl_->init_pidfd.get(), SIGKILL, nullptr, 0);
  impl_->wake.poke();
  impl_->thread.join();
  // Every tracee is gone; no review may outlive the session it would resume.
  for (const auto& [pid, tracee] : impl_->tracees) {
    if (tracee.state == Impl::State::kHeld && impl_->options.reviews != nullptr) {
      impl_->options.reviews->cancel(tracee.review_id);
    }
  }
}

int GateTracer::wait_init() {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait(lock, [this] { return impl_->init_status.has_value(); });
  return *impl_->init_status;
}

std::optional<std::string> ptrace_unavailable_reason(bool is_root) {
  std::ifstream in("/proc/sys/kernel/yama/ptrace_scope");
  int scope = 0;
  if (!(in >> scope)) return std::nullopt;  // no Yama: the classic ptrace rules hold
  return ptrace_refusal_for_scope(scope, is_root);
}

std::optional<std::string> ptrace_refusal_for_scope(std::optional<int> yama_scope, bool is_root) {
  if (!yama_scope) return std::nullopt;
  const int scope = *yama_scope;
  // Scopes 0 and 1 let cordon trace the box: it is the box's ancestor.
  if (scope >= 3) {
    return "kernel.yama.ptrace_scope is 3: this kernel allows no process tracing at all, until "
           "reboot";
  }
  if (scope == 2 && !is_root) {
    return "kernel.yama.ptrace_scope is 2: only root may trace processes";
  }
  return std::nullopt;
}

}  // namespace cordon::box
