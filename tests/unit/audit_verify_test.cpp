// Tampering with a real store in every way the issue names; `verify` must name the bad row.
#include <gmock/gmock.h>

#include "audit_fixture.h"

namespace cordon::audit {
namespace {

using ::testing::HasSubstr;

class AuditVerify : public AuditStoreTest {
 protected:
  // The first problem, which must exist.
  Finding first_problem(const VerifyReport& report) {
    EXPECT_FALSE(report.intact());
    return report.problems.empty() ? Finding{} : report.problems.front();
  }

  // Recomputes row `id`'s hash after an edit, as a careful forger would.
  void rehash(int64_t id) {
    auto store = Store::open_read_only(store_path());
    ASSERT_TRUE(store.ok());
    auto q = store->db().prepare(std::string("SELECT ") + kRecordColumns +
                                 " FROM events WHERE id = " + std::to_string(id));
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(*q->step());
    Record r = record_from(*q);
    tamper("UPDATE events SET hash = x'" + to_hex(record_hash(r)) +
           "' WHERE id = " + std::to_string(id));
  }

  // Recomputes every hash from row `from` on: a forger rewriting the rest of the chain.
  void rehash_chain_from(int64_t from, int64_t to) {
    for (int64_t id = from; id <= to; ++id) {
      if (id > from) {
        tamper("UPDATE events SET prev_hash = (SELECT hash FROM events WHERE id = " +
               std::to_string(id - 1) + ") WHERE id = " + std::to_string(id));
      }
      rehash(id);
    }
  }
};

TEST_F(AuditVerify, UntouchedStoreIsIntact) {
  fill();
  const VerifyReport report = verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.rows, 15);
  EXPECT_EQ(report.sessions, 3);
  EXPECT_EQ(report.checkpoints, 1);
  EXPECT_TRUE(report.signatures_checked);
  EXPECT_EQ(report.unsigned_tail, 0);
  EXPECT_TRUE(report.notes.empty());
}

TEST_F(AuditVerify, ChangedRowIsNamed) {
  fill();
  tamper("UPDATE events SET body = replace(body, 'connect', 'http') WHERE id = 3");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 3);
  EXPECT_THAT(f.what, HasSubstr("changed"));
}

TEST_F(AuditVerify, ChangedDecisionIsNamed) {
  fill();
  tamper("UPDATE events SET decision = 'allow' WHERE id = 3");
  EXPECT_EQ(first_problem(verify()).row, 3);
}

TEST_F(AuditVerify, ChangedRowWithRecomputedHashIsNamed) {
  fill();
  tamper("UPDATE events SET body = replace(body, 'connect', 'http') WHERE id = 3");
  rehash(3);
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 3);
  EXPECT_THAT(f.what, HasSubstr("hash was rewritten"));
}

TEST_F(AuditVerify, RewrittenChainIsCaughtByTheCheckpoint) {
  fill();
  tamper("UPDATE events SET body = replace(body, 'connect', 'http') WHERE id = 3");
  rehash_chain_from(3, 15);
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 15);
  EXPECT_EQ(f.checkpoint, 1);
  EXPECT_THAT(f.what, HasSubstr("rows 1..15 were rewritten"));
}

TEST_F(AuditVerify, DeletedRowIsNamed) {
  fill();
  tamper("DELETE FROM events WHERE id = 7");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 8);
  EXPECT_THAT(f.what, HasSubstr("row 7 deleted"));
}

TEST_F(AuditVerify, DeletedFirstRowIsNamed) {
  fill();
  tamper("DELETE FROM events WHERE id = 1");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 2);
  EXPECT_THAT(f.what, HasSubstr("row 1 deleted"));
}

TEST_F(AuditVerify, InsertedRowIsNamed) {
  fill();
  // Make room at 7, then insert a well-formed row linked to row 6.
  tamper(
      "UPDATE events SET id = id + 1000 WHERE id >= 7; UPDATE events SET id = id - 999 "
      "WHERE id >= 1007;");
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  auto q =
      store->db().prepare(std::string("SELECT ") + kRecordColumns + " FROM events WHERE id = 6");
  ASSERT_TRUE(q.ok() && *q->step());
  Record forged = record_from(*q);
  forged.id = 7;
  forged.prev_hash = forged.hash;
  forged.event.body = R"({"host":"evil.example.com"})";
  forged.hash = record_hash(forged);
  tamper("INSERT INTO events VALUES (7, '" + forged.event.session + "', " +
         std::to_string(forged.event.seq) + ", 0, 'network.decision', 'allow', '" +
         forged.event.body + "', x'" + to_hex(forged.prev_hash) + "', x'" + to_hex(forged.hash) +
         "')");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 7);
}

