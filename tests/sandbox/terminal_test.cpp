// Sandbox tests for the terminal: box pty, controlling terminal and the relay, on host ptys.
//
// The box's devpts is emulated by the host's /dev/ptmx. The "user's terminal" is another pty
// pair: the test holds its master (the terminal emulator) and hands its slave to the relay as
// stdin/stdout, so raw mode, window sizes and backpressure meet a real tty.
#include "box/terminal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cordon::box {
namespace {

using namespace std::string_literals;

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

struct Pty {
  UniqueFd master;
  UniqueFd slave;
};

// A pty pair on the host's devpts through the code the box uses on its own.
std::optional<Pty> host_pty(const winsize* size, int* err) {
  int m = -1;
  int s = -1;
  *err = open_box_pty("/dev/ptmx", size, &m, &s);
  if (*err != 0) return std::nullopt;
  return Pty{UniqueFd(m), UniqueFd(s)};
}

#define HOST_PTY_OR_SKIP(var, size)                                             \
  int var##_err = 0;                                                            \
  std::optional<Pty> var##_opt = host_pty(size, &var##_err);                    \
  if (!var##_opt) GTEST_SKIP() << "no host pty: " << std::strerror(-var##_err); \
  Pty var = std::move(*var##_opt)

bool same_mode(const termios& a, const termios& b) {
  return a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_cflag == b.c_cflag &&
         a.c_lflag == b.c_lflag && std::memcmp(a.c_cc, b.c_cc, sizeof(a.c_cc)) == 0;
}

// Forks a child that becomes a session leader, takes `slave` as its controlling terminal and
// stdio (the agent's part of the launch), and runs `sh -c script`. Its process group is its pid.
pid_t spawn_on_pty(int slave, const char* script) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setsid() < 0) ::_exit(120);
    if (attach_controlling_terminal(slave) != 0) ::_exit(121);
    ::execl("/bin/sh", "sh", "-c", script, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` at most `timeout_ms`; kills its process group when it does not exit in time.
int wait_child(pid_t pid, int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    if (now_ms() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "child " << pid << " did not exit in " << timeout_ms << " ms";
      return status;
    }
    ::usleep(5000);
  }
}

// A box (pty + shell) whose terminal is relayed to a user pty that the test drives.
class RelayHarness {
 public:
  // Returns an empty string on success, else why the harness could not be built.
  std::string start(const winsize& box_size, const winsize& user_size, const char* script,
                    TerminalHold* hold = nullptr) {
    int err = 0;
    std::optional<Pty> box = host_pty(&box_size, &err);
    if (!box) return "box pty: "s + std::strerror(-err);
    std::optional<Pty> user = host_pty(&user_size, &err);
    if (!user) return "user pty: "s + std::strerror(-err);
    user_term_ = std::move(user->master);
    user_tty_ = std::move(user->slave);
    ::tcgetattr(user_tty_.get(), &user_mode_before_);
    user_flags_before_ = ::fcntl(user_tty_.get(), F_GETFL);

    child_ = spawn_on_pty(box->slave.get(), script);
    if (child_ < 0) return "fork: "s + std::strerror(errno);
    box->slave.reset();  // only the box holds the slave: its exit hangs up the master

    auto relay =
        TerminalRelay::start(std::move(box->master), user_tty_.get(), user_tty_.get(), hold);
    if (!relay.ok()) return relay.error().describe();
    relay_.emplace(std::move(relay).value());
    return "";
  }

  ~RelayHarness() {
    if (child_ > 0) {
      ::kill(-child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
  }

  // Runs the relay (and, with read_screen, the user's terminal emulator) until `done` holds or
  // the timeout passes. Returns done().
  bool pump_until(const std::function<bool()>& done, int timeout_ms, bool read_screen = true) {
    int64_t deadline = now_ms() + timeout_ms;
    while (!done()) {
      int64_t left = deadline - now_ms();
      if (left <= 0) return false;
      std::vector<pollfd> fds;
      if (box_open_) relay_->add_pollfds(fds);
      size_t screen_index = fds.size();
      if (read_screen) fds.push_back(pollfd{user_term_.get(), POLLIN, 0});
      if (fds.empty()) {
        ::usleep(10000);
        continue;
      }
      int r = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left, 50)));
      if (r < 0 && errno != EINTR) {
        ADD_FAILURE() << "poll: " << std::strerror(errno);
        return false;
      }
      if (r <= 0) continue;
      if (box_open_) box_open_ = relay_->on_ready(fds, 0);
      max_buffered_ = std::max(max_buffered_, relay_->buffered_bytes());
      if (read_screen && (fds[screen_index].revents & (POLLIN | POLLHUP))) read_screen_once();
    }
    return true;
  }

  bool screen_has(const std::string& text) const { return screen_.find(text) != std::string::npos; }
  bool pump_until_screen_has(const std::string& text, int timeout_ms) {
    return pump_until([&] { return screen_has(text); }, timeout_ms);
  }
  void type(const std::string& keys) {
    ASSERT_EQ(::write(user_term_.get(), keys.data(), keys.size()),
              static_cast<ssize_t>(keys.size()));
  }
  // Waits for the box's exit status; the child is reaped.
  int wait_exit(int timeout_ms) {
    int status = wait_child(child_, timeout_ms);
    child_ = -1;
    return status;
  }

  TerminalRelay& relay() { return *relay_; }
  void destroy_relay() { relay_.reset(); }
  int user_term() const { return user_term_.get(); }
  int user_tty() const { return user_tty_.get(); }
  pid_t child() const { return child_; }
  bool box_open() const { return box_open_; }
  const std::string& screen() const { return screen_; }
  size_t screen_bytes() const { return screen_bytes_; }
  size_t max_buffered() const { return max_buffered_; }
  const termios& user_mode_before() const { return user_mode_before_; }
  int user_flags_before() const { return user_flags_before_; }

 private:
  void read_screen_once() {
    char buf[65536];
    ssize_t n = ::read(user_term_.get(), buf, sizeof(buf));
    if (n <= 0) return;
    screen_bytes_ += static_cast<size_t>(n);
    screen_.append(buf, static_cast<size_t>(n));
    // Keep the tail only: the backpressure test pushes megabytes through.
    if (screen_.size() > (1u << 20)) screen_.erase(0, screen_.size() - 4096);
  }

  UniqueFd user_term_;
  UniqueFd user_tty_;
  std::optional<TerminalRelay> relay_;
  pid_t child_ = -1;
  bool box_open_ = true;
  std::string screen_;
  size_t screen_bytes_ = 0;
  size_t max_buffered_ = 0;
  termios user_mode_before_{};
  int user_flags_before_ = 0;
};

#define START_OR_SKIP(harness, box_size, user_size, script, ...)                   \
  do {                                                                             \
    std::string why = (harness).start(box_size, user_size, script, ##__VA_ARGS__); \
    if (!why.empty()) GTEST_SKIP() << why;                                         \
  } while (0)

// ---------------------------------------------------------------------------------------------

TEST(TerminalSandbox, OpenBoxPtyGivesAnUnlockedSizedCloexecPair) {
  winsize size{37, 91, 0, 0};
  HOST_PTY_OR_SKIP(pty, &size);

  EXPECT_TRUE(::fcntl(pty.master.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(pty.slave.get(), F_GETFD) & FD_CLOEXEC);
  std::optional<winsize> got = terminal_size(pty.slave.get());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->ws_row, 37);
  EXPECT_EQ(got->ws_col, 91);

  // The slave is the master's peer: bytes typed on the master arrive on the slave.
  ASSERT_EQ(::write(pty.master.get(), "ping\n", 5), 5);
  char buf[16] = {};
  ASSERT_EQ(::read(pty.slave.get(), buf, sizeof(buf)), 5);
  EXPECT_STREQ(buf, "ping\n");
}

TEST(TerminalSandbox, OpenBoxPtyWithoutSizeKeepsKernelDefault) {
  HOST_PTY_OR_SKIP(pty, nullptr);
  std::optional<winsize> got = terminal_size(pty.slave.get());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->ws_row, 0);
  EXPECT_EQ(got->ws_col, 0);
}

TEST(TerminalSandbox, OpenBoxPtyReportsErrno) {
  int m = -1;
  int s = -1;
  EXPECT_EQ(open_box_pty("/nonexistent/ptmx", nullptr, &m, &s), -ENOENT);
  EXPECT_EQ(m, -1);
  EXPECT_EQ(s, -1);
  // Not a ptmx: the unlock ioctl fails and nothing leaks.
  EXPECT_EQ(open_box_pty("/dev/null", nullptr, &m, &s), -ENOTTY);
}

TEST(TerminalSandbox, TerminalSizeIsEmptyForNonTerminals) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  EXPECT_FALSE(terminal_size(r.get()).has_value());
  EXPECT_FALSE(terminal_size(-1).has_value());
}

// The child's exit code says which check failed (0 = all held).
int attach_and_check(int slave, int expect_closed) {
  if (::setsid() < 0) return 10;
  if (attach_controlling_terminal(slave) != 0) return 11;
  for (int fd = 0; fd <= 2; ++fd) {
    if (!::isatty(fd)) return 20 + fd;
    if (::fcntl(fd, F_GETFD) != 0) return 30 + fd;  // FD_CLOEXEC cleared: survives exec
  }
  if (::tcgetpgrp(0) != ::getpid()) return 40;  // controlling terminal, our foreground
  pid_t sid = -1;
  if (::ioctl(0, TIOCGSID, &sid) != 0 || sid != ::getpid()) return 41;
  if (expect_closed >= 0 && (::fcntl(expect_closed, F_GETFD) != -1 || errno != EBADF)) return 50;
  return 0;
}

TEST(TerminalSandbox, AttachControllingTerminalInForkedChild) {
  HOST_PTY_OR_SKIP(pty, nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Move the slave high so that the original must be closed.
    int high = ::fcntl(pty.slave.get(), F_DUPFD_CLOEXEC, 40);
    ::close(pty.slave.get());
    ::_exit(attach_and_check(high, high));
  }
  int status = wait_child(pid, 10000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(TerminalSandbox, AttachControllingTerminalWhenSlaveIsStdin) {
  HOST_PTY_OR_SKIP(pty, nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // dup2(0, 0) is a no-op that keeps FD_CLOEXEC: the attach must clear it by hand.
    if (::dup3(pty.slave.get(), 0, O_CLOEXEC) != 0) ::_exit(9);
    ::_exit(attach_and_check(0, -1));
  }
  int status = wait_child(pid, 10000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(TerminalSandbox, RelaySizeInputAndOutput) {
  RelayHarness h;
  START_OR_SKIP(h, (winsize{37, 91, 0, 0}), (winsize{37, 91, 0, 0}),
                "stty size; read x; echo got:$x");

  // While the relay lives the user's terminal is raw, and its shared flags are untouched.
  termios mode{};
  ASSERT_EQ(::tcgetattr(h.user_tty(), &mode), 0);
  EXPECT_FALSE(mode.c_lflag & (ICANON | ECHO | ISIG | IEXTEN));
  EXPECT_FALSE(mode.c_iflag & (ICRNL | IXON));
  EXPECT_FALSE(mode.c_oflag & OPOST);
  EXPECT_EQ(::fcntl(h.user_tty(), F_GETFL), h.user_flags_before());

  ASSERT_TRUE(h.pump_until_screen_has("37 91", 10000)) << h.screen();
  h.type("hello\r");  // Enter sends CR; the box's line discipline turns it into NL
  ASSERT_TRUE(h.pump_until_screen_has("got:hello", 10000)) << h.screen();
  // The shell exits: the relay flushes and reports the box gone.
  ASSERT_TRUE(h.pump_until([&] { return !h.box_open(); }, 10000)) << h.screen();
  int status = h.wait_exit(10000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(h.relay().buffered_bytes(), 0u);
}

TEST(TerminalSandbox, RelayForwardsWindowChange) {
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}),
                "trap 'stty size' WINCH; echo ready; while :; do sleep 0.05; done");
  ASSERT_TRUE(h.pump_until_screen_has("ready", 10000)) << h.screen();

  winsize bigger{50, 132, 0, 0};
  ASSERT_EQ(::ioctl(h.user_term(), TIOCSWINSZ, &bigger), 0);  // the user resized the window
  h.relay().on_window_change();                               // the supervisor's SIGWINCH
  EXPECT_TRUE(h.pump_until_screen_has("50 132", 10000)) << h.screen();
}

TEST(TerminalSandbox, RelayCtrlCInterruptsForegroundGroup) {
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}), "echo ready; exec sleep 30");
  ASSERT_TRUE(h.pump_until_screen_has("ready", 10000)) << h.screen();
  int64_t sent = now_ms();
  h.type("\x03");
  ASSERT_TRUE(h.pump_until([&] { return !h.box_open(); }, 10000)) << h.screen();
  int status = h.wait_exit(10000);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGINT);
  EXPECT_LT(now_ms() - sent, 5000);
}

TEST(TerminalSandbox, RelayBackpressureKeepsMemoryBounded) {
  constexpr size_t kTotal = 10'000'000;
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}),
                "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 10000000; echo; echo done");

  // The user's terminal is not read for a while: the relay must stop reading the box, not grow.
  h.pump_until([] { return false; }, 1500, /*read_screen=*/false);
  EXPECT_LE(h.max_buffered(), 2 * TerminalRelay::kBufferSize);
  EXPECT_GT(h.relay().buffered_bytes(), 0u);
  // Backpressure reached the box: the writer is blocked, not finished.
  EXPECT_EQ(::waitpid(h.child(), nullptr, WNOHANG), 0);

  ASSERT_TRUE(h.pump_until([&] { return !h.box_open(); }, 60000)) << h.screen_bytes();
  // Read what is still in flight in the user pty.
  h.pump_until([&] { return h.screen_has("done"); }, 5000);
  EXPECT_TRUE(h.screen_has("done"));
  EXPECT_GE(h.screen_bytes(), kTotal);  // every byte arrived (plus the pty's CRs)
  EXPECT_LE(h.max_buffered(), 2 * TerminalRelay::kBufferSize);
  int status = h.wait_exit(10000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(TerminalSandbox, RawModeRestoredWhenRelayDestroyed) {
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}), "sleep 30");
  termios during{};
  ASSERT_EQ(::tcgetattr(h.user_tty(), &during), 0);
  EXPECT_FALSE(same_mode(during, h.user_mode_before()));

  h.destroy_relay();
  termios after{};
  ASSERT_EQ(::tcgetattr(h.user_tty(), &after), 0);
  EXPECT_TRUE(same_mode(after, h.user_mode_before()));
  EXPECT_EQ(::fcntl(h.user_tty(), F_GETFL), h.user_flags_before());
}

TEST(TerminalSandbox, EmergencyRestoreAndMove) {
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}), "sleep 30");
  termios mode{};

  // A moved relay keeps the saved mode; the moved-from one restores nothing.
  {
    TerminalRelay moved(std::move(h.relay()));
    h.destroy_relay();
    ASSERT_EQ(::tcgetattr(h.user_tty(), &mode), 0);
    EXPECT_FALSE(same_mode(mode, h.user_mode_before()));

    // What a fatal-signal handler would call: the terminal is back while the relay lives.
    restore_terminal_modes();
    ASSERT_EQ(::tcgetattr(h.user_tty(), &mode), 0);
    EXPECT_TRUE(same_mode(mode, h.user_mode_before()));
    ASSERT_EQ(::tcsetattr(h.user_tty(), TCSANOW, &h.user_mode_before()), 0);
  }
  ASSERT_EQ(::tcgetattr(h.user_tty(), &mode), 0);
  EXPECT_TRUE(same_mode(mode, h.user_mode_before()));

  // Destroyed relays are forgotten: a later emergency restore does not touch the terminal.
  termios changed = h.user_mode_before();
  changed.c_lflag &= ~ECHO;
  ASSERT_EQ(::tcsetattr(h.user_tty(), TCSANOW, &changed), 0);
  restore_terminal_modes();
  ASSERT_EQ(::tcgetattr(h.user_tty(), &mode), 0);
  EXPECT_TRUE(same_mode(mode, changed));
}

// While a reviewer's prompt is up (TerminalHold), nothing of the box reaches the user's
// terminal; what it wrote meanwhile is kept and written once the hold ends, and the release
// wakes a relay that is waiting in poll.
TEST(TerminalSandbox, RelayUnderHoldWritesNothingUntilReleased) {
  auto hold = TerminalHold::create();
  ASSERT_TRUE(hold.ok()) << hold.error().describe();
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}),
                "echo ready; read x; echo marker-$x; exec sleep 30", hold->get());
  ASSERT_TRUE(h.pump_until_screen_has("ready", 10000)) << h.screen();

  (*hold)->hold();
  h.type("held\r");  // input still goes to the box; its answer must wait
  h.pump_until([] { return false; }, 1000);
  EXPECT_FALSE(h.screen_has("marker-held")) << h.screen();
  EXPECT_GT(h.relay().buffered_bytes(), 0u);  // kept, not dropped

  // The relay now waits for the release, not for the terminal: one poll with no timeout of
  // its own must return when another thread releases.
  std::vector<pollfd> fds;
  h.relay().add_pollfds(fds);
  ASSERT_EQ(fds.size(), TerminalRelay::kPollFdCount);
  EXPECT_EQ(fds[2].fd, -1) << "polling the terminal while held would spin";
  EXPECT_EQ(fds[3].fd, (*hold)->release_fd());
  std::thread releaser([&] {
    ::usleep(100 * 1000);
    (*hold)->release();
  });
  const int64_t before = now_ms();
  const int r = ::poll(fds.data(), fds.size(), 10000);
  releaser.join();
  ASSERT_GE(r, 1);
  EXPECT_LT(now_ms() - before, 5000);
  EXPECT_TRUE(fds[3].revents & POLLIN);
  EXPECT_TRUE(h.relay().on_ready(fds, 0));
  EXPECT_TRUE(h.pump_until_screen_has("marker-held", 10000)) << h.screen();
}

// A box that goes on writing while held fills the relay's bounded buffer and then blocks; all
// of its output arrives after the release.
TEST(TerminalSandbox, RelayUnderHoldStopsReadingWhenItsBufferIsFull) {
  auto hold = TerminalHold::create();
  ASSERT_TRUE(hold.ok()) << hold.error().describe();
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}),
                "echo ready; read x; head -c 1000000 /dev/zero | tr '\\0' a; echo; echo done",
                hold->get());
  ASSERT_TRUE(h.pump_until_screen_has("ready", 10000)) << h.screen();
  const size_t shown = h.screen_bytes();
  (*hold)->hold();
  h.type("go\r");
  h.pump_until([] { return false; }, 1500);
  // Not even the pty's echo of what was typed: it is box output too.
  EXPECT_EQ(h.screen_bytes(), shown) << h.screen();
  EXPECT_LE(h.max_buffered(), 2 * TerminalRelay::kBufferSize);
  EXPECT_EQ(::waitpid(h.child(), nullptr, WNOHANG), 0);  // blocked on its write
  (*hold)->release();
  ASSERT_TRUE(h.pump_until_screen_has("done", 60000)) << h.screen_bytes();
  EXPECT_GE(h.screen_bytes(), shown + 1000000);
}

// At the session's end the relay turns off the modes the box left on and discards the answers
// the terminal is still typing to the box's queries: the user's shell must not read them.
TEST(TerminalSandbox, FinishResetsModesAndDiscardsLateAnswers) {
  RelayHarness h;
  START_OR_SKIP(h, (winsize{24, 80, 0, 0}), (winsize{24, 80, 0, 0}),
                "printf '\\033[?1000h\\033[?2004h\\033[6n'; echo bye");
  ASSERT_TRUE(h.pump_until([&] { return !h.box_open(); }, 10000)) << h.screen();
  ASSERT_TRUE(h.pump_until_screen_has("bye", 10000)) << h.screen();
  EXPECT_TRUE(h.screen_has("\x1b[6n"));
  h.type("\x1b[12;1R");  // the terminal's answer, after the box has gone
  // The pty hands typed bytes to the line discipline asynchronously.
  int pending = 0;
  for (int64_t end = now_ms() + 5000; pending == 0 && now_ms() < end; ::usleep(1000)) {
    ASSERT_EQ(::ioctl(h.user_tty(), FIONREAD, &pending), 0);
  }
  ASSERT_GT(pending, 0);

  const int64_t before = now_ms();
  h.relay().finish();
  EXPECT_GE(now_ms() - before, TerminalRelay::kLateAnswerMs);
  ASSERT_EQ(::ioctl(h.user_tty(), FIONREAD, &pending), 0);
  EXPECT_EQ(pending, 0) << "the late answer is still there for the shell to read";
  EXPECT_TRUE(h.pump_until_screen_has("\x1b[0m", 10000)) << h.screen();
  const size_t bye = h.screen().find("bye");
  EXPECT_NE(h.screen().find("\x1b[?1000l", bye), std::string::npos) << h.screen();
  EXPECT_NE(h.screen().find("\x1b[?2004l", bye), std::string::npos) << h.screen();
  EXPECT_NE(h.screen().find("\x1b[?25h", bye), std::string::npos) << h.screen();
  EXPECT_EQ(h.wait_exit(10000), 0);
}

// stdin and stdout are pipes (`cordon run ... < file | tee`): no raw mode, EOF on input stops
// reading it but the box keeps running and its output still arrives.
TEST(TerminalSandbox, RelayWithPipesHandlesInputEof) {
  int err = 0;
  winsize size{24, 80, 0, 0};
  std::optional<Pty> box = host_pty(&size, &err);
  if (!box) GTEST_SKIP() << "no host pty: " << std::strerror(-err);
  int in[2];
  int out[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]);
  ASSERT_EQ(::write(in_w.get(), "hello\n", 6), 6);
  in_w.reset();  // EOF after one line
  int in_flags = ::fcntl(in_r.get(), F_GETFL);
  int out_flags = ::fcntl(out_w.get(), F_GETFL);

  pid_t pid = spawn_on_pty(box->slave.get(), "read x; echo got:$x; sleep 0.3; echo after");
  ASSERT_GE(pid, 0);
  box->slave.reset();
  auto relay = TerminalRelay::start(std::move(box->master), in_r.get(), out_w.get());
  ASSERT_TRUE(relay.ok()) << relay.error().describe();

  std::string output;
  bool open = true;
  int64_t deadline = now_ms() + 10000;
  while (open && now_ms() < deadline) {
    std::vector<pollfd> fds;
    relay->add_pollfds(fds);
    ASSERT_EQ(fds.size(), TerminalRelay::kPollFdCount);
    fds.push_back(pollfd{out_r.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    open = relay->on_ready(fds, 0);
    EXPECT_EQ(::fcntl(in_r.get(), F_GETFL), in_flags);
    EXPECT_EQ(::fcntl(out_w.get(), F_GETFL), out_flags);
    if (fds[3].revents & POLLIN) {
      char buf[4096];
      ssize_t n = ::read(out_r.get(), buf, sizeof(buf));
      if (n > 0) output.append(buf, static_cast<size_t>(n));
    }
  }
  EXPECT_FALSE(open) << "the relay did not see the box hang up";
  relay->drain();
  relay->finish();  // not a terminal: no mode reset written
  char buf[4096];
  int flags = ::fcntl(out_r.get(), F_GETFL);
  ::fcntl(out_r.get(), F_SETFL, flags | O_NONBLOCK);
  for (ssize_t n; (n = ::read(out_r.get(), buf, sizeof(buf))) > 0;) output.append(buf, n);
  EXPECT_NE(output.find("got:hello"), std::string::npos) << output;
  EXPECT_NE(output.find("after"), std::string::npos) << output;
  EXPECT_EQ(output.find("\x1b["), std::string::npos) << output;

  int status = wait_child(pid, 10000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// The user's output goes away (the pipe's reader closed): output is discarded, the box is not
// blocked, and the relay still ends when the box does.
TEST(TerminalSandbox, RelayDiscardsOutputWhenUserOutputGone) {
  int err = 0;
  winsize size{24, 80, 0, 0};
  std::optional<Pty> box = host_pty(&size, &err);
  if (!box) GTEST_SKIP() << "no host pty: " << std::strerror(-err);
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd out_r(out[0]), out_w(out[1]);
  out_r.reset();

  pid_t pid = spawn_on_pty(box->slave.get(), "head -c 1000000 /dev/zero; exit 7");
  ASSERT_GE(pid, 0);
  box->slave.reset();
  auto relay = TerminalRelay::start(std::move(box->master), -1, out_w.get());
  ASSERT_TRUE(relay.ok()) << relay.error().describe();

  bool open = true;
  int64_t deadline = now_ms() + 20000;
  while (open && now_ms() < deadline) {
    std::vector<pollfd> fds;
    relay->add_pollfds(fds);
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    open = relay->on_ready(fds, 0);
    EXPECT_LE(relay->buffered_bytes(), 2 * TerminalRelay::kBufferSize);
  }
  EXPECT_FALSE(open);
  int status = wait_child(pid, 10000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

}  // namespace
}  // namespace cordon::box
