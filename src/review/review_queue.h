// ReviewQueue: the programs the gate holds for a human, and the reviewers' answers.
//
// One queue per session, owned by the supervisor. The gate submits an item and keeps the program
// stopped; the channels (control socket, web page, terminal) list items and answer them. An item
// ends exactly once: approved (by as many distinct reviewers as it needs), denied (by any one),
// timed out (deny), or cancelled (the program died while held). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "gate/gate.h"

namespace cordon::review {

enum class Verdict { kApprove, kDeny };
// kSession: later starts of exactly this executable with exactly this argv are allowed without
// asking again, until the session ends. Never broader than what the reviewer saw.
enum class GrantScope { kOnce, kSession };

struct ReviewItem {
  std::string id;  // assigned by the queue: short, random, unguessable from the box
  std::string session_id;
  gate::ProgramStart start;
  gate::GateDecision decision;  // rule, reason, risk (score, level, reasons, reversibility)
  int reviewers_needed = 1;
  std::chrono::system_clock::time_point requested_at;
  std::chrono::system_clock::time_point deadline;
  std::vector<std::string> approved_by;  // distinct reviewers so far (for two-reviewer items)
};

struct ReviewerAnswer {
  std::string id;
  Verdict verdict = Verdict::kDeny;
  GrantScope scope = GrantScope::kOnce;
  std::string reviewer;  // an identity the channel authenticated: "uid:alice", "web:bob"
  std::string channel;   // "socket", "web", "tty"
  std::string reason;    // optional, shown to the agent on a deny
};

struct ReviewOutcome {
  bool approved = false;
  bool timed_out = false;
  bool cancelled = false;
  GrantScope scope = GrantScope::kOnce;
  std::vector<std::string> reviewers;  // who decided ("timeout" when nobody did)
  std::string channel;
  std::string reason;
  std::chrono::milliseconds latency{0};
};

// What happened to one answer: it ended the item, or it was recorded and the item waits for
// another reviewer.
enum class AnswerEffect { kDecided, kRecordedAwaitingAnother };

class ReviewQueue {
 public:
  // Runs exactly once per item, on the thread that ended it (an answering channel, or the
  // queue's timer). Must not call back into the queue.
  using Done = std::function<void(const ReviewItem&, const ReviewOutcome&)>;
  // Runs on every change (an item added, answered in part, or ended), for live views.
  using Listener = std::function<void()>;

  ReviewQueue(std::string session_id, std::chrono::milliseconds timeout);
  ~ReviewQueue();  // ends every pending item as cancelled
  ReviewQueue(const ReviewQueue&) = delete;
  ReviewQueue& operator=(const ReviewQueue&) = delete;

  // Adds an item (its id, requested_at and deadline are filled in) and returns its id.
  std::string submit(ReviewItem item, Done done);
  // Errors: unknown or ended id, the same reviewer answering twice, an empty reviewer.
  Result<AnswerEffect> answer(const ReviewerAnswer& answer);
  // The program died while held: ends the item without a verdict.
  void cancel(const std::string& id);

  std::vector<ReviewItem> pending() const;
  std::optional<ReviewItem> find(const std::string& id) const;
  // True when a "for this session" grant covers this exact executable and argv, started in the
  // same working directory (`rm -rf build/` approved in app/ says nothing of other/), with the
  // same variables that change what it does (a grant without LD_PRELOAD says nothing of one).
  bool granted(const gate::ProgramStart& start) const;

  // Returns a handle; the listener is removed when the handle is destroyed.
  std::shared_ptr<void> subscribe(Listener listener);

  const std::string& session_id() const;
  std::chrono::milliseconds timeout() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cordon::review
