// The review web page's HTTP server thread: connections, reads, limits, writes and the event
// streams' heartbeat; what each request gets is decided by WebRoutes.
#include "review/web_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <list>
#include <optional>

#include "base/log.h"
#include "base/unique_fd.h"
#include "review/channel_thread.h"
#include "review/web_request.h"
#include "review/web_routes.h"

namespace cordon::review {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxConnections = 64;
constexpr size_t kMaxPendingOutput = 1 << 20;
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr auto kHeartbeat = std::chrono::seconds(15);

struct Connection {
  UniqueFd fd;
  std::string in;
  std::string out;
  bool events = false;   // a Server-Sent Events stream: kept open, fed on every change
  bool closing = false;  // close once `out` is written
  SteadyClock::time_point opened = SteadyClock::now();
  SteadyClock::time_point last_write = SteadyClock::now();
};

}  // namespace

struct WebServer::Impl {
  ReviewQueue& queue;
  UniqueFd listener;
  uint16_t port = 0;
  std::optional<WebRoutes> routes;  // made once the port is known
  std::unique_ptr<ChannelThread> channel;
  std::list<Connection> connections;

  explicit Impl(ReviewQueue& q) : queue(q) {}

  Result<void> listen_on(uint16_t wanted) {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener) return Error::system("socket(AF_INET)");
    const int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(wanted);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return Error::system("bind 127.0.0.1:" + std::to_string(wanted));
    }
    if (::listen(listener.get(), 32) != 0) return Error::system("listen");
    socklen_t len = sizeof addr;
    if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return Error::system("getsockname");
    }
    port = ntohs(addr.sin_port);
    routes.emplace(queue, port);
    return Ok{};
  }

  // Parses what has arrived; queues a response once a whole request is there.
  void parse(Connection& c) {
    ParsedWebRequest parsed = parse_web_request(c.in);
    switch (parsed.state) {
      case ParsedWebRequest::State::kIncomplete:
        return;
      case ParsedWebRequest::State::kRefused:
        c.closing = true;
        c.out = WebRoutes::refusal(parsed.status, parsed.error);
        return;
      case ParsedWebRequest::State::kComplete: {
        c.in.clear();
        WebRoutes::Reply reply = routes->route(parsed.request);
        c.out = std::move(reply.bytes);
        c.events = reply.event_stream;
        c.closing = !c.events;
        return;
      }
    }
  }

  void read_from(Connection& c) {
    char buffer[4096];
    bool eof = false;
    for (;;) {
      const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
      if (n > 0) {
        if (!c.events && !c.closing) c.in.append(buffer, static_cast<size_t>(n));
        if (c.in.size() > kMaxWebHead + kMaxWebBody) break;
        continue;
      }
      if (n == 0) {
        eof = true;  // a client may half-close after its request: still answer it
      } else if (errno != EAGAIN && errno != EINTR) {
        c.closing = true;
        c.out.clear();
        c.events = false;
        return;
      }
      break;
    }
    if (!c.events && !c.closing) parse(c);
    if (eof && (c.events || !c.closing)) {
      c.events = false;
      c.closing = true;
      c.out.clear();
    }
  }

  void write_to(Connection& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out.erase(0, static_cast<size_t>(n));
        c.last_write = SteadyClock::now();
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      c.out.clear();
      c.events = false;
      c.closing = true;
      return;
    }
    if (c.closing) ::shutdown(c.fd.get(), SHUT_WR);
  }

  void accept_all() {
    for (;;) {
      UniqueFd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!fd) return;
      if (connections.size() >= kMaxConnections) {
        const std::string busy = WebRoutes::refusal(503, "too many connections");
        [[maybe_unused]] ssize_t n = ::send(fd.get(), busy.data(), busy.size(), MSG_NOSIGNAL);
        continue;
      }
      Connection c;
      c.fd = std::move(fd);
      connections.push_back(std::move(c));
    }
  }

  void run() {
    std::vector<pollfd> fds;
    while (!channel->stopping()) {
      fds.clear();
      fds.push_back({listener.get(), POLLIN, 0});
      fds.push_back({channel->fd(), POLLIN, 0});
      for (Connection& c : connections) {
        fds.push_back({c.fd.get(), static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
      }
      if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
        log::warn("review web page: poll failed");
        return;
      }
      if (fds[1].revents & POLLIN) channel->drain();
      if (channel->stopping()) break;
      std::string message;
      if (channel->take_changed()) message = routes->event_message();
      const auto now = SteadyClock::now();
      size_t index = 2;
      for (auto it = connections.begin(); it != connections.end(); ++index) {
        Connection& c = *it;
        if (fds[index].revents & (POLLIN | POLLHUP | POLLERR)) read_from(c);
        if (c.events && !message.empty()) c.out += message;
        if (c.events && c.out.empty() && now - c.last_write > kHeartbeat) c.out = ": ping\n\n";
        if (!c.out.empty()) write_to(c);
        const bool late = !c.events && now - c.opened > kRequestTimeout;
        if ((c.closing && c.out.empty()) || c.out.size() > kMaxPendingOutput || late) {
          it = connections.erase(it);
        } else {
          ++it;
        }
      }
      if (fds[0].revents & POLLIN) accept_all();
    }
    connections.clear();
  }
};

WebServer::WebServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<WebServer>> WebServer::start(ReviewQueue& queue, uint16_t port) {
  auto impl = std::make_unique<Impl>(queue);
  CORDON_ASSIGN_OR_RETURN(impl->channel, ChannelThread::create());
  CORDON_TRY(impl->listen_on(port));
  Impl* raw = impl.get();
  impl->channel->start(queue, [raw] { raw->run(); });
  return std::unique_ptr<WebServer>(new WebServer(std::move(impl)));
}

WebServer::~WebServer() {
  stop();
}

void WebServer::stop() {
  if (!impl_ || !impl_->channel) return;
  impl_->channel->stop();
  impl_->channel.reset();
  impl_->listener.reset();
}

void WebServer::request_stop() {
  if (impl_ && impl_->channel) impl_->channel->request_stop();
}

uint16_t WebServer::port() const {
  return impl_->port;
}

Result<std::string> WebServer::add_reviewer(const std::string& name) {
  return impl_->routes->add_reviewer(name);
}

}  // namespace cordon::review
