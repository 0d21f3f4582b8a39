// lifecycle: a daemon that tries to outlive the session (double fork, setsid, ignores SIGHUP
// and SIGTERM). It waits until the probe has exited, then kDaemonDelayMs more, and writes its
// marker; the host check looks for the marker and for a process named spec.daemon_comm.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "base/syscalls.h"
#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "lifecycle";
constexpr int kDaemonMaxWaitMs = 60000;  // gives up waiting for the probe after this

// The daemon itself: never returns.
[[noreturn]] void daemon_main(const ProbeSpec& spec, int probe_alive, int ready) {
  ::prctl(PR_SET_NAME, spec.daemon_comm.c_str());
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGALRM, SIG_IGN);
  ::alarm(0);
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%d", ::getpid());
  (void)!::write(ready, buf, static_cast<size_t>(n));

  // Keep only the probe_alive pipe: nothing of the box's stdout or the probe's state.
  int null = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
  if (probe_alive != 3) {
    ::dup2(probe_alive, 3);
    probe_alive = 3;
  }
  sys::close_range(4, ~0U, 0);
  (void)!::chdir("/");

  pollfd p{probe_alive, POLLIN, 0};
  ::poll(&p, 1, kDaemonMaxWaitMs);  // EOF (POLLHUP) when the probe has exited
  ::usleep(kDaemonDelayMs * 1000);
  int fd = ::open(spec.daemon_marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    n = std::snprintf(buf, sizeof buf, "survived as pid %d\n", ::getpid());
    (void)!::write(fd, buf, static_cast<size_t>(n));
    ::close(fd);
  }
  ::sleep(30);  // stay visible to the host's process check (a read-only workspace has no marker)
  ::_exit(0);
}

}  // namespace

void probe_lifecycle(const Context& ctx, Reporter& r) {
  const char* attack = "start a daemon (double fork, setsid, ignores SIGHUP/SIGTERM)";
  int alive[2], ready[2];
  if (::pipe(alive) != 0 || ::pipe2(ready, O_CLOEXEC) != 0) {
    r.add(kWall, attack, "started; the host checks it died", "pipe: " + errno_name(errno), false);
    return;
  }
  // alive[1] stays open in the probe only (O_CLOEXEC is irrelevant: nobody execs); its EOF
  // tells the daemon the probe has exited.
  pid_t first = ::fork();
  if (first == 0) {
    ::close(alive[1]);
    ::close(ready[0]);
    ::setsid();
    if (::fork() != 0) ::_exit(0);  // the session leader exits; the daemon is orphaned
    daemon_main(ctx.spec, alive[0], ready[1]);
  }
  ::close(alive[0]);
  ::close(ready[1]);
  if (first > 0) ::waitpid(first, nullptr, 0);

  pollfd p{ready[0], POLLIN, 0};
  char buf[32] = {};
  bool started = first > 0 && ::poll(&p, 1, 2000) == 1 && ::read(ready[0], buf, sizeof buf - 1) > 0;
  ::close(ready[0]);
  r.add(kWall, attack, "started; the host checks it dies with the box",
        started ? "started as pid " + std::string(buf) + " (" + ctx.spec.daemon_comm + ")"
                : "did not start",
        started);
  // alive[1] is closed by the kernel when the probe exits.
}

}  // namespace cordon::verify::probe
