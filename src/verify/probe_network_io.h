// Socket helpers for the probe's network attacks: addresses, TCP with timeouts, and the client
// side of cordon's entry points (HTTP proxy, CONNECT, SOCKS5, DNS over UDP).
//
// Every wait is capped by one budget for the whole network section, so that a proxy which
// hangs on every attack still lets the probe report before its watchdog fires.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "verify/probe_network_wire.h"
#include "verify/probe_report.h"
#include "verify/spec.h"

namespace cordon::verify::probe::netio {

inline constexpr const char* kWall = "network";

// A numeric socket address ("203.0.113.7", "2001:db8::7", "127.0.0.1").
struct Endpoint {
  sockaddr_storage storage{};
  socklen_t size = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* addr() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
std::optional<Endpoint> endpoint(const std::string& ip, uint16_t port);
Endpoint loopback(uint16_t port);  // 127.0.0.1:port

// Starts the network section's clock; `total_ms` is all it may spend waiting.
void start_budget(int total_ms);
// `ms`, or less when the budget is nearly spent (0 once it is gone).
int wait_ms(int ms);
bool budget_spent();

// Failures that mean the packet never left the box: no route, or a local policy refused it
// (Landlock's TCP connect rule: EACCES; the capture's drop: EPERM; no IPv6: EAFNOSUPPORT).
bool local_failure(int err);

struct Connection {
  UniqueFd fd;
  int err = 0;             // connect's errno when it failed
  bool timed_out = false;  // still in progress when the wait ended
  bool ok() const { return fd.valid(); }
  std::string describe() const;  // "EACCES", "in progress after 1000 ms"
};
Connection connect_tcp(const Endpoint& to, int timeout_ms);

// Sends all of `data`; 0 or the errno.
int send_all(int fd, std::string_view data);

// What came back: bytes until the peer closed (eof), reset it (err), `enough` said so, or the
// wait ended (timed_out).
struct Received {
  std::string data;
  bool eof = false;
  int err = 0;
  bool timed_out = false;
  // "EOF", "ECONNRESET", "still open after 2000 ms"; with the byte count when any came.
  std::string describe() const;
};
Received receive(int fd, int timeout_ms,
                 const std::function<bool(const std::string&)>& enough = nullptr,
                 size_t limit = 64 * 1024);
// The same, starting with `early`: bytes already read with a proxy's reply (an origin may send
// first, and the proxy relays its bytes right behind the reply).
Received receive_more(int fd, std::string early, int timeout_ms,
                      const std::function<bool(const std::string&)>& enough = nullptr,
                      size_t limit = 64 * 1024);
// `enough` for HTTP: the head and the body its Content-Length announces have arrived.
bool http_response_complete(const std::string& data);

// One request to the HTTP proxy on the box's 127.0.0.1:`port`, and the whole answer.
struct HttpExchange {
  Connection connection;
  int send_err = 0;
  Received received;
  wire::HttpHead head;
  // "403 (X-Cordon-Denied: ...)", "no answer: EOF", "EACCES (connect)".
  std::string describe() const;
  bool denied_403() const { return head.status == 403 && head.header("x-cordon-denied"); }
};
HttpExchange http_request(uint16_t proxy_port, std::string_view request, int timeout_ms);

// CONNECT `authority` through the HTTP proxy; on 200 the tunnel stays open in `fd`.
struct Tunnel {
  UniqueFd fd;
  HttpExchange exchange;  // the proxy's answer to CONNECT (connection moved into fd on 200)
  std::string early;      // on 200: the tunnel's bytes that came with the answer
  bool open() const { return fd.valid(); }
};
Tunnel http_connect(uint16_t proxy_port, const std::string& authority, int timeout_ms);

// SOCKS5 with no authentication and one request; on reply 0 the connection stays in `fd`.
struct SocksExchange {
  UniqueFd fd;
  int reply = -1;     // REP of the reply, -1 when none came
  std::string early;  // on reply 0: the tunnel's bytes that came with the reply
  std::string error;  // what went wrong before a reply ("method 0xff", "EOF after greeting")
  std::string describe() const;  // "reply 0x02", "EOF after greeting"
};
SocksExchange socks_request(uint16_t socks_port, const wire::Bytes& request, int timeout_ms);

// One DNS query over UDP to `server`, and the first answer with its id.
struct DnsExchange {
  int err = 0;  // sendto/recv errno
  bool timed_out = false;
  std::optional<wire::DnsAnswer> answer;
  std::string describe() const;  // "REFUSED, 0 answers", "NOERROR, A 198.18.0.1", "EPERM"
};
DnsExchange dns_udp(const Endpoint& server, std::string_view name, uint16_t type, int timeout_ms);

// A connection the capture must end without a byte coming back: refused locally, or accepted
// by cordon's transparent listener and closed (EOF or reset) before anything was received.
// Sends `payload` once connected.
struct Silence {
  bool connected = false;
  int connect_err = 0;           // !connected: connect's errno
  bool timed_out = false;        // !connected: connect still in progress when the wait ended
  bool closed_silently = false;  // connected, then EOF/reset with zero bytes
  std::string got;
};
Silence silent_close(const Endpoint& to, std::string_view payload, int timeout_ms);

// "GET http://<authority>/<path> HTTP/1.1" with a matching Host header and Connection: close.
std::string absolute_get(const std::string& authority, const std::string& path = "/");

// The attacks, by mode (probe_network_*.cpp).
void common_attacks(const ProbeSpec& spec, Reporter& r);
void no_route_attacks(const ProbeSpec& spec, Reporter& r);
void capture_attacks(const ProbeSpec& spec, Reporter& r);
void proxy_attacks(const ProbeSpec& spec, Reporter& r);
void proxy_controls(const ProbeSpec& spec, Reporter& r);

}  // namespace cordon::verify::probe::netio
