// The approval gate end to end: the real `cordon run` with policy rules and the risk scorer,
// held commands answered through the real `cordon approvals` (and the page, for a second
// reviewer), timeouts, session grants, production's "ask for everything", the audit trail.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kRules = R"(
[[gate.rule]]
name = "no-boom"
program = "echo"
args = ["boom"]
action = "deny"
reason = "booms are not allowed"
match = ["echo boom", "echo boom now"]
not_match = ["echo bang"]

[[gate.rule]]
name = "touching-danger"
program = "touch"
any_arg = ["danger*"]
action = "ask"
reason = "danger files need a human"
match = ["touch danger1"]
not_match = ["touch safe"]
)";

class GateTest : public BoxTest {
 protected:
  GateTest() { ::mkdir((dir() / "run").c_str(), 0700); }

  RunOptions with_runtime(RunOptions o = {}) {
    o.set_env["CORDON_RUNTIME_DIR"] = dir() / "run";
    return o;
  }
  std::string config(const std::string& extra = "") { return policy_file(kRules + extra); }

  // `cordon run` in the background.
  std::future<RunOutput> start(const std::string& script, std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"--network", "none", "--config", config(gate_extra_)});
    return std::async(std::launch::async, [this, script, flags] {
      return sh(script, flags, with_runtime());
    });
  }
  RunOutput approvals(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"approvals"};
    all.insert(all.end(), args.begin(), args.end());
    return cordon(all, with_runtime());
  }
  // The gate tracer's counts from `cordon -vv` output ("gate: N program starts, M wake-ups").
  struct TracerCounts {
    long starts = -1;
    long wakeups = -1;
  };
  static std::optional<TracerCounts> tracer_counts(const std::string& err) {
    const size_t counts = err.find(" program starts, ");
    if (counts == std::string::npos) return std::nullopt;
    TracerCounts c;
    if (std::sscanf(err.c_str() + err.rfind("gate: ", counts),
                    "gate: %ld program starts, %ld wake-ups", &c.starts, &c.wakeups) != 2) {
      return std::nullopt;
    }
    return c;
  }
  // Waits until `count` items are pending and returns them.
  json pending(size_t count = 1) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      RunOutput list = approvals({"list", "--json"});
      if (list.status == 0) {
        json items = json::parse(list.out, nullptr, false);
        if (items.is_array() && items.size() >= count) return items;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no pending item appeared";
    return json::array();
  }
  std::string gate_extra_;
};

TEST_F(GateTest, ADenyRuleRefusesTheStartWith126AndNamesTheRuleOnItsStderr) {
  RunOutput r = sh("/bin/echo boom; echo st=$?; /bin/echo bang",
                   {"--network", "none", "--config", config()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "st=126\nbang\n");
  EXPECT_NE(r.err.find("cordon: refused `/bin/echo boom`: booms are not allowed (rule: no-boom)"),
            std::string::npos)
      << r.err;
  // The program cordon starts is decided too: cordon exits with its 126.
  RunOutput direct = box({"/bin/echo", "boom"}, {"--network", "none", "--config", config()});
  EXPECT_EQ(direct.status, 126);
  EXPECT_EQ(direct.out, "");
}

TEST_F(GateTest, AHeldCommandRunsOnlyAfterAReviewerApprovesItOnTheControlSocket) {
  auto run = start("touch danger1; echo st=$?; ls danger1");
  json items = pending();
  ASSERT_EQ(items.size(), 1u);
  const json& item = items[0];
  EXPECT_EQ(item["rule"], "touching-danger");
  EXPECT_EQ(item["argv"], json::array({"touch", "danger1"}));
  EXPECT_EQ(item["cwd"], workspace());
  EXPECT_TRUE(item.contains("score") && item.contains("level") && item.contains("reversible"));
  // Held means not run: nothing in the workspace yet.
  EXPECT_FALSE(exists(workspace() + "/danger1"));
  RunOutput ok = approvals({"approve", item["id"].get<std::string>()});
  EXPECT_EQ(ok.status, 0) << ok.err;
  RunOutput r = run.get();
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "st=0\ndanger1\n");
}

