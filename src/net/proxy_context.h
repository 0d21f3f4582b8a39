// What every session of the proxy shares: the loop, the rules, the options, the resolver, the
// synthetic names, the relay scratch space, the host's routes (which addresses are its own), and
// the way to report a decision or end a session. Lives as long as the Proxy; sessions hold a
// reference.
#pragma once

#include <functional>
#include <memory>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/event_loop.h"
#include "net/host_routes.h"
#include "net/proxy.h"
#include "net/resolver.h"
#include "net/rules.h"
#include "net/socket_address.h"

namespace cordon::net {

class Session;
class RelayScratch;

struct ProxyContext {
  EventLoop& loop;
  const EgressRules& rules;
  const ProxyOptions& options;
  Resolver& resolver;
  SyntheticNames& names;
  RelayScratch& scratch;
  HostRoutes& routes;
  // Destroys `session` after the current event (never while one of its callbacks runs).
  std::function<void(Session*)> release;
  // The transparent listener's original-destination lookup (SO_ORIGINAL_DST unless a test
  // substitutes it through ProxyOptions).
  std::function<Result<Endpoint>(const UniqueFd&)> original_destination;

  const ProxyLimits& limits() const { return options.limits; }
  void report(const DecisionRecord& record) {
    if (options.on_decision) options.on_decision(record);
    if (options.on_decisions_done && !decisions_pending) {
      decisions_pending = true;
      loop.defer([this] {
        decisions_pending = false;
        options.on_decisions_done();
      });
    }
  }
  // Whether on_decisions_done is due at the end of this turn of the loop.
  bool decisions_pending = false;
};

// One client connection, from accept to close. A session reports each of its decisions once
// (DecisionRecord) and releases itself through ProxyContext::release when it is over.
class Session {
 public:
  explicit Session(ProxyContext& context) : ctx_(context) {}
  virtual ~Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  virtual void start() = 0;
  // The proxy is stopping: report what is still open and close now (no release needed).
  virtual void abort() = 0;

 protected:
  ProxyContext& ctx_;
};

// The session kinds (one file each).
std::unique_ptr<Session> make_http_session(ProxyContext& context, UniqueFd client);
std::unique_ptr<Session> make_socks5_session(ProxyContext& context, UniqueFd client);
std::unique_ptr<Session> make_transparent_session(ProxyContext& context, UniqueFd client);
std::unique_ptr<Session> make_forward_session(ProxyContext& context, UniqueFd client,
                                              const std::string& target);

}  // namespace cordon::net
