// Audit store benchmark: chained, signed appends and session queries against plain SQLite.
//
// Side by side in one process (see bench/README.md): cordon's AuditWriter (hash chain, Ed25519
// checkpoints, writer thread) against the same rows appended to an identical table without the
// chain columns or signatures, and a session query through audit::query_events against plain SQL
// on that table. Medians of repeated runs and their ratios; the last line is "RESULT {json}".
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "audit/encode.h"
#include "audit/query.h"
#include "audit/store.h"
#include "audit/writer.h"
#include "events/session_events.h"

namespace {

using cordon::audit::PendingEvent;
using Clock = std::chrono::steady_clock;
namespace events = cordon::events;
namespace audit = cordon::audit;

// The temporary directory, removed on the way out (also by die(), which unwinds nothing).
std::string g_temp_dir;

void remove_temp_dir() {
  if (g_temp_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(g_temp_dir, ec);
  g_temp_dir.clear();
}

// Programmer and environment failures end the benchmark: there is nothing to measure after them.
[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "audit-bench: %s\n", what.c_str());
  remove_temp_dir();
  std::exit(1);
}

template <class T>
T must(cordon::Result<T> result, const std::string& what) {
  if (!result.ok()) die(what + ": " + result.error().describe());
  return std::move(result).value();
}

void must(cordon::Result<void> result, const std::string& what) {
  if (!result.ok()) die(what + ": " + result.error().describe());
}

void must_sql(sqlite3* db, int rc, const std::string& what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    die(what + ": " + (db ? sqlite3_errmsg(db) : "sqlite error"));
  }
}

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  const std::string text = message ? message : "";
  sqlite3_free(message);
  if (rc != SQLITE_OK) die(std::string(sql) + ": " + text);
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Nearest-rank percentile (p90 of 21 samples is the 19th smallest).
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

// A temporary directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/cordon-audit-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) die("mkdtemp " + tmpl + ": " + std::strerror(errno));
    path_ = tmpl;
    g_temp_dir = path_;
  }
  ~TempDir() { remove_temp_dir(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// Session ids as cordon makes them (16 hex digits), deterministic; unique in their first 8
// digits so that the query resolves an 8-digit prefix as a user would type it.
std::vector<std::string> session_ids(int count, uint64_t seed) {
  std::vector<std::string> ids;
  std::set<std::string> prefixes;
  uint64_t state = seed;
  while (static_cast<int>(ids.size()) < count) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);  // splitmix64
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(z));
    if (prefixes.insert(std::string(hex, 8)).second) ids.emplace_back(hex);
  }
  return ids;
}

// What an agent's session looks like to the audit trail.
events::SessionStarted session_start(const std::string& id) {
  events::SessionStarted e;
  e.session_id = id;
  e.cordon_version = "0.1.0";
  e.profile = "workspace-write";
  e.policy_text =
      "profile = \"workspace-write\"\n[filesystem]\nwrite = [\"/work/repo\"]\n"
      "[network]\nallow = [\"api.example.com:443\", \"registry.npmjs.org:443\"]\n";
  e.user = "dev";
  e.workspace = "/work/repo";
  e.command = {"/usr/bin/agent", "--task", "fix the failing tests"};
  e.walls = {{"isolation", "user+mount+pid+net+ipc+uts+cgroup namespaces", true, ""},
             {"filesystem", "landlock abi 6", true, ""},
             {"egress", "proxy", true, ""}};
  return e;
}

events::NetworkDecision network_decision(const std::string& id, int64_t n) {
  events::NetworkDecision d;
  d.session_id = id;
  d.host = "api.example.com";
  d.port = static_cast<uint16_t>(443 + n % 2000);
  d.protocol = "connect";
  if (n % 2 == 0) {
    d.decision = events::Decision::kAllow;
    d.address = "93.184.216.34";
    d.rule = "network.allow api.example.com:443";
    d.reason = "matches network.allow";
  } else {
    d.decision = events::Decision::kDeny;
    d.reason = "port not in network.allow";
  }
  return d;
}

events::SessionEnded session_end(const std::string& id) {
  events::SessionEnded e;
  e.session_id = id;
  e.exit_code = 0;
  e.duration = std::chrono::milliseconds(60000);
  e.peaks.memory_bytes = 512ull << 20;
  e.peaks.pids = 12;
  return e;
}