TEST_F(GateTest, ADeniedCommandFailsWith126AndTheReviewersReason) {
  auto run = start("touch danger1; echo st=$?");
  json items = pending();
  ASSERT_FALSE(items.empty());
  approvals({"deny", items[0]["id"].get<std::string>(), "--reason", "not on a Friday"});
  RunOutput r = run.get();
  EXPECT_EQ(r.out, "st=126\n");
  EXPECT_NE(r.err.find("not on a Friday"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(workspace() + "/danger1"));
}

TEST_F(GateTest, NobodyAnsweringIsADenyAtTheTimeout) {
  gate_extra_ = "\n[gate]\ntimeout = \"1s\"\n";
  const auto before = std::chrono::steady_clock::now();
  RunOutput r = start("touch danger1; echo st=$?").get();
  EXPECT_GE(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_EQ(r.out, "st=126\n");
  EXPECT_NE(r.err.find("no reviewer answered in time"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(workspace() + "/danger1"));
}

TEST_F(GateTest, ASessionGrantCoversExactlyTheCommandShownAndNothingBroader) {
  // The test answers both requests; the timeout only bounds a failing run.
  gate_extra_ = "\n[gate]\ntimeout = \"60s\"\n";
  auto run = start("touch danger1; touch danger1; echo a=$?; touch danger1 danger2; echo b=$?");
  json first = pending();
  ASSERT_FALSE(first.empty());
  approvals({"approve", first[0]["id"].get<std::string>(), "--session"});
  // The same command again runs unasked; a broader one (one more argument) is asked again.
  json second = pending();
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second[0]["argv"], json::array({"touch", "danger1", "danger2"}));
  approvals({"deny", second[0]["id"].get<std::string>()});
  RunOutput r = run.get();
  EXPECT_EQ(r.out, "a=0\nb=126\n") << r.err;
  EXPECT_FALSE(exists(workspace() + "/danger2"));
}

TEST_F(GateTest, TwoReviewerItemsNeedTwoDistinctIdentities) {
  gate_extra_ = "\n[gate]\nreviewers = 2\n";
  auto run = start("touch danger1; echo st=$?", {"--review", "web"});
  json items = pending();
  ASSERT_FALSE(items.empty());
  const std::string id = items[0]["id"];
  EXPECT_EQ(items[0]["reviewers_needed"], 2);
  // The first approval is recorded; the same reviewer cannot count twice.
  RunOutput once = approvals({"approve", id});
  EXPECT_EQ(once.status, 2) << once.out << once.err;  // 2: another reviewer is needed
  RunOutput again = approvals({"approve", id});
  EXPECT_NE(again.status, 0);
  EXPECT_FALSE(exists(workspace() + "/danger1"));
  // A second person, with their own link to the page.
  RunOutput link = approvals({"link", "--reviewer", "second"});
  ASSERT_EQ(link.status, 0) << link.err;
  const std::string url = link.out.substr(link.out.find("http://"));
  const std::string host = url.substr(7, url.find('/', 7) - 7);
  const std::string token = url.substr(url.find("token=") + 6, 64);
  RunOutput post = run_program(
      {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
       "X-Cordon-Token: " + token, "-H", "Content-Type: application/json", "--data",
       json{{"id", id}, {"verdict", "approve"}, {"scope", "once"}}.dump(),
       "http://" + host + "/api/answer"});
  EXPECT_EQ(post.out, "200") << post.err;
  RunOutput r = run.get();
  EXPECT_EQ(r.out, "st=0\n") << r.err;
  EXPECT_TRUE(exists(workspace() + "/danger1"));
}

TEST_F(GateTest, TheRiskScorerHoldsADestructiveCommandNoRuleNames) {
  write_text(workspace() + "/precious", "data\n");
  auto run = start("rm -rf " + workspace() + "; echo st=$?");
  json items = pending();
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0]["rule"], "risk");
  EXPECT_EQ(items[0]["level"], "critical");
  EXPECT_EQ(items[0]["reversible"], false);
  approvals({"deny", items[0]["id"].get<std::string>()});
  RunOutput r = run.get();
  EXPECT_EQ(r.out, "st=126\n");
  EXPECT_TRUE(exists(workspace() + "/precious"));
}

