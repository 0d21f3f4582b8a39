// The box init: pid 1 of the box. Builds the box's root, starts the agent, reaps, forwards
// signals, and reports the agent's exit to the supervisor.
//
// Runs as: pid 1 in the box's new pid namespace, the user's uid mapped in a new user namespace,
// holding every capability of that namespace only (none over the host). It never runs user code.
// Between clone and exec: no allocation, no exceptions, raw syscalls; a failure is a StepFailure
// record on the error pipe.
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fd_passing.h"
#include "box/child_plan.h"
#include "box/terminal.h"
#include "box/userns.h"

namespace cordon::box {
namespace {

// True while the supervisor lives: its end of the control socket is still open.
bool supervisor_alive(const ChildPlan& plan) {
  pollfd p{plan.control_fd, POLLIN, 0};
  if (::poll(&p, 1, 0) < 0) return false;
  return (p.revents & (POLLHUP | POLLERR)) == 0;
}

// Joins the box's cgroup by writing "0" (ourselves, a single thread) into each file the
// supervisor opened: v1 tasks; v2 cgroup.procs where the init could not be born in its cgroup
// (CgroupEntry). None on v2 otherwise.
int join_cgroup(const ChildPlan& plan) {
  for (int fd : plan.cgroup_join) {
    if (fd < 0) continue;
    if (::write(fd, "0", 1) != 1) return -errno;
    ::close(fd);
  }
  return 0;
}

int bring_loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ::ioctl(s, SIOCGIFFLAGS, &ifr);
  if (rc == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    rc = ::ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  int err = rc == 0 ? 0 : -errno;
  ::close(s);
  return err;
}

// Nested user namespaces are refused by seccomp too; this is the second lock: the box's own
// user namespace may have no children at all.
int forbid_nested_user_namespaces() {
  int fd = ::open("/proc/sys/user/max_user_namespaces", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n = ::write(fd, "0", 1);
  int err = n == 1 ? 0 : -errno;
  ::close(fd);
  return err;
}

void send_exit(const ChildPlan& plan, int status) {
  InitMessage msg{};
  msg.kind = InitMessage::kAgentExited;
  if (WIFEXITED(status)) {
    msg.exit_code = WEXITSTATUS(status);
  } else {
    msg.signal = WTERMSIG(status);
  }
  (void)!::send(plan.control_fd, &msg, sizeof msg, MSG_NOSIGNAL);
}

bool is_forwarded(int sig) {
  switch (sig) {
    case SIGHUP:
    case SIGINT:
    case SIGQUIT:
    case SIGTERM:
    case SIGUSR1:
    case SIGUSR2:
    case SIGCONT:
    case SIGWINCH:
      return true;
    default:
      return false;
  }
}

// Reaps every child (orphans are re-parented to us) until the agent exits; then exits, which
// makes the kernel kill everything left in the box's pid namespace.
// The agent runs on its own small stack in the init's address space (CLONE_VM|CLONE_VFORK): no
// copy of the address space, and the init sleeps until the agent has exec'd or failed.
struct AgentStart {
  const ChildPlan* plan;
  int slave;
};
alignas(64) char g_agent_stack[64 * 1024];

int agent_entry(void* arg) {
  const auto* start = static_cast<const AgentStart*>(arg);
  run_agent(*start->plan, start->slave);
}

[[noreturn]] void supervise_agent(const ChildPlan& plan, pid_t agent) {
  sigset_t all;
  sigfillset(&all);
  for (;;) {
    siginfo_t info{};
    int sig = ::sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig == SIGCHLD) {
      int status = 0;
      pid_t pid;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == agent) {
          send_exit(plan, status);
          ::_exit(0);
        }
      }
      continue;
    }
    // The agent leads its own session and process group: signal the whole group, as a
    // terminal would.
    if (is_forwarded(sig)) ::kill(-agent, sig);
  }
}

}  // namespace

void report_and_exit(int error_fd, Step step, int err, int detail) {
  StepFailure failure{step, err, detail};
  (void)!::write(error_fd, &failure, sizeof failure);
  ::_exit(125);
}