TEST_F(AuditVerify, RowInsertedBeforeTheChainIsNamed) {
  fill();
  tamper("INSERT INTO events VALUES (0, 'x', 1, 0, 'session.start', '', '{}', x'00', x'00')");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 0);
  EXPECT_THAT(f.what, HasSubstr("inserted"));
}

TEST_F(AuditVerify, ReorderedRowsAreNamed) {
  fill();
  tamper(
      "UPDATE events SET id = -5 WHERE id = 5; UPDATE events SET id = 5 WHERE id = 6; "
      "UPDATE events SET id = 6 WHERE id = -5;");
  EXPECT_EQ(first_problem(verify()).row, 5);
}

TEST_F(AuditVerify, TruncatedTailAfterACheckpointIsNamed) {
  fill();
  tamper("DELETE FROM events WHERE id > 12");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 13);
  EXPECT_THAT(f.what, HasSubstr("rows 13..15, signed by checkpoint 1, deleted"));
}

TEST_F(AuditVerify, BadSignatureIsNamed) {
  fill();
  tamper("UPDATE checkpoints SET signature = randomblob(64) WHERE id = 1");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.row, 15);
  EXPECT_EQ(f.checkpoint, 1);
  EXPECT_THAT(f.what, HasSubstr("bad signature"));
}

TEST_F(AuditVerify, CheckpointResignedByAnotherKeyIsRefused) {
  fill();
  auto other = Key::load_or_create(dir_ + "/other.pem");
  ASSERT_TRUE(other.ok());
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  auto cp = store->last_checkpoint();
  ASSERT_TRUE(cp.ok() && cp->has_value());
  Checkpoint forged = **cp;
  forged.key_id = other->fingerprint();
  auto sig = other->sign(checkpoint_message(forged));
  ASSERT_TRUE(sig.ok());
  tamper("UPDATE checkpoints SET key_id = '" + forged.key_id + "', signature = x'" + to_hex(*sig) +
         "' WHERE id = 1");
  const Finding f = first_problem(verify());
  EXPECT_THAT(f.what, HasSubstr("was signed by key " + other->fingerprint()));
}

TEST_F(AuditVerify, DeletedCheckpointIsNamed) {
  fill();
  fill(3, 1000, "second");  // a second writer: rows 16..30 and checkpoint 2
  ASSERT_EQ(verify().checkpoints, 2);
  tamper("DELETE FROM checkpoints WHERE id = 1");
  const Finding f = first_problem(verify());
  EXPECT_EQ(f.checkpoint, 2);
  EXPECT_THAT(f.what, HasSubstr("checkpoint(s) 1..1 deleted"));
}

TEST_F(AuditVerify, WithoutAKeyTheChainIsCheckedButNotTheSignatures) {
  fill();
  const VerifyReport report = verify(/*with_key=*/false);
  EXPECT_TRUE(report.intact());
  EXPECT_FALSE(report.signatures_checked);
  EXPECT_THAT(report.notes.back(), HasSubstr("not checked"));
}

TEST_F(AuditVerify, PublicHalfVerifiesTheSignatures) {
  fill();
  auto pub = Key::load_for_verify(key_path() + ".pub");
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE(pub->can_sign());
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  auto report = verify_store(*store, &*pub);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact());
  EXPECT_TRUE(report->signatures_checked);
}

TEST_F(AuditVerify, SessionWithoutEndIsANoteNotTampering) {
  auto writer = open_writer();
  events::SessionStarted start;
  start.session_id = "dddd000000000004";
  writer->emit(start);
  ASSERT_TRUE(writer->close().ok());
  const VerifyReport report = verify();
  EXPECT_TRUE(report.intact());
  ASSERT_FALSE(report.notes.empty());
  EXPECT_THAT(report.notes.front(), HasSubstr("dddd000000000004 has no end event"));
}

