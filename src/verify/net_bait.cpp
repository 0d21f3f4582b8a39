// The verify origin and the canary service: one poll loop on a thread of cordon's.
#include "verify/net_bait.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "base/signal_scope.h"
#include "verify/spec.h"

namespace cordon::verify {
namespace {

constexpr int kBacklog = 64;
constexpr size_t kMaxConnections = 64;  // more are closed at once: verify makes a few dozen
constexpr size_t kMaxHead = 16 * 1024;
constexpr int64_t kConnectionMs = 5000;  // an idle connection is closed after this

int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A listening TCP socket on `family`'s loopback at `port` (0: the kernel picks).
Result<UniqueFd> listen_loopback(int family, uint16_t port) {
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Error::system(family == AF_INET6 ? "socket(AF_INET6)" : "socket(AF_INET)");
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET6) {
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    in6->sin6_port = htons(port);
    len = sizeof *in6;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    in->sin_port = htons(port);
    len = sizeof *in;
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return Error::system(std::string("bind ") + (family == AF_INET6 ? "[::1]:" : "127.0.0.1:") +
                         std::to_string(port));
  }
  if (::listen(fd.get(), kBacklog) != 0) return Error::system("listen");
  return fd;
}

uint16_t bound_port(const UniqueFd& fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);  // same offset in sockaddr_in6
}

void send_some(int fd, std::string_view data) {
  // Best effort: the answers are small and the socket buffer is empty when they go out.
  (void)::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// The value of header `name` in a request head (the first one), trimmed.
std::optional<std::string> header_value(std::string_view head, std::string_view name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos) {
    size_t start = pos + 2;
    pos = head.find("\r\n", start);
    std::string_view line = head.substr(start, pos == std::string_view::npos ? pos : pos - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !iequals(line.substr(0, colon), name)) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return std::string(value);
  }
  return std::nullopt;
}

