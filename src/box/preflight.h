// Preflight checks: whether this kernel can build the walls the policy requires.
#pragma once

#include "base/result.h"
#include "policy/policy.h"

namespace cordon::box {

// Fails closed when the policy requires Landlock and the kernel has none (abi == 0), with the
// fix; a best-effort policy runs without it (the session's walls say so).
Result<void> check_landlock(int abi, policy::LandlockMode mode);

}  // namespace cordon::box
