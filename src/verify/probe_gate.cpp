// gate: a command the gate asks for, with no reviewer, never runs: started directly, through
// wrappers, the dynamic loader and a symlink, and with its argv swapped by a racing thread or
// another process while it starts. The box also tries to reach the reviewers' control socket
// and web page.
//
// The bait is this probe started with kGateBaitFlag: its only effect is to create a marker file
// in spec.gate.marker_dir. Every attack is judged by the marker, never by what the gate says.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "gate";
constexpr int kRaceRounds = 60;

// How a started program ended, and what it wrote on stderr.
struct Started {
  int status = -1;  // wait status; -1 if it could not be started
  std::string err;
  int exit_code() const { return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
  std::string describe() const {
    if (status < 0) return "could not start";
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "exit " + std::to_string(WEXITSTATUS(status));
  }
};

Started start(const std::vector<std::string>& argv) {
  Started out;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return out;
  const pid_t pid = ::fork();
  if (pid < 0) return out;
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) {
    if (out.err.size() < 4096) out.err.append(buf, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  ::waitpid(pid, &out.status, 0);
  return out;
}

std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

bool exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

// One wrapper attack: the bait started through `argv`; its marker must not appear.
void bait_through(const GateSpec& gate, Reporter& r, const std::string& how,
                  const std::vector<std::string>& argv, const std::string& marker) {
  const Started s = start(argv);
  const bool ran = exists(marker);
  const bool told = s.err.find(kGateRuleName) != std::string::npos;
  std::string got = ran ? "the asked command ran (its marker exists)" : "it did not run";
  got += "; " + s.describe();
  if (!s.err.empty()) got += "; stderr: " + first_line(s.err);
  r.add(kWall, "start an asked command with no reviewer " + how,
        "refused: it does not run, and its stderr names rule " + std::string(kGateRuleName), got,
        !ran && told);
  (void)gate;
}

// The argv race: `flag` flips between the safe and the bait flag (same length) while execve
// copies it. Whatever the kernel copied is what the gate must judge, so a bait run never
// happens. Returns "refused/allowed" counts through the out-parameters.
struct RaceCount {
  int refused = 0;
  int allowed = 0;
  int other = 0;
};

// The shared page: the flag (NUL-terminated) at 0, the flipper's progress counter at 64.
constexpr size_t kCounterOffset = 64;

std::atomic<uint64_t>* flips_of(char* page) {
  return reinterpret_cast<std::atomic<uint64_t>*>(page + kCounterOffset);
}

void* flip_forever(void* arg) {
  auto* flag = static_cast<char*>(arg);
  const size_t len = std::strlen(kGateSafeFlag);
  std::atomic<uint64_t>* flips = flips_of(flag);
  // Progress is published rarely: the flag must spend as long in each spelling as it can.
  // The compiler barriers keep both stores: without them an optimising build drops the first
  // as dead, and the flag never changes (a CI run's Release probe saw only one outcome).
  for (uint64_t n = 1;; ++n) {
    std::memcpy(flag, kGateBaitFlag, len);
    asm volatile("" ::: "memory");
    std::memcpy(flag, kGateSafeFlag, len);
    asm volatile("" ::: "memory");
    if ((n & 1023) == 0) flips->store(n, std::memory_order_relaxed);
  }
  return nullptr;
}

// Waits (at most ~200 ms) until the flipper is running, so that on a loaded machine the exec
// does not simply happen before it was ever scheduled.
void await_flipper(char* page) {
  const std::atomic<uint64_t>* flips = flips_of(page);
  for (int i = 0; i < 2000 && flips->load(std::memory_order_relaxed) == 0; ++i) ::usleep(100);
}

// Forks one racer: with `shared`, a separate process flips the flag through shared memory;
// otherwise a thread of the process that calls execve does.
int race_once(const GateSpec& gate, const std::string& marker, bool shared) {
  const size_t len = std::strlen(kGateSafeFlag);
  void* mem = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return -1;
  auto* flag = static_cast<char*>(mem);
  std::memcpy(flag, kGateSafeFlag, len + 1);
  new (flips_of(flag)) std::atomic<uint64_t>(0);
  pid_t flipper = -1;
  if (shared) {
    flipper = ::fork();
    if (flipper == 0) flip_forever(flag);
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!shared) {
      pthread_t thread;
      if (::pthread_create(&thread, nullptr, flip_forever, flag) != 0) ::_exit(120);
    }
    await_flipper(flag);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDERR_FILENO);
    char* argv[] = {const_cast<char*>(gate.probe_path.c_str()), flag,
                    const_cast<char*>(marker.c_str()), nullptr};
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  int status = -1;
  if (pid > 0) ::waitpid(pid, &status, 0);
  if (flipper > 0) {
    ::kill(flipper, SIGKILL);
    ::waitpid(flipper, nullptr, 0);
  }
  ::munmap(mem, 4096);
  return status;
}

void argv_race(const GateSpec& gate, Reporter& r, bool shared) {
  const std::string marker = gate.marker_dir + (shared ? "/race-shared" : "/race-thread");
  RaceCount count;
  for (int i = 0; i < kRaceRounds && !exists(marker); ++i) {
    const int status = race_once(gate, marker, shared);
    if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 126) {
      ++count.refused;
    } else if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      ++count.allowed;
    } else {
      ++count.other;
    }
  }
  const bool ran = exists(marker);
  const bool exercised = count.refused > 0 && count.allowed > 0;
  r.add(kWall,
        std::string("swap an allowed start's argv for an asked one while it starts (") +
            (shared ? "another process, shared memory" : "a second thread") + ", " +
            std::to_string(kRaceRounds) + " rounds)",
        "every start judged on the argv that runs: the asked one never runs; both outcomes seen",
        std::string(ran ? "the asked argv RAN" : "the asked argv never ran") + " (" +
            std::to_string(count.refused) + " refused, " + std::to_string(count.allowed) +
            " allowed, " + std::to_string(count.other) + " other)",
        !ran && exercised);
}

