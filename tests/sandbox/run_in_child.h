// run_in_child(): the sandbox tests' way to run code that changes process state in a forked
// child and bring back a typed report (style.md "Tests").
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cordon::testing {

// Forks, runs `body` in the child to fill a report, and returns the report; *status is the
// child's wait status. The child only writes the report and _exits: no gtest assertions there.
template <class Report, class Body>
Report run_in_child(Body body, int* status) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) std::abort();
  pid_t pid = ::fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    Report report;
    std::memset(&report, 0xff, sizeof(report));  // -1 everywhere: "never ran"
    body(report);
    ssize_t n = ::write(pipe_fds[1], &report, sizeof(report));
    ::_exit(n == static_cast<ssize_t>(sizeof(report)) ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  Report report;
  std::memset(&report, 0xff, sizeof(report));
  size_t got = 0;
  while (got < sizeof(report)) {
    ssize_t n = ::read(pipe_fds[0], reinterpret_cast<char*>(&report) + got, sizeof(report) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(pipe_fds[0]);
  while (::waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
  EXPECT_EQ(got, sizeof(report)) << "child report truncated";
  return report;
}

}  // namespace cordon::testing
