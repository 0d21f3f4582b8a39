// ProbeSpec: what `cordon verify` tells the probe (written by prepare_verify, read in the box).
//
// Header-only on purpose: the probe links only cordon_base, and the host side (cordon_verify)
// must read and write exactly the same fields. nlohmann-json throws; parse_spec() is the edge
// that turns its exceptions into a Result.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"

namespace cordon::verify {

inline constexpr int kSpecVersion = 3;

// The probe's daemon writes its marker this long after the probe has exited, if it still lives;
// the host check waits a little longer than that before looking.
inline constexpr int kDaemonDelayMs = 1000;

// A host fd opened without O_CLOEXEC before the box was built; the box must not inherit it.
struct LeakedFd {
  int fd = -1;
  std::string what;  // "canary file", "scratch directory"
  bool operator==(const LeakedFd&) const = default;
};

// Attacks on the workspace's protected paths, planned on the host (see protected_plan.h).
// All paths are workspace-relative.
struct ProtectedAttacks {
  std::vector<std::string> writes;   // existing protected files: opening them for write must fail
  std::vector<std::string> creates;  // protected names that do not exist: creating must fail
  std::vector<std::string> renames;  // directories holding protected paths: renaming must fail
  bool operator==(const ProtectedAttacks&) const = default;
};

// The name of verify's own origin on the host's loopback. The verify policy allows it (on the
// origin's port only) and pins it to 127.0.0.1; nothing else does. It answers every HTTP request
// with 200 and the body "<marker>\nhost: <the Host header it got>\n" (keeping HTTP/1.1
// connections alive unless asked to close), and echoes any other bytes after a line
// "<marker> echo\n" (what a tunnel delivers when it is not HTTP).
inline constexpr const char* kVerifyOriginName = "verify-origin.cordon.test";
// A name no rule allows. The verify policy pins it to the origin's address too, so that only
// the allow check stands between it and the origin's marker.
inline constexpr const char* kVerifyDeniedName = "denied.example";

// The egress wall: the policy's network.mode, and in proxy mode what verify planted on the host
// and where cordon's listeners are inside the box.
// What the host's loopback canary service writes to whoever reaches it (then it closes).
inline constexpr const char* kCanaryReply = "CORDON-VERIFY-CANARY-REACHED";

struct NetworkSpec {
  std::string mode = "none";  // "none" (no route at all) or "proxy"
  // Proxy mode: cordon's listeners on the box's 127.0.0.1.
  uint16_t http_proxy_port = 0;
  uint16_t socks_port = 0;
  uint16_t transparent_port = 0;
  uint16_t dns_port = 0;
  // Proxy mode: the verify origin (kVerifyOriginName, on the host's 127.0.0.1:origin_port). Every
  // answer it gives holds origin_marker, which appears nowhere else.
  std::string origin_name;
  uint16_t origin_port = 0;
  std::string origin_marker;
  std::string denied_name;  // kVerifyDeniedName
  // A service on the host's 127.0.0.1 (and ::1 where it exists) that nothing from the box may
  // reach; the host counts its connections (both modes).
  uint16_t canary_port = 0;
  bool operator==(const NetworkSpec&) const = default;
};

// The approval gate. Verify adds one rule of its own to the session's gate: a start of the probe
// with kGateBaitFlag is asked, and a verify session has no reviewer, so it must be refused. The
// bait's only effect is to create the marker file named after the flag: a marker on disk means
// an asked command ran.
inline constexpr const char* kGateBaitFlag = "--cordon-verify-bait";
inline constexpr const char* kGateSafeFlag = "--cordon-verify-safe";  // same length: see the race
inline constexpr const char* kGateRuleName = "cordon-verify-bait";

struct GateSpec {
  bool active = false;
  std::string probe_path;      // the probe's own path in the box
  std::string marker_dir;      // workspace directory for bait markers (must stay empty)
  std::string control_socket;  // the session's review socket on the host: unreachable
  uint16_t web_port = 0;       // the review page on the host's 127.0.0.1 (0: none)
  bool operator==(const GateSpec&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GateSpec, active, probe_path, marker_dir,
                                                control_socket, web_port)

struct ProbeSpec {
  int version = kSpecVersion;
  // Session facts.
  std::string workspace;  // absolute, the same path inside the box and on the host
  std::string host_home;  // the real home path (in the box: HOME, an empty tmpfs)
  bool workspace_writable = true;
  uint32_t box_uid = 0;           // the uid the probe runs as (the host uid, mapped to itself)
  int64_t host_pid = 0;           // pid of cordon on the host: must not be visible in the box
  std::string host_comm;          // its comm (the box's init, a fork of cordon, has the same one)
  uint64_t host_start_ticks = 0;  // its start time (/proc/<pid>/stat field 22): unique per process
  int64_t start_time_ms = 0;      // CLOCK_REALTIME when the plan was made
  // Namespace inodes of the host (from /proc/self/ns/*): the probe's must all differ.
  std::vector<std::pair<std::string, uint64_t>> host_namespaces;

