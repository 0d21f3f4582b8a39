// [network] -> net::EgressConfig.
#include "policy/egress_config.h"

namespace cordon::policy {

net::EgressConfig egress_config(const NetworkPolicy& network) {
  net::EgressConfig config;
  config.allow = network.allow.value;
  config.deny = network.deny.value;
  config.allow_cidr = network.allow_cidr.value;
  config.resolve = network.resolve.value;
  config.forward = network.forward.value;
  return config;
}

}  // namespace cordon::policy
