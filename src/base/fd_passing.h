// Passing file descriptors over unix sockets (SCM_RIGHTS). send_fd is async-signal-safe.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "base/unique_fd.h"

namespace cordon {

// Sends `fd` with a one-byte payload `tag`. Returns 0 or -errno. Safe between clone and exec.
int send_fd(int socket, int fd, char tag);

// Receives one message of at most `size` bytes into `data`, without blocking, and the fd that
// came with it (if any) into *fd. Returns the byte count, 0 when the peer closed the socket, or
// -errno (-EAGAIN when nothing is waiting).
ssize_t receive_message(int socket, void* data, size_t size, UniqueFd* fd);

}  // namespace cordon
