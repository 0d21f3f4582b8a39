// Peeks the ClientHello's SNI and compares it with what the connection was decided on.
#include "net/sni_gate.h"

#include "net/host.h"
#include "net/http_tunnel_inspector.h"
#include "net/tls_client_hello.h"

namespace cordon::net {

std::optional<std::string> name_refusal(const SniPolicy& policy, const CanonicalHost& name,
                                        const std::string& what) {
  if (policy.must_equal && name.name != *policy.must_equal) {
    return what + " " + name.name + " differs from " + policy.must_equal_label + " " +
           *policy.must_equal;
  }
  if (policy.must_allow != nullptr) {
    Decision decision = policy.must_allow->decide(name, policy.port);
    if (!decision.allowed) return what + " " + name.name + " is not allowed: " + decision.reason;
  }
  return std::nullopt;
}

Gate make_sni_gate(SniPolicy policy, size_t max_head) {
  return [policy = std::move(policy), max_head](std::span<const uint8_t> held,
                                                bool eof) -> GateVerdict {
    using Kind = GateVerdict::Kind;
    if (held.empty()) return {eof ? Kind::kOpen : Kind::kWait, ""};
    SniPeek peek = peek_client_hello(held);
    switch (peek.status) {
      case SniPeek::Status::kIncomplete:
        return {Kind::kWait, ""};  // the tunnel refuses at EOF, the size limit or the timeout
      case SniPeek::Status::kNotTls:
        switch (looks_like_http(
            std::string_view(reinterpret_cast<const char*>(held.data()), held.size()), max_head)) {
          case LooksLikeHttp::kWait:
            return {Kind::kWait, ""};
          case LooksLikeHttp::kNo:
            return {Kind::kOpen, ""};
          case LooksLikeHttp::kToken:  // undecided: the inspector passes it and decides later
          case LooksLikeHttp::kYes:
            return {Kind::kInspectHttp, "",
                    std::make_shared<HttpTunnelInspector>(policy, policy.port, max_head)};
        }
        return {Kind::kOpen, ""};
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
    if (auto why = name_refusal(policy, *sni, "TLS server name")) return {Kind::kRefuse, *why};
    return {Kind::kOpen, ""};
  };
}

}  // namespace cordon::net
