// [network]: the egress mode, allow and deny rules, allow_cidr, pins, forwards and the box's own
// loopback ports. Every entry is checked with the egress wall's own parsers, so a rule the wall
// would misread is an error at load, with its file and line.
#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "net/rules.h"
#include "policy/sections.h"
#include "policy/values.h"

namespace cordon::policy {
namespace {

// The wall's parsers report kInvalidInput; in a policy file the same error is a policy error.
Error entry_error(const LayerContext& ctx, int line, const std::string& key, const Error& inner) {
  return error_at(ctx, line, key, Error(Errc::kPolicy, inner.message()).with_hint(inner.hint()));
}

template <class Parsed>
using Parser = Result<Parsed> (*)(std::string_view);

// Checks each entry with `parse` (HostRule::parse, CidrRule::parse, Forward::parse); entries are
// stored as written.
template <class Parsed>
Result<std::vector<std::string>> checked(const LayerState& st, const Field& f,
                                         const std::vector<Item>& items, Parser<Parsed> parse,
                                         const char* empty_hint) {
  std::vector<std::string> entries;
  for (const Item& item : items) {
    if (item.value.empty()) return error_at(st.ctx, item.line, f.name + ": empty rule", empty_hint);
    auto parsed = parse(item.value);
    if (!parsed.ok()) return entry_error(st.ctx, item.line, f.name, parsed.error());
    entries.push_back(item.value);
  }
  return entries;
}

Result<void> apply_mode(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<NetworkMode>(st.ctx, f));
  assign(st, f, st.out.network.mode, value);
  return Ok{};
}

Result<void> apply_allow(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(
      auto items, as_string_list(st.ctx, f, "[\"api.example.com\", \"git.example.com:22\"]"));
  CORDON_ASSIGN_OR_RETURN(auto rules,
                          checked(st, f, items, net::HostRule::parse,
                                  "write a host or host:port, e.g. \"api.example.com\""));
  append(st, f, st.out.network.allow, rules);
  return Ok{};
}

Result<void> apply_deny(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(
      auto items, as_string_list(st.ctx, f, "[\"uploads.example.com\", \"*.example.net\"]"));
  CORDON_ASSIGN_OR_RETURN(auto rules,
                          checked(st, f, items, net::HostRule::parse,
                                  "write a host or host:port, e.g. \"uploads.example.com\""));
  append(st, f, st.out.network.deny, rules);
  return Ok{};
}

Result<void> apply_allow_cidr(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto items, as_string_list(st.ctx, f, "[\"10.1.2.0/24:5432\"]"));
  CORDON_ASSIGN_OR_RETURN(auto ranges, checked(st, f, items, net::CidrRule::parse,
                                               "write a range, e.g. \"10.1.2.0/24:5432\""));
  append(st, f, st.out.network.allow_cidr, ranges);
  return Ok{};
}

// Two forwards cannot listen on one port; reported on the line of the later one.
Result<void> check_forward_ports(const LayerState& st, const Field& f,
                                 const std::vector<Item>& items) {
  std::map<uint16_t, std::string> taken;
  for (const std::string& entry : st.out.network.forward.value) {
    auto forward = net::Forward::parse(entry);
    if (forward.ok()) taken.emplace(forward->listen_port, entry);
  }
  for (const Item& item : items) {
    auto forward = net::Forward::parse(item.value);
    if (!forward.ok()) continue;  // reported by checked_list
    auto [it, fresh] = taken.emplace(forward->listen_port, item.value);
    if (fresh || it->second == item.value) continue;
    return error_at(st.ctx, item.line,
                    f.name + ": \"" + item.value + "\" listens on port " +
                        std::to_string(forward->listen_port) + ", already forwarded by \"" +
                        it->second + "\"",
                    "give each forward its own listen port (the number before '=')");
  }
  return Ok{};
}

Result<void> apply_forward(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto items, as_string_list(st.ctx, f, "[\"5432=db.example.com:5432\"]"));
  CORDON_ASSIGN_OR_RETURN(
      auto forwards, checked(st, f, items, net::Forward::parse,
                             "write LISTEN_PORT=HOST:PORT, e.g. \"5432=db.example.com:5432\""));
  CORDON_TRY(check_forward_ports(st, f, items));
  append(st, f, st.out.network.forward, forwards);
  return Ok{};
}

