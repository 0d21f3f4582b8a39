// Passing file descriptors over unix sockets (SCM_RIGHTS). send_fd is async-signal-safe.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon {

// Sends `fd` with a one-byte payload `tag`. Returns 0 or -errno. Safe between clone and exec.
int send_fd(int socket, int fd, char tag);

// Receives one fd and its tag. A peer that closed the socket gives an error with code kNotFound.
Result<UniqueFd> receive_fd(int socket, char* tag);

}  // namespace cordon
