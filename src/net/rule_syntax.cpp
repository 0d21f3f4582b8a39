// The text of egress rules: host rules, allow_cidr entries, forwards and their port specs.
#include <algorithm>

#include "net/rules.h"

namespace cordon::net {
namespace {

constexpr const char* kRuleHint =
    "write a host (\"api.example.com\"), a wildcard for its subdomains (\"*.example.com\") or an "
    "address (\"203.0.113.7\", \"[2001:db8::7]\"), optionally with a port or an inclusive range "
    "(\"git.example.com:22\", \"mirror.example.com:8000-8100\")";
constexpr const char* kCidrHint =
    "write an address range, optionally with a port or an inclusive range: \"10.0.0.0/8\", "
    "\"10.1.2.3/32:5432\", \"2001:db8::/32:8000-8100\"";
constexpr const char* kForwardHint =
    "write LISTEN_PORT=HOST:PORT, e.g. \"5432=db.example.com:5432\"";

// "443" or "8000-8100"; nullopt and `why` set when malformed.
std::optional<PortRange> parse_port_spec(std::string_view text, std::string& why) {
  size_t dash = text.find('-');
  auto lo = parse_port(text.substr(0, dash));
  auto hi = dash == std::string_view::npos ? lo : parse_port(text.substr(dash + 1));
  if (!lo || !hi) {
    why =
        "the port \"" + std::string(text) + "\" is not a number from 1 to 65535 or a range of two";
    return std::nullopt;
  }
  if (*lo > *hi) {
    why = "the port range \"" + std::string(text) + "\" is reversed";
    return std::nullopt;
  }
  return PortRange{*lo, *hi};
}

std::vector<PortRange> default_ports() {
  return {{80, 80}, {443, 443}};
}

Error bad_rule(std::string_view text, const std::string& why) {
  return Error(Errc::kInvalidInput, "invalid host rule \"" + std::string(text) + "\": " + why)
      .with_hint(kRuleHint);
}

Error bad_cidr_rule(std::string_view text, const std::string& why) {
  return Error(Errc::kInvalidInput, "invalid allow_cidr \"" + std::string(text) + "\": " + why)
      .with_hint(kCidrHint);
}

Error bad_forward(std::string_view text, const std::string& why) {
  return Error(Errc::kInvalidInput, "invalid forward \"" + std::string(text) + "\": " + why)
      .with_hint(kForwardHint);
}

// Splits "host[:ports]" / "[v6][:ports]"; the port part is nullopt when none is written.
Result<std::pair<std::string_view, std::optional<std::string_view>>> split_rule(
    std::string_view text) {
  std::string_view host = text;
  std::optional<std::string_view> ports;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return bad_rule(text, "'[' without ']'");
    host = text.substr(0, close + 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad_rule(text, "unexpected text after ']'");
      ports = rest.substr(1);
    }
  } else if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    if (text.find(':', colon + 1) != std::string_view::npos) {
      return bad_rule(text,
                      "more than one ':' (an IPv6 address needs brackets: "
                      "\"[2001:db8::7]:443\")");
    }
    host = text.substr(0, colon);
    ports = text.substr(colon + 1);
  }
  return std::make_pair(host, ports);
}

}  // namespace

