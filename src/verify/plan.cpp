// prepare_verify() and cleanup(): planting the bait for the probe, and removing all of it.
#include "verify/plan.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/files.h"
#include "verify/host_util.h"

namespace cordon::verify {
namespace {

constexpr const char* kSpecName = ".cordon-verify-spec.json";

// A listening unix socket at `path`, or at the abstract name `name` when `abstract`.
Result<UniqueFd> listen_unix(const std::string& name, bool abstract) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t offset = abstract ? 1 : 0;
  if (name.size() + offset + 1 > sizeof addr.sun_path) {
    return Error(Errc::kInvalidInput, "socket path too long: " + name);
  }
  std::memcpy(addr.sun_path + offset, name.data(), name.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + name.size() +
                                         (abstract ? 0 : 1));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Error::system("socket");
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return Error::system("bind " + std::string(abstract ? "@" : "") + name);
  }
  if (::listen(fd.get(), 8) != 0) return Error::system("listen " + name);
  return fd;
}

constexpr const char* kCanaryPrefix = "cordon-verify-canary-";
// Left in a home directory that verify created, so that whichever of several overlapping runs
// cleans up last removes it (each run removes only its own canary).
constexpr const char* kCreatedMarker = ".cordon-verify-created";
// Canaries of runs that died before their cleanup are swept by the next run after this long.
constexpr int64_t kStaleCanaryMs = 10 * 60 * 1000;

// Plants `<home>/<dir>/cordon-verify-canary-<tag>`, creating <home>/<dir> (0700) if missing.
Result<void> plant_canary(VerifyPlan& plan, const std::string& dir, const std::string& tag) {
  std::string d = plan.spec.host_home + "/" + dir;
  if (::mkdir(d.c_str(), 0700) == 0) {
    CORDON_TRY(write_new_file(d + "/" + kCreatedMarker, "", 0600));
  } else if (errno != EEXIST) {
    return Error::system("create " + d);
  }
  plan.canary_dirs.push_back(d);
  std::string path = d + "/" + kCanaryPrefix + tag;
  CORDON_TRY(write_new_file(path, "CORDON-VERIFY-CANARY " + tag + "\n", 0600));
  plan.canaries.push_back(path);
  return Ok{};
}

// After this run's canary is gone: sweeps stale canaries of dead runs, and removes the directory
// if verify created it and no other run still has a canary in it.
void tidy_canary_dir(const std::string& dir) {
  bool others = false, marker = false, foreign = false;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (name == kCreatedMarker) {
        marker = true;
      } else if (name.rfind(kCanaryPrefix, 0) == 0) {
        struct stat st;
        std::string path = dir + "/" + name;
        if (::lstat(path.c_str(), &st) == 0 &&
            now_ms() - static_cast<int64_t>(st.st_mtime) * 1000 > kStaleCanaryMs) {
          ::unlink(path.c_str());
        } else {
          others = true;
        }
      } else {
        foreign = true;
      }
    }
    ::closedir(d);
  }
  if (!marker || others) return;
  ::unlink((dir + "/" + kCreatedMarker).c_str());
  if (!foreign) ::rmdir(dir.c_str());  // the user put something there meanwhile: theirs now
}

// Opens `path` WITHOUT O_CLOEXEC: the box must close it anyway.
Result<void> leak_fd(VerifyPlan& plan, const std::string& path, int flags,
                     const std::string& what) {
  int fd = ::open(path.c_str(), flags);  // NOLINT(android-cloexec-open): leaked on purpose
  if (fd < 0) return Error::system("open " + path + " (leaked fd)");
  plan.leaked_fds.emplace_back(fd);
  plan.spec.leaked_fds.push_back({fd, what});
  return Ok{};
}

std::vector<std::pair<std::string, uint64_t>> host_namespaces() {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const char* ns : {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup"}) {
    struct stat st;
    if (::stat((std::string("/proc/self/ns/") + ns).c_str(), &st) == 0) {
      out.emplace_back(ns, static_cast<uint64_t>(st.st_ino));
    }
  }
  return out;
}

// Field 22 of /proc/self/stat; the comm (field 2) may hold spaces, so count from its ')'.
uint64_t start_ticks_of_self() {
  auto stat = read_file("/proc/self/stat");
  if (!stat) return 0;
  size_t pos = stat->rfind(')');
  for (int field = 2; pos != std::string::npos && field < 22; ++field)
    pos = stat->find(' ', pos + 1);
  return pos == std::string::npos ? 0 : std::strtoull(stat->c_str() + pos + 1, nullptr, 10);
}

