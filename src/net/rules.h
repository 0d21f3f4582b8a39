// The egress rules of a policy, compiled, and the one decision function every entry point uses.
//
// Order of a decision: canonicalise the host (host.h); deny rules first, then allow rules, then
// allow_cidr for address literals; if allowed, the caller resolves the name once (pins first)
// and vets every answer with vet_addresses(), then dials exactly the address it returns.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "net/address.h"
#include "net/host.h"

namespace cordon::net {

struct PortRange {
  uint16_t lo = 0;
  uint16_t hi = 0;
  bool contains(uint16_t port) const { return port >= lo && port <= hi; }
};

// One allow or deny rule: "api.example.com", "*.example.com" (subdomains only, never the
// apex), "git.example.com:22", "mirror.example.com:8000-8100", "203.0.113.7:443",
// "[2001:db8::7]:443". No port means 80 and 443 in an allow rule, and every port in a deny rule
// (EgressRules::compile widens it: a deny must never be narrower than it reads). A wildcard
// needs two labels after "*." ("*.com" is refused); an IPv4 literal is written as a dotted quad.
struct HostRule {
  std::string text;     // as written, for messages and audit events
  std::string pattern;  // canonical name (without the "*." of a wildcard) or address text
  bool wildcard = false;
  std::optional<IpAddress> literal;
  std::vector<PortRange> ports;
  bool port_written = false;  // false: `ports` is the default (80, 443)
  static Result<HostRule> parse(std::string_view text);
  bool matches(const CanonicalHost& host, uint16_t port) const;
};

// One allow_cidr entry: "10.0.0.0/8" or "10.1.2.3/32:5432" or "10.0.0.0/8:8000-8100".
// Addresses inside may be dialled (exempt from blocked_range) when a name allowed by an allow
// rule resolves to them, and address literals inside are allowed on its ports (no port: 80, 443).
// Both hold only on the entry's ports. An IPv6 range takes a port after its prefix ("2001:db8::/32:443").
// A /0 is refused: it would exempt every address, loopback and cloud metadata included.
struct CidrRule {
  std::string text;
  Cidr range;
  std::vector<PortRange> ports;
  static Result<CidrRule> parse(std::string_view text);
};

// A TCP forward: the box connects to 127.0.0.1:listen_port, cordon dials `target` (decided by
// the same rules as every other connection).
struct Forward {
  uint16_t listen_port = 0;
  std::string target;  // "db.example.com:5432"
  // "5432=db.example.com:5432" (the target's port is required; `target` keeps the canonical
  // host: "db.example.com:5432", "[2001:db8::5]:5432").
  static Result<Forward> parse(std::string_view text);
};

// The policy's [network] section as the egress wall sees it (plain strings from policy/).
struct EgressConfig {
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  std::vector<std::string> allow_cidr;
  std::map<std::string, std::string> resolve;  // name -> address text (a pin, like curl --resolve)
  std::vector<std::string> forward;            // "5432=db.example.com:5432"
};

struct Decision {
  bool allowed = false;
  std::string rule;    // the rule's text that decided, or "" for the default deny
  std::string reason;  // why, in words the agent can act on
};

class EgressRules {
 public:
  // Parses every entry; the first malformed one is an error naming it. Also refused: two
  // forwards on one port, a forward whose target the rules refuse, two pins for one name.
  static Result<EgressRules> compile(const EgressConfig& config);

  // Canonicalises `raw_host` and decides it with `port`. Never resolves. A malformed host is a
  // refusal with the parser's reason. Deny rules win over allow rules. An address literal that
  // the rules allow is also vetted here (blocked ranges, unless inside an allow_cidr).
  Decision decide(std::string_view raw_host, uint16_t port) const;
  Decision decide(const CanonicalHost& host, uint16_t port) const;

  // The pinned addresses for a canonical name (from `resolve`), if any.
  std::optional<std::vector<IpAddress>> pinned(const std::string& name) const;

  // Whether an address is one of the supervisor host's own (HostRoutes asks the kernel); an
  // error refuses the address (fail closed).
  using HostLocal = std::function<Result<bool>(const IpAddress&)>;

  // Picks the address to dial among a name's answers: the first one that no address deny rule
  // names on `port`, and that is inside an allow_cidr or else neither in a blocked range nor,
  // when `host_local` is given, one of this host's own addresses (which reach its services on
  // 0.0.0.0 as loopback would). A deny rule wins over allow_cidr: a denied address is never
  // dialled, whatever name led to it. When no answer qualifies, a refusal naming the first
  // answer's reason ("resolves to 127.0.0.1: loopback"; a deny rule's text as the rule). An
  // IPv4-mapped answer is judged and returned as the IPv4 address it stands for. Dial always
  // passes `host_local`; without it (pure callers, decide() on a literal) only the rules and
  // ranges are checked.
  struct Vetted {
    std::optional<IpAddress> address;
    Decision decision;
  };
  Vetted vet_addresses(const CanonicalHost& host, uint16_t port, std::span<const IpAddress> answers,
                       const HostLocal& host_local = {}) const;

  const std::vector<Forward>& forwards() const { return forwards_; }
  // Every TCP port some allow or allow_cidr rule could allow (for Landlock's connect rules),
  // sorted, overlapping and adjacent ranges merged. Forward listen ports are not included.
  std::vector<PortRange> allowed_ports() const;

 private:
  // Why one answer may not be dialled on `port` (a refusal), or an allowed decision to dial it.
  Decision vet_one(const IpAddress& address, uint16_t port, const HostLocal& host_local) const;

  std::vector<HostRule> allow_;
  std::vector<HostRule> deny_;
  std::vector<CidrRule> allow_cidr_;
  std::map<std::string, std::vector<IpAddress>> pins_;
  std::vector<Forward> forwards_;
};

// Synthetic addresses the box's DNS stub hands out for allowed names, from 198.18.0.0/15, one
// per name, never reused within a session; the transparent listener maps them back.
class SyntheticNames {
 public:
  // The address for `name` (canonical), assigning the next free one the first time. nullopt
  // when the range is exhausted (131,070 names).
  std::optional<IpAddress> address_for(const std::string& name);
  // The name an address was handed out for, if any.
  std::optional<std::string> name_for(const IpAddress& address) const;

 private:
  std::map<std::string, uint32_t> by_name_;
  std::map<uint32_t, std::string> by_address_;
  uint32_t next_ = 1;  // offset into 198.18.0.0/15; .0 is skipped
};

}  // namespace cordon::net
