// Socket helpers for the probe's network attacks (see probe_network_io.h).
#include "verify/probe_network_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "verify/probe_util.h"

namespace cordon::verify::probe::netio {
namespace {

int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t g_deadline_ms = 0;

// Waits for `events` on `fd` until `deadline`; the revents, 0 on timeout.
short wait_for(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) return 0;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return p.revents;
    if (n == 0) return 0;
    if (errno != EINTR) return POLLERR;
  }
}

std::string printable(std::string_view data, size_t max = 60) {
  std::string out;
  for (unsigned char c : data.substr(0, max)) {
    if (c == '\r') continue;
    out += c == '\n' ? '|' : (c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  }
  if (data.size() > max) out += "...";
  return out;
}

}  // namespace

std::optional<Endpoint> endpoint(const std::string& ip, uint16_t port) {
  Endpoint e;
  auto* in = reinterpret_cast<sockaddr_in*>(&e.storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&e.storage);
  if (::inet_pton(AF_INET, ip.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    e.size = sizeof *in;
    return e;
  }
  e.storage = {};
  if (::inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    e.size = sizeof *in6;
    return e;
  }
  return std::nullopt;
}

Endpoint loopback(uint16_t port) {
  return *endpoint("127.0.0.1", port);
}

void start_budget(int total_ms) {
  g_deadline_ms = monotonic_ms() + total_ms;
}

int wait_ms(int ms) {
  int64_t left = g_deadline_ms - monotonic_ms();
  return static_cast<int>(std::clamp<int64_t>(left, 0, ms));
}

bool budget_spent() {
  return g_deadline_ms - monotonic_ms() <= 0;
}

bool local_failure(int err) {
  return one_of(err, {ENETUNREACH, EACCES, EPERM, EAFNOSUPPORT, EADDRNOTAVAIL});
}

std::string Connection::describe() const {
  if (ok()) return "connected";
  if (timed_out) return "connect still in progress when the wait ended";
  return errno_name(err);
}

Connection connect_tcp(const Endpoint& to, int timeout_ms) {
  Connection c;
  UniqueFd fd(::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    c.err = errno;
    return c;
  }
  if (::connect(fd.get(), to.addr(), to.size) != 0) {
    if (errno != EINPROGRESS) {
      c.err = errno;
      return c;
    }
    short revents = wait_for(fd.get(), POLLOUT, monotonic_ms() + wait_ms(timeout_ms));
    if (revents == 0) {
      c.timed_out = true;
      return c;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      c.err = err;
      return c;
    }
  }
  c.fd = std::move(fd);
  return c;
}

int send_all(int fd, std::string_view data) {
  const int64_t deadline = monotonic_ms() + wait_ms(2000);
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (wait_for(fd, POLLOUT, deadline) == 0) return ETIMEDOUT;
      continue;
    }
    return n < 0 ? errno : EPIPE;
  }
  return 0;
}

std::string Received::describe() const {
  std::string how = eof         ? "EOF"
                    : err != 0  ? errno_name(err)
                    : timed_out ? "still open when the wait ended"
                                : "enough";
  if (data.empty()) return how + ", 0 bytes";
  return how + " after " + std::to_string(data.size()) + " bytes: \"" + printable(data) + "\"";
}

Received receive(int fd, int timeout_ms, const std::function<bool(const std::string&)>& enough,
                 size_t limit) {
  return receive_more(fd, {}, timeout_ms, enough, limit);
}

Received receive_more(int fd, std::string early, int timeout_ms,
                      const std::function<bool(const std::string&)>& enough, size_t limit) {
  Received r;
  r.data = std::move(early);
  const int64_t deadline = monotonic_ms() + wait_ms(timeout_ms);
  while (r.data.size() < limit) {
    if (enough && enough(r.data)) return r;
    short revents = wait_for(fd, POLLIN, deadline);
    if (revents == 0) {
      r.timed_out = true;
      return r;
    }
    char buf[4096];
    ssize_t n = ::recv(fd, buf, std::min(sizeof buf, limit - r.data.size()), 0);
    if (n > 0) {
      r.data.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      r.eof = true;
      return r;
    } else if (errno != EINTR && errno != EAGAIN) {
      r.err = errno;
      return r;
    }
  }
  return r;
}

bool http_response_complete(const std::string& data) {
  wire::HttpHead head = wire::parse_http_head(data);
  if (!head.complete) return false;
  auto length = head.content_length();
  return length && data.size() >= head.head_size + *length;
}

std::string HttpExchange::describe() const {
  if (head.status == 0) {
    // The connection is moved out once a CONNECT succeeds, so look at it only without a head.
    if (!connection.ok()) return connection.describe() + " (connect to the proxy)";
    if (send_err != 0 && received.data.empty()) return "send: " + errno_name(send_err);
    return "no HTTP answer: " + received.describe();
  }
  std::string out = std::to_string(head.status);
  if (auto denied = head.header("x-cordon-denied")) {
    out += " (X-Cordon-Denied: " + printable(*denied, 50) + ")";
  }
  return out;
}

HttpExchange http_request(uint16_t proxy_port, std::string_view request, int timeout_ms) {
  HttpExchange x;
  x.connection = connect_tcp(loopback(proxy_port), timeout_ms);
  if (!x.connection.ok()) return x;
  x.send_err = send_all(x.connection.fd.get(), request);
  // A proxy that refuses may answer and close before the whole request is sent: read anyway.
  x.received = receive(x.connection.fd.get(), timeout_ms, http_response_complete);
  x.head = wire::parse_http_head(x.received.data);
  return x;
}

