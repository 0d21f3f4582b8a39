// Where a session writer that has finished its session waits for the next one.
//
// A writer process costs every session its start (the exec of a static binary with SQLite, the
// store's opening) on the CPU that builds the box; on two vCPUs that was about 4.7 ms of a
// 26 ms start. So a writer whose session ended in order stays for a while (audit.writer_linger)
// on a socket in the user's runtime directory (0700, never visible in a box), and the next
// `cordon run` of the same user takes it instead of starting one. One session at a time: the
// writer stops listening while it serves, and a cordon that finds no writer waiting starts
// its own, as before.
//
//   writer: take the lock beside the socket (another writer waiting holds it: then do not
//           wait), bind the socket, wait; on a connection from our own uid and pid namespace,
//           stop listening, send one byte (kAccepted), remove the socket, and serve the stream
//           as a new session;
//   cordon: connect without blocking; a peer of another uid or pid namespace, or no byte
//           within a second (another cordon took it first and the writer stopped listening),
//           means no writer.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace cordon::audit {

inline constexpr char kAccepted = 'a';

// The writer's side: the next session's stream, or nothing when `linger` passed without one
// (or another writer already waits at `path`). The socket is removed either way.
UniqueFd wait_for_next_session(const std::string& path, std::chrono::milliseconds linger);

// cordon's side: a waiting writer, connected and acknowledged, and its pid. Only one that runs
// `program` (the writer this cordon would start): a writer of another build or installation
// is handed back unused, and this cordon starts its own.
struct WaitingWriter {
  UniqueFd socket;
  pid_t pid = -1;
};
std::optional<WaitingWriter> take_waiting_writer(const std::string& path,
                                                 const std::string& program);

// Whether this process's executable is still the file at its path: after an upgrade replaced
// it, a writer serves no further session (the next cordon may speak another protocol).
bool own_program_replaced();

}  // namespace cordon::audit
