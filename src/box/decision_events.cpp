// Egress decisions to audit events, a loop turn at a time.
#include "box/decision_events.h"

namespace cordon::box {
namespace {

events::NetworkDecision to_event(const std::string& session_id, const net::DecisionRecord& r) {
  events::NetworkDecision e;
  e.session_id = session_id;
  e.host = r.host;
  e.port = r.port;
  e.protocol = r.protocol;
  e.address = r.address;
  e.decision = r.allowed ? events::Decision::kAllow : events::Decision::kDeny;
  e.rule = r.rule;
  e.reason = r.reason;
  e.bytes_up = r.bytes_up;
  e.bytes_down = r.bytes_down;
  e.client = r.client;
  return e;
}

}  // namespace

void DecisionEvents::attach(net::ProxyOptions& options, std::function<void()> when_unsent) {
  options.on_decision = [this](const net::DecisionRecord& r) {
    decided_.push_back(to_event(session_id_, r));
  };
  options.on_decisions_done = [this, when_unsent = std::move(when_unsent)] {
    if (decided_.empty()) return;
    sink_.emit_all(decided_);
    decided_.clear();
    if (when_unsent && sink_.lost()) when_unsent();
  };
}

}  // namespace cordon::box
