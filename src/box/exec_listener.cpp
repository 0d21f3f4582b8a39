// The gate's exec listener: installed and sent by the agent, received and answered by the
// supervisor.
#include "box/exec_listener.h"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include "base/fd_passing.h"
#include "box/seccomp.h"

namespace cordon::box {
namespace {

constexpr char kTagExecListener = 'X';

// What /proc/self/fd names a seccomp listener.
constexpr const char* kListenerLink = "anon_inode:seccomp notify";

bool is_seccomp_listener(int fd) {
  char link[64] = {};
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t len = ::readlink(self.c_str(), link, sizeof link - 1);
  return len > 0 && std::string(link, static_cast<size_t>(len)) == kListenerLink;
}

}  // namespace

int send_exec_listener(const sock_fprog& exec_notify, int socket) {
  const int listener = install_seccomp_with_listener(exec_notify);
  if (listener < 0) return listener;
  const int rc = send_fd(socket, listener, kTagExecListener);
  ::close(listener);
  return rc;
}

Result<std::optional<ExecListener>> ExecListener::receive(int socket) {
  char tag = 0;
  UniqueFd fd;
  const ssize_t n = receive_message(socket, &tag, 1, &fd);
  if (n == -EAGAIN || n == -EINTR) return std::optional<ExecListener>();
  if (n < 0) return Error::system("receive the gate's exec listener", static_cast<int>(-n));
  if (n == 0) {
    return Error(Errc::kChildSetup, "the box ended before its agent sent the gate's exec listener");
  }
  if (tag != kTagExecListener || !fd || !is_seccomp_listener(fd.get())) {
    return Error(Errc::kInternal, "the box sent something other than the gate's exec listener");
  }
  seccomp_notif_sizes sizes{};
  if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    return Error::system("ask the kernel for its seccomp notification sizes");
  }
  return std::optional<ExecListener>(
      ExecListener(std::move(fd), std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)),
                   std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp))));
}

ExecListener::ExecListener(UniqueFd fd, size_t request_size, size_t response_size)
    : fd_(std::move(fd)),
      request_((request_size + 7) / 8),
      response_((response_size + 7) / 8) {}

Result<std::optional<ExecListener::Exec>> ExecListener::next() {
  std::fill(request_.begin(), request_.end(), 0);  // the kernel wants it zeroed
  if (::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_RECV, request_.data()) != 0) {
    // ENOENT: the caller was killed between the poll and now.
    if (errno == ENOENT || errno == EINTR) return std::optional<Exec>();
    return Error::system("receive an exec notification");
  }
  const auto* request = reinterpret_cast<const seccomp_notif*>(request_.data());
  return std::optional<Exec>(Exec{request->id, static_cast<pid_t>(request->pid)});
}

bool ExecListener::still_waiting(const Exec& exec) const {
  uint64_t id = exec.id;
  return ::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void ExecListener::go_on(const Exec& exec) { respond(exec.id, SECCOMP_USER_NOTIF_FLAG_CONTINUE, 0); }

void ExecListener::fail(const Exec& exec, int err) { respond(exec.id, 0, -err); }

void ExecListener::respond(uint64_t id, uint32_t flags, int error) {
  std::fill(response_.begin(), response_.end(), 0);
  auto* response = reinterpret_cast<seccomp_notif_resp*>(response_.data());
  response->id = id;
  response->flags = flags;
  response->error = error;
  // Fails only if the caller is gone.
  (void)::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_SEND, response);
}

}  // namespace cordon::box
