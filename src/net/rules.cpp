// EgressRules: compiling a policy's [network] strings, and the one decision every entry point
// (HTTP, CONNECT, SOCKS5, transparent, forwards, DNS) makes before it dials anything.
#include "net/rules.h"

#include <algorithm>
#include <set>

namespace cordon::net {
namespace {

bool in_ports(const std::vector<PortRange>& ports, uint16_t port) {
  return std::any_of(ports.begin(), ports.end(),
                     [port](const PortRange& r) { return r.contains(port); });
}

// "api.example.com", "203.0.113.7", "[2001:db8::7]": the host as a rule would be written.
std::string rule_host(const CanonicalHost& host) {
  if (host.literal && !host.literal->is_v4()) return "[" + host.name + "]";
  return host.name;
}

std::string host_port(const CanonicalHost& host, uint16_t port) {
  return rule_host(host) + ":" + std::to_string(port);
}

Decision refuse(std::string rule, std::string reason) {
  return Decision{false, std::move(rule), std::move(reason)};
}

// A forward's canonical "host:port" target, decided like any connection.
Decision decide_target(const EgressRules& rules, const std::string& target) {
  auto authority = split_authority(target, /*default_port=*/0);
  if (!authority.ok()) return refuse("", authority.error().message());
  auto host = canonicalize_host(authority->host, /*allow_bare_ipv6=*/true);
  if (!host.ok()) return refuse("", host.error().message());
  return rules.decide(*host, authority->port);
}

constexpr const char* kOnlyAllowCidr =
    "cordon dials such an address only inside [network] allow_cidr";

}  // namespace

Result<EgressRules> EgressRules::compile(const EgressConfig& config) {
  EgressRules rules;
  for (const std::string& text : config.allow) {
    CORDON_ASSIGN_OR_RETURN(HostRule rule, HostRule::parse(text));
    rules.allow_.push_back(std::move(rule));
  }
  for (const std::string& text : config.deny) {
    CORDON_ASSIGN_OR_RETURN(HostRule rule, HostRule::parse(text));
    // "deny evil.example.com" must not leave evil.example.com:22 open to a wider allow rule.
    if (!rule.port_written) rule.ports = {PortRange{1, 65535}};
    rules.deny_.push_back(std::move(rule));
  }
  for (const std::string& text : config.allow_cidr) {
    CORDON_ASSIGN_OR_RETURN(CidrRule rule, CidrRule::parse(text));
    rules.allow_cidr_.push_back(std::move(rule));
  }
  for (const auto& [name, address_text] : config.resolve) {
    auto host = canonicalize_host(name);
    if (!host.ok()) return std::move(host.error().context("resolve"));
    if (host->literal) {
      return Error(Errc::kInvalidInput, "resolve: \"" + name + "\" is an address, not a name")
          .with_hint("a pin maps a name to an address: \"db.example.com\" = \"203.0.113.5\"");
    }
    auto address = IpAddress::parse(address_text);
    if (!address) {
      return Error(Errc::kInvalidInput, "resolve: \"" + name + "\" = \"" + address_text +
                                            "\" is not an IPv4 dotted quad or IPv6 address")
          .with_hint("a pin maps a name to an address: \"db.example.com\" = \"203.0.113.5\"");
    }
    if (rules.pins_.count(host->name) != 0) {
      return Error(Errc::kInvalidInput, "resolve: two pins for \"" + host->name + "\"")
          .with_hint("names are compared case-insensitively and without a trailing dot");
    }
    rules.pins_[host->name] = {*address};
  }
  std::set<uint16_t> listen_ports;
  for (const std::string& text : config.forward) {
    CORDON_ASSIGN_OR_RETURN(Forward forward, Forward::parse(text));
    if (!listen_ports.insert(forward.listen_port).second) {
      return Error(Errc::kInvalidInput, "forward \"" + text + "\": port " +
                                            std::to_string(forward.listen_port) +
                                            " is already forwarded")
          .with_hint("each forward needs its own listen port");
    }
    rules.forwards_.push_back(std::move(forward));
  }
  // A forward the rules refuse could never carry a byte: say so now, not at the first connect.
  for (const Forward& forward : rules.forwards_) {
    Decision d = decide_target(rules, forward.target);
    if (!d.allowed) {
      return Error(Errc::kInvalidInput, "forward to " + forward.target + " is refused: " + d.reason)
          .with_hint(
              "a forward's target is decided by the same rules as every connection; allow "
              "it in [network] allow");
    }
  }
  return rules;
}

Decision EgressRules::decide(std::string_view raw_host, uint16_t port) const {
  auto host = canonicalize_host(raw_host);
  if (!host.ok()) return refuse("", host.error().message());
  return decide(*host, port);
}

Decision EgressRules::decide(const CanonicalHost& host, uint16_t port) const {
  if (port == 0) return refuse("", "port 0 is not a destination");
  for (const HostRule& rule : deny_) {
    if (rule.matches(host, port)) return refuse(rule.text, "denied by rule");
  }
  std::optional<Decision> allowed;
  for (const HostRule& rule : allow_) {
    if (rule.matches(host, port)) {
      allowed = Decision{true, rule.text, "allowed by rule"};
      break;
    }
  }
  if (!allowed && host.literal) {
    IpAddress address = unmapped(*host.literal);
    for (const CidrRule& rule : allow_cidr_) {
      if (rule.range.contains(address) && in_ports(rule.ports, port)) {
        allowed = Decision{true, rule.text, "allowed by allow_cidr"};
        break;
      }
    }
  }
  if (!allowed) {
    std::string suggestion = (port == 80 || port == 443) ? rule_host(host) : host_port(host, port);
    std::string reason = "no allow rule matches " + host_port(host, port);
    if (host.literal) {
      if (auto range = blocked_range(unmapped(*host.literal))) {
        return refuse("", reason + ", and " + host.name + " is " + *range + ": " + kOnlyAllowCidr);
      }
    }
    return refuse("", reason + "; add \"" + suggestion + "\" to [network] allow");
  }
  if (host.literal) {
    // A literal is its own only answer: vet it now, so no caller can dial it unvetted.
    IpAddress address = *host.literal;
    Vetted vetted = vet_addresses(host, port, std::span<const IpAddress>(&address, 1));
    if (!vetted.address) return refuse(allowed->rule, vetted.decision.reason);
  }
  return *allowed;
}

std::optional<std::vector<IpAddress>> EgressRules::pinned(const std::string& name) const {
  auto it = pins_.find(name);
  if (it == pins_.end()) return std::nullopt;
  return it->second;
}

Decision EgressRules::vet_one(const IpAddress& address, uint16_t port,
                              const HostLocal& host_local) const {
  // A deny rule on an address holds whatever name led to it ("whatever allow says"), and
  // before allow_cidr: an exemption from the blocked ranges is not an allow over a deny.
  const CanonicalHost as_host{address.to_string(), address};
  for (const HostRule& rule : deny_) {
    if (rule.literal && rule.matches(as_host, port)) return refuse(rule.text, "denied by rule");
  }
  for (const CidrRule& rule : allow_cidr_) {
    if (rule.range.contains(address) && in_ports(rule.ports, port)) {
      return Decision{true, rule.text, "dialling " + address.to_string() + " (inside allow_cidr)"};
    }
  }
  if (auto range = blocked_range(address)) return refuse("", *range + "; " + kOnlyAllowCidr);
  if (host_local) {
    Result<bool> local = host_local(address);
    if (!local.ok()) {
      return refuse("", "cordon could not check that it is not an address of this host (" +
                            local.error().describe() + ")");
    }
    if (*local) {
      return refuse("", std::string("an address of this host (it reaches the host's own services "
                                    "as loopback would); ") +
                            kOnlyAllowCidr);
    }
  }
  return Decision{true, "", "dialling " + address.to_string()};
}

EgressRules::Vetted EgressRules::vet_addresses(const CanonicalHost& host, uint16_t port,
                                               std::span<const IpAddress> answers,
                                               const HostLocal& host_local) const {
  if (answers.empty()) return Vetted{std::nullopt, refuse("", host.name + " has no address")};
  std::optional<Decision> first;
  for (const IpAddress& answer : answers) {
    IpAddress address = unmapped(answer);
    Decision decision = vet_one(address, port, host_local);
    if (decision.allowed) return Vetted{address, std::move(decision)};
    if (!first) first = std::move(decision);
  }
  std::string address = unmapped(answers.front()).to_string();
  std::string what = host.literal ? address : "resolves to " + address;
  what += first->rule.empty() ? ": " + first->reason : ", " + first->reason;
  if (answers.size() > 1) what += " (and no other answer may be dialled either)";
  return Vetted{std::nullopt, refuse(first->rule, what)};
}

std::vector<PortRange> EgressRules::allowed_ports() const {
  std::vector<PortRange> all;
  for (const HostRule& rule : allow_) all.insert(all.end(), rule.ports.begin(), rule.ports.end());
  for (const CidrRule& rule : allow_cidr_) {
    all.insert(all.end(), rule.ports.begin(), rule.ports.end());
  }
  std::sort(all.begin(), all.end(),
            [](const PortRange& a, const PortRange& b) { return a.lo < b.lo; });
  std::vector<PortRange> merged;
  for (const PortRange& r : all) {
    if (!merged.empty() && unsigned{r.lo} <= unsigned{merged.back().hi} + 1) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

}  // namespace cordon::net
