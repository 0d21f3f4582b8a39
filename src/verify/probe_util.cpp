// Helpers shared by the probe's attacks.
#include "verify/probe_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "base/unique_fd.h"
#include "verify/probe_report.h"

namespace cordon::verify::probe {
namespace {

int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

std::string ChildResult::describe() const {
  if (timed_out) return "timed out";
  if (exited) return "exit " + std::to_string(code);
  if (signal) return "killed by " + signal_name(signal);
  return "did not run";
}

ChildResult run_child(const std::function<int(int)>& body, int timeout_ms) {
  ChildResult out;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return out;
  UniqueFd rd(fds[0]), wr(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) return out;
  if (pid == 0) {
    rd.reset();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(static_cast<unsigned>(timeout_ms / 1000 + 2));  // backstop if the parent is stuck
    ::_exit(body(wr.get()));
  }
  wr.reset();

  const int64_t deadline = monotonic_ms() + timeout_ms;
  bool eof = false;
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      out.timed_out = true;
      break;
    }
    if (eof) {
      ::usleep(2000);
      continue;
    }
    pollfd p{rd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 20))) > 0) {
      char buf[4096];
      ssize_t n = ::read(rd.get(), buf, sizeof buf);
      if (n > 0) {
        out.data.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        eof = true;
      }
    }
  }
  // Whatever the child wrote before it ended.
  ::fcntl(rd.get(), F_SETFL, O_NONBLOCK);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(rd.get(), buf, sizeof buf)) > 0) out.data.append(buf, static_cast<size_t>(n));
  if (!out.timed_out) {
    out.exited = WIFEXITED(status);
    out.code = out.exited ? WEXITSTATUS(status) : -1;
    out.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return out;
}

std::string Attempt::describe() const {
  if (!died.empty()) return died;
  if (rc >= 0) return "succeeded (rc " + std::to_string(rc) + ")";
  return errno_name(err);
}

void send_attempt(int fd, long rc, int err) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%ld %d", rc, err);
  if (n > 0) (void)!::write(fd, buf, static_cast<size_t>(n));
}

Attempt attempt(const std::function<long()>& call, bool in_child) {
  Attempt a;
  if (!in_child) {
    errno = 0;
    a.rc = call();
    a.err = errno;
    return a;
  }
  ChildResult r = run_child(
      [&](int fd) {
        errno = 0;
        long rc = call();
        send_attempt(fd, rc, errno);
        return 0;
      },
      3000);
  if (std::sscanf(r.data.c_str(), "%ld %d", &a.rc, &a.err) != 2) a.died = r.describe();
  return a;
}

std::optional<std::string> read_small(const std::string& path, size_t max) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[4096];
  while (out.size() < max) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::optional<std::string> status_field(const std::string& pid, const std::string& key) {
  auto text = read_small("/proc/" + pid + "/status");
  if (!text) return std::nullopt;
  std::string needle = "\n" + key + ":";
  size_t pos = ("\n" + *text).find(needle);
  if (pos == std::string::npos) return std::nullopt;
  size_t start = pos + needle.size() - 1;  // offset in *text
  size_t end = text->find('\n', start);
  std::string value = text->substr(start, end == std::string::npos ? end : end - start);
  value.erase(0, value.find_first_not_of(" \t"));
  return value;
}

std::vector<std::pair<int, std::string>> open_fds() {
  std::vector<std::pair<int, std::string>> out;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return out;
  const int own = ::dirfd(dir);
  while (dirent* d = ::readdir(dir)) {
    if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
    int fd = std::atoi(d->d_name);
    if (fd < 3 || fd == own) continue;
    char target[512] = {};
    ssize_t n =
        ::readlink((std::string("/proc/self/fd/") + d->d_name).c_str(), target, sizeof target - 1);
    out.emplace_back(fd, n > 0 ? std::string(target, static_cast<size_t>(n)) : "?");
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

bool one_of(int err, std::initializer_list<int> allowed) {
  return std::find(allowed.begin(), allowed.end(), err) != allowed.end();
}

int try_create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return -errno;
  static const char kLine[] = "written by cordon-probe\n";
  (void)!::write(fd, kLine, sizeof kLine - 1);
  ::close(fd);
  return 0;
}

std::string join(const std::vector<std::string>& items, size_t max) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > max) out += ", +" + std::to_string(items.size() - max) + " more";
  return out;
}

std::string mib(uint64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

}  // namespace cordon::verify::probe
