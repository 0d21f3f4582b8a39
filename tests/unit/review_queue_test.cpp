// The review queue: ids, answers from one and two reviewers, session grants, timeouts,
// cancellation, listeners, and races between channels answering the same item.
#include "review/review_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace cordon::review {
namespace {

using namespace std::chrono_literals;

ReviewItem item(std::vector<std::string> argv, int reviewers = 1) {
  ReviewItem i;
  i.start.executable = "/usr/bin/" + argv[0];
  i.start.argv = std::move(argv);
  i.start.cwd = "/work";
  i.decision.action = gate::Action::kAsk;
  i.decision.rule = "risk";
  i.reviewers_needed = reviewers;
  return i;
}

// Collects the outcomes Done reports, and lets a test wait for them. Declared before the queue:
// the queue's destructor reports what is still pending as cancelled.
struct Outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, ReviewOutcome>> seen;

  ReviewQueue::Done done() {
    return [this](const ReviewItem& i, const ReviewOutcome& o) {
      std::lock_guard lock(mu);
      seen.emplace_back(i.id, o);
      cv.notify_all();
    };
  }
  bool wait_for(size_t n, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return seen.size() >= n; });
  }
  size_t count() {
    std::lock_guard lock(mu);
    return seen.size();
  }
};

ReviewerAnswer approve(const std::string& id, const std::string& who,
                       GrantScope scope = GrantScope::kOnce) {
  return ReviewerAnswer{id, Verdict::kApprove, scope, who, "socket", ""};
}

ReviewerAnswer deny(const std::string& id, const std::string& who, std::string reason = "") {
  return ReviewerAnswer{id, Verdict::kDeny, GrantScope::kOnce, who, "web", std::move(reason)};
}

TEST(ReviewQueue, SubmitFillsIdSessionAndDeadline) {
  Outcomes out;
  ReviewQueue queue("s1", 60s);
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.insert(queue.submit(item({"rm", "-rf", "x"}), out.done()));
  EXPECT_EQ(ids.size(), 50u);
  for (const std::string& id : ids) {
    EXPECT_GE(id.size(), 8u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  auto pending = queue.pending();
  ASSERT_EQ(pending.size(), 50u);
  EXPECT_EQ(pending[0].session_id, "s1");
  EXPECT_EQ(pending[0].deadline - pending[0].requested_at, std::chrono::seconds(60));
  EXPECT_TRUE(pending[0].approved_by.empty());
  EXPECT_TRUE(queue.find(pending[3].id).has_value());
  EXPECT_FALSE(queue.find("nope").has_value());
  EXPECT_EQ(out.count(), 0u);
}

TEST(ReviewQueue, ApproveOnceEndsTheItemWithoutAGrant) {
  Outcomes out;
  ReviewQueue queue("s", 60s);
  auto start = item({"git", "push", "--force"});
  const std::string id = queue.submit(start, out.done());
  auto effect = queue.answer(approve(id, "uid:alice"));
  ASSERT_TRUE(effect.ok()) << effect.error().message();
  EXPECT_EQ(*effect, AnswerEffect::kDecided);
  ASSERT_EQ(out.count(), 1u);
  const ReviewOutcome& o = out.seen[0].second;
  EXPECT_EQ(out.seen[0].first, id);
  EXPECT_TRUE(o.approved);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.reviewers, std::vector<std::string>{"uid:alice"});
  EXPECT_EQ(o.channel, "socket");
  EXPECT_TRUE(queue.pending().empty());
  EXPECT_FALSE(queue.granted(start.start));
  // The item is gone: a second answer is an error, not a second Done.
  auto again = queue.answer(approve(id, "uid:bob"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), Errc::kNotFound);
  EXPECT_NE(again.error().message().find("no such pending item"), std::string::npos);
  EXPECT_EQ(out.count(), 1u);
}

TEST(ReviewQueue, SessionGrantCoversExactlyTheSameExecutableArgvAndCwd) {
  Outcomes out;
  ReviewQueue queue("s", 60s);
  auto start = item({"git", "push", "--force"});
  const std::string id = queue.submit(start, out.done());
  ASSERT_TRUE(queue.answer(approve(id, "uid:alice", GrantScope::kSession)).ok());
  ASSERT_EQ(out.count(), 1u);
  EXPECT_EQ(out.seen[0].second.scope, GrantScope::kSession);
  EXPECT_TRUE(queue.granted(start.start));
  gate::ProgramStart other_args = start.start;
  other_args.argv.push_back("origin");
  EXPECT_FALSE(queue.granted(other_args));
  gate::ProgramStart other_exe = start.start;
  other_exe.executable = "/tmp/git";
  EXPECT_FALSE(queue.granted(other_exe));
  gate::ProgramStart other_cwd = start.start;
  other_cwd.cwd += "/elsewhere";
  EXPECT_FALSE(queue.granted(other_cwd));
  // The same command with code preloaded into it is another command.
  gate::ProgramStart other_environment = start.start;
  other_environment.environment = {"LD_PRELOAD=/work/evil.so"};
  EXPECT_FALSE(queue.granted(other_environment));
}

TEST(ReviewQueue, DenyEndsWithTheReviewerAndReason) {
  Outcomes out;
  ReviewQueue queue("s", 60s);
  const std::string id = queue.submit(item({"rm", "-rf", "/"}), out.done());
  ASSERT_TRUE(queue.answer(deny(id, "web:bob", "not today")).ok());
  ASSERT_EQ(out.count(), 1u);
  EXPECT_FALSE(out.seen[0].second.approved);
  EXPECT_EQ(out.seen[0].second.reason, "not today");
  EXPECT_EQ(out.seen[0].second.reviewers, std::vector<std::string>{"web:bob"});
  EXPECT_EQ(out.seen[0].second.channel, "web");
}

TEST(ReviewQueue, TwoReviewerItemsNeedDistinctIdentities) {
  Outcomes out;
  ReviewQueue queue("s", 60s);
  auto start = item({"terraform", "destroy"}, 2);
  const std::string id = queue.submit(start, out.done());
  auto first = queue.answer(approve(id, "uid:alice", GrantScope::kSession));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, AnswerEffect::kRecordedAwaitingAnother);
  EXPECT_EQ(queue.find(id)->approved_by, std::vector<std::string>{"uid:alice"});
  auto twice = queue.answer(approve(id, "uid:alice"));
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message().find("already approved"), std::string::npos);
  EXPECT_EQ(out.count(), 0u);
  auto second = queue.answer(approve(id, "web:bob", GrantScope::kOnce));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, AnswerEffect::kDecided);
  ASSERT_EQ(out.count(), 1u);
  EXPECT_TRUE(out.seen[0].second.approved);
  EXPECT_EQ(out.seen[0].second.reviewers, (std::vector<std::string>{"uid:alice", "web:bob"}));
  // One reviewer asked for a grant, the other only for this start: no grant.
  EXPECT_EQ(out.seen[0].second.scope, GrantScope::kOnce);
  EXPECT_FALSE(queue.granted(start.start));
}

