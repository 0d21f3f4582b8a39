// The wire form of each event type: one map, its type and session first.
#include "audit/event_wire.h"

#include <optional>

#include "audit/msgpack_writer.h"
#include "audit/wire_fields.h"

namespace cordon::audit {
namespace {

using nlohmann::json;

// A decision travels as its enumerator's number, both ways.
int64_t decision_code(events::Decision d) {
  return static_cast<int64_t>(d);
}
// Absent: a denial, the stricter record. A number that names no decision is refused: recorded
// as a denial, an allowed start would read as refused.
events::Decision decision_from(WireFields& f) {
  const int64_t code = f.number("decision", decision_code(events::Decision::kDeny));
  if (code < 0 || code > decision_code(events::Decision::kAsk)) {
    f.refuse("decision", "a decision's code");
    return events::Decision::kDeny;
  }
  return static_cast<events::Decision>(code);
}

// Writes one event: the map's size, then its entries.
class ToWire {
 public:
  explicit ToWire(std::string& out) : w_(out) {}

  void operator()(const events::SessionStarted& e) {
    begin(9, "session.start", e.session_id);
    w_.entry("version", e.cordon_version);
    w_.entry("profile", e.profile);
    w_.entry("policy", e.policy_text);
    w_.entry("user", e.user);
    w_.entry("workspace", e.workspace);
    list("command", e.command);
    w_.text("walls");
    w_.array(static_cast<uint32_t>(e.walls.size()));
    for (const auto& wall : e.walls) {
      w_.map(4);
      w_.entry("wall", wall.wall);
      w_.entry("mechanism", wall.mechanism);
      w_.entry("active", wall.active);
      w_.entry("note", wall.note);
    }
  }
  void operator()(const events::SetupFailed& e) {
    begin(5, "session.setup-failed", e.session_id);
    w_.entry("step", e.step);
    w_.entry("errno", e.sys_errno);
    w_.entry("message", e.message);
  }
  void operator()(const events::SessionEnded& e) {
    begin(8, "session.end", e.session_id);
    optional("exit_code", e.exit_code);
    optional("signal", e.signal);
    w_.entry("timed_out", e.timed_out);
    w_.entry("duration_ms", static_cast<int64_t>(e.duration.count()));
    optional("memory", e.peaks.memory_bytes);
    optional("pids", e.peaks.pids);
  }
  void operator()(const events::ProgramStarted& e) {
    begin(7, "program.start", e.session_id);
    list("argv", e.argv);
    w_.entry("path", e.path);
    w_.entry("decision", decision_code(e.decision));
    w_.entry("rule", e.rule);
    w_.entry("reason", e.reason);
  }
  void operator()(const events::NetworkDecision& e) {
    begin(12, "network.decision", e.session_id);
    w_.entry("host", e.host);
    w_.entry("port", e.port);
    w_.entry("protocol", e.protocol);
    w_.entry("address", e.address);
    w_.entry("decision", decision_code(e.decision));
    w_.entry("rule", e.rule);
    w_.entry("reason", e.reason);
    w_.entry("bytes_up", e.bytes_up);
    w_.entry("bytes_down", e.bytes_down);
    w_.entry("client", e.client);
  }
  void operator()(const events::ApprovalRequested& e) {
    begin(5, "approval.request", e.session_id);
    w_.entry("request", e.request_id);
    w_.entry("what", e.what);
    w_.entry("risk", e.risk);
  }
  void operator()(const events::ApprovalAnswered& e) {
    begin(7, "approval.answer", e.session_id);
    w_.entry("request", e.request_id);
    w_.entry("reviewer", e.reviewer);
    w_.entry("channel", e.channel);
    w_.entry("decision", decision_code(e.decision));
    w_.entry("latency_ms", static_cast<int64_t>(e.latency.count()));
  }
  void operator()(const events::CredentialMinted& e) {
    begin(5, "credential.mint", e.session_id);
    w_.entry("credential", e.credential_id);
    w_.entry("scope", e.scope);
    w_.entry("ttl_s", static_cast<int64_t>(e.ttl.count()));
  }
  void operator()(const events::CredentialRevoked& e) {
    begin(4, "credential.revoke", e.session_id);
    w_.entry("credential", e.credential_id);
    w_.entry("reason", e.reason);
  }

