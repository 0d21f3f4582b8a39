// The review queue: pending items, reviewers' answers, session grants and the timeout timer.
#include "review/review_queue.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <list>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "base/signal_scope.h"
#include "base/files.h"

namespace cordon::review {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Entry {
  ReviewItem item;
  ReviewQueue::Done done;
  SteadyClock::time_point submitted;
  SteadyClock::time_point deadline;
  std::vector<GrantScope> scopes;  // one per approved_by entry
};

// An item that has left the queue and whose Done has still to run, outside the lock.
struct Ended {
  ReviewItem item;
  ReviewQueue::Done done;
  ReviewOutcome outcome;
};

// 10 hex characters (40 bits) from getrandom: the box never sees them, and guessing one
// through a channel would need the channel's own credentials first.
std::string new_id() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    Result<std::string> id = random_hex(5);
    if (id.ok()) return std::move(id).value();
  }
  std::fputs("cordon: getrandom failed while naming a review item\n", stderr);
  std::abort();
}

std::chrono::milliseconds since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
}

// Listeners live apart from the items so that a handle that outlives the queue still finds
// something valid to unregister from.
struct Listeners {
  std::mutex mu;  // held while listeners run: removing one waits for a call in flight
  std::list<std::pair<uint64_t, ReviewQueue::Listener>> list;
  uint64_t next = 1;

  void notify() {
    std::lock_guard lock(mu);
    for (auto& [key, listener] : list) listener();
  }
};

}  // namespace

struct ReviewQueue::State {
  std::string session_id;
  std::chrono::milliseconds timeout;

  mutable std::mutex mu;
  std::condition_variable wake;  // the timer waits on it for the next deadline
  std::vector<Entry> entries;    // in submission order
  // executable, argv, cwd: relative operands mean something else in another directory.
  // environment too: the variables that change what the program does (LD_PRELOAD...).
  std::set<std::tuple<std::string, std::vector<std::string>, std::string, std::vector<std::string>>>
      grants;
  bool stopping = false;

  std::shared_ptr<Listeners> listeners = std::make_shared<Listeners>();
  std::thread timer;

  void finish(std::vector<Ended>& ended) {
    for (Ended& e : ended) {
      if (e.done) e.done(e.item, e.outcome);
    }
    if (!ended.empty()) listeners->notify();
  }

  // Removes every item whose deadline has passed; called with `mu` held.
  std::vector<Ended> take_expired(SteadyClock::time_point now) {
    std::vector<Ended> ended;
    for (auto it = entries.begin(); it != entries.end();) {
      if (it->deadline > now) {
        ++it;
        continue;
      }
      ReviewOutcome outcome;
      outcome.timed_out = true;
      outcome.reviewers = {"timeout"};
      outcome.reason = "nobody answered in time";
      outcome.latency = since(it->submitted);
      ended.push_back({std::move(it->item), std::move(it->done), std::move(outcome)});
      it = entries.erase(it);
    }
    return ended;
  }

  void run_timer() {
    std::unique_lock lock(mu);
    while (!stopping) {
      if (entries.empty()) {
        wake.wait(lock);
        continue;
      }
      auto next = std::min_element(entries.begin(), entries.end(), [](auto& a, auto& b) {
                    return a.deadline < b.deadline;
                  })->deadline;
      if (wake.wait_until(lock, next) == std::cv_status::no_timeout) continue;
      std::vector<Ended> ended = take_expired(SteadyClock::now());
      if (ended.empty()) continue;
      lock.unlock();
      finish(ended);
      lock.lock();
    }
  }
};

ReviewQueue::ReviewQueue(std::string session_id, std::chrono::milliseconds timeout)
    : state_(std::make_unique<State>()) {
  state_->session_id = std::move(session_id);
  state_->timeout = timeout;
  state_->timer = quiet_thread([s = state_.get()] { s->run_timer(); });
}

ReviewQueue::~ReviewQueue() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->timer.join();
  std::vector<Ended> ended;
  {
    std::lock_guard lock(state_->mu);
    for (Entry& e : state_->entries) {
      ReviewOutcome outcome;
      outcome.cancelled = true;
      outcome.reason = "the session ended";
      outcome.latency = since(e.submitted);
      ended.push_back({std::move(e.item), std::move(e.done), std::move(outcome)});
    }
    state_->entries.clear();
  }
  state_->finish(ended);
}

std::string ReviewQueue::submit(ReviewItem item, Done done) {
  const auto now_steady = SteadyClock::now();
  const auto now = std::chrono::system_clock::now();
  std::string id;
  {
    std::lock_guard lock(state_->mu);
    do {
      id = new_id();
    } while (std::any_of(state_->entries.begin(), state_->entries.end(),
                         [&](const Entry& e) { return e.item.id == id; }));
    item.id = id;
    item.session_id = state_->session_id;
    item.reviewers_needed = std::max(item.reviewers_needed, 1);
    item.requested_at = now;
    item.deadline =
        now + std::chrono::duration_cast<std::chrono::system_clock::duration>(state_->timeout);
    item.approved_by.clear();
    state_->entries.push_back(
        Entry{std::move(item), std::move(done), now_steady, now_steady + state_->timeout, {}});
  }
  state_->wake.notify_all();
  state_->listeners->notify();
  return id;
}

