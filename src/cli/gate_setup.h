// SessionGate: the approval gate of one session, as the command line sets it up: the decision
// compiled from the policy, the review queue, and the channels reviewers answer on.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/terminal_hold.h"
#include "gate/gate.h"
#include "policy/policy.h"
#include "review/control_server.h"
#include "review/review_queue.h"
#include "review/tty_reviewer.h"
#include "review/web_server.h"

namespace cordon::cli {

// How reviewers answer. The control socket (`cordon approvals`) is always open while the gate
// is on; `--review web` adds the page, `--review tty` prompts on cordon's own terminal (which
// the program then does not get).
struct ReviewChannels {
  bool web = false;
  bool tty = false;
  // false (verify): asks are refused at once, with the channels still open as targets.
  bool hold_asks = true;
};

// Parses `--review` values ("web", "tty", "socket"; repeatable). Unknown names are errors.
Result<ReviewChannels> parse_review_channels(const std::vector<std::string>& names);

// How the notice that says where held commands are answered begins (`run -q` leaves it out).
inline constexpr std::string_view kHeldCommandsNotice = "cordon: held commands: ";

class SessionGate {
 public:
  // Nothing is started when the policy turns the gate off (gate.unsafe_disabled). Fails closed
  // when this machine refuses ptrace, with how to fix it. `extra_rules` are added after the
  // policy's (verify's bait).
  static Result<std::unique_ptr<SessionGate>> open(const policy::Policy& policy,
                                                   const std::string& session_id,
                                                   const std::string& workspace,
                                                   const std::string& home,
                                                   const ReviewChannels& channels,
                                                   std::vector<gate::RuleSpec> extra_rules = {});
  ~SessionGate();

  // Null when the gate is off.
  const gate::Gate* gate() const { return gate_ ? &*gate_ : nullptr; }
  // Null when asks are not held (verify) or the gate is off.
  review::ReviewQueue* reviews() const { return hold_asks_ ? queue_.get() : nullptr; }
  // Lines for the user before the program starts: where to review.
  const std::vector<std::string>& notices() const { return notices_; }
  std::string control_socket() const;
  // The program has exited: the review channels start winding down while the box ends (their
  // threads are joined by the destructor). No reviewer's answer is taken after this.
  void begin_close();
  uint16_t web_port() const;
  // With `--review tty`: what keeps the box's output off the terminal while a prompt is up
  // (LaunchRequest::terminal_hold). Null otherwise.
  TerminalHold* terminal_hold() const { return terminal_hold_.get(); }

 private:
  SessionGate() = default;
  std::optional<gate::Gate> gate_;
  bool hold_asks_ = true;
  std::unique_ptr<review::ReviewQueue> queue_;
  std::unique_ptr<review::ControlServer> control_;
  std::unique_ptr<review::WebServer> web_;
  std::unique_ptr<TerminalHold> terminal_hold_;  // outlives tty_
  std::unique_ptr<review::TtyReviewer> tty_;
  std::vector<std::string> notices_;
};

}  // namespace cordon::cli
