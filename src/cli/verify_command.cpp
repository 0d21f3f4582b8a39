// `cordon verify`: builds a box from the policy, attacks it from inside, reports each wall.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/files.h"
#include "box/egress.h"
#include "box/launch.h"
#include "cli/audit_setup.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/gate_setup.h"
#include "net/box_ports.h"
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

// Test-only: opens the host's loopback canary to the verify box, so that a test can see the
// report fail. Read by nothing but `cordon verify`.
constexpr const char* kUnsafeOpenCanary = "CORDON_VERIFY_UNSAFE_TEST_OPEN_CANARY";

// In proxy mode the probe needs one destination that is allowed, to tell a refusal from a
// proxy that is simply down: verify's own origin on the host's loopback, allowed by name on its
// port only and pinned to 127.0.0.1, which only an allow_cidr for exactly that address and port
// lets the proxy dial. The denied name is pinned there too, so that nothing but the allow check
// keeps it from the origin. Returns the lines the report prints about it.
std::vector<std::string> allow_verify_origin(policy::Policy& p, const verify::NetworkSpec& net) {
  const policy::Origin origin{"cordon verify (its own test origin)", 0};
  const std::string port = std::to_string(net.origin_port);
  const std::string allow = net.origin_name + ":" + port;
  const std::string cidr = "127.0.0.1/32:" + port;
  p.network.allow.value.push_back(allow);
  p.network.allow.origin = origin;
  p.network.allow_cidr.value.push_back(cidr);
  p.network.allow_cidr.origin = origin;
  p.network.resolve.value[net.origin_name] = "127.0.0.1";
  p.network.resolve.value[net.denied_name] = "127.0.0.1";
  p.network.resolve.origin = origin;
  std::vector<std::string> notes = {"network: the verify policy adds allow = [\"" + allow +
                                    "\"], allow_cidr = [\"" + cidr + "\"], resolve = { \"" +
                                    net.origin_name + "\" = \"127.0.0.1\", \"" + net.denied_name +
                                    "\" = \"127.0.0.1\" } for verify's own origin"};
  const char* unsafe = std::getenv(kUnsafeOpenCanary);
  if (unsafe != nullptr && std::string(unsafe) == "1") {
    const std::string open = "127.0.0.0/8:" + std::to_string(net.canary_port);
    p.network.allow_cidr.value.push_back(open);
    notes.push_back(std::string("UNSAFE: ") + kUnsafeOpenCanary + " is set: the verify policy " +
                    "also has allow_cidr \"" + open + "\" (the host's loopback canary); " +
                    "this run must fail");
  }
  return notes;
}

// Asks for the probe started with the bait flag, whatever wraps or renames it. Only the probe
// itself: a wrapper carrying the flag in its own argv (env, find -exec, the loader) is let
// through, so each attack shows that the gate judges the program the wrapper starts.
gate::RuleSpec verify_bait_rule() {
  gate::RuleSpec rule;
  rule.name = verify::kGateRuleName;
  rule.program = {verify::kProbeBoxPath};
  rule.any_arg = {verify::kGateBaitFlag};
  rule.action = gate::Action::kAsk;
  rule.reason = "cordon verify's bait: a command the gate asks for";
  rule.origin = "cordon verify";
  return rule;
}

// The bait, and allow rules for the probe and the wrappers its gate attacks start: profiles
// that ask for every program (production, financial) would otherwise refuse the probe itself.
// An allow rule never overrides the bait's ask (the strictest decision wins).
std::vector<gate::RuleSpec> verify_gate_rules() {
  gate::RuleSpec tools;
  tools.name = "cordon-verify-tools";
  tools.program = {verify::kProbeBoxPath, "sh", "dash", "bash", "env", "xargs", "find",
                   "timeout", "cordon-verify-innocent"};
  tools.action = gate::Action::kAllow;
  tools.reason = "cordon verify's probe and the wrappers its attacks start";
  tools.origin = "cordon verify";
  return {verify_bait_rule(), tools};
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
  policy::Policy policy = lowered_limits(*loaded);
  const bool proxy_mode = policy.network.mode.value == policy::NetworkMode::kProxy;

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
  vo.network_proxy = proxy_mode;
  vo.http_proxy_port = net::kBoxHttpProxyPort;
  vo.socks_port = net::kBoxSocksPort;
  vo.transparent_port = net::kBoxTransparentPort;
  vo.dns_port = net::kBoxDnsPort;
  // The audit trail is a secret of the host too: the probe must not reach the store or the key.
  for (auto& path : audit_private_paths(audit_paths(policy.audit, user))) {
    vo.hidden_paths.push_back(std::move(path));
  }
  auto plan = verify::prepare_verify(vo);
  if (!plan.ok()) return report_error(plan.error());
  std::vector<std::string> notes;
  if (proxy_mode) notes = allow_verify_origin(policy, plan->spec.network);
  for (const auto& note : notes) {
    if (note.rfind("UNSAFE", 0) == 0) std::cerr << "cordon verify: " << note << "\n";
  }
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
  if (request.ok()) {
    if (auto made = create_kept_home(*request); !made.ok()) request = made.error();
  }
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
  // The gate as the policy has it, plus verify's bait rule; nobody reviews, so its asks are
  // refused at once, and the control socket and the page run only as targets for the probe.
  auto gate = SessionGate::open(policy, request->session_id, request->workspace, request->home,
                                ReviewChannels{.web = true, .tty = false, .hold_asks = false},
                                verify_gate_rules());
  if (!gate.ok()) {
    verify::cleanup(*plan);
    return report_error(gate.error());
  }
  request->gate = (*gate)->gate();
  request->reviews = (*gate)->reviews();
  if (auto planned = verify::plan_gate(*plan, request->gate != nullptr,
                                       (*gate)->control_socket(), (*gate)->web_port());
      !planned.ok()) {
    verify::cleanup(*plan);
    return report_error(planned.error());
  }
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
              << kVerifyPids << ", /tmp " << (kVerifyTmp >> 20) << " MiB)\n";
    for (const auto& note : notes) std::cout << note << "\n";
    std::cout << verify::render_table(findings);
  }
  const bool all_pass =
      !findings.empty() && std::all_of(findings.begin(), findings.end(),
                                       [](const verify::Finding& f) { return f.pass; });
  return all_pass ? 0 : 1;
}

}  // namespace cordon::cli
