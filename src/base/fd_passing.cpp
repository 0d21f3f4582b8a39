// Passing file descriptors over unix sockets.
#include "base/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace cordon {
namespace {

// One data buffer and room for one descriptor, as sendmsg/recvmsg want them (no allocation).
struct OneFdMessage {
  OneFdMessage(void* data, size_t size) : iov{data, size} {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  OneFdMessage(const OneFdMessage&) = delete;
  OneFdMessage& operator=(const OneFdMessage&) = delete;

  iovec iov;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
};

}  // namespace

int send_fd(int socket, int fd, char tag) {
  char payload = tag;
  OneFdMessage m(&payload, 1);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&m.msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  for (;;) {
    if (::sendmsg(socket, &m.msg, MSG_NOSIGNAL) >= 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

ssize_t receive_message(int socket, void* data, size_t size, UniqueFd* fd) {
  OneFdMessage m(data, size);
  ssize_t n = ::recvmsg(socket, &m.msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0) return -errno;
  if (cmsghdr* cmsg = CMSG_FIRSTHDR(&m.msg); cmsg && cmsg->cmsg_type == SCM_RIGHTS) {
    int received = -1;
    std::memcpy(&received, CMSG_DATA(cmsg), sizeof(int));
    fd->reset(received);
  }
  return n;
}

}  // namespace cordon
