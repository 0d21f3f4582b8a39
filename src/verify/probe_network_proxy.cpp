// network, proxy mode: attacks through cordon's own entry points (HTTP forward, CONNECT,
// SOCKS5) on the host's loopback, cloud metadata, a denied host, an unlisted port, request
// tricks (userinfo, Host, origin-form, smuggling) and a ClientHello naming another host.
#include <string>
#include <vector>

#include "verify/probe_network_io.h"
#include "verify/probe_util.h"

namespace cordon::verify::probe::netio {
namespace {

constexpr int kWaitMs = 2000;
constexpr const char* kMetadataAddress = "169.254.169.254";
// A metadata service's name: no allow rule has it, and the proxy must refuse it before any
// lookup.
constexpr const char* kMetadataName = "metadata.google.internal";

struct Target {
  const NetworkSpec& n;
  std::string origin() const { return n.origin_name + ":" + std::to_string(n.origin_port); }
  std::string denied() const { return n.denied_name + ":" + std::to_string(n.origin_port); }
  bool has_marker(const std::string& data) const {
    return !n.origin_marker.empty() && data.find(n.origin_marker) != std::string::npos;
  }
  // What must never come back: the origin's marker, or the canary service's reply.
  std::string leaked(const std::string& data) const {
    if (has_marker(data)) return ", the origin's marker came back";
    if (data.find(kCanaryReply) != std::string::npos) return ", the host's canary answered";
    return "";
  }
};

// Whatever a tunnel or SOCKS connection that should not exist leads to, for the report.
std::string probe_open(int fd, std::string early, const Target& t) {
  send_all(fd, "GET / HTTP/1.1\r\nHost: " + t.origin() + "\r\nConnection: close\r\n\r\n");
  Received r = receive_more(fd, std::move(early), 1000);
  return r.describe() + t.leaked(r.data);
}

// An HTTP request the proxy must refuse: with 403 and X-Cordon-Denied (`decided`), or with
// 400 or 403 (a malformed or ambiguous request); never with anything from an origin.
void http_refused(Reporter& r, const Target& t, const std::string& attack,
                  const std::string& request, bool decided) {
  HttpExchange x = http_request(t.n.http_proxy_port, request, kWaitMs);
  std::string leak = t.leaked(x.received.data);
  bool pass =
      leak.empty() && (decided ? x.denied_403() : x.head.status == 400 || x.head.status == 403);
  r.add(kWall, attack, decided ? "403 with X-Cordon-Denied" : "400 or 403, nothing from the origin",
        x.describe() + leak, pass);
}

void connect_refused(Reporter& r, const Target& t, const std::string& attack,
                     const std::string& authority) {
  Tunnel tunnel = http_connect(t.n.http_proxy_port, authority, kWaitMs);
  std::string got = tunnel.exchange.describe();
  if (tunnel.open()) got += " (tunnel open: " + probe_open(tunnel.fd.get(), tunnel.early, t) + ")";
  r.add(kWall, attack, "403 with X-Cordon-Denied", got,
        !tunnel.open() && tunnel.exchange.denied_403() &&
            t.leaked(tunnel.exchange.received.data).empty());
}

// A SOCKS5 request the proxy must refuse: "not allowed by ruleset" for a decision
// (`decided`), any error reply for a command cordon does not offer.
void socks_refused(Reporter& r, const Target& t, const std::string& attack,
                   const wire::Bytes& request, bool decided = true) {
  SocksExchange s = socks_request(t.n.socks_port, request, kWaitMs);
  std::string got = s.describe();
  if (s.fd) got += " (connected: " + probe_open(s.fd.get(), s.early, t) + ")";
  r.add(kWall, attack,
        decided ? "reply 0x02 (not allowed by ruleset)" : "an error reply (0x07 not supported)",
        got, decided ? s.reply == wire::socks::kNotAllowedByRuleset : s.reply > 0);
}

// The host's loopback canary in every spelling a host parser might get wrong, through every
// entry point. The host counts the canary's connections afterwards (host_checks.cpp).
void canary_spellings(Reporter& r, const Target& t) {
  const std::string port = std::to_string(t.n.canary_port);
  // The unspecified addresses are there because connect(2) to them reaches the local host.
  static const std::vector<std::string> kSpellings = {
      "127.0.0.1", "2130706433", "0177.0.0.1",         "0x7f.1",
      "127.1",     "0x7f000001", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]",
      "[::1]",     "localhost",  "localhost.",         "LOCALHOST",
      "0.0.0.0",   "[::]"};
  for (const std::string& host : kSpellings) {
    const std::string authority = host + ":" + port;
    http_refused(r, t, "host loopback canary via HTTP proxy: http://" + authority + "/",
                 absolute_get(authority), true);
    connect_refused(r, t, "host loopback canary via CONNECT " + authority, authority);
    socks_refused(r, t, "host loopback canary via SOCKS5 name \"" + host + "\" port " + port,
                  wire::socks_request_domain(host, t.n.canary_port));
  }
  socks_refused(r, t, "host loopback canary via SOCKS5 IPv4 127.0.0.1 port " + port,
                wire::socks_request_ipv4({127, 0, 0, 1}, t.n.canary_port));
  socks_refused(
      r, t, "host loopback canary via SOCKS5 IPv6 ::1 port " + port,
      wire::socks_request_ipv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, t.n.canary_port));
  socks_refused(r, t, "host loopback canary via SOCKS5 IPv6 ::ffff:127.0.0.1 port " + port,
                wire::socks_request_ipv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1},
                                         t.n.canary_port));
  socks_refused(r, t, "host loopback canary via SOCKS5 IPv4 0.0.0.0 port " + port,
                wire::socks_request_ipv4({0, 0, 0, 0}, t.n.canary_port));
  socks_refused(r, t, "host loopback canary via SOCKS5 IPv6 :: port " + port,
                wire::socks_request_ipv6({}, t.n.canary_port));
}

