// The audit store's schema and its chained appends.
#include "audit/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "base/clock.h"
#include "base/unique_fd.h"

namespace cordon::audit {
namespace {

constexpr int kSchemaVersion = 1;
// Long enough to outlast a burst of appends from many sessions, short enough to notice a stuck
// lock holder.
constexpr int kBusyTimeoutMs = 10000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id        INTEGER PRIMARY KEY,
  session   TEXT    NOT NULL,
  seq       INTEGER NOT NULL,
  time_us   INTEGER NOT NULL,
  kind      TEXT    NOT NULL,
  decision  TEXT    NOT NULL DEFAULT '',
  body      TEXT    NOT NULL,
  prev_hash BLOB    NOT NULL,
  hash      BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events (session, seq);
CREATE INDEX IF NOT EXISTS events_by_time ON events (time_us);
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind);
CREATE TABLE IF NOT EXISTS checkpoints (
  id         INTEGER PRIMARY KEY,
  event_id   INTEGER NOT NULL,
  event_hash BLOB    NOT NULL,
  time_us    INTEGER NOT NULL,
  key_id     TEXT    NOT NULL,
  prev       BLOB    NOT NULL,
  signature  BLOB    NOT NULL
);
PRAGMA user_version = 1;
)sql";

// The store holds every command line and decision of every session: private to its owner.
Result<void> make_private_directory_for(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty() || ::access(dir.c_str(), F_OK) == 0) return Ok{};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(Errc::kSystem, "create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return Ok{};
}

// Without `create`, a missing file is Errc::kNotFound.
Result<void> open_private_file(const std::string& path, bool create) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600));
  if (!fd && errno == ENOENT && !create) return Error(Errc::kNotFound, "no audit store at " + path);
  if (!fd) {
    return Error::system("open audit store " + path)
        .with_hint("set audit.store in ~/.config/cordon/config.toml to a writable path");
  }
  return Ok{};
}

// WAL mode is a property of the file, set by its first writer. Switching needs the database to
// itself, and SQLite answers "locked" at once rather than waiting, so sessions that create a
// store together retry for as long as they would wait for any other lock.
Result<void> use_wal(sql::Connection& db) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(sql::Statement mode, db.prepare("PRAGMA journal_mode = WAL"));
    auto stepped = mode.step();
    if (stepped.ok() && *stepped && mode.text(0) == "wal") return Ok{};
    if (std::chrono::steady_clock::now() > deadline) {
      if (!stepped.ok()) return std::move(stepped).error();
      return Error(Errc::kSystem, "the audit store cannot use WAL mode (" + mode.text(0) + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

class Transaction {
 public:
  explicit Transaction(sql::Connection& db) : db_(db) {}
  Result<void> begin() {
    CORDON_TRY(db_.exec("BEGIN IMMEDIATE"));
    open_ = true;
    return Ok{};
  }
  Result<void> commit() {
    CORDON_TRY(db_.exec("COMMIT"));
    open_ = false;
    return Ok{};
  }
  ~Transaction() {
    if (open_) (void)db_.exec("ROLLBACK");
  }

 private:
  sql::Connection& db_;
  bool open_ = false;
};

}  // namespace

UniqueFd hold_signing_lock(const std::string& store_path) {
  const std::string path = store_path + "-signing";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd) ::flock(fd.get(), LOCK_SH);
  return fd;
}

