// The probe's attacks, one function per wall (or part of a wall), run in this order by main.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "verify/probe_report.h"
#include "verify/spec.h"

namespace cordon::verify::probe {

struct Context {
  ProbeSpec spec;
  std::string spec_path;
  // Fds >= 3 open when main() started, before the probe opened anything.
  std::vector<std::pair<int, std::string>> fds_at_start;
};

// isolation: namespaces, uid map, capabilities, no_new_privs, seccomp mode, hostname, fds, setuid.
void probe_isolation(const Context& ctx, Reporter& r);
// isolation: every refused syscall, the x32/i386 entry points, masked arguments, TIOCSTI.
void probe_syscalls(const Context& ctx, Reporter& r);
// filesystem: system dirs, the real home, canaries, symlink and hardlink escapes, hidden paths.
void probe_filesystem(const Context& ctx, Reporter& r);
// filesystem: the workspace's protected paths (write, create, rename a parent, recreate).
void probe_protected(const Context& ctx, Reporter& r);
// filesystem: what of the host is visible: host /tmp, sockets, /proc, /sys, /dev.
void probe_host_view(const Context& ctx, Reporter& r);
// network: the egress wall by network.mode: no route at all ("none"), or every connection
// captured and decided by cordon's proxy, which must refuse all but the verify origin ("proxy").
void probe_network(const Context& ctx, Reporter& r);
// gate: asked commands with no reviewer never run, whatever the wrapper; the argv race; the
// reviewers' socket and page are out of reach.
void probe_gate(const Context& ctx, Reporter& r);
// The probe started as the gate's bait (or the race's safe start): argv[1] is kGateBaitFlag or
// kGateSafeFlag. Returns the exit status.
int run_gate_bait(int argc, char** argv);
// resources: fork bomb, memory balloon, /tmp fill, open files.
void probe_resources(const Context& ctx, Reporter& r);
// lifecycle: starts a daemon that tries to outlive the session (judged on the host). Runs last.
void probe_lifecycle(const Context& ctx, Reporter& r);

}  // namespace cordon::verify::probe
