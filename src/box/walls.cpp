// Describing the walls as built.
#include "box/walls.h"

#include <sys/resource.h>

#include <cstdio>
#include <string>

namespace cordon::box {
namespace {

std::string bytes(uint64_t n) {
  if (n % (1ULL << 30) == 0) return std::to_string(n >> 30) + " GiB";
  if (n % (1ULL << 20) == 0) return std::to_string(n >> 20) + " MiB";
  return std::to_string(n) + " bytes";
}

size_t count_steps(const MountPlan& mounts, Step step, bool read_only) {
  size_t n = 0;
  for (const auto& op : mounts.ops) n += (op.step == step && op.read_only == read_only) ? 1 : 0;
  return n;
}

size_t count_masks(const MountPlan& mounts) {
  size_t n = 0;
  for (const auto& op : mounts.ops) {
    n += (op.kind == MountKind::kMaskDir || op.kind == MountKind::kMaskFile) ? 1 : 0;
  }
  return n;
}

// "1.5", "2", "100000": a core count without trailing zeros.
std::string cores(double n) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", n);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

// The open-file limit the box gets: the policy's, or the lower hard limit cordon itself runs
// under (which the box inherits and cannot raise; rlimits.cpp).
std::string open_files_text(uint64_t wanted) {
  rlimit current{};
  if (::getrlimit(RLIMIT_NOFILE, &current) == 0 && current.rlim_max != RLIM_INFINITY &&
      current.rlim_max < wanted) {
    return "open files " + std::to_string(current.rlim_max) +
           " (the host's hard limit; the policy asks " + std::to_string(wanted) + ")";
  }
  return "open files " + std::to_string(wanted);
}

// The limits; the cgroup's note says which of them fell back to rlimits.
std::string limits_text(const policy::ResourcePolicy& r) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  if (r.memory_bytes.value) {
    add("memory " + bytes(*r.memory_bytes.value));
  }
  if (r.pids.value) {
    add("pids " + std::to_string(*r.pids.value));
  }
  if (r.cpus.value) add("cpus " + cores(*r.cpus.value));
  if (r.open_files.value) add(open_files_text(*r.open_files.value));
  if (r.timeout_seconds.value) add("timeout " + std::to_string(*r.timeout_seconds.value) + "s");
  return out;
}

}  // namespace

std::vector<events::WallStatus> describe_walls(const policy::Policy& policy, int landlock_abi,
                                               const CgroupSession& cgroup,
                                               const MountPlan& mounts,
                                               size_t seccomp_instructions) {
  std::vector<events::WallStatus> walls;
  walls.push_back({"isolation",
                   "user, mount, pid, net, ipc, uts and cgroup namespaces; no capabilities; "
                   "no_new_privs; seccomp (" +
                       std::to_string(seccomp_instructions) + " BPF instructions)",
                   true, ""});

  const bool writable =
      policy.filesystem.workspace.value == policy::WorkspaceAccess::kReadWrite;
  std::string fs = std::string("read-only system; workspace ") +
                   (writable ? "read-write" : "read-only") + "; " +
                   std::to_string(count_steps(mounts, Step::kMountProtectedPaths, true)) +
                   " protected paths; " + std::to_string(count_masks(mounts)) +
                   " hidden paths masked; home " +
                   (policy.filesystem.home.value == policy::HomeMode::kPersist ? "persistent"
                                                                               : "tmpfs");
  walls.push_back({"filesystem", fs, true, ""});
  if (landlock_abi > 0) {
    walls.push_back({"landlock", "Landlock ABI " + std::to_string(landlock_abi) +
                                     (landlock_abi >= 4 ? " (filesystem, TCP connect" : " (filesystem") +
                                     (landlock_abi >= 6 ? ", signal and abstract socket scoping)" : ")"),
                     true, ""});
  } else {
    walls.push_back({"landlock", "none", false,
                     "the kernel has no Landlock; the policy allows best-effort"});
  }
  if (policy.network.mode.value == policy::NetworkMode::kProxy) {
    const size_t rules = policy.network.allow.value.size();
    walls.push_back(
        {"egress",
         "network namespace with loopback only; every connection captured (nf_tables) and "
         "decided by cordon's proxy (HTTP 3128, SOCKS5 1080, transparent, DNS stub); " +
             std::to_string(rules) + (rules == 1 ? " allow rule" : " allow rules"),
         true, rules == 0 ? "no allow rule: every destination is refused" : ""});
  } else {
    walls.push_back(
        {"egress", "network namespace with loopback only: no route anywhere", true, ""});
  }
  // The cgroup's note says which limits fell back to rlimits and why (e.g. v1 needs root).
  walls.push_back({"resources", cgroup.mechanism() + ": " + limits_text(policy.resources),
                   true, cgroup.note()});
  const policy::GatePolicy& gate = policy.gate;
  if (gate.unsafe_disabled.value) {
    walls.push_back({"approval gate", "off", false,
                     "UNSAFE: gate.unsafe_disabled = true (" + gate.unsafe_disabled.origin.describe() +
                         "): program starts run undecided"});
  } else {
    const size_t rules = gate.rules.value.size();
    walls.push_back(
        {"approval gate",
         "every execve stops in a seccomp notification; the program is decided at its exec "
         "event (ptrace), before it runs: " +
             std::to_string(rules) + (rules == 1 ? " rule" : " rules") +
             ", the risk scorer, asks at " + policy::to_string(gate.ask_at.value) + ", " +
             std::to_string(gate.reviewers.value) +
             (gate.reviewers.value == 1 ? " reviewer" : " distinct reviewers"),
         true, ""});
  }
  return walls;
}

}  // namespace cordon::box
