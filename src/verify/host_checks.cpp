// check_host_after(): what only the host can see once the box has exited.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "verify/host_util.h"
#include "verify/plan.h"

namespace cordon::verify {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string join(const std::vector<std::string>& items, size_t max = 4) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > max) out += ", +" + std::to_string(items.size() - max) + " more";
  return out;
}

// Connections queued on a host listener mean something from the box reached it.
size_t drain_connections(const UniqueFd& listener) {
  size_t n = 0;
  if (!listener) return 0;
  for (;;) {
    int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) break;
    ::close(fd);
    ++n;
  }
  return n;
}

Finding socket_finding(const std::string& attack, const UniqueFd& listener) {
  size_t n = drain_connections(listener);
  return {"filesystem", attack, "no connection from the box",
          n == 0 ? "none" : std::to_string(n) + " connection(s) accepted", n == 0};
}

}  // namespace

std::vector<Finding> check_host_after(const VerifyPlan& plan) {
  const ProbeSpec& spec = plan.spec;
  std::vector<Finding> out;

  // The daemon writes its marker kDaemonDelayMs after the probe exits; the box has exited
  // before this runs, so waiting a second longer than that is enough.
  int64_t deadline = now_ms() + plan.daemon_grace_ms;
  if (plan.daemon_grace_ms > 0) deadline = std::max(deadline, spec.start_time_ms + 3000);
  while (now_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));

  std::string home_file = spec.host_home + "/" + spec.home_write_name;
  bool leaked_home = exists(home_file);
  out.push_back({"filesystem", "probe's $HOME write reached the real home (host check)",
                 "absent: " + home_file, leaked_home ? "present" : "absent", !leaked_home});

  std::vector<std::string> system_leaks;
  for (const char* dir : {"/", "/etc/", "/usr/bin/"}) {
    if (exists(dir + spec.system_write_name)) system_leaks.push_back(dir + spec.system_write_name);
  }
  out.push_back({"filesystem", "probe's writes to /, /etc, /usr/bin reached the host (host check)",
                 "none", system_leaks.empty() ? "none" : join(system_leaks), system_leaks.empty()});

  if (spec.gate.active && spec.workspace_writable) {
    std::vector<std::string> ran;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(spec.gate.marker_dir, ec)) {
      ran.push_back(entry.path().filename().string());
    }
    out.push_back({"gate", "asked commands with no reviewer left no marker (host check)",
                   "none in " + spec.gate.marker_dir, ran.empty() ? "none" : join(ran),
                   ran.empty() && !ec});
  }

  auto changes =
      diff_snapshots(plan.protected_before, take_snapshot(plan.workspace, plan.protected_entries));
  out.push_back({"filesystem", "protected files unchanged, none created (host check)",
                 "no change (" + std::to_string(plan.protected_before.size()) + " paths hashed)",
                 changes.empty() ? "no change" : join(changes), changes.empty()});

  std::vector<std::string> canary_problems;
  for (const auto& canary : plan.canaries) {
    if (!exists(canary)) canary_problems.push_back("missing " + canary);
  }
  out.push_back({"filesystem", "planted canaries still in place (positive control)",
                 std::to_string(plan.canaries.size()) + " present",
                 canary_problems.empty() ? std::to_string(plan.canaries.size()) + " present"
                                         : join(canary_problems),
                 canary_problems.empty() && !plan.canaries.empty()});

  out.push_back(socket_finding("connect to the fake ssh-agent (host check)", plan.ssh_agent));
  out.push_back(
      socket_finding("connect to the host abstract socket (host check)", plan.abstract_socket));

  if (plan.net_bait) {
    const size_t canary = plan.net_bait->canary_connections();
    out.push_back({"network", "host loopback canary service reached (host check)", "0 connections",
                   std::to_string(canary) + " connection(s)", canary == 0});
    if (spec.network.mode == "proxy") {
      // Positive control: the same proxy that refused everything above did dial out.
      const size_t origin = plan.net_bait->origin_connections();
      out.push_back(
          {"network", "verify origin reached through the proxy (positive control, host check)",
           "1 or more connections", std::to_string(origin) + " connection(s)", origin > 0});
    }
  } else {
    out.push_back({"network", "host loopback canary service reached (host check)", "0 connections",
                   "no canary service was planted", false});
  }

  bool marker = exists(spec.daemon_marker);
  out.push_back({"lifecycle", "daemon outlives the session: marker (host check)",
                 "no " + spec.daemon_marker, marker ? "marker written" : "no marker", !marker});
  auto survivors = processes_named(spec.daemon_comm);
  std::vector<std::string> pids;
  for (pid_t pid : survivors) pids.push_back(std::to_string(pid));
  out.push_back({"lifecycle",
                 "daemon outlives the session: process '" + spec.daemon_comm + "' (host check)",
                 "no such process", survivors.empty() ? "none" : "running as pid " + join(pids),
                 survivors.empty()});
  return out;
}

}  // namespace cordon::verify