size_t content_length(std::string_view head) {
  auto value = header_value(head, "content-length");
  if (!value || value->empty() || value->size() > 9) return 0;
  size_t n = 0;
  for (char c : *value) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

struct Connection {
  enum class Mode { kFirstBytes, kHttp, kEcho, kDraining };
  UniqueFd fd;
  Mode mode = Mode::kFirstBytes;
  std::string head;
  size_t skip = 0;  // body bytes of the last request still to come (and be ignored)
  int64_t deadline = 0;
};

// Answers every complete request in `c.head`; false once the connection should end.
bool answer_requests(Connection& c, const std::string& marker) {
  for (;;) {
    size_t skipped = std::min(c.skip, c.head.size());
    c.head.erase(0, skipped);
    c.skip -= skipped;
    if (c.skip > 0) return true;
    size_t end = c.head.find("\r\n\r\n");
    if (end == std::string::npos && c.head.size() < kMaxHead) return true;
    const std::string head = c.head.substr(0, end);
    c.head.erase(0, end == std::string::npos ? c.head.size() : end + 4);
    const bool keep_alive = end != std::string::npos && origin_keeps_alive(head);
    send_some(c.fd.get(), origin_http_answer(marker, head, keep_alive));
    if (!keep_alive) return false;
    c.skip = content_length(head);
  }
}

// Reads what the peer sent and answers it; false when the connection is finished.
bool serve_connection(Connection& c, const std::string& marker) {
  char buf[4096];
  ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return false;
  std::string_view data(buf, static_cast<size_t>(n));
  c.deadline = monotonic_ms() + kConnectionMs;
  if (c.mode == Connection::Mode::kFirstBytes) {
    // HTTP requests start with an upper-case method; anything else (a ClientHello) is echoed.
    c.mode = data.front() >= 'A' && data.front() <= 'Z' ? Connection::Mode::kHttp
                                                        : Connection::Mode::kEcho;
    if (c.mode == Connection::Mode::kEcho) send_some(c.fd.get(), marker + " echo\n");
  }
  switch (c.mode) {
    case Connection::Mode::kEcho:
      send_some(c.fd.get(), data);
      return true;
    case Connection::Mode::kHttp:
      c.head.append(data);
      if (!answer_requests(c, marker)) {
        // Half-close and read on until the peer closes: closing with unread bytes would reset
        // the connection and could take the answer with it.
        ::shutdown(c.fd.get(), SHUT_WR);
        c.mode = Connection::Mode::kDraining;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace

bool origin_keeps_alive(std::string_view request_head) {
  std::string_view request_line = request_head.substr(0, request_head.find("\r\n"));
  if (request_line.size() < 8 || request_line.substr(request_line.size() - 8) != "HTTP/1.1") {
    return false;
  }
  if (header_value(request_head, "transfer-encoding")) return false;  // bodies it cannot skip
  auto connection = header_value(request_head, "connection");
  return !connection || !iequals(*connection, "close");
}

std::string origin_http_answer(const std::string& marker, std::string_view request_head,
                               bool keep_alive) {
  const std::string body =
      marker + "\nhost: " + header_value(request_head, "host").value_or("") + "\n";
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") +
         "\r\n\r\n" + body;
}

Result<std::unique_ptr<NetBait>> NetBait::start(std::string marker) {
  std::unique_ptr<NetBait> bait(new NetBait());
  bait->marker_ = std::move(marker);
  CORDON_ASSIGN_OR_RETURN(bait->origin_, listen_loopback(AF_INET, 0));
  bait->origin_port_ = bound_port(bait->origin_);

  // The canary on 127.0.0.1 and [::1] at the same port, so that every spelling of loopback a
  // broken proxy might dial finds it. A machine without IPv6 gets the IPv4 one only.
  for (int attempt = 0;; ++attempt) {
    CORDON_ASSIGN_OR_RETURN(UniqueFd v4, listen_loopback(AF_INET, 0));
    const uint16_t port = bound_port(v4);
    auto v6 = listen_loopback(AF_INET6, port);
    if (v6.ok() || (v6.error().sys_errno() != EADDRINUSE) || attempt == 16) {
      bait->canary_v4_ = std::move(v4);
      bait->canary_port_ = port;
      if (v6.ok()) bait->canary_v6_ = std::move(*v6);
      break;
    }
  }

  CORDON_ASSIGN_OR_RETURN(bait->wake_, Wakeup::create());
  NetBait* self = bait.get();
  bait->thread_ = quiet_thread([self] { self->serve(); });
  return bait;
}

NetBait::~NetBait() {
  stop();
}

void NetBait::stop() {
  if (!thread_.joinable()) return;
  wake_.poke();
  thread_.join();
  origin_.reset();
  canary_v4_.reset();
  canary_v6_.reset();
}

void NetBait::serve() {
  std::vector<Connection> connections;
  const int canaries[] = {canary_v4_.get(), canary_v6_.get()};
  for (;;) {
    std::vector<pollfd> fds = {{wake_.fd(), POLLIN, 0},
                               {origin_.get(), POLLIN, 0},
                               {canaries[0], POLLIN, 0},
                               {canaries[1], POLLIN, 0}};  // fd -1 is ignored by poll
    int64_t now = monotonic_ms(), next = now + 1000;
    for (const Connection& c : connections) {
      fds.push_back({c.fd.get(), POLLIN, 0});
      next = std::min(next, c.deadline);
    }
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(next - now, 0)));
    if (n < 0 && errno != EINTR) return;
    if ((fds[0].revents & POLLIN) != 0) return;

    // Connections first: their indexes in `fds` are still those of `connections`.
    now = monotonic_ms();
    for (size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      bool keep = c.deadline > now;
      if (keep && fds[4 + i].revents != 0) keep = serve_connection(c, marker_);
      if (!keep) c.fd.reset();
    }
    std::erase_if(connections, [](const Connection& c) { return !c.fd; });

    if ((fds[1].revents & POLLIN) != 0) {
      while (true) {
        UniqueFd fd(::accept4(origin_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!fd) break;
        ++origin_connections_;
        if (connections.size() >= kMaxConnections) continue;
        connections.push_back({.fd = std::move(fd),
                               .mode = Connection::Mode::kFirstBytes,
                               .deadline = monotonic_ms() + kConnectionMs});
      }
    }
    for (int k : {2, 3}) {
      if ((fds[k].revents & POLLIN) == 0) continue;
      while (true) {
        UniqueFd fd(::accept4(canaries[k - 2], nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!fd) break;
        ++canary_connections_;
        send_some(fd.get(), std::string(kCanaryReply) + "\n");
        ::shutdown(fd.get(), SHUT_WR);
        // Drained like the origin's connections, so that the reply is not lost to a reset.
        if (connections.size() >= kMaxConnections) continue;
        connections.push_back({.fd = std::move(fd),
                               .mode = Connection::Mode::kDraining,
                               .deadline = monotonic_ms() + kConnectionMs});
      }
    }
  }
}

}  // namespace cordon::verify
