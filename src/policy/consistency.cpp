// Impossible combinations in the policy a layer produces: a path both shown and hidden, egress
// rules with no network, a forward the rules refuse. Each is reported on the line of this layer
// that made it impossible.
#include <algorithm>

#include "net/box_ports.h"
#include "net/rules.h"
#include "policy/egress_config.h"
#include "policy/layer.h"
#include "policy/loader.h"
#include "policy/paths.h"
#include "policy/values.h"

namespace cordon::policy {
namespace {

bool is_builtin_hidden(const std::string& path) {
  const auto& builtins = builtin_hidden_paths();
  return std::find(builtins.begin(), builtins.end(), path) != builtins.end();
}

// A read/write entry added by this layer that lies in a hidden path (built-in or added).
Result<void> check_shown_not_hidden(const LayerState& st, const std::vector<PathEntry>& added,
                                    const char* key) {
  for (const PathEntry& entry : added) {
    for (const std::string& hidden : st.out.filesystem.hidden_paths.value) {
      // A symlink to a hidden path ("/tmp/s" -> "/etc/shadow") would show it just the same.
      bool as_written = is_same_or_beneath(entry.path, hidden, st.ctx.home);
      bool via_link = !as_written && !entry.resolved.empty() &&
                      is_same_or_beneath(entry.resolved, hidden, st.ctx.home);
      if (!as_written && !via_link) continue;
      std::string via = via_link ? " (which resolves to \"" + entry.resolved + "\")" : "";
      return error_at(st.ctx, entry.line,
                      std::string(key) + ": \"" + entry.path + "\"" + via + " is hidden (by \"" +
                          hidden + "\"): a path cannot be both shown and hidden",
                      is_builtin_hidden(hidden)
                          ? "\"" + hidden +
                                "\" is a built-in secret path and is never shown in a "
                                "box; give the agent a scoped copy elsewhere if it needs one"
                          : "remove it from " + std::string(key) + " or remove \"" + hidden +
                                "\" from filesystem.hide");
    }
  }
  return Ok{};
}

// A hide entry added by this layer that covers a path a lower layer shows.
Result<void> check_hidden_not_shown(const LayerState& st) {
  const auto& fs = st.base.filesystem;
  for (const PathEntry& entry : st.new_hide) {
    for (const auto* shown : {&fs.read_paths, &fs.write_paths}) {
      for (const std::string& path : shown->value) {
        if (!is_same_or_beneath(path, entry.path, st.ctx.home)) continue;
        return error_at(st.ctx, entry.line,
                        "filesystem.hide: \"" + entry.path + "\" hides \"" + path + "\", which " +
                            shown->origin.describe() +
                            " shows: a path cannot be both shown and hidden",
                        "remove one of the two entries");
      }
    }
  }
  return Ok{};
}

int line_of(const LayerState& st, const char* key) {
  auto it = st.key_lines.find(key);
  return it == st.key_lines.end() ? 0 : it->second;
}

// Egress entries with mode = "none": the box has no way out for them to apply to.
Result<void> check_egress_needs_network(const LayerState& st) {
  const auto& net = st.out.network;
  if (net.mode.value != NetworkMode::kNone) return Ok{};
  struct Entries {
    const char* key;
    const char* noun;
    bool present;
  };
  const Entries entries[] = {
      {"network.allow", "rules", !net.allow.value.empty()},
      {"network.allow_cidr", "ranges", !net.allow_cidr.value.empty()},
      {"network.resolve", "pins", !net.resolve.value.empty()},
      {"network.forward", "forwards", !net.forward.value.empty()},
  };
  for (const Entries& e : entries) {
    if (!e.present) continue;
    int line = line_of(st, "network.mode");
    if (line == 0) line = line_of(st, e.key);
    return error_at(st.ctx, line,
                    std::string(e.key) + " has " + e.noun +
                        " but network.mode = \"none\" allows no egress at all: an impossible "
                        "combination",
                    "set network.mode = \"proxy\" to use the " + std::string(e.key) +
                        " entries, or remove them");
  }
  return Ok{};
}

// What holds a port inside the box other than a forward: one of cordon's own listeners, or
// nothing ("").
const char* cordon_listener_on(uint16_t port) {
  if (port == net::kBoxHttpProxyPort) return "its HTTP proxy";
  if (port == net::kBoxSocksPort) return "its SOCKS5 proxy";
  if (port == net::kBoxTransparentPort) return "its transparent listener";
  return "";
}

// cordon listens on a forward's port inside the box, so neither one of its own listeners nor a
// box program (network.loopback_ports) may hold that port too.
Result<void> check_forward_listen_ports(const LayerState& st) {
  const auto& net = st.out.network;
  const std::vector<uint16_t> loopback = loopback_ports(net);
  for (const std::string& entry : net.forward.value) {
    auto forward = net::Forward::parse(entry);
    if (!forward.ok()) continue;  // unreachable: entries were checked when applied
    const uint16_t port = forward->listen_port;
    const std::string listens =
        "network.forward \"" + entry + "\" listens on port " + std::to_string(port);
    if (const std::string own = cordon_listener_on(port); !own.empty()) {
      return error_at(st.ctx, line_of(st, "network.forward"),
                      listens + ", where cordon serves " + own + " inside the box",
                      "pick another listen port: " + std::to_string(net::kBoxHttpProxyPort) + ", " +
                          std::to_string(net::kBoxSocksPort) + " and " +
                          std::to_string(net::kBoxTransparentPort) + " are cordon's");
    }
    if (std::find(loopback.begin(), loopback.end(), port) != loopback.end()) {
      int line = line_of(st, "network.forward");
      if (line == 0) line = line_of(st, "network.loopback_ports");
      return error_at(st.ctx, line,
                      listens +
                          ", which network.loopback_ports also gives to the box's own "
                          "programs",
                      "cordon serves a forward's port inside the box; pick another listen port "
                      "or remove it from loopback_ports");
    }
  }
  return Ok{};
}

// In proxy mode cordon listens on its own ports inside the box; a box program listing one of
// them in network.loopback_ports could never listen there (the port is taken before it runs),
// and connecting to it is allowed anyway. A range that spans one stays accepted: it names the
// ports around it, and only the one port is cordon's.
Result<void> check_loopback_ports(const LayerState& st) {
  const auto& net = st.out.network;
  if (net.mode.value != NetworkMode::kProxy) return Ok{};
  for (const std::string& entry : net.loopback_ports.value) {
    auto range = parse_port_range(entry);
    if (!range.ok() || range->lo != range->hi) continue;
    if (const std::string own = cordon_listener_on(range->lo); !own.empty()) {
      // The entry may come from an earlier file, and this one turned the proxy on.
      int line = line_of(st, "network.loopback_ports");
      if (line == 0) line = line_of(st, "network.mode");
      return error_at(st.ctx, line,
                      "network.loopback_ports lists port " + entry + ", where cordon serves " +
                          own + " inside the box",
                      "box programs cannot listen on it, and may already connect to it; remove "
                      "it (a server of yours in the box needs another port), or use "
                      "mode = \"none\", where cordon listens on nothing");
    }
  }
  return Ok{};
}

// The whole [network] as the wall compiles it: catches what no single entry shows, such as a
// forward whose target the rules refuse (it could never carry a byte).
Result<void> check_egress_compiles(const LayerState& st) {
  if (st.out.network.mode.value != NetworkMode::kProxy) return Ok{};
  auto rules = net::EgressRules::compile(egress_config(st.out.network));
  if (rules.ok()) return Ok{};
  int line = 0;
  for (const char* key : {"network.forward", "network.deny", "network.allow", "network.allow_cidr",
                          "network.resolve", "network.mode"}) {
    if ((line = line_of(st, key)) != 0) break;
  }
  return error_at(st.ctx, line, "network",
                  Error(Errc::kPolicy, rules.error().message()).with_hint(rules.error().hint()));
}

// The store (with SQLite's -wal, -shm and -journal files beside it) and the key (with its .pub)
// must be different files: one written over the other loses the trail or the key.
Result<void> check_audit_files_apart(const LayerState& st) {
  const auto& audit = st.out.audit;
  if (audit.store.value.empty() || audit.key.value.empty()) return Ok{};  // defaults differ
  const auto same = [&](const std::string& a, const std::string& b) {
    return is_same_or_beneath(a, b, st.ctx.home) && is_same_or_beneath(b, a, st.ctx.home);
  };
  const std::string& store = audit.store.value;
  const std::string& key = audit.key.value;
  for (const std::string& store_file :
       {store, store + "-wal", store + "-shm", store + "-journal"}) {
    for (const std::string& key_file : {key, key + ".pub"}) {
      if (!same(store_file, key_file)) continue;
      const char* which = line_of(st, "audit.key") != 0 ? "audit.key" : "audit.store";
      return error_at(st.ctx, line_of(st, which),
                      "audit.store \"" + store + "\" and audit.key \"" + key +
                          "\" would share the file " + store_file,
                      "keep the store and the key in files of their own, for example "
                      "store = \"~/.local/state/cordon/audit.db\" and key = "
                      "\"~/.config/cordon/audit-key.pem\"");
    }
  }
  return Ok{};
}

}  // namespace

Result<void> check_consistency(const LayerState& st) {
  CORDON_TRY(check_shown_not_hidden(st, st.new_read, "filesystem.read"));
  CORDON_TRY(check_shown_not_hidden(st, st.new_write, "filesystem.write"));
  CORDON_TRY(check_hidden_not_shown(st));
  CORDON_TRY(check_egress_needs_network(st));
  CORDON_TRY(check_forward_listen_ports(st));
  CORDON_TRY(check_loopback_ports(st));
  CORDON_TRY(check_egress_compiles(st));
  CORDON_TRY(check_audit_files_apart(st));
  return Ok{};
}

}  // namespace cordon::policy
