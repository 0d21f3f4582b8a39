// Test harness for integration tests.
#include "integration/harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace cordon::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/cordon-test-XXXXXX";
  char* p = ::mkdtemp(tmpl);
  if (!p) std::abort();
  path_ = p;
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

RunOutput run_program(const std::vector<std::string>& argv, const RunOptions& options) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) std::abort();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::setpgid(0, 0);
    for (const auto& name : options.unset_env) ::unsetenv(name.c_str());
    for (const auto& [k, v] : options.set_env) ::setenv(k.c_str(), v.c_str(), 1);
    if (options.cwd && ::chdir(options.cwd->c_str()) != 0) ::_exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!options.stdin_data.empty()) {
    (void)!::write(in[1], options.stdin_data.data(), options.stdin_data.size());
  }
  ::close(in[1]);

  RunOutput result;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds) if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  result.peak_rss_kib = usage.ru_maxrss;
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

RunOutput run_cordon(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv = {CORDON_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, options);
}

namespace {

// This process's environment with `options`' changes, as execve wants it ("NAME=value").
std::vector<std::string> environment_with(const RunOptions& options) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view text = *entry;
    const std::string name(text.substr(0, text.find('=')));
    const auto& unset = options.unset_env;
    if (options.set_env.count(name) || std::find(unset.begin(), unset.end(), name) != unset.end()) {
      continue;
    }
    env.emplace_back(text);
  }
  for (const auto& [k, v] : options.set_env) env.push_back(k + "=" + v);
  return env;
}

// A null-terminated array of pointers into `strings`, which must outlive it.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (const auto& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

RunningCordon::RunningCordon(const std::vector<std::string>& args, const RunOptions& options) {
  if (!options.stdin_data.empty()) std::abort();  // a test's bug: stdin is /dev/null here
  std::vector<std::string> argv = {CORDON_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  // Built before the spawn: the test process has threads, so its child may not allocate.
  const std::vector<std::string> env = environment_with(options);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) std::abort();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  if (options.cwd) posix_spawn_file_actions_addchdir_np(&actions, options.cwd->c_str());
  // Its own process group, as run_program's, so that stop() reaches whatever it started.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const int error = ::posix_spawn(&pid_, argv[0].c_str(), &actions, &attributes,
                                  c_strings(argv).data(), c_strings(env).data());
  if (error != 0) {
    std::fprintf(stderr, "cannot start %s: %s\n", argv[0].c_str(), std::strerror(error));
    pid_ = -1;
  }
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (pid_ > 0) {
    out_fd_ = out[0];
  } else {
    ::close(out[0]);
  }
}

RunningCordon::~RunningCordon() {
  stop();
}

bool RunningCordon::wait_for_line_containing(const std::string& text,
                                             std::chrono::steady_clock::time_point deadline) {
  using std::chrono::milliseconds;
  for (;;) {
    // Complete lines only: a line's start may arrive before its end.
    const size_t newline = out_.rfind('\n');
    const std::string_view lines(out_.data(), newline == std::string::npos ? 0 : newline + 1);
    if (lines.find(text) != std::string_view::npos) return true;
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (out_fd_ < 0 || left.count() <= 0) return false;
    pollfd p{out_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(out_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // stdout ended: nothing more will come
      ::close(out_fd_);
      out_fd_ = -1;
      continue;
    }
    out_.append(buffer, static_cast<size_t>(n));
  }
}

int RunningCordon::stop() {
  if (pid_ <= 0) return -1;
  ::kill(-pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  pid_t reaped = 0;
  while ((reaped = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (reaped == 0) {
    ::kill(-pid_, SIGKILL);
    reaped = ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (out_fd_ >= 0) {
    ::close(out_fd_);
    out_fd_ = -1;
  }
  if (reaped < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

namespace {

// Every pid in /proc for which `keep` holds.
template <class Keep>
std::vector<pid_t> host_pids(Keep keep) {
  std::vector<pid_t> pids;
  DIR* d = ::opendir("/proc");
  if (!d) return pids;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    if (keep("/proc/" + std::string(e->d_name))) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return pids;
}

}  // namespace

std::vector<pid_t> pids_sleeping(const std::string& seconds) {
  const std::string wanted = std::string("sleep") + '\0' + seconds + '\0';
  return host_pids([&](const std::string& dir) {
    std::string cmd = read_text(dir + "/cmdline");
    const size_t slash = cmd.rfind('/', cmd.find('\0'));
    if (slash != std::string::npos) cmd = cmd.substr(slash + 1);
    return cmd == wanted;
  });
}

std::vector<pid_t> children_named(pid_t parent, const std::string& comm) {
  return host_pids([&](const std::string& dir) {
    // stat: "PID (COMM) STATE PPID ...", where COMM may itself hold spaces or parentheses.
    const std::string stat = read_text(dir + "/stat");
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) return false;
    int ppid = 0;
    return stat.compare(open + 1, close - open - 1, comm) == 0 &&
           std::sscanf(stat.c_str() + close + 2, "%*c %d", &ppid) == 1 && ppid == parent;
  });
}

}  // namespace cordon::testing
