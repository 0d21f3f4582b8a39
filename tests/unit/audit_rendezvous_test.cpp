// The socket where a finished session writer waits for the next session: one cordon takes it,
// only a process of the same uid can, and the socket goes when the wait ends.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "audit/writer_rendezvous.h"

namespace cordon::audit {
namespace {

using namespace std::chrono_literals;

class Rendezvous : public testing::Test {
 protected:
  Rendezvous() {
    char pattern[] = "/tmp/cordon-rendezvous-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~Rendezvous() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/audit-writer.rendezvous"; }
  // The "writer" in these tests is this process.
  static std::string self() { return std::filesystem::read_symlink("/proc/self/exe"); }
  bool socket_exists() const { return std::filesystem::exists(path()); }
  // Waits in the background, as a writer would; the session's stream when one came.
  std::future<UniqueFd> wait(std::chrono::milliseconds linger) {
    auto waiting = std::async(std::launch::async,
                              [this, linger] { return wait_for_next_session(path(), linger); });
    for (int i = 0; i < 500 && !socket_exists(); ++i) std::this_thread::sleep_for(2ms);
    return waiting;
  }

  std::string dir_;
};

TEST_F(Rendezvous, NobodyWaitingMeansNoWriter) {
  EXPECT_FALSE(take_waiting_writer(path(), self()).has_value());
}

TEST_F(Rendezvous, TheNextCordonTakesTheWaitingWriterAndTheSocketGoes) {
  auto waiting = wait(5s);
  ASSERT_TRUE(socket_exists());
  struct stat st {};
  ASSERT_EQ(::lstat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "only its owner reaches the writer";
  auto taken = take_waiting_writer(path(), self());
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->pid, ::getpid());  // the "writer" is this process's thread
  UniqueFd session = waiting.get();
  ASSERT_TRUE(session.valid());
  EXPECT_FALSE(socket_exists());
  // The stream is the session's: what cordon sends, the writer reads.
  ASSERT_EQ(::write(taken->socket.get(), "x", 1), 1);
  char byte = 0;
  ASSERT_EQ(::read(session.get(), &byte, 1), 1);
  EXPECT_EQ(byte, 'x');
  // Served one session, the writer is no longer there for another.
  EXPECT_FALSE(take_waiting_writer(path(), self()).has_value());
}

// A writer of another build or installation is not used: its stream ends at once, which sends
// it back to waiting (writer_main.cpp), and this cordon starts its own.
TEST_F(Rendezvous, AWriterRunningAnotherProgramIsHandedBack) {
  auto waiting = wait(5s);
  EXPECT_FALSE(take_waiting_writer(path(), "/bin/true").has_value());
  UniqueFd session = waiting.get();
  ASSERT_TRUE(session.valid());
  char byte = 0;
  EXPECT_EQ(::read(session.get(), &byte, 1), 0) << "the end of its stream";
}

TEST_F(Rendezvous, AWriterNobodyTakesStopsWaitingAndRemovesItsSocket) {
  auto waiting = wait(300ms);
  ASSERT_TRUE(socket_exists());
  EXPECT_FALSE(waiting.get().valid());
  EXPECT_FALSE(socket_exists());
}

TEST_F(Rendezvous, ASecondWriterLeavesTheWaitingOneInPlace) {
  auto first = wait(5s);
  // Another writer finishing its session finds this one waiting and does not wait itself.
  EXPECT_FALSE(wait_for_next_session(path(), 5s).valid());
  auto taken = take_waiting_writer(path(), self());
  ASSERT_TRUE(taken.has_value());
  EXPECT_TRUE(first.get().valid());
}

TEST_F(Rendezvous, ASocketLeftByAKilledWriterIsReplaced) {
  pid_t child = ::fork();
  if (child == 0) {
    (void)wait_for_next_session(path(), 60s);
    ::_exit(0);
  }
  for (int i = 0; i < 500 && !socket_exists(); ++i) std::this_thread::sleep_for(2ms);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(socket_exists()) << "a killed writer leaves its socket";
  EXPECT_FALSE(take_waiting_writer(path(), self()).has_value());
  auto waiting =
      std::async(std::launch::async, [this] { return wait_for_next_session(path(), 5s); });
  std::optional<WaitingWriter> taken;
  for (int i = 0; i < 1000 && !taken; ++i) {
    taken = take_waiting_writer(path(), self());
    if (!taken) std::this_thread::sleep_for(2ms);
  }
  ASSERT_TRUE(taken.has_value());
  EXPECT_TRUE(waiting.get().valid());
}

// The runtime directory is 0700, so nobody else reaches the socket; the writer checks the
// peer's uid all the same. Here the directory is opened up to let another user try.
TEST_F(Rendezvous, AProcessOfAnotherUserCannotTakeTheWriter) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to run a process as another user";
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  auto waiting = wait(5s);
  ASSERT_EQ(::chmod(path().c_str(), 0777), 0);
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    ::_exit(take_waiting_writer(path(), self()).has_value() ? 1 : 0);
  }
  int status = -1;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  // Still waiting, for us.
  auto taken = take_waiting_writer(path(), self());
  ASSERT_TRUE(taken.has_value());
  EXPECT_TRUE(waiting.get().valid());
}

// A box's processes run as the same uid; their pid namespace is what tells them apart.
TEST_F(Rendezvous, AProcessInAnotherPidNamespaceCannotTakeTheWriter) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to make a pid namespace without a user one";
  auto waiting = wait(5s);
  pid_t child = ::fork();
  if (child == 0) {
    if (::unshare(CLONE_NEWPID) != 0) ::_exit(2);
    pid_t inner = ::fork();  // the first process of the new namespace
    if (inner == 0) ::_exit(take_waiting_writer(path(), self()).has_value() ? 1 : 0);
    int status = -1;
    ::waitpid(inner, &status, 0);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
  }
  int status = -1;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  auto taken = take_waiting_writer(path(), self());
  ASSERT_TRUE(taken.has_value()) << "still waiting, for us";
  EXPECT_TRUE(waiting.get().valid());
}

}  // namespace
}  // namespace cordon::audit
