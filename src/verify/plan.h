// The host side of `cordon verify`: plant the bait, write the probe's spec, check and clean up.
//
// Order (the CLI drives it):
//   1. prepare_verify()        plants canaries, a workspace, sockets and leaked fds; writes the
//   spec
//   2. setenv(extra_environment), run the box with probe_argv, stdout -> results_path
//   3. parse_probe_output()    (report.h) on results_path
//   4. check_host_after()      host-side findings, after the box has exited
//   5. cleanup()               removes everything planted, also on error paths
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "verify/net_bait.h"
#include "verify/protected_plan.h"
#include "verify/report.h"
#include "verify/snapshot.h"
#include "verify/spec.h"

namespace cordon::verify {

struct VerifyOptions {
  std::string host_home;           // the real home of the user
  bool workspace_writable = true;  // false for the read-only profile
  // The (lowered) limits the verify box runs with.
  uint64_t pids_limit = 0, memory_limit_bytes = 0, tmp_limit_bytes = 0;
  bool memory_is_cgroup = false;  // false: memory is RLIMIT_AS per process
  std::vector<std::string> protected_paths;
  // Workspace-relative ("dir/" = directory), protected only when they exist.
  std::vector<std::string> protected_only_if_present;
  std::vector<std::string> hidden_paths;  // "~" already expanded
  // The egress wall: network.mode = "proxy" (false: "none"), and the ports of cordon's
  // listeners inside the box (box/egress.h).
  bool network_proxy = false;
  uint16_t http_proxy_port = 0, socks_port = 0, transparent_port = 0, dns_port = 0;
};

struct VerifyPlan {
  std::string scratch_dir;              // /tmp/cordon-verify-XXXXXX (0700)
  std::string workspace;                // scratch_dir + "/workspace": the box's workspace
  std::string spec_path;                // workspace + "/.cordon-verify-spec.json"
  std::string results_path;             // scratch_dir + "/probe-results.jsonl": the probe's stdout
  std::vector<std::string> probe_argv;  // {"/run/cordon/cordon-probe", "--spec", spec}
  // KEY=VALUE for the cordon host environment before the box is built; the box must not pass
  // them (SSH_AUTH_SOCK=<fake agent socket>).
  std::vector<std::string> extra_environment;
  // Host fds opened without O_CLOEXEC; the box must not inherit them.
  std::vector<UniqueFd> leaked_fds;

  // What the probe was told, and what cleanup() and check_host_after() need.
  ProbeSpec spec;
  std::vector<ProtectedEntry> protected_entries;
  Snapshot protected_before;             // taken right after planting
  std::vector<std::string> canaries;     // planted secret files (absolute)
  std::vector<std::string> canary_dirs;  // <home>/.ssh, <home>/.aws
  UniqueFd ssh_agent;                    // listening on spec.ssh_agent_socket
  UniqueFd abstract_socket;              // bound to "@" + spec.abstract_socket in the host netns
  // The verify origin and the host's loopback canary (spec.network says where), served until
  // cleanup(). In proxy mode the CLI must allow the origin in the verify policy (and nothing
  // that reaches the canary).
  std::unique_ptr<NetBait> net_bait;
  // How long check_host_after() waits, from its call, for a surviving daemon to show itself.
  int daemon_grace_ms = kDaemonDelayMs + 1000;
  bool cleaned = false;
};

// The box path at which the CLI must show the probe binary (read-only).
inline constexpr const char* kProbeBoxPath = "/run/cordon/cordon-probe";

// Plants everything and writes the spec. On error, what was planted so far is removed.
Result<VerifyPlan> prepare_verify(const VerifyOptions& options);

// Host-side findings, run after the box has exited: the real home was not written, the
// protected files are unchanged, no protected name was created, the system dirs hold no probe
// file, the daemon neither left its marker nor is still running, nothing reached the host's
// loopback canary, and (proxy mode) the proxy did reach the verify origin. Waits daemon_grace_ms
// (and until 3 s after the plan was made) for the daemon's deadline first.
std::vector<Finding> check_host_after(const VerifyPlan& plan);

// Fills in spec.gate once the session's gate is open (its control socket and page exist only
// then) and rewrites the spec file. `active` false: the box is not gated.
Result<void> plan_gate(VerifyPlan& plan, bool active, const std::string& control_socket,
                       uint16_t web_port);

// Removes everything prepare_verify planted (the canaries in the real home too), kills a
// surviving probe daemon, closes the sockets and fds. Idempotent.
void cleanup(VerifyPlan& plan);

}  // namespace cordon::verify
