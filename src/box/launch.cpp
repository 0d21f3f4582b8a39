// run_box(): the supervisor's side of a session, as one readable list of steps.
//
// Runs as: the user who started cordon (root or not), in the host's namespaces. The box's side
// of the launch is box_init.cpp (pid 1) and agent.cpp (pid 2); docs/launch-sequence.md has both.
#include "box/launch.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <optional>

#include "base/log.h"
#include "base/signal_scope.h"
#include "base/syscalls.h"
#include "box/clone_init.h"
#include "box/egress.h"
#include "box/gate_tracer.h"
#include "box/landlock.h"
#include "box/mount_plan.h"
#include "box/preflight.h"
#include "box/seccomp.h"
#include "box/supervisor.h"
#include "box/userns.h"
#include "box/walls.h"
#include "policy/egress_config.h"

namespace cordon::box {
namespace {

// Forwarded to the box (SIGWINCH resizes its terminal; SIGCHLD is only drained). SIGPIPE is
// ignored by the CLI instead: a closed user terminal is not the box's business.
constexpr int kSupervisedSignals[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                                      SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};

// argv/envp as the NULL-terminated char* arrays execve wants, owned by the parent.
struct CStrings {
  explicit CStrings(const std::vector<std::string>& items) {
    for (const auto& s : items) ptrs.push_back(const_cast<char*>(s.c_str()));
    ptrs.push_back(nullptr);
  }
  std::vector<char*> ptrs;
};

// Signals blocked while the box is built; restored when run_box returns.
class SignalMask {
 public:
  SignalMask() { ::sigprocmask(SIG_SETMASK, nullptr, &saved_); }
  ~SignalMask() { ::sigprocmask(SIG_SETMASK, &saved_, nullptr); }
  void block_all() {
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
  }
  static sigset_t supervised() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kSupervisedSignals) sigaddset(&set, s);
    return set;
  }
  void block_supervised() {
    sigset_t set = supervised();
    ::sigprocmask(SIG_SETMASK, &set, nullptr);
  }

 private:
  sigset_t saved_{};
};

std::string describe_failure(const StepFailure& f, const MountPlan& mounts,
                             const LaunchRequest& req) {
  std::string what = std::string(step_name(f.step)) + " (" + step_description(f.step) + ")";
  if (f.detail >= 0 && static_cast<size_t>(f.detail) < mounts.ops.size() &&
      f.step >= Step::kOpenMountSources && f.step <= Step::kMountRun) {
    what += ": " + mounts.ops[static_cast<size_t>(f.detail)].describe();
    if (f.sys_errno == ESTALE) what += ": the path changed while the box was being built";
  }
  if (f.step == Step::kExec) what = "start `" + req.command.front() + "`";
  return what;
}

Error setup_error(const StepFailure& f, const MountPlan& mounts, const LaunchRequest& req) {
  if (f.step == Step::kExec && (f.sys_errno == ENOENT || f.sys_errno == ENOTDIR)) {
    return Error(Errc::kNotFound,
                 "cannot start `" + req.command.front() + "`: not found in the box")
        .with_hint(
            "the box shows /usr, /bin, /sbin, /lib*, /etc, /opt and the workspace; a "
            "program installed under your home (e.g. ~/.local/bin) needs `read = "
            "[\"~/.local/bin/NAME\", ...]` in [filesystem], with whatever it loads");
  }
  Error e(Errc::kChildSetup, "cannot build the box: " + describe_failure(f, mounts, req),
          f.sys_errno);
  if (f.sys_errno == EPERM || f.sys_errno == EACCES) {
    if (auto hint = apparmor_userns_restriction_hint()) e.with_hint(*hint);
  }
  return e;
}