// The verify origin and the canary on the host's loopback, and what the probe needs to attack
// the egress wall of this mode.
Result<void> plant_network(VerifyPlan& plan, const VerifyOptions& options, const std::string& tag) {
  NetworkSpec& net = plan.spec.network;
  net.mode = options.network_proxy ? "proxy" : "none";
  net.http_proxy_port = options.http_proxy_port;
  net.socks_port = options.socks_port;
  net.transparent_port = options.transparent_port;
  net.dns_port = options.dns_port;
  net.denied_name = kVerifyDeniedName;
  CORDON_ASSIGN_OR_RETURN(plan.net_bait, NetBait::start("cordon-verify-origin-" + tag));
  net.canary_port = plan.net_bait->canary_port();
  if (options.network_proxy) {
    net.origin_name = kVerifyOriginName;
    net.origin_port = plan.net_bait->origin_port();
    net.origin_marker = "cordon-verify-origin-" + tag;
  }
  return Ok{};
}

Result<void> plant_all(VerifyPlan& plan, const VerifyOptions& options) {
  CORDON_ASSIGN_OR_RETURN(std::string tag, random_hex(6));
  ProbeSpec& spec = plan.spec;

  if (::mkdir(plan.workspace.c_str(), 0755) != 0) return Error::system("mkdir " + plan.workspace);
  plan.protected_entries =
      parse_protected(options.protected_paths, options.protected_only_if_present);
  ProtectedPlan protect = plan_protected(plan.protected_entries);
  for (const auto& [rel, content] : protect.plant) {
    CORDON_TRY(make_parents(plan.workspace, rel));
    mode_t mode = rel.find("/hooks/") != std::string::npos ? 0755 : 0644;
    CORDON_TRY(write_new_file(plan.workspace + "/" + rel, content, mode));
  }
  spec.protected_attacks = protect.attacks;
  spec.control_file = plan.workspace + "/" + kControlFile;

  CORDON_TRY(plant_canary(plan, ".ssh", tag));
  CORDON_TRY(plant_canary(plan, ".aws", tag));
  spec.canaries = plan.canaries;

  spec.escape_link = plan.workspace + "/escape-link";
  if (::symlink(plan.canaries.front().c_str(), spec.escape_link.c_str()) != 0) {
    return Error::system("symlink " + spec.escape_link);
  }
  spec.control_link = plan.workspace + "/control-link";
  if (::symlink(spec.control_file.c_str(), spec.control_link.c_str()) != 0) {
    return Error::system("symlink " + spec.control_link);
  }

  spec.host_tmp_marker = plan.scratch_dir + "/host-tmp-marker";
  CORDON_TRY(write_new_file(spec.host_tmp_marker, "host /tmp marker\n", 0644));

  spec.ssh_agent_socket = plan.scratch_dir + "/ssh-agent.sock";
  CORDON_ASSIGN_OR_RETURN(plan.ssh_agent, listen_unix(spec.ssh_agent_socket, false));
  plan.extra_environment.push_back("SSH_AUTH_SOCK=" + spec.ssh_agent_socket);
  spec.abstract_socket = "cordon-verify-" + tag;
  CORDON_ASSIGN_OR_RETURN(plan.abstract_socket, listen_unix(spec.abstract_socket, true));

  CORDON_TRY(leak_fd(plan, plan.canaries.front(), O_RDONLY, "a canary file"));
  CORDON_TRY(leak_fd(plan, plan.scratch_dir, O_RDONLY | O_DIRECTORY, "the scratch directory"));

  const std::string uid = std::to_string(::getuid());
  spec.host_sockets = {"/var/run/docker.sock",
                       "/run/docker.sock",
                       "/run/containerd/containerd.sock",
                       "/run/dbus/system_bus_socket",
                       "/var/run/dbus/system_bus_socket",
                       "/run/user/" + uid + "/bus"};
  spec.home_write_name = ".cordon-verify-home-write-" + tag;
  spec.system_write_name = ".cordon-verify-" + tag;
  spec.daemon_marker = plan.workspace + "/.cordon-verify-daemon-survived";
  spec.daemon_comm = "cvd-" + tag.substr(0, 8);
  CORDON_TRY(plant_network(plan, options, tag));

  plan.protected_before = take_snapshot(plan.workspace, plan.protected_entries);
  CORDON_TRY(write_new_file(plan.spec_path, serialize_spec(spec), 0644));
  return Ok{};
}

}  // namespace

