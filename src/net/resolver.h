// Name resolution off the event loop: getaddrinfo on a few worker threads, answers delivered
// back on the loop thread through an eventfd. Pins (EgressRules::pinned) are the caller's job;
// this is only for names the policy allowed and did not pin.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "net/address.h"
#include "net/event_loop.h"

namespace cordon::net {

class Resolver {
 public:
  using RequestId = uint64_t;
  using Callback = std::function<void(Result<std::vector<IpAddress>>)>;

  // Workers start on demand, up to `max_workers`.
  static Result<std::unique_ptr<Resolver>> create(EventLoop& loop, size_t max_workers = 4);
  // Abandons pending lookups; a worker inside getaddrinfo finishes on its own and exits
  // (workers are detached so that stopping the proxy never waits for a slow DNS server).
  ~Resolver();

  // Resolves `name` (a canonical DNS name); `callback` runs later on the loop thread, never
  // inside this call. TCP addresses of either family, in getaddrinfo's order.
  RequestId resolve(const std::string& name, Callback callback);
  // The callback will not run.
  void cancel(RequestId id);

  struct Shared;  // the queue and eventfd the detached workers keep alive

 private:
  Resolver() = default;
  void deliver();

  EventLoop* loop_ = nullptr;
  std::shared_ptr<Shared> shared_;
  WatchedFd done_fd_;  // a dup of the shared eventfd, watched by the loop
  std::unordered_map<RequestId, Callback> pending_;
  RequestId next_id_ = 1;
  size_t max_workers_ = 4;
};

}  // namespace cordon::net
