// Typed session events: what the box and the other walls report, for the audit trail to persist.
//
// The box (and later the egress proxy, the gate and the credential broker) emits these through an
// EventSink; the CLI wires the sinks: the audit store (src/audit/) and the session summary.
// Strings may still hold secrets the program was given (a token in argv): the audit store
// redacts every string before it is hashed and written.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"

namespace cordon::events {

// One wall as built for this session, with the mechanism that enforces it.
struct WallStatus {
  std::string wall;       // "isolation", "filesystem", "egress", "resources", ...
  std::string mechanism;  // "user+mount+pid+net+ipc+uts+cgroup namespaces", "landlock abi 6", ...
  bool active = true;     // false only where the policy explicitly allowed a degrade
  std::string note;       // why a wall is degraded, or what is not enforced yet
};

struct SessionStarted {
  std::string session_id;
  std::string cordon_version;
  std::string profile;
  std::string policy_text;  // the effective policy as rendered by `policy show`
  std::string user;
  std::string workspace;
  std::vector<std::string> command;
  std::vector<WallStatus> walls;
};

struct SetupFailed {
  std::string session_id;
  std::string step;  // a box launch step name, e.g. "mount-system-dirs"
  int sys_errno = 0;
  std::string message;
};

struct ResourcePeaks {
  std::optional<uint64_t> memory_bytes;
  std::optional<uint64_t> pids;
};

struct SessionEnded {
  std::string session_id;
  std::optional<int> exit_code;  // set when the program exited
  std::optional<int> signal;     // set when it was killed by a signal
  bool timed_out = false;
  std::chrono::milliseconds duration{0};
  ResourcePeaks peaks;
};

// What a wall decided about one request. On the audit wire as its number (kAsk stays last:
// event_wire.cpp refuses a number above it).
enum class Decision { kAllow, kDeny, kAsk };

// The gate saw a program start (execve) and decided.
struct ProgramStarted {
  std::string session_id;
  std::vector<std::string> argv;
  std::string path;  // the resolved executable
  Decision decision = Decision::kAllow;
  std::string rule;    // the policy rule that decided ("" for the default)
  std::string reason;  // why, in words ("matches gate.ask rm -rf")
};

// The egress proxy allowed or refused a connection.
struct NetworkDecision {
  std::string session_id;
  std::string host;  // as the program asked for it
  uint16_t port = 0;
  std::string protocol;  // "http", "connect", "socks5", "transparent", "forward", "dns"
  std::string address;   // the address connected to (empty when refused before resolving)
  Decision decision = Decision::kDeny;
  std::string rule;
  std::string reason;
  uint64_t bytes_up = 0;    // box -> destination, for allowed connections
  uint64_t bytes_down = 0;  // destination -> box
  std::string client;       // the standalone proxy's client name; empty in a box
};

// The gate asked a human.
struct ApprovalRequested {
  std::string session_id;
  std::string request_id;
  std::string what;  // the command or statement awaiting approval
  std::string risk;  // "high", "critical", ...
};

// A human (or the timeout) answered.
struct ApprovalAnswered {
  std::string session_id;
  std::string request_id;
  std::string reviewer;  // who answered ("timeout" when nobody did)
  std::string channel;   // how ("terminal", "web", ...)
  Decision decision = Decision::kDeny;
  std::chrono::milliseconds latency{0};
};

// A scoped, short-lived credential was handed to the box, or taken back.
struct CredentialMinted {
  std::string session_id;
  std::string credential_id;
  std::string scope;
  std::chrono::seconds ttl{0};
};

struct CredentialRevoked {
  std::string session_id;
  std::string credential_id;
  std::string reason;  // "expired", "session ended", ...
};

using Event =
    std::variant<SessionStarted, SetupFailed, SessionEnded, ProgramStarted, NetworkDecision,
                 ApprovalRequested, ApprovalAnswered, CredentialMinted, CredentialRevoked>;

// The session every event belongs to.
inline const std::string& session_of(const Event& event) {
  return std::visit([](const auto& e) -> const std::string& { return e.session_id; }, event);
}

// Receives events in order. Implementations must not block the caller for long.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(const Event& event) = 0;
  // Several events in order; a sink that can deliver them at once (the audit client: one write
  // for all) overrides it.
  virtual void emit_all(std::span<const Event> events) {
    for (const Event& event : events) emit(event);
  }
  // Blocks until the sink can record the session (the audit store opened). The box calls it
  // after building itself and before starting the program; an error stops the session there.
  virtual Result<void> wait_ready() { return Ok{}; }
  // True once an event could not be delivered to where it is kept (the audit writer is gone):
  // every event from then on would go unrecorded. The box stops when it sees this.
  virtual bool lost() const { return false; }
  // A socket that hangs up when the sink can no longer record (the audit writer's), for the
  // supervisor to watch while nothing is emitted; -1 if there is none.
  virtual int hangup_fd() const { return -1; }
};

// A sink that keeps events in memory (the session summary, tests).
class RecordingSink : public EventSink {
 public:
  void emit(const Event& event) override { events_.push_back(event); }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
};

}  // namespace cordon::events