Tunnel http_connect(uint16_t proxy_port, const std::string& authority, int timeout_ms) {
  Tunnel t;
  HttpExchange& x = t.exchange;
  x.connection = connect_tcp(loopback(proxy_port), timeout_ms);
  if (!x.connection.ok()) return t;
  x.send_err = send_all(x.connection.fd.get(),
                        "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
  // Only the head: on 200 whatever follows belongs to the tunnel.
  x.received = receive(x.connection.fd.get(), timeout_ms, [](const std::string& data) {
    wire::HttpHead head = wire::parse_http_head(data);
    return head.complete && (head.status == 200 || http_response_complete(data));
  });
  x.head = wire::parse_http_head(x.received.data);
  if (x.head.status == 200) {
    t.fd = std::move(x.connection.fd);
    t.early = x.received.data.substr(x.head.head_size);
  }
  return t;
}

std::string SocksExchange::describe() const {
  if (reply >= 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(reply & 0xff));
    return std::string("reply ") + hex;
  }
  return error;
}

SocksExchange socks_request(uint16_t socks_port, const wire::Bytes& request, int timeout_ms) {
  SocksExchange s;
  Connection c = connect_tcp(loopback(socks_port), timeout_ms);
  if (!c.ok()) {
    s.error = c.describe() + " (connect to the SOCKS5 listener)";
    return s;
  }
  if (int err = send_all(c.fd.get(), wire::to_string(wire::socks_greeting())); err != 0) {
    s.error = "greeting: " + errno_name(err);
    return s;
  }
  Received method = receive(
      c.fd.get(), timeout_ms, [](const std::string& d) { return d.size() >= 2; }, 2);
  if (method.data.size() < 2) {
    s.error = "no method choice: " + method.describe();
    return s;
  }
  if (method.data[0] != 5 || method.data[1] != 0) {
    s.error = "method choice \"" + wire::hex(method.data) + "\"";
    return s;
  }
  int err = send_all(c.fd.get(), wire::to_string(request));
  Received reply = receive(
      c.fd.get(), timeout_ms,
      [](const std::string& d) { return wire::socks_reply_size(d).value_or(1) != 0; }, 262);
  auto size = wire::socks_reply_size(reply.data);
  if (!size || *size == 0) {
    s.error = (err != 0 ? "request: " + errno_name(err) + "; " : std::string()) +
              "no complete reply: " + reply.describe();
    return s;
  }
  s.reply = static_cast<uint8_t>(reply.data[1]);
  if (s.reply == 0) {
    s.fd = std::move(c.fd);
    s.early = reply.data.substr(*size);
  }
  return s;
}

std::string DnsExchange::describe() const {
  if (err != 0) return errno_name(err);
  if (timed_out) return "no answer in time";
  if (!answer) return "no answer";
  if (!answer->valid) return "malformed answer: " + answer->error;
  std::string out = std::string(wire::rcode_name(answer->rcode)) + ", " +
                    std::to_string(answer->answer_count) + " answer(s)";
  for (const auto& a : answer->a_records) out += ", A " + wire::ipv4_text(a);
  return out;
}

DnsExchange dns_udp(const Endpoint& server, std::string_view name, uint16_t type, int timeout_ms) {
  DnsExchange x;
  UniqueFd fd(::socket(server.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    x.err = errno;
    return x;
  }
  static uint16_t next_id = 0x5a00;
  const uint16_t id = ++next_id;
  wire::Bytes query = wire::dns_query(id, name, type);
  if (::sendto(fd.get(), query.data(), query.size(), 0, server.addr(), server.size) < 0) {
    x.err = errno;
    return x;
  }
  const int64_t deadline = monotonic_ms() + wait_ms(timeout_ms);
  for (;;) {
    if (wait_for(fd.get(), POLLIN, deadline) == 0) {
      x.timed_out = true;
      return x;
    }
    uint8_t buf[1500];
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      x.err = errno;  // ECONNREFUSED: nothing listens where the datagram went
      return x;
    }
    wire::DnsAnswer answer = wire::parse_dns_answer({buf, static_cast<size_t>(n)});
    if (answer.valid && answer.id != id) continue;  // not ours
    x.answer = std::move(answer);
    return x;
  }
}

Silence silent_close(const Endpoint& to, std::string_view payload, int timeout_ms) {
  Silence s;
  Connection c = connect_tcp(to, timeout_ms);
  if (!c.ok()) {
    s.connect_err = c.err;
    s.timed_out = c.timed_out;
    s.got = c.describe() + " (connect)";
    return s;
  }
  s.connected = true;
  int err = send_all(c.fd.get(), payload);
  Received r = receive(c.fd.get(), timeout_ms);
  s.closed_silently = r.data.empty() && !r.timed_out;
  s.got = "connected, " + std::string(err != 0 ? "send " + errno_name(err) + ", " : "") + "then " +
          r.describe();
  return s;
}

std::string absolute_get(const std::string& authority, const std::string& path) {
  return "GET http://" + authority + path + " HTTP/1.1\r\nHost: " + authority +
         "\r\nUser-Agent: cordon-probe\r\nConnection: close\r\n\r\n";
}

}  // namespace cordon::verify::probe::netio
