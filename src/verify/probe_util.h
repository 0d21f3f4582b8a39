// Helpers shared by the probe's attacks: children with timeouts, small file reads, fd lists.
#pragma once

#include <sys/types.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cordon::verify::probe {

// How a child run by run_child() ended, and what it wrote to its result pipe.
struct ChildResult {
  bool timed_out = false;
  bool exited = false;
  int code = -1;
  int signal = 0;
  std::string data;
  std::string describe() const;  // "exit 0", "killed by SIGKILL", "timed out"
};

// Runs `body(result_fd)` in a forked child (which dies with the probe) and returns its exit
// code body() returns. After `timeout_ms` the child is killed. The probe is single-threaded,
// so the child may allocate.
ChildResult run_child(const std::function<int(int result_fd)>& body, int timeout_ms);

// A syscall attempt: the raw return value and errno, or how the child died.
struct Attempt {
  long rc = -1;
  int err = 0;
  std::string died;  // non-empty when it ran in a child that did not report ("killed by SIGSYS")
  bool failed() const { return !died.empty() || rc < 0; }
  std::string describe() const;  // "EPERM", "succeeded (rc 0)", "killed by SIGSEGV"
};

// Runs `call` here, or in a child when it would change the probe's own state if it succeeded.
Attempt attempt(const std::function<long()>& call, bool in_child = false);

// Sends an Attempt from a child through `fd` (the child side of attempt()).
void send_attempt(int fd, long rc, int err);

std::optional<std::string> read_small(const std::string& path, size_t max = 1 << 20);

// The value of "Key:" in /proc/<pid>/status ("self" allowed), trimmed.
std::optional<std::string> status_field(const std::string& pid, const std::string& key);

// Open fds >= 3 with what they point to (readlink of /proc/self/fd/N).
std::vector<std::pair<int, std::string>> open_fds();

bool one_of(int err, std::initializer_list<int> allowed);

// Creates `path` exclusively and writes a line; returns 0 or -errno. O_NOFOLLOW: never
// writes through a planted symlink.
int try_create(const std::string& path);

// "a, b, c" (at most `max` items).
std::string join(const std::vector<std::string>& items, size_t max = 6);

std::string mib(uint64_t bytes);  // "12 MiB"

}  // namespace cordon::verify::probe
