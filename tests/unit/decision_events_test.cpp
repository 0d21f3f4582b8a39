// The proxy's decisions reach the audit sink as events, a loop turn's in one delivery.
#include "box/decision_events.h"

#include <gtest/gtest.h>

namespace cordon::box {
namespace {

class BatchRecorder : public events::EventSink {
 public:
  void emit(const events::Event& event) override { emit_all(std::span(&event, 1)); }
  void emit_all(std::span<const events::Event> events) override {
    deliveries.emplace_back(events.begin(), events.end());
  }
  bool lost() const override { return writer_gone; }
  std::vector<std::vector<events::Event>> deliveries;
  bool writer_gone = false;
};

net::DecisionRecord record(std::string host, bool allowed) {
  net::DecisionRecord r;
  r.protocol = "connect";
  r.host = std::move(host);
  r.port = 443;
  r.address = allowed ? "192.0.2.7" : "";
  r.allowed = allowed;
  r.rule = allowed ? "allow api.example.com" : "default deny";
  r.bytes_up = 10;
  r.bytes_down = 20;
  r.client = "ci";
  return r;
}

TEST(DecisionEvents, ATurnsDecisionsArePassedOnTogetherWhenTheTurnEnds) {
  BatchRecorder sink;
  DecisionEvents decisions("s1", sink);
  net::ProxyOptions options;
  decisions.attach(options);
  options.on_decision(record("api.example.com", true));
  options.on_decision(record("other.example.com", false));
  EXPECT_TRUE(sink.deliveries.empty()) << "nothing goes before the turn ends";
  options.on_decisions_done();
  ASSERT_EQ(sink.deliveries.size(), 1u);
  ASSERT_EQ(sink.deliveries[0].size(), 2u);
  const auto& first = std::get<events::NetworkDecision>(sink.deliveries[0][0]);
  EXPECT_EQ(first.session_id, "s1");
  EXPECT_EQ(first.host, "api.example.com");
  EXPECT_EQ(first.port, 443);
  EXPECT_EQ(first.address, "192.0.2.7");
  EXPECT_EQ(first.decision, events::Decision::kAllow);
  EXPECT_EQ(first.bytes_up, 10u);
  EXPECT_EQ(first.bytes_down, 20u);
  EXPECT_EQ(first.client, "ci");
  const auto& second = std::get<events::NetworkDecision>(sink.deliveries[0][1]);
  EXPECT_EQ(second.host, "other.example.com");
  EXPECT_EQ(second.decision, events::Decision::kDeny);
  EXPECT_EQ(second.rule, "default deny");
  // A turn without decisions (the proxy's last call at stop, say) delivers nothing.
  options.on_decisions_done();
  EXPECT_EQ(sink.deliveries.size(), 1u);
  options.on_decision(record("api.example.com", true));
  options.on_decisions_done();
  ASSERT_EQ(sink.deliveries.size(), 2u);
  EXPECT_EQ(sink.deliveries[1].size(), 1u);
}

// `cordon proxy` stops at the end of the first turn whose rows could not be sent.
TEST(DecisionEvents, ATurnWhoseRowsWereNotSentCallsWhenUnsent) {
  BatchRecorder sink;
  DecisionEvents decisions("s1", sink);
  net::ProxyOptions options;
  int unsent_turns = 0;
  decisions.attach(options, [&] { ++unsent_turns; });
  options.on_decision(record("api.example.com", true));
  options.on_decisions_done();
  EXPECT_EQ(unsent_turns, 0) << "the rows were sent";
  sink.writer_gone = true;
  options.on_decision(record("api.example.com", true));
  options.on_decisions_done();
  EXPECT_EQ(unsent_turns, 1);
}

}  // namespace
}  // namespace cordon::box
