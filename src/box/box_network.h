// The box's side of the egress wall: what the init does inside the box's network namespace in
// proxy mode (steps network-capture and open-listeners). The parent prepares a BoxNetworkPlan;
// the init only reads it, with raw syscalls and no allocation.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace cordon::box {

// One socket the init opens inside the box's network namespace and passes to the supervisor.
struct BoxListener {
  int family = 0;     // AF_INET or AF_INET6
  int type = 0;       // SOCK_STREAM or SOCK_DGRAM
  uint16_t port = 0;  // on 127.0.0.1 or ::1
  // An IPv6 listener on a machine without IPv6: skipped (there is no IPv6 to capture either).
  bool skip_without_family = false;
};

struct NetworkBytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

struct BoxNetworkPlan {
  bool capture = false;  // proxy mode: routes, ruleset and listeners; otherwise nothing
  NetworkBytes route_v4;
  NetworkBytes route_v6;
  NetworkBytes ruleset;
  const BoxListener* listeners = nullptr;
  size_t listener_count = 0;
};

// Messages on the control socket, init -> supervisor, one per listener in plan order: the fd
// with kTagListener, or no fd with kTagNoListener for a skipped one.
constexpr char kTagListener = 'L';
constexpr char kTagNoListener = 'N';

// Child side (the init). Each returns 0 or -errno; *failed_index says which listener failed.
int install_network_capture(const BoxNetworkPlan& plan);
int open_box_listeners(const BoxNetworkPlan& plan, int control_fd, int* failed_index);

}  // namespace cordon::box