// With -vv, how long each supervisor step took (start-up speed is a goal: see bench/).
class StepClock {
 public:
  void mark(const char* what) {
    if (!log::enabled(log::Level::kDebug)) return;
    const auto now = std::chrono::steady_clock::now();
    log::debug(
        std::string(what) + ": " +
        std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count()) +
        " us");
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// True when the box has written a StepFailure it has not been asked for yet: an agent step
// before the go can fail, and end the box, while the supervisor still starts its side (the
// record stays in the pipe for the supervision loop to read).
bool box_reported_failure(int error_fd) {
  pollfd p{error_fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

// The box's cgroup and how its init enters it (the kernel checks the opener's credentials, so
// the supervisor opens what the init uses).
struct BoxCgroup {
  std::unique_ptr<CgroupSession> session;
  CgroupEntry entry;
};

Result<BoxCgroup> make_box_cgroup(const policy::ResourcePolicy* resources,
                                  const std::string* session_id) {
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<CgroupSession> session,
                          CgroupSession::create(*resources, *session_id));
  CORDON_ASSIGN_OR_RETURN(CgroupEntry entry, session->open_entry());
  return BoxCgroup{std::move(session), std::move(entry)};
}

// Step 2's input: the filesystem view the request asks for.
MountPlanInput mount_plan_input(const LaunchRequest& req, int landlock_abi) {
  MountPlanInput input;
  input.filesystem = &req.policy->filesystem;
  input.workspace = req.workspace;
  input.home = req.home;
  input.persist_home_dir = req.persist_home_dir;
  input.state_dir = req.state_dir;
  input.cordon_dirs = req.cordon_dirs;
  input.private_paths = req.private_paths;
  input.extra_protected_paths = req.extra_protected_paths;
  input.landlock_abi = landlock_abi;
  for (const auto& f : req.extra_files) input.extra_files.emplace_back(f.host_path, f.box_path);
  return input;
}

}  // namespace

Result<void> check_buildable(const LaunchRequest& req) {
  const int abi = landlock_abi();
  CORDON_TRY(check_landlock(abi, req.policy->filesystem.landlock.value));
  MountPlanInput input = mount_plan_input(req, abi);
  input.check_only = true;
  CORDON_TRY(plan_mounts(input));
  return Ok{};
}

int LaunchResult::status() const {
  if (timed_out) return 124;
  if (signal) return 128 + *signal;
  return exit_code.value_or(125);
}

namespace {

// Serialises events from the supervisor, the gate's tracer and the egress proxy's thread;
// remembers whether a SetupFailed event went out, so that every failure is reported once; and
// stops the box at the first event that could not be recorded (the audit trail fails closed).
class SessionEvents : public events::EventSink {
 public:
  explicit SessionEvents(events::EventSink& next) : next_(next) {}
  void emit(const events::Event& event) override { emit_all(std::span(&event, 1)); }
  void emit_all(std::span<const events::Event> events) override {
    std::lock_guard lock(mutex_);
    pass_on(events);
  }
  // emit() that says whether the event was recorded: one lock on a program start's path.
  bool record(const events::Event& event) {
    std::lock_guard lock(mutex_);
    pass_on(std::span(&event, 1));
    return !lost_;
  }
  Result<void> wait_ready() override { return next_.wait_ready(); }
  bool lost() const override {
    std::lock_guard lock(mutex_);
    return lost_;
  }
  int hangup_fd() const override {
    std::lock_guard lock(mutex_);
    return next_.hangup_fd();
  }
  bool reported() const {
    std::lock_guard lock(mutex_);
    return reported_;
  }
  // Runs `stop` once, in the thread whose event was not recorded, before that event's decision
  // takes effect (at once if one was lost already). Null clears it.
  void stop_when_lost(std::function<void()> stop) {
    std::lock_guard lock(mutex_);
    stop_ = std::move(stop);
    if (lost_ && stop_) stop_();
  }

 private:
  void pass_on(std::span<const events::Event> events) {
    for (const events::Event& event : events) {
      reported_ = reported_ || std::holds_alternative<events::SetupFailed>(event);
    }
    next_.emit_all(events);
    if (!lost_ && next_.lost()) {
      lost_ = true;
      if (stop_) stop_();
    }
  }

