// What makes one policy weaker than another: the rule an untrusted workspace file must obey,
// and the test of whether an untrusted `profile` choice is allowed.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "policy/layer.h"
#include "policy/loader.h"

namespace cordon::policy {
namespace {

// How much the gate asks at each threshold: "everything" asks the most, "critical" the least.
int strictness(RiskLevel level) {
  switch (level) {
    case RiskLevel::kEverything:
      return 4;
    case RiskLevel::kLow:
      return 3;
    case RiskLevel::kMedium:
      return 2;
    case RiskLevel::kHigh:
      return 1;
    case RiskLevel::kCritical:
      return 0;
  }
  return 0;
}

std::string quoted(const char* name) {
  return "\"" + std::string(name) + "\"";
}

class Finder {
 public:
  std::vector<Weakening> found;

  void add(std::string what, const Origin& origin) {
    found.push_back(Weakening{std::move(what), origin});
  }

  // Lists: a weaker policy has entries the lower one lacks (read, write, pass, allow, ports,
  // allow_cidr, forward).
  void no_additions(const char* key, const Setting<std::vector<std::string>>& lower,
                    const Setting<std::vector<std::string>>& upper) {
    for (const auto& entry : upper.value) {
      if (std::find(lower.value.begin(), lower.value.end(), entry) == lower.value.end()) {
        add("adds \"" + entry + "\" to " + key, upper.origin);
        return;
      }
    }
  }

  // Lists: a weaker policy drops entries (hide, protect, deny; a layer cannot, a profile could).
  void no_removals(const char* key, const Setting<std::vector<std::string>>& lower,
                   const Setting<std::vector<std::string>>& upper) {
    for (const auto& entry : lower.value) {
      if (std::find(upper.value.begin(), upper.value.end(), entry) == upper.value.end()) {
        add("removes \"" + entry + "\" from " + key, upper.origin);
        return;
      }
    }
  }

  // Scalars with one weak value: weaker when upper has it and lower does not.
  template <class E>
  void not_to(const char* key, const Setting<E>& lower, const Setting<E>& upper, E weak) {
    if (upper.value == weak && lower.value != weak) {
      add("sets " + std::string(key) + " = " + quoted(to_string(weak)) + " over " +
              quoted(to_string(lower.value)),
          upper.origin);
    }
  }

