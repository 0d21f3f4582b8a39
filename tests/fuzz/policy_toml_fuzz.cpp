// Fuzzes the policy loader on a TOML layer. A workspace's cordon.toml is written by whoever
// wrote the repository, and the box can write the workspace: an untrusted layer must load or
// fail cleanly, never weaken the profile under it, and every error must name its file.
#include <string>

#include "fuzz_target.h"
#include "policy/layer.h"
#include "policy/loader.h"

namespace {

namespace policy = cordon::policy;

constexpr policy::Profile kProfiles[] = {
    policy::Profile::kReadOnly, policy::Profile::kWorkspaceWrite, policy::Profile::kCustomerData,
    policy::Profile::kProduction, policy::Profile::kFinancial};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::fuzz::InputReader in(data, size);
  const uint8_t choice = in.byte();
  const bool trusted = (choice & 0x80) != 0;
  const auto base = policy::builtin_profile(kProfiles[(choice & 0x7f) % std::size(kProfiles)]);
  const std::string text(in.rest());

  const auto layered = policy::apply_toml(base, text, "fuzz.toml", trusted);
  if (!layered.ok()) {
    FUZZ_CHECK(layered.error().describe().find("fuzz.toml") != std::string::npos);
    return 0;
  }
  if (!trusted) FUZZ_CHECK(policy::find_weakenings(base, *layered).empty());
  (void)policy::render_policy(*layered);
  return 0;
}