  events::EventSink& next_;
  mutable std::mutex mutex_;
  bool reported_ = false;
  bool lost_ = false;
  std::function<void()> stop_;
};

Result<LaunchResult> run_session(const LaunchRequest& req, SessionEvents& events);

Error audit_lost_error() {
  return Error(Errc::kSystem,
               "the audit writer stopped during the session, so cordon stopped the box: no "
               "decision may take effect unrecorded")
      .with_hint(
          "the writer's own error, if it left one, is above; `cordon audit verify` checks what "
          "was stored");
}

}  // namespace

Result<LaunchResult> run_box(const LaunchRequest& req, events::EventSink& events) {
  SessionEvents watch(events);
  auto result = run_session(req, watch);
  if (!result.ok() && !watch.reported()) {
    // A failure before the box existed (policy paths, Landlock, cgroup, ...).
    events.emit(events::SetupFailed{req.session_id, step_name(Step::kPreflight),
                                    result.error().sys_errno(), result.error().describe()});
  }
  return result;
}

namespace {

Result<LaunchResult> run_session(const LaunchRequest& req, SessionEvents& events) {
  const auto started = std::chrono::steady_clock::now();
  const policy::Policy& policy = *req.policy;
  ChildPlan plan;
  StepClock clock;

  // Step 6 (resources) starts first, on another CPU: it needs nothing from steps 1-5, and the
  // mkdir of a v1 memory cgroup alone takes a few hundred microseconds. On an early return the
  // future waits for it, and the session's destructor removes the cgroup.
  std::future<Result<BoxCgroup>> cgroup_made =
      quiet_async(make_box_cgroup, &policy.resources, &req.session_id);

  // Step 1 (preflight): Landlock as the policy requires it.
  const int abi = landlock_abi();
  CORDON_TRY(check_landlock(abi, policy.filesystem.landlock.value));

  // Step 2 (prepare-mounts): the filesystem view.
  CORDON_ASSIGN_OR_RETURN(MountPlan mounts, plan_mounts(mount_plan_input(req, abi)));
  clock.mark("prepare-mounts");
  std::vector<int> source_fds(mounts.ops.size(), -1);
  plan.mounts = ChildMounts{mounts.ops.data(), mounts.ops.size(), source_fds.data(), -1,
                            landlock_path_access(PathAccess::kListOnly, abi)};

  // Step 3 (compile-seccomp): done at build time (tools/seccomp_gen.cpp).
  const SeccompProgram& seccomp = prebuilt_box_filter();
  plan.seccomp = seccomp.fprog();

  // Step 4 (prepare-egress): in proxy mode, the rules, the init's sockets and its capture.
  std::optional<net::EgressRules> egress_rules;
  std::optional<EgressPlan> egress;
  std::vector<uint16_t> connect_ports = req.loopback_ports;
  if (policy.network.mode.value == policy::NetworkMode::kProxy) {
    CORDON_ASSIGN_OR_RETURN(egress_rules,
                            net::EgressRules::compile(policy::egress_config(policy.network)));
    CORDON_ASSIGN_OR_RETURN(egress, EgressPlan::create(*egress_rules));
    plan.network = egress->child_view();
    for (uint16_t port : egress->connect_ports()) connect_ports.push_back(port);
  }

  // Step 5 (prepare-landlock): host paths now, the box's own mounts in the init.
  std::optional<LandlockRuleset> ruleset;
  if (abi > 0) {
    CORDON_ASSIGN_OR_RETURN(LandlockRuleset created, LandlockRuleset::create(abi));
    ruleset.emplace(std::move(created));
    for (const auto& host : mounts.landlock_host_paths) {
      CORDON_TRY(ruleset->allow_path(host.path, host.kind == HostPathAccess::Kind::kReadWrite
                                                    ? PathAccess::kReadWrite
                                                    : PathAccess::kReadExecute));
    }
    for (uint16_t port : connect_ports) CORDON_TRY(ruleset->allow_tcp_connect(port));
    plan.landlock_fd = ruleset->fd();
    plan.mounts.landlock_fd = ruleset->fd();
  }

  clock.mark("prepare-landlock");

  // Step 6 (resources): the cgroup (made meanwhile) decides which rlimits are the fallback.
  CORDON_ASSIGN_OR_RETURN(BoxCgroup box_cgroup, cgroup_made.get());
  std::unique_ptr<CgroupSession> cgroup = std::move(box_cgroup.session);
  plan.rlimits = plan_rlimits(
      RlimitInputs{&policy.resources, cgroup->enforces_memory(), cgroup->enforces_pids()});
  // The init is born in the cgroup (v2) or joins it itself, through the files opened with it
  // (steps write-id-maps and join-cgroup run in the init: no round trip between the sides;
  // clone_box_init names them in the plan).
  plan.uid = ::getuid();
  plan.gid = ::getgid();

  clock.mark("cgroup");

  // Step 7: the program, its environment and its terminal.
  CStrings argv(req.command);
  CStrings envp(req.environment);
  plan.argv = argv.ptrs.data();
  plan.envp = envp.ptrs.data();
  for (const auto& entry : req.environment) {
    if (entry.rfind("PATH=", 0) == 0) plan.path = entry.c_str() + 5;
  }
  plan.cwd = req.cwd.c_str();
  UniqueFd stdout_file;
  if (req.stdout_file) {
    stdout_file = UniqueFd(::open(req.stdout_file->c_str(),
                                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!stdout_file) return Error::system("open " + *req.stdout_file);
    plan.stdout_fd = stdout_file.get();
  }
  for (int fd = 0; fd < 3; ++fd) plan.is_tty[fd] = req.allow_terminal && ::isatty(fd);
  plan.use_pty = plan.is_tty[0] || plan.is_tty[1] || plan.is_tty[2];
  for (int fd = 0; fd < 3 && plan.use_pty; ++fd) {
    if (auto size = terminal_size(fd)) {
      plan.size = *size;
      plan.has_size = true;
      break;
    }
  }

  std::vector<events::WallStatus> walls =
      describe_walls(policy, abi, *cgroup, mounts, seccomp.instructions.size());
  events.emit(events::SessionStarted{req.session_id, req.cordon_version,
                                     policy::to_string(policy.profile.value), req.policy_text,
                                     req.user, req.workspace, req.command, walls});

  // Step 8 (clone): the box's namespaces. The control socket and the error pipe are the only
  // channels between the sides.
  int control[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0) {
    return Error::system("socketpair");
  }
  UniqueFd control_parent(control[0]), control_child(control[1]);
  int errpipe[2];
  if (::pipe2(errpipe, O_CLOEXEC) != 0) return Error::system("pipe");
  UniqueFd error_read(errpipe[0]), error_write(errpipe[1]);
  ::fcntl(error_read.get(), F_SETFL, O_NONBLOCK);
  plan.control_fd = control_child.get();
  plan.error_fd = error_write.get();
  // A gated box's agent sends its exec listener on a socket of its own (box/exec_listener.h).
  UniqueFd gate_parent, gate_child;
  if (req.gate != nullptr) {
    int gate_pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, gate_pair) != 0) {
      return Error::system("socketpair for the gate");
    }
    gate_parent = UniqueFd(gate_pair[0]);
    gate_child = UniqueFd(gate_pair[1]);
    plan.gate_fd = gate_child.get();
    plan.exec_notify = prebuilt_exec_notify_filter().fprog();
  }

