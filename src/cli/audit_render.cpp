// Rendering of audit rows for people (tables, timelines) and machines (JSON).
//
// Rows hold what the box chose (an argv, a host, a reason), and people read these renderings on
// a terminal: every text from the store goes through review::display_text or display_command,
// which show control and non-ASCII bytes as \xHH. Raw, an argv could clear the reader's screen,
// rewrite the lines above it to hide what the box ran, or set the terminal's title or clipboard.
#include "cli/audit_render.h"

#include <cstdio>
#include <ctime>

#include "review/control_protocol.h"

namespace cordon::cli {
namespace {

using nlohmann::json;

using review::display_text;

// An argv as a shell would read it back (review::display_command).
std::string join(const json& list) {
  if (!list.is_array()) return "";
  std::vector<std::string> words;
  for (const auto& item : list) {
    words.push_back(item.is_string() ? item.get<std::string>()
                                     : item.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return review::display_command(words);
}

std::string str(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? display_text(it->get<std::string>()) : "";
}

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string pad(std::string text, size_t width) {
  if (text.size() > width) return text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

std::string with_reason(std::string text, const json& body) {
  const std::string reason = str(body, "reason");
  const std::string rule = str(body, "rule");
  if (!rule.empty()) text += " [" + rule + "]";
  if (!reason.empty()) text += " (" + reason + ")";
  return text;
}

}  // namespace

std::string format_time(int64_t time_us) {
  const time_t secs = static_cast<time_t>(time_us / 1000000);
  tm local{};
  ::localtime_r(&secs, &local);
  char buf[48];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>((time_us / 1000) % 1000));
  return buf;
}

std::string describe_event(const audit::Record& record) {
  const json body = json::parse(record.event.body, nullptr, false);
  if (body.is_discarded()) return "(body is not JSON)";
  const std::string& kind = record.event.kind;
  const std::string decision = display_text(record.event.decision);
  if (kind == "session.start") {
    return "profile " + str(body, "profile") + ", user " + str(body, "user") + ", workspace " +
           str(body, "workspace") + ": " + join(body.value("command", json::array()));
  }
  if (kind == "session.end") {
    std::string out;
    if (body.value("timed_out", false)) {
      out = "timed out";
    } else if (body.contains("signal") && body["signal"].is_number()) {
      out = "killed by signal " + std::to_string(body["signal"].get<int>());
    } else {
      out = "exit " + (body.contains("exit_code") ? body["exit_code"].dump() : "?");
    }
    out += " after " + seconds(body.value("duration_ms", int64_t{0}));
    const json counts = body.value("counts", json::object());
    out += "; " + std::to_string(counts.value("allowed", 0)) + " allowed, " +
           std::to_string(counts.value("denied", 0)) + " denied";
    return out;
  }
  if (kind == "session.setup-failed") return str(body, "step") + ": " + str(body, "error");
  if (kind == "program.start") {
    return with_reason(decision + " " + join(body.value("argv", json::array())), body);
  }
  if (kind == "network.decision") {
    std::string line = decision + " " + str(body, "host") + ":" +
                       std::to_string(body.value("port", 0)) + " via " + str(body, "protocol");
    if (!str(body, "address").empty()) line += " to " + str(body, "address");
    if (body.value("bytes_up", uint64_t{0}) + body.value("bytes_down", uint64_t{0}) > 0) {
      line += " (" + std::to_string(body.value("bytes_up", uint64_t{0})) + " B up, " +
              std::to_string(body.value("bytes_down", uint64_t{0})) + " B down)";
    }
    return with_reason(line, body);
  }
  if (kind == "approval.request") {
    return "asks (" + str(body, "risk") + "): " + str(body, "what") + " [request " +
           str(body, "request_id") + "]";
  }
  if (kind == "approval.answer") {
    return decision + " by " + str(body, "reviewer") + " via " + str(body, "channel") + " after " +
           seconds(body.value("latency_ms", int64_t{0})) + " [request " + str(body, "request_id") +
           "]";
  }
  if (kind == "credential.mint") {
    return "credential " + str(body, "credential_id") + " for " + str(body, "scope") + ", ttl " +
           std::to_string(body.value("ttl_s", 0)) + "s";
  }
  if (kind == "credential.revoke") {
    return "credential " + str(body, "credential_id") + " revoked (" + str(body, "reason") + ")";
  }
  return display_text(record.event.body);
}

json event_json(const audit::Record& r, bool chain) {
  json out = {{"id", r.id},
              {"session", r.event.session},
              {"seq", r.event.seq},
              {"time_us", r.event.time_us},
              {"kind", r.event.kind},
              {"decision", r.event.decision.empty() ? json(nullptr) : json(r.event.decision)}};
  json body = json::parse(r.event.body, nullptr, false);
  out["body"] = body.is_discarded() ? json(r.event.body) : body;
  if (chain) {
    out["prev_hash"] = audit::to_hex(r.prev_hash);
    out["hash"] = audit::to_hex(r.hash);
  }
  return out;
}

std::string render_sessions_table(const std::vector<audit::SessionRow>& sessions) {
  std::string out = pad("SESSION", 18) + pad("START", 25) + pad("DURATION", 10) +
                    pad("PROFILE", 17) + pad("OUTCOME", 14) + pad("ALLOWED", 9) + pad("DENIED", 8) +
                    "COMMAND\n";
  for (const auto& s : sessions) {
    out += pad(display_text(s.id), 18) + pad(format_time(s.start_us), 25) +
           pad(s.duration_ms ? seconds(*s.duration_ms) : "-", 10) +
           pad(display_text(s.profile), 17) + pad(display_text(s.outcome), 14) +
           pad(std::to_string(s.allowed), 9) + pad(std::to_string(s.denied), 8);
    out += review::display_command(s.command) + "\n";
  }
  return out;
}

json sessions_json(const std::vector<audit::SessionRow>& sessions) {
  json out = json::array();
  for (const auto& s : sessions) {
    out.push_back({{"session", s.id},
                   {"start_us", s.start_us},
                   {"duration_ms", s.duration_ms ? json(*s.duration_ms) : json(nullptr)},
                   {"profile", s.profile},
                   {"command", s.command},
                   {"outcome", s.outcome},
                   {"events", s.events},
                   {"allowed", s.allowed},
                   {"denied", s.denied}});
  }
  return out;
}

std::string render_event_line(const audit::Record& r) {
  return "#" + std::to_string(r.id) + "  " + format_time(r.event.time_us) + "  " +
         display_text(r.event.session) + "  " + pad(display_text(r.event.kind), 21) +
         describe_event(r) + "\n";
}

std::string render_timeline(const std::vector<audit::Record>& records) {
  if (records.empty()) return "";
  std::string out = "session " + display_text(records.front().event.session) + ", started " +
                    format_time(records.front().event.time_us) + "\n";
  for (const auto& r : records) {
    char offset[32];
    std::snprintf(offset, sizeof offset, "+%9.3fs  ",
                  static_cast<double>(r.event.time_us - records.front().event.time_us) / 1e6);
    out +=
        std::string("  ") + offset + pad(display_text(r.event.kind), 21) + describe_event(r) + "\n";
  }
  return out;
}

std::string render_verify_report(const audit::VerifyReport& report, const std::string& store) {
  std::string out = "cordon audit verify: " + store + "\n";
  out += "  " + std::to_string(report.rows) + " rows, " + std::to_string(report.sessions) +
         " sessions, " + std::to_string(report.checkpoints) + " checkpoints";
  out += report.signatures_checked ? " (signatures checked)\n" : " (signatures NOT checked)\n";
  if (report.intact()) {
    // What was proved, and what the store alone cannot prove: a cut at its end, together with
    // the checkpoints over the rows cut, leaves a shorter chain that agrees with the rest.
    out += "  chain intact up to row " + std::to_string(report.rows);
    if (report.last_checkpoint) {
      out += ", checkpoint " + std::to_string(report.last_checkpoint->id) + " (signed " +
             format_time(report.last_checkpoint->time_us) + ")";
    }
    out += ": no row changed, deleted, inserted or reordered";
    out += report.checkpoints > 0 ? "; every checkpoint matches\n" : "\n";
    if (report.anchor_reached) {
      out += "  the expected checkpoint is here: nothing up to it was removed\n";
    } else {
      out +=
          "  rows after the last checkpoint, and sessions removed from the end, cannot be "
          "detected without an outside record of the last checkpoint (keep the anchor below; "
          "pass it as --expect-checkpoint)\n";
    }
  } else {
    out += "  TAMPERED: first bad row is " + std::to_string(report.problems.front().row) + "\n";
    for (const auto& p : report.problems) {
      out += "  row " + std::to_string(p.row) + ": " + p.what + "\n";
    }
  }
  if (report.last_checkpoint) {
    out += "  last checkpoint: " + std::to_string(report.last_checkpoint->id) + " over row " +
           std::to_string(report.last_checkpoint->event_id) + " (hash " +
           audit::to_hex(report.last_checkpoint->event_hash) + ", key " +
           report.last_checkpoint->key_id + ")\n";
    // Only an intact store's: a cron job keeps what it prints for the next run.
    if (report.intact()) out += "  anchor: " + audit::anchor_text(*report.last_checkpoint) + "\n";
  }
  for (const auto& note : report.notes) out += "  note: " + note + "\n";
  return out;
}

}  // namespace cordon::cli
