// The egress benchmark's tunnel client: pushes (or pulls) N bytes through a CONNECT tunnel to
// the origin's sink, or straight to the sink for the baseline; or holds many idle tunnels open
// while the benchmark reads the proxy's memory.
//
// Usage:
//   cordon-bench-tunnel throughput --sink 127.0.0.1:PORT [--proxy 127.0.0.1:PORT
//       --target HOST:PORT [--auth "Basic ..."]] [--bytes N] [--direction up|down]
//       [--warmup BYTES] [--seconds S]
//     prints {"bytes": N, "seconds": S, "gbytes_per_s": R} (GB = 1e9 bytes). With --seconds,
//     transfers of --bytes each repeat until S seconds have passed (every peer then gets the
//     same time, however slow it is).
//   cordon-bench-tunnel idle --proxy 127.0.0.1:PORT --target HOST:PORT [--auth ...] --count N
//     opens N tunnels, prints "ready N" once every one got its 200, then waits for stdin to close.
//
// The sink protocol is in origin.cpp. Timing starts after the tunnel is up (the CONNECT and its
// 200 are outside it) and ends when the last byte is acknowledged ('U') or received ('D').
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <vector>

#include "bench_net.h"

namespace {

using cordon::UniqueFd;
using cordon::bench::die;
using cordon::bench::die_errno;
using cordon::bench::HostPort;

struct Options {
  std::string mode;
  HostPort sink;
  HostPort proxy;
  std::string target;  // CONNECT authority
  std::string auth;    // Proxy-Authorization value
  uint64_t bytes = 2ull << 30;
  uint64_t warmup = 64ull << 20;
  bool up = true;
  int count = 1000;
  double seconds = 0;
};

// Opens the path to the sink: a CONNECT tunnel when a proxy is given, else a direct connection.
UniqueFd open_path(const Options& o) {
  if (o.proxy.port == 0) return cordon::bench::connect_tcp(o.sink);
  UniqueFd fd = cordon::bench::connect_tcp(o.proxy);
  std::string request = "CONNECT " + o.target + " HTTP/1.1\r\nHost: " + o.target + "\r\n";
  if (!o.auth.empty()) request += "Proxy-Authorization: " + o.auth + "\r\n";
  request += "\r\n";
  cordon::bench::send_all(fd.get(), request);
  std::string buffer, head;
  if (!cordon::bench::read_head(fd.get(), buffer, head)) die("the proxy closed the CONNECT");
  if (cordon::bench::status_code(head) != 200) die("CONNECT refused: " + head);
  if (!buffer.empty()) die("bytes after the CONNECT's 200 before any were sent");
  return fd;
}

void send_header(int fd, char op, uint64_t n) {
  char header[9];
  header[0] = op;
  for (int i = 1; i <= 8; ++i) {
    header[i] = static_cast<char>(n & 0xff);
    n >>= 8;
  }
  cordon::bench::send_all(fd, header, sizeof header);
}

void transfer(int fd, uint64_t bytes, bool up, std::vector<char>& buffer) {
  send_header(fd, up ? 'U' : 'D', bytes);
  uint64_t left = bytes;
  if (up) {
    while (left > 0) {
      const size_t size = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
      cordon::bench::send_all(fd, buffer.data(), size);
      left -= size;
    }
    char ack = 0;
    const ssize_t n = ::recv(fd, &ack, 1, MSG_WAITALL);
    if (n != 1 || ack != 'K') die("no acknowledgement from the sink");
    return;
  }
  while (left > 0) {
    const size_t size = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
    const ssize_t n = ::recv(fd, buffer.data(), size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("recv");
    if (n == 0) die("the tunnel closed after " + std::to_string(bytes - left) + " bytes");
    left -= static_cast<uint64_t>(n);
  }
}

int throughput(const Options& o) {
  UniqueFd fd = open_path(o);
  std::vector<char> buffer(1 << 20, 'u');
  if (o.warmup > 0) transfer(fd.get(), o.warmup, o.up, buffer);
  const auto start = std::chrono::steady_clock::now();
  uint64_t moved = 0;
  double seconds = 0;
  do {
    transfer(fd.get(), o.bytes, o.up, buffer);
    moved += o.bytes;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (seconds < o.seconds);
  std::printf("{\"bytes\": %llu, \"seconds\": %.6f, \"gbytes_per_s\": %.4f}\n",
              static_cast<unsigned long long>(moved), seconds,
              static_cast<double>(moved) / seconds / 1e9);
  return 0;
}

int idle(const Options& o) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
  std::vector<UniqueFd> tunnels;
  tunnels.reserve(static_cast<size_t>(o.count));
  for (int i = 0; i < o.count; ++i) tunnels.push_back(open_path(o));
  std::printf("ready %d\n", o.count);
  std::fflush(stdout);
  char byte;
  while (::read(0, &byte, 1) > 0) {
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: cordon-bench-tunnel throughput|idle [--sink A:P] [--proxy A:P --target H:P "
      "[--auth VALUE]] [--bytes N] [--warmup N] [--seconds S] [--direction up|down] [--count N]";
  if (argc < 2) die(usage);
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; i += 2) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) die(usage);
    const std::string value = argv[i + 1];
    if (arg == "--sink") {
      o.sink = cordon::bench::parse_host_port(value);
    } else if (arg == "--proxy") {
      o.proxy = cordon::bench::parse_host_port(value);
    } else if (arg == "--target") {
      o.target = value;
    } else if (arg == "--auth") {
      o.auth = value;
    } else if (arg == "--bytes") {
      o.bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--warmup") {
      o.warmup = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--direction") {
      if (value != "up" && value != "down") die(usage);
      o.up = value == "up";
    } else if (arg == "--seconds") {
      o.seconds = std::strtod(value.c_str(), nullptr);
    } else if (arg == "--count") {
      o.count = std::atoi(value.c_str());
    } else {
      die(usage);
    }
  }
  if (o.mode == "throughput") {
    if (o.sink.port == 0 && o.proxy.port == 0) die(usage);
    return throughput(o);
  }
  if (o.mode == "idle") {
    if (o.proxy.port == 0 || o.target.empty()) die(usage);
    return idle(o);
  }
  die(usage);
}
