// Encoding and decoding the control socket's JSON lines.
#include "review/control_protocol.h"

#include <algorithm>
#include <ctime>

#include "base/terminal_text.h"
#include "gate/risk.h"

namespace cordon::review {
namespace {

Error invalid(std::string message) {
  return Error(Errc::kInvalidInput, std::move(message));
}

const char* code_word(Errc code) {
  switch (code) {
    case Errc::kNotFound:
      return "not_found";
    case Errc::kInvalidInput:
      return "invalid";
    case Errc::kPolicy:
      return "refused";
    case Errc::kUnsupported:
      return "unsupported";
    default:
      return "internal";
  }
}


bool plain_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-_./=:,+@%").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

Result<ControlRequest> parse_request(std::string_view line) {
  if (line.size() > kMaxRequestLine) return invalid("request longer than 16 KiB");
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid("request is not a JSON object");
  auto text = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ControlRequest r;
  const std::string op = text("op");
  if (op == "list")
    r.op = ControlOp::kList;
  else if (op == "show")
    r.op = ControlOp::kShow;
  else if (op == "approve")
    r.op = ControlOp::kApprove;
  else if (op == "deny")
    r.op = ControlOp::kDeny;
  else if (op == "watch")
    r.op = ControlOp::kWatch;
  else if (op == "link")
    r.op = ControlOp::kLink;
  else
    return invalid("unknown op \"" + display_text(op) + "\"");
  if (r.op == ControlOp::kShow || r.op == ControlOp::kApprove || r.op == ControlOp::kDeny) {
    r.id = text("id");
    if (r.id.empty()) return invalid(op + " needs an id");
  }
  if (r.op == ControlOp::kApprove) {
    const std::string scope = text("scope");
    if (scope.empty() || scope == "once")
      r.scope = GrantScope::kOnce;
    else if (scope == "session")
      r.scope = GrantScope::kSession;
    else
      return invalid("scope must be once or session");
  }
  r.reason = clean_reason(text("reason"));
  r.reviewer = text("reviewer");
  return r;
}

std::string encode_request(const ControlRequest& request) {
  static constexpr const char* kOps[] = {"list", "show", "approve", "deny", "watch", "link"};
  nlohmann::json j;
  j["op"] = kOps[static_cast<int>(request.op)];
  if (!request.id.empty()) j["id"] = request.id;
  if (request.op == ControlOp::kApprove) j["scope"] = to_string(request.scope);
  if (!request.reason.empty()) j["reason"] = request.reason;
  if (!request.reviewer.empty()) j["reviewer"] = request.reviewer;
  return json_line(j);
}

nlohmann::json item_json(const ReviewItem& item) {
  const gate::RiskAssessment& risk = item.decision.risk;
  return {
      {"id", item.id},
      {"session", item.session_id},
      {"argv", item.start.argv},
      {"executable", item.start.executable},
      {"cwd", item.start.cwd},
      {"rule", item.decision.rule},
      {"reason", item.decision.reason},
      {"score", risk.score},
      {"level", gate::to_string(risk.level)},
      {"reasons", risk.reasons},
      {"reversible", risk.reversible},
      {"reviewers_needed", item.reviewers_needed},
      {"approved_by", item.approved_by},
      {"requested_at", format_time(item.requested_at)},
      {"deadline", format_time(item.deadline)},
      {"deadline_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(item.deadline.time_since_epoch())
           .count()},
  };
}

nlohmann::json items_json(const std::vector<ReviewItem>& items) {
  nlohmann::json list = nlohmann::json::array();
  for (const ReviewItem& item : items) list.push_back(item_json(item));
  return list;
}

std::string json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string error_line(std::string_view code, const std::string& message, const std::string& hint) {
  nlohmann::json j{{"ok", false}, {"code", code}, {"error", message}};
  if (!hint.empty()) j["hint"] = hint;
  return json_line(j);
}

std::string error_line(const Error& error) {
  return error_line(code_word(error.code()), error.describe(), error.hint());
}

bool valid_reviewer_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == '@')) {
      return false;
    }
  }
  return true;
}

std::string clean_reason(std::string_view reason) {
  // Cut where a character ends: a UTF-8 sequence split at the limit would be shown (and sent
  // back by `cordon approvals`) as U+FFFD, a different reason. A byte kept no more is a
  // continuation byte when the cut falls inside a character; its first byte is at most 3 back.
  // Found by tests/fuzz/control_request_fuzz.cpp.
  auto continues = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  size_t cut = std::min(reason.size(), kMaxReason);
  while (cut < reason.size() && cut + 3 > kMaxReason && continues(reason[cut])) --cut;
  std::string out(reason.substr(0, cut));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string display_text(std::string_view text) {
  return terminal_safe(text);
}

std::string display_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !arg.empty();
    for (unsigned char c : arg) plain = plain && plain_word_char(c);
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (unsigned char c : arg) {
      if (c == '\'')
        out += "'\\''";
      else
        append_terminal_safe(out, c);
    }
    out += '\'';
  }
  return out;
}

std::string format_time(std::chrono::system_clock::time_point time) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm utc {};
  ::gmtime_r(&seconds, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

const char* to_string(GrantScope scope) {
  return scope == GrantScope::kSession ? "session" : "once";
}

}  // namespace cordon::review
