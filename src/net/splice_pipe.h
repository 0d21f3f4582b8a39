// SplicePipe: one direction of a tunnel moved by splice() through a pipe of its own, so the
// bytes go from one socket to the other inside the kernel, never through the proxy's memory.
//
// The pipe is made on the direction's first bytes (an idle tunnel that never carried any holds
// none) and holds at most its capacity (256 KiB, or the kernel's default 64 KiB for a user past
// fs.pipe-user-pages-soft): what the destination cannot take yet waits there, and the source's
// socket keeps the rest, where TCP's flow control slows the sender. If no pipe can be made (the
// process is out of descriptors), the caller relays by copy.
//
// splice() into a socket whose peer has gone raises SIGPIPE (it has no MSG_NOSIGNAL). The
// thread that drains a pipe blocks SIGPIPE on itself before its first splice, and a SIGPIPE that
// a failed splice left pending is discarded at once: the proxy depends on no signal disposition.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "base/unique_fd.h"

namespace cordon::net {

class SplicePipe {
 public:
  // Makes the pipe if there is none yet; false (errno set) if it cannot be made.
  bool ready();
  bool made() const { return static_cast<bool>(read_end_); }
  size_t capacity() const { return capacity_; }
  // Bytes in the pipe, on their way to the destination.
  size_t held() const { return held_; }

  // Moves up to the pipe's free room from `socket` into the pipe. >0: bytes moved; 0: the
  // source's end of stream; -1: errno (EAGAIN: nothing to read).
  ssize_t fill_from(int socket);
  // Moves what the pipe holds into `socket`, as much as it takes. >=0: bytes moved (fewer than
  // held() when the socket is full); -1: errno other than EAGAIN (EPIPE: the peer has gone).
  ssize_t drain_to(int socket);

 private:
  UniqueFd read_end_;
  UniqueFd write_end_;
  size_t capacity_ = 0;
  size_t held_ = 0;
};

}  // namespace cordon::net
