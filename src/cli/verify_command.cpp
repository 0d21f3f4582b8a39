// `cordon verify`: builds a box from the policy, attacks it from inside, reports each wall.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/files.h"
#include "box/launch.h"
#include "cli/audit_setup.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "policy/loader.h"
#include "verify/plan.h"
#include "verify/report.h"

namespace cordon::cli {
namespace {

// The resource attacks run against lowered limits so that verify stays fast and light; the
// report says so. The mechanism (cgroup or rlimit) is the one the policy would get.
constexpr uint64_t kVerifyMemory = 256ULL << 20;
constexpr uint64_t kVerifyPids = 128;
constexpr uint64_t kVerifyTmp = 64ULL << 20;

policy::Policy lowered_limits(policy::Policy p) {
  auto lower = [](auto& setting, uint64_t cap) {
    if (!setting.value || *setting.value > cap) setting.value = cap;
    setting.origin = {"cordon verify (lowered for the resource attacks)", 0};
  };
  lower(p.resources.memory_bytes, kVerifyMemory);
  lower(p.resources.pids, kVerifyPids);
  if (p.filesystem.tmp_size_bytes.value > kVerifyTmp)
    p.filesystem.tmp_size_bytes.value = kVerifyTmp;
  p.resources.timeout_seconds.value = 120;  // a hung probe cannot hang verify
  return p;
}

std::vector<std::string> expanded(const std::vector<std::string>& paths, const std::string& home) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(expand_home(p, home));
  return out;
}

}  // namespace

int verify_command(const VerifyCommandOptions& options) {
  const UserFacts user = current_user();
  auto workspace = resolve_workspace(options.common.workspace);
  if (!workspace.ok()) return report_error(workspace.error());
  auto loaded = load_effective_policy(options.common, *workspace, user);
  if (!loaded.ok()) return report_error(loaded.error());
  const policy::Policy policy = lowered_limits(*loaded);

  verify::VerifyOptions vo;
  vo.host_home = user.home;
  vo.workspace_writable = policy.filesystem.workspace.value == policy::WorkspaceAccess::kReadWrite;
  vo.pids_limit = *policy.resources.pids.value;
  vo.memory_limit_bytes = *policy.resources.memory_bytes.value;
  vo.tmp_limit_bytes = policy.filesystem.tmp_size_bytes.value;
  vo.memory_is_cgroup = ::geteuid() == 0;
  vo.protected_paths = policy.filesystem.protected_paths.value;
  for (const auto& entry : vo.protected_paths) {
    if (policy::protected_only_if_present(entry)) vo.protected_only_if_present.push_back(entry);
  }
  vo.hidden_paths = expanded(policy.filesystem.hidden_paths.value, user.home);
  // The audit trail is a secret of the host too: the probe must not reach the store or the key.
  for (auto& path : audit_private_paths(audit_paths(policy.audit, user))) {
    vo.hidden_paths.push_back(std::move(path));
  }
  auto plan = verify::prepare_verify(vo);
  if (!plan.ok()) return report_error(plan.error());
  for (const auto& entry : plan->extra_environment) {
    auto eq = entry.find('=');
    ::setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 1);
  }

  std::vector<verify::Finding> findings;
  auto audit = open_session_audit(policy, user);
  if (!audit.ok()) {
    verify::cleanup(*plan);
    return report_error(audit.error());
  }
  auto request = make_launch_request(policy, plan->workspace, user, plan->probe_argv);
  if (!request.ok()) {
    verify::cleanup(*plan);
    return report_error(request.error());
  }
  auto masked = audit_paths_to_mask(audit_paths(policy.audit, user), **audit);
  if (!masked.ok()) {
    verify::cleanup(*plan);
    return report_error(masked.error());
  }
  request->private_paths = std::move(*masked);
  request->extra_files.push_back({options.probe_path, "/run/cordon/cordon-probe"});
  request->stdout_file = plan->results_path;
  request->allow_terminal = false;
  events::RecordingSink recorded;
  SessionSinks sink(**audit, recorded);
  auto result = box::run_box(*request, sink);
  auto stored = (*audit)->close();
  if (!stored.ok()) report_error(stored.error());
  if (!result.ok()) {
    findings.push_back(
        {"box", "build the box", "the box starts", result.error().describe(), false});
  } else {
    auto output = read_file(plan->results_path);
    findings = verify::parse_probe_output(output.ok() ? *output : "");
  }
  for (auto& f : verify::check_host_after(*plan)) findings.push_back(std::move(f));
  verify::cleanup(*plan);

  if (options.json) {
    std::cout << verify::render_json(findings) << "\n";
  } else {
    std::cout << "cordon verify: profile " << policy::to_string(policy.profile.value)
              << " (resource attacks run with memory " << (kVerifyMemory >> 20) << " MiB, pids "
              << kVerifyPids << ", /tmp " << (kVerifyTmp >> 20) << " MiB)\n"
              << verify::render_table(findings);
  }
  const bool all_pass =
      !findings.empty() && std::all_of(findings.begin(), findings.end(),
                                       [](const verify::Finding& f) { return f.pass; });
  return all_pass ? 0 : 1;
}

}  // namespace cordon::cli
