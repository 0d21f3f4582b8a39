// run_box(): builds a box from a Policy, runs one program in it, and tears it down.
//
// This is the whole life of a session on the supervisor side. The ordered launch steps live in
// supervisor.cpp (parent) and box_init.cpp / agent.cpp (child); see docs/launch-sequence.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/terminal_hold.h"
#include "events/session_events.h"
#include "gate/gate.h"
#include "policy/policy.h"
#include "review/review_queue.h"

namespace cordon::box {

// A host file shown read-only at a fixed path inside the box (the verify probe, for instance).
struct ExtraFile {
  std::string host_path;
  std::string box_path;  // under /run/cordon/
};

struct LaunchRequest {
  const policy::Policy* policy = nullptr;
  std::vector<std::string> command;      // argv; argv[0] is looked up on the box's PATH
  std::string workspace;                 // canonical absolute path
  std::string cwd;                       // working directory inside the box
  std::string home;                      // the user's home path (HOME in the box)
  std::vector<std::string> environment;  // KEY=VALUE, already scrubbed (see environment.h)
  std::vector<ExtraFile> extra_files;
  std::string session_id;
  std::string cordon_version;
  std::string user;         // the user's name, for the session event
  std::string policy_text;  // the effective policy as rendered, for the session event
  // With home = "persist": the host directory shown as the home (created by the caller).
  std::string persist_home_dir;
  // cordon's state directory (placeholder registry, kept homes).
  std::string state_dir;
  // cordon's own directories (the user's config and state): no writable path may hold them, or
  // lie within them, or the box could rewrite its own future policy.
  std::vector<std::string> cordon_dirs;
  // Workspace-relative paths protected for this session besides the policy's (the config and
  // hooks of repositories embedded in the workspace's).
  std::vector<std::string> extra_protected_paths;
  // cordon's own files no box may see, masked like hidden paths (the audit store and key).
  std::vector<std::string> private_paths;
  // Loopback TCP ports box programs may connect to (Landlock ABI 4+), from the policy.
  std::vector<uint16_t> loopback_ports;
  // Relay a pty when stdin is a terminal (the default); tests can force it off.
  bool allow_terminal = true;
  // Relay the user's keystrokes to the box's pty. Off when cordon's own terminal is a review
  // channel (`--review tty`): the program's output still shows, but it never reads the keys
  // a reviewer types.
  bool relay_input = true;
  // Set when cordon's own terminal is a review channel: while the reviewer's prompt is up, the
  // box's output is kept back (a program could otherwise draw over the prompt). Outlives
  // run_box.
  TerminalHold* terminal_hold = nullptr;
  // When set, the program's stdout goes to this host file (created 0600) instead of cordon's
  // stdout. `cordon verify` collects the probe's report this way.
  std::optional<std::string> stdout_file;
  // The approval gate (design.md section 5): when set, every program start in the box is
  // decided by it, with `ask`s held in `reviews` (null: asks are refused). Both outlive run_box.
  const gate::Gate* gate = nullptr;
  review::ReviewQueue* reviews = nullptr;
  // Called once on the supervisor's thread when the program's exit is known, while the box's
  // init is still ending: what the caller can start winding down meanwhile (review channels).
  std::function<void()> on_program_exit;
};

struct LaunchResult {
  std::optional<int> exit_code;
  std::optional<int> signal;
  bool timed_out = false;
  std::chrono::milliseconds duration{0};
  events::ResourcePeaks peaks;
  std::vector<events::WallStatus> walls;
  // The exit status cordon itself should return: the program's, 128+N for a signal.
  int status() const;
};

// Checks that run_box could build the box `request` describes, changing nothing on the host:
// Landlock as the policy requires it, and the filesystem view (paths that exist and may be
// shown, hidden paths beneath the binds, cordon's own directories out of reach).
Result<void> check_buildable(const LaunchRequest& request);

// Runs the session. Returns an error (and emits SetupFailed) if any wall the policy asks for
// cannot be built; never runs the program with a weaker box.
Result<LaunchResult> run_box(const LaunchRequest& request, events::EventSink& events);

}  // namespace cordon::box
