// Encoding of each event type into a row.
//
// Each body is written as JSON text directly (json_text.h), its keys in the sorted order
// nlohmann's dump() prints an object in, so a row is the same bytes it was when bodies were
// built as JSON trees (AuditEncode.* holds this).
#include "audit/encode.h"

#include <algorithm>
#include <optional>

#include "audit/json_text.h"

namespace cordon::audit {
namespace {

// What a capped argv was before the cap (encode.h).
struct ArgvCut {
  int64_t arguments = 0;
  int64_t bytes = 0;
  Digest sha256{};
};

// Cuts `argv` (redacted already: a cut never splits a secret the redactor would have
// recognised whole) to the row's limits; what it was, if anything was cut.
std::optional<ArgvCut> cap_argv(std::vector<std::string>& argv) {
  size_t total = 0;
  bool over = false;
  for (const std::string& arg : argv) {
    total += arg.size();
    over = over || arg.size() > kMaxStoredArgument;
  }
  if (!over && total <= kMaxStoredArgv) return std::nullopt;
  ArgvCut cut;
  cut.arguments = static_cast<int64_t>(argv.size());
  cut.bytes = static_cast<int64_t>(total);
  std::string whole;
  whole.reserve(total + argv.size());
  for (const std::string& arg : argv) (whole += arg) += '\0';
  cut.sha256 = sha256(whole);
  size_t room = kMaxStoredArgv;
  size_t kept = 0;
  for (; kept < argv.size() && room > 0; ++kept) {
    std::string& arg = argv[kept];
    arg.resize(std::min({arg.size(), kMaxStoredArgument, room}));
    room -= arg.size();
  }
  argv.resize(kept);
  return cut;
}

class Encoder {
 public:
  Encoder(const Redactor& redactor, const SessionCounts& counts)
      : redactor_(redactor), counts_(counts) {}

  PendingEvent operator()(const events::SessionStarted& e) const {
    const std::string policy = r(e.policy_text);
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("command").texts(r(e.command));
    j.key("cordon_version").text(e.cordon_version);
    j.key("policy").text(policy);
    j.key("policy_hash").text(to_hex(sha256(policy)));
    j.key("profile").text(e.profile);
    j.key("user").text(r(e.user));
    j.key("walls").begin_array();
    for (const auto& w : e.walls) {
      j.begin_object();
      j.key("active").boolean(w.active);
      j.key("mechanism").text(r(w.mechanism));
      j.key("note").text(r(w.note));
      j.key("wall").text(w.wall);
      j.end_object();
    }
    j.end_array();
    j.key("workspace").text(r(e.workspace));
    j.end_object();
    return row(e.session_id, "session.start", "", std::move(body));
  }

  PendingEvent operator()(const events::SetupFailed& e) const {
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("errno").number(int64_t{e.sys_errno});
    j.key("error").text(r(e.message));
    j.key("step").text(e.step);
    j.end_object();
    return row(e.session_id, "session.setup-failed", "", std::move(body));
  }

  PendingEvent operator()(const events::SessionEnded& e) const {
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("counts").begin_object();
    j.key("allowed").number(counts_.allowed);
    j.key("asked").number(counts_.asked);
    j.key("denied").number(counts_.denied);
    j.key("events").number(counts_.events);
    j.end_object();
    j.key("duration_ms").number(static_cast<int64_t>(e.duration.count()));
    optional(j.key("exit_code"), e.exit_code);
    j.key("peaks").begin_object();
    optional(j.key("memory_bytes"), e.peaks.memory_bytes);
    optional(j.key("pids"), e.peaks.pids);
    j.end_object();
    optional(j.key("signal"), e.signal);
    j.key("timed_out").boolean(e.timed_out);
    j.end_object();
    return row(e.session_id, "session.end", "", std::move(body));
  }

  PendingEvent operator()(const events::ProgramStarted& e) const {
    std::vector<std::string> argv = r(e.argv);
    const std::optional<ArgvCut> cut = cap_argv(argv);
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("argv").texts(argv);
    if (cut) {  // only then: every other row is what it always was
      j.key("argv_cut").begin_object();
      j.key("arguments").number(cut->arguments);
      j.key("bytes").number(cut->bytes);
      j.key("sha256").text(to_hex(cut->sha256));
      j.end_object();
    }
    j.key("path").text(r(e.path));
    j.key("reason").text(r(e.reason));
    j.key("rule").text(r(e.rule));
    j.end_object();
    return row(e.session_id, "program.start", decision_name(e.decision), std::move(body));
  }

  PendingEvent operator()(const events::NetworkDecision& e) const {
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("address").text(e.address);
    j.key("bytes_down").number(e.bytes_down);
    j.key("bytes_up").number(e.bytes_up);
    j.key("client").text(r(e.client));
    j.key("host").text(r(e.host));
    j.key("port").number(uint64_t{e.port});
    j.key("protocol").text(e.protocol);
    j.key("reason").text(r(e.reason));
    j.key("rule").text(r(e.rule));
    j.end_object();
    return row(e.session_id, "network.decision", decision_name(e.decision), std::move(body));
  }

  PendingEvent operator()(const events::ApprovalRequested& e) const {
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("request_id").text(e.request_id);
    j.key("risk").text(e.risk);
    j.key("what").text(r(e.what));
    j.end_object();
    return row(e.session_id, "approval.request", decision_name(events::Decision::kAsk),
               std::move(body));
  }

  PendingEvent operator()(const events::ApprovalAnswered& e) const {
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("channel").text(e.channel);
    j.key("latency_ms").number(static_cast<int64_t>(e.latency.count()));
    j.key("request_id").text(e.request_id);
    j.key("reviewer").text(r(e.reviewer));
    j.end_object();
    return row(e.session_id, "approval.answer", decision_name(e.decision), std::move(body));
  }

  PendingEvent operator()(const events::CredentialMinted& e) const {
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("credential_id").text(e.credential_id);
    j.key("scope").text(r(e.scope));
    j.key("ttl_s").number(static_cast<int64_t>(e.ttl.count()));
    j.end_object();
    return row(e.session_id, "credential.mint", "", std::move(body));
  }

  PendingEvent operator()(const events::CredentialRevoked& e) const {
    std::string body;
    JsonText j(body);
    j.begin_object();
    j.key("credential_id").text(e.credential_id);
    j.key("reason").text(r(e.reason));
    j.end_object();
    return row(e.session_id, "credential.revoke", "", std::move(body));
  }

 private:
  std::string r(const std::string& text) const { return redactor_.redact(text); }
  std::vector<std::string> r(const std::vector<std::string>& list) const {
    std::vector<std::string> out;
    out.reserve(list.size());
    for (const auto& item : list) out.push_back(r(item));
    return out;
  }
  template <class T>
  static void optional(JsonText& j, const std::optional<T>& value) {
    if (!value) {
      j.null();
    } else if constexpr (std::is_signed_v<T>) {
      j.number(static_cast<int64_t>(*value));
    } else {
      j.number(static_cast<uint64_t>(*value));
    }
  }

  static PendingEvent row(const std::string& session, const char* kind, const char* decision,
                          std::string body) {
    PendingEvent p;
    p.session = session;
    p.kind = kind;
    p.decision = decision;
    p.body = std::move(body);
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
