// The egress proxy engine: one event loop serving every entry point the box has into the
// network (HTTP forward + CONNECT, SOCKS5, transparent connections, TCP forwards, the DNS
// stub), each decided by EgressRules, each dialling exactly the vetted address.
//
// Runs as: the supervisor (its own thread), in the host's network namespace; the listening
// sockets were created inside the box's namespace by the box init and passed out. Also runs
// standalone (`cordon proxy --listen`), where clients must present a token.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/rules.h"
#include "net/socket_address.h"

namespace cordon::net {

enum class EntryPoint { kHttp, kSocks5, kTransparent, kForward, kDns };
const char* to_string(EntryPoint e);  // "http", "socks5", "transparent", "forward", "dns"

struct Listener {
  EntryPoint kind = EntryPoint::kHttp;
  UniqueFd fd;  // listening TCP socket, or a bound UDP socket for kDns; non-blocking not required
  std::string forward_target;  // kForward: "host:port"
};

struct ProxyLimits {
  size_t max_connections = 1024;      // concurrent client connections; more are refused
  size_t max_head_bytes = 32 * 1024;  // request/response head (431/400 beyond)
  size_t buffer_bytes = 64 * 1024;    // per direction, allocated only while data waits
  // Tunnels move bytes by splice() through a pipe per direction (tunnel.h). false: they copy
  // through the scratch buffer below, as they do when no pipe can be made (for tests, and the
  // benchmark's diagnostic engine).
  bool tunnel_splice = true;
  // One tunnel read when copying (the loop's one scratch buffer, relay_scratch.h): tunnels keep
  // no bytes of their own, so this is memory per proxy, not per connection. The size of Linux's
  // largest TCP send buffer by default (net.ipv4.tcp_wmem); larger measured no faster.
  size_t tunnel_read_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};   // whole request head (slowloris)
  std::chrono::milliseconds idle_timeout{300'000};    // no byte either way
  std::chrono::milliseconds connect_timeout{10'000};  // dialling the origin
};

// One decision, reported when it is final: refused at once, or allowed and then finished
// (bytes counted). For HTTP keep-alive, one per request.
struct DecisionRecord {
  EntryPoint entry = EntryPoint::kHttp;
  std::string protocol;  // "http", "connect", "socks5", "transparent", "forward", "dns"
  std::string host;      // as the client asked (canonical when it parsed)
  uint16_t port = 0;
  std::string address;  // the address dialled, "" if none
  bool allowed = false;
  std::string rule;
  std::string reason;
  uint64_t bytes_up = 0;    // client -> origin
  uint64_t bytes_down = 0;  // origin -> client
  std::string client;       // standalone proxy: the client's token name
};

struct ProxyOptions {
  ProxyLimits limits;
  // Standalone mode: token -> client name. When not empty, every client must authenticate
  // (HTTP: Proxy-Authorization: Basic base64(name:token) or Bearer token; SOCKS5: RFC 1929
  // username = name, password = token); otherwise 407 / SOCKS5 auth failure.
  std::map<std::string, std::string> client_tokens;
  // Called on the proxy's thread for every decision (the supervisor sends it to the audit trail).
  std::function<void(const DecisionRecord&)> on_decision;
  // Called on the proxy's thread at the end of each turn of its loop that reported decisions,
  // and once more when it stops: a sink may gather on_decision's records and send them at once.
  std::function<void()> on_decisions_done;
  // Where a connection accepted on a kTransparent listener was headed. Empty: the kernel's
  // SO_ORIGINAL_DST, which needs the nf_tables redirect; tests substitute their own
  // (addition to the first contract).
  std::function<Result<Endpoint>(const UniqueFd& client)> original_destination;
};

class Proxy {
 public:
  static Result<std::unique_ptr<Proxy>> create(EgressRules rules, std::vector<Listener> listeners,
                                               ProxyOptions options);
  ~Proxy();
  // Serves until stop(). Returns an error only if the loop itself cannot go on (epoll fails);
  // a broken client or origin never stops it.
  Result<void> run();
  // Thread-safe: makes run() return soon; open connections are closed.
  void stop();

 private:
  Proxy() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon::net
