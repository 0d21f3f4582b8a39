// run_box() reports a session as typed events: started (with the walls), ended (with the exit),
// or a setup failure — the interface the audit trail will persist.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "box/launch.h"
#include "gate/gate.h"
#include "policy/loader.h"

namespace cordon::box {
namespace {

class LaunchEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-events-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    std::filesystem::create_directories(root_ + "/ws");
    std::filesystem::create_directories(root_ + "/home");
    policy_ = policy::builtin_profile(policy::Profile::kWorkspaceWrite);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  LaunchRequest request(std::vector<std::string> command) {
    LaunchRequest req;
    req.policy = &policy_;
    req.command = std::move(command);
    req.workspace = root_ + "/ws";
    req.cwd = req.workspace;
    req.home = root_ + "/home";
    req.environment = {"PATH=/usr/bin:/bin"};
    req.session_id = "test-session";
    req.state_dir = root_ + "/state";
    req.allow_terminal = false;
    return req;
  }
  // The SetupFailed event a session that failed ended with; none when it did not fail so.
  std::optional<events::SetupFailed> setup_failure(const LaunchRequest& req) {
    events::RecordingSink sink;
    auto result = run_box(req, sink);
    if (result.ok() || sink.events().empty()) return std::nullopt;
    const auto* failed = std::get_if<events::SetupFailed>(&sink.events().back());
    if (failed == nullptr) return std::nullopt;
    return *failed;
  }
  std::string root_;
  policy::Policy policy_;
};

TEST_F(LaunchEventsTest, ASessionIsStartedThenEnded) {
  events::RecordingSink sink;
  auto result = run_box(request({"/bin/sh", "-c", "exit 3"}), sink);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result->status(), 3);
  ASSERT_EQ(sink.events().size(), 2u);
  const auto* started = std::get_if<events::SessionStarted>(&sink.events()[0]);
  ASSERT_NE(started, nullptr);
  EXPECT_EQ(started->session_id, "test-session");
  EXPECT_EQ(started->profile, "workspace-write");
  bool has_isolation = false;
  for (const auto& wall : started->walls) has_isolation = has_isolation || wall.wall == "isolation";
  EXPECT_TRUE(has_isolation);
  const auto* ended = std::get_if<events::SessionEnded>(&sink.events()[1]);
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->exit_code, 3);
  EXPECT_FALSE(ended->signal.has_value());
}

TEST_F(LaunchEventsTest, TheCallerHearsOfTheProgramsExitOnceBeforeTheEndIsRecorded) {
  events::RecordingSink sink;
  LaunchRequest req = request({"/bin/sh", "-c", "exit 3"});
  int calls = 0;
  size_t events_then = 0;
  req.on_program_exit = [&] {
    calls += 1;
    events_then = sink.events().size();
  };
  auto result = run_box(req, sink);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result->status(), 3);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(events_then, 1u);  // SessionStarted only: the end comes after the teardown starts
  EXPECT_EQ(sink.events().size(), 2u);
}

TEST_F(LaunchEventsTest, AFailureBeforeTheBoxExistsIsASetupFailedEvent) {
  policy_.filesystem.read_paths.value = {root_ + "/missing"};
  events::RecordingSink sink;
  auto result = run_box(request({"/bin/true"}), sink);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(sink.events().size(), 1u);
  const auto* failed = std::get_if<events::SetupFailed>(&sink.events()[0]);
  ASSERT_NE(failed, nullptr);
  EXPECT_NE(failed->message.find("missing"), std::string::npos) << failed->message;
}

TEST_F(LaunchEventsTest, AFailureInsideTheBoxNamesItsStep) {
  auto failed = setup_failure(request({"/no/such/program"}));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->step, "exec");
  EXPECT_EQ(failed->sys_errno, ENOENT);
}

// The program never runs before the sinks are ready: the agent prepares itself meanwhile, but
// waits for the supervisor's go right before its exec (agent.cpp). A sink that takes its time
// and then fails stops the session with the program not run.
TEST_F(LaunchEventsTest, TheProgramWaitsForTheSinksAndASinkThatFailsStopsIt) {
  class SlowFailingSink : public events::RecordingSink {
   public:
    Result<void> wait_ready() override {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return Error(Errc::kSystem, "the sink cannot record the session");
    }
  } sink;
  auto result = run_box(request({"/bin/sh", "-c", "touch ran"}), sink);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().describe().find("cannot record"), std::string::npos)
      << result.error().describe();
  EXPECT_FALSE(std::filesystem::exists(root_ + "/ws/ran")) << "the program ran before its go";
}

// The agent's own steps run before the go now: one that fails there is still reported by name,
// whether or not the go has been sent by then.
TEST_F(LaunchEventsTest, AnAgentStepThatFailsBeforeTheGoNamesItsStep) {
  LaunchRequest req = request({"/bin/true"});
  req.cwd = "/no/such/directory";
  auto failed = setup_failure(req);
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->step, "chdir");
  EXPECT_EQ(failed->sys_errno, ENOENT);
}

// The same in a gated session: the box may end before the gate's tracer seizes its init, and
// then the failed step is what is reported, not the seize.
TEST_F(LaunchEventsTest, AnAgentStepThatFailsBeforeTheGoOfAGatedBoxNamesItsStep) {
  gate::GateConfig config;
  config.context = gate::RiskContext{root_ + "/ws", root_ + "/home"};
  auto gate = gate::Gate::compile(std::move(config));
  ASSERT_TRUE(gate.ok()) << gate.error().describe();
  for (int i = 0; i < 10; ++i) {
    LaunchRequest req = request({"/bin/true"});
    req.cwd = "/no/such/directory";
    req.gate = &*gate;
    auto failed = setup_failure(req);
    ASSERT_TRUE(failed.has_value());
    EXPECT_EQ(failed->step, "chdir") << failed->message;
  }
}

}  // namespace
}  // namespace cordon::box