void metadata(Reporter& r, const Target& t) {
  const std::string address = kMetadataAddress;
  http_refused(r, t, "cloud metadata via HTTP proxy: http://" + address + "/latest/meta-data/",
               absolute_get(address, "/latest/meta-data/"), true);
  http_refused(r, t,
               std::string("cloud metadata by name via HTTP proxy: http://") + kMetadataName +
                   "/computeMetadata/v1/",
               absolute_get(kMetadataName, "/computeMetadata/v1/"), true);
  connect_refused(r, t, "cloud metadata via CONNECT " + address + ":80", address + ":80");
  socks_refused(r, t, "cloud metadata via SOCKS5 IPv4 " + address + " port 80",
                wire::socks_request_ipv4({169, 254, 169, 254}, 80));
  socks_refused(r, t, std::string("cloud metadata via SOCKS5 name \"") + kMetadataName + "\"",
                wire::socks_request_domain(kMetadataName, 80));
}

// A name no rule allows. verify pins it to the origin's address, so a broken allow check would
// show as the origin's marker.
void denied_host(Reporter& r, const Target& t) {
  http_refused(r, t, "denied host via HTTP proxy: http://" + t.denied() + "/",
               absolute_get(t.denied()), true);
  connect_refused(r, t, "denied host via CONNECT " + t.denied(), t.denied());
  socks_refused(r, t, "denied host via SOCKS5 name \"" + t.n.denied_name + "\"",
                wire::socks_request_domain(t.n.denied_name, t.n.origin_port));
}

// The allowed host on a port no rule names (the canary's: reaching it would be counted).
void unlisted_port(Reporter& r, const Target& t) {
  const std::string authority = t.n.origin_name + ":" + std::to_string(t.n.canary_port);
  connect_refused(r, t, "allowed host on an unlisted port via CONNECT " + authority, authority);
  http_refused(r, t, "allowed host on an unlisted port via HTTP proxy: http://" + authority + "/",
               absolute_get(authority), true);
  socks_refused(r, t, "allowed host on an unlisted port via SOCKS5 " + authority,
                wire::socks_request_domain(t.n.origin_name, t.n.canary_port));
}

