// `cordon policy show` and `cordon policy check`.
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "policy/loader.h"

namespace cordon::cli {
namespace {

Result<policy::Policy> load(const CommonOptions& options) {
  const UserFacts user = current_user();
  CORDON_ASSIGN_OR_RETURN(std::string workspace, resolve_workspace(options.workspace));
  return load_effective_policy(options, workspace, user);
}

}  // namespace

int policy_show_command(const CommonOptions& options) {
  auto policy = load(options);
  if (!policy.ok()) return report_error(policy.error());
  std::cout << policy::render_policy(*policy);
  return 0;
}

int policy_check_command(const CommonOptions& options) {
  auto policy = load(options);
  if (!policy.ok()) return report_error(policy.error());
  std::cout << "policy ok: profile " << policy::to_string(policy->profile.value);
  if (!policy->sources.empty()) {
    std::cout << " with";
    for (const auto& s : policy->sources) std::cout << " " << s;
  }
  std::cout << "\n";
  return 0;
}

}  // namespace cordon::cli
