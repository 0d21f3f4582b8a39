// The transparent entry point: connections the box's nf_tables capture redirected here, decided
// on their original destination (a synthetic address stands for the name it was handed out
// for). A byte tunnel: HTTP inside is not parsed; TLS is checked for its server name.
#include "net/relay_session.h"

namespace cordon::net {
namespace {

class TransparentSession final : public RelaySession {
 public:
  TransparentSession(ProxyContext& context, UniqueFd client)
      : RelaySession(context, std::move(client), EntryPoint::kTransparent, "transparent") {}

 private:
  void begin() override {
    Result<Endpoint> destination = ctx_.original_destination(client_.fd());
    if (!destination.ok()) {
      refuse("", 0,
             Decision{false, "", "no original destination: " + destination.error().describe()}, "");
      return;
    }
    Target target;
    target.port = destination->port;
    target.host = CanonicalHost{destination->address.to_string(), destination->address};
    target.host_text = target.host.name;
    SniPolicy sni;
    sni.must_allow = &ctx_.rules;  // the TLS name must be allowed on its own ...
    sni.port = target.port;
    if (in_synthetic_range(destination->address)) {
      auto name = ctx_.names.name_for(destination->address);
      if (!name) {
        refuse(target.host.name, target.port,
               Decision{false, "",
                        target.host.name + " is a synthetic address cordon never handed out"},
               "");
        return;
      }
      target.host = CanonicalHost{*name, std::nullopt};
      sni.must_equal = *name;  // ... and name what the address stands for
      sni.must_equal_label = "the name of " + destination->address.to_string();
    }
    target.sni = sni;
    connect(std::move(target), "");
  }
};

}  // namespace

std::unique_ptr<Session> make_transparent_session(ProxyContext& context, UniqueFd client) {
  return std::make_unique<TransparentSession>(context, std::move(client));
}

}  // namespace cordon::net