// A child cloned with CLONE_UNTRACED is never attached to a tracer. The gate does not rely on
// attaching children (every execve stops in its seccomp notification, box/exec_listener.h), so
// the clone works and the child's exec is decided like any other: the bait never runs.
void untraced_child(const GateSpec& gate, Reporter& r, const std::string& marker) {
  const long pid = ::syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) {
    char* argv[] = {const_cast<char*>(gate.probe_path.c_str()), const_cast<char*>(kGateBaitFlag),
                    const_cast<char*>(marker.c_str()), nullptr};
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  const int err = errno;
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  const bool ran = exists(marker);
  r.add(kWall, "start the bait from a child cloned with CLONE_UNTRACED, out of any tracer's sight",
        "the child starts; its exec is decided and refused: the bait never runs",
        std::string("clone ") + outcome(pid, err) + (ran ? "; the bait RAN" : "; the bait did not run"),
        pid > 0 && !ran);
}

// A second process sharing the working directory (clone with CLONE_FS, not a thread) could move
// it after the gate judged a program's relative paths. Seccomp refuses the clone.
void shared_working_directory(Reporter& r) {
  const long pid = ::syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) ::_exit(0);
  const int err = errno;
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  r.add(kWall, "clone a process that shares this one's working directory (CLONE_FS)",
        "refused (EPERM): a program's cwd cannot move after the gate judged it",
        "clone " + outcome(pid, err), pid < 0 && err == EPERM);
}

void control_socket(const GateSpec& gate, Reporter& r) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, gate.control_socket.c_str(), sizeof addr.sun_path - 1);
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  r.add(kWall, "connect to the reviewers' control socket " + gate.control_socket,
        "it does not exist in the box", outcome(rc, err), rc != 0);
}

