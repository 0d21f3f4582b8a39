// The egress proxy's decisions as audit events, passed on once per turn of the proxy's loop:
// one write to the audit writer for all of a turn's rows instead of one each. The box's egress
// service and `cordon proxy` both report their decisions through it.
//
// Runs as: the proxy's thread (net::ProxyOptions calls both callbacks there).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "events/session_events.h"
#include "net/proxy.h"

namespace cordon::box {

class DecisionEvents {
 public:
  DecisionEvents(std::string session_id, events::EventSink& sink)
      : session_id_(std::move(session_id)), sink_(sink) {}
  // Sets the options' on_decision and on_decisions_done. This object must outlive the proxy's
  // run(), whose last act is the final on_decisions_done. `when_unsent`, if set, is called at the
  // end of every turn after the sink has lost an event (`cordon proxy` stops there; a box's
  // SessionEvents kills the box itself).
  void attach(net::ProxyOptions& options, std::function<void()> when_unsent = {});

 private:
  std::string session_id_;
  events::EventSink& sink_;
  std::vector<events::Event> decided_;  // this turn's, not yet passed on
};

}  // namespace cordon::box