void wait_for_pending_signatures(const std::string& store_path, std::chrono::milliseconds timeout) {
  UniqueFd fd(::open((store_path + "-signing").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return;  // no writer has ever signed late
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::flock(fd.get(), LOCK_UN);
}

Record record_from(const sql::Statement& row) {
  Record r;
  r.id = row.integer(0);
  r.event.session = row.text(1);
  r.event.seq = row.integer(2);
  r.event.time_us = row.integer(3);
  r.event.kind = row.text(4);
  r.event.decision = row.text(5);
  r.event.body = row.text(6);
  r.prev_hash = row.digest(7);
  r.hash = row.digest(8);
  return r;
}

Checkpoint checkpoint_from(const sql::Statement& row) {
  Checkpoint c;
  c.id = row.integer(0);
  c.event_id = row.integer(1);
  c.event_hash = row.digest(2);
  c.time_us = row.integer(3);
  c.key_id = row.text(4);
  c.prev = row.digest(5);
  c.signature = row.blob(6);
  return c;
}

Result<Store> Store::open_for_append(const std::string& path) {
  return open_appending(path, true);
}

Result<Store> Store::open_existing_for_append(const std::string& path) {
  return open_appending(path, false);
}

Result<Store> Store::open_appending(const std::string& path, bool may_create) {
  if (may_create) CORDON_TRY(make_private_directory_for(path));
  CORDON_TRY(open_private_file(path, may_create));
  // The lock late signatures hold (hold_signing_lock): created with the store, so that it
  // exists, and is hidden from boxes, before any session starts. (Next to a store that exists,
  // creating it can bring back no directory.)
  CORDON_TRY(open_private_file(path + "-signing", true));
  CORDON_ASSIGN_OR_RETURN(sql::Connection db, sql::Connection::open(path, false, kBusyTimeoutMs));
  Store store(std::move(db), path);
  CORDON_ASSIGN_OR_RETURN(sql::Statement version, store.db_.prepare("PRAGMA user_version"));
  CORDON_ASSIGN_OR_RETURN(bool has_row, version.step());
  const int64_t current = has_row ? version.integer(0) : 0;
  version.reset();  // ends its read transaction: journal_mode cannot change inside one
  if (current > kSchemaVersion) {
    return Error(Errc::kUnsupported, "the audit store " + path + " was written by a newer cordon")
        .with_hint("use that cordon to read it, or point audit.store at a new file");
  }
  CORDON_TRY(use_wal(store.db_));
  CORDON_TRY(store.db_.exec("PRAGMA synchronous = NORMAL"));
  // A session's last connection would otherwise fold the WAL into the database as it closes,
  // an fsync at every session end; the WAL files then also stay in place, and with them the
  // masks that hide them from boxes. But each session's first connection rebuilds the WAL's
  // index by reading the whole WAL, and forgets what earlier checkpoints copied, so SQLite's
  // own auto-checkpoint never gets to restart the WAL between sessions. The hook below takes
  // its place: append() checkpoints a long WAL during a busy session, and end_session()
  // truncates one that has grown past a few sessions' worth.
  sqlite3_db_config(store.db_.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_wal_hook(store.db_.handle(), &Store::on_wal_commit, store.wal_frames_.get());
  if (current < kSchemaVersion) CORDON_TRY(store.db_.exec(kSchema));
  CORDON_TRY(store.prepare_appends());
  return store;
}

Result<Store> Store::open_read_only(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) {
    return Error(Errc::kNotFound, "no audit store at " + path)
        .with_hint("run a session first, or pass the store with --store FILE");
  }
  CORDON_ASSIGN_OR_RETURN(sql::Connection db, sql::Connection::open(path, true, kBusyTimeoutMs));
  Store store(std::move(db), path);
  CORDON_ASSIGN_OR_RETURN(sql::Statement version, store.db_.prepare("PRAGMA user_version"));
  CORDON_ASSIGN_OR_RETURN(bool has_row, version.step());
  if (!has_row || version.integer(0) != kSchemaVersion) {
    return Error(Errc::kInvalidInput, path + " is not a cordon audit store (schema version " +
                                          std::to_string(has_row ? version.integer(0) : 0) + ")")
        .with_hint("pass the audit store with --store FILE");
  }
  return store;
}

Result<void> Store::prepare_appends() {
  CORDON_ASSIGN_OR_RETURN(tail_,
                          db_.prepare("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1"));
  CORDON_ASSIGN_OR_RETURN(
      insert_, db_.prepare("INSERT INTO events (id, session, seq, time_us, kind, decision, body, "
                           "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  CORDON_ASSIGN_OR_RETURN(last_checkpoint_,
                          db_.prepare(std::string("SELECT ") + kCheckpointColumns +
                                      " FROM checkpoints ORDER BY id DESC LIMIT 1"));
  CORDON_ASSIGN_OR_RETURN(
      insert_checkpoint_,
      db_.prepare("INSERT INTO checkpoints (id, event_id, event_hash, time_us, key_id, prev, "
                  "signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  return Ok{};
}

Result<void> Store::sign_tail(const CheckpointKey& key) {
  auto signed_tail = append_and_sign({}, &key);
  if (!signed_tail.ok()) return std::move(signed_tail).error();
  return Ok{};
}

Result<int64_t> Store::append_and_sign(std::span<const PendingEvent> events,
                                       const CheckpointKey* signer) {
  Transaction tx(db_);
  CORDON_TRY(tx.begin());
  Record r;
  CORDON_ASSIGN_OR_RETURN(bool has_tail, tail_.step());
  if (has_tail) {
    r.id = tail_.integer(0);
    r.hash = tail_.digest(1);
  }
  tail_.reset();
  for (const PendingEvent& event : events) {
    r.prev_hash = r.hash;
    r.id += 1;
    r.event = event;
    r.hash = record_hash(r);
    insert_.bind(1, r.id)
        .bind(2, r.event.session)
        .bind(3, r.event.seq)
        .bind(4, r.event.time_us)
        .bind(5, r.event.kind)
        .bind(6, r.event.decision)
        .bind(7, r.event.body)
        .bind(8, r.prev_hash)
        .bind(9, r.hash);
    CORDON_TRY(insert_.run());
  }
  if (signer != nullptr && r.id > 0) CORDON_TRY(write_checkpoint(r.id, r.hash, *signer));
  CORDON_TRY(tx.commit());
  if (*wal_frames_ >= kBusyWalFrames) {
    // What SQLite's auto-checkpoint would do (best effort: busy readers only postpone it).
    sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    *wal_frames_ = 0;
  }
  return r.id;
}

void Store::end_session() {
  if (*wal_frames_ >= kSessionEndWalFrames) {
    sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    *wal_frames_ = 0;
  }
}

int Store::on_wal_commit(void* frames, sqlite3*, const char*, int count) {
  *static_cast<int*>(frames) = count;
  return SQLITE_OK;
}

Result<std::optional<Checkpoint>> Store::last_checkpoint() {
  CORDON_ASSIGN_OR_RETURN(sql::Statement q,
                          db_.prepare(std::string("SELECT ") + kCheckpointColumns +
                                      " FROM checkpoints ORDER BY id DESC LIMIT 1"));
  CORDON_ASSIGN_OR_RETURN(bool has_row, q.step());
  if (!has_row) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(checkpoint_from(q));
}

Result<void> Store::write_checkpoint(int64_t event_id, const Digest& event_hash,
                                     const CheckpointKey& signer) {
  Checkpoint cp;
  CORDON_ASSIGN_OR_RETURN(bool has_prev, last_checkpoint_.step());
  if (has_prev) {
    const Checkpoint prev = checkpoint_from(last_checkpoint_);
    if (prev.event_id == event_id) {  // the tail is signed already
      last_checkpoint_.reset();
      return Ok{};
    }
    cp.id = prev.id + 1;
    cp.prev = checkpoint_digest(prev);
  } else {
    cp.id = 1;
  }
  last_checkpoint_.reset();
  cp.event_id = event_id;
  cp.event_hash = event_hash;
  cp.time_us = unix_time_us();
  cp.key_id = signer.fingerprint();
  CORDON_ASSIGN_OR_RETURN(cp.signature, signer.sign(checkpoint_message(cp)));
  insert_checkpoint_.bind(1, cp.id)
      .bind(2, cp.event_id)
      .bind(3, cp.event_hash)
      .bind(4, cp.time_us)
      .bind(5, cp.key_id)
      .bind(6, cp.prev)
      .bind_blob(7, cp.signature);
  return insert_checkpoint_.run();
}

}  // namespace cordon::audit
