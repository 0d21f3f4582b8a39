// Peeks the ClientHello's SNI and compares it with what the connection was decided on.
#include "net/sni_gate.h"

#include "net/host.h"
#include "net/tls_client_hello.h"

namespace cordon::net {

Gate make_sni_gate(SniPolicy policy) {
  return [policy = std::move(policy)](std::span<const uint8_t> held, bool eof) -> GateVerdict {
    using Kind = GateVerdict::Kind;
    if (held.empty()) return {eof ? Kind::kOpen : Kind::kWait, ""};
    SniPeek peek = peek_client_hello(held);
    switch (peek.status) {
      case SniPeek::Status::kIncomplete:
        return {Kind::kWait, ""};  // the tunnel refuses at EOF, the size limit or the timeout
      case SniPeek::Status::kNotTls:
      case SniPeek::Status::kNoSni:
        return {Kind::kOpen, ""};
      case SniPeek::Status::kMalformed:
        return {Kind::kRefuse, "malformed TLS ClientHello"};
      case SniPeek::Status::kFound:
        break;
    }
    auto sni = canonicalize_host(peek.server_name);
    if (!sni.ok()) {
      return {Kind::kRefuse,
              "TLS server name " + peek.server_name + " is malformed: " + sni.error().message()};
    }
    if (policy.must_equal && sni->name != *policy.must_equal) {
      return {Kind::kRefuse, "TLS server name " + sni->name + " differs from " +
                                 policy.must_equal_label + " " + *policy.must_equal};
    }
    if (policy.must_allow != nullptr) {
      Decision decision = policy.must_allow->decide(*sni, policy.port);
      if (!decision.allowed) {
        return {Kind::kRefuse,
                "TLS server name " + sni->name + " is not allowed: " + decision.reason};
      }
    }
    return {Kind::kOpen, ""};
  };
}

}  // namespace cordon::net
