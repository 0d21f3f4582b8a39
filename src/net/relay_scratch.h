// The one buffer every relay read goes through on the proxy's loop thread, so that an idle
// connection holds no buffer of its own: bytes are read here and written on at once, and only
// what the receiver cannot take yet is copied into the connection (at most buffer_bytes per
// direction).
//
// Why a copy and not splice(): splice() from a pipe into a socket whose peer has gone raises
// SIGPIPE (there is no MSG_NOSIGNAL for it), and the proxy must not depend on the process's
// signal disposition. It was also not faster: on loopback it moved fewer bytes per second for
// more CPU than this copy (tunnel.h has the figures).
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace cordon::net {

class RelayScratch {
 public:
  explicit RelayScratch(size_t buffer_bytes);
  size_t buffer_bytes() const { return buffer_bytes_; }
  // Valid until the next call; never held across events.
  std::span<char> get();

 private:
  size_t buffer_bytes_;
  std::unique_ptr<char[]> scratch_;
};

}  // namespace cordon::net
