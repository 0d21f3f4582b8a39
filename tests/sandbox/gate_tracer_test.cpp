// The gate's tracer on real processes: every exec decided, refusals end with 126 and a message,
// signals and job control still work, and nothing started by the traced tree escapes the trace.
#include "box/gate_tracer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <chrono>
#include <thread>

#include "box/exec_listener.h"
#include "box/seccomp.h"

namespace cordon::box {
namespace {

// A directory of the test's own under /tmp, removed with everything in it at the end.
struct ScratchDir {
  explicit ScratchDir(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    path = ::mkdtemp(tmpl.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path;
};

struct TracedRun {
  int status = -1;  // the root's wait status
  std::vector<events::ProgramStarted> starts;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether a start's audit row is recorded (the audit writer still there); every one by default.
using Recorded = std::function<bool(const events::ProgramStarted&)>;

// Runs `root_body` (which must exec or _exit) as the root of a gated tree, deciding each start with
// `decide`; its stdout and stderr are files.
TracedRun run_traced_root(const std::function<void()>& root_body,
                          std::function<gate::GateDecision(const gate::ProgramStart&)> decide,
                          Recorded recorded = nullptr) {
  TracedRun run;
  const ScratchDir scratch("cordon-gate-tracer");
  const std::string& dir = scratch.path;
  const std::string out = dir + "/out", err = dir + "/err";
  int go[2];
  EXPECT_EQ(::pipe2(go, O_CLOEXEC), 0);
  // The root sends its exec listener as a gated box's agent does (box/exec_listener.h).
  int gate[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, gate), 0);
  // As in the supervisor, SIGCHLD is blocked in every thread: the tracer reads it from a signalfd.
  sigset_t chld, saved;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::pthread_sigmask(SIG_BLOCK, &chld, &saved);
  const pid_t root = ::fork();
  if (root == 0) {
    char byte;
    if (::read(go[0], &byte, 1) != 1) ::_exit(120);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(122);
    if (send_exec_listener(prebuilt_exec_notify_filter().fprog(), gate[1]) != 0) ::_exit(123);
    ::close(gate[1]);
    root_body();
    ::_exit(121);
  }
  ::close(go[0]);
  ::close(gate[1]);
  std::mutex mutex;
  GateTracerOptions options;
  options.init_pid = root;
  options.exec_listener_socket = UniqueFd(gate[0]);
  options.session_id = "test";
  options.decide = std::move(decide);
  options.emit = [&](const events::Event& e) {
    std::lock_guard lock(mutex);
    const auto* start = std::get_if<events::ProgramStarted>(&e);
    if (start == nullptr) return true;
    run.starts.push_back(*start);
    return !recorded || recorded(*start);
  };
  auto tracer = GateTracer::start(std::move(options));
  EXPECT_TRUE(tracer.ok()) << (tracer.ok() ? "" : tracer.error().describe());
  if (!tracer.ok()) {
    ::kill(root, SIGKILL);
    ::waitpid(root, nullptr, 0);
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    return run;
  }
  EXPECT_EQ(::write(go[1], "g", 1), 1);
  ::close(go[1]);
  run.status = (*tracer)->wait_init();
  tracer->reset();
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  run.out = slurp(out);
  run.err = slurp(err);
  return run;
}

// Runs `sh -c SCRIPT` as the root of a gated tree.
TracedRun run_traced(const std::string& script,
                     std::function<gate::GateDecision(const gate::ProgramStart&)> decide,
                     Recorded recorded = nullptr) {
  return run_traced_root([&script] { ::execl("/bin/sh", "sh", "-c", script.c_str(), nullptr); },
                         std::move(decide), std::move(recorded));
}

gate::GateDecision allow_all(const gate::ProgramStart&) { return {}; }

// Refuses any start with `word` among its arguments.
auto refuse_word(std::string word) {
  return [word](const gate::ProgramStart& start) {
    gate::GateDecision d;
    if (std::find(start.argv.begin() + (start.argv.empty() ? 0 : 1), start.argv.end(), word) !=
        start.argv.end()) {
      d.action = gate::Action::kDeny;
      d.rule = "test-rule";
      d.reason = "the word " + word + " is refused";
    }
    return d;
  };
}

// Refuses `echo` (whatever it is called, however it is reached) with `word` in its arguments.
auto refuse_echo_with(std::string word) {
  return [refuse = refuse_word(word)](const gate::ProgramStart& start) {
    return gate::program_name(start) == "echo" ? refuse(start) : gate::GateDecision{};
  };
}

std::vector<std::string> executables(const TracedRun& run) {
  std::vector<std::string> out;
  for (const auto& s : run.starts) out.push_back(s.path);
  return out;
}

TEST(GateTracer, DecidesEveryProgramStartWithItsResolvedExecutableAndArgv) {
  TracedRun run = run_traced("/bin/true; /usr/bin/env echo hello; (cd /usr && exec /bin/pwd)",
                             allow_all);
  ASSERT_TRUE(WIFEXITED(run.status)) << run.status;
  EXPECT_EQ(WEXITSTATUS(run.status), 0) << run.err;
  EXPECT_EQ(run.out, "hello\n/usr\n");
  const auto exes = executables(run);
  // sh itself, true, env and the echo env starts, pwd.
  ASSERT_EQ(exes.size(), 5u) << ::testing::PrintToString(exes);
  EXPECT_NE(exes[0].find("sh"), std::string::npos);
  EXPECT_EQ(exes[1], std::filesystem::canonical("/bin/true").string());
  EXPECT_EQ(run.starts[2].argv, (std::vector<std::string>{"/usr/bin/env", "echo", "hello"}));
  EXPECT_EQ(run.starts[3].argv, (std::vector<std::string>{"echo", "hello"}));
  EXPECT_EQ(exes[3], std::filesystem::canonical("/bin/echo").string());
  EXPECT_EQ(exes[4], std::filesystem::canonical("/bin/pwd").string());
  for (const auto& s : run.starts) EXPECT_EQ(s.decision, events::Decision::kAllow);
}

// A start the gate would hold carries the variables that change what it does, which its argv
// does not show (LD_PRELOAD ran the box's code inside an approved `rm` in an internal bug hunt);
// an allowed start's environment is not read.
TEST(GateTracer, AHeldStartCarriesTheEnvironmentThatChangesWhatItDoes) {
  auto ask_echo = [](const gate::ProgramStart& start) {
    gate::GateDecision d;
    if (gate::program_name(start) == "echo") {
      d.action = gate::Action::kAsk;
      d.rule = "test-ask";
      d.reason = "echo asks";
    }
    return d;
  };
  TracedRun run = run_traced(
      "LD_PRELOAD= GIT_DIR=/elsewhere TF_CLI_ARGS_apply=-destroy HOME=/h /bin/echo held; "
      "GIT_DIR=/elsewhere /bin/true",
      ask_echo);
  ASSERT_EQ(run.starts.size(), 3u);
  // No reviewer in this session: the held start is refused, and its row names the variables.
  EXPECT_EQ(run.starts[1].decision, events::Decision::kDeny);
  const std::string& path = run.starts[1].path;
  for (const char* entry :
       {"(with ", "LD_PRELOAD=", "GIT_DIR=/elsewhere", "TF_CLI_ARGS_apply=-destroy"}) {
    EXPECT_NE(path.find(entry), std::string::npos) << entry << " in " << path;
  }
  EXPECT_EQ(path.find("HOME="), std::string::npos) << path;
  EXPECT_EQ(run.starts[2].decision, events::Decision::kAllow);
  EXPECT_EQ(run.starts[2].path.find("(with"), std::string::npos) << run.starts[2].path;
}

// An allowed start whose audit row could not be recorded (the writer is gone) never runs: the
// audit trail fails closed at the program start itself, not only when the box is stopped.
TEST(GateTracer, AnAllowedStartThatCouldNotBeRecordedDoesNotRun) {
  TracedRun run =
      run_traced("/bin/echo one; /bin/echo unrecorded; echo status=$?", allow_all,
                 [](const events::ProgramStarted& s) { return s.argv.back() != "unrecorded"; });
  ASSERT_TRUE(WIFEXITED(run.status)) << run.status;
  EXPECT_EQ(run.out, "one\nstatus=137\n");  // killed (128 + SIGKILL) before it printed
  ASSERT_EQ(run.starts.size(), 3u);
}

TEST(GateTracer, ARefusedStartExitsWith126AndSaysWhyOnItsStderr) {
  TracedRun run = run_traced("/bin/echo forbidden; echo status=$?", refuse_word("forbidden"));
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 0);
  EXPECT_EQ(run.out, "status=126\n");  // echo never printed "forbidden"
  EXPECT_NE(run.err.find("cordon: refused `/bin/echo forbidden`: the word forbidden is refused "
                         "(rule: test-rule)"),
            std::string::npos)
      << run.err;
  ASSERT_EQ(run.starts.size(), 2u);
  EXPECT_EQ(run.starts[1].decision, events::Decision::kDeny);
  EXPECT_EQ(run.starts[1].rule, "test-rule");
}

TEST(GateTracer, WrappersAndSymlinksChangeNothing) {
  const ScratchDir scratch("cordon-gate-link");
  const std::string& dir = scratch.path;
  std::filesystem::create_symlink("/bin/echo", dir + "/innocent");
  const std::string script = "env /bin/echo forbidden; echo a=$?; " + dir +
                             "/innocent forbidden; echo b=$?; echo x | xargs echo forbidden; "
                             "echo c=$?; timeout 5 echo forbidden; echo d=$?; "
                             "find /bin/echo -exec {} forbidden \\; ; echo e=$?";
  TracedRun run = run_traced(script, refuse_echo_with("forbidden"));
  // xargs reports a child that exits 126 as 123 ("some invocation failed"); find -exec as 0.
  EXPECT_EQ(run.out, "a=126\nb=126\nc=123\nd=126\ne=0\n") << run.err;
  EXPECT_EQ(run.out.find("forbidden"), std::string::npos);
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 5) << run.err;
}

TEST(GateTracer, ARefusedRootEndsTheTreeWith126) {
  TracedRun run = run_traced("exec /bin/echo forbidden", refuse_word("forbidden"));
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 126);
  EXPECT_EQ(run.out, "");
}

TEST(GateTracer, SignalsAndJobControlStillReachTracees) {
  // A child stopped and continued by job-control signals, then terminated by a signal its
  // parent sends: all delivered through the tracer.
  TracedRun run = run_traced(
      "sleep 30 & p=$!; kill -STOP $p; kill -CONT $p; kill -TERM $p; wait $p; echo st=$?",
      allow_all);
  EXPECT_EQ(run.out, "st=143\n") << run.err;
}

TEST(GateTracer, ThreadsForksAndDaemonsAreTracedToo) {
  // A double fork and a setsid'd grandchild: their execs are decided like the rest.
  TracedRun run = run_traced("( (setsid /bin/echo forbidden; echo g=$? ) & wait ) ; echo done",
                             refuse_word("forbidden"));
  EXPECT_EQ(run.out, "g=126\ndone\n") << run.err;
}

}  // namespace
}  // namespace cordon::box

