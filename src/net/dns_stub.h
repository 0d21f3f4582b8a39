// The box's DNS stub: answers A queries for names the policy could allow with a synthetic
// address (198.18.0.0/15, SyntheticNames), AAAA and other types with an empty answer, and
// everything else with REFUSED. It never forwards a query anywhere: the box learns no real
// address, and a name's connection is decided again when the transparent listener sees it.
#pragma once

#include <string>
#include <unordered_map>

#include "base/unique_fd.h"
#include "net/event_loop.h"
#include "net/proxy_context.h"

namespace cordon::net {

class DnsStub {
 public:
  DnsStub(ProxyContext& context, UniqueFd socket);
  [[nodiscard]] bool start();

  // TTL of the synthetic answers; an address is never reused within a session.
  static constexpr uint32_t kTtlSeconds = 60;

 private:
  void on_readable();
  void answer(const uint8_t* message, size_t size, const sockaddr_storage& from,
              socklen_t from_length);
  // Allowed on some port an allow rule names, and not denied there.
  Decision name_may_be_allowed(const CanonicalHost& host);

  ProxyContext& ctx_;
  WatchedFd socket_;
  std::unordered_map<std::string, Decision> verdicts_;  // rules are immutable: cache by name
};

}  // namespace cordon::net
