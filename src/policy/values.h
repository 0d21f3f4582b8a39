// Checks on the small scalar values of a policy file: environment names and loopback ports.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace cordon::policy {

// [A-Za-z_][A-Za-z0-9_]*
bool is_env_name(const std::string& name);

// An environment.pass entry: an env name, optionally ending in one "*" (prefix match).
// A lone "*" is refused: it would pass the whole host environment, secrets included.
Result<void> check_env_pattern(const std::string& pattern);

// A network.loopback_ports entry: "port" or "lo-hi", ports 1-65535, lo <= hi.
struct PortRange {
  uint16_t lo;
  uint16_t hi;
};
Result<PortRange> parse_port_range(const std::string& entry);
inline Result<void> check_port_range(const std::string& entry) {
  auto r = parse_port_range(entry);
  if (!r.ok()) return std::move(r).error();
  return Ok{};
}

}  // namespace cordon::policy
