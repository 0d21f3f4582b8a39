// [network]: the egress mode, allow rules and the box's own loopback ports.
#include <array>

#include "policy/sections.h"
#include "policy/values.h"

namespace cordon::policy {
namespace {

Result<void> apply_mode(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<NetworkMode>(st.ctx, f));
  assign(st, f, st.out.network.mode, value);
  return Ok{};
}

// Stored as written: the egress wall owns host syntax and validates it when it lands.
Result<void> apply_allow(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(
      std::vector<Item> items,
      as_string_list(st.ctx, f, "[\"api.example.com\", \"git.example.com:22\"]"));
  std::vector<std::string> rules;
  for (const Item& item : items) {
    if (item.value.empty()) {
      return error_at(st.ctx, item.line, f.name + ": empty rule",
                      "write a host or host:port, e.g. \"api.example.com\"");
    }
    rules.push_back(item.value);
  }
  append(st, f, st.out.network.allow, rules);
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

constexpr std::array<KeySpec, 3> kKeys{{
    {"mode", apply_mode},
    {"allow", apply_allow},
    {"loopback_ports", apply_loopback_ports},
}};

}  // namespace

std::span<const KeySpec> network_keys() { return kKeys; }

Result<void> apply_network(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "network", kKeys);
}

}  // namespace cordon::policy
