// Policy: the validated, frozen description of one box. Pure data; it never touches a process.
//
// A Policy is built by layering sources over a built-in profile (see loader.h):
//   built-in profile < user file ($XDG_CONFIG_HOME/cordon/config.toml)
//                    < workspace file (<workspace>/cordon.toml) < --config FILE < flags.
// Every value remembers where it came from, so `cordon policy show` can say so.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gate/gate.h"

namespace cordon::policy {

// Where a value came from: "profile workspace-write", "/home/u/proj/cordon.toml:12", "--profile".
struct Origin {
  std::string source;
  int line = 0;  // 0 when the source has no lines (a profile, a flag)
  std::string describe() const {
    return line > 0 ? source + ":" + std::to_string(line) : source;
  }
};

template <class T>
struct Setting {
  T value{};
  Origin origin;
};

enum class Profile { kReadOnly, kWorkspaceWrite, kCustomerData, kProduction, kFinancial };

enum class WorkspaceAccess { kReadWrite, kReadOnly };
enum class HomeMode { kTmpfs, kPersist };
// kRequired: no Landlock on this kernel means no box. kBestEffort: run without it, audited.
enum class LandlockMode { kRequired, kBestEffort };
// What to do when a total memory limit needs a cgroup and none is available.
//   kPerProcess: fall back to RLIMIT_AS per process (reported in the summary and the audit).
//   kFailClosed: refuse to start.
enum class MemoryFallback { kPerProcess, kFailClosed };
enum class NetworkMode { kNone, kProxy };

struct FilesystemPolicy {
  Setting<WorkspaceAccess> workspace;
  Setting<HomeMode> home;
  // Extra host paths shown in the box (absolute or "~/..."), read-only or read-write.
  Setting<std::vector<std::string>> read_paths;
  Setting<std::vector<std::string>> write_paths;
  // Host paths never visible, even beneath a broader bind ("~/.ssh", "/var/run/docker.sock").
  // Built-ins plus the user's additions; a layer can add, never remove.
  Setting<std::vector<std::string>> hidden_paths;
  // Paths relative to the workspace root that stay read-only inside a writable workspace
  // (".git/hooks", ".envrc"). Built-ins plus the user's additions.
  Setting<std::vector<std::string>> protected_paths;
  Setting<uint64_t> tmp_size_bytes;
  Setting<LandlockMode> landlock;
};

struct EnvironmentPolicy {
  // Names passed through from the host environment, beyond the built-in allowlist
  // (TERM, LANG, LC_*, COLORTERM, TZ, PATH). A trailing '*' is a prefix match.
  Setting<std::vector<std::string>> pass;
  // Variables set in the box (override passed values).
  Setting<std::map<std::string, std::string>> set;
};

struct ResourcePolicy {
  Setting<std::optional<uint64_t>> memory_bytes;  // total for the box
  Setting<MemoryFallback> memory_fallback;
  Setting<std::optional<uint64_t>> pids;          // processes + threads in the box
  Setting<std::optional<double>> cpus;            // CPU bandwidth, in cores
  Setting<std::optional<uint64_t>> open_files;    // RLIMIT_NOFILE
  Setting<std::optional<uint64_t>> timeout_seconds;  // wall clock, then the box is killed
};

// Egress (design.md section 4). Every entry is validated at load with the egress wall's own
// parsers (net/rules.h) and kept as written; egress_config() hands them to the wall.
struct NetworkPolicy {
  Setting<NetworkMode> mode;
  Setting<std::vector<std::string>> allow;  // host[:port] rules, enforced by the egress wall
  Setting<std::vector<std::string>> deny;   // host[:port] rules that win over every allow
  // Address ranges ("10.0.0.0/8:5432") that may be dialled although they are private, loopback
  // or link-local, and address literals allowed on their ports. Loudly a weakening.
  Setting<std::vector<std::string>> allow_cidr;
  // Pins: canonical name -> address text, used instead of DNS (like curl --resolve).
  Setting<std::map<std::string, std::string>> resolve;
  // TCP forwards "LISTEN_PORT=HOST:PORT": the box connects to 127.0.0.1:LISTEN_PORT.
  Setting<std::vector<std::string>> forward;
  // TCP ports on the box's own loopback that box programs may connect to (Landlock ABI 4+ limits
  // connect(2) to cordon's listeners plus these). Entries are "port" or "lo-hi".
  Setting<std::vector<std::string>> loopback_ports;
};

// Approval gate (design.md section 5). gate_config() hands it to the gate.
enum class RiskLevel { kLow, kMedium, kHigh, kCritical, kEverything };
struct GatePolicy {
  Setting<RiskLevel> ask_at;   // kEverything: production-style "ask unless allowed"
  Setting<int> reviewers;      // distinct reviewers an ask needs (financial: 2)
  // `[[gate.rule]]` entries of every layer, in layering then file order (a layer adds rules,
  // never removes one). Each was compiled at load; its origin is "FILE:LINE". The Setting's
  // origin is the last layer that added one.
  Setting<std::vector<gate::RuleSpec>> rules;
  Setting<uint64_t> timeout_seconds;  // an unanswered ask is denied after this (1..86400)
  // No gate at all: program starts are neither traced nor decided. Loudly a weakening (the
  // session's walls say so in the audit trail); for machines where ptrace is unavailable and
  // for measuring the gate's cost.
  Setting<bool> unsafe_disabled;
};

// Credentials: filled in by the credentials issue.
struct CredentialsPolicy {};

// Where the audit trail lives. Moving it is a weakening: an untrusted workspace file may not.
struct AuditPolicy {
  // The SQLite store; "" means the default ($XDG_STATE_HOME/cordon/audit.db, or
  // /var/lib/cordon/audit.db for root).
  Setting<std::string> store;
  // The checkpoint signing key; "" means $XDG_CONFIG_HOME/cordon/audit-key.pem.
  Setting<std::string> key;
  // Rows between signed checkpoints (one is also signed at every session end).
  Setting<int64_t> checkpoint_every;
  // How long a session's writer process waits for the user's next session once this one has
  // ended (0: it exits); the next `cordon run` then starts without starting a writer.
  Setting<uint64_t> writer_linger_seconds;
};

struct Policy {
  Setting<Profile> profile;
  FilesystemPolicy filesystem;
  EnvironmentPolicy environment;
  ResourcePolicy resources;
  NetworkPolicy network;
  GatePolicy gate;
  CredentialsPolicy credentials;
  AuditPolicy audit;
  // The files that contributed, in layering order (for the audit event and `policy show`).
  std::vector<std::string> sources;
};

const char* to_string(Profile p);
std::optional<Profile> profile_from_string(const std::string& name);
const char* to_string(WorkspaceAccess v);
const char* to_string(HomeMode v);
const char* to_string(LandlockMode v);
const char* to_string(MemoryFallback v);
const char* to_string(NetworkMode v);
const char* to_string(RiskLevel v);

}  // namespace cordon::policy