  // Limits: weaker when raised, or cleared while the lower policy had one.
  template <class T, class Format>
  void no_raise(const char* key, const Setting<std::optional<T>>& lower,
                const Setting<std::optional<T>>& upper, Format format) {
    if (!lower.value) return;
    if (!upper.value) {
      add("removes the " + std::string(key) + " limit (" + format(*lower.value) + ")",
          upper.origin);
    } else if (*upper.value > *lower.value) {
      add("raises " + std::string(key) + " from " + format(*lower.value) + " to " +
              format(*upper.value),
          upper.origin);
    }
  }
};

std::string format_count(uint64_t n) {
  return std::to_string(n);
}
std::string format_cpus(double n) {
  std::ostringstream out;
  out << n;
  return out.str();
}

void filesystem_weakenings(Finder& f, const FilesystemPolicy& lo, const FilesystemPolicy& up) {
  f.not_to("filesystem.workspace", lo.workspace, up.workspace, WorkspaceAccess::kReadWrite);
  f.not_to("filesystem.home", lo.home, up.home, HomeMode::kPersist);
  f.no_additions("filesystem.read", lo.read_paths, up.read_paths);
  f.no_additions("filesystem.write", lo.write_paths, up.write_paths);
  f.no_removals("filesystem.hide", lo.hidden_paths, up.hidden_paths);
  f.no_removals("filesystem.protect", lo.protected_paths, up.protected_paths);
  if (up.tmp_size_bytes.value > lo.tmp_size_bytes.value) {
    f.add("raises filesystem.tmp_size from " + format_size(lo.tmp_size_bytes.value) + " to " +
              format_size(up.tmp_size_bytes.value),
          up.tmp_size_bytes.origin);
  }
  f.not_to("filesystem.landlock", lo.landlock, up.landlock, LandlockMode::kBestEffort);
}

// environment.set is not compared: it only changes what the box's own programs see.
void environment_weakenings(Finder& f, const EnvironmentPolicy& lo, const EnvironmentPolicy& up) {
  f.no_additions("environment.pass", lo.pass, up.pass);
}

void resource_weakenings(Finder& f, const ResourcePolicy& lo, const ResourcePolicy& up) {
  f.no_raise("resources.memory", lo.memory_bytes, up.memory_bytes, format_size);
  f.not_to("resources.memory_fallback", lo.memory_fallback, up.memory_fallback,
           MemoryFallback::kPerProcess);
  f.no_raise("resources.pids", lo.pids, up.pids, format_count);
  f.no_raise("resources.cpus", lo.cpus, up.cpus, format_cpus);
  f.no_raise("resources.open_files", lo.open_files, up.open_files, format_count);
  f.no_raise("resources.timeout", lo.timeout_seconds, up.timeout_seconds, format_duration);
}

// A pin sends a name somewhere DNS would not: any new or changed pin is a weakening.
void pin_weakenings(Finder& f, const Setting<std::map<std::string, std::string>>& lo,
                    const Setting<std::map<std::string, std::string>>& up) {
  for (const auto& [name, address] : up.value) {
    auto it = lo.value.find(name);
    if (it == lo.value.end()) {
      f.add("adds the pin \"" + name + "\" = \"" + address + "\" to network.resolve", up.origin);
      return;
    }
    if (it->second != address) {
      f.add("changes the pin of \"" + name + "\" in network.resolve from \"" + it->second +
                "\" to \"" + address + "\"",
            up.origin);
      return;
    }
  }
}

// Deny rules only tighten, so a layer may add them; allow_cidr, pins and forwards open paths.
void network_weakenings(Finder& f, const NetworkPolicy& lo, const NetworkPolicy& up) {
  f.not_to("network.mode", lo.mode, up.mode, NetworkMode::kProxy);
  f.no_additions("network.allow", lo.allow, up.allow);
  f.no_removals("network.deny", lo.deny, up.deny);
  f.no_additions("network.allow_cidr", lo.allow_cidr, up.allow_cidr);
  pin_weakenings(f, lo.resolve, up.resolve);
  f.no_additions("network.forward", lo.forward, up.forward);
  f.no_additions("network.loopback_ports", lo.loopback_ports, up.loopback_ports);
}

// A rule's origin is "FILE:LINE" text; weakenings are reported by line.
Origin rule_origin(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return Origin{text, 0};
  return Origin{text.substr(0, colon), std::atoi(text.c_str() + colon + 1)};
}

void gate_weakenings(Finder& f, const GatePolicy& lo, const GatePolicy& up) {
  if (strictness(up.ask_at.value) < strictness(lo.ask_at.value)) {
    f.add("sets gate.ask_at = " + quoted(to_string(up.ask_at.value)) + ", which asks less than " +
              quoted(to_string(lo.ask_at.value)),
          up.ask_at.origin);
  }
  // A longer timeout keeps an ask open, and approvable, after its context has gone stale.
  if (up.timeout_seconds.value > lo.timeout_seconds.value) {
    f.add("raises gate.timeout from " + format_duration(lo.timeout_seconds.value) + " to " +
              format_duration(up.timeout_seconds.value),
          up.timeout_seconds.origin);
  }
  // Ask and deny rules only tighten; an allow rule lets starts through without a person.
  for (const auto& rule : up.rules.value) {
    if (rule.action != gate::Action::kAllow) continue;
    bool known = std::any_of(lo.rules.value.begin(), lo.rules.value.end(),
                             [&](const auto& r) { return r.name == rule.name; });
    if (!known) {
      f.add("adds the allow rule \"" + rule.name + "\" to gate.rule", rule_origin(rule.origin));
      break;
    }
  }
  if (up.unsafe_disabled.value && !lo.unsafe_disabled.value) {
    f.add("turns the approval gate off (gate.unsafe_disabled = true)", up.unsafe_disabled.origin);
  }
  if (up.reviewers.value < lo.reviewers.value) {
    f.add("lowers gate.reviewers from " + std::to_string(lo.reviewers.value) + " to " +
              std::to_string(up.reviewers.value),
          up.reviewers.origin);
  }
}

// The audit trail belongs to the user: a repository must not move it, or the key, somewhere it
// controls, nor sign less often.
void audit_weakenings(Finder& f, const AuditPolicy& lo, const AuditPolicy& up) {
  if (up.store.value != lo.store.value)
    f.add("moves the audit store (audit.store)", up.store.origin);
  if (up.key.value != lo.key.value) f.add("moves the audit key (audit.key)", up.key.origin);
  if (up.checkpoint_every.value > lo.checkpoint_every.value) {
    f.add("raises audit.checkpoint_every from " + std::to_string(lo.checkpoint_every.value) +
              " to " + std::to_string(up.checkpoint_every.value),
          up.checkpoint_every.origin);
  }
}

}  // namespace

std::vector<Weakening> find_weakenings(const Policy& lower, const Policy& upper) {
  Finder f;
  filesystem_weakenings(f, lower.filesystem, upper.filesystem);
  environment_weakenings(f, lower.environment, upper.environment);
  resource_weakenings(f, lower.resources, upper.resources);
  network_weakenings(f, lower.network, upper.network);
  gate_weakenings(f, lower.gate, upper.gate);
  audit_weakenings(f, lower.audit, upper.audit);
  return std::move(f.found);
}

}  // namespace cordon::policy
