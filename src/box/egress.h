// The supervisor's side of the egress wall in proxy mode: plans the sockets the init opens in
// the box's network namespace and the capture it installs, receives the sockets, and serves
// them with the proxy engine on a thread of its own.
//
// Runs as: the supervisor (the user who started cordon), in the host's network namespace, so
// every connection the proxy dials leaves from the host, after the decision.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "box/box_network.h"
#include "box/decision_events.h"
#include "events/session_events.h"
#include "net/proxy.h"
#include "net/rules.h"

namespace cordon::box {

class EgressPlan {
 public:
  static Result<EgressPlan> create(const net::EgressRules& rules);

  // What the init reads (points into this object: keep it alive until the init has run).
  BoxNetworkPlan child_view() const;
  // TCP ports the box may connect to (Landlock ABI 4+): cordon's listeners, and every port an
  // allow rule could allow (a transparent connection keeps its original port until the
  // redirect). With `too_many_ports` (the rules span more ports than per-port Landlock rules
  // are worth), the listeners only; the proxy still decides every connection.
  std::vector<uint16_t> connect_ports() const;
  bool too_many_ports() const { return too_many_ports_; }

  size_t listener_count() const { return listeners_.size(); }
  net::EntryPoint entry(size_t i) const { return entries_[i]; }
  const std::string& forward_target(size_t i) const { return targets_[i]; }

 private:
  void add(net::EntryPoint entry, int family, int type, uint16_t port, std::string target = {});

  std::vector<BoxListener> listeners_;
  std::vector<net::EntryPoint> entries_;
  std::vector<std::string> targets_;
  std::vector<uint8_t> route_v4_, route_v6_, ruleset_;
  std::vector<uint16_t> rule_ports_;
  bool too_many_ports_ = false;
};

// Receives the init's sockets, in plan order. Waits while the init builds the box; an error
// with Errc::kChildSetup means the init ended first (its StepFailure is on the error pipe).
Result<std::vector<net::Listener>> receive_listeners(const EgressPlan& plan, int control_fd,
                                                     int error_fd);

// The proxy engine, running on its own thread until destroyed. If the engine stops on an
// error, its listeners close with it: the box is left with no network, never an open one.
class EgressService {
 public:
  // `sink` gets the decisions on the proxy's thread, a loop turn's at once (DecisionEvents):
  // it must be safe to call from there, and outlive the service.
  static Result<std::unique_ptr<EgressService>> start(net::EgressRules rules,
                                                      std::vector<net::Listener> listeners,
                                                      std::string session_id,
                                                      events::EventSink& sink);
  ~EgressService();
  // Tells the proxy to stop and returns at once: the destructor then only joins its thread.
  void request_stop();

 private:
  EgressService() = default;
  std::unique_ptr<DecisionEvents> decisions_;  // called by proxy_'s thread until it is joined
  std::unique_ptr<net::Proxy> proxy_;
  std::thread thread_;
};

// The proxy variables the box's environment gets in proxy mode (upper and lower case).
std::vector<std::string> proxy_environment();

}  // namespace cordon::box