namespace cordon::box {
namespace {

TEST(GateTracer, ARenamedCopyOfASystemProgramIsJudgedAsThatProgram) {
  const ScratchDir scratch("cordon-gate-copy");
  const std::string& dir = scratch.path;
  std::filesystem::copy_file("/bin/echo", dir + "/innocent");
  std::filesystem::permissions(dir + "/innocent", std::filesystem::perms::owner_all);
  TracedRun run = run_traced(dir + "/innocent forbidden; echo st=$?; " + dir + "/innocent fine",
                             refuse_echo_with("forbidden"));
  EXPECT_EQ(run.out, "st=126\nfine\n") << run.err;
  ASSERT_GE(run.starts.size(), 2u);
  EXPECT_NE(run.starts[1].path.find("(a copy of " +
                                    std::filesystem::canonical("/bin/echo").string() + ")"),
            std::string::npos)
      << run.starts[1].path;
}

}  // namespace
}  // namespace cordon::box

namespace cordon::box {
namespace {

// A thread that is not the leader execs: the process takes the leader's number at the exec
// event, and the start is still decided (and refused).
TEST(GateTracer, AnExecFromASecondThreadIsDecided) {
  TracedRun run = run_traced_root(
      [] {
        std::thread([] {
          ::execl("/bin/echo", "echo", "forbidden", nullptr);
          ::_exit(124);
        }).join();
      },
      refuse_word("forbidden"));
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 126) << run.err;
  EXPECT_EQ(run.out, "");
  ASSERT_EQ(run.starts.size(), 1u);
  EXPECT_EQ(run.starts[0].decision, events::Decision::kDeny);
}

// An execve that fails (no such file) leaves its caller traced; its next exec is decided.
TEST(GateTracer, AfterAFailedExecTheNextIsDecided) {
  TracedRun run = run_traced_root(
      [] {
        if (::fork() == 0) {
          ::execl("/nonexistent/program", "program", nullptr);
          ::execl("/bin/echo", "echo", "forbidden", nullptr);
          ::_exit(124);
        }
        int status = 0;
        ::wait(&status);
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
      },
      refuse_word("forbidden"));
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 126) << run.err;
  EXPECT_EQ(run.out, "");
}

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    n += 1;
  }
  return n;
}

