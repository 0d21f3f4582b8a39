// Queries over the store. Session queries use the (session, seq) index; time ranges the time
// index; `audit sessions` reads only the start and end rows (the kind index).
#include "audit/query.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <variant>

namespace cordon::audit {
namespace {

using nlohmann::json;
using Param = std::variant<int64_t, std::string>;

json parse_body(const std::string& body) {
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string outcome_of(const std::string& kind, const json& body) {
  if (kind == "session.setup-failed") return "setup failed";
  if (body.value("timed_out", false)) return "timed out";
  if (body.contains("signal") && body["signal"].is_number()) {
    return "signal " + std::to_string(body["signal"].get<int>());
  }
  if (body.contains("exit_code") && body["exit_code"].is_number()) {
    return "exit " + std::to_string(body["exit_code"].get<int>());
  }
  return "?";
}

}  // namespace

Result<void> query_events(Store& store, const EventFilter& f,
                          const std::function<void(const Record&)>& each) {
  std::string sql = std::string("SELECT ") + kRecordColumns + " FROM events WHERE id > ?";
  std::vector<Param> params{f.after_id};
  if (f.session) {
    sql += " AND session = ?";
    params.emplace_back(*f.session);
  }
  if (!f.kinds.empty()) {
    sql += " AND (";
    for (size_t i = 0; i < f.kinds.size(); ++i) {
      const std::string& kind = f.kinds[i];
      sql += i ? " OR " : "";
      if (!kind.empty() && kind.back() == '.') {
        sql += "substr(kind, 1, ?) = ?";
        params.emplace_back(static_cast<int64_t>(kind.size()));
      } else {
        sql += "kind = ?";
      }
      params.emplace_back(kind);
    }
    sql += ")";
  }
  if (f.decision) {
    sql += " AND decision = ?";
    params.emplace_back(*f.decision);
  }
  if (f.since_us) {
    sql += " AND time_us >= ?";
    params.emplace_back(*f.since_us);
  }
  if (f.until_us) {
    sql += " AND time_us < ?";
    params.emplace_back(*f.until_us);
  }
  if (f.text) {
    sql += " AND instr(lower(body), lower(?)) > 0";
    params.emplace_back(*f.text);
  }
  sql += f.newest ? " ORDER BY id DESC" : " ORDER BY id";
  if (f.limit > 0) {
    sql += " LIMIT ?";
    params.emplace_back(f.limit);
  }
  CORDON_ASSIGN_OR_RETURN(sql::Statement q, store.db().prepare(sql));
  for (size_t i = 0; i < params.size(); ++i) {
    std::visit([&](const auto& v) { q.bind(static_cast<int>(i + 1), v); }, params[i]);
  }
  std::vector<Record> newest;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, q.step());
    if (!has_row) break;
    if (f.newest) {
      newest.push_back(record_from(q));
    } else {
      each(record_from(q));
    }
  }
  std::for_each(newest.rbegin(), newest.rend(), each);
  return Ok{};
}

Result<std::vector<SessionRow>> list_sessions(Store& store, int64_t limit) {
  CORDON_ASSIGN_OR_RETURN(
      sql::Statement q,
      store.db().prepare("SELECT session, time_us, kind, body FROM events WHERE kind IN "
                         "('session.start', 'session.end', 'session.setup-failed') ORDER BY id"));
  std::vector<SessionRow> rows;
  std::map<std::string, size_t> index;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, q.step());
    if (!has_row) break;
    const std::string session = q.text(0);
    const std::string kind = q.text(2);
    const json body = parse_body(q.text(3));
    auto [it, fresh] = index.emplace(session, rows.size());
    if (fresh) {
      rows.push_back(SessionRow{session});
      rows.back().start_us = q.integer(1);
    }
    SessionRow& row = rows[it->second];
    if (kind == "session.start") {
      row.start_us = q.integer(1);
      row.profile = body.value("profile", "");
      if (body.contains("command") && body["command"].is_array()) {
        for (const auto& arg : body["command"]) {
          if (arg.is_string()) row.command.push_back(arg.get<std::string>());
        }
      }
    } else {
      row.outcome = outcome_of(kind, body);
      if (kind == "session.end") {
        row.duration_ms = body.value("duration_ms", int64_t{0});
        const json counts = body.value("counts", json::object());
        row.events = counts.value("events", int64_t{0});
        row.allowed = counts.value("allowed", int64_t{0});
        row.denied = counts.value("denied", int64_t{0});
      } else {
        row.duration_ms = (q.integer(1) - row.start_us) / 1000;
      }
    }
  }
  if (limit > 0 && static_cast<int64_t>(rows.size()) > limit) {
    rows.erase(rows.begin(), rows.end() - limit);
  }
  // Sessions without an end row (no duration): count what they wrote so far.
  CORDON_ASSIGN_OR_RETURN(sql::Statement counts,
                          store.db().prepare("SELECT decision, count(*) FROM events WHERE "
                                             "session = ? GROUP BY decision"));
  for (SessionRow& row : rows) {
    if (row.duration_ms) continue;
    row.outcome = "no end";
    counts.bind(1, std::string_view(row.id));
    for (;;) {
      CORDON_ASSIGN_OR_RETURN(bool has_row, counts.step());
      if (!has_row) break;
      const std::string decision = counts.text(0);
      row.events += counts.integer(1);
      if (decision == "allow") row.allowed += counts.integer(1);
      if (decision == "deny") row.denied += counts.integer(1);
    }
    counts.reset();
  }
  return rows;
}

Result<std::string> resolve_session(Store& store, const std::string& prefix) {
  if (prefix.size() < 4) {
    return Error(Errc::kInvalidInput, "session id \"" + prefix + "\" is too short")
        .with_hint("give at least 4 characters of the id `cordon audit sessions` shows");
  }
  for (char c : prefix) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Error(Errc::kInvalidInput, "\"" + prefix + "\" is not a session id")
          .with_hint("session ids are hexadecimal; `cordon audit sessions` lists them");
    }
  }
  // GLOB with a literal prefix uses the (session, seq) index.
  CORDON_ASSIGN_OR_RETURN(
      sql::Statement q,
      store.db().prepare("SELECT DISTINCT session FROM events WHERE session GLOB ? LIMIT 2"));
  q.bind(1, std::string_view(prefix + "*"));
  std::vector<std::string> found;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, q.step());
    if (!has_row) break;
    found.push_back(q.text(0));
  }
  if (found.empty()) {
    return Error(Errc::kNotFound, "no session " + prefix + " in the audit store")
        .with_hint("`cordon audit sessions` lists them");
  }
  if (found.size() > 1) {
    return Error(Errc::kInvalidInput, "session id \"" + prefix + "\" is ambiguous")
        .with_hint("give more characters of the id");
  }
  return found.front();
}

}  // namespace cordon::audit
