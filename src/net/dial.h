// Dialling an allowed destination: resolve once (pins first, then the resolver pool), vet every
// answer (EgressRules::vet_addresses picks exactly one; the host's own addresses are refused
// through HostRoutes), connect to exactly that address with
// a non-blocking connect bounded by connect_timeout.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/unique_fd.h"
#include "net/event_loop.h"
#include "net/host.h"
#include "net/proxy_context.h"
#include "net/rules.h"
#include "net/socket_address.h"

namespace cordon::net {

struct DialResult {
  enum class Status {
    kConnected,
    kReused,         // the caller's reuse hook took the vetted endpoint; no new connection
    kRefused,        // vetting refused every answer (`refusal` says why)
    kResolveFailed,  // the name does not resolve
    kConnectFailed,  // refused, unreachable, reset (`sys_errno`)
    kTimedOut,       // connect_timeout passed
  };
  Status status = Status::kConnectFailed;
  UniqueFd fd;                       // kConnected
  std::optional<Endpoint> endpoint;  // the vetted address, from vetting on
  Decision refusal;                  // kRefused
  int sys_errno = 0;
  std::string message;  // a short reason for a 502/504 body or a DecisionRecord
};

// One dial. Destroying it cancels it; `done` runs once, on the loop thread, never inside
// start(), and the Dial may be destroyed from inside `done`.
class Dial {
 public:
  using Done = std::function<void(DialResult)>;
  // Offered the vetted endpoint before connecting; returning true ends the dial with kReused.
  using Reuse = std::function<bool(const Endpoint&)>;

  Dial(ProxyContext& context, CanonicalHost host, uint16_t port, Done done, Reuse reuse = {});
  ~Dial();
  Dial(const Dial&) = delete;
  Dial& operator=(const Dial&) = delete;

  void start();

 private:
  void on_answers(Result<std::vector<IpAddress>> answers);
  void connect_to(const Endpoint& endpoint);
  void on_connect_event();
  void finish(DialResult result);

  ProxyContext& ctx_;
  CanonicalHost host_;
  uint16_t port_;
  Done done_;
  Reuse reuse_;
  Resolver::RequestId lookup_ = 0;
  WatchedFd socket_;
  Endpoint endpoint_;
  TimerSlot timer_;  // connect timeout, or the deferred completion of a synchronous result
  bool finished_ = false;
};

// A short description of a failed dial for a 502 body or a record's reason.
std::string describe_dial_failure(const DialResult& result);

}  // namespace cordon::net
