// Peer credentials of control socket connections.
#include "review/peer_identity.h"

#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace cordon::review {

std::string uid_identity(uid_t uid) {
  std::vector<char> buffer(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found &&
      found->pw_name && *found->pw_name) {
    return std::string("uid:") + found->pw_name;
  }
  return "uid:" + std::to_string(uid);
}

Result<std::string> authenticate_peer(int fd, uid_t session_uid,
                                      const std::string& reviewer_pid_namespace) {
  struct ucred cred {};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return Error::system("SO_PEERCRED");
  }
  if (cred.uid != session_uid && cred.uid != 0) {
    return Error(Errc::kPolicy, "refused: uid " + std::to_string(cred.uid) +
                                    " may not answer for this session (only uid " +
                                    std::to_string(session_uid) + " or root)");
  }
  if (!reviewer_pid_namespace.empty()) {
    // SO_PEERCRED's pid is the peer's pid in our namespace, 0 if it has none here.
    if (cred.pid <= 0) {
      return Error(Errc::kPolicy, "refused: the peer's process is not visible from the session");
    }
    Result<std::string> ns = pid_namespace_of(cred.pid);
    if (!ns.ok()) {
      return Error(Errc::kPolicy,
                   "refused: cannot tell the peer's pid namespace (" + ns.error().describe() + ")");
    }
    // Required rather than forbidden: the box's namespace, a nested one made in the box, or
    // any other than cordon's own is refused alike.
    if (*ns != reviewer_pid_namespace) {
      return Error(Errc::kPolicy,
                   "refused: this request comes from inside the box or another container (pid "
                   "namespace " +
                       *ns + ", not cordon's " + reviewer_pid_namespace +
                       "); programs in the box cannot approve their own commands");
    }
  }
  return uid_identity(cred.uid);
}

}  // namespace cordon::review
