// Reading a program start through /proc handles opened before the exec: the kernel answers with
// the new image, and a process that has gone yields an error, never an empty command.
#include "box/tracee_start.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace cordon::box {
namespace {

std::string exe_of(pid_t pid) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

// Killed and reaped however the test ends.
struct ChildGuard {
  pid_t pid;
  ~ChildGuard() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
};

TEST(TraceeProcHandles, OpenedBeforeAnExecTheyReadTheNewImage) {
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(go[1]);  // the test's end of the pipe: if the test fails first, the read ends
    char byte;
    if (::read(go[0], &byte, 1) != 1) ::_exit(120);
    if (::chdir("/tmp") != 0) ::_exit(121);
    ::execl("/bin/sleep", "sleep", "30", "1", static_cast<char*>(nullptr));
    ::_exit(122);
  }
  ChildGuard guard{child};
  ::close(go[0]);
  const std::string before = exe_of(child);

  auto handles = open_tracee_proc(child);
  ASSERT_TRUE(handles.ok()) << handles.error().describe();
  auto old_image = read_tracee_start(*handles);
  ASSERT_TRUE(old_image.ok()) << old_image.error().describe();
  EXPECT_EQ(old_image->executable, before);

  ASSERT_EQ(::write(go[1], "x", 1), 1);
  ::close(go[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (exe_of(child) == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  auto started = read_tracee_start(*handles);
  ASSERT_TRUE(started.ok()) << started.error().describe();
  EXPECT_EQ(started->executable, std::filesystem::canonical("/bin/sleep").string());
  EXPECT_EQ(started->argv, (std::vector<std::string>{"sleep", "30", "1"}));
  EXPECT_EQ(started->cwd, "/tmp");
  // The same as a fresh read by number.
  auto fresh = read_tracee_start(child);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->executable, started->executable);
  EXPECT_EQ(fresh->argv, started->argv);

  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  guard.pid = 0;
  // Gone (and reaped): the handles still name that process, which has nothing to read.
  auto gone = read_tracee_start(*handles);
  EXPECT_FALSE(gone.ok());
}

}  // namespace
}  // namespace cordon::box