 private:
  // `entries` counts type and session too.
  void begin(uint32_t entries, const char* type, const std::string& session) {
    w_.map(entries);
    w_.entry("type", type);
    w_.entry("session", session);
  }
  void list(const char* key, const std::vector<std::string>& items) {
    w_.text(key);
    w_.array(static_cast<uint32_t>(items.size()));
    for (const auto& item : items) w_.text(item);
  }
  template <class T>
  void optional(const char* key, const std::optional<T>& value) {
    w_.text(key);
    if (!value) return w_.null();
    if constexpr (std::is_signed_v<T>) {
      w_.number(static_cast<int64_t>(*value));
    } else {
      w_.number(static_cast<uint64_t>(*value));
    }
  }

  MsgpackWriter w_;
};

// nullopt for a type this build does not know.
std::optional<events::Event> parse(WireFields& f, const std::string& type, std::string session) {
  if (type == "session.start") {
    events::SessionStarted e;
    e.session_id = std::move(session);
    e.cordon_version = f.text("version");
    e.profile = f.text("profile");
    e.policy_text = f.text("policy");
    e.user = f.text("user");
    e.workspace = f.text("workspace");
    e.command = f.list("command");
    for (WireFields& w : f.records("walls")) {
      e.walls.push_back(
          {w.text("wall"), w.text("mechanism"), w.flag("active", true), w.text("note")});
      f.adopt_error(w);
    }
    return e;
  }
  if (type == "session.setup-failed") {
    return events::SetupFailed{std::move(session), f.text("step"), f.number("errno", 0),
                               f.text("message")};
  }
  if (type == "session.end") {
    events::SessionEnded e;
    e.session_id = std::move(session);
    e.exit_code = f.optional_number<int>("exit_code");
    e.signal = f.optional_number<int>("signal");
    e.timed_out = f.flag("timed_out", false);
    e.duration = std::chrono::milliseconds(f.number("duration_ms", int64_t{0}));
    e.peaks.memory_bytes = f.optional_number<uint64_t>("memory");
    e.peaks.pids = f.optional_number<uint64_t>("pids");
    return e;
  }
  if (type == "program.start") {
    events::ProgramStarted e;
    e.session_id = std::move(session);
    e.argv = f.list("argv");
    e.path = f.text("path");
    e.decision = decision_from(f);
    e.rule = f.text("rule");
    e.reason = f.text("reason");
    return e;
  }
  if (type == "network.decision") {
    events::NetworkDecision e;
    e.session_id = std::move(session);
    e.host = f.text("host");
    e.port = f.number("port", uint16_t{0});
    e.protocol = f.text("protocol");
    e.address = f.text("address");
    e.decision = decision_from(f);
    e.rule = f.text("rule");
    e.reason = f.text("reason");
    e.bytes_up = f.number("bytes_up", uint64_t{0});
    e.bytes_down = f.number("bytes_down", uint64_t{0});
    e.client = f.text("client");
    return e;
  }
  if (type == "approval.request") {
    return events::ApprovalRequested{std::move(session), f.text("request"), f.text("what"),
                                     f.text("risk")};
  }
  if (type == "approval.answer") {
    events::ApprovalAnswered e;
    e.session_id = std::move(session);
    e.request_id = f.text("request");
    e.reviewer = f.text("reviewer");
    e.channel = f.text("channel");
    e.decision = decision_from(f);
    e.latency = std::chrono::milliseconds(f.number("latency_ms", int64_t{0}));
    return e;
  }
  if (type == "credential.mint") {
    return events::CredentialMinted{std::move(session), f.text("credential"), f.text("scope"),
                                    std::chrono::seconds(f.number("ttl_s", int64_t{0}))};
  }
  if (type == "credential.revoke") {
    return events::CredentialRevoked{std::move(session), f.text("credential"), f.text("reason")};
  }
  return std::nullopt;
}

}  // namespace

std::string event_to_wire(const events::Event& event) {
  std::string out;
  out.reserve(256);
  std::visit(ToWire(out), event);
  return out;
}

Result<events::Event> event_from_wire(std::string_view payload) {
  CORDON_ASSIGN_OR_RETURN(WireFields fields, WireFields::read(payload));
  if (!fields.has("type") || !fields.has("session")) {
    return Error(Errc::kInvalidInput, "audit event without a type or a session");
  }
  const std::string type = fields.text("type");
  std::string session = fields.text("session");
  if (fields.error()) return *fields.error();
  std::optional<events::Event> event = parse(fields, type, std::move(session));
  if (!event) return Error(Errc::kInvalidInput, "unknown audit event type " + type);
  if (fields.error()) return *fields.error();
  return std::move(*event);
}

const std::string& end_of_events() {
  static const std::string payload = to_wire({{"type", "end"}});
  return payload;
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