// Requests that a lax parser would decide on one host and send to another.
void request_tricks(Reporter& r, const Target& t) {
  const std::string origin = t.origin(), denied = t.denied();
  const std::string end = "User-Agent: cordon-probe\r\nConnection: close\r\n\r\n";
  http_refused(
      r, t, "userinfo: GET http://" + origin + "@" + denied + "/",
      "GET http://" + origin + "@" + denied + "/ HTTP/1.1\r\nHost: " + denied + "\r\n" + end,
      false);
  http_refused(r, t, "denied absolute URI with the allowed Host header",
               "GET http://" + denied + "/ HTTP/1.1\r\nHost: " + origin + "\r\n" + end, false);
  {
    // The other way round, the proxy may also forward to the URI's host, as long as the origin
    // sees the URI's host and not the denied one (domain fronting on a shared origin).
    HttpExchange x = http_request(
        t.n.http_proxy_port,
        "GET http://" + origin + "/ HTTP/1.1\r\nHost: " + denied + "\r\n" + end, kWaitMs);
    const std::string& body = x.received.data;
    bool refused = x.head.status == 400 || x.head.status == 403;
    bool rewritten = x.head.status == 200 && body.find(t.n.origin_marker) != std::string::npos &&
                     body.find("\nhost: " + origin + "\n") != std::string::npos;
    std::string got = x.describe();
    if (x.head.status == 200) {
      got += body.find("\nhost: " + denied + "\n") != std::string::npos
                 ? ", the origin saw Host: " + denied
             : rewritten ? ", the origin saw Host: " + origin
                         : ", origin answer unclear";
    }
    r.add(kWall, "allowed absolute URI with a denied Host header",
          "400, or forwarded with the URI's Host", got, refused || rewritten);
  }
  http_refused(r, t, "two Host headers (allowed, then denied)",
               "GET http://" + origin + "/ HTTP/1.1\r\nHost: " + origin + "\r\nHost: " + denied +
                   "\r\n" + end,
               false);
  http_refused(r, t, "origin-form request to the proxy (GET / with Host: the allowed host)",
               "GET / HTTP/1.1\r\nHost: " + origin + "\r\n" + end, false);
  const std::string smuggled =
      "GET http://" + denied + "/ HTTP/1.1\r\nHost: " + denied + "\r\n\r\n";
  const std::string chunked_end = "0\r\n\r\n";
  http_refused(r, t, "request smuggling: Content-Length and Transfer-Encoding (CL.TE)",
               "POST http://" + origin + "/ HTTP/1.1\r\nHost: " + origin +
                   "\r\nContent-Length: " + std::to_string(chunked_end.size() + smuggled.size()) +
                   "\r\nTransfer-Encoding: chunked\r\n" + end + chunked_end + smuggled,
               false);
  http_refused(r, t, "request smuggling: two different Content-Length values",
               "POST http://" + origin + "/ HTTP/1.1\r\nHost: " + origin +
                   "\r\nContent-Length: 0\r\nContent-Length: " + std::to_string(smuggled.size()) +
                   "\r\n" + end + smuggled,
               false);
}

// Every request on a kept-alive connection is decided anew: one for the verify origin, then one
// for the denied host on the same connection, sent after the first answer or pipelined behind
// the first request.
void keep_alive(Reporter& r, const Target& t) {
  const std::string first = "GET http://" + t.origin() + "/ HTTP/1.1\r\nHost: " + t.origin() +
                            "\r\nUser-Agent: cordon-probe\r\n\r\n";
  const std::string second = absolute_get(t.denied());
  for (bool pipelined : {false, true}) {
    std::string got;
    bool pass = false;
    Connection c = connect_tcp(loopback(t.n.http_proxy_port), kWaitMs);
    if (!c.ok()) {
      got = c.describe() + " (connect to the proxy)";
    } else {
      send_all(c.fd.get(), pipelined ? first + second : first);
      Received one = receive(c.fd.get(), kWaitMs, http_response_complete);
      wire::HttpHead head = wire::parse_http_head(one.data);
      const bool reached = head.status == 200 && t.has_marker(one.data);
      std::string rest = head.complete ? one.data.substr(head.head_size) : "";
      if (!reached) {
        got = "first request: " + one.describe() + ": cannot test";
      } else {
        // What follows the first answer's body belongs to the second request.
        rest = rest.substr(std::min(rest.size(), head.content_length().value_or(rest.size())));
        if (!pipelined) send_all(c.fd.get(), second);
        Received two = receive_more(c.fd.get(), rest, kWaitMs, http_response_complete);
        wire::HttpHead second_head = wire::parse_http_head(two.data);
        std::string leak = t.leaked(two.data);
        const bool denied =
            second_head.status == 403 && second_head.header("x-cordon-denied").has_value();
        const bool closed = two.data.empty() && !two.timed_out;
        pass = leak.empty() && (denied || closed);
        got = "200 with the marker, then " +
              (second_head.status != 0 ? std::to_string(second_head.status) : two.describe()) +
              leak;
      }
    }
    r.add(kWall,
          std::string("keep-alive: the verify origin, then ") + (pipelined ? "pipelined " : "") +
              "http://" + t.denied() + "/ on the same connection",
          "200 with the marker, then 403 with X-Cordon-Denied (or the connection closed)", got,
          pass);
  }
}

