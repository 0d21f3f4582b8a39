// The audit store: one SQLite database (WAL) outside every box, shared by all of a user's
// sessions. Rows form one hash chain in `id` order; checkpoints sign the chain's tail.
//
// Several cordon processes append at once: each append is one IMMEDIATE transaction that reads
// the chain's tail and links its rows onto it, so the chain stays linear whatever the
// interleaving. WAL with synchronous=NORMAL: a committed append survives cordon being killed;
// a power cut may lose the last few commits (never corrupts the chain).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "audit/record.h"
#include "audit/sqlite.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon::audit {

class Store {
 public:
  // Opens for appending, creating the file (0600) and its directory (0700) when missing.
  static Result<Store> open_for_append(const std::string& path);
  // Opens an existing store for appending (signing its tail); creates nothing, so a signer that
  // outlived a removed store cannot bring it, or its directory, back. Errc::kNotFound if gone.
  static Result<Store> open_existing_for_append(const std::string& path);
  // Opens an existing store for reading (queries, verify).
  static Result<Store> open_read_only(const std::string& path);

  // Appends `events` in one transaction, chained onto the current tail. Returns the last row's
  // id.
  Result<int64_t> append(std::span<const PendingEvent> events) {
    return append_and_sign(events, nullptr);
  }
  // Signs a checkpoint over the current tail (nothing when it is signed already, or the store is
  // empty).
  Result<void> sign_tail(const CheckpointKey& key);

  // Called once a session's rows are in: keeps the WAL short for the next session (a
  // checkpoint and an fsync every few sessions, not at every one).
  void end_session();

  // The newest checkpoint, if any.
  Result<std::optional<Checkpoint>> last_checkpoint();

  sql::Connection& db() { return db_; }
  const std::string& path() const { return path_; }

 private:
  Store(sql::Connection db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  static Result<Store> open_appending(const std::string& path, bool may_create);
  Result<void> prepare_appends();
  // Both in one transaction: `events` chained onto the tail, then, with `signer`, a checkpoint
  // over the new tail.
  Result<int64_t> append_and_sign(std::span<const PendingEvent> events,
                                  const CheckpointKey* signer);
  Result<void> write_checkpoint(int64_t event_id, const Digest& event_hash,
                                const CheckpointKey& signer);

  // Checkpoint during a session past this many WAL frames (SQLite's own default)...
  static constexpr int kBusyWalFrames = 1000;
  // ...and truncate the WAL at a session's end past this many, so that the next session's
  // first connection has little to read.
  static constexpr int kSessionEndWalFrames = 64;
  static int on_wal_commit(void* frames, sqlite3* db, const char* name, int count);

  sql::Connection db_;
  std::string path_;
  // Frames in the WAL after the last commit; on the heap, so that SQLite's hook keeps a valid
  // pointer when the Store moves.
  std::unique_ptr<int> wal_frames_ = std::make_unique<int>(0);
  sql::Statement tail_, insert_, last_checkpoint_, insert_checkpoint_;
};

// Checkpoints signed after cordon has exited. A session's writer commits the session's rows,
// answers cordon, and only then loads the key and signs (the slow part); it holds a shared
// lock on "<store>-signing" from before its answer until the signature is in. Readers that
// care (verify) take the lock exclusively first, waiting up to `timeout` for such signatures.
UniqueFd hold_signing_lock(const std::string& store_path);
void wait_for_pending_signatures(const std::string& store_path, std::chrono::milliseconds timeout);

// Reads one row from a statement whose columns are kRecordColumns, in order.
inline constexpr const char* kRecordColumns =
    "id, session, seq, time_us, kind, decision, body, prev_hash, hash";
Record record_from(const sql::Statement& row);

inline constexpr const char* kCheckpointColumns =
    "id, event_id, event_hash, time_us, key_id, prev, signature";
Checkpoint checkpoint_from(const sql::Statement& row);

}  // namespace cordon::audit
