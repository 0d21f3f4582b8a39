// Resolve once, vet, connect exactly the vetted address.
#include "net/dial.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace cordon::net {

Dial::Dial(ProxyContext& context, CanonicalHost host, uint16_t port, Done done, Reuse reuse)
    : ctx_(context),
      host_(std::move(host)),
      port_(port),
      done_(std::move(done)),
      reuse_(std::move(reuse)),
      timer_(context.loop) {}

Dial::~Dial() {
  if (lookup_ != 0) ctx_.resolver.cancel(lookup_);
}

void Dial::start() {
  if (host_.literal) {
    on_answers(std::vector<IpAddress>{*host_.literal});
    return;
  }
  if (auto pinned = ctx_.rules.pinned(host_.name)) {
    on_answers(std::move(*pinned));
    return;
  }
  lookup_ = ctx_.resolver.resolve(host_.name, [this](Result<std::vector<IpAddress>> answers) {
    lookup_ = 0;
    on_answers(std::move(answers));
  });
}

void Dial::on_answers(Result<std::vector<IpAddress>> answers) {
  if (!answers.ok()) {
    DialResult result;
    result.status = DialResult::Status::kResolveFailed;
    result.message = answers.error().message();
    finish(std::move(result));
    return;
  }
  // The host's own addresses are refused like loopback: the kernel is asked at each dial (one
  // netlink round trip, only for answers no rule or range has decided already).
  EgressRules::Vetted vetted = ctx_.rules.vet_addresses(
      host_, port_, *answers,
      [this](const IpAddress& address) { return ctx_.routes.is_local(address); });
  if (!vetted.address) {
    DialResult result;
    result.status = DialResult::Status::kRefused;
    result.refusal = vetted.decision;
    result.refusal.allowed = false;
    result.message = vetted.decision.reason;
    finish(std::move(result));
    return;
  }
  Endpoint endpoint{*vetted.address, port_};
  if (reuse_ && reuse_(endpoint)) {
    DialResult result;
    result.status = DialResult::Status::kReused;
    result.endpoint = endpoint;
    finish(std::move(result));
    return;
  }
  connect_to(endpoint);
}

void Dial::connect_to(const Endpoint& endpoint) {
  endpoint_ = endpoint;
  int family = endpoint.address.is_v4() ? AF_INET : AF_INET6;
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  DialResult failure;
  failure.endpoint = endpoint;
  failure.status = DialResult::Status::kConnectFailed;
  if (!fd) {
    failure.sys_errno = errno;
    failure.message = std::string("socket: ") + std::strerror(failure.sys_errno);
    finish(std::move(failure));
    return;
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_storage storage;
  socklen_t length = to_sockaddr(endpoint, &storage);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 &&
      errno != EINPROGRESS) {
    failure.sys_errno = errno;
    failure.message = "connect " + endpoint.to_string() + ": " + std::strerror(failure.sys_errno);
    finish(std::move(failure));
    return;
  }
  socket_ = WatchedFd(ctx_.loop, std::move(fd));
  if (!socket_.watch([this](uint32_t) { on_connect_event(); }) || !socket_.set_interest(EPOLLOUT)) {
    failure.sys_errno = errno;
    failure.message = "epoll: " + std::string(std::strerror(failure.sys_errno));
    finish(std::move(failure));
    return;
  }
  timer_.arm(ctx_.loop.now() + ctx_.limits().connect_timeout, [this] {
    DialResult result;
    result.status = DialResult::Status::kTimedOut;
    result.endpoint = endpoint_;
    result.sys_errno = ETIMEDOUT;
    result.message = "connect " + endpoint_.to_string() + ": no answer within " +
                     std::to_string(ctx_.limits().connect_timeout.count()) + " ms";
    socket_.reset();
    finish(std::move(result));
  });
}

void Dial::on_connect_event() {
  int err = 0;
  socklen_t length = sizeof(err);
  if (::getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &err, &length) != 0) err = errno;
  DialResult result;
  result.endpoint = endpoint_;
  if (err != 0) {
    result.status = DialResult::Status::kConnectFailed;
    result.sys_errno = err;
    result.message = "connect " + endpoint_.to_string() + ": " + std::strerror(err);
    socket_.reset();
  } else {
    result.status = DialResult::Status::kConnected;
    result.fd = socket_.release();
  }
  timer_.cancel();
  finish(std::move(result));
}

void Dial::finish(DialResult result) {
  if (finished_) return;
  finished_ = true;
  // Always asynchronous, so start() never calls back into its caller: a timer due now runs
  // after the current batch, and is cancelled with the Dial.
  auto shared = std::make_shared<DialResult>(std::move(result));
  timer_.arm(ctx_.loop.now(), [this, shared] {
    Done done = std::move(done_);
    done(std::move(*shared));  // may destroy *this
  });
}

std::string describe_dial_failure(const DialResult& result) {
  switch (result.status) {
    case DialResult::Status::kConnected:
    case DialResult::Status::kReused:
      return "connected";
    case DialResult::Status::kRefused:
      return result.refusal.reason;
    case DialResult::Status::kResolveFailed:
    case DialResult::Status::kConnectFailed:
    case DialResult::Status::kTimedOut:
      return result.message;
  }
  return result.message;
}

}  // namespace cordon::net