Result<void> plan_gate(VerifyPlan& plan, bool active, const std::string& control_socket,
                       uint16_t web_port) {
  GateSpec& gate = plan.spec.gate;
  gate.active = active;
  gate.probe_path = kProbeBoxPath;
  // Markers land in the workspace, where the host can look too; a read-only workspace leaves
  // only the box's own /tmp, and the probe's look.
  gate.marker_dir = plan.spec.workspace_writable ? plan.workspace + "/.cordon-verify-gate"
                                                 : "/tmp/cordon-verify-gate";
  if (plan.spec.workspace_writable && ::mkdir(gate.marker_dir.c_str(), 0755) != 0 &&
      errno != EEXIST) {
    return Error::system("mkdir " + gate.marker_dir);
  }
  gate.control_socket = control_socket;
  gate.web_port = web_port;
  return write_file(plan.spec_path, serialize_spec(plan.spec));
}

Result<VerifyPlan> prepare_verify(const VerifyOptions& options) {
  if (options.host_home.empty() || options.host_home.front() != '/') {
    return Error(Errc::kInvalidInput,
                 "verify needs the absolute home path, got '" + options.host_home + "'");
  }
  char scratch[] = "/tmp/cordon-verify-XXXXXX";
  if (!::mkdtemp(scratch)) return Error::system("mkdtemp /tmp/cordon-verify-XXXXXX");

  VerifyPlan plan;
  plan.scratch_dir = scratch;
  plan.workspace = plan.scratch_dir + "/workspace";
  plan.spec_path = plan.workspace + "/" + kSpecName;
  plan.results_path = plan.scratch_dir + "/probe-results.jsonl";
  plan.probe_argv = {kProbeBoxPath, "--spec", plan.spec_path};

  ProbeSpec& spec = plan.spec;
  spec.workspace = plan.workspace;
  spec.host_home = options.host_home;
  while (spec.host_home.size() > 1 && spec.host_home.back() == '/') spec.host_home.pop_back();
  spec.workspace_writable = options.workspace_writable;
  spec.box_uid = ::getuid();
  spec.host_pid = ::getpid();
  auto comm = read_file("/proc/self/comm");
  spec.host_comm = comm ? *comm : "";
  while (!spec.host_comm.empty() && spec.host_comm.back() == '\n') spec.host_comm.pop_back();
  spec.host_start_ticks = start_ticks_of_self();
  spec.start_time_ms = now_ms();
  spec.host_namespaces = host_namespaces();
  spec.pids_limit = options.pids_limit;
  spec.memory_limit_bytes = options.memory_limit_bytes;
  spec.memory_is_cgroup = options.memory_is_cgroup;
  spec.tmp_limit_bytes = options.tmp_limit_bytes;
  spec.hidden_paths = options.hidden_paths;

  if (auto planted = plant_all(plan, options); !planted) {
    cleanup(plan);
    return std::move(planted).error().context("prepare verify");
  }
  return plan;
}

void cleanup(VerifyPlan& plan) {
  if (plan.cleaned) return;
  plan.cleaned = true;
  const ProbeSpec& spec = plan.spec;

  // A daemon that escaped the box is ours to end, by pid, after checking its unique name.
  if (!spec.daemon_comm.empty()) {
    for (pid_t pid : processes_named(spec.daemon_comm)) ::kill(pid, SIGKILL);
  }

  plan.net_bait.reset();
  plan.leaked_fds.clear();
  plan.ssh_agent.reset();
  plan.abstract_socket.reset();

  for (const auto& canary : plan.canaries) ::unlink(canary.c_str());
  for (const auto& dir : plan.canary_dirs) tidy_canary_dir(dir);
  // What a broken box let the probe leave on the host.
  if (!spec.home_write_name.empty() && !spec.host_home.empty()) {
    ::unlink((spec.host_home + "/" + spec.home_write_name).c_str());
  }
  if (!spec.system_write_name.empty()) {
    for (const char* dir : {"/", "/etc/", "/usr/bin/"}) {
      ::unlink((dir + spec.system_write_name).c_str());
    }
  }

  if (plan.scratch_dir.rfind("/tmp/cordon-verify-", 0) == 0) remove_tree(plan.scratch_dir);
}

}  // namespace cordon::verify
