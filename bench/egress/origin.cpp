// The egress benchmark's origin on 127.0.0.1: a fast epoll HTTP/1.1 server and a raw TCP
// sink/source for tunnel throughput. It must never be what a proxied figure measures.
//
// HTTP: keep-alive (HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive),
// pipelining, request targets in origin form or absolute form. GET /big/N answers N bytes;
// every other path answers a fixed body of --body bytes.
//
// Sink/source (one connection may carry several transfers, and may sit idle as long as it
// likes): the client sends one byte 'U' or 'D' and a little-endian uint64 N. 'U': the client
// then sends N bytes, which are discarded, and the origin answers one byte 'K' after the last
// one arrived. 'D': the origin sends N bytes.
//
// Usage: cordon-bench-origin [--http PORT] [--sink PORT] [--body BYTES] [--threads N]
// Prints "http PORT sink PORT" once it listens (port 0 picks free ports); SIGTERM ends it.
#include <sys/epoll.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_net.h"

namespace {

using cordon::UniqueFd;
using cordon::bench::contains_token;
using cordon::bench::die;
using cordon::bench::die_errno;
using cordon::bench::header_value;

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kChunk = 256 * 1024;

// Zeros to stream (/big and 'D'): never written, shared by all threads.
const std::vector<char> kZeros(kChunk, 'x');

UniqueFd listen_tcp(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) die_errno("socket");
  int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  const sockaddr_in a = cordon::bench::ipv4_address({"127.0.0.1", port});
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    die_errno("bind 127.0.0.1:" + std::to_string(port));
  }
  if (::listen(fd.get(), 4096) != 0) die_errno("listen");
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t size = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) != 0) die_errno("getsockname");
  return ntohs(a.sin_port);
}

struct Conn {
  UniqueFd fd;
  bool sink = false;
  std::string in;   // HTTP: bytes not yet parsed
  std::string out;  // bytes to send before `stream_left`
  size_t out_sent = 0;
  uint64_t stream_left = 0;  // /big body or 'D' bytes still to send
  bool close_after = false;  // HTTP: close once the output is flushed
  uint64_t skip_body = 0;    // HTTP: request body bytes to discard
  // Sink: the 9-byte transfer header being collected, then the upload's remaining bytes.
  char header[9] = {};
  size_t header_have = 0;
  uint64_t up_left = 0;
  bool uploading = false;
  uint32_t interest = 0;  // what epoll waits for now
};