Result<AnswerEffect> ReviewQueue::answer(const ReviewerAnswer& answer) {
  if (answer.reviewer.empty()) {
    return Error(Errc::kInvalidInput, "an answer without a reviewer identity");
  }
  std::vector<Ended> ended;
  AnswerEffect effect = AnswerEffect::kDecided;
  {
    std::lock_guard lock(state_->mu);
    auto it = std::find_if(state_->entries.begin(), state_->entries.end(),
                           [&](const Entry& e) { return e.item.id == answer.id; });
    if (it == state_->entries.end()) {
      return Error(Errc::kNotFound, "no such pending item " + answer.id)
          .with_hint(
              "it may have been answered, timed out or ended with its program; "
              "`cordon approvals list` shows what is pending");
    }
    ReviewItem& item = it->item;
    ReviewOutcome outcome;
    outcome.channel = answer.channel;
    outcome.reason = answer.reason;
    outcome.latency = since(it->submitted);
    if (answer.verdict == Verdict::kDeny) {
      // Any one reviewer may stop a program, even one who approved it a moment ago.
      outcome.reviewers = {answer.reviewer};
    } else {
      if (std::find(item.approved_by.begin(), item.approved_by.end(), answer.reviewer) !=
          item.approved_by.end()) {
        return Error(Errc::kInvalidInput, answer.reviewer + " has already approved " + answer.id)
            .with_hint("this item needs " + std::to_string(item.reviewers_needed) +
                       " distinct reviewers; another person must approve it");
      }
      item.approved_by.push_back(answer.reviewer);
      it->scopes.push_back(answer.scope);
      if (static_cast<int>(item.approved_by.size()) < item.reviewers_needed) {
        effect = AnswerEffect::kRecordedAwaitingAnother;
      } else {
        outcome.approved = true;
        outcome.reviewers = item.approved_by;
        // A session grant needs every approving reviewer to have agreed to it.
        const bool all_session =
            std::all_of(it->scopes.begin(), it->scopes.end(),
                        [](GrantScope s) { return s == GrantScope::kSession; });
        outcome.scope = all_session ? GrantScope::kSession : GrantScope::kOnce;
        if (all_session) {
          state_->grants.emplace(item.start.executable, item.start.argv, item.start.cwd,
                                 item.start.environment);
        }
      }
    }
    if (effect == AnswerEffect::kDecided) {
      ended.push_back({std::move(it->item), std::move(it->done), std::move(outcome)});
      state_->entries.erase(it);
    }
  }
  state_->wake.notify_all();
  if (ended.empty()) {
    state_->listeners->notify();
  } else {
    state_->finish(ended);
  }
  return effect;
}

void ReviewQueue::cancel(const std::string& id) {
  std::vector<Ended> ended;
  {
    std::lock_guard lock(state_->mu);
    auto it = std::find_if(state_->entries.begin(), state_->entries.end(),
                           [&](const Entry& e) { return e.item.id == id; });
    if (it == state_->entries.end()) return;
    ReviewOutcome outcome;
    outcome.cancelled = true;
    outcome.reason = "the program ended while it was held";
    outcome.latency = since(it->submitted);
    ended.push_back({std::move(it->item), std::move(it->done), std::move(outcome)});
    state_->entries.erase(it);
  }
  state_->wake.notify_all();
  state_->finish(ended);
}

std::vector<ReviewItem> ReviewQueue::pending() const {
  std::lock_guard lock(state_->mu);
  std::vector<ReviewItem> items;
  items.reserve(state_->entries.size());
  for (const Entry& e : state_->entries) items.push_back(e.item);
  return items;
}

std::optional<ReviewItem> ReviewQueue::find(const std::string& id) const {
  std::lock_guard lock(state_->mu);
  for (const Entry& e : state_->entries) {
    if (e.item.id == id) return e.item;
  }
  return std::nullopt;
}

bool ReviewQueue::granted(const gate::ProgramStart& start) const {
  std::lock_guard lock(state_->mu);
  return state_->grants.count({start.executable, start.argv, start.cwd, start.environment}) > 0;
}

std::shared_ptr<void> ReviewQueue::subscribe(Listener listener) {
  std::shared_ptr<Listeners> listeners = state_->listeners;
  uint64_t key;
  {
    std::lock_guard lock(listeners->mu);
    key = listeners->next++;
    listeners->list.emplace_back(key, std::move(listener));
  }
  std::weak_ptr<Listeners> weak = listeners;
  return std::shared_ptr<void>(new uint64_t(key), [weak, key](void* p) {
    delete static_cast<uint64_t*>(p);
    if (auto l = weak.lock()) {
      std::lock_guard lock(l->mu);
      l->list.remove_if([key](const auto& entry) { return entry.first == key; });
    }
  });
}

const std::string& ReviewQueue::session_id() const {
  return state_->session_id;
}

std::chrono::milliseconds ReviewQueue::timeout() const {
  return state_->timeout;
}

}  // namespace cordon::review
