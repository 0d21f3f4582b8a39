// The writer, the chain it builds, the encoding of each event kind, and the queries.
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "audit/encode.h"
#include "audit/query.h"
#include "audit_fixture.h"

namespace cordon::audit {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<Record> all_rows(Store& store, EventFilter filter = {}) {
  std::vector<Record> rows;
  auto done = query_events(store, filter, [&](const Record& r) { rows.push_back(r); });
  EXPECT_TRUE(done.ok());
  return rows;
}

TEST(AuditChain, HashCoversEveryField) {
  Record r;
  r.id = 1;
  r.event = PendingEvent{"s", 1, 100, "session.start", "", "{}"};
  const Digest base = record_hash(r);
  EXPECT_EQ(record_hash(r), base);
  auto changed = [&](auto edit) {
    Record copy = r;
    edit(copy);
    return record_hash(copy) != base;
  };
  EXPECT_TRUE(changed([](Record& c) { c.id = 2; }));
  EXPECT_TRUE(changed([](Record& c) { c.event.session = "t"; }));
  EXPECT_TRUE(changed([](Record& c) { c.event.seq = 2; }));
  EXPECT_TRUE(changed([](Record& c) { c.event.time_us = 101; }));
  EXPECT_TRUE(changed([](Record& c) { c.event.kind = "session.end"; }));
  EXPECT_TRUE(changed([](Record& c) { c.event.decision = "allow"; }));
  EXPECT_TRUE(changed([](Record& c) { c.event.body = "{ }"; }));
  EXPECT_TRUE(changed([](Record& c) { c.prev_hash[0] = 1; }));
}

TEST(AuditChain, FieldBoundariesCannotBeShifted) {
  Record a, b;
  a.event.session = "ab";
  a.event.kind = "c";
  b.event.session = "a";
  b.event.kind = "bc";
  EXPECT_NE(record_hash(a), record_hash(b));
}

TEST(AuditEncode, SessionStartCarriesPolicyHashWallsAndRedactedCommand) {
  events::SessionStarted e;
  e.session_id = "s1";
  e.profile = "production";
  e.policy_text = "[environment]\nset = { API_TOKEN = \"hunter2-secret\" }\n";
  e.user = "alice";
  e.workspace = "/home/alice/p";
  e.command = {"deploy", "--token", "ghp_abcdefghijklmnopqrstuvwxyz0123"};
  e.walls = {{"egress", "proxy", true, ""}};
  const PendingEvent row = encode_event(e, Redactor({"hunter2-secret"}), {});
  EXPECT_EQ(row.kind, "session.start");
  EXPECT_EQ(row.session, "s1");
  EXPECT_THAT(row.body, Not(HasSubstr("hunter2-secret")));
  EXPECT_THAT(row.body, Not(HasSubstr("ghp_abcdefghijklmnopqrstuvwxyz0123")));
  const json body = json::parse(row.body);
  EXPECT_EQ(body["profile"], "production");
  EXPECT_EQ(body["walls"][0]["wall"], "egress");
  EXPECT_EQ(body["policy_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(body["command"][0], "deploy");
}

TEST(AuditEncode, EveryKindHasItsNameAndDecision) {
  const Redactor r;
  const SessionCounts counts{5, 2, 1, 1};
  events::SessionEnded end;
  end.exit_code = 3;
  EXPECT_EQ(encode_event(end, r, counts).kind, "session.end");
  EXPECT_EQ(json::parse(encode_event(end, r, counts).body)["counts"]["denied"], 1);
  EXPECT_EQ(encode_event(events::SetupFailed{"s", "clone", 1, "EPERM"}, r, {}).kind,
            "session.setup-failed");
  events::ProgramStarted program;
  program.decision = events::Decision::kDeny;
  EXPECT_EQ(encode_event(program, r, {}).kind, "program.start");
  EXPECT_EQ(encode_event(program, r, {}).decision, "deny");
  events::NetworkDecision net;
  net.decision = events::Decision::kAllow;
  EXPECT_EQ(encode_event(net, r, {}).decision, "allow");
  EXPECT_EQ(encode_event(events::ApprovalRequested{}, r, {}).decision, "ask");
  events::ApprovalAnswered answer;
  answer.latency = std::chrono::milliseconds(1500);
  EXPECT_EQ(json::parse(encode_event(answer, r, {}).body)["latency_ms"], 1500);
  EXPECT_EQ(encode_event(events::CredentialMinted{}, r, {}).kind, "credential.mint");
  EXPECT_EQ(encode_event(events::CredentialRevoked{}, r, {}).kind, "credential.revoke");
}

TEST(AuditEncode, InvalidUtf8IsReplacedNotThrown) {
  events::ProgramStarted program;
  program.argv = {"cat", std::string("\xff\xfe bad", 6)};
  const PendingEvent row = encode_event(program, Redactor(), {});
  EXPECT_TRUE(json::accept(row.body));
}

class AuditWriterTest : public AuditStoreTest {};

TEST_F(AuditWriterTest, SessionsGetConsecutiveSeqAndEndCounts) {
  auto writer = open_writer();
  write_session(*writer, "s-one-0000000001", 4);
  ASSERT_TRUE(writer->close().ok());
  EXPECT_EQ(writer->committed(), 6);
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  const auto rows = all_rows(*store);
  ASSERT_EQ(rows.size(), 6u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(rows[i].event.seq, static_cast<int64_t>(i + 1));
  }
  const json end = json::parse(rows.back().event.body);
  EXPECT_EQ(end["counts"]["allowed"], 2);
  EXPECT_EQ(end["counts"]["denied"], 2);
}

TEST_F(AuditWriterTest, SignsEveryNRowsAndAtClose) {
  auto writer = open_writer(/*checkpoint_every=*/100);
  for (int i = 0; i < 5; ++i) write_session(*writer, "s" + std::to_string(i), 98);
  ASSERT_TRUE(writer->close().ok());
  const VerifyReport report = verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.rows, 500);
  EXPECT_GE(report.checkpoints, 2);
  EXPECT_EQ(report.unsigned_tail, 0);
}

TEST_F(AuditWriterTest, CloseIsIdempotentAndLaterEventsAreNotSilentlyStored) {
  auto writer = open_writer();
  write_session(*writer, "s1", 0);
  ASSERT_TRUE(writer->close().ok());
  ASSERT_TRUE(writer->close().ok());
  write_session(*writer, "s2", 0);
  EXPECT_EQ(writer->committed(), 2);
}

TEST_F(AuditWriterTest, StoreAndKeyArePrivate) {
  fill();
  struct stat st {};
  ASSERT_EQ(::stat(store_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(key_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AuditWriterTest, UnwritableStoreIsNotReadyAndLosesNothingSilently) {
  WriterOptions o;
  o.store_path = "/proc/cordon-no/audit.db";
  o.signer = make_key_signer(key_path());
  auto writer = AuditWriter::open(std::move(o));
  ASSERT_TRUE(writer.ok());
  auto ready = (*writer)->wait_ready();
  ASSERT_FALSE(ready.ok());
  EXPECT_THAT(ready.error().describe(), HasSubstr("/proc/cordon-no/audit.db"));
  write_session(**writer, "s1", 0);
  auto closed = (*writer)->close();
  ASSERT_FALSE(closed.ok());
  EXPECT_THAT(closed.error().describe(), HasSubstr("2 audit event(s) not stored"));
}

TEST_F(AuditWriterTest, LiteralSecretsNeverReachTheFile) {
  const std::string secret = "s3cr3t-value-from-env";
  auto writer = open_writer(1000, {secret});
  events::SessionStarted start;
  start.session_id = "s1";
  start.command = {"sh", "-c", "curl -H 'X-Key: " + secret + "' api.example.com"};
  writer->emit(start);
  ASSERT_TRUE(writer->close().ok());
  std::string bytes;  // the database and its WAL, where recent rows live
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream file(store_path() + suffix, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(file), {});
  }
  EXPECT_THAT(bytes, Not(HasSubstr(secret)));
  EXPECT_THAT(bytes, HasSubstr("[redacted:env]"));
}

class AuditQuery : public AuditStoreTest {};

TEST_F(AuditQuery, FiltersByKindPrefixDecisionTextAndSession) {
  fill(/*decisions=*/4);
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  EventFilter f;
  f.kinds = {"session."};
  EXPECT_EQ(all_rows(*store, f).size(), 6u);
  f = {};
  f.decision = "deny";
  EXPECT_EQ(all_rows(*store, f).size(), 6u);
  f = {};
  f.text = "\"PORT\":446";
  EXPECT_EQ(all_rows(*store, f).size(), 3u);
  auto id = resolve_session(*store, "bbbb");
  ASSERT_TRUE(id.ok());
  f = {};
  f.session = *id;
  const auto rows = all_rows(*store, f);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows.front().event.kind, "session.start");
  f.limit = 2;
  f.newest = true;
  const auto newest = all_rows(*store, f);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest.back().event.kind, "session.end");
}

TEST_F(AuditQuery, TimeRange) {
  fill();
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  const auto rows = all_rows(*store);
  EventFilter f;
  f.since_us = rows[5].event.time_us;
  f.until_us = rows[5].event.time_us + 1;
  for (const auto& r : all_rows(*store, f)) EXPECT_EQ(r.event.time_us, rows[5].event.time_us);
  f.since_us = rows.back().event.time_us + 1;
  f.until_us.reset();
  EXPECT_TRUE(all_rows(*store, f).empty());
}

TEST_F(AuditQuery, SessionPrefixMustBeUniqueAndLongEnough) {
  fill();
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(resolve_session(*store, "aa").ok());
  EXPECT_FALSE(resolve_session(*store, "ffff").ok());
  EXPECT_FALSE(resolve_session(*store, "a*a*").ok());
  EXPECT_TRUE(resolve_session(*store, "cccc0000").ok());
}

TEST_F(AuditQuery, SessionsListOutcomesAndCounts) {
  fill(/*decisions=*/5);
  auto writer = open_writer();
  events::SessionStarted start;
  start.session_id = "dddd000000000004";
  start.profile = "production";
  writer->emit(start);
  events::NetworkDecision d;
  d.session_id = start.session_id;
  d.decision = events::Decision::kDeny;
  writer->emit(d);
  ASSERT_TRUE(writer->close().ok());

  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  auto sessions = list_sessions(*store, 0);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 4u);
  EXPECT_EQ((*sessions)[0].outcome, "exit 0");
  EXPECT_EQ((*sessions)[0].allowed, 3);
  EXPECT_EQ((*sessions)[0].denied, 2);
  EXPECT_EQ((*sessions)[3].outcome, "no end");
  EXPECT_EQ((*sessions)[3].denied, 1);
  EXPECT_FALSE((*sessions)[3].duration_ms.has_value());
  auto newest = list_sessions(*store, 1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->front().id, "dddd000000000004");
}

}  // namespace
}  // namespace cordon::audit

namespace cordon::audit {
namespace {

TEST_F(AuditWriterTest, OpeningAnExistingStoreCreatesNothing) {
  // What a session's signers open: a store removed with its directory stays removed.
  const std::string gone = store_path() + ".d/audit.db";
  auto missing = Store::open_existing_for_append(gone);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Errc::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(store_path() + ".d"));
  // A store that exists opens, also without its signing lock (a store from before the lock),
  // which is made next to it.
  ASSERT_TRUE(Store::open_for_append(store_path()).ok());
  ASSERT_EQ(::unlink((store_path() + "-signing").c_str()), 0);
  EXPECT_TRUE(Store::open_existing_for_append(store_path()).ok());
  EXPECT_TRUE(std::filesystem::exists(store_path() + "-signing"));
}

}  // namespace
}  // namespace cordon::audit
