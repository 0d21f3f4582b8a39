// A TCP forward: every connection to the listener goes to one configured target, decided by
// the same rules as any other connection (a policy may allow the forward's host and still deny
// it through a deny rule).
#include "net/relay_session.h"

namespace cordon::net {
namespace {

class ForwardSession final : public RelaySession {
 public:
  ForwardSession(ProxyContext& context, UniqueFd client, std::string target)
      : RelaySession(context, std::move(client), EntryPoint::kForward, "forward"),
        target_text_(std::move(target)) {}

 private:
  void begin() override {
    auto authority = split_authority(target_text_, 0);
    if (!authority.ok() || authority->port == 0) {
      refuse(target_text_, 0, Decision{false, "", "malformed forward target " + target_text_}, "");
      return;
    }
    // split_authority took the brackets off an IPv6 literal.
    auto host = canonicalize_host(authority->host, /*allow_bare_ipv6=*/true);
    if (!host.ok()) {
      refuse(authority->host, authority->port, Decision{false, "", host.error().message()}, "");
      return;
    }
    Target target;
    target.host_text = authority->host;
    target.host = std::move(*host);
    target.port = authority->port;
    connect(std::move(target), "");
  }

  std::string target_text_;
};

}  // namespace

std::unique_ptr<Session> make_forward_session(ProxyContext& context, UniqueFd client,
                                              const std::string& target) {
  return std::make_unique<ForwardSession>(context, std::move(client), target);
}

}  // namespace cordon::net