Result<HostRule> HostRule::parse(std::string_view text) {
  if (text.empty()) return bad_rule(text, "empty");
  // What is pasted by mistake: a URL, or an address range.
  if (const size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    std::string_view host = text.substr(scheme + 3);
    host = host.substr(0, host.find('/'));
    return bad_rule(text, "a URL, not a host: write the host alone (\"" + std::string(host) +
                              "\"), with :PORT for a port other than 80 and 443");
  }
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos && IpAddress::parse(std::string(text.substr(0, slash)))) {
    return bad_rule(text, "an address range: list it in network.allow_cidr (\"" +
                              std::string(text) + ":443\")");
  }
  CORDON_ASSIGN_OR_RETURN(auto parts, split_rule(text));
  auto [host_text, port_text] = parts;
  HostRule rule;
  rule.text = std::string(text);
  if (host_text.starts_with("*.")) {
    rule.wildcard = true;
    host_text.remove_prefix(2);
  }
  if (host_text == "*") {
    return bad_rule(text, "a lone '*' would allow every host; list the hosts the agent needs");
  }
  if (host_text.find('*') != std::string_view::npos) {
    return bad_rule(text, "'*' may only be the whole first label (\"*.example.com\")");
  }
  auto host = canonicalize_host(host_text);
  if (!host.ok()) return bad_rule(text, host.error().message());
  if (rule.wildcard) {
    if (host->literal) return bad_rule(text, "a wildcard applies to names, not addresses");
    if (host->name.find('.') == std::string::npos) {
      return bad_rule(text, "\"*." + host->name +
                                "\" would allow every name under a top-level domain; a wildcard "
                                "needs at least two labels after \"*.\"");
    }
  }
  if (host->literal && host->literal->is_v4() && host_text.front() != '[') {
    std::string_view written = host_text;
    if (written.back() == '.') written.remove_suffix(1);
    if (written != host->name) {
      return bad_rule(text, "write the IPv4 address as a dotted quad (\"" + host->name + "\")");
    }
  }
  rule.pattern = host->name;
  rule.literal = host->literal;
  rule.ports = default_ports();
  if (port_text) {
    std::string why;
    auto range = parse_port_spec(*port_text, why);
    if (!range) return bad_rule(text, why);
    rule.ports = {*range};
    rule.port_written = true;
  }
  return rule;
}

bool HostRule::matches(const CanonicalHost& host, uint16_t port) const {
  if (std::none_of(ports.begin(), ports.end(),
                   [port](const PortRange& r) { return r.contains(port); })) {
    return false;
  }
  if (literal) return host.literal && unmapped(*host.literal) == unmapped(*literal);
  if (host.literal) return false;
  if (!wildcard) return host.name == pattern;
  // Label boundary: "a.example.com" ends with ".example.com"; "badexample.com" does not.
  return host.name.size() > pattern.size() + 1 && host.name.ends_with(pattern) &&
         host.name[host.name.size() - pattern.size() - 1] == '.';
}

Result<CidrRule> CidrRule::parse(std::string_view text) {
  if (text.empty()) return bad_cidr_rule(text, "empty");
  std::string_view range_text = text;
  std::optional<std::string_view> port_text;
  size_t slash = text.find('/');
  size_t colon = slash != std::string_view::npos ? text.find(':', slash) : std::string_view::npos;
  if (slash == std::string_view::npos && std::count(text.begin(), text.end(), ':') == 1) {
    colon = text.find(':');  // an IPv4 address with a port; bare IPv6 takes no port
  }
  if (colon != std::string_view::npos) {
    range_text = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  auto range = Cidr::parse(range_text);
  if (!range.ok()) return bad_cidr_rule(text, range.error().message());
  if (range->prefix == 0) {
    return bad_cidr_rule(text,
                         "a /0 would exempt every address, loopback and cloud metadata "
                         "included; list the ranges the agent needs");
  }
  CidrRule rule{std::string(text), *range, default_ports()};
  if (port_text) {
    std::string why;
    auto ports = parse_port_spec(*port_text, why);
    if (!ports) return bad_cidr_rule(text, why);
    rule.ports = {*ports};
  }
  return rule;
}

Result<Forward> Forward::parse(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) return bad_forward(text, "no '='");
  auto listen = parse_port(text.substr(0, eq));
  if (!listen) return bad_forward(text, "the listen port must be a number from 1 to 65535");
  auto authority = split_authority(text.substr(eq + 1), /*default_port=*/0);
  if (!authority.ok()) return bad_forward(text, authority.error().message());
  // split_authority only lets an IPv6 address through in brackets.
  auto host = canonicalize_host(authority->host, /*allow_bare_ipv6=*/true);
  if (!host.ok()) return bad_forward(text, host.error().message());
  if (host->literal && host->literal->is_v4() && authority->host != host->name) {
    return bad_forward(text, "write the IPv4 address as a dotted quad (\"" + host->name + "\")");
  }
  bool bracket = host->literal && !host->literal->is_v4();
  std::string target = bracket ? "[" + host->name + "]" : host->name;
  return Forward{*listen, target + ":" + std::to_string(authority->port)};
}

}  // namespace cordon::net
