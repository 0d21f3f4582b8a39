// The init's network steps in proxy mode run in a helper process (box/network_steps.h): a forked
// child plays the init in a new user and network namespace. The helper's listeners reach the
// control socket; a step that fails in the helper is reported once, with its step, and the init
// ends with status 125 without writing anything more.
#include "box/network_steps.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/fd_passing.h"
#include "base/unique_fd.h"
#include "box/step.h"
#include "net/capture_netlink.h"

namespace cordon::box {
namespace {

constexpr uint16_t kListenPort = 3128;

struct Prepared {
  std::vector<uint8_t> ruleset = net::build_capture_ruleset(net::CapturePorts{3129, 53});
  std::vector<uint8_t> route_v4 = net::build_local_default_route(AF_INET, 1);
  std::vector<uint8_t> route_v6 = net::build_local_default_route(AF_INET6, 1);
};

BoxNetworkPlan plan_for(const Prepared& p, const BoxListener* listeners, size_t count) {
  BoxNetworkPlan plan;
  plan.capture = true;
  plan.route_v4 = {p.route_v4.data(), p.route_v4.size()};
  plan.route_v6 = {p.route_v6.data(), p.route_v6.size()};
  plan.ruleset = {p.ruleset.data(), p.ruleset.size()};
  plan.listeners = listeners;
  plan.listener_count = count;
  return plan;
}

bool write_file(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const size_t size = std::strlen(text);
  const bool ok = ::write(fd, text, size) == static_cast<ssize_t>(size);
  ::close(fd);
  return ok;
}

// Child side: a user namespace (the user's ids mapped) owning a new network namespace, as the
// box init has; 0 or the errno of what failed.
int enter_box_namespaces() {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return errno;
  char map[64];
  std::snprintf(map, sizeof map, "%u %u 1", uid, uid);
  if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", map)) {
    return errno;
  }
  std::snprintf(map, sizeof map, "%u %u 1", gid, gid);
  return write_file("/proc/self/gid_map", map) ? 0 : errno;
}

// What the parent saw of a child that played the init.
struct InitRun {
  int status = -1;                    // the child's wait status
  std::vector<StepFailure> failures;  // every record on the error pipe
  char tag = 0;                       // the first message on the control socket
  bool listening = false;             // its fd is a listening socket
};

// Forks the "init": it enters the namespaces, starts the network steps with `listeners`, then
// waits for them as the init does after its mounts, and exits 0 if that returned.
InitRun run_init(const std::vector<BoxListener>& listeners) {
  Prepared prepared;
  int control[2];
  int errors[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0 ||
      ::pipe2(errors, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "socketpair/pipe: " << std::strerror(errno);
    return {};
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(20);
    ::close(control[0]);
    ::close(errors[0]);
    if (int err = enter_box_namespaces(); err != 0) ::_exit(200);
    const BoxNetworkPlan plan = plan_for(prepared, listeners.data(), listeners.size());
    const pid_t helper = start_box_network(plan, control[1], errors[1]);
    if (helper <= 0) ::_exit(201);  // proxy mode must use a helper
    await_box_network(helper, errors[1]);
    ::_exit(0);
  }
  ::close(control[1]);
  ::close(errors[1]);
  UniqueFd control_parent(control[0]);
  UniqueFd errors_read(errors[0]);
  InitRun run;
  ::waitpid(pid, &run.status, 0);
  StepFailure failure{};
  while (::read(errors_read.get(), &failure, sizeof failure) == sizeof failure) {
    run.failures.push_back(failure);
  }
  ::fcntl(control_parent.get(), F_SETFL, O_NONBLOCK);
  UniqueFd fd;
  if (receive_message(control_parent.get(), &run.tag, 1, &fd) == 1 && fd) {
    int accepting = 0;
    socklen_t size = sizeof accepting;
    run.listening =
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0 && accepting == 1;
  }
  return run;
}

std::string describe(const InitRun& run) {
  std::string out = "status " + std::to_string(run.status);
  for (const StepFailure& f : run.failures) {
    out += std::string("; failed at ") + step_name(f.step) + ": " + std::strerror(f.sys_errno);
  }
  return out;
}

// This machine cannot host the namespaces or nf_tables in them: the sandbox can't run the box.
bool unsupported(const InitRun& run) {
  if (WIFEXITED(run.status) && WEXITSTATUS(run.status) == 200) return true;
  return run.failures.size() == 1 && run.failures[0].step == Step::kNetworkCapture &&
         (run.failures[0].sys_errno == EPERM || run.failures[0].sys_errno == EOPNOTSUPP ||
          run.failures[0].sys_errno == EPROTONOSUPPORT);
}

TEST(NetworkSteps, TheHelpersListenersReachTheSupervisorAndTheInitGoesOn) {
  const std::vector<BoxListener> listeners = {{AF_INET, SOCK_STREAM, kListenPort, false}};
  const InitRun run = run_init(listeners);
  if (unsupported(run)) GTEST_SKIP() << "no user+network namespaces with nf_tables here";
  ASSERT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) << describe(run);
  EXPECT_TRUE(run.failures.empty()) << describe(run);
  EXPECT_EQ(run.tag, kTagListener);
  EXPECT_TRUE(run.listening) << "the fd passed is not the listening socket";
}

TEST(NetworkSteps, AStepThatFailsInTheHelperIsReportedOnceAndEndsTheInit) {
  // Two listeners on one port: the second bind fails in the helper (open-listeners, index 1).
  const std::vector<BoxListener> listeners = {{AF_INET, SOCK_STREAM, kListenPort, false},
                                              {AF_INET, SOCK_STREAM, kListenPort, false}};
  const InitRun run = run_init(listeners);
  if (unsupported(run)) GTEST_SKIP() << "no user+network namespaces with nf_tables here";
  ASSERT_TRUE(WIFEXITED(run.status)) << describe(run);
  EXPECT_EQ(WEXITSTATUS(run.status), 125) << "the init went on after its helper failed";
  ASSERT_EQ(run.failures.size(), 1u) << describe(run);
  EXPECT_EQ(run.failures[0].step, Step::kOpenListeners);
  EXPECT_EQ(run.failures[0].sys_errno, EADDRINUSE);
  EXPECT_EQ(run.failures[0].detail, 1);
}

}  // namespace
}  // namespace cordon::box
