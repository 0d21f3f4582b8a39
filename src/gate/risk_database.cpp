// Risk of database clients: SQL given on the command line (DROP, TRUNCATE, DELETE or UPDATE
// without WHERE), mongosh --eval, redis-cli FLUSHALL.
#include <array>

#include "gate/argv_flags.h"
#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

using C = RiskCategory;

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// What one SQL statement does, from its words at parenthesis depth 0 outside quotes and
// comments.
struct Statement {
  std::string_view verb;
  std::string_view object;  // the word after DROP
  bool where = false;
  bool trivial_where = true;  // WHERE 1=1 / WHERE true
  bool alter_drop = false;
  std::size_t where_tokens = 0;
};

bool is_verb(std::string_view w) {
  static constexpr std::array<std::string_view, 9> kVerbs = {
      "select", "insert", "update", "delete", "drop", "truncate", "alter", "merge", "grant"};
  for (auto v : kVerbs) {
    if (iequals(w, v)) return true;
  }
  return false;
}

class SqlScanner {
 public:
  SqlScanner(std::string_view tool, Findings& out) : tool_(tool), out_(out) {}

  void scan(std::string_view sql) {
    std::size_t i = 0;
    int depth = 0;
    while (i < sql.size()) {
      const char c = sql[i];
      if (c == '\'' || c == '"' || c == '`') {
        const auto end = sql.find(c, i + 1);
        i = end == std::string_view::npos ? sql.size() : end + 1;
        token_in_where();
      } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
        const auto end = sql.find('\n', i);
        i = end == std::string_view::npos ? sql.size() : end + 1;
      } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
        const auto end = sql.find("*/", i + 2);
        i = end == std::string_view::npos ? sql.size() : end + 2;
      } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] == '$') {  // PostgreSQL body
        const auto end = sql.find("$$", i + 2);
        i = end == std::string_view::npos ? sql.size() : end + 2;
      } else if (c == '(') {
        ++depth;
        ++i;
        token_in_where();
      } else if (c == ')') {
        depth = depth > 0 ? depth - 1 : 0;
        ++i;
      } else if (c == ';') {
        finish();
        depth = 0;
        ++i;
      } else if (is_word_char(c)) {
        std::size_t end = i;
        while (end < sql.size() && is_word_char(sql[end])) ++end;
        if (depth == 0) word(sql.substr(i, end - i));
        i = end;
      } else {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '=') token_in_where();
        ++i;
      }
    }
    finish();
  }

 private:
  void token_in_where() {
    if (statement_.where) statement_.trivial_where = false;
  }

  void word(std::string_view w) {
    Statement& s = statement_;
    ++words_;
    if (s.verb.empty()) {
      if (words_ == 1 && !iequals(w, "with")) {
        s.verb = w;
      } else if (words_ > 1 && is_verb(w)) {
        s.verb = w;
      }
      return;
    }
    if (iequals(s.verb, "drop") && s.object.empty()) {
      s.object = w;
      return;
    }
    if (iequals(s.verb, "alter") && iequals(w, "drop")) s.alter_drop = true;
    if (iequals(w, "where") && !s.where) {
      s.where = true;
      return;
    }
    if (s.where) {
      ++s.where_tokens;
      if (!(iequals(w, "true") || w == "1")) s.trivial_where = false;
    }
  }

  void finish() {
    const Statement s = statement_;
    statement_ = Statement{};
    words_ = 0;
    if (s.verb.empty()) return;
    const std::string tool(tool_);
    const bool no_where = !s.where || (s.trivial_where && s.where_tokens > 0);
    if (iequals(s.verb, "drop")) {
      const bool database = iequals(s.object, "database");
      const bool schema = iequals(s.object, "schema");
      const bool whole = database || schema;
      add_finding(out_, whole ? 90 : 75, C::kIrreversible, whole ? C::kBulk : C::kIrreversible,
                  false,
                  tool + " runs DROP " + upper(s.object) + ", which deletes " +
                      (database ? "the whole database"
                       : schema ? "every object in the schema"
                                : "the object") +
                      " and its data");
    } else if (iequals(s.verb, "truncate")) {
      add_finding(out_, 70, C::kIrreversible, C::kBulk, false,
                  tool + " runs TRUNCATE, which deletes every row of the table");
    } else if (iequals(s.verb, "delete")) {
      if (no_where) {
        add_finding(out_, 70, C::kIrreversible, C::kBulk, false,
                    tool + " runs DELETE without WHERE, which deletes every row of the table");
      } else {
        add_finding(out_, 20, C::kIrreversible, false,
                    tool + " runs DELETE ... WHERE, deleting the matching rows");
      }
    } else if (iequals(s.verb, "update") && no_where) {
      add_finding(out_, 60, C::kIrreversible, C::kBulk, false,
                  tool + " runs UPDATE without WHERE, which overwrites every row of the table");
    } else if (iequals(s.verb, "alter") && s.alter_drop) {
      add_finding(out_, 55, C::kIrreversible, false,
                  tool +
                      " runs ALTER ... DROP, which deletes a column or constraint and its "
                      "data");
    } else if (iequals(s.verb, "grant")) {
      add_finding(out_, 30, C::kPrivilege, true, tool + " runs GRANT, handing out privileges");
    }
  }

  static std::string upper(std::string_view w) {
    std::string out(w);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    return out;
  }

  std::string_view tool_;
  Findings& out_;
  Statement statement_;
  std::size_t words_ = 0;
};

void scan_sql(std::string_view tool, std::string_view sql, Findings& out) {
  SqlScanner(tool, out).scan(sql);
}

// ---- psql, mysql, sqlite3 -------------------------------------------------------------------

