// The name checks a tunnel's gate applies to the client's first bytes: a ClientHello whose SNI
// names another host than the one decided is refused (domain fronting), whatever was allowed
// for the connection, and a plain HTTP request hands the tunnel an HttpTunnelInspector that
// holds every request on the connection to the same names (http_tunnel_inspector.h). Other
// bytes, and a ClientHello without SNI, pass: the connection was already decided on its host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "net/rules.h"
#include "net/tunnel.h"

namespace cordon::net {

struct SniPolicy {
  // The SNI's canonical name must equal this (CONNECT and SOCKS5: the requested host; a
  // transparent connection to a synthetic address: the name it was handed out for).
  std::optional<std::string> must_equal;
  std::string must_equal_label;  // "CONNECT host", "SOCKS5 host", "name of 198.18.0.7"
  // The SNI's canonical name must itself be allowed on `port` (transparent connections).
  const EgressRules* must_allow = nullptr;
  uint16_t port = 0;  // the tunnel's port (a port in an HTTP Host must be this one)
};

// Why `name` (as the client sent it in `what`: "TLS server name", "Host") may not be used on a
// tunnel under `policy`, or nullopt when it may.
std::optional<std::string> name_refusal(const SniPolicy& policy, const CanonicalHost& name,
                                        const std::string& what);

// `max_head`: the longest HTTP request head the inspector takes (ProxyLimits::max_head_bytes).
Gate make_sni_gate(SniPolicy policy, size_t max_head);

}  // namespace cordon::net
