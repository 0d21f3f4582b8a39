// `cordon run`: one program in a box.
#include <iostream>

#include "box/launch.h"
#include "cli/audit_setup.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/gate_setup.h"
#include "cli/git_redirect_guard.h"
#include "cli/protected_path_watch.h"
#include "cli/summary.h"
#include "review/control_protocol.h"

namespace cordon::cli {

int run_command(const RunOptions& options) {
  // The audit writer's start (a fork and an exec) runs on another CPU while the policy is read.
  audit::WriterStart writer = begin_session_writer();
  const UserFacts user = current_user();
  auto workspace = resolve_workspace(options.common.workspace);
  if (!workspace.ok()) return report_error(workspace.error());
  auto policy = load_effective_policy(options.common, *workspace, user);
  if (!policy.ok()) return report_error(policy.error());
  auto audit = open_session_audit(*policy, user, std::move(writer));
  if (!audit.ok()) return report_error(audit.error());
  auto masked = audit_paths_to_mask(audit_paths(policy->audit, user), **audit);
  if (!masked.ok()) return report_error(masked.error());
  // What the workspace holds before the box can change it (git_redirect_guard.h).
  const GitRedirectGuard git_guard(*workspace);
  auto request = make_launch_request(*policy, *workspace, user, options.command);
  if (!request.ok()) return report_error(request.error());
  request->extra_protected_paths = git_guard.repository_protected_paths();
  std::vector<std::string> protected_paths = policy->filesystem.protected_paths.value;
  protected_paths.insert(protected_paths.end(), request->extra_protected_paths.begin(),
                         request->extra_protected_paths.end());
  const ProtectedPathWatch protected_paths_watch(*workspace, protected_paths);
  if (auto made = create_kept_home(*request); !made.ok()) return report_error(made.error());
  request->private_paths = std::move(*masked);
  auto channels = parse_review_channels(options.review);
  if (!channels.ok()) return report_error(channels.error());
  auto gate = SessionGate::open(*policy, request->session_id, request->workspace, request->home,
                                *channels);
  if (!gate.ok()) return report_error(gate.error());
  request->gate = (*gate)->gate();
  request->reviews = (*gate)->reviews();
  request->relay_input = !channels->tty;
  request->terminal_hold = (*gate)->terminal_hold();
  request->on_program_exit = [&gate] { (*gate)->begin_close(); };
  // -q drops the reminder of where held commands are answered, never a review page's address.
  for (const auto& notice : (*gate)->notices()) {
    if (options.quiet && notice.rfind(kHeldCommandsNotice, 0) == 0) continue;
    std::cerr << review::display_text(notice) << "\n";
  }

  SessionSummary summary;
  SessionSinks sink(**audit, summary);
  auto result = box::run_box(*request, sink);
  // Before anything else on the host can run git in the workspace. The notices quote names the
  // box chose: their control bytes are shown, never sent to the user's terminal.
  for (const auto& notice : git_guard.move_aside_new(request->session_id)) {
    std::cerr << review::display_text(notice) << "\n";
  }
  for (const auto& notice : protected_paths_watch.replaced_notices()) {
    std::cerr << review::display_text(notice) << "\n";
  }
  for (const auto& notice : protected_paths_watch.restore_directory_modes()) {
    std::cerr << review::display_text(notice) << "\n";
  }
  // The review channels close while the audit writer stores the session's end.
  gate->reset();
  // Every event is stored before cordon says anything about the session.
  auto stored = (*audit)->close();
  if (const auto& refused = (*audit)->store_failure()) {
    // The store refused a row, so the writer hung up and the supervisor killed the box (the
    // trail fails closed): one message says both. If the box had ended on its own, its end is
    // what could not be stored. Either way the session was not fully audited: 125, no summary.
    return report_error(Error(Errc::kSystem, refused->describe() +
                                                 (result.ok() ? "; the session's end was not stored"
                                                              : "; the box was stopped"))
                            .with_hint(refused->hint()));
  }
  if (!stored.ok()) report_error(stored.error());
  if (!result.ok()) return report_box_error(result.error());
  if (!options.quiet) std::cerr << summary.render();
  return result->status();
}

}  // namespace cordon::cli
