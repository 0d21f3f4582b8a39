// Preflight checks.
#include "box/preflight.h"

namespace cordon::box {

Result<void> check_landlock(int abi, policy::LandlockMode mode) {
  if (abi > 0 || mode == policy::LandlockMode::kBestEffort) return Ok{};
  return Error(Errc::kUnsupported, "this kernel has no Landlock, which the policy requires")
      .with_hint("Landlock needs Linux 5.13+ built with CONFIG_SECURITY_LANDLOCK and enabled in "
                 "the lsm= boot parameter (check: cat /sys/kernel/security/lsm). To run with the "
                 "mount wall alone, set `[filesystem] landlock = \"best-effort\"` (the session "
                 "records that Landlock was off)");
}

}  // namespace cordon::box
