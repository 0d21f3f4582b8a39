// ProxyStopper: one poll over the stop signals, the writer's socket and the destructor's eventfd.
#include "cli/proxy_stopper.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "base/signal_scope.h"

namespace cordon::cli {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void ProxyStopper::block_stop_signals() {
  const sigset_t set = stop_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Result<std::unique_ptr<ProxyStopper>> ProxyStopper::start(net::Proxy& proxy, int writer_socket) {
  if (writer_socket < 0) {
    return Error(Errc::kSystem, "the proxy has no audit writer to watch, so it does not start");
  }
  const sigset_t set = stop_signals();
  UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!signals) return Error::system("signalfd");
  UniqueFd done(::eventfd(0, EFD_CLOEXEC));
  if (!done) return Error::system("eventfd");
  std::unique_ptr<ProxyStopper> stopper(new ProxyStopper(std::move(signals), std::move(done)));
  ProxyStopper* self = stopper.get();
  stopper->thread_ =
      quiet_thread([self, &proxy, writer_socket] { self->watch(proxy, writer_socket); });
  return stopper;
}

ProxyStopper::~ProxyStopper() {
  const uint64_t one = 1;
  (void)!::write(done_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void ProxyStopper::watch(net::Proxy& proxy, int writer_socket) {
  // POLLRDHUP alone on the writer's socket: its answers (POLLIN) are not this thread's to read.
  pollfd fds[] = {
      {signals_.get(), POLLIN, 0}, {done_.get(), POLLIN, 0}, {writer_socket, POLLRDHUP, 0}};
  for (;;) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      proxy.stop();  // cannot watch any more: stop rather than serve unwatched
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[2].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
      writer_lost_.store(true);
      proxy.stop();
      return;
    }
    if (fds[0].revents != 0) {
      proxy.stop();
      return;
    }
  }
}

}  // namespace cordon::cli
