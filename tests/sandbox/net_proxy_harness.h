// Real-socket fixtures for the proxy engine's tests: the proxy on its own thread with loopback
// listeners, small origins on loopback (an HTTP/1.1 server with keep-alive, chunked and large
// bodies, and raw TCP servers driven by a handler), and blocking client helpers. No internet:
// every name is pinned to 127.0.0.1 through the rules' `resolve`.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "net/proxy.h"
#include "net/rules.h"

namespace cordon::net::testing {

using namespace std::chrono_literals;

// A TCP socket listening on 127.0.0.1 (port 0: any free port), or a UDP socket bound there.
UniqueFd listen_tcp(uint16_t port = 0, int backlog = 128);
UniqueFd bind_udp();
uint16_t local_port(const UniqueFd& fd);

// A blocking client connection to 127.0.0.1:port with receive/send timeouts.
UniqueFd connect_to(uint16_t port, std::chrono::milliseconds timeout = 5s);
bool send_all(const UniqueFd& fd, std::string_view data);
// Reads until `size` bytes, EOF, error or timeout.
std::string recv_n(const UniqueFd& fd, size_t size);
// Reads until EOF (or error / timeout); *reset says whether it ended with ECONNRESET.
std::string recv_all(const UniqueFd& fd, bool* reset = nullptr);
// Reads one HTTP response head and its body (Content-Length or chunked or until close).
// `head_request`: a response without a body (HEAD, CONNECT), and nothing after it is read.
struct HttpReply {
  int status = 0;
  std::string head;
  std::string body;
  bool ok = false;  // a whole response was read
};
std::optional<std::string> header_value(const std::string& head, const std::string& name);
HttpReply read_reply(const UniqueFd& fd, bool head_request = false);
// True when the peer has closed (EOF or reset) within `timeout`.
bool peer_closed(const UniqueFd& fd, std::chrono::milliseconds timeout);

// A minimal TLS 1.2-style ClientHello record with `sni` as server_name (none when empty).
std::string client_hello(const std::string& sni);

// Resident memory of this process, in KiB (/proc/self/status VmRSS).
long rss_kib();

// The proxy on a thread. Records every DecisionRecord.
class ProxyRunner {
 public:
  struct Ports {
    uint16_t http = 0;
    uint16_t socks5 = 0;
    uint16_t transparent = 0;
    uint16_t dns = 0;
    std::vector<uint16_t> forwards;  // in the order of `forward_targets`
  };

  ProxyRunner(const EgressConfig& config, ProxyOptions options = {},
              std::vector<std::string> forward_targets = {});
  ~ProxyRunner();

  const Ports& ports() const { return ports_; }
  bool ok() const { return proxy_ != nullptr; }
  const std::string& error() const { return error_; }

  std::vector<DecisionRecord> records();
  // Waits until at least `count` records arrived; returns them.
  std::vector<DecisionRecord> wait_records(size_t count, std::chrono::milliseconds timeout = 5s);
  void stop();
  bool run_returned() const { return returned_.load(); }

 private:
  Ports ports_;
  std::unique_ptr<Proxy> proxy_;
  std::string error_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<DecisionRecord> records_;
};

// A raw TCP server: each accepted connection runs `handler` on its own thread; the connection
// closes when the handler returns. The destructor shuts every open connection down, so a
// handler blocked in recv() returns.
class RawServer {
 public:
  using Handler = std::function<void(const UniqueFd& connection)>;
  explicit RawServer(Handler handler, int backlog = 128);
  ~RawServer();
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  UniqueFd listener_;
  uint16_t port_ = 0;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<std::shared_ptr<UniqueFd>> connections_;
};

// Accepts connections and holds them open without a thread each (for many idle tunnels).
class HoldServer {
 public:
  HoldServer();
  ~HoldServer();
  uint16_t port() const { return port_; }
  size_t held();

 private:
  UniqueFd listener_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<UniqueFd> held_;
  std::thread thread_;
};

// An HTTP/1.1 origin with keep-alive. Paths:
//   /hello            200, "hello from origin" (Content-Length)
//   /chunked          200, chunked body "chunk-one|chunk-two|" in two chunks
//   /big/<n>          200, n bytes of a repeating pattern (Content-Length)
//   /echo (POST)      200, the request body (read by Content-Length or chunked)
//   /until-close      200 without length, then close
//   /host             200, the Host header the origin saw
//   /head             200, the whole request head the origin saw
// Every response carries "X-Origin-Connection: <n>" (which accepted connection served it).
class HttpOrigin {
 public:
  HttpOrigin();
  uint16_t port() const { return server_.port(); }
  int connections() const { return server_.accepted(); }
  int requests() const { return requests_.load(); }

 private:
  void serve(const UniqueFd& connection);
  std::atomic<int> requests_{0};
  std::atomic<int> connection_ids_{0};
  RawServer server_;
};

// The body /big/<n> serves, for comparison.
std::string big_body(size_t size);

}  // namespace cordon::net::testing