constexpr const char* kResolveExample = "resolve = { \"db.example.com\" = \"203.0.113.5\" }";

// Pins, merged per name like environment.set: a later layer replaces the names it lists. Names
// and addresses are stored canonical, so "DB.example.com." and "db.example.com" are one pin.
Result<void> apply_resolve(LayerState& st, const Field& f) {
  const auto* table = f.node.as_table();
  if (table == nullptr) {
    return wrong_type(st.ctx, f, "a table of name = address",
                      "{ \"db.example.com\" = \"203.0.113.5\" }");
  }
  std::map<std::string, std::string> merged = st.out.network.resolve.value;
  // toml++ iterates keys sorted; errors are reported in file order, so read them by line.
  struct Entry {
    int line;
    std::string name;
    const toml::node* node;
  };
  std::vector<Entry> entries;
  for (const auto& [key, node] : *table) {
    entries.push_back(
        Entry{static_cast<int>(key.source().begin.line), std::string(key.str()), &node});
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::map<std::string, int> seen;  // canonical name -> line, within this table
  for (const auto& [line, name, node_ptr] : entries) {
    const toml::node& node = *node_ptr;
    std::string what = f.name + ": \"" + name + "\"";
    const auto* value = node.as_string();
    if (value == nullptr) {
      return error_at(
          st.ctx, line,
          what + " must map to an address string, not " + std::string(type_name(node)),
          "quote the name, or its dots make nested tables: " + std::string(kResolveExample));
    }
    auto host = net::canonicalize_host(name);
    if (!host.ok()) {
      return error_at(st.ctx, line, f.name + ": " + host.error().message(),
                      "a pin maps a host name to an address: " + std::string(kResolveExample));
    }
    if (host->literal) {
      return error_at(st.ctx, line, what + " is an address; a pin maps a name to an address",
                      kResolveExample);
    }
    auto address = net::IpAddress::parse(value->get());
    if (!address) {
      return error_at(
          st.ctx, line,
          what + " = \"" + value->get() + "\": not an IPv4 dotted quad or IPv6 address",
          "write the address plainly, without brackets or a port: " + std::string(kResolveExample));
    }
    if (auto [it, fresh] = seen.emplace(host->name, line); !fresh) {
      return error_at(st.ctx, line,
                      what + " pins the same name as line " + std::to_string(it->second),
                      "names are compared case-insensitively and without a trailing dot");
    }
    merged[host->name] = address->to_string();
  }
  assign(st, f, st.out.network.resolve, std::move(merged));
  return Ok{};
}

// Entries may be strings ("8000-8100") or bare integers (3000); both are stored as strings.
Result<void> apply_loopback_ports(LayerState& st, const Field& f) {
  const auto* array = f.node.as_array();
  if (array == nullptr) return wrong_type(st.ctx, f, "an array", "[\"3000\", \"8000-8100\"]");
  std::vector<std::string> ports;
  for (const toml::node& element : *array) {
    int line = static_cast<int>(element.source().begin.line);
    std::string entry;
    if (const auto* s = element.as_string()) {
      entry = s->get();
    } else if (const auto* i = element.as_integer()) {
      entry = std::to_string(i->get());
    } else {
      return error_at(
          st.ctx, line,
          f.name + " entries must be strings or integers, not " + std::string(type_name(element)),
          "for example: loopback_ports = [\"3000\", \"8000-8100\"]");
    }
    auto checked = check_port_range(entry);
    if (!checked.ok()) return error_at(st.ctx, line, f.name, std::move(checked).error());
    ports.push_back(entry);
  }
  append(st, f, st.out.network.loopback_ports, ports);
  return Ok{};
}

constexpr std::array<KeySpec, 7> kKeys{{
    {"mode", apply_mode},
    {"allow", apply_allow},
    {"deny", apply_deny},
    {"allow_cidr", apply_allow_cidr},
    {"resolve", apply_resolve},
    {"forward", apply_forward},
    {"loopback_ports", apply_loopback_ports},
}};

}  // namespace

std::span<const KeySpec> network_keys() { return kKeys; }

Result<void> apply_network(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "network", kKeys);
}

}  // namespace cordon::policy
