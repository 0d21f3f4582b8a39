// The terminal reviewer on a pseudo-terminal: deny with a reason, approve for the session, an
// item answered on another channel while its prompt is up, and the terminal it shares with the
// box's output: held while a prompt is up, reset before it, no answer typed before it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/terminal_hold.h"
#include "base/unique_fd.h"
#include "review/peer_identity.h"
#include "review/review_queue.h"
#include "review/tty_reviewer.h"

namespace cordon::review {
namespace {

using namespace std::chrono_literals;

class TtyReviewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    ASSERT_TRUE(master);
    ASSERT_EQ(::grantpt(master.get()), 0);
    ASSERT_EQ(::unlockpt(master.get()), 0);
    auto h = TerminalHold::create();
    ASSERT_TRUE(h.ok()) << h.error().describe();
    hold = std::move(h).value();
    auto r = TtyReviewer::start(queue, ::ptsname(master.get()), hold.get());
    ASSERT_TRUE(r.ok()) << r.error().describe();
    reviewer = std::move(r).value();
  }
  void TearDown() override { reviewer.reset(); }

  // Reads the terminal until `text` appears (5 s at most); returns everything read.
  std::string until(const std::string& text) {
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (screen.find(text) == std::string::npos && std::chrono::steady_clock::now() < end) {
      pollfd p{master.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[1024];
      const ssize_t n = ::read(master.get(), buf, sizeof buf);
      if (n > 0) screen.append(buf, static_cast<size_t>(n));
    }
    return screen;
  }
  void type(const std::string& text) {
    ASSERT_EQ(::write(master.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  std::string submit(std::vector<std::string> argv) {
    ReviewItem item;
    item.start.executable = "/usr/bin/" + argv[0];
    item.start.argv = std::move(argv);
    item.start.cwd = "/work";
    item.decision.risk.score = 90;
    item.decision.risk.level = gate::RiskLevel::kCritical;
    return queue.submit(item, [this](const ReviewItem&, const ReviewOutcome& o) {
      std::lock_guard lock(mu);
      outcomes.push_back(o);
      cv.notify_all();
    });
  }
  std::optional<ReviewOutcome> wait_outcome(size_t n) {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, 5s, [&] { return outcomes.size() >= n; })) return std::nullopt;
    return outcomes[n - 1];
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<ReviewOutcome> outcomes;
  ReviewQueue queue{"tty", 60s};
  UniqueFd master;
  std::unique_ptr<TerminalHold> hold;
  std::unique_ptr<TtyReviewer> reviewer;
  std::string screen;
};

TEST_F(TtyReviewerTest, DenyWithAReasonThenApproveForTheSession) {
  const std::string me = "tty:" + uid_identity(::getuid()).substr(4);
  const std::string id = submit({"rm", "-rf", "/work"});
  until("[d]eny? ");
  EXPECT_NE(screen.find("rm -rf /work"), std::string::npos) << screen;
  EXPECT_NE(screen.find("90 critical"), std::string::npos) << screen;
  EXPECT_NE(screen.find(id), std::string::npos) << screen;
  type("x\n");  // not a choice: asked again
  type("d\n");
  until("reason? ");
  type("wrong directory\n");
  auto o = wait_outcome(1);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->approved);
  EXPECT_EQ(o->reason, "wrong directory");
  EXPECT_EQ(o->reviewers, std::vector<std::string>{me});
  EXPECT_EQ(o->channel, "tty");

  screen.clear();
  submit({"git", "push", "--force"});
  until("[d]eny? ");
  type("s\n\n");
  o = wait_outcome(2);
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->approved);
  EXPECT_EQ(o->scope, GrantScope::kSession);
}

TEST_F(TtyReviewerTest, AnItemAnsweredElsewhereLeavesThePrompt) {
  const std::string id = submit({"make", "deploy"});
  until("[d]eny? ");
  ASSERT_TRUE(
      queue.answer({id, Verdict::kApprove, GrantScope::kOnce, "uid:bob", "socket", ""}).ok());
  until("answered elsewhere");
  EXPECT_NE(screen.find("(" + id + " was answered elsewhere or timed out)"), std::string::npos)
      << screen;
  // The next item gets a prompt of its own.
  screen.clear();
  submit({"make", "release"});
  until("[d]eny? ");
  EXPECT_NE(screen.find("make release"), std::string::npos) << screen;
}

// From showing an item to taking its answer, the box's output is held (TerminalHold); the item
// is drawn on a terminal put back to defaults, and only keys typed once it shows count.
TEST_F(TtyReviewerTest, TheTerminalIsHeldAndResetForEachItemAndEarlierKeysDoNotAnswer) {
  EXPECT_FALSE(hold->held());
  type("a\n");  // typed before any item was shown (or the terminal's answer to a query)
  std::this_thread::sleep_for(100ms);
  submit({"rm", "-rf", "/work"});
  until("[d]eny? ");
  EXPECT_TRUE(hold->held());
  const size_t reset = screen.find("\x1b[!p");
  ASSERT_NE(reset, std::string::npos) << screen;
  EXPECT_LT(reset, screen.find("cordon: held for review")) << screen;
  for (const char* mode :
       {"\x1b[0m", "\x1b(B\x0f", "\x1b[r", "\x1b[?6l", "\x1b[?25h", "\x1b[4l", "\x1b[?7h"}) {
    EXPECT_NE(screen.find(mode), std::string::npos) << testing::PrintToString(mode);
  }
  // The early "a" has not approved it.
  {
    std::unique_lock lock(mu);
    EXPECT_FALSE(cv.wait_for(lock, 300ms, [&] { return !outcomes.empty(); }));
  }
  type("d\n");
  until("reason? ");
  EXPECT_TRUE(hold->held());
  type("no\n");
  auto o = wait_outcome(1);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->approved);
  // Released once answered: the box's output flows again.
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (hold->held() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(hold->held());
}

}  // namespace
}  // namespace cordon::review
