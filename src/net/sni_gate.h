// The TLS server-name checks a tunnel's gate applies to the client's first bytes: a ClientHello
// whose SNI names another host than the one decided is refused (domain fronting), whatever was
// allowed for the connection. Bytes that are not TLS, and a ClientHello without SNI, pass: the
// connection was already decided on its host.
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
  uint16_t port = 0;
};

Gate make_sni_gate(SniPolicy policy);

}  // namespace cordon::net
