// Small socket helpers shared by the egress benchmark's programs (origin, tunnel and latency
// clients). Failures end the program: a benchmark has nothing to measure after them.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace cordon::bench {

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::exit(1);
}

[[noreturn]] inline void die_errno(const std::string& what) {
  die(what + ": " + std::strerror(errno));
}

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "HOST:PORT" (no brackets: the benchmark runs on IPv4 loopback only).
inline HostPort parse_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) die("expected HOST:PORT, got \"" + text + "\"");
  const long port = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  if (port <= 0 || port > 65535) die("bad port in \"" + text + "\"");
  return {text.substr(0, colon), static_cast<uint16_t>(port)};
}

inline sockaddr_in ipv4_address(const HostPort& where) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(where.port);
  if (::inet_pton(AF_INET, where.host.c_str(), &a.sin_addr) != 1) {
    die("not an IPv4 address: " + where.host);
  }
  return a;
}

inline void set_nodelay(int fd) {
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A blocking TCP connection with Nagle off (requests and tunnel handshakes are small writes).
inline UniqueFd connect_tcp(const HostPort& where) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) die_errno("socket");
  const sockaddr_in a = ipv4_address(where);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    die_errno("connect " + where.host + ":" + std::to_string(where.port));
  }
  set_nodelay(fd.get());
  return fd;
}

inline void send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_errno("send");
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

inline void send_all(int fd, std::string_view text) {
  send_all(fd, text.data(), text.size());
}

// Reads up to the end of a response head ("\r\n\r\n"). Bytes after the head that arrived in the
// same read stay in `buffer` after the returned head. Returns false on EOF before any byte.
inline bool read_head(int fd, std::string& buffer, std::string& head) {
  char chunk[16 * 1024];
  for (;;) {
    if (auto end = buffer.find("\r\n\r\n"); end != std::string::npos) {
      head = buffer.substr(0, end + 4);
      buffer.erase(0, end + 4);
      return true;
    }
    if (buffer.size() > 64 * 1024) die("response head too long");
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_errno("recv");
    }
    if (n == 0) {
      if (buffer.empty()) return false;
      die("connection closed inside a response head");
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

// The status code of an HTTP response head, 0 if it does not parse.
inline int status_code(std::string_view head) {
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return 0;
  const auto space = head.find(' ');
  if (space == std::string_view::npos) return 0;
  return std::atoi(std::string(head.substr(space + 1, 3)).c_str());
}

inline char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The value of header `name` (lower case) in a head, or "" when absent.
inline std::string header_value(std::string_view head, std::string_view name) {
  size_t line = head.find("\r\n");
  while (line != std::string_view::npos && line + 2 < head.size()) {
    const size_t start = line + 2;
    const size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos || end == start) break;
    const std::string_view field = head.substr(start, end - start);
    if (field.size() > name.size() && field[name.size()] == ':') {
      bool same = true;
      for (size_t i = 0; i < name.size() && same; ++i) same = lower(field[i]) == name[i];
      if (same) {
        std::string_view value = field.substr(name.size() + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
          value.remove_prefix(1);
        }
        return std::string(value);
      }
    }
    line = end;
  }
  return "";
}

inline bool contains_token(std::string value, std::string_view token) {
  for (char& c : value) c = lower(c);
  return value.find(token) != std::string::npos;
}

}  // namespace cordon::bench