constexpr std::array<FlagAlias, 7> kPsqlAliases = {{{'c', "command"},
                                                    {'d', "dbname"},
                                                    {'f', "file"},
                                                    {'h', "host"},
                                                    {'U', "username"},
                                                    {'p', "port"},
                                                    {'v', "set"}}};
constexpr std::array<std::string_view, 10> kPsqlValues = {"command",  "dbname",  "file", "host",
                                                          "username", "port",    "set",  "variable",
                                                          "output",   "log-file"};
constexpr FlagSpec kPsqlSpec = FlagSpec()
                                   .with_short_with_value("cdfhUpvLoPTF")
                                   .with_long_with_value(kPsqlValues)
                                   .with_aliases(kPsqlAliases);

void score_psql(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kPsqlSpec);
  for (const auto& [name, value] : args.values) {
    if (name == "command") scan_sql("psql", value, out);
  }
}

constexpr std::array<FlagAlias, 6> kMysqlAliases = {{{'e', "execute"},
                                                     {'D', "database"},
                                                     {'h', "host"},
                                                     {'u', "user"},
                                                     {'P', "port"},
                                                     {'S', "socket"}}};
constexpr std::array<std::string_view, 6> kMysqlValues = {"execute", "database", "host",
                                                          "user",    "port",     "socket"};
constexpr FlagSpec kMysqlSpec = FlagSpec()
                                    .with_short_with_value("eDhuPS")
                                    .with_short_optional_value("p")
                                    .with_long_with_value(kMysqlValues)
                                    .with_aliases(kMysqlAliases);

void score_mysql(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kMysqlSpec);
  for (const auto& [name, value] : args.values) {
    if (name == "execute") scan_sql(in.name, value, out);
  }
}

constexpr std::array<std::string_view, 11> kSqliteValues = {
    "cmd",       "init", "separator", "newline", "nullvalue", "vfs",
    "lookaside", "mmap", "pagecache", "heap",    "maxsize"};
constexpr FlagSpec kSqliteSpec =
    FlagSpec().with_style(ArgStyle::kSingleDashLong).with_long_with_value(kSqliteValues);

void score_sqlite(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kSqliteSpec);
  for (const auto& [name, value] : args.values) {
    if (name == "cmd") scan_sql(in.name, value, out);
  }
  for (std::size_t i = 1; i < args.operands.size(); ++i) scan_sql(in.name, args.operands[i], out);
}

// ---- mongosh, redis-cli ---------------------------------------------------------------------

std::string without_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n') out.push_back(c);
  }
  return out;
}

void score_mongo(const ScoreInput& in, Findings& out) {
  const std::string tool(in.name);
  for (std::size_t i = 0; i < in.args.size(); ++i) {
    std::string_view script;
    if (in.args[i] == "--eval" && i + 1 < in.args.size()) {
      script = in.args[++i];
    } else if (in.args[i].starts_with("--eval=")) {
      script = std::string_view(in.args[i]).substr(7);
    } else {
      continue;
    }
    const std::string js = without_spaces(script);
    if (icontains(js, "dropDatabase(")) {
      add_finding(out, 90, C::kIrreversible, C::kBulk, false,
                  tool + " --eval runs dropDatabase(), which deletes the whole database");
    } else if (icontains(js, ".drop(")) {
      add_finding(out, 75, C::kIrreversible, false,
                  tool + " --eval runs drop(), which deletes a collection and its documents");
    }
    if (icontains(js, "deleteMany({})") || icontains(js, "remove({})")) {
      add_finding(out, 70, C::kIrreversible, C::kBulk, false,
                  tool + " --eval deletes every document of a collection (empty filter)");
    }
    if (icontains(js, "updateMany({},")) {
      add_finding(out, 60, C::kIrreversible, C::kBulk, false,
                  tool + " --eval updates every document of a collection (empty filter)");
    }
  }
}

constexpr std::array<std::string_view, 5> kRedisValues = {"user", "pass", "askpass", "cacert",
                                                          "sni"};
constexpr FlagSpec kRedisSpec = FlagSpec()
                                    .with_style(ArgStyle::kStopAtOperand)
                                    .with_short_with_value("hpsaunrid")
                                    .with_long_with_value(kRedisValues);

void score_redis(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kRedisSpec);
  if (args.operands.empty()) return;
  const std::string_view cmd = args.operands.front();
  if (iequals(cmd, "flushall")) {
    add_finding(out, 75, C::kIrreversible, C::kBulk, false,
                "redis-cli FLUSHALL deletes every key of every database on the server");
  } else if (iequals(cmd, "flushdb")) {
    add_finding(out, 70, C::kIrreversible, C::kBulk, false,
                "redis-cli FLUSHDB deletes every key of the database");
  } else if (iequals(cmd, "shutdown")) {
    add_finding(out, 55, C::kAvailability, true, "redis-cli SHUTDOWN stops the server");
  } else if (iequals(cmd, "del") || iequals(cmd, "unlink")) {
    add_finding(out, 20, C::kIrreversible, false, "redis-cli DEL deletes keys");
  } else if (iequals(cmd, "config") && args.operands.size() > 1 &&
             iequals(args.operands[1], "set")) {
    add_finding(out, 30, C::kAvailability, true, "redis-cli CONFIG SET changes the live server");
  }
}

}  // namespace

Scorer database_scorer(std::string_view name) {
  if (name == "psql") return score_psql;
  if (name == "mysql" || name == "mariadb") return score_mysql;
  if (name.starts_with("sqlite3")) return score_sqlite;
  if (name == "mongosh" || name == "mongo") return score_mongo;
  if (name == "redis-cli") return score_redis;
  return nullptr;
}

}  // namespace cordon::gate