  SignalMask mask;
  mask.block_all();  // the init starts with every signal blocked (it waits for them)
  int pidfd = -1;
  const unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
                              CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD | SIGCHLD;
  long pid = clone_box_init(flags, box_cgroup.entry, plan, &pidfd);
  if (pid == 0) run_box_init(plan);  // the child never returns
  const int clone_errno = errno;
  mask.block_supervised();
  if (pid < 0) {
    Error e = explain_clone_failure(clone_errno);
    events.emit(
        events::SetupFailed{req.session_id, step_name(Step::kClone), clone_errno, e.describe()});
    return e;
  }
  UniqueFd init_pidfd(pidfd);
  clock.mark("clone");
  control_child.reset();
  error_write.reset();
  gate_child.reset();

  // Kills the box on every early return below.
  struct KillOnExit {
    int pidfd;
    bool armed = true;
    ~KillOnExit() {
      if (!armed) return;
      sys::pidfd_send_signal(pidfd, SIGKILL, nullptr, 0);
      siginfo_t info{};
      ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED);
    }
  } kill_on_exit{init_pidfd.get()};
  // The audit trail fails closed: from the first event that cannot be recorded, the box is
  // killed. Cleared before the pidfd closes.
  events.stop_when_lost(
      [pidfd = init_pidfd.get()] { sys::pidfd_send_signal(pidfd, SIGKILL, nullptr, 0); });
  struct ClearOnExit {
    SessionEvents& events;
    ~ClearOnExit() { events.stop_when_lost(nullptr); }
  } clear_on_exit{events};

  // The proxy serves the sockets the init opened in the box's network namespace. If the init
  // failed first, the loop below reports its step; no go is sent.
  std::unique_ptr<EgressService> egress_service;
  bool box_building = true;
  if (egress) {
    auto listeners = receive_listeners(*egress, control_parent.get(), error_read.get());
    if (!listeners.ok() && listeners.error().code() != Errc::kChildSetup) {
      return std::move(listeners).error();
    }
    box_building = listeners.ok();
    if (box_building) {
      CORDON_ASSIGN_OR_RETURN(
          egress_service,
          EgressService::start(std::move(*egress_rules), std::move(listeners).value(),
                               req.session_id, events));
    }
    clock.mark("egress proxy");
  }