// The literal secrets a session's redactor hides (credential-looking environment values).
audit::Redactor bench_redactor() {
  return audit::Redactor({"ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "hunter2-hunter2"});
}

// The append workload: a start per session, then `decisions` network decisions in chunks of ten
// per session, round robin (sessions running at once), then an end per session.
std::vector<events::Event> append_workload(int64_t decisions, int sessions) {
  const auto ids = session_ids(sessions, 1);
  std::vector<events::Event> out;
  out.reserve(static_cast<size_t>(decisions + 2 * sessions));
  for (const auto& id : ids) out.emplace_back(session_start(id));
  for (int64_t i = 0; i < decisions; ++i) {
    out.emplace_back(network_decision(ids[static_cast<size_t>((i / 10) % sessions)], i));
  }
  for (const auto& id : ids) out.emplace_back(session_end(id));
  return out;
}

std::unique_ptr<audit::AuditWriter> open_writer(const std::string& store, const std::string& key) {
  // As the session writer opens it (writer_main.cpp), defaults included, except that the
  // checkpoints are signed in this process (the session writer spawns `cordon-audit
  // checkpoint` for them, asynchronously).
  audit::WriterOptions o;
  o.store_path = store;
  o.signer = audit::make_key_signer(key);
  o.checkpoint_every = 1000;
  o.redactor = bench_redactor();
  auto writer = must(audit::AuditWriter::open(std::move(o)), "open the audit writer");
  // The writer thread opens the store and the key; the clock starts once they are open.
  must(writer->wait_ready(), "open the audit store and key");
  return writer;
}

// cordon: every event through AuditWriter::emit, timed until close() has committed and signed.
double cordon_append(const std::vector<events::Event>& workload, const std::string& store,
                     const std::string& key, double* emit_ms) {
  auto writer = open_writer(store, key);
  const auto start = Clock::now();
  for (const auto& e : workload) writer->emit(e);
  *emit_ms = ms_since(start);
  must(writer->close(), "close the audit writer");
  const double ms = ms_since(start);
  if (writer->committed() != static_cast<int64_t>(workload.size())) die("rows lost");
  // Untimed: the tail is signed, so the run paid for every checkpoint.
  auto check = must(audit::Store::open_read_only(store), "reopen the store");
  const auto last = must(check.last_checkpoint(), "read the last checkpoint");
  if (!last || last->event_id != static_cast<int64_t>(workload.size())) die("tail not signed");
  return ms;
}

// The peer's table: the store's columns without prev_hash and hash, the same indexes.
constexpr const char* kPlainSchema = R"sql(
CREATE TABLE events (
  id       INTEGER PRIMARY KEY,
  session  TEXT    NOT NULL,
  seq      INTEGER NOT NULL,
  time_us  INTEGER NOT NULL,
  kind     TEXT    NOT NULL,
  decision TEXT    NOT NULL DEFAULT '',
  body     TEXT    NOT NULL
);
CREATE INDEX events_by_session ON events (session, seq);
CREATE INDEX events_by_time ON events (time_us);
CREATE INDEX events_by_kind ON events (kind);
)sql";

sqlite3* open_plain(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    die("open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
  }
  if (create) {  // SQLite's defaults otherwise (a checkpoint every 1000 WAL pages and at close)
    exec(db, "PRAGMA journal_mode = WAL");
    exec(db, "PRAGMA synchronous = NORMAL");
    exec(db, kPlainSchema);
  }
  return db;
}

// What AuditWriter::emit() does on the caller's thread: encode, redact, number, stamp, count.
class RowEncoder {
 public:
  PendingEvent operator()(const events::Event& event) {
    auto& [seq, counts] = sessions_[events::session_of(event)];
    PendingEvent row = audit::encode_event(event, redactor_, counts);
    row.seq = ++seq;
    row.time_us = now_us();
    counts.events += 1;
    if (row.decision == "allow") counts.allowed += 1;
    if (row.decision == "deny") counts.denied += 1;
    return row;
  }

 private:
  audit::Redactor redactor_ = bench_redactor();
  std::map<std::string, std::pair<int64_t, audit::SessionCounts>> sessions_;
};

// The peer's side of an append: one prepared INSERT, IMMEDIATE transactions of 1000 rows (the
// writer's transactions end at each checkpoint, every 1000 rows).
class PlainAppender {
 public:
  explicit PlainAppender(const std::string& path) : db_(open_plain(path, true)) {
    must_sql(db_,
             sqlite3_prepare_v3(db_,
                                "INSERT INTO events (id, session, seq, time_us, kind, decision, "
                                "body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                -1, SQLITE_PREPARE_PERSISTENT, &insert_, nullptr),
             "prepare insert");
  }
  PlainAppender(const PlainAppender&) = delete;
  PlainAppender& operator=(const PlainAppender&) = delete;
  ~PlainAppender() { close(); }

  void append(const PendingEvent& row) {
    if (id_ % kBatch == 0) exec(db_, "BEGIN IMMEDIATE");
    sqlite3_bind_int64(insert_, 1, ++id_);
    text(2, row.session);
    sqlite3_bind_int64(insert_, 3, row.seq);
    sqlite3_bind_int64(insert_, 4, row.time_us);
    text(5, row.kind);
    text(6, row.decision);
    text(7, row.body);
    must_sql(db_, sqlite3_step(insert_), "insert");
    sqlite3_reset(insert_);
    if (id_ % kBatch == 0) exec(db_, "COMMIT");
  }

  // Commits the rest and closes the connection, which folds the WAL back into the database.
  void close() {
    if (db_ == nullptr) return;
    if (id_ % kBatch != 0) exec(db_, "COMMIT");
    sqlite3_finalize(insert_);
    must_sql(db_, sqlite3_close(db_), "close");
    db_ = nullptr;
  }

 private:
  static constexpr int64_t kBatch = 1000;
  void text(int i, const std::string& s) {
    sqlite3_bind_text(insert_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  sqlite3* db_;
  sqlite3_stmt* insert_ = nullptr;
  int64_t id_ = 0;
};

// The peer: the same rows appended to the plain table, timed until the connection is closed.
// With `encode`, the rows are encoded here on the one thread (the work emit() does); otherwise
// they are the rows encode_all() made before the clock started.
double plain_append(const std::vector<events::Event>& workload,
                    const std::vector<PendingEvent>& encoded, bool encode,
                    const std::string& path) {
  PlainAppender out(path);
  RowEncoder encoder;
  const auto start = Clock::now();
  for (size_t i = 0; i < workload.size(); ++i) {
    if (encode) {
      out.append(encoder(workload[i]));
    } else {
      out.append(encoded[i]);
    }
  }
  out.close();
  return ms_since(start);
}

std::vector<PendingEvent> encode_all(const std::vector<events::Event>& workload) {
  RowEncoder encoder;
  std::vector<PendingEvent> rows;
  rows.reserve(workload.size());
  for (const auto& e : workload) rows.push_back(encoder(e));
  return rows;
}

struct Options {
  int64_t events = 200000;
  int runs = 5;
  int64_t query_events = 1000000;
  int query_runs = 21;
  bool skip_query = false;
};

void usage() {
  std::fprintf(stderr,
               "usage: cordon-audit-bench [--events N] [--runs R] [--query-events N]\n"
               "                          [--query-runs R] [--skip-query]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto number = [&]() -> int64_t {
      if (i + 1 >= argc) usage();
      char* end = nullptr;
      const long long v = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0' || v <= 0) usage();
      return v;
    };
    if (arg == "--events") {
      o.events = number();
    } else if (arg == "--runs") {
      o.runs = static_cast<int>(number());
    } else if (arg == "--query-events") {
      o.query_events = number();
    } else if (arg == "--query-runs") {
      o.query_runs = static_cast<int>(number());
    } else if (arg == "--skip-query") {
      o.skip_query = true;
    } else {
      usage();
    }
  }
  return o;
}

struct AppendResult {
  double cordon = 0, plain = 0, plain_encode = 0;  // events/s, medians
  double emit_ms = 0;                              // median time for the emit() calls alone
};

AppendResult bench_append(const Options& opt, const TempDir& dir) {
  constexpr int kSessions = 50;
  const auto workload = append_workload(opt.events - 2 * kSessions, kSessions);
  const auto encoded = encode_all(workload);
  const double rows = static_cast<double>(workload.size());
  const std::string key = dir.file("key.pem");
  std::vector<double> cordon, plain, plain_encode, emit;

  std::printf("append: %zu events (%d sessions), %d runs, checkpoint every 1000\n", workload.size(),
              kSessions, opt.runs);
  std::printf("  %-4s %16s %16s %16s %10s\n", "run", "cordon ev/s", "plain ev/s", "plain+enc ev/s",
              "ratio");
  for (int run = 0; run < opt.runs; ++run) {
    double c = 0, p = 0, pe = 0, e = 0;
    auto run_cordon = [&] {
      const std::string store = dir.file("append.db");
      c = cordon_append(workload, store, key, &e);
      remove_db(store);
    };
    auto run_plain = [&] {
      const std::string path = dir.file("plain.db");
      p = plain_append(workload, encoded, false, path);
      remove_db(path);
      pe = plain_append(workload, encoded, true, path);
      remove_db(path);
    };
    if (run % 2 == 0) {  // interleaved, alternating which goes first
      run_cordon();
      run_plain();
    } else {
      run_plain();
      run_cordon();
    }
    cordon.push_back(rows / c * 1000);
    plain.push_back(rows / p * 1000);
    plain_encode.push_back(rows / pe * 1000);
    emit.push_back(e);
    std::printf("  %-4d %16.0f %16.0f %16.0f %10.3f\n", run + 1, cordon.back(), plain.back(),
                plain_encode.back(), cordon.back() / plain.back());
    std::fflush(stdout);
  }
  AppendResult r{median(cordon), median(plain), median(plain_encode), median(emit)};
  std::printf("  %-4s %16.0f %16.0f %16.0f %10.3f\n", "med", r.cordon, r.plain, r.plain_encode,
              r.cordon / r.plain);
  std::printf(
      "  cordon / plain (pre-encoded rows): %.3f; cordon / plain (encoding included): %.3f\n",
      r.cordon / r.plain, r.cordon / r.plain_encode);
  std::printf("  emit() calls alone (median): %.0f ms; goal >= 50000 ev/s: %s\n\n", r.emit_ms,
              r.cordon >= 50000 ? "met" : "NOT met");
  return r;
}

struct QueryResult {
  int64_t rows = 0;
  double build_s = 0, build_rate = 0, plain_build_rate = 0, plain_insert_rate = 0;
  double session_median = 0, session_p90 = 0, plain_median = 0, plain_p90 = 0;
  double sessions_median = 0, deny_median = 0;
  int64_t session_rows = 0;
};

// The query store's events: `ids.size()` sessions of `per_session` rows (start, decisions,
// end), running at once: round robin in chunks of ten events. `each` returns after handing the
// event on; `pace` runs after every chunk.
void query_workload(const std::vector<std::string>& ids, int64_t per_session,
                    const std::function<void(const events::Event&)>& each,
                    const std::function<void()>& pace) {
  constexpr int64_t kChunk = 10;
  for (int64_t first = 0; first < per_session; first += kChunk) {
    for (const auto& id : ids) {
      for (int64_t k = first; k < std::min(first + kChunk, per_session); ++k) {
        if (k == 0) {
          each(session_start(id));
        } else if (k == per_session - 1) {
          each(session_end(id));
        } else {
          each(network_decision(id, k));
        }
      }
      pace();
    }
  }
}

// Fills the store through the real writer. The emitting side waits while the writer is 100,000
// rows behind, as a bounded producer would. Returns seconds, until close() returned.
double build_store(const std::string& store, const std::string& key,
                   const std::vector<std::string>& ids, int64_t per_session) {
  constexpr int64_t kBacklog = 100000;
  auto writer = open_writer(store, key);
  int64_t emitted = 0;
  const auto start = Clock::now();
  query_workload(
      ids, per_session,
      [&](const events::Event& e) {
        writer->emit(e);
        ++emitted;
      },
      [&] {
        while (emitted - writer->committed() > kBacklog) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      });
  must(writer->close(), "close the audit writer");
  return ms_since(start) / 1000;
}

// The peer's store: the same events, encoded the same way and appended in the same order to the
// plain table on one thread. Returns seconds in all and, in `encode_s`, the part spent encoding.
double build_plain(const std::string& plain, const std::vector<std::string>& ids,
                   int64_t per_session, double* encode_s) {
  PlainAppender out(plain);
  RowEncoder encoder;
  Clock::duration encoding{};
  const auto start = Clock::now();
  query_workload(
      ids, per_session,
      [&](const events::Event& e) {
        const auto t = Clock::now();
        PendingEvent row = encoder(e);
        encoding += Clock::now() - t;
        out.append(row);
      },
      [] {});
  out.close();
  *encode_s = std::chrono::duration<double>(encoding).count();
  return ms_since(start) / 1000;
}

struct PlainRow {
  int64_t id, seq, time_us;
  std::string session, kind, decision, body;
};

std::string column(sqlite3_stmt* q, int i) {
  const auto* p = sqlite3_column_text(q, i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(q, i)))
           : "";
}

QueryResult bench_query(const Options& opt, const TempDir& dir) {
  const int64_t sessions = std::max<int64_t>(1, opt.query_events / 1000);
  const int64_t per_session = std::max<int64_t>(2, opt.query_events / sessions);
  const auto ids = session_ids(static_cast<int>(sessions), 2);
  const std::string store = dir.file("query.db");
  const std::string plain = dir.file("query-plain.db");
  QueryResult r;
  r.rows = sessions * per_session;

  std::printf("query: building a %lld-event store (%lld sessions x %lld, round robin)\n",
              static_cast<long long>(r.rows), static_cast<long long>(sessions),
              static_cast<long long>(per_session));
  std::fflush(stdout);
  const double rows = static_cast<double>(r.rows);
  const double mib = 1 << 20;
  r.build_s = build_store(store, dir.file("key.pem"), ids, per_session);
  r.build_rate = rows / r.build_s;
  std::printf("  cordon: %.1f s, %.0f ev/s sustained (goal >= 50000: %s), %.0f MiB\n", r.build_s,
              r.build_rate, r.build_rate >= 50000 ? "met" : "NOT met",
              static_cast<double>(std::filesystem::file_size(store)) / mib);
  std::fflush(stdout);
  double encode_s = 0;
  const double plain_s = build_plain(plain, ids, per_session, &encode_s);
  r.plain_build_rate = rows / plain_s;
  r.plain_insert_rate = rows / (plain_s - encode_s);
  std::printf("  plain:  %.1f s, %.0f ev/s with encoding (%.0f ev/s inserts alone), %.0f MiB\n",
              plain_s, r.plain_build_rate, r.plain_insert_rate,
              static_cast<double>(std::filesystem::file_size(plain)) / mib);
  std::printf("  ratio cordon / plain with encoding: %.3f (single runs, one after the other)\n",
              r.build_rate / r.plain_build_rate);

  // Each repetition opens fresh connections (a new `cordon audit show`): SQLite's page cache is
  // cold, the kernel's is warm. The first repetition of each kind is a warm-up, not counted.
  std::vector<double> cordon_ms, plain_ms, sessions_ms, deny_ms;
  int64_t deny_rows = 0;
  for (int rep = -1; rep < opt.query_runs; ++rep) {
    const std::string& id = ids[static_cast<size_t>((rep + 1) * 7919 % sessions)];
    double c = 0, p = 0;
    int64_t got_cordon = 0, got_plain = 0;
    auto run_cordon = [&] {
      auto s = must(audit::Store::open_read_only(store), "open the store");
      const auto start = Clock::now();
      const std::string full = must(audit::resolve_session(s, id.substr(0, 8)), "resolve");
      audit::EventFilter f;
      f.session = full;
      std::vector<audit::Record> rows;
      must(audit::query_events(s, f, [&](const audit::Record& row) { rows.push_back(row); }),
           "session query");
      c = ms_since(start);
      got_cordon = static_cast<int64_t>(rows.size());
    };
    auto run_plain = [&] {
      sqlite3* db = open_plain(plain, false);
      const auto start = Clock::now();
      sqlite3_stmt* q = nullptr;
      must_sql(db,
               sqlite3_prepare_v2(db, "SELECT * FROM events WHERE session = ? ORDER BY id", -1, &q,
                                  nullptr),
               "prepare");
      sqlite3_bind_text(q, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
      std::vector<PlainRow> rows;
      while (sqlite3_step(q) == SQLITE_ROW) {
        rows.push_back({sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 2),
                        sqlite3_column_int64(q, 3), column(q, 1), column(q, 4), column(q, 5),
                        column(q, 6)});
      }
      sqlite3_finalize(q);
      p = ms_since(start);
      sqlite3_close(db);
      got_plain = static_cast<int64_t>(rows.size());
    };
    if (rep % 2 == 0) {
      run_cordon();
      run_plain();
    } else {
      run_plain();
      run_cordon();
    }
    if (got_cordon != per_session || got_plain != per_session) {
      die("session " + id + ": " + std::to_string(got_cordon) + " rows through cordon, " +
          std::to_string(got_plain) + " plain, expected " + std::to_string(per_session));
    }
    r.session_rows = got_cordon;

    auto s = must(audit::Store::open_read_only(store), "open the store");
    auto start = Clock::now();
    const auto listed = must(audit::list_sessions(s, 0), "list sessions");
    const double l = ms_since(start);
    if (static_cast<int64_t>(listed.size()) != sessions) die("list_sessions: wrong count");

    auto s2 = must(audit::Store::open_read_only(store), "open the store");
    start = Clock::now();
    audit::EventFilter f;
    f.kinds = {"network.decision"};
    f.decision = "deny";
    f.limit = 100;
    f.newest = true;
    std::vector<audit::Record> denied;
    must(audit::query_events(s2, f, [&](const audit::Record& row) { denied.push_back(row); }),
         "deny query");
    const double d = ms_since(start);
    deny_rows = static_cast<int64_t>(denied.size());

    if (rep < 0) continue;
    cordon_ms.push_back(c);
    plain_ms.push_back(p);
    sessions_ms.push_back(l);
    deny_ms.push_back(d);
  }
  r.session_median = median(cordon_ms);
  r.session_p90 = percentile(cordon_ms, 90);
  r.plain_median = median(plain_ms);
  r.plain_p90 = percentile(plain_ms, 90);
  r.sessions_median = median(sessions_ms);
  r.deny_median = median(deny_ms);

  std::printf("  %-44s %10s %10s\n",
              ("query (" + std::to_string(opt.query_runs) + " runs)").c_str(), "median ms",
              "p90 ms");
  std::printf("  %-44s %10.2f %10.2f\n", "cordon: resolve + session query", r.session_median,
              r.session_p90);
  std::printf("  %-44s %10.2f %10.2f\n", "plain: SELECT * WHERE session = ?", r.plain_median,
              r.plain_p90);
  std::printf("  %-44s %10.3f\n", "ratio cordon / plain (medians)",
              r.session_median / r.plain_median);
  std::printf("  %-44s %10.2f %10.2f\n", "list_sessions (all)", r.sessions_median,
              percentile(sessions_ms, 90));
  std::printf(
      "  %-44s %10.2f %10.2f\n",
      ("deny network.decision, newest 100 (" + std::to_string(deny_rows) + " rows)").c_str(),
      r.deny_median, percentile(deny_ms, 90));
  std::printf("  session query of %lld rows; goal < 100 ms: %s\n\n",
              static_cast<long long>(r.session_rows), r.session_median < 100 ? "met" : "NOT met");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  if (opt.events < 200) die("--events must be at least 200 (50 sessions' start and end rows)");
  TempDir dir;
  std::printf("cordon audit store benchmark (sqlite %s)\n\n", sqlite3_libversion());
  const AppendResult a = bench_append(opt, dir);
  nlohmann::json result = {
      {"sqlite", sqlite3_libversion()},
      {"append_events", opt.events},
      {"append_runs", opt.runs},
      {"append_cordon_eps", std::lround(a.cordon)},
      {"append_plain_eps", std::lround(a.plain)},
      {"append_plain_encode_eps", std::lround(a.plain_encode)},
      {"append_ratio", std::round(a.cordon / a.plain * 1000) / 1000},
      {"append_ratio_encode", std::round(a.cordon / a.plain_encode * 1000) / 1000}};
  if (!opt.skip_query) {
    const QueryResult q = bench_query(opt, dir);
    auto ms = [](double v) { return std::round(v * 100) / 100; };
    result["query_events"] = q.rows;
    result["query_runs"] = opt.query_runs;
    result["query_build_eps"] = std::lround(q.build_rate);
    result["query_build_plain_encode_eps"] = std::lround(q.plain_build_rate);
    result["query_build_plain_eps"] = std::lround(q.plain_insert_rate);
    result["query_session_rows"] = q.session_rows;
    result["query_session_median_ms"] = ms(q.session_median);
    result["query_session_p90_ms"] = ms(q.session_p90);
    result["query_plain_median_ms"] = ms(q.plain_median);
    result["query_plain_p90_ms"] = ms(q.plain_p90);
    result["query_ratio"] = std::round(q.session_median / q.plain_median * 1000) / 1000;
    result["list_sessions_median_ms"] = ms(q.sessions_median);
    result["deny_newest_100_median_ms"] = ms(q.deny_median);
  }
  std::printf("RESULT %s\n", result.dump().c_str());
  return 0;
}
