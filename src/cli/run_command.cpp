// `cordon run`: one program in a box.
#include <iostream>

#include "box/launch.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/summary.h"

namespace cordon::cli {

int run_command(const RunOptions& options) {
  const UserFacts user = current_user();
  auto workspace = resolve_workspace(options.common.workspace);
  if (!workspace.ok()) return report_error(workspace.error());
  auto policy = load_effective_policy(options.common, *workspace, user);
  if (!policy.ok()) return report_error(policy.error());
  auto request = make_launch_request(*policy, *workspace, user, options.command);
  if (!request.ok()) return report_error(request.error());

  events::RecordingSink sink;
  auto result = box::run_box(*request, sink);
  if (!result.ok()) return report_error(result.error());
  if (!options.quiet) std::cerr << render_summary(sink);
  return result->status();
}

}  // namespace cordon::cli
