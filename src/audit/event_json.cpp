// The wire form of each event type.
#include "audit/event_json.h"

namespace cordon::audit {
namespace {

using nlohmann::json;

template <class T>
json optional(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
template <class T>
std::optional<T> optional_from(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

int decision_code(events::Decision d) {
  return static_cast<int>(d);
}
events::Decision decision_from(const json& j) {
  const int v = j.value("decision", 1);
  return v == 0   ? events::Decision::kAllow
         : v == 2 ? events::Decision::kAsk
                  : events::Decision::kDeny;
}

struct ToJson {
  json operator()(const events::SessionStarted& e) const {
    json walls = json::array();
    for (const auto& w : e.walls) {
      walls.push_back(
          {{"wall", w.wall}, {"mechanism", w.mechanism}, {"active", w.active}, {"note", w.note}});
    }
    return {{"type", "session.start"},  {"session", e.session_id}, {"version", e.cordon_version},
            {"profile", e.profile},     {"policy", e.policy_text}, {"user", e.user},
            {"workspace", e.workspace}, {"command", e.command},    {"walls", walls}};
  }
  json operator()(const events::SetupFailed& e) const {
    return {{"type", "session.setup-failed"},
            {"session", e.session_id},
            {"step", e.step},
            {"errno", e.sys_errno},
            {"message", e.message}};
  }
  json operator()(const events::SessionEnded& e) const {
    return {{"type", "session.end"},
            {"session", e.session_id},
            {"exit_code", optional(e.exit_code)},
            {"signal", optional(e.signal)},
            {"timed_out", e.timed_out},
            {"duration_ms", e.duration.count()},
            {"memory", optional(e.peaks.memory_bytes)},
            {"pids", optional(e.peaks.pids)}};
  }
  json operator()(const events::ProgramStarted& e) const {
    return {{"type", "program.start"},
            {"session", e.session_id},
            {"argv", e.argv},
            {"path", e.path},
            {"decision", decision_code(e.decision)},
            {"rule", e.rule},
            {"reason", e.reason}};
  }
  json operator()(const events::NetworkDecision& e) const {
    return {{"type", "network.decision"},
            {"session", e.session_id},
            {"host", e.host},
            {"port", e.port},
            {"protocol", e.protocol},
            {"address", e.address},
            {"decision", decision_code(e.decision)},
            {"rule", e.rule},
            {"reason", e.reason},
            {"bytes_up", e.bytes_up},
            {"bytes_down", e.bytes_down},
            {"client", e.client}};
  }
  json operator()(const events::ApprovalRequested& e) const {
    return {{"type", "approval.request"},
            {"session", e.session_id},
            {"request", e.request_id},
            {"what", e.what},
            {"risk", e.risk}};
  }
  json operator()(const events::ApprovalAnswered& e) const {
    return {{"type", "approval.answer"},      {"session", e.session_id},
            {"request", e.request_id},        {"reviewer", e.reviewer},
            {"channel", e.channel},           {"decision", decision_code(e.decision)},
            {"latency_ms", e.latency.count()}};
  }
  json operator()(const events::CredentialMinted& e) const {
    return {{"type", "credential.mint"},
            {"session", e.session_id},
            {"credential", e.credential_id},
            {"scope", e.scope},
            {"ttl_s", e.ttl.count()}};
  }
  json operator()(const events::CredentialRevoked& e) const {
    return {{"type", "credential.revoke"},
            {"session", e.session_id},
            {"credential", e.credential_id},
            {"reason", e.reason}};
  }
};

events::Event parse(const json& j, const std::string& type) {
  const std::string session = j.at("session").get<std::string>();
  if (type == "session.start") {
    events::SessionStarted e;
    e.session_id = session;
    e.cordon_version = j.value("version", "");
    e.profile = j.value("profile", "");
    e.policy_text = j.value("policy", "");
    e.user = j.value("user", "");
    e.workspace = j.value("workspace", "");
    e.command = j.value("command", std::vector<std::string>{});
    for (const auto& w : j.value("walls", json::array())) {
      e.walls.push_back({w.value("wall", ""), w.value("mechanism", ""), w.value("active", true),
                         w.value("note", "")});
    }
    return e;
  }
  if (type == "session.setup-failed") {
    return events::SetupFailed{session, j.value("step", ""), j.value("errno", 0),
                               j.value("message", "")};
  }
  if (type == "session.end") {
    events::SessionEnded e;
    e.session_id = session;
    e.exit_code = optional_from<int>(j, "exit_code");
    e.signal = optional_from<int>(j, "signal");
    e.timed_out = j.value("timed_out", false);
    e.duration = std::chrono::milliseconds(j.value("duration_ms", int64_t{0}));
    e.peaks.memory_bytes = optional_from<uint64_t>(j, "memory");
    e.peaks.pids = optional_from<uint64_t>(j, "pids");
    return e;
  }
  if (type == "program.start") {
    return events::ProgramStarted{session,
                                  j.value("argv", std::vector<std::string>{}),
                                  j.value("path", ""),
                                  decision_from(j),
                                  j.value("rule", ""),
                                  j.value("reason", "")};
  }
  if (type == "network.decision") {
    return events::NetworkDecision{session,
                                   j.value("host", ""),
                                   j.value("port", uint16_t{0}),
                                   j.value("protocol", ""),
                                   j.value("address", ""),
                                   decision_from(j),
                                   j.value("rule", ""),
                                   j.value("reason", ""),
                                   j.value("bytes_up", uint64_t{0}),
                                   j.value("bytes_down", uint64_t{0}),
                                   j.value("client", "")};
  }
  if (type == "approval.request") {
    return events::ApprovalRequested{session, j.value("request", ""), j.value("what", ""),
                                     j.value("risk", "")};
  }
  if (type == "approval.answer") {
    return events::ApprovalAnswered{session,
                                    j.value("request", ""),
                                    j.value("reviewer", ""),
                                    j.value("channel", ""),
                                    decision_from(j),
                                    std::chrono::milliseconds(j.value("latency_ms", int64_t{0}))};
  }
  if (type == "credential.mint") {
    return events::CredentialMinted{session, j.value("credential", ""), j.value("scope", ""),
                                    std::chrono::seconds(j.value("ttl_s", int64_t{0}))};
  }
  return events::CredentialRevoked{session, j.value("credential", ""), j.value("reason", "")};
}

constexpr const char* kTypes[] = {"session.start",   "session.setup-failed", "session.end",
                                  "program.start",   "network.decision",     "approval.request",
                                  "approval.answer", "credential.mint",      "credential.revoke"};

}  // namespace

json event_to_json(const events::Event& event) {
  return std::visit(ToJson{}, event);
}

Result<events::Event> event_from_json(const json& j) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("session") ||
      !j["session"].is_string()) {
    return Error(Errc::kInvalidInput, "audit event without a type or a session");
  }
  const std::string type = j["type"].get<std::string>();
  if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
    return Error(Errc::kInvalidInput, "unknown audit event type " + type);
  }
  try {  // nlohmann throws on mistyped fields; the wire is ours, but a bug must not abort
    return parse(j, type);
  } catch (const json::exception& e) {
    return Error(Errc::kInvalidInput, std::string("malformed audit event: ") + e.what());
  }
}

std::string to_wire(const json& message) {
  std::string out;
  json::to_msgpack(message, out);
  return out;
}

json from_wire(std::string_view payload) {
  return json::from_msgpack(payload.begin(), payload.end(), /*strict=*/true,
                            /*allow_exceptions=*/false);
}

}  // namespace cordon::audit
