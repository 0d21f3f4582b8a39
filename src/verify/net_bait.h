// The network bait of `cordon verify` on the host's loopback: the verify origin (the one
// destination the verify policy allows) and the canary service (which nothing may reach).
//
// Runs as: cordon, on a thread of its own, in the host's network namespace, from
// prepare_verify() until cleanup(). The box's proxy dials the origin from the same process.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"
#include "base/wakeup.h"

namespace cordon::verify {

class NetBait {
 public:
  // Binds both services on 127.0.0.1 (the canary also on ::1, same port, where IPv6 exists) at
  // ports the kernel picks, and starts serving. `marker` goes into every answer of the origin.
  static Result<std::unique_ptr<NetBait>> start(std::string marker);
  ~NetBait();
  NetBait(const NetBait&) = delete;
  NetBait& operator=(const NetBait&) = delete;

  uint16_t origin_port() const { return origin_port_; }
  uint16_t canary_port() const { return canary_port_; }
  bool canary_on_ipv6() const { return canary_v6_.valid(); }

  // Connections accepted so far (thread-safe). The canary's must stay 0.
  size_t origin_connections() const { return origin_connections_.load(); }
  size_t canary_connections() const { return canary_connections_.load(); }

  // Stops serving and closes everything; idempotent.
  void stop();

 private:
  NetBait() = default;
  void serve();

  std::string marker_;
  UniqueFd origin_, canary_v4_, canary_v6_;
  Wakeup wake_;  // stop()
  uint16_t origin_port_ = 0, canary_port_ = 0;
  std::atomic<size_t> origin_connections_{0}, canary_connections_{0};
  std::thread thread_;
};

// The origin's answer to one HTTP request head (kVerifyOriginName in spec.h says its shape),
// and whether it keeps the connection for another request (HTTP/1.1, no "Connection: close",
// no chunked body). Pure, for the unit tests.
std::string origin_http_answer(const std::string& marker, std::string_view request_head,
                               bool keep_alive);
bool origin_keeps_alive(std::string_view request_head);

}  // namespace cordon::verify
