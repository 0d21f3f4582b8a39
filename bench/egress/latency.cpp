// The egress benchmark's latency client: sequential GETs on one kept-alive connection (to a
// proxy with an absolute-form target, or straight to the origin), timed one by one.
//
// Usage: cordon-bench-latency --connect 127.0.0.1:PORT --target URL-OR-PATH --host HOST:PORT
//            [--auth "Basic ..."] [--requests N] [--warmup N]
// Prints {"requests": N, "p50_us": .., "p90_us": .., "p99_us": .., "mean_us": ..,
// "reconnects": R}. A request's time runs from its first byte sent to its response's last byte
// received. When the server closes the connection after a response (tinyproxy does, after every
// one), the next request reconnects and its time includes the connect (and, when the close was
// not announced, the attempt on the closed connection): that is what a client of that proxy pays.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "bench_net.h"

namespace {

using cordon::UniqueFd;
using cordon::bench::die;
using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> sorted, double p) {
  const size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: cordon-bench-latency --connect A:P --target URL --host H:P [--auth VALUE] "
      "[--requests N] [--warmup N]";
  cordon::bench::HostPort connect_to;
  std::string target, host, auth;
  int requests = 20000, warmup = 1000;
  for (int i = 1; i < argc; i += 2) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) die(usage);
    const std::string value = argv[i + 1];
    if (arg == "--connect") {
      connect_to = cordon::bench::parse_host_port(value);
    } else if (arg == "--target") {
      target = value;
    } else if (arg == "--host") {
      host = value;
    } else if (arg == "--auth") {
      auth = value;
    } else if (arg == "--requests") {
      requests = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--warmup") {
      warmup = std::max(0, std::atoi(value.c_str()));
    } else {
      die(usage);
    }
  }
  if (connect_to.port == 0 || target.empty() || host.empty()) die(usage);

  std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  if (!auth.empty()) request += "Proxy-Authorization: " + auth + "\r\n";
  request += "\r\n";

  UniqueFd fd;
  std::string buffer, head;
  std::vector<char> chunk(64 * 1024);
  std::vector<double> times;
  times.reserve(static_cast<size_t>(requests));
  int reconnects = -1;  // the first connection is not a reconnect
  for (int i = 0; i < warmup + requests; ++i) {
    const auto start = Clock::now();
    if (!fd) {
      fd = cordon::bench::connect_tcp(connect_to);
      buffer.clear();
      ++reconnects;
    }
    cordon::bench::send_all(fd.get(), request);
    if (!cordon::bench::read_head(fd.get(), buffer, head)) {
      // Closed after the last response without saying so (tinyproxy answers HTTP/1.1 without
      // "Connection: close" and closes): reconnect and resend, on this request's clock.
      fd = cordon::bench::connect_tcp(connect_to);
      buffer.clear();
      ++reconnects;
      cordon::bench::send_all(fd.get(), request);
      if (!cordon::bench::read_head(fd.get(), buffer, head)) die("connection closed, no response");
    }
    if (cordon::bench::status_code(head) != 200) die("not a 200: " + head);
    const std::string length = cordon::bench::header_value(head, "content-length");
    if (length.empty()) die("response without Content-Length: " + head);
    size_t left = std::strtoull(length.c_str(), nullptr, 10);
    const size_t have = std::min(left, buffer.size());
    buffer.erase(0, have);
    left -= have;
    while (left > 0) {
      const ssize_t n = ::recv(fd.get(), chunk.data(), std::min(left, chunk.size()), 0);
      if (n <= 0) die("connection closed inside a body");
      left -= static_cast<size_t>(n);
    }
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (i >= warmup) times.push_back(us);
    const bool http10 = head.compare(0, 8, "HTTP/1.0") == 0;
    const std::string connection = cordon::bench::header_value(head, "connection");
    if (cordon::bench::contains_token(connection, "close") ||
        (http10 && !cordon::bench::contains_token(connection, "keep-alive")) ||
        cordon::bench::contains_token(cordon::bench::header_value(head, "proxy-connection"),
                                      "close")) {
      fd.reset();
    }
  }
  double sum = 0;
  for (double t : times) sum += t;
  std::sort(times.begin(), times.end());
  std::printf(
      "{\"requests\": %d, \"p50_us\": %.2f, \"p90_us\": %.2f, \"p99_us\": %.2f, "
      "\"mean_us\": %.2f, \"reconnects\": %d}\n",
      requests, percentile(times, 50), percentile(times, 90), percentile(times, 99),
      sum / static_cast<double>(times.size()), reconnects);
  return 0;
}