// The tracer opens a seized process's /proc entries while its execve runs; one whose execve
// fails keeps them until its next exec. A box of many such processes must not run the
// supervisor out of descriptors: the handles held at once are capped, and past the cap each
// start is read by number and decided as well.
TEST(GateTracer, ProcessesWhoseExecFailedHoldAtMostTheCapOfHandles) {
  constexpr int kChildren = 100;
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const size_t before = open_descriptors();
  size_t during = 0;
  std::thread counter([&] {
    char bytes[kChildren];
    size_t got = 0;
    while (got < sizeof bytes) {
      const ssize_t n = ::read(ready[0], bytes + got, sizeof bytes - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    during = open_descriptors();
    for (int i = 0; i < kChildren; ++i) (void)!::write(release[1], "r", 1);
  });
  TracedRun run = run_traced_root(
      [&] {
        for (int i = 0; i < kChildren; ++i) {
          if (::fork() == 0) {
            ::execl("/nonexistent/program", "program", nullptr);
            char byte;
            if (::write(ready[1], "f", 1) != 1 || ::read(release[0], &byte, 1) != 1) ::_exit(124);
            const std::string word = "n" + std::to_string(i);
            ::execl("/bin/echo", "echo", word.c_str(), nullptr);
            ::_exit(125);
          }
        }
        int status = 0, failed = 0;
        while (::wait(&status) > 0) failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ::_exit(failed == 0 ? 0 : 120);
      },
      allow_all);
  counter.join();
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 0) << run.err;
  EXPECT_EQ(run.starts.size(), static_cast<size_t>(kChildren));
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), kChildren);
  // Three handles for each of at most 64 processes, and the tracer's own few.
  EXPECT_LE(during, before + 3 * 64 + 16) << "before " << before;
}

