// The policy's [network] section as the egress wall takes it (policy/ -> net/ strings).
#pragma once

#include "net/rules.h"
#include "policy/policy.h"

namespace cordon::policy {

// Every entry of a loaded policy was validated with the wall's parsers, so compiling the
// result (net::EgressRules::compile) fails only on whole-policy problems such as a forward the
// rules refuse, which load_policy reports too. The mode is the caller's to check: with
// NetworkMode::kNone there is no wall to configure.
net::EgressConfig egress_config(const NetworkPolicy& network);

}  // namespace cordon::policy
