// The wire form between cordon and its audit writer: every event type survives the trip, and
// nothing but a well-formed message of the expected shape is read as one.
#include <gtest/gtest.h>

#include "audit/encode.h"
#include "audit/event_wire.h"
#include "audit/msgpack_writer.h"

namespace cordon::audit {
namespace {

using nlohmann::json;

// Equal events encode to equal rows: the round trip lost nothing the store keeps.
void expect_round_trip(const events::Event& event) {
  auto back = event_from_wire(event_to_wire(event));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  const Redactor none;
  const PendingEvent a = encode_event(event, none, {}), b = encode_event(*back, none, {});
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.session, b.session);
  EXPECT_EQ(a.decision, b.decision);
  EXPECT_EQ(a.body, b.body);
}

TEST(AuditEventWire, EveryTypeRoundTrips) {
  events::SessionStarted start{
      "s1",    "0.1.0", "production",      "[gate]\n",
      "alice", "/w",    {"claude", "--x"}, {{"egress", "proxy", false, "why"}}};
  expect_round_trip(start);
  expect_round_trip(events::SetupFailed{"s1", "clone", 1, "EPERM"});
  expect_round_trip(events::SetupFailed{"s1", "clone", -2147483647 - 1, ""});
  events::SessionEnded end;
  end.session_id = "s1";
  end.signal = 9;
  end.timed_out = true;
  end.duration = std::chrono::milliseconds(1234);
  end.peaks.memory_bytes = 1 << 20;
  expect_round_trip(end);
  end.exit_code = -1;
  end.peaks.pids = UINT64_MAX;
  expect_round_trip(end);
  expect_round_trip(events::ProgramStarted{
      "s1", {"rm", "-rf", "/"}, "/usr/bin/rm", events::Decision::kAsk, "rm -rf", "destructive"});
  expect_round_trip(events::NetworkDecision{"s1", "api.example.com", 443, "connect", "192.0.2.1",
                                            events::Decision::kAllow, "api.example.com", "", 512,
                                            4096, ""});
  expect_round_trip(events::NetworkDecision{"s1", "h", 65535, "http", "", events::Decision::kDeny,
                                            "", "", UINT64_MAX, 1ULL << 32, "c"});
  expect_round_trip(events::ApprovalRequested{"s1", "r1", "DROP TABLE users", "critical"});
  expect_round_trip(events::ApprovalAnswered{"s1", "r1", "bob", "terminal", events::Decision::kDeny,
                                             std::chrono::milliseconds(4200)});
  expect_round_trip(events::CredentialMinted{"s1", "c1", "repo:read", std::chrono::seconds(900)});
  expect_round_trip(events::CredentialRevoked{"s1", "c1", "session ended"});
}

// Strings and lists of every size class MessagePack has (fix, 8-, 16- and 32-bit lengths).
TEST(AuditEventWire, LongStringsAndListsRoundTrip) {
  for (size_t size : {0u, 31u, 32u, 255u, 256u, 65535u, 65536u, 300000u}) {
    events::ProgramStarted start{"s1", {}, std::string(size, 'p'), events::Decision::kAllow,
                                 "",   ""};
    start.argv.assign(size % 70000 / 1000 + (size > 0 ? 15 : 0), std::string(size % 97, 'a'));
    auto back = event_from_wire(event_to_wire(start));
    ASSERT_TRUE(back.ok()) << size << ": " << back.error().describe();
    const auto& got = std::get<events::ProgramStarted>(*back);
    EXPECT_EQ(got.path, start.path);
    EXPECT_EQ(got.argv, start.argv);
  }
}

// The writer reads what nlohmann writes too: the same message as a JSON value, in its encoding.
TEST(AuditEventWire, AMessageInTheLibrarysEncodingIsRead) {
  const json message = {{"type", "program.start"}, {"session", "s1"}, {"argv", {"ls", "-l"}},
                        {"path", "/bin/ls"},       {"decision", 0},   {"rule", "r"},
                        {"reason", "read-only"}};
  auto back = event_from_wire(to_wire(message));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  const auto& got = std::get<events::ProgramStarted>(*back);
  EXPECT_EQ(got.argv, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(got.path, "/bin/ls");
  EXPECT_EQ(got.decision, events::Decision::kAllow);
  EXPECT_EQ(got.reason, "read-only");
}

TEST(AuditEventWire, MalformedMessagesAreErrorsNotCrashes) {
  const auto refused = [](const json& message) { return !event_from_wire(to_wire(message)).ok(); };
  EXPECT_TRUE(refused(json::array()));
  EXPECT_TRUE(refused(json("program.start")));
  EXPECT_TRUE(refused({{"type", "session.start"}}));
  EXPECT_TRUE(refused({{"type", "nope"}, {"session", "s"}}));
  EXPECT_TRUE(refused({{"type", 1}, {"session", "s"}}));
  EXPECT_TRUE(refused({{"type", "session.end"}, {"session", "s"}, {"signal", "x"}}));
  EXPECT_TRUE(refused({{"type", "session.end"}, {"session", "s"}, {"signal", 1.5}}));
  EXPECT_TRUE(refused({{"type", "session.end"}, {"session", "s"}, {"signal", 1ULL << 40}}))
      << "a number out of its field's range is refused, not narrowed";
  EXPECT_TRUE(refused({{"type", "network.decision"}, {"session", "s"}, {"port", 65536}}));
  EXPECT_TRUE(refused({{"type", "network.decision"}, {"session", "s"}, {"bytes_up", -1}}));
  EXPECT_TRUE(refused({{"type", "program.start"}, {"session", "s"}, {"decision", 3}}))
      << "a decision this build does not know is refused, not recorded as a denial";
  EXPECT_TRUE(refused({{"type", "network.decision"}, {"session", "s"}, {"decision", -1}}));
  EXPECT_TRUE(refused({{"type", "program.start"}, {"session", "s"}, {"argv", {"a", 1}}}));
  EXPECT_TRUE(refused({{"type", "program.start"}, {"session", "s"}, {"argv", {{"a"}}}}))
      << "no list inside a list";
  EXPECT_TRUE(refused({{"type", "program.start"}, {"session", "s"}, {"path", {{"a", "b"}}}}))
      << "no map as a field's value";
  const auto start_with_wall = [](const json& wall) {
    return json{{"type", "session.start"}, {"session", "s"}, {"walls", json::array({wall})}};
  };
  EXPECT_FALSE(refused(start_with_wall({{"wall", "w"}, {"active", false}})));
  EXPECT_TRUE(refused(start_with_wall({{"wall", "w"}, {"active", "yes"}})))
      << "a wall's field of the wrong type";
  EXPECT_TRUE(refused(start_with_wall({{"wall", json{{"x", 1}}}}))) << "no map inside a wall";
  EXPECT_TRUE(refused({{"type", "program.start"}, {"session", "s"}, {"path", json::binary({1})}}));
}

// Every value in its shortest form, byte for byte the library's own encoding of it.
TEST(AuditEventWire, ValuesAreEncodedAsTheLibraryEncodesThem) {
  const auto library = [](const json& value) {
    std::string out;
    json::to_msgpack(value, out);
    return out;
  };
  const auto ours = [](auto write) {
    std::string out;
    MsgpackWriter w(out);
    write(w);
    return out;
  };
  for (uint64_t v : std::initializer_list<uint64_t>{0, 1, 127, 128, 255, 256, 65535, 65536,
                     4294967295, 4294967296, UINT64_MAX}) {
    EXPECT_EQ(ours([&](MsgpackWriter& w) { w.number(v); }), library(v)) << v;
  }
  for (int64_t v : {int64_t{-1}, int64_t{-32}, int64_t{-33}, int64_t{-128}, int64_t{-129},
                    int64_t{-32768}, int64_t{-32769}, int64_t{INT32_MIN}, int64_t{INT32_MIN} - 1,
                    INT64_MIN, int64_t{5}, INT64_MAX}) {
    EXPECT_EQ(ours([&](MsgpackWriter& w) { w.number(v); }), library(v)) << v;
  }
  for (size_t size : {0u, 31u, 32u, 255u, 256u, 65535u, 65536u}) {
    const std::string s(size, 'x');
    EXPECT_EQ(ours([&](MsgpackWriter& w) { w.text(s); }), library(s)) << size;
    const std::vector<bool> items(size, true);
    EXPECT_EQ(ours([&](MsgpackWriter& w) {
                w.array(static_cast<uint32_t>(size));
                for (size_t i = 0; i < size; ++i) w.boolean(true);
              }),
              library(items))
        << size;
  }
  EXPECT_EQ(ours([](MsgpackWriter& w) { w.null(); }), library(nullptr));
  EXPECT_EQ(ours([](MsgpackWriter& w) { w.boolean(false); }), library(false));
  json map = json::object();
  std::string written;
  MsgpackWriter w(written);
  w.map(20);
  for (int i = 0; i < 20; ++i) {  // keys in the order the library sorts them
    const std::string key = "k" + std::to_string(100 + i);
    w.entry(key, int64_t{i});
    map[key] = i;
  }
  EXPECT_EQ(written, library(map));
}

TEST(AuditEventWire, AFieldGivenTwiceIsRefused) {
  std::string payload;
  MsgpackWriter w(payload);
  w.map(3);
  w.entry("type", "program.start");
  w.entry("session", "s");
  w.entry("session", "t");
  EXPECT_FALSE(event_from_wire(payload).ok());
}

TEST(AuditEventWire, DeepNestingIsRefusedWithoutRecursing) {
  std::string payload;
  MsgpackWriter w(payload);
  w.map(1);
  w.text("argv");
  for (int i = 0; i < 1'000'000; ++i) w.array(1);
  w.text("x");
  EXPECT_FALSE(event_from_wire(payload).ok());
}

// The channel carries bytes: an argv that is not UTF-8 reaches the writer as it was, so the
// redactor sees the bytes the box used; only the stored row replaces what is not UTF-8.
TEST(AuditEventWire, BytesThatAreNotUtf8CrossTheWireUnchanged) {
  const events::ProgramStarted start{
      "s1", {"echo", "x\xff\xfe-tok", "caf\xe9"}, "/bin/\x80", events::Decision::kAllow, "", ""};
  auto back = event_from_wire(event_to_wire(start));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  const auto& got = std::get<events::ProgramStarted>(*back);
  EXPECT_EQ(got.argv, start.argv);
  EXPECT_EQ(got.path, start.path);
  const PendingEvent row = encode_event(*back, Redactor({"\xff\xfe-tok"}), {});
  EXPECT_NE(row.body.find("x[redacted:env]"), std::string::npos) << row.body;
  EXPECT_NE(row.body.find("caf\xef\xbf\xbd"), std::string::npos) << row.body;
}

TEST(AuditEventWire, AMalformedPayloadIsRefusedNotThrown) {
  const std::string good = event_to_wire(events::CredentialRevoked{"s1", "c1", "expired"});
  EXPECT_TRUE(event_from_wire(good).ok());
  EXPECT_FALSE(event_from_wire(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(event_from_wire(good + "x").ok()) << "one message, nothing after it";
  EXPECT_FALSE(event_from_wire("").ok());
  EXPECT_FALSE(event_from_wire("{\"type\":\"end\"}").ok()) << "JSON text is not the wire form";
  EXPECT_FALSE(event_from_wire(end_of_events()).ok()) << "the end is not an event";

  const std::string end = end_of_events();
  EXPECT_FALSE(from_wire(end).is_discarded());
  EXPECT_TRUE(from_wire(end.substr(0, end.size() - 1)).is_discarded());
  EXPECT_TRUE(from_wire(end + "x").is_discarded());
}

}  // namespace
}  // namespace cordon::audit