TEST(ReviewQueue, OneDenyEndsATwoReviewerItemEvenAfterAnApproval) {
  Outcomes out;
  ReviewQueue queue("s", 60s);
  const std::string id = queue.submit(item({"dd", "of=/dev/sda"}, 2), out.done());
  ASSERT_TRUE(queue.answer(approve(id, "uid:alice")).ok());
  ASSERT_TRUE(queue.answer(deny(id, "uid:alice", "changed my mind")).ok());
  ASSERT_EQ(out.count(), 1u);
  EXPECT_FALSE(out.seen[0].second.approved);
  EXPECT_EQ(out.seen[0].second.reason, "changed my mind");
}

TEST(ReviewQueue, EmptyReviewerIsRefused) {
  Outcomes out;
  ReviewQueue queue("s", 60s);
  const std::string id = queue.submit(item({"ls"}), out.done());
  EXPECT_FALSE(queue.answer(approve(id, "")).ok());
  EXPECT_EQ(queue.pending().size(), 1u);
}

TEST(ReviewQueue, TimeoutDeniesWithTheTimeoutReviewer) {
  Outcomes out;
  ReviewQueue queue("s", 80ms);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string id = queue.submit(item({"rm", "-rf", "x"}), out.done());
  ASSERT_TRUE(out.wait_for(1, 5s));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 80ms);
  EXPECT_LT(waited, 2s);
  const ReviewOutcome& o = out.seen[0].second;
  EXPECT_EQ(out.seen[0].first, id);
  EXPECT_FALSE(o.approved);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.reviewers, std::vector<std::string>{"timeout"});
  EXPECT_GE(o.latency, 80ms);
  EXPECT_TRUE(queue.pending().empty());
  EXPECT_FALSE(queue.answer(approve(id, "uid:alice")).ok());
}

