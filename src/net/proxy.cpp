// The proxy engine: its listeners, the accept path with the connection cap, and the loop.
#include "net/proxy.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "base/log.h"
#include "net/dns_stub.h"
#include "net/event_loop.h"
#include "net/host.h"
#include "net/original_destination.h"
#include "net/proxy_context.h"
#include "net/proxy_responses.h"
#include "net/relay_scratch.h"
#include "net/resolver.h"

namespace cordon::net {

const char* to_string(EntryPoint e) {
  switch (e) {
    case EntryPoint::kHttp:
      return "http";
    case EntryPoint::kSocks5:
      return "socks5";
    case EntryPoint::kTransparent:
      return "transparent";
    case EntryPoint::kForward:
      return "forward";
    case EntryPoint::kDns:
      return "dns";
  }
  return "unknown";
}

namespace {

// After accept() fails for want of fds or memory, the listener rests this long instead of
// spinning on a level-triggered event it cannot clear.
constexpr std::chrono::milliseconds kAcceptPause{100};
constexpr int kAcceptsPerEvent = 64;

Result<void> check_listener(const Listener& listener) {
  if (!listener.fd) {
    return Error(Errc::kInvalidInput,
                 std::string("proxy listener (") + to_string(listener.kind) + ") has no socket");
  }
  int type = 0;
  socklen_t length = sizeof(type);
  if (::getsockopt(listener.fd.get(), SOL_SOCKET, SO_TYPE, &type, &length) != 0) {
    return Error::system(std::string("proxy listener (") + to_string(listener.kind) +
                         "): getsockopt SO_TYPE");
  }
  int want = listener.kind == EntryPoint::kDns ? SOCK_DGRAM : SOCK_STREAM;
  if (type != want) {
    return Error(Errc::kInvalidInput, std::string("proxy listener (") + to_string(listener.kind) +
                                          ") is not a " + (want == SOCK_DGRAM ? "UDP" : "TCP") +
                                          " socket");
  }
  if (listener.kind == EntryPoint::kForward) {
    auto authority = split_authority(listener.forward_target, 0);
    if (!authority.ok() || authority->port == 0) {
      return Error(Errc::kInvalidInput,
                   "forward listener: malformed target \"" + listener.forward_target + "\"");
    }
    // split_authority took the brackets off an IPv6 literal.
    auto host = canonicalize_host(authority->host, /*allow_bare_ipv6=*/true);
    if (!host.ok()) {
      return std::move(host).error().context("forward listener target " + listener.forward_target);
    }
  }
  int flags = ::fcntl(listener.fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(listener.fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return Error::system("proxy listener: fcntl O_NONBLOCK");
  }
  return Ok{};
}

}  // namespace

struct Proxy::Impl {
  struct ListenerState {
    EntryPoint kind;
    std::string target;
    WatchedFd fd;
    TimerSlot pause;
  };

  // Declaration order is destruction order reversed: sessions go first, the loop last.
  std::unique_ptr<EventLoop> loop;
  EgressRules rules;
  ProxyOptions options;
  std::unique_ptr<Resolver> resolver;
  SyntheticNames names;
  std::unique_ptr<RelayScratch> scratch;
  HostRoutes routes;
  std::unique_ptr<ProxyContext> context;
  std::vector<std::unique_ptr<ListenerState>> listeners;
  std::vector<std::unique_ptr<DnsStub>> dns;
  std::unordered_map<Session*, std::unique_ptr<Session>> sessions;

  Impl(EgressRules r, ProxyOptions o) : rules(std::move(r)), options(std::move(o)) {}

  ~Impl() {
    for (auto& [raw, session] : sessions) session->abort();
    sessions.clear();
  }

  void release(Session* session) {
    loop->defer([this, session] { sessions.erase(session); });
  }

  void on_accept(ListenerState& listener) {
    for (int i = 0; i < kAcceptsPerEvent; ++i) {
      int fd = ::accept4(listener.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        log::warn(std::string("proxy: accept (") + to_string(listener.kind) +
                  "): " + std::strerror(errno) + "; pausing this listener");
        pause(listener);
        return;
      }
      UniqueFd client(fd);
      if (sessions.size() >= options.limits.max_connections) {
        refuse_over_cap(listener.kind, client);
        continue;
      }
      int one = 1;
      ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::unique_ptr<Session> session;
      switch (listener.kind) {
        case EntryPoint::kHttp:
          session = make_http_session(*context, std::move(client));
          break;
        case EntryPoint::kSocks5:
          session = make_socks5_session(*context, std::move(client));
          break;
        case EntryPoint::kTransparent:
          session = make_transparent_session(*context, std::move(client));
          break;
        case EntryPoint::kForward:
          session = make_forward_session(*context, std::move(client), listener.target);
          break;
        case EntryPoint::kDns:
          return;  // not a TCP listener
      }
      Session* raw = session.get();
      sessions.emplace(raw, std::move(session));
      raw->start();
    }
  }

