// The init's network steps, in a helper process in proxy mode (network_steps.h).
//
// Runs as: the box init (pid 1) and its helper (pid 2), with every capability of the box's user
// namespace, which owns the box's network namespace; between clone and exec.
#include "box/network_steps.h"

#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "box/child_plan.h"

namespace cordon::box {
namespace {

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

void set_up_network(const BoxNetworkPlan& plan, int control_fd, int error_fd) {
  // Loopback first: the listeners bind to its addresses.
  if (int rc = bring_loopback_up(); rc != 0) report_and_exit(error_fd, Step::kLoopbackUp, -rc);
  if (!plan.capture) return;
  // Every address routes to loopback, and outbound connections go to cordon's listeners,
  // opened here and served by the supervisor from the host.
  if (int rc = install_network_capture(plan); rc != 0) {
    report_and_exit(error_fd, Step::kNetworkCapture, -rc);
  }
  int index = -1;
  if (int rc = open_box_listeners(plan, control_fd, &index); rc != 0) {
    report_and_exit(error_fd, Step::kOpenListeners, -rc, index);
  }
}

struct NetworkStart {
  const BoxNetworkPlan* plan;
  int control_fd;
  int error_fd;
};
alignas(64) char g_network_stack[64 * 1024];  // the helper's; the agent has its own

int network_entry(void* arg) {
  const auto* start = static_cast<const NetworkStart*>(arg);
  set_up_network(*start->plan, start->control_fd, start->error_fd);
  return 0;
}

}  // namespace

pid_t start_box_network(const BoxNetworkPlan& plan, int control_fd, int error_fd) {
  if (!plan.capture) {
    set_up_network(plan, control_fd, error_fd);
    return 0;
  }
  // The helper shares the init's memory (CLONE_VM) and runs on a stack of its own, as the agent
  // does: nothing is copied. (A forked copy cost the init a copy-on-write fault for every page
  // it then wrote while mounting, and measured slower than no helper at all. Shared, the
  // helper's work overlaps the mounts, which slow down as the two share two CPUs with the
  // supervisor: bench/startup.py, three runs of each build alternating, 1.387 -> 1.354x
  // bubblewrap, about 0.2 ms a start.) It reads the plan, writes only its own
  // stack, and uses no library state but errno, which the two share: after a failure that both
  // hit at the same moment, one message may carry the other's errno; either ends the box. It is
  // pid 2 of the box and dies with the init, like every process of the box's pid namespace.
  static NetworkStart start;
  start = NetworkStart{&plan, control_fd, error_fd};
  const pid_t pid =
      ::clone(network_entry, g_network_stack + sizeof g_network_stack, CLONE_VM | SIGCHLD, &start);
  if (pid < 0) report_and_exit(error_fd, Step::kNetworkHelper, errno);
  return pid;
}

void await_box_network(pid_t helper, int error_fd) {
  if (helper == 0) return;
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0) {
    if (errno != EINTR) report_and_exit(error_fd, Step::kNetworkHelper, errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status)) ::_exit(125);  // its StepFailure is on the pipe
  report_and_exit(error_fd, Step::kNetworkHelper, EINTR, WTERMSIG(status));
}

}  // namespace cordon::box
