// Test harness for integration tests: runs the real `cordon` binary and captures what it did.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cordon::testing {

// A temporary directory under /tmp, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct RunOutput {
  int status = -1;      // exit status (128+N for a signal, as a shell reports it)
  std::string out;
  std::string err;
  bool timed_out = false;
  long peak_rss_kib = 0;  // the largest resident set of the program and the children it reaped
};

struct RunOptions {
  std::map<std::string, std::string> set_env;   // added to the environment
  std::vector<std::string> unset_env;
  std::string stdin_data;
  int timeout_seconds = 120;
  std::optional<std::string> cwd;
};

// Runs CORDON_BINARY with `args`.
RunOutput run_cordon(const std::vector<std::string>& args, const RunOptions& options = {});

// Runs any program (path, args).
RunOutput run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

// CORDON_BINARY with `args`, left running with its stdout on a pipe, for commands that print
// as things happen (`approvals watch`): a test waits for a line, acts, and waits for the next,
// with no sleep that a slow machine could outlast. stdin is /dev/null and stderr is the test's;
// `options.stdin_data` must be empty and `options.timeout_seconds` is not used (each wait has
// its deadline). A command that cannot start says why on stderr, and its waits return false.
// The destructor stops the command if stop() was not called.
class RunningCordon {
 public:
  explicit RunningCordon(const std::vector<std::string>& args, const RunOptions& options = {});
  ~RunningCordon();
  RunningCordon(const RunningCordon&) = delete;
  RunningCordon& operator=(const RunningCordon&) = delete;

  // Reads stdout until a complete line of it contains `text` (true), or until `deadline` passes
  // or stdout ends (false).
  bool wait_for_line_containing(const std::string& text,
                                std::chrono::steady_clock::time_point deadline);

  // Everything read from stdout so far.
  const std::string& out() const { return out_; }

  // SIGTERM to the command's process group, SIGKILL if it has not exited 5 s later; reaps it
  // and returns its status as RunOutput::status has it (-1 if it never started, or once stopped).
  int stop();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string out_;
};

void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);
bool exists(const std::string& path);

// Host pids of `sleep SECONDS` processes (to find box processes from the host); tests use
// unusual durations such as "2345.61" as markers.
std::vector<pid_t> pids_sleeping(const std::string& seconds);

// Host pids of the children of `parent` whose command name (/proc/PID/comm, at most 15
// characters) is `comm`.
std::vector<pid_t> children_named(pid_t parent, const std::string& comm);

}  // namespace cordon::testing