// Sends `bytes` naming the denied host (a ClientHello, a plain HTTP request) on an open tunnel
// to the allowed one: cordon must close it before the origin sees a byte (the origin would
// echo them after its marker).
std::pair<bool, std::string> fronted_bytes(int fd, std::string early, const Target& t,
                                           const std::string& bytes) {
  int err = send_all(fd, bytes);
  Received back = receive_more(fd, std::move(early), kWaitMs);
  std::string leak = t.leaked(back.data);
  return {leak.empty() && back.data.empty() && !back.timed_out,
          (err != 0 ? "send " + errno_name(err) + ", " : std::string()) + back.describe() + leak};
}

// CONNECT / SOCKS5 to the allowed host, then `bytes` naming a denied one (`what` says how).
void fronting(Reporter& r, const Target& t, const std::string& bytes, const std::string& what) {
  const std::string expected = "closed by cordon, 0 bytes back";
  {
    Tunnel tunnel = http_connect(t.n.http_proxy_port, t.origin(), kWaitMs);
    auto [pass, got] =
        tunnel.open()
            ? fronted_bytes(tunnel.fd.get(), tunnel.early, t, bytes)
            : std::pair<bool, std::string>{
                  false, "CONNECT refused (" + tunnel.exchange.describe() + "): cannot test"};
    r.add(kWall, "CONNECT " + t.origin() + ", then " + what, expected, got, pass);
  }
  {
    SocksExchange s = socks_request(
        t.n.socks_port, wire::socks_request_domain(t.n.origin_name, t.n.origin_port), kWaitMs);
    auto [pass, got] = s.fd ? fronted_bytes(s.fd.get(), s.early, t, bytes)
                            : std::pair<bool, std::string>{
                                  false, "SOCKS5 refused (" + s.describe() + "): cannot test"};
    r.add(kWall, "SOCKS5 " + t.origin() + ", then " + what, expected, got, pass);
  }
}

void sni_mismatch(Reporter& r, const Target& t) {
  fronting(r, t, wire::to_string(wire::client_hello(t.n.denied_name)),
           "a TLS ClientHello with SNI " + t.n.denied_name);
  // Plain HTTP: a shared front end routes by Host, whatever address the tunnel reached.
  fronting(r, t, "GET / HTTP/1.1\r\nHost: " + t.n.denied_name + "\r\n\r\n",
           "a plain HTTP request with Host: " + t.n.denied_name);
}

void socks_commands(Reporter& r, const Target& t) {
  socks_refused(r, t, "SOCKS5 UDP ASSOCIATE (datagrams around the proxy)",
                wire::socks_request_ipv4({0, 0, 0, 0}, 0, wire::socks::kUdpAssociate), false);
  socks_refused(r, t, "SOCKS5 BIND (a listener outside the box)",
                wire::socks_request_ipv4({0, 0, 0, 0}, 0, wire::socks::kBind), false);
}

}  // namespace

void proxy_attacks(const ProbeSpec& spec, Reporter& r) {
  const Target t{spec.network};
  canary_spellings(r, t);
  metadata(r, t);
  denied_host(r, t);
  unlisted_port(r, t);
  request_tricks(r, t);
  keep_alive(r, t);
  sni_mismatch(r, t);
  socks_commands(r, t);
}

}  // namespace cordon::verify::probe::netio
