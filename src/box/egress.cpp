// The supervisor's side of the egress wall: listener plan, socket hand-over, proxy thread.
#include "box/egress.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "base/fd_passing.h"
#include "base/log.h"
#include "base/signal_scope.h"
#include "net/box_ports.h"
#include "net/capture_netlink.h"

namespace cordon::box {
namespace {

// Above this many distinct ports, per-port Landlock rules cost more at every start than they
// add over the proxy's own decision.
constexpr size_t kMaxLandlockPorts = 1024;

// How long the init may take to build the box before its sockets arrive.
constexpr int kListenerWaitMs = 30'000;

}  // namespace

void EgressPlan::add(net::EntryPoint entry, int family, int type, uint16_t port,
                     std::string target) {
  listeners_.push_back(BoxListener{family, type, port, family == AF_INET6});
  entries_.push_back(entry);
  targets_.push_back(std::move(target));
}

Result<EgressPlan> EgressPlan::create(const net::EgressRules& rules) {
  EgressPlan plan;
  plan.add(net::EntryPoint::kHttp, AF_INET, SOCK_STREAM, net::kBoxHttpProxyPort);
  plan.add(net::EntryPoint::kSocks5, AF_INET, SOCK_STREAM, net::kBoxSocksPort);
  // The capture redirects IPv4 connections to 127.0.0.1 and IPv6 ones to ::1.
  plan.add(net::EntryPoint::kTransparent, AF_INET, SOCK_STREAM, net::kBoxTransparentPort);
  plan.add(net::EntryPoint::kTransparent, AF_INET6, SOCK_STREAM, net::kBoxTransparentPort);
  plan.add(net::EntryPoint::kDns, AF_INET, SOCK_DGRAM, net::kBoxDnsPort);
  plan.add(net::EntryPoint::kDns, AF_INET6, SOCK_DGRAM, net::kBoxDnsPort);
  std::set<uint16_t> used{net::kBoxHttpProxyPort, net::kBoxSocksPort, net::kBoxTransparentPort};
  for (const net::Forward& f : rules.forwards()) {
    if (!used.insert(f.listen_port).second) {
      return Error(Errc::kPolicy, "network.forward: port " + std::to_string(f.listen_port) +
                                      " is already used by another of cordon's listeners")
          .with_hint("pick another box port for the forward (3128, 1080 and 3129 are cordon's)");
    }
    plan.add(net::EntryPoint::kForward, AF_INET, SOCK_STREAM, f.listen_port, f.target);
  }

  plan.route_v4_ = net::build_local_default_route(AF_INET, 1);
  plan.route_v6_ = net::build_local_default_route(AF_INET6, 1);
  plan.ruleset_ =
      net::build_capture_ruleset(net::CapturePorts{net::kBoxTransparentPort, net::kBoxDnsPort});

  std::set<uint16_t> ports;
  for (const net::PortRange& r : rules.allowed_ports()) {
    for (uint32_t p = r.lo; p <= r.hi && ports.size() <= kMaxLandlockPorts; ++p) {
      ports.insert(static_cast<uint16_t>(p));
    }
  }
  if (ports.size() > kMaxLandlockPorts) {
    plan.too_many_ports_ = true;
  } else {
    plan.rule_ports_.assign(ports.begin(), ports.end());
  }

  return plan;
}

BoxNetworkPlan EgressPlan::child_view() const {
  BoxNetworkPlan view;
  view.capture = true;
  view.route_v4 = {route_v4_.data(), route_v4_.size()};
  view.route_v6 = {route_v6_.data(), route_v6_.size()};
  view.ruleset = {ruleset_.data(), ruleset_.size()};
  view.listeners = listeners_.data();
  view.listener_count = listeners_.size();
  return view;
}

std::vector<uint16_t> EgressPlan::connect_ports() const {
  // Too many rule ports: the listeners only (transparent connections on other ports are
  // refused by Landlock; the proxy variables still work).
  std::set<uint16_t> ports(rule_ports_.begin(), rule_ports_.end());
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].type == SOCK_STREAM && entries_[i] != net::EntryPoint::kTransparent) {
      ports.insert(listeners_[i].port);
    }
  }
  return {ports.begin(), ports.end()};
}

Result<std::vector<net::Listener>> receive_listeners(const EgressPlan& plan, int control_fd,
                                                     int error_fd) {
  std::vector<net::Listener> out;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kListenerWaitMs);
  while (out.size() < plan.listener_count()) {
    char tag = 0;
    UniqueFd fd;
    ssize_t n = receive_message(control_fd, &tag, 1, &fd);
    if (n == -EAGAIN || n == -EINTR) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0)
        return Error(Errc::kSystem, "the box did not open its network sockets in time");
      pollfd fds[2] = {{control_fd, POLLIN, 0}, {error_fd, POLLIN, 0}};
      ::poll(fds, 2, static_cast<int>(left));
      if ((fds[1].revents & POLLIN) != 0) {
        return Error(Errc::kChildSetup, "the box failed while it was being built");
      }
      continue;
    }
    if (n <= 0) return Error(Errc::kChildSetup, "the box ended while it was being built");
    const size_t i = out.size();
    net::Listener listener;
    listener.kind = plan.entry(i);
    listener.forward_target = plan.forward_target(i);
    if (tag == kTagListener && fd) {
      listener.fd = std::move(fd);
    } else if (tag != kTagNoListener) {
      return Error(Errc::kInternal, "unexpected message from the box while receiving sockets");
    }
    out.push_back(std::move(listener));
  }
  // A skipped listener (no IPv6 on this machine) is not served at all.
  std::erase_if(out, [](const net::Listener& l) { return !l.fd; });
  return out;
}

Result<std::unique_ptr<EgressService>> EgressService::start(net::EgressRules rules,
                                                            std::vector<net::Listener> listeners,
                                                            std::string session_id,
                                                            events::EventSink& sink) {
  std::unique_ptr<EgressService> service(new EgressService());
  service->decisions_ = std::make_unique<DecisionEvents>(std::move(session_id), sink);
  net::ProxyOptions options;
  service->decisions_->attach(options);
  CORDON_ASSIGN_OR_RETURN(
      service->proxy_,
      net::Proxy::create(std::move(rules), std::move(listeners), std::move(options)));
  net::Proxy* engine = service->proxy_.get();
  service->thread_ = quiet_thread([engine] {
    if (auto ran = engine->run(); !ran.ok()) {
      // An error is shown even without -v: the box just lost its network.
      log::write(log::Level::kError, "the egress proxy stopped (" + ran.error().describe() +
                                         "); the box has no network from here on");
    }
  });
  return service;
}

EgressService::~EgressService() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

void EgressService::request_stop() {
  if (proxy_) proxy_->stop();
}

std::vector<std::string> proxy_environment() {
  const std::string http = "http://127.0.0.1:" + std::to_string(net::kBoxHttpProxyPort);
  const std::string socks = "socks5h://127.0.0.1:" + std::to_string(net::kBoxSocksPort);
  const std::string no_proxy = "localhost,127.0.0.1,::1";
  std::vector<std::string> env;
  for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"}) {
    env.push_back(std::string(name) + "=" + http);
  }
  env.push_back("ALL_PROXY=" + socks);
  env.push_back("all_proxy=" + socks);
  env.push_back("NO_PROXY=" + no_proxy);
  env.push_back("no_proxy=" + no_proxy);
  return env;
}

}  // namespace cordon::box