// Whole sessions cut from the end, with the checkpoints over them, leave a shorter chain that
// agrees with every checkpoint left: nothing in the store shows it (review finding 2). A
// checkpoint recorded outside the store (the anchor a SIEM kept from an earlier verify) does.
class AuditVerifyAnchor : public AuditVerify {
 protected:
  // Two writers: rows 1..15 with checkpoint 1, rows 16..30 with checkpoint 2.
  std::string fill_twice_and_anchor() {
    fill();
    fill(3, 1000, "second");
    const VerifyReport before = verify();
    EXPECT_TRUE(before.intact());
    EXPECT_EQ(before.checkpoints, 2);
    return before.last_checkpoint ? anchor_text(*before.last_checkpoint) : "";
  }
  VerifyReport verify_against(const std::string& anchor_text) {
    auto anchor = parse_anchor(anchor_text);
    EXPECT_TRUE(anchor.ok()) << anchor_text;
    auto store = Store::open_read_only(store_path());
    auto key = Key::load_for_verify(key_path());
    EXPECT_TRUE(store.ok() && key.ok());
    auto report = verify_store(*store, &*key, *anchor);
    EXPECT_TRUE(report.ok());
    return report.ok() ? std::move(*report) : VerifyReport{};
  }
};

TEST_F(AuditVerifyAnchor, AnUntouchedStoreReachesItsAnchor) {
  const std::string anchor = fill_twice_and_anchor();
  EXPECT_THAT(anchor, ::testing::StartsWith("2:"));
  const VerifyReport report = verify_against(anchor);
  EXPECT_TRUE(report.intact());
  EXPECT_TRUE(report.anchor_reached);
  EXPECT_TRUE(verify_against("1").anchor_reached) << "an id alone";
}

TEST_F(AuditVerifyAnchor, SessionsCutFromTheEndAreFoundOnlyWithTheAnchor) {
  const std::string anchor = fill_twice_and_anchor();
  tamper("DELETE FROM events WHERE id > 15; DELETE FROM checkpoints WHERE id >= 2");
  // The limit, as the store alone shows it: intact, and the anchor not reached.
  const VerifyReport alone = verify();
  EXPECT_TRUE(alone.intact());
  EXPECT_FALSE(alone.anchor_reached);
  const Finding f = first_problem(verify_against(anchor));
  EXPECT_EQ(f.row, 16);
  EXPECT_EQ(f.checkpoint, 2);
  EXPECT_THAT(f.what, HasSubstr("checkpoint 2 (expected) is missing: the store's checkpoints "
                                "end at 1, so checkpoint(s) 2..2 and the rows they signed were "
                                "removed"));
}

TEST_F(AuditVerifyAnchor, AnEmptiedStoreIsFoundWithTheAnchor) {
  const std::string anchor = fill_twice_and_anchor();
  tamper("DELETE FROM events; DELETE FROM checkpoints");
  EXPECT_TRUE(verify().intact());
  const Finding f = first_problem(verify_against(anchor));
  EXPECT_EQ(f.row, 1);
  EXPECT_THAT(f.what, HasSubstr("checkpoints end at 0"));
}

TEST_F(AuditVerifyAnchor, AStoreCutBackAndWrittenAgainMissesTheAnchorsHash) {
  const std::string anchor = fill_twice_and_anchor();
  tamper("DELETE FROM events WHERE id > 15; DELETE FROM checkpoints WHERE id >= 2");
  fill(2, 1000, "third");  // a new checkpoint 2, over other rows
  ASSERT_EQ(verify().checkpoints, 2);
  const Finding f = first_problem(verify_against(anchor));
  EXPECT_EQ(f.checkpoint, 2);
  EXPECT_THAT(f.what, HasSubstr("checkpoint 2 now signs row 27 with hash"));
  EXPECT_THAT(f.what, HasSubstr("not the expected " + anchor.substr(2)));
  EXPECT_TRUE(verify_against("2").anchor_reached) << "an id alone cannot tell";
}

TEST_F(AuditVerifyAnchor, AMalformedAnchorIsRefused) {
  const std::vector<std::string> malformed = {
      "", "0", "x", "-1", "2:", "2:abc", "2:zz" + std::string(62, '0')};
  for (const std::string& bad : malformed) {
    EXPECT_FALSE(parse_anchor(bad).ok()) << bad;
  }
  const std::string hash(64, 'a');
  auto ok = parse_anchor("7:" + hash);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->checkpoint, 7);
  ASSERT_TRUE(ok->row_hash.has_value());
  EXPECT_EQ(to_hex(*ok->row_hash), hash);
}

TEST_F(AuditVerify, KeyReadableByOthersIsRefused) {
  fill();
  ASSERT_EQ(::chmod(key_path().c_str(), 0644), 0);
  auto key = Key::load_or_create(key_path());
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.error().describe(), HasSubstr("readable by others"));
}

}  // namespace
}  // namespace cordon::audit