class Worker {
 public:
  Worker(UniqueFd http, UniqueFd sink, size_t body)
      : http_(std::move(http)), sink_(std::move(sink)), scratch_(kChunk) {
    const std::string text(body, 'o');
    small_keep_ =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body) +
        "\r\n\r\n" + text;
    small_close_ =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body) +
        "\r\nConnection: close\r\n\r\n" + text;
  }

  void run() {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) die_errno("epoll_create1");
    add(http_.get(), EPOLLIN);
    add(sink_.get(), EPOLLIN);
    epoll_event events[256];
    for (;;) {
      const int n = ::epoll_wait(epoll_.get(), events, 256, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        die_errno("epoll_wait");
      }
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == http_.get() || fd == sink_.get()) {
          accept_all(fd, fd == sink_.get());
          continue;
        }
        Conn* c = fd < static_cast<int>(conns_.size()) ? conns_[fd].get() : nullptr;
        if (c == nullptr) continue;
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
          if (!readable(*c)) {
            close(fd);
            continue;
          }
        }
        if (!drive(*c)) close(fd);
      }
    }
  }

 private:
  void add(int fd, uint32_t interest) {
    epoll_event e{};
    e.events = interest;
    e.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &e) != 0) die_errno("epoll_ctl add");
  }

  void want(Conn& c, uint32_t interest) {
    if (c.interest == interest) return;
    epoll_event e{};
    e.events = interest;
    e.data.fd = c.fd.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &e) != 0) die_errno("epoll_ctl");
    c.interest = interest;
  }

  void close(int fd) { conns_[fd].reset(); }

  void accept_all(int listener, bool sink) {
    for (;;) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
        if (errno == EMFILE || errno == ENFILE) die_errno("accept (raise the fd limit)");
        die_errno("accept");
      }
      if (!sink) cordon::bench::set_nodelay(fd);
      if (static_cast<size_t>(fd) >= conns_.size()) conns_.resize(fd + 1024);
      auto c = std::make_unique<Conn>();
      c->fd.reset(fd);
      c->sink = sink;
      c->interest = EPOLLIN;
      add(fd, EPOLLIN);
      conns_[fd] = std::move(c);
    }
  }

  // One recv per readiness report (epoll is level-triggered). False: the peer is gone.
  bool readable(Conn& c) {
    const ssize_t n = ::recv(c.fd.get(), scratch_.data(), scratch_.size(), 0);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (n == 0) return false;
    if (c.sink) return sink_bytes(c, scratch_.data(), static_cast<size_t>(n));
    c.in.append(scratch_.data(), static_cast<size_t>(n));
    return c.in.size() <= kMaxHead + kChunk;
  }

  bool sink_bytes(Conn& c, const char* data, size_t size) {
    while (size > 0) {
      if (c.uploading) {
        const uint64_t take = std::min<uint64_t>(c.up_left, size);
        c.up_left -= take;
        data += take;
        size -= take;
        if (c.up_left == 0) {
          c.uploading = false;
          c.out += 'K';
        }
        continue;
      }
      if (c.stream_left > 0) return false;  // the client talks during a download: protocol error
      const size_t take = std::min(size, sizeof c.header - c.header_have);
      std::memcpy(c.header + c.header_have, data, take);
      c.header_have += take;
      data += take;
      size -= take;
      if (c.header_have < sizeof c.header) break;
      c.header_have = 0;
      uint64_t n = 0;
      for (int i = 8; i >= 1; --i) n = (n << 8) | static_cast<unsigned char>(c.header[i]);
      if (c.header[0] == 'U') {
        c.uploading = n > 0;
        c.up_left = n;
        if (n == 0) c.out += 'K';
      } else if (c.header[0] == 'D') {
        c.stream_left = n;
      } else {
        return false;
      }
    }
    return true;
  }

  // Parses the complete requests in `in` while the output is not backed up.
  bool parse_requests(Conn& c) {
    while (c.stream_left == 0 && !c.close_after && c.out.size() - c.out_sent < kChunk) {
      if (c.skip_body > 0) {
        const uint64_t take = std::min<uint64_t>(c.skip_body, c.in.size());
        c.in.erase(0, take);
        c.skip_body -= take;
        if (c.skip_body > 0) break;
      }
      const size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return c.in.size() <= kMaxHead;
      const std::string_view head(c.in.data(), end + 4);
      const size_t line_end = head.find("\r\n");
      const std::string_view line = head.substr(0, line_end);
      const size_t sp1 = line.find(' ');
      const size_t sp2 = line.rfind(' ');
      if (sp1 == std::string_view::npos || sp2 <= sp1) return false;
      std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      const std::string_view version = line.substr(sp2 + 1);
      if (target.substr(0, 7) == "http://") {
        const size_t slash = target.find('/', 7);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      }
      const std::string connection = header_value(head, "connection");
      const bool close = version == "HTTP/1.0" ? !contains_token(connection, "keep-alive")
                                               : contains_token(connection, "close");
      const std::string length = header_value(head, "content-length");
      c.skip_body = length.empty() ? 0 : std::strtoull(length.c_str(), nullptr, 10);
      if (target.substr(0, 5) == "/big/") {
        const uint64_t n = std::strtoull(std::string(target.substr(5)).c_str(), nullptr, 10);
        c.out += "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                 std::to_string(n) + (close ? "\r\nConnection: close" : "") + "\r\n\r\n";
        c.stream_left = n;
      } else {
        c.out += close ? small_close_ : small_keep_;
      }
      c.close_after = close;
      c.in.erase(0, end + 4);
    }
    return true;
  }

  // Sends what is pending. Returns 1 when everything went, 0 when the socket is full, -1 on error.
  int flush(Conn& c) {
    while (c.out_sent < c.out.size()) {
      const ssize_t n =
          ::send(c.fd.get(), c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN ? 0 : (errno == EINTR ? flush(c) : -1);
      c.out_sent += static_cast<size_t>(n);
    }
    c.out.clear();
    c.out_sent = 0;
    while (c.stream_left > 0) {
      const size_t size = static_cast<size_t>(std::min<uint64_t>(c.stream_left, kChunk));
      const ssize_t n = ::send(c.fd.get(), kZeros.data(), size, MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN ? 0 : (errno == EINTR ? flush(c) : -1);
      c.stream_left -= static_cast<uint64_t>(n);
    }
    return 1;
  }

  // Parses and sends until the input is used up or the socket is full. False: close it.
  bool drive(Conn& c) {
    for (;;) {
      if (!c.sink && !parse_requests(c)) return false;
      const int flushed = flush(c);
      if (flushed < 0) return false;
      if (flushed == 0) {
        want(c, EPOLLOUT);
        return true;
      }
      if (c.close_after) return false;
      // Requests that were held back while the output was full can go now.
      if (!c.sink && c.in.find("\r\n\r\n") != std::string::npos) continue;
      want(c, EPOLLIN);
      return true;
    }
  }

  UniqueFd http_;
  UniqueFd sink_;
  UniqueFd epoll_;
  std::vector<char> scratch_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::string small_keep_;
  std::string small_close_;
};

}  // namespace

int main(int argc, char** argv) {
  uint16_t http_port = 0;
  uint16_t sink_port = 0;
  size_t body = 128;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc)
      die("usage: cordon-bench-origin [--http PORT] [--sink PORT] "
          "[--body BYTES] [--threads N]");
    const long value = std::strtol(argv[++i], nullptr, 10);
    if (arg == "--http") {
      http_port = static_cast<uint16_t>(value);
    } else if (arg == "--sink") {
      sink_port = static_cast<uint16_t>(value);
    } else if (arg == "--body") {
      body = static_cast<size_t>(value);
    } else if (arg == "--threads") {
      threads = std::max(1, static_cast<int>(value));
    } else {
      die("unknown option " + arg);
    }
  }
  // Every thread has its own listeners on the same ports (SO_REUSEPORT): the kernel spreads
  // connections, and no lock is shared.
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    UniqueFd http = listen_tcp(http_port);
    UniqueFd sink = listen_tcp(sink_port);
    http_port = local_port(http.get());
    sink_port = local_port(sink.get());
    workers.push_back(std::make_unique<Worker>(std::move(http), std::move(sink), body));
  }
  std::printf("http %u sink %u\n", http_port, sink_port);
  std::fflush(stdout);
  std::vector<std::thread> running;
  for (size_t t = 1; t < workers.size(); ++t) running.emplace_back([&, t] { workers[t]->run(); });
  workers[0]->run();
}
