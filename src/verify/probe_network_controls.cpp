// network, proxy mode, positive controls: the verify origin (allowed for this run only) is
// reached through every entry point, so each refusal in the report is the wall's decision and
// not a proxy that is simply down.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "verify/probe_network_io.h"
#include "verify/probe_util.h"

namespace cordon::verify::probe::netio {
namespace {

constexpr int kWaitMs = 3000;

std::string origin_authority(const NetworkSpec& n) {
  return n.origin_name + ":" + std::to_string(n.origin_port);
}

std::string origin_form_get(const NetworkSpec& n) {
  return "GET /verify HTTP/1.1\r\nHost: " + origin_authority(n) +
         "\r\nUser-Agent: cordon-probe\r\nConnection: close\r\n\r\n";
}

bool has_marker(const NetworkSpec& n, const std::string& data) {
  return !n.origin_marker.empty() && data.find(n.origin_marker) != std::string::npos;
}

std::string marker_outcome(const NetworkSpec& n, const Received& rx) {
  return has_marker(n, rx.data) ? "the origin's marker" : "no marker: " + rx.describe();
}

void via_http(const NetworkSpec& n, Reporter& r) {
  HttpExchange x =
      http_request(n.http_proxy_port, absolute_get(origin_authority(n), "/verify"), kWaitMs);
  bool ok = x.head.status == 200 && has_marker(n, x.received.data);
  r.add(kWall, "verify origin via HTTP proxy (positive control)", "200 with the origin's marker",
        ok ? "200 with the origin's marker" : x.describe() + ", " + marker_outcome(n, x.received),
        ok);
}

// CONNECT, then what a TLS client sends first, naming the CONNECT host: the origin echoes it.
void via_connect(const NetworkSpec& n, Reporter& r) {
  Tunnel tunnel = http_connect(n.http_proxy_port, origin_authority(n), kWaitMs);
  std::string got;
  bool ok = false;
  if (!tunnel.open()) {
    got = "CONNECT: " + tunnel.exchange.describe();
  } else {
    int err = send_all(tunnel.fd.get(), wire::to_string(wire::client_hello(n.origin_name)));
    Received rx = receive_more(tunnel.fd.get(), tunnel.early, kWaitMs,
                               [&](const std::string& d) { return has_marker(n, d); });
    ok = err == 0 && has_marker(n, rx.data);
    got = err != 0 ? "send: " + errno_name(err) : marker_outcome(n, rx);
  }
  r.add(kWall, "verify origin via CONNECT + ClientHello with its SNI (positive control)",
        "the origin's marker", got, ok);
}

// SOCKS5 with the name sent to the proxy (remote DNS, as socks5h:// clients do).
void via_socks(const NetworkSpec& n, Reporter& r) {
  SocksExchange s = socks_request(
      n.socks_port, wire::socks_request_domain(n.origin_name, n.origin_port), kWaitMs);
  std::string got;
  bool ok = false;
  if (!s.fd) {
    got = s.describe();
  } else {
    int err = send_all(s.fd.get(), origin_form_get(n));
    Received rx = receive_more(s.fd.get(), s.early, kWaitMs, http_response_complete);
    ok = err == 0 && has_marker(n, rx.data);
    got = err != 0 ? "send: " + errno_name(err) : marker_outcome(n, rx);
  }
  r.add(kWall, "verify origin via SOCKS5 with remote DNS (positive control)",
        "reply 0x00, then the origin's marker", got, ok);
}

// getaddrinfo(name, AF_INET) the way programs resolve: through the box's resolv.conf, whose
// queries the capture sends to the stub. The address with the origin's port when it is a
// synthetic one; otherwise nullopt and `got` says what came back.
std::optional<Endpoint> resolve_synthetic(const NetworkSpec& n, std::string& got) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(n.origin_port);
  int rc = ::getaddrinfo(n.origin_name.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    got = std::string("getaddrinfo: ") + ::gai_strerror(rc);
    return std::nullopt;
  }
  Endpoint to;
  std::memcpy(&to.storage, found->ai_addr, found->ai_addrlen);
  to.size = found->ai_addrlen;
  ::freeaddrinfo(found);
  const auto* in = reinterpret_cast<const sockaddr_in*>(&to.storage);
  char text[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
  got = text;
  std::array<uint8_t, 4> bytes;
  std::memcpy(bytes.data(), &in->sin_addr, 4);
  if (!wire::is_synthetic(bytes)) {
    got = "getaddrinfo answered " + got + ", not a synthetic address";
    return std::nullopt;
  }
  return to;
}

// A program that ignores the proxy: the stub's synthetic address, then a plain connect that the
// capture hands to the proxy, which maps the address back to the name.
void via_transparent(const NetworkSpec& n, Reporter& r) {
  DnsExchange dns = dns_udp(*endpoint("8.8.8.8", 53), n.origin_name, wire::dns::kTypeA, kWaitMs);
  bool synthetic = dns.answer && dns.answer->valid && dns.answer->rcode == 0 &&
                   dns.answer->a_records.size() == 1 &&
                   wire::is_synthetic(dns.answer->a_records.front());
  r.add(kWall, "DNS query for the verify origin via 8.8.8.8:53 (positive control)",
        "NOERROR, one A record in 198.18.0.0/15", dns.describe(), synthetic);

  std::string got;
  std::optional<Endpoint> to = resolve_synthetic(n, got);
  bool ok = false;
  if (to) {
    Connection c = connect_tcp(*to, kWaitMs);
    if (!c.ok()) {
      got += ": " + c.describe();
    } else {
      int err = send_all(c.fd.get(), origin_form_get(n));
      Received rx = receive(c.fd.get(), kWaitMs, http_response_complete);
      ok = err == 0 && has_marker(n, rx.data);
      got += ": " + (err != 0 ? "send " + errno_name(err) : marker_outcome(n, rx));
    }
  }
  r.add(kWall, "verify origin via getaddrinfo + direct connect (transparent, positive control)",
        "a 198.18.0.0/15 address, then the origin's marker", got, ok);

  // The same address with a ClientHello naming another host: the name the address stands for
  // is allowed, the server name is not (domain fronting through the capture).
  std::string fronted = "no synthetic address to connect to (" + got + ")";
  bool refused = false;
  if (to) {
    Silence s = silent_close(*to, wire::to_string(wire::client_hello(n.denied_name)), kWaitMs);
    refused = s.connected && s.closed_silently;
    fronted = s.got;
  }
  r.add(kWall,
        "transparent connection to the verify origin's address, then a TLS ClientHello with SNI " +
            n.denied_name,
        "connected, then closed by cordon with 0 bytes back", fronted, refused);
}

}  // namespace

void proxy_controls(const ProbeSpec& spec, Reporter& r) {
  via_http(spec.network, r);
  via_connect(spec.network, r);
  via_socks(spec.network, r);
  via_transparent(spec.network, r);
}

}  // namespace cordon::verify::probe::netio