  // Limits the verify box runs with.
  uint64_t pids_limit = 0;
  uint64_t memory_limit_bytes = 0;
  bool memory_is_cgroup = false;  // false: RLIMIT_AS per process
  uint64_t tmp_limit_bytes = 0;

  // Filesystem plantings and names.
  std::vector<std::string> canaries;  // absolute host paths of planted secrets
  std::vector<std::string> hidden_paths;
  std::string escape_link;        // workspace symlink -> a canary
  std::string control_link;       // workspace symlink -> control_file (must resolve)
  std::string control_file;       // a normal workspace file (positive control)
  std::string host_tmp_marker;    // a host file next to the workspace: must be invisible
  std::string ssh_agent_socket;   // a listening socket on the host, named in SSH_AUTH_SOCK
  std::string abstract_socket;    // name of a host abstract unix socket (without the '@')
  std::string home_write_name;    // file the probe writes in $HOME (must not reach the host)
  std::string system_write_name;  // file name the probe tries to create in /, /etc, /usr/bin
  std::vector<std::string> host_sockets;  // well-known host sockets that must be invisible
  ProtectedAttacks protected_attacks;

  // Isolation.
  std::vector<LeakedFd> leaked_fds;

  // Lifecycle: the daemon writes daemon_marker (if it can) and names itself daemon_comm.
  std::string daemon_marker;
  std::string daemon_comm;

  NetworkSpec network;
  GateSpec gate;

