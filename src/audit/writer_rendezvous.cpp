// The socket where a finished session writer waits for the next session (writer_rendezvous.h).
#include "audit/writer_rendezvous.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "base/pid_namespace.h"
#include "base/socket_file.h"

namespace cordon::audit {
namespace {

constexpr int kAcknowledgeMs = 1000;

bool connect_to(int fd, const sockaddr_un& a) {
  return ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

// Our uid, and our pid namespace: a box's processes run as the same uid, and only their
// namespace tells them apart (should a runtime directory ever be visible in a box, a process
// there could otherwise feed forged rows to the writer, or, posing as one, read a session's
// secrets). A namespace that cannot be read fails.
bool peer_is_us(int fd, pid_t* pid = nullptr) {
  ucred peer{};
  socklen_t size = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) return false;
  if (pid) *pid = peer.pid;
  if (peer.uid != ::getuid()) return false;
  auto theirs = pid_namespace_of(peer.pid);
  auto ours = pid_namespace_of(::getpid());
  return theirs.ok() && ours.ok() && *theirs == *ours;
}

// One writer waits at a time: the one that holds the lock beside the socket. (Connecting to
// see whether somebody listens would itself be taken for a session.) A socket found by the
// lock's holder was left by a writer that was killed, and is replaced.
UniqueFd lock_rendezvous(const std::string& path) {
  UniqueFd lock(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) return {};
  return lock;
}

std::string program_of(pid_t pid) {
  char target[4096];
  const std::string link = "/proc/" + std::to_string(pid) + "/exe";
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

}  // namespace

UniqueFd wait_for_next_session(const std::string& path, std::chrono::milliseconds linger) {
  if (linger.count() <= 0) return {};
  UniqueFd lock = lock_rendezvous(path);
  if (!lock) return {};
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) return {};
  ::unlink(path.c_str());  // the lock's holder: a socket there is a killed writer's
  auto bound = BoundSocketFile::bind(listener.get(), path);  // removed before the lock goes
  if (!bound.ok() || ::listen(listener.get(), 8) != 0) return {};
  const auto deadline = std::chrono::steady_clock::now() + linger;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{listener.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return {};
    if (ready <= 0) continue;
    UniqueFd session(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!session || !peer_is_us(session.get())) continue;
    // Acknowledged only once we stop listening: a cordon still in the backlog then reads the
    // end of its stream, not an acknowledgement, and starts a writer of its own.
    listener.reset();
    if (::send(session.get(), &kAccepted, 1, MSG_NOSIGNAL) != 1) return {};
    return session;
  }
}

bool own_program_replaced() {
  constexpr std::string_view kDeleted = " (deleted)";
  const std::string self = program_of(::getpid());
  return self.empty() || self.ends_with(kDeleted);
}

std::optional<WaitingWriter> take_waiting_writer(const std::string& path,
                                                 const std::string& program) {
  const auto a = unix_address(path);
  if (!a) return std::nullopt;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  WaitingWriter writer;
  if (!fd || !connect_to(fd.get(), *a) || !peer_is_us(fd.get(), &writer.pid)) {
    return std::nullopt;
  }
  pollfd p{fd.get(), POLLIN, 0};
  char byte = 0;
  if (::poll(&p, 1, kAcknowledgeMs) != 1 || ::recv(fd.get(), &byte, 1, 0) != 1 ||
      byte != kAccepted) {
    return std::nullopt;
  }
  // Checked once the writer has answered, so that it always reads the end of a stream it was
  // not given, and goes back to waiting.
  char expected[PATH_MAX];
  if (::realpath(program.c_str(), expected) == nullptr || program_of(writer.pid) != expected) {
    return std::nullopt;
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) return std::nullopt;
  writer.socket = std::move(fd);
  return writer;
}

}  // namespace cordon::audit
