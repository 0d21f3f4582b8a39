// A store that refuses a batch (a full disk) ends what the writer stores for the session: the
// error is reported at once, and no later row lands after the hole.
#include <gmock/gmock.h>

#include "audit_fixture.h"

namespace cordon::audit {
namespace {

using ::testing::HasSubstr;

class AuditWriterFailure : public AuditStoreTest {
 protected:
  std::unique_ptr<AuditWriter> open_reporting_writer() {
    WriterOptions o;
    o.store_path = store_path();
    o.signer = make_key_signer(key_path());
    o.max_batch_delay = std::chrono::milliseconds(1);
    o.on_failure = [this](const Error& e) {
      reports_ += 1;
      reported_ = e.describe();
    };
    auto writer = AuditWriter::open(std::move(o));
    EXPECT_TRUE(writer.ok());
    if (!writer.ok() || !(*writer)->wait_ready().ok()) return nullptr;
    return std::move(*writer);
  }
  static events::NetworkDecision decision(int port) {
    events::NetworkDecision d;
    d.session_id = "eeee000000000005";
    d.host = "api.example.com";
    d.port = static_cast<uint16_t>(port);
    d.protocol = "connect";
    return d;
  }
  int64_t rows() {
    auto store = Store::open_read_only(store_path());
    EXPECT_TRUE(store.ok());
    auto q = store->db().prepare("SELECT count(*) FROM events");
    EXPECT_TRUE(q.ok() && *q->step());
    return q->integer(0);
  }

  int reports_ = 0;
  std::string reported_;
};

TEST_F(AuditWriterFailure, ARefusedBatchIsReportedAtOnceAndNothingAfterItIsStored) {
  auto writer = open_reporting_writer();
  ASSERT_NE(writer, nullptr);
  writer->emit(decision(1));
  ASSERT_TRUE(writer->flush().ok());
  ASSERT_EQ(rows(), 1);
  // The store refuses the next row as SQLite refuses a row on a full disk.
  tamper(
      "CREATE TRIGGER full BEFORE INSERT ON events WHEN NEW.body LIKE '%\"port\":2,%' "
      "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
  writer->emit(decision(2));
  auto flushed = writer->flush();
  ASSERT_FALSE(flushed.ok());
  // Reported before flush() returned: the session's process hears of it without asking.
  EXPECT_EQ(reports_, 1);
  EXPECT_THAT(reported_, HasSubstr("database or disk is full"));
  tamper("DROP TRIGGER full");
  // The store would take this one now; it would follow a hole in the session.
  writer->emit(decision(3));
  EXPECT_FALSE(writer->flush().ok());
  auto closed = writer->close();
  ASSERT_FALSE(closed.ok());
  EXPECT_THAT(closed.error().describe(), HasSubstr("2 audit event(s) not stored"));
  EXPECT_EQ(reports_, 1);
  EXPECT_EQ(rows(), 1);
  EXPECT_TRUE(verify().intact());
}

}  // namespace
}  // namespace cordon::audit
