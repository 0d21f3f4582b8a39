// A temporary audit store and key, filled through the real writer, for the audit tests.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "audit/verify.h"
#include "audit/writer.h"

namespace cordon::audit {

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "cordon-audit-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string store_path() const { return dir_ + "/audit.db"; }
  std::string key_path() const { return dir_ + "/key.pem"; }

  std::unique_ptr<AuditWriter> open_writer(int64_t checkpoint_every = 1000,
                                           std::vector<std::string> secrets = {}) {
    WriterOptions o;
    o.store_path = store_path();
    o.signer = make_key_signer(key_path());
    o.checkpoint_every = checkpoint_every;
    o.max_batch_delay = std::chrono::milliseconds(1);
    o.redactor = Redactor(std::move(secrets));
    auto writer = AuditWriter::open(std::move(o));
    EXPECT_TRUE(writer.ok()) << (writer.ok() ? "" : writer.error().describe());
    if (!writer.ok()) return nullptr;
    auto ready = (*writer)->wait_ready();
    EXPECT_TRUE(ready.ok()) << (ready.ok() ? "" : ready.error().describe());
    return ready.ok() ? std::move(*writer) : nullptr;
  }

  // One session: start, `decisions` network decisions (alternating allow/deny), end.
  static void write_session(AuditWriter& writer, const std::string& id, int decisions) {
    events::SessionStarted start;
    start.session_id = id;
    start.profile = "workspace-write";
    start.command = {"/bin/true", id};
    writer.emit(start);
    for (int i = 0; i < decisions; ++i) {
      events::NetworkDecision d;
      d.session_id = id;
      d.host = "api.example.com";
      d.port = static_cast<uint16_t>(443 + i);
      d.protocol = "connect";
      d.decision = i % 2 ? events::Decision::kDeny : events::Decision::kAllow;
      writer.emit(d);
    }
    events::SessionEnded end;
    end.session_id = id;
    end.exit_code = 0;
    writer.emit(end);
  }

  // Three sessions of 2 + `decisions` rows each; a checkpoint every `checkpoint_every` rows.
  void fill(int decisions = 3, int64_t checkpoint_every = 1000, const std::string& tag = "") {
    auto writer = open_writer(checkpoint_every);
    ASSERT_NE(writer, nullptr);
    for (const char* id : {"aaaa000000000001", "bbbb000000000002", "cccc000000000003"}) {
      write_session(*writer, tag + id, decisions);
    }
    ASSERT_TRUE(writer->close().ok());
  }

  // Runs SQL on the store directly, as someone editing the file would.
  void tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(store_path().c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << text;
  }

  VerifyReport verify(bool with_key = true) {
    auto store = Store::open_read_only(store_path());
    EXPECT_TRUE(store.ok());
    std::optional<Key> key;
    if (with_key) {
      auto loaded = Key::load_for_verify(key_path());
      EXPECT_TRUE(loaded.ok());
      key.emplace(std::move(*loaded));
    }
    auto report = verify_store(*store, key ? &*key : nullptr);
    EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().describe());
    return report.ok() ? std::move(*report) : VerifyReport{};
  }

  std::string dir_;
};

}  // namespace cordon::audit
