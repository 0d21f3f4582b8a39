// Memory the proxy's relays share on the loop thread, so an idle connection holds none: one
// scratch buffer that every read goes through, and a few spare pipes for splice().
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/unique_fd.h"
#include "net/proxy.h"

namespace cordon::net {

// RelayMode (proxy.h) says how a tunnel moves bytes: through user space (the scratch buffer,
// then a per-direction copy of what the receiver could not take yet) or with splice() through
// a pipe held only while bytes wait in it. Both keep at most `buffer_bytes` per direction in
// flight.

struct PipePair {
  UniqueFd read;
  UniqueFd write;
};

class RelayPool {
 public:
  RelayPool(size_t buffer_bytes, RelayMode mode);
  RelayMode mode() const { return mode_; }
  size_t buffer_bytes() const { return buffer_bytes_; }

  // Valid until the next call; never held across events.
  std::span<char> scratch();

  // An empty pipe, from the spares or new; nullopt when pipe2 fails (EMFILE).
  std::optional<PipePair> take_pipe();
  // Back to the spares (it must be empty), or closed when there are enough spares.
  void give_pipe(PipePair pipe);

 private:
  size_t buffer_bytes_;
  RelayMode mode_;
  std::unique_ptr<char[]> scratch_;
  std::vector<PipePair> spare_pipes_;
};

}  // namespace cordon::net
