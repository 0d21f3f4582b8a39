// The wire form between cordon and its audit writer: every event type survives the trip.
#include <gtest/gtest.h>

#include "audit/encode.h"
#include "audit/event_json.h"

namespace cordon::audit {
namespace {

// Equal events encode to equal rows: the round trip lost nothing the store keeps.
void expect_round_trip(const events::Event& event) {
  auto back = event_from_json(from_wire(to_wire(event_to_json(event))));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  const Redactor none;
  const PendingEvent a = encode_event(event, none, {}), b = encode_event(*back, none, {});
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.session, b.session);
  EXPECT_EQ(a.decision, b.decision);
  EXPECT_EQ(a.body, b.body);
}

TEST(AuditEventJson, EveryTypeRoundTrips) {
  events::SessionStarted start{
      "s1",    "0.1.0", "production",      "[gate]\n",
      "alice", "/w",    {"claude", "--x"}, {{"egress", "proxy", false, "why"}}};
  expect_round_trip(start);
  expect_round_trip(events::SetupFailed{"s1", "clone", 1, "EPERM"});
  events::SessionEnded end;
  end.session_id = "s1";
  end.signal = 9;
  end.timed_out = true;
  end.duration = std::chrono::milliseconds(1234);
  end.peaks.memory_bytes = 1 << 20;
  expect_round_trip(end);
  expect_round_trip(events::ProgramStarted{
      "s1", {"rm", "-rf", "/"}, "/usr/bin/rm", events::Decision::kAsk, "rm -rf", "destructive"});
  expect_round_trip(events::NetworkDecision{"s1", "api.example.com", 443, "connect", "192.0.2.1",
                                            events::Decision::kAllow, "api.example.com", "", 512, 4096,
                                            ""});
  expect_round_trip(events::ApprovalRequested{"s1", "r1", "DROP TABLE users", "critical"});
  expect_round_trip(events::ApprovalAnswered{"s1", "r1", "bob", "terminal", events::Decision::kDeny,
                                             std::chrono::milliseconds(4200)});
  expect_round_trip(events::CredentialMinted{"s1", "c1", "repo:read", std::chrono::seconds(900)});
  expect_round_trip(events::CredentialRevoked{"s1", "c1", "session ended"});
}

TEST(AuditEventJson, MalformedMessagesAreErrorsNotCrashes) {
  using nlohmann::json;
  EXPECT_FALSE(event_from_json(json::parse("[]")).ok());
  EXPECT_FALSE(event_from_json(json{{"type", "session.start"}}).ok());
  EXPECT_FALSE(event_from_json(json{{"type", "nope"}, {"session", "s"}}).ok());
  EXPECT_FALSE(
      event_from_json(json{{"type", "session.end"}, {"session", "s"}, {"signal", "x"}}).ok());
}

// The channel carries bytes: an argv that is not UTF-8 reaches the writer as it was, so the
// redactor sees the bytes the box used; only the stored row replaces what is not UTF-8.
TEST(AuditEventJson, BytesThatAreNotUtf8CrossTheWireUnchanged) {
  const events::ProgramStarted start{
      "s1", {"echo", "x\xff\xfe-tok", "caf\xe9"}, "/bin/\x80", events::Decision::kAllow, "", ""};
  auto back = event_from_json(from_wire(to_wire(event_to_json(start))));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  const auto& got = std::get<events::ProgramStarted>(*back);
  EXPECT_EQ(got.argv, start.argv);
  EXPECT_EQ(got.path, start.path);
  const PendingEvent row = encode_event(*back, Redactor({"\xff\xfe-tok"}), {});
  EXPECT_NE(row.body.find("x[redacted:env]"), std::string::npos) << row.body;
  EXPECT_NE(row.body.find("caf\xef\xbf\xbd"), std::string::npos) << row.body;
}

TEST(AuditEventJson, AMalformedWirePayloadIsDiscardedNotThrown) {
  const std::string good = to_wire({{"type", "end"}});
  EXPECT_FALSE(from_wire(good).is_discarded());
  EXPECT_TRUE(from_wire(good.substr(0, good.size() - 1)).is_discarded());
  EXPECT_TRUE(from_wire(good + "x").is_discarded()) << "one message, nothing after it";
  EXPECT_TRUE(from_wire("").is_discarded());
  EXPECT_TRUE(from_wire("{\"type\":\"end\"}").is_discarded()) << "JSON text is not the wire form";
}

}  // namespace
}  // namespace cordon::audit