TEST(ReviewQueue, TimeoutsFireInDeadlineOrderAndAnsweredItemsDoNotTimeOut) {
  Outcomes out;
  // a's deadline comes 300 ms before b's, and c is answered long before either: only a stall of
  // more than a second in this thread could change the order.
  ReviewQueue queue("s", 1500ms);
  const std::string a = queue.submit(item({"a"}), out.done());
  std::this_thread::sleep_for(300ms);
  const std::string b = queue.submit(item({"b"}), out.done());
  const std::string c = queue.submit(item({"c"}), out.done());
  ASSERT_TRUE(queue.answer(approve(c, "uid:alice")).ok());
  ASSERT_TRUE(out.wait_for(3, 5s));
  std::this_thread::sleep_for(200ms);  // nothing more may arrive
  ASSERT_EQ(out.count(), 3u);
  EXPECT_EQ(out.seen[0].first, c);
  EXPECT_TRUE(out.seen[0].second.approved);
  EXPECT_EQ(out.seen[1].first, a);
  EXPECT_TRUE(out.seen[1].second.timed_out);
  EXPECT_EQ(out.seen[2].first, b);
  EXPECT_TRUE(out.seen[2].second.timed_out);
}

TEST(ReviewQueue, CancelEndsWithoutVerdictAndDestructorCancelsTheRest) {
  Outcomes out;
  std::string kept;
  {
    ReviewQueue queue("s", 60s);
    const std::string id = queue.submit(item({"a"}), out.done());
    kept = queue.submit(item({"b"}), out.done());
    queue.cancel(id);
    queue.cancel(id);  // a second cancel does nothing
    queue.cancel("unknown");
    ASSERT_EQ(out.count(), 1u);
    EXPECT_TRUE(out.seen[0].second.cancelled);
    EXPECT_FALSE(out.seen[0].second.approved);
  }
  ASSERT_EQ(out.count(), 2u);
  EXPECT_EQ(out.seen[1].first, kept);
  EXPECT_TRUE(out.seen[1].second.cancelled);
}

TEST(ReviewQueue, ListenersHearEveryChangeUntilTheirHandleGoes) {
  Outcomes out;
  ReviewQueue queue("s", 60s);
  std::atomic<int> calls{0};
  size_t seen_pending = 99;
  auto handle = queue.subscribe([&] {
    ++calls;
    seen_pending = queue.pending().size();  // listeners may read the queue
  });
  ASSERT_TRUE(handle);
  const std::string id = queue.submit(item({"x"}, 2), out.done());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen_pending, 1u);
  ASSERT_TRUE(queue.answer(approve(id, "uid:a")).ok());
  EXPECT_EQ(calls, 2);
  ASSERT_TRUE(queue.answer(approve(id, "uid:b")).ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(seen_pending, 0u);
  handle.reset();
  queue.submit(item({"y"}), out.done());
  EXPECT_EQ(calls, 3);
}

TEST(ReviewQueue, HandleMayOutliveTheQueue) {
  std::shared_ptr<void> handle;
  {
    ReviewQueue queue("s", 60s);
    handle = queue.subscribe([] {});
  }
  handle.reset();  // must not touch the freed queue (ASan would say so)
  SUCCEED();
}

TEST(ReviewQueue, RacingAnswersEndAnItemExactlyOnce) {
  for (int round = 0; round < 200; ++round) {
    ReviewQueue queue("s", 60s);
    std::atomic<int> done_calls{0};
    const std::string id =
        queue.submit(item({"x"}), [&](const ReviewItem&, const ReviewOutcome&) { ++done_calls; });
    std::atomic<bool> go{false};
    std::atomic<int> decided{0};
    auto racer = [&](ReviewerAnswer a) {
      while (!go) {
      }
      auto r = queue.answer(a);
      if (r.ok() && *r == AnswerEffect::kDecided) ++decided;
    };
    std::thread t1(racer, approve(id, "uid:alice"));
    std::thread t2(racer, deny(id, "web:bob"));
    std::thread t3([&] {
      while (!go) {
      }
      queue.cancel(id);
    });
    go = true;
    t1.join();
    t2.join();
    t3.join();
    ASSERT_EQ(done_calls, 1) << "round " << round;
    ASSERT_LE(decided, 1);
  }
}

TEST(ReviewQueue, RacingAnswerAndTimeoutEndAnItemExactlyOnce) {
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> done_calls{0};
    {
      ReviewQueue queue("s", 2ms);
      const std::string id =
          queue.submit(item({"x"}), [&](const ReviewItem&, const ReviewOutcome&) { ++done_calls; });
      std::this_thread::sleep_for(std::chrono::microseconds(1900 + 10 * (round % 20)));
      (void)queue.answer(approve(id, "uid:alice"));
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(done_calls, 1) << "round " << round;
  }
}

}  // namespace
}  // namespace cordon::review