TEST_F(GateTest, ProductionAsksForEveryProgramButReadOnlyOnes) {
  gate_extra_ = "\n[gate]\ntimeout = \"1s\"\n";
  RunOutput r = start("ls / >/dev/null; echo ls=$?; touch made; echo touch=$?",
                      {"--profile", "production"})
                    .get();
  // sh itself is asked too: with nobody answering, the whole session is refused.
  EXPECT_EQ(r.status, 126) << r.out << r.err;
  RunOutput allowed = sh("ls / >/dev/null; echo ls=$?; touch made; echo touch=$?",
                         {"--network", "none", "--profile", "production", "--config",
                          policy_file(std::string(kRules) +
                                      "\n[gate]\ntimeout = \"1s\"\n[[gate.rule]]\nname = \"sh\"\n"
                                      "program = \"sh\"\naction = \"allow\"\n")},
                         with_runtime());
  EXPECT_EQ(allowed.out, "ls=0\ntouch=126\n") << allowed.err;
  EXPECT_FALSE(exists(workspace() + "/made"));
}

TEST_F(GateTest, TheGateCanBeTurnedOffOnlyLoudly) {
  RunOutput r = sh("/bin/echo boom", {"--network", "none", "--config",
                                      config("\n[gate]\nunsafe_disabled = true\n")});
  EXPECT_EQ(r.out, "boom\n");
  // The session's walls say so (the summary is on without -q).
  RunOutput summary = cordon({"run", "--workspace", workspace(), "--network", "none",
                              "--config", config("\n[gate]\nunsafe_disabled = true\n"), "--",
                              "/bin/true"});
  EXPECT_NE(summary.err.find("UNSAFE: gate.unsafe_disabled = true"), std::string::npos)
      << summary.err;
  // A workspace file may not turn it off.
  write_text(workspace() + "/cordon.toml", "[gate]\nunsafe_disabled = true\n");
  RunOutput refused = sh("/bin/true", {"--network", "none"});
  EXPECT_EQ(refused.status, 125);
  EXPECT_NE(refused.err.find("turns the approval gate off"), std::string::npos) << refused.err;
}

// The tracer sleeps between events. Once the last process that could exec has gone, its
// listener reports a hang-up at every poll: a tracer that kept polling it spun on a CPU until
// the init was reaped (hundreds of wake-ups for one start, where a few suffice).
TEST_F(GateTest, TheTracerSleepsBetweenEventsAndAfterTheLastProgramEnds) {
  for (const char* command : {"/bin/true", "/bin/sh -c '/bin/true; /bin/true'"}) {
    RunOutput r = cordon({"-vv", "run", "-q", "--workspace", workspace(), "--network", "none",
                          "--", "/bin/sh", "-c", command});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto counts = tracer_counts(r.err);
    ASSERT_TRUE(counts) << r.err;
    EXPECT_GE(counts->starts, 2) << command;
    // Two per start (its notification and its exec event), the listener's arrival and hang-up,
    // the init's exit, and a few stray signals: well under 30.
    EXPECT_LE(counts->wakeups, 30) << command << "\n" << r.err;
  }
}

// The agent looks for its program along the box's PATH without an execve per directory: in a
// gated session each execve, a failing one too, is a round trip to the tracer.
TEST_F(GateTest, ThePathSearchForTheProgramCostsTheTracerNothing) {
  std::string path;
  for (int i = 0; i < 40; ++i) path += "/nonexistent/bin" + std::to_string(i) + ":";
  RunOptions options;
  options.set_env["PATH"] = path + "/usr/bin:/bin";
  RunOutput r = cordon({"-vv", "run", "-q", "--workspace", workspace(), "--network", "none",
                        "--", "true"},
                       options);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto counts = tracer_counts(r.err);
  ASSERT_TRUE(counts) << r.err;
  EXPECT_EQ(counts->starts, 1);
  EXPECT_LE(counts->wakeups, 30) << "an execve per PATH directory\n" << r.err;
}

TEST_F(GateTest, EveryDecisionAndAnswerIsInTheAuditTrail) {
  auto run = start("/bin/echo boom; touch danger1");
  json items = pending();
  ASSERT_FALSE(items.empty());
  approvals({"deny", items[0]["id"].get<std::string>(), "--reason", "audit me"});
  run.get();
  RunOutput q = cordon({"audit", "query", "--json", "--store", audit_store()});
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_NE(q.out.find("\"program.start\""), std::string::npos);
  EXPECT_NE(q.out.find("no-boom"), std::string::npos);
  EXPECT_NE(q.out.find("\"approval.request\""), std::string::npos);
  EXPECT_NE(q.out.find("\"approval.answer\""), std::string::npos);
  EXPECT_NE(q.out.find("uid:"), std::string::npos);
}

}  // namespace
}  // namespace cordon::testing