// A process another tracer holds (a debugger in the box) cannot be seized: its exec fails
// rather than run undecided.
TEST(GateTracer, AProcessTracedByAnotherCannotExec) {
  TracedRun run = run_traced_root(
      [] {
        const pid_t child = ::fork();
        if (child == 0) {
          ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
          ::execl("/bin/echo", "echo", "hello", nullptr);
          ::_exit(errno == EPERM ? 77 : 78);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
      },
      allow_all);
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 77) << run.err;
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace cordon::box

namespace cordon::box {
namespace {

// The system's dynamic loader, or empty.
std::string system_loader() {
  for (const char* path : {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// The loader maps the program itself (no execve the gate would see): the start is judged as
// that program, however the loader is reached or told the program's name.
TEST(GateTracer, AProgramStartedThroughTheDynamicLoaderIsJudgedAsThatProgram) {
  const std::string loader = system_loader();
  if (loader.empty()) GTEST_SKIP() << "no known dynamic loader path on this architecture";
  const ScratchDir scratch("cordon-gate-loader");
  const std::string& dir = scratch.path;
  std::filesystem::copy_file(loader, dir + "/myld");
  std::filesystem::permissions(dir + "/myld", std::filesystem::perms::owner_all);
  std::filesystem::create_symlink("/bin/echo", dir + "/innocent");
  const std::string script = loader + " /bin/echo forbidden; echo a=$?; " + dir +
                             "/myld --argv0 x /bin/echo forbidden; " + "echo b=$?; cd " + dir +
                             " && " + loader + " ./innocent forbidden; echo c=$?; " + loader +
                             " echo forbidden; echo d=$?; " + loader + " /bin/echo fine";
  TracedRun run = run_traced(script, refuse_echo_with("forbidden"));
  EXPECT_EQ(run.out, "a=126\nb=126\nc=126\nd=126\nfine\n") << run.err;
  EXPECT_NE(run.err.find("by a bare name"), std::string::npos) << run.err;
  ASSERT_FALSE(run.starts.empty());
  EXPECT_NE(run.starts.back().path.find("(through the dynamic loader"), std::string::npos)
      << run.starts.back().path;
}

}  // namespace
}  // namespace cordon::box

namespace cordon::box {
namespace {

// Paths are judged as text and as what they reach: an operand through a symlink to a refused
// path is refused; the link itself (no trailing slash, not followed) is not what it points to.
TEST(GateTracer, AnOperandThroughASymlinkIsJudgedAsThePathItReaches) {
  const ScratchDir scratch("cordon-gate-through");
  const std::string& dir = scratch.path;
  std::filesystem::create_directories(dir + "/precious/inner");
  std::filesystem::create_directory_symlink(dir + "/precious", dir + "/innocent");
  const std::string precious = dir + "/precious";
  auto refuse_precious = [precious](const gate::ProgramStart& start) {
    gate::GateDecision d;
    for (size_t i = 1; i < start.argv.size(); ++i) {
      if (start.argv[i] == precious || start.argv[i] == precious + "/inner") {
        d.action = gate::Action::kDeny;
        d.rule = "test-rule";
        d.reason = "precious";
      }
    }
    return d;
  };
  TracedRun run = run_traced("cd " + dir + "; /bin/echo innocent/ >/dev/null; echo a=$?; " +
                                 "/bin/echo " + dir + "/innocent/inner >/dev/null; echo b=$?; " +
                                 "/bin/echo innocent >/dev/null; echo c=$?",
                             refuse_precious);
  EXPECT_EQ(run.out, "a=126\nb=126\nc=0\n") << run.err;
  EXPECT_NE(run.err.find("through symlinks"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace cordon::box

namespace cordon::box {
namespace {

// A refusal written to a pipe nobody reads must not hold the tracer (every exec in the box
// would wait behind it): a long reason is cut to what one pipe page takes at once.
TEST(GateTracer, ALongRefusalIntoAPipeNobodyReadsDoesNotHoldTheGate) {
  const ScratchDir scratch("cordon-gate-pipe");
  const std::string& dir = scratch.path;
  auto refuse_long = [](const gate::ProgramStart& start) {
    gate::GateDecision d;
    if (gate::program_name(start) == "echo") {
      d.action = gate::Action::kDeny;
      d.rule = "test-rule";
      d.reason = std::string(200000, 'x');
    }
    return d;
  };
  const auto begin = std::chrono::steady_clock::now();
  // `sleep` holds the fifo open for reading and never reads.
  TracedRun run = run_traced("mkfifo " + dir + "/p; sleep 5 <>" + dir + "/p & " +
                                 "/bin/echo hi 2>" + dir + "/p; echo st=$?; kill $!",
                             refuse_long);
  const auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(run.out, "st=126\n") << run.err;
  EXPECT_LT(took, std::chrono::seconds(4)) << "the refusal waited for the pipe's reader";
}

}  // namespace
}  // namespace cordon::box
