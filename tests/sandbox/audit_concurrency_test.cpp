// Several processes appending to one audit store at once, as concurrent cordon sessions do.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "audit/query.h"
#include "unit/audit_fixture.h"

namespace cordon::audit {
namespace {

class AuditConcurrency : public AuditStoreTest {};

TEST_F(AuditConcurrency, ProcessesWritingAtOnceLeaveCompleteVerifiableChains) {
  constexpr int kWriters = 6;
  constexpr int kSessionsEach = 3;
  constexpr int kDecisions = 200;
  // The key exists before the writers race to use it (they would also agree on creating it).
  ASSERT_NE(open_writer(), nullptr);

  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      WriterOptions o;
      o.store_path = store_path();
      o.signer = make_key_signer(key_path());
      o.checkpoint_every = 97;  // many checkpoints, interleaved between processes
      o.max_batch_delay = std::chrono::milliseconds(1);
      auto writer = AuditWriter::open(std::move(o));
      if (!writer.ok()) ::_exit(10);
      for (int s = 0; s < kSessionsEach; ++s) {
        write_session(**writer, "w" + std::to_string(w) + "s" + std::to_string(s), kDecisions);
      }
      ::_exit((*writer)->close().ok() ? 0 : 11);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer status " << status;
  }

  const VerifyReport report = verify();
  EXPECT_TRUE(report.intact()) << (report.problems.empty() ? "" : report.problems[0].what);
  EXPECT_EQ(report.rows, kWriters * kSessionsEach * (kDecisions + 2));
  EXPECT_EQ(report.sessions, kWriters * kSessionsEach);
  EXPECT_EQ(report.unsigned_tail, 0);
  EXPECT_TRUE(report.notes.empty());

  // Every session complete, in order, start first and end last.
  auto store = Store::open_read_only(store_path());
  ASSERT_TRUE(store.ok());
  std::map<std::string, std::vector<Record>> sessions;
  ASSERT_TRUE(query_events(*store, {}, [&](const Record& r) {
                sessions[r.event.session].push_back(r);
              }).ok());
  ASSERT_EQ(sessions.size(), static_cast<size_t>(kWriters * kSessionsEach));
  for (const auto& [id, rows] : sessions) {
    ASSERT_EQ(rows.size(), static_cast<size_t>(kDecisions + 2)) << id;
    EXPECT_EQ(rows.front().event.kind, "session.start") << id;
    EXPECT_EQ(rows.back().event.kind, "session.end") << id;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].event.seq, static_cast<int64_t>(i + 1)) << id;
    }
  }
}

}  // namespace
}  // namespace cordon::audit