  bool operator==(const ProbeSpec&) const = default;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LeakedFd, fd, what)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProtectedAttacks, writes, creates, renames)

inline void to_json(nlohmann::json& j, const NetworkSpec& n) {
  j = nlohmann::json{
      {"mode", n.mode},
      {"http_proxy_port", n.http_proxy_port},
      {"socks_port", n.socks_port},
      {"transparent_port", n.transparent_port},
      {"dns_port", n.dns_port},
      {"origin_name", n.origin_name},
      {"origin_port", n.origin_port},
      {"origin_marker", n.origin_marker},
      {"denied_name", n.denied_name},
      {"canary_port", n.canary_port},
  };
}

// A port field: nlohmann would wrap 70000 into a uint16_t silently.
inline uint16_t port_field(const nlohmann::json& j, const char* key) {
  const int64_t port = j.at(key).get<int64_t>();
  if (port < 0 || port > 65535) {
    throw nlohmann::json::other_error::create(
        501, std::string(key) + " " + std::to_string(port) + " is not a port", &j);
  }
  return static_cast<uint16_t>(port);
}

// Every field is required, and the mode must be one the probe knows: a probe that does not
// know how the box's network works must not guess which attacks apply.
inline void from_json(const nlohmann::json& j, NetworkSpec& n) {
  j.at("mode").get_to(n.mode);
  if (n.mode != "none" && n.mode != "proxy") {
    throw nlohmann::json::other_error::create(501, "unknown network mode '" + n.mode + "'", &j);
  }
  n.http_proxy_port = port_field(j, "http_proxy_port");
  n.socks_port = port_field(j, "socks_port");
  n.transparent_port = port_field(j, "transparent_port");
  n.dns_port = port_field(j, "dns_port");
  j.at("origin_name").get_to(n.origin_name);
  n.origin_port = port_field(j, "origin_port");
  j.at("origin_marker").get_to(n.origin_marker);
  j.at("denied_name").get_to(n.denied_name);
  n.canary_port = port_field(j, "canary_port");
}

inline void to_json(nlohmann::json& j, const ProbeSpec& s) {
  j = nlohmann::json{
      {"version", s.version},
      {"workspace", s.workspace},
      {"host_home", s.host_home},
      {"workspace_writable", s.workspace_writable},
      {"box_uid", s.box_uid},
      {"host_pid", s.host_pid},
      {"host_comm", s.host_comm},
      {"host_start_ticks", s.host_start_ticks},
      {"start_time_ms", s.start_time_ms},
      {"host_namespaces", s.host_namespaces},
      {"pids_limit", s.pids_limit},
      {"memory_limit_bytes", s.memory_limit_bytes},
      {"memory_is_cgroup", s.memory_is_cgroup},
      {"tmp_limit_bytes", s.tmp_limit_bytes},
      {"canaries", s.canaries},
      {"hidden_paths", s.hidden_paths},
      {"escape_link", s.escape_link},
      {"control_link", s.control_link},
      {"control_file", s.control_file},
      {"host_tmp_marker", s.host_tmp_marker},
      {"ssh_agent_socket", s.ssh_agent_socket},
      {"abstract_socket", s.abstract_socket},
      {"home_write_name", s.home_write_name},
      {"system_write_name", s.system_write_name},
      {"host_sockets", s.host_sockets},
      {"protected_attacks", s.protected_attacks},
      {"leaked_fds", s.leaked_fds},
      {"daemon_marker", s.daemon_marker},
      {"daemon_comm", s.daemon_comm},
      {"network", s.network},
      {"gate", s.gate},
  };
}

// Every field is required: a spec written by another version of cordon is an error, not a
// probe that silently skips attacks.
inline void from_json(const nlohmann::json& j, ProbeSpec& s) {
  j.at("version").get_to(s.version);
  j.at("workspace").get_to(s.workspace);
  j.at("host_home").get_to(s.host_home);
  j.at("workspace_writable").get_to(s.workspace_writable);
  j.at("box_uid").get_to(s.box_uid);
  j.at("host_pid").get_to(s.host_pid);
  j.at("host_comm").get_to(s.host_comm);
  j.at("host_start_ticks").get_to(s.host_start_ticks);
  j.at("start_time_ms").get_to(s.start_time_ms);
  j.at("host_namespaces").get_to(s.host_namespaces);
  j.at("pids_limit").get_to(s.pids_limit);
  j.at("memory_limit_bytes").get_to(s.memory_limit_bytes);
  j.at("memory_is_cgroup").get_to(s.memory_is_cgroup);
  j.at("tmp_limit_bytes").get_to(s.tmp_limit_bytes);
  j.at("canaries").get_to(s.canaries);
  j.at("hidden_paths").get_to(s.hidden_paths);
  j.at("escape_link").get_to(s.escape_link);
  j.at("control_link").get_to(s.control_link);
  j.at("control_file").get_to(s.control_file);
  j.at("host_tmp_marker").get_to(s.host_tmp_marker);
  j.at("ssh_agent_socket").get_to(s.ssh_agent_socket);
  j.at("abstract_socket").get_to(s.abstract_socket);
  j.at("home_write_name").get_to(s.home_write_name);
  j.at("system_write_name").get_to(s.system_write_name);
  j.at("host_sockets").get_to(s.host_sockets);
  j.at("protected_attacks").get_to(s.protected_attacks);
  j.at("leaked_fds").get_to(s.leaked_fds);
  j.at("daemon_marker").get_to(s.daemon_marker);
  j.at("daemon_comm").get_to(s.daemon_comm);
  j.at("network").get_to(s.network);
  j.at("gate").get_to(s.gate);
}

inline std::string serialize_spec(const ProbeSpec& spec) {
  return nlohmann::json(spec).dump(2) + "\n";
}

inline Result<ProbeSpec> parse_spec(const std::string& text) {
  try {
    ProbeSpec spec = nlohmann::json::parse(text).get<ProbeSpec>();
    if (spec.version != kSpecVersion) {
      return Error(Errc::kInvalidInput, "spec version " + std::to_string(spec.version) +
                                            ", this probe reads version " +
                                            std::to_string(kSpecVersion));
    }
    return spec;
  } catch (const nlohmann::json::exception& e) {
    return Error(Errc::kInvalidInput, std::string("malformed spec: ") + e.what());
  }
}

}  // namespace cordon::verify
