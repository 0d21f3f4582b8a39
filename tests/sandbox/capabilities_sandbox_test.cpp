// Sandbox tests for drop_all_capabilities and set_no_new_privs, in a child with its own userns.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/securebits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "box/capabilities.h"

namespace cordon::box {
namespace {

// Fixed-size record the child writes before exec'ing /bin/cat; cat's output follows it.
struct CapsReport {
  int unshare_errno;
  int map_errno;
  int drop;                  // -errno from drop_all_capabilities
  int no_new_privs;          // -errno from set_no_new_privs
  int securebits;            // PR_GET_SECUREBITS after the drop
  int set_securebits_again;  // errno of clearing them: locked, so EPERM
  int raise_ambient;         // errno of PR_CAP_AMBIENT_RAISE: EPERM
  int drop_twice;            // -errno of a second drop: idempotent
  char status_before[4096];  // /proc/self/status in the new userns, before the drop
  char status_after[4096];   // after the drop
  int exec_errno;            // only written when execve fails
};

int write_proc(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t len = static_cast<ssize_t>(std::strlen(text));
  int rc = ::write(fd, text, len) == len ? 0 : errno;
  ::close(fd);
  return rc;
}

void read_proc(const char* path, char* buf, size_t size) {
  buf[0] = '\0';
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  size_t got = 0;
  while (got + 1 < size) {
    ssize_t n = ::read(fd, buf + got, size - 1 - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  buf[got] = '\0';
  ::close(fd);
}

// "CapEff:\t0000000000000000" -> {"CapEff", "0000000000000000"}
std::map<std::string, std::string> parse_status(const std::string& text) {
  std::map<std::string, std::string> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      size_t value = line.find_first_not_of(" \t", colon + 1);
      fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
    }
    pos = end + 1;
  }
  return fields;
}

constexpr int kExpectedSecurebits =
    SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
    SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

TEST(CapabilitiesSandbox, DropLeavesNothingEvenForRootAfterExec) {
  const std::string outer_uid = std::to_string(::getuid());
  const std::string outer_gid = std::to_string(::getgid());
  const std::string uid_map = "0 " + outer_uid + " 1";
  const std::string gid_map = "0 " + outer_gid + " 1";

  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    static CapsReport r;  // static: too large for comfort on the stack
    std::memset(&r, 0, sizeof(r));
    auto finish = [&] {
      ssize_t n = ::write(pipe_fds[1], &r, sizeof(r));
      ::_exit(n == static_cast<ssize_t>(sizeof(r)) ? 0 : 1);
    };
    // A new user namespace gives this child every capability (within it), as the agent has
    // before its drop; uid 0 inside makes the exec below a root exec.
    if (::unshare(CLONE_NEWUSER) != 0) {
      r.unshare_errno = errno;
      finish();
    }
    r.map_errno = write_proc("/proc/self/setgroups", "deny");
    if (r.map_errno == 0) r.map_errno = write_proc("/proc/self/uid_map", uid_map.c_str());
    if (r.map_errno == 0) r.map_errno = write_proc("/proc/self/gid_map", gid_map.c_str());
    read_proc("/proc/self/status", r.status_before, sizeof(r.status_before));

    r.drop = drop_all_capabilities();
    r.no_new_privs = set_no_new_privs();
    r.securebits = ::prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    r.set_securebits_again = ::prctl(PR_SET_SECUREBITS, 0, 0, 0, 0) == 0 ? 0 : errno;
    r.raise_ambient =
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 21 /* CAP_SYS_ADMIN */, 0, 0) == 0 ? 0
                                                                                         : errno;
    r.drop_twice = drop_all_capabilities();
    read_proc("/proc/self/status", r.status_after, sizeof(r.status_after));

    if (::write(pipe_fds[1], &r, offsetof(CapsReport, exec_errno)) !=
        static_cast<ssize_t>(offsetof(CapsReport, exec_errno))) {
      ::_exit(1);
    }
    // The pipe becomes cat's stdout; the write end is CLOEXEC, so dup it to 1 first.
    if (::dup2(pipe_fds[1], STDOUT_FILENO) < 0) ::_exit(2);
    char cat[] = "/bin/cat";
    char file[] = "/proc/self/status";
    char* argv[] = {cat, file, nullptr};
    char* envp[] = {nullptr};
    ::execve(cat, argv, envp);
    int err = errno;
    (void)!::write(pipe_fds[1], &err, sizeof(err));
    ::_exit(3);
  }
  ::close(pipe_fds[1]);
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);

  constexpr size_t kHeader = offsetof(CapsReport, exec_errno);
  ASSERT_GE(data.size(), kHeader) << "child wrote no report (status " << status << ")";
  CapsReport r;
  std::memset(&r, 0, sizeof(r));
  std::memcpy(&r, data.data(), kHeader);
  const std::string cat_output = data.substr(kHeader);

  ASSERT_EQ(r.unshare_errno, 0) << "unshare(CLONE_NEWUSER): " << std::strerror(r.unshare_errno);
  ASSERT_EQ(r.map_errno, 0) << "id maps: " << std::strerror(r.map_errno);

  // Control: the new user namespace did grant capabilities, so the drop has work to do.
  auto before = parse_status(r.status_before);
  ASSERT_TRUE(before.count("CapEff"));
  EXPECT_NE(before["CapEff"], "0000000000000000");
  EXPECT_NE(before["CapBnd"], "0000000000000000");

  EXPECT_EQ(r.drop, 0) << std::strerror(-r.drop);
  EXPECT_EQ(r.no_new_privs, 0) << std::strerror(-r.no_new_privs);
  EXPECT_EQ(r.securebits, kExpectedSecurebits);
  EXPECT_EQ(r.set_securebits_again, EPERM);
  EXPECT_EQ(r.raise_ambient, EPERM);
  EXPECT_EQ(r.drop_twice, 0) << "second drop: " << std::strerror(-r.drop_twice);

  auto after = parse_status(r.status_after);
  for (const char* field : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_EQ(after[field], "0000000000000000") << field;
  }
  EXPECT_EQ(after["NoNewPrivs"], "1");

  // The exec'd program runs as uid 0 in the namespace and still gets nothing (SECBIT_NOROOT,
  // empty bounding set).
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "cat status " << status << ", output: " << cat_output;
  auto exec_status = parse_status(cat_output);
  ASSERT_TRUE(exec_status.count("Uid")) << cat_output;
  EXPECT_EQ(exec_status["Uid"].substr(0, 1), "0") << "exec'd process is root in its userns";
  for (const char* field : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_EQ(exec_status[field], "0000000000000000") << "after exec: " << field;
  }
  EXPECT_EQ(exec_status["NoNewPrivs"], "1");
}

TEST(CapabilitiesSandbox, NoNewPrivsAloneNeedsNoPrivilege) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int result[3] = {::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), set_no_new_privs(),
                     ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)};
    ::_exit(::write(pipe_fds[1], result, sizeof(result)) == sizeof(result) ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  int result[3] = {-1, -1, -1};
  ssize_t n = ::read(pipe_fds[0], result, sizeof(result));
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof(result)));
  // result[0] is not checked: a test runner may already run with no_new_privs.
  EXPECT_EQ(result[1], 0);
  EXPECT_EQ(result[2], 1);
}

}  // namespace
}  // namespace cordon::box
