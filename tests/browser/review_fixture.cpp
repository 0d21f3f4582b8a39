// cordon-review-fixture: a review queue and its web page with real items, for the browser test.
//
// Prints {"port", "alice", "bob", "items": {"rm", "push"}} as one JSON line, then one line per
// ended item ({"outcome": ...}). Reads commands on stdin: "add" submits a third item and prints
// {"added": ID}; "quit" ends. Exits on quit or end of input (three minutes at most) with a
// bit set for each kind of outcome it saw: 1 denied with a reason, 2 approved for the session
// (and granted() then covers that exact command), 4 approved by two distinct reviewers, 8 timed
// out or cancelled. 64 when it could not start.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "review/control_protocol.h"
#include "review/review_queue.h"
#include "review/web_server.h"

namespace {

using namespace cordon;
using nlohmann::json;

review::ReviewItem make_item(std::vector<std::string> argv, std::string executable, int score,
                             gate::RiskLevel level, std::vector<std::string> reasons,
                             bool reversible, std::string rule, std::string reason, int reviewers) {
  review::ReviewItem item;
  item.start.executable = std::move(executable);
  item.start.argv = std::move(argv);
  item.start.cwd = "/work/project";
  item.decision.action = gate::Action::kAsk;
  item.decision.rule = std::move(rule);
  item.decision.reason = std::move(reason);
  item.decision.risk.score = score;
  item.decision.risk.level = level;
  item.decision.risk.reasons = std::move(reasons);
  item.decision.risk.reversible = reversible;
  item.decision.reviewers = reviewers;
  item.reviewers_needed = reviewers;
  return item;
}

std::mutex out_mu;
void emit(const json& j) {
  std::lock_guard lock(out_mu);
  std::cout << j.dump() << std::endl;
}

}  // namespace

int main() {
  // Declared before the queue, whose destructor reports pending items through `done`.
  std::mutex mu;
  std::condition_variable cv;
  int submitted = 0;
  int bits = 0;
  review::ReviewQueue queue("fixture-session", std::chrono::minutes(2));
  auto server = review::WebServer::start(queue, 0);
  if (!server.ok()) {
    std::fprintf(stderr, "fixture: %s\n", server.error().describe().c_str());
    return 64;
  }
  auto alice = (*server)->add_reviewer("alice");
  auto bob = (*server)->add_reviewer("bob");
  if (!alice.ok() || !bob.ok()) return 64;

  auto done = [&](const review::ReviewItem& item, const review::ReviewOutcome& o) {
    int bit = 0;
    if (!o.approved && !o.timed_out && !o.cancelled && !o.reason.empty()) bit |= 1;
    if (o.approved && o.scope == review::GrantScope::kSession) bit |= 2;  // granted() below
    if (o.approved && o.reviewers.size() >= 2 && o.reviewers[0] != o.reviewers[1]) bit |= 4;
    if (o.timed_out || o.cancelled) bit |= 8;
    emit({{"outcome",
           {{"id", item.id},
            {"command", review::display_command(item.start.argv)},
            {"approved", o.approved},
            {"scope", review::to_string(o.scope)},
            {"reviewers", o.reviewers},
            {"channel", o.channel},
            {"reason", o.reason},
            {"timed_out", o.timed_out}}}});
    std::lock_guard lock(mu);
    bits |= bit;
    cv.notify_all();
  };

  const std::string rm = queue.submit(
      make_item({"rm", "-rf", "build"}, "/usr/bin/rm", 62, gate::RiskLevel::kHigh,
                {"recursive forced delete"}, false, "risk", "high risk: recursive delete", 1),
      done);
  const std::string push = queue.submit(
      make_item({"git", "push", "--force", "origin", "main"}, "/usr/bin/git", 85,
                gate::RiskLevel::kCritical, {"force push rewrites the remote's history"}, false,
                "no-force-push", "force pushes need two reviewers", 2),
      done);
  submitted = 2;
  emit({{"port", (*server)->port()},
        {"alice", *alice},
        {"bob", *bob},
        {"items", {{"rm", rm}, {"push", push}}}});

  review::ReviewItem third = make_item(
      {"terraform", "destroy", "-auto-approve"}, "/usr/bin/terraform", 55, gate::RiskLevel::kHigh,
      {"destroys infrastructure"}, false, "risk", "high risk: infrastructure", 1);
  // A right-to-left override in a path the box chose: the page must not let it reorder text.
  third.start.cwd = "/work/pro\u202Ejekt";
  std::thread input([&] {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line == "add") {
        const std::string id = queue.submit(third, done);
        {
          std::lock_guard lock(mu);
          ++submitted;
        }
        emit({{"added", id}});
      } else if (line == "quit") {
        break;
      }
    }
    std::lock_guard lock(mu);
    submitted = -1;  // stop waiting
    cv.notify_all();
  });
  input.detach();

  std::unique_lock lock(mu);
  // Serves until the test closes stdin (it checks refusals after the items have ended), or
  // for three minutes at most when nobody does.
  cv.wait_for(lock, std::chrono::minutes(3), [&] { return submitted < 0; });
  if ((bits & 2) && !queue.granted(third.start)) bits &= ~2;
  // The input thread may still be reading stdin: leave without running destructors under it.
  std::cout.flush();
  std::_Exit(bits);
}
