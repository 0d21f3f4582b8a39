// Checks on environment names and loopback port ranges.
#include "policy/values.h"

#include "policy/loader.h"

#include <cctype>
#include <vector>

namespace cordon::policy {
namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Parses a decimal port 1-65535 with no sign, spaces or leading zeros. 0 when invalid.
unsigned parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5 || text[0] == '0') return 0;
  unsigned value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535 ? value : 0;
}

}  // namespace

bool is_env_name(const std::string& name) {
  if (name.empty() || !is_name_start(name[0])) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

Result<void> check_env_pattern(const std::string& pattern) {
  std::string name = pattern;
  if (!name.empty() && name.back() == '*') name.pop_back();
  if (is_env_name(name)) return Ok{};
  if (pattern == "*") {
    return Error(Errc::kPolicy, "\"*\" would pass the whole host environment")
        .with_hint("list the variables the agent needs, e.g. \"ANTHROPIC_API_KEY\" or \"MY_*\"");
  }
  return Error(Errc::kPolicy, "invalid environment variable pattern \"" + pattern + "\"")
      .with_hint(
          "a name is letters, digits and \"_\", not starting with a digit, optionally "
          "ending in one \"*\" to match a prefix (\"MY_*\")");
}

Result<PortRange> parse_port_range(const std::string& entry) {
  const char* hint = "write a port (\"3000\") or an inclusive range (\"8000-8100\"), ports 1-65535";
  size_t dash = entry.find('-');
  std::string lo_text = entry.substr(0, dash);
  std::string hi_text = dash == std::string::npos ? lo_text : entry.substr(dash + 1);
  unsigned lo = parse_port(lo_text);
  unsigned hi = parse_port(hi_text);
  if (lo == 0 || hi == 0) {
    return Error(Errc::kPolicy, "invalid loopback port \"" + entry + "\"").with_hint(hint);
  }
  if (lo > hi) {
    return Error(Errc::kPolicy, "loopback port range \"" + entry + "\" is reversed")
        .with_hint(hint);
  }
  return PortRange{static_cast<uint16_t>(lo), static_cast<uint16_t>(hi)};
}

std::vector<uint16_t> loopback_ports(const NetworkPolicy& network) {
  std::vector<uint16_t> ports;
  for (const auto& entry : network.loopback_ports.value) {
    auto range = parse_port_range(entry);
    if (!range.ok()) continue;  // unreachable: a loaded policy has only valid entries
    for (unsigned p = range->lo; p <= range->hi; ++p) ports.push_back(static_cast<uint16_t>(p));
  }
  return ports;
}

}  // namespace cordon::policy
