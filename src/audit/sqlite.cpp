// The SQLite wrapper.
#include "audit/sqlite.h"

#include <cstring>

namespace cordon::audit::sql {

Error sqlite_error(sqlite3* db, const std::string& what) {
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  Error e(Errc::kSystem, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
  if ((code & 0xff) == SQLITE_BUSY) {
    e.with_hint("another process holds the audit store's write lock for too long");
  } else if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) {
    e.with_hint("the audit store is damaged or not an audit store; check the path (audit.store)");
  }
  return e;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, const Digest& digest) {
  sqlite3_bind_blob(stmt_.get(), index, digest.data(), static_cast<int>(digest.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_.get(), index, bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = sqlite_error(db_, "sqlite step");
  sqlite3_reset(stmt_.get());  // ready for the next use
  return e;
}

Result<void> Statement::run() {
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool row, step());
    if (!row) break;
  }
  reset();
  return Ok{};
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : "";
}

std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : "";
}

Digest Statement::digest(int column) const {
  Digest d{};
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  if (p && sqlite3_column_bytes(stmt_.get(), column) == static_cast<int>(d.size())) {
    std::memcpy(d.data(), p, d.size());
  }
  return d;
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Result<Connection> Connection::open(const std::string& path, bool read_only, int busy_ms) {
  sqlite3* raw = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Connection c;
  c.db_.reset(raw);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(raw, "open audit store " + path);
    if (read_only && rc == SQLITE_CANTOPEN) {
      e = Error(Errc::kNotFound, "no audit store at " + path)
              .with_hint("run a session first, or pass the store with --store FILE");
    }
    return e;
  }
  sqlite3_busy_timeout(raw, busy_ms);
  sqlite3_extended_result_codes(raw, 1);
  return c;
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return sqlite_error(db_.get(), "prepare");
  }
  return Statement(db_.get(), stmt);
}

Result<void> Connection::exec(const char* sql) {
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return sqlite_error(db_.get(), std::string("sqlite: ") + sql);
  }
  return Ok{};
}

}  // namespace cordon::audit::sql
