// Thin RAII over the SQLite C API: a connection and prepared statements, errors as Results.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "audit/record.h"
#include "base/result.h"

namespace cordon::audit::sql {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const Digest& digest);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // One step: true with a row ready, false when done.
  Result<bool> step();
  // Steps to the end (statements without rows).
  Result<void> run();
  void reset();

  int64_t integer(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  Digest digest(int column) const;  // all zeros unless the blob is exactly 32 bytes
  bool is_null(int column) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

class Connection {
 public:
  // Opens (read-write, creating) or read-only. Waits up to `busy_ms` for other writers' locks.
  static Result<Connection> open(const std::string& path, bool read_only, int busy_ms);

  Result<Statement> prepare(std::string_view sql);
  Result<void> exec(const char* sql);
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Close> db_;
};

// An Error from the connection's last failure.
Error sqlite_error(sqlite3* db, const std::string& what);

}  // namespace cordon::audit::sql