  void refuse_over_cap(EntryPoint kind, const UniqueFd& client) {
    log::warn("proxy: " + std::to_string(options.limits.max_connections) +
              " connections open; refusing a new one");
    if (kind == EntryPoint::kHttp) {
      std::string response = simple_http_response(
          503, "Service Unavailable",
          "cordon: the proxy has " + std::to_string(options.limits.max_connections) +
              " connections open, its limit; try again when one closes\n");
      (void)!::send(client.get(), response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::shutdown(client.get(), SHUT_WR);
    }
  }

  void pause(ListenerState& listener) {
    if (!listener.fd.set_interest(0)) return;
    listener.pause.arm(loop->now() + kAcceptPause, [this, &listener] {
      if (!listener.fd.set_interest(EPOLLIN)) {
        log::warn("proxy: cannot watch a listener again: " + std::string(std::strerror(errno)));
        pause(listener);
      }
    });
  }
};

Result<std::unique_ptr<Proxy>> Proxy::create(EgressRules rules, std::vector<Listener> listeners,
                                             ProxyOptions options) {
  if (options.limits.max_connections == 0 || options.limits.max_head_bytes == 0 ||
      options.limits.buffer_bytes == 0 || options.limits.tunnel_read_bytes == 0) {
    return Error(Errc::kInvalidInput, "proxy limits must be greater than zero");
  }
  for (const Listener& listener : listeners) {
    CORDON_TRY(check_listener(listener));
    // Transparent, forward and DNS clients have no way to present a token: in standalone mode
    // they would be open to anyone who reaches the port.
    if (!options.client_tokens.empty() && listener.kind != EntryPoint::kHttp &&
        listener.kind != EntryPoint::kSocks5) {
      return Error(Errc::kInvalidInput, std::string("a proxy with client tokens cannot serve a ") +
                                            to_string(listener.kind) +
                                            " listener: its clients cannot authenticate");
    }
  }

  std::unique_ptr<Proxy> proxy(new Proxy());
  proxy->impl_ = std::make_unique<Impl>(std::move(rules), std::move(options));
  Impl& impl = *proxy->impl_;
  CORDON_ASSIGN_OR_RETURN(impl.loop, EventLoop::create());
  CORDON_ASSIGN_OR_RETURN(impl.resolver, Resolver::create(*impl.loop));
  impl.scratch = std::make_unique<RelayScratch>(impl.options.limits.buffer_bytes,
                                                impl.options.limits.tunnel_read_bytes);
  Impl* self = &impl;
  impl.context = std::make_unique<ProxyContext>(
      ProxyContext{*impl.loop, impl.rules, impl.options, *impl.resolver, impl.names, *impl.scratch,
                   impl.routes, [self](Session* session) { self->release(session); },
                   impl.options.original_destination ? impl.options.original_destination
                                                     : socket_original_destination});

  for (Listener& listener : listeners) {
    if (listener.kind == EntryPoint::kDns) {
      auto stub = std::make_unique<DnsStub>(*impl.context, std::move(listener.fd));
      if (!stub->start()) return Error::system("epoll_ctl dns listener");
      impl.dns.push_back(std::move(stub));
      continue;
    }
    auto state = std::make_unique<Impl::ListenerState>();
    state->kind = listener.kind;
    state->target = listener.forward_target;
    state->fd = WatchedFd(*impl.loop, std::move(listener.fd));
    state->pause.bind(*impl.loop);
    Impl::ListenerState* raw = state.get();
    if (!state->fd.watch([self, raw](uint32_t) { self->on_accept(*raw); }) ||
        !state->fd.set_interest(EPOLLIN)) {
      return Error::system("epoll_ctl listener");
    }
    impl.listeners.push_back(std::move(state));
  }
  return proxy;
}

Proxy::~Proxy() = default;

Result<void> Proxy::run() {
  Result<void> result = impl_->loop->run();
  // Stopped: every open connection is closed, and its decision reported with what it moved.
  for (auto& [raw, session] : impl_->sessions) session->abort();
  impl_->sessions.clear();
  if (impl_->options.on_decisions_done) impl_->options.on_decisions_done();
  return result;
}

void Proxy::stop() {
  impl_->loop->stop();
}

}  // namespace cordon::net
