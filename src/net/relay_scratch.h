// The one buffer every relay read goes through on the proxy's loop thread, so that an idle
// connection holds no buffer of its own. HTTP sessions read at most buffer_bytes into it and
// keep what the receiver cannot take yet (at most buffer_bytes per direction). Tunnels splice
// through pipes of their own and use it only when no pipe can be made: they then peek up to the
// whole buffer, send it on, and drop from the source only what was sent (tunnel.h).
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace cordon::net {

class RelayScratch {
 public:
  // `read_bytes`: the buffer's size (at least buffer_bytes).
  RelayScratch(size_t buffer_bytes, size_t read_bytes);
  // What an HTTP session may hold per direction.
  size_t buffer_bytes() const { return buffer_bytes_; }
  // Valid until the next call; never held across events.
  std::span<char> get();

 private:
  size_t buffer_bytes_;
  size_t read_bytes_;
  std::unique_ptr<char[]> scratch_;
};

}  // namespace cordon::net