// The review page listens on the host's 127.0.0.1; the box's 127.0.0.1 is its own, and a
// connection to any other address goes to cordon's proxy, which refuses loopback. Any answer
// from the review server (its Server header says cordon-review), even a 403, is a failure.
void web_page(const GateSpec& gate, Reporter& r, uint16_t via_proxy_port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(via_proxy_port != 0 ? via_proxy_port : gate.web_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  bool reached = false;
  const std::string authority = "127.0.0.1:" + std::to_string(gate.web_port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    got = "connect: " + errno_name(errno);
  } else {
    const std::string target = via_proxy_port != 0 ? "http://" + authority + "/" : "/";
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + authority +
                                "\r\nConnection: close\r\n\r\n";
    (void)!::write(fd, request.data(), request.size());
    char buf[2048];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    const std::string reply = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    reached = reply.find("cordon-review") != std::string::npos;
    got = reply.empty() ? "connected, no reply" : "reply: " + first_line(reply);
  }
  ::close(fd);
  r.add(kWall,
        "reach the review page at " + authority +
            (via_proxy_port != 0 ? " through cordon's HTTP proxy" : " directly"),
        "the host's review server is out of reach", got, !reached);
}

}  // namespace

// The bait and the race's safe start: handled before anything else in main.
int run_gate_bait(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], kGateBaitFlag) == 0) {
    return try_create(argv[2]) == 0 ? 0 : 1;
  }
  return 0;  // kGateSafeFlag: start, do nothing, exit
}

void probe_gate(const Context& ctx, Reporter& r) {
  const GateSpec& gate = ctx.spec.gate;
  if (!gate.active) {
    r.add(kWall, "the gate decides every program start", "a gated box", "this box is not gated",
          false);
    return;
  }
  const std::string& probe = gate.probe_path;
  const std::string dir = gate.marker_dir;
  auto marker = [&](const std::string& name) { return dir + "/" + name; };
  ::mkdir(dir.c_str(), 0755);  // in the box's /tmp when the workspace is read-only

  // A positive control: an ordinary start of the same program runs.
  const Started control = start({probe, kGateSafeFlag});
  r.add(kWall, "start the probe without the bait flag (control)", "it runs (exit 0)",
        control.describe(), control.exit_code() == 0);

  bait_through(gate, r, "by its absolute path", {probe, kGateBaitFlag, marker("direct")},
               marker("direct"));
  bait_through(gate, r, "through sh -c",
               {"/bin/sh", "-c", "\"$0\" " + std::string(kGateBaitFlag) + " \"$1\"", probe,
                marker("sh")},
               marker("sh"));
  bait_through(gate, r, "through env", {"/usr/bin/env", probe, kGateBaitFlag, marker("env")},
               marker("env"));
  bait_through(gate, r, "through xargs",
               {"/bin/sh", "-c", "echo \"$1\" | xargs \"$0\" " + std::string(kGateBaitFlag),
                probe, marker("xargs")},
               marker("xargs"));
  bait_through(gate, r, "through find -exec",
               {"/usr/bin/find", probe, "-exec", "{}", kGateBaitFlag, marker("find"), ";"},
               marker("find"));
  bait_through(gate, r, "through timeout",
               {"/usr/bin/timeout", "10", probe, kGateBaitFlag, marker("timeout")},
               marker("timeout"));
  const std::string link = "/tmp/cordon-verify-innocent";
  std::error_code ec;
  std::filesystem::remove(link, ec);
  std::filesystem::create_symlink(probe, link, ec);
  bait_through(gate, r, "through a symlink with an innocent name",
               {link, kGateBaitFlag, marker("symlink")}, marker("symlink"));

  // The loader maps the program itself: no exec of the program for the gate to see.
  for (const char* loader : {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"}) {
    if (!exists(loader)) continue;
    bait_through(gate, r, "through the dynamic loader",
                 {loader, probe, kGateBaitFlag, marker("loader")}, marker("loader"));
    break;
  }

  untraced_child(gate, r, marker("untraced"));
  shared_working_directory(r);
  argv_race(gate, r, false);
  argv_race(gate, r, true);

  control_socket(gate, r);
  if (gate.web_port != 0) {
    web_page(gate, r, 0);
    if (ctx.spec.network.mode == "proxy") web_page(gate, r, ctx.spec.network.http_proxy_port);
  }
}

}  // namespace cordon::verify::probe