void run_box_init(const ChildPlan& plan) {
  const int efd = plan.error_fd;
  // 1. Die with the supervisor, even if it is SIGKILLed.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    report_and_exit(efd, Step::kInitParentDeathSignal, errno);
  }
  //    If the supervisor died before that, nothing will send the signal: stop now.
  if (!supervisor_alive(plan)) report_and_exit(efd, Step::kInitParentDeathSignal, EPIPE);
  // 2. Our ids, mapped to themselves (the kernel lets us map exactly our own).
  if (int rc = write_own_id_maps(plan.uid, plan.gid); rc != 0) {
    report_and_exit(efd, Step::kWriteIdMaps, -rc);
  }
  //    The resource cgroup, before anything else runs.
  if (int rc = join_cgroup(plan); rc != 0) report_and_exit(efd, Step::kJoinCgroup, -rc);
  // 3. A private cgroup namespace rooted at the box's cgroup.
  if (::unshare(CLONE_NEWCGROUP) != 0) report_and_exit(efd, Step::kUnshareCgroup, errno);
  // 4. Hostname.
  if (::sethostname(plan.hostname, std::strlen(plan.hostname)) != 0) {
    report_and_exit(efd, Step::kSetHostname, errno);
  }
  // 5. Loopback is the only interface, and it is up. The network comes before the filesystem
  //    view: the supervisor starts serving the listeners and seizes the init for the gate while
  //    the init builds the mounts, so neither side waits for the other (about 0.4 ms a start).
  if (int rc = bring_loopback_up(); rc != 0) report_and_exit(efd, Step::kLoopbackUp, -rc);
  //    In proxy mode, every address routes to loopback and outbound connections are redirected
  //    to cordon's listeners, opened here and served by the supervisor from the host.
  if (plan.network.capture) {
    if (int rc = install_network_capture(plan.network); rc != 0) {
      report_and_exit(efd, Step::kNetworkCapture, -rc);
    }
    int index = -1;
    if (int rc = open_box_listeners(plan.network, plan.control_fd, &index); rc != 0) {
      report_and_exit(efd, Step::kOpenListeners, -rc, index);
    }
  }
  // 6. No nested user namespaces. The limit belongs to the box's user namespace, whichever proc
  //    it is written through; it comes before the view, whose /proc/sys is read-only.
  if (int rc = forbid_nested_user_namespaces(); rc != 0) {
    report_and_exit(efd, Step::kLimitNestedUserns, -rc);
  }
  // 7. The filesystem view, then pivot into it.
  StepFailure failure{};
  if (build_box_root(plan.mounts, &failure) != 0) {
    report_and_exit(efd, failure.step, failure.sys_errno, failure.detail);
  }
  // 8. The box's own terminal; its master goes to the supervisor, which relays it.
  int master = -1;
  int slave = -1;
  if (plan.use_pty) {
    if (int rc = open_box_pty(plan.has_size ? &plan.size : nullptr, &master, &slave); rc != 0) {
      report_and_exit(efd, Step::kOpenTerminal, -rc);
    }
    if (int rc = send_fd(plan.control_fd, master, kTagPtyMaster); rc != 0) {
      report_and_exit(efd, Step::kOpenTerminal, -rc);
    }
    ::close(master);
  }
  // 9. The agent. It prepares itself while the supervisor finishes its side, and waits for the
  //    supervisor's go only before it execs (agent.cpp).
  AgentStart start{&plan, slave};
  pid_t agent = ::clone(agent_entry, g_agent_stack + sizeof g_agent_stack,
                        CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  if (agent < 0) report_and_exit(efd, Step::kForkAgent, errno);
  if (slave >= 0) ::close(slave);
  if (plan.gate_fd >= 0) ::close(plan.gate_fd);  // the agent has sent the exec listener on it
  ::close(efd);  // only the agent's copy remains: EOF at its exec tells the supervisor
  supervise_agent(plan, agent);
}

}  // namespace cordon::box
