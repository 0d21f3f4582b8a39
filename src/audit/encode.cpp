// Encoding of each event type into a row.
#include "audit/encode.h"

#include <nlohmann/json.hpp>

namespace cordon::audit {
namespace {

using nlohmann::json;

class Encoder {
 public:
  Encoder(const Redactor& redactor, const SessionCounts& counts)
      : redactor_(redactor), counts_(counts) {}

  std::string r(const std::string& text) const { return redactor_.redact(text); }
  json r(const std::vector<std::string>& list) const {
    json out = json::array();
    for (const auto& item : list) out.push_back(r(item));
    return out;
  }
  template <class T>
  static json optional(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
  }

  PendingEvent operator()(const events::SessionStarted& e) const {
    const std::string policy = r(e.policy_text);
    json walls = json::array();
    for (const auto& w : e.walls) {
      walls.push_back({{"wall", w.wall},
                       {"mechanism", r(w.mechanism)},
                       {"active", w.active},
                       {"note", r(w.note)}});
    }
    return row(e.session_id, "session.start", "",
               {{"profile", e.profile},
                {"policy_hash", to_hex(sha256(policy))},
                {"policy", policy},
                {"walls", walls},
                {"cordon_version", e.cordon_version},
                {"user", r(e.user)},
                {"workspace", r(e.workspace)},
                {"command", r(e.command)}});
  }

  PendingEvent operator()(const events::SetupFailed& e) const {
    return row(e.session_id, "session.setup-failed", "",
               {{"step", e.step}, {"errno", e.sys_errno}, {"error", r(e.message)}});
  }

  PendingEvent operator()(const events::SessionEnded& e) const {
    return row(
        e.session_id, "session.end", "",
        {{"exit_code", optional(e.exit_code)},
         {"signal", optional(e.signal)},
         {"timed_out", e.timed_out},
         {"duration_ms", e.duration.count()},
         {"peaks",
          {{"memory_bytes", optional(e.peaks.memory_bytes)}, {"pids", optional(e.peaks.pids)}}},
         {"counts",
          {{"events", counts_.events},
           {"allowed", counts_.allowed},
           {"denied", counts_.denied},
           {"asked", counts_.asked}}}});
  }

  PendingEvent operator()(const events::ProgramStarted& e) const {
    return row(
        e.session_id, "program.start", decision_name(e.decision),
        {{"argv", r(e.argv)}, {"path", r(e.path)}, {"rule", r(e.rule)}, {"reason", r(e.reason)}});
  }

  PendingEvent operator()(const events::NetworkDecision& e) const {
    return row(e.session_id, "network.decision", decision_name(e.decision),
               {{"host", r(e.host)},
                {"port", e.port},
                {"protocol", e.protocol},
                {"address", e.address},
                {"rule", r(e.rule)},
                {"reason", r(e.reason)},
                {"bytes_up", e.bytes_up},
                {"bytes_down", e.bytes_down},
                {"client", r(e.client)}});
  }

  PendingEvent operator()(const events::ApprovalRequested& e) const {
    return row(e.session_id, "approval.request", decision_name(events::Decision::kAsk),
               {{"request_id", e.request_id}, {"what", r(e.what)}, {"risk", e.risk}});
  }

  PendingEvent operator()(const events::ApprovalAnswered& e) const {
    return row(e.session_id, "approval.answer", decision_name(e.decision),
               {{"request_id", e.request_id},
                {"reviewer", r(e.reviewer)},
                {"channel", e.channel},
                {"latency_ms", e.latency.count()}});
  }

  PendingEvent operator()(const events::CredentialMinted& e) const {
    return row(
        e.session_id, "credential.mint", "",
        {{"credential_id", e.credential_id}, {"scope", r(e.scope)}, {"ttl_s", e.ttl.count()}});
  }

  PendingEvent operator()(const events::CredentialRevoked& e) const {
    return row(e.session_id, "credential.revoke", "",
               {{"credential_id", e.credential_id}, {"reason", r(e.reason)}});
  }

 private:
  static PendingEvent row(const std::string& session, const char* kind, const char* decision,
                          const json& body) {
    PendingEvent p;
    p.session = session;
    p.kind = kind;
    p.decision = decision;
    // Invalid UTF-8 (a program's argv can hold anything) is replaced, never a throw.
    p.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return p;
  }

  const Redactor& redactor_;
  const SessionCounts& counts_;
};

}  // namespace

const char* decision_name(events::Decision decision) {
  switch (decision) {
    case events::Decision::kAllow:
      return "allow";
    case events::Decision::kDeny:
      return "deny";
    case events::Decision::kAsk:
      return "ask";
  }
  return "";
}

PendingEvent encode_event(const events::Event& event, const Redactor& redactor,
                          const SessionCounts& counts) {
  return std::visit(Encoder(redactor, counts), event);
}

}  // namespace cordon::audit
