// What stops `cordon proxy`: SIGINT or SIGTERM, or its audit writer hanging up.
//
// A standalone proxy serves for days; if its writer dies, every decision after it would take
// effect unrecorded. So the proxy fails closed, as a box does (docs/audit.md, "The trail fails
// closed"): a thread watches the writer's socket for its hang-up and stops the proxy, whose
// stop closes every open connection. The proxy's own thread stops it too at the end of the
// first turn whose decisions could not be sent (proxy_command.cpp).
//
// Runs as: a quiet helper thread of its own, started by the proxy's main thread, which must
// have called block_stop_signals() first (its helper threads block everything: signal_scope.h).
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/proxy.h"

namespace cordon::cli {

class ProxyStopper {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread: call it first thing, before any thread
  // starts, so that no thread takes them with their default action.
  static void block_stop_signals();
  // Watches for SIGINT and SIGTERM (blocked by block_stop_signals()) and for the hang-up of
  // `writer_socket`, and calls proxy.stop() on either. The proxy must outlive this object. No
  // writer socket (-1) is an error: a proxy whose writer nobody watches would not fail closed.
  static Result<std::unique_ptr<ProxyStopper>> start(net::Proxy& proxy, int writer_socket);
  // Ends the watching thread (the proxy may already have stopped for another reason).
  ~ProxyStopper();
  ProxyStopper(const ProxyStopper&) = delete;
  ProxyStopper& operator=(const ProxyStopper&) = delete;

  // Whether the proxy was stopped because the writer hung up.
  bool writer_lost() const { return writer_lost_.load(); }

 private:
  ProxyStopper(UniqueFd signals, UniqueFd done)
      : signals_(std::move(signals)), done_(std::move(done)) {}
  void watch(net::Proxy& proxy, int writer_socket);

  UniqueFd signals_;  // a signalfd for SIGINT and SIGTERM
  UniqueFd done_;     // an eventfd: the destructor's "stop watching"
  std::atomic<bool> writer_lost_{false};
  std::thread thread_;
};

}  // namespace cordon::cli