  // The approval gate seizes the init and answers every execve the box will ever make: no
  // program starts undecided (the agent execs only after the go below).
  std::unique_ptr<GateTracer> gate_tracer;
  if (box_building && req.gate != nullptr) {
    GateTracerOptions gate_options;
    gate_options.init_pid = static_cast<pid_t>(pid);
    gate_options.exec_listener_socket = std::move(gate_parent);
    gate_options.session_id = req.session_id;
    gate_options.decide = [gate = req.gate](const gate::ProgramStart& start) {
      return gate->decide(start);
    };
    gate_options.reviews = req.reviews;
    gate_options.emit = [&events](const events::Event& e) { return events.record(e); };
    for (const MountOp& op : mounts.ops) {
      if (op.kind == MountKind::kBind && !op.read_only) {
        gate_options.writable_paths.push_back(op.target);
      }
    }
    auto started = GateTracer::start(std::move(gate_options));
    if (started.ok()) {
      gate_tracer = std::move(started).value();
    } else if (box_reported_failure(error_read.get())) {
      box_building = false;  // the box ended before the seize: the loop below reports its step
    } else {
      return std::move(started).error();
    }
    clock.mark("gate");
  }

  // The sinks finish opening (the audit store) while the init builds the box and the agent
  // prepares itself; only then may the program start. A box that failed meanwhile has closed
  // its end of the socket: the loop below reports its step.
  if (box_building) {
    if (auto ready = events.wait_ready(); !ready.ok()) return std::move(ready).error();
    if (::send(control_parent.get(), &kTagGo, 1, MSG_NOSIGNAL) != 1 && errno != EPIPE &&
        errno != ECONNRESET) {
      return Error::system("send the box its go");
    }
    clock.mark("sinks ready");
  }

  // Step 9: supervise until the init exits (the init maps its ids and joins the cgroup itself).
  sigset_t supervised = SignalMask::supervised();
  if (gate_tracer) sigdelset(&supervised, SIGCHLD);  // the tracer's own signalfd takes them
  UniqueFd signal_fd(::signalfd(-1, &supervised, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd) return Error::system("signalfd");
  LoopInputs loop{init_pidfd.get(), control_parent.get(), error_read.get(),
                  policy.resources.timeout_seconds.value, cgroup.get(), req.relay_input,
                  nullptr};
  loop.recorder_hangup_fd = events.hangup_fd();
  loop.terminal_hold = req.terminal_hold;
  // The program has exited: the proxy and the caller's channels wind down while the init ends.
  // The box's last processes die with it; a connection they open meanwhile is not served.
  loop.on_program_exit = [&egress_service, &req] {
    if (egress_service) egress_service->request_stop();
    if (req.on_program_exit) req.on_program_exit();
  };
  if (gate_tracer) {
    loop.reap_init = [&gate_tracer] {
      const int status = gate_tracer->wait_init();
      return WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
    };
  }
  CORDON_ASSIGN_OR_RETURN(LoopOutcome outcome, supervise_box(loop, signal_fd.get()));
  kill_on_exit.armed = false;
  gate_tracer.reset();
  egress_service.reset();  // its last decisions are recorded before the session ends
  clock.mark("box ran");

  // Step 10: the end. Anything left in the cgroup dies, and the session's end is recorded.
  cgroup->sample();
  cgroup->kill_all();
  if (outcome.recorder_lost || events.lost()) return audit_lost_error();

  LaunchResult result;
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  result.peaks = cgroup->peaks();
  result.walls = std::move(walls);
  result.timed_out = outcome.timed_out;
  if (outcome.setup_failure) {
    Error e = setup_error(*outcome.setup_failure, mounts, req);
    events.emit(events::SetupFailed{req.session_id, step_name(outcome.setup_failure->step),
                                    outcome.setup_failure->sys_errno, e.describe()});
    return e;
  }
  if (outcome.agent_exit) {
    if (outcome.agent_exit->signal != 0) {
      result.signal = outcome.agent_exit->signal;
    } else {
      result.exit_code = outcome.agent_exit->exit_code;
    }
  } else {
    result.signal = SIGKILL;  // the init was killed (timeout, or from outside)
  }
  events.emit(events::SessionEnded{req.session_id, result.exit_code, result.signal,
                                   result.timed_out, result.duration, result.peaks});
  clock.mark("end recorded");

  // Step 11: teardown, while the audit writer stores the end: placeholders go, then (on return)
  // the cgroup.
  mounts.placeholders->remove_all();
  clock.mark("teardown");
  return result;
}

}  // namespace

}  // namespace cordon::box
