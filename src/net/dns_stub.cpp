// UDP DNS for the box: synthetic A answers for names the policy could allow, REFUSED otherwise.
#include "net/dns_stub.h"

#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "net/dns_message.h"
#include "net/host.h"

namespace cordon::net {
namespace {

constexpr uint8_t kServFail = 2;
constexpr uint8_t kRefused = 5;
constexpr size_t kMaxVerdicts = 4096;
constexpr int kDatagramsPerEvent = 64;  // then let other connections have the loop

// The ports a name is tried on: every port of a small range, the ends and a sample of a wide
// one (a deny rule inside a wide allow range could leave a name allowed only on ports between
// the samples; such a name is then refused here but still decided per connection).
std::vector<uint16_t> candidate_ports(const std::vector<PortRange>& ranges) {
  std::vector<uint16_t> ports;
  for (const PortRange& range : ranges) {
    uint32_t lo = range.lo;
    uint32_t hi = range.hi;
    if (hi < lo) continue;
    if (hi - lo < 256) {
      for (uint32_t p = lo; p <= hi; ++p) ports.push_back(static_cast<uint16_t>(p));
      continue;
    }
    for (uint32_t p : {80u, 443u}) {
      if (p >= lo && p <= hi) ports.push_back(static_cast<uint16_t>(p));
    }
    uint32_t step = (hi - lo) / 255;
    for (uint32_t p = lo; p <= hi; p += step) ports.push_back(static_cast<uint16_t>(p));
    ports.push_back(static_cast<uint16_t>(hi));
  }
  return ports;
}

}  // namespace

DnsStub::DnsStub(ProxyContext& context, UniqueFd socket)
    : ctx_(context), socket_(context.loop, std::move(socket)) {}

bool DnsStub::start() {
  return socket_.watch([this](uint32_t) { on_readable(); }) && socket_.set_interest(EPOLLIN);
}

void DnsStub::on_readable() {
  uint8_t message[4096];
  for (int i = 0; i < kDatagramsPerEvent; ++i) {
    sockaddr_storage from{};
    socklen_t from_length = sizeof(from);
    ssize_t n = ::recvfrom(socket_.get(), message, sizeof(message), MSG_DONTWAIT,
                           reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      continue;  // an ICMP error queued on the socket, EINTR: the next datagram
    }
    answer(message, static_cast<size_t>(n), from, from_length);
  }
}

Decision DnsStub::name_may_be_allowed(const CanonicalHost& host) {
  if (auto it = verdicts_.find(host.name); it != verdicts_.end()) return it->second;
  Decision verdict = ctx_.rules.decide(host, 443);
  if (!verdict.allowed) {
    for (uint16_t port : candidate_ports(ctx_.rules.allowed_ports())) {
      Decision decision = ctx_.rules.decide(host, port);
      if (decision.allowed) {
        verdict = decision;
        break;
      }
    }
  }
  if (verdicts_.size() >= kMaxVerdicts) verdicts_.clear();
  verdicts_.emplace(host.name, verdict);
  return verdict;
}

void DnsStub::answer(const uint8_t* data, size_t size, const sockaddr_storage& from,
                     socklen_t from_length) {
  std::span<const uint8_t> message(data, size);
  std::optional<dns::Query> query = dns::parse_query(message);
  if (!query) return;  // too broken to answer

  DecisionRecord record;
  record.entry = EntryPoint::kDns;
  record.protocol = "dns";
  record.host = query->name;
  std::vector<uint8_t> reply;

  auto host = canonicalize_host(query->name);
  if (query->qclass != dns::kClassIN) {
    record.reason = "DNS class " + std::to_string(query->qclass) + " is not served";
    reply = dns::answer_error(message, *query, kRefused);
  } else if (!host.ok()) {
    record.reason = host.error().message();
    reply = dns::answer_error(message, *query, kRefused);
  } else if (host->literal) {
    record.host = host->name;
    record.reason = "an address is not a name to resolve";
    reply = dns::answer_error(message, *query, kRefused);
  } else {
    record.host = host->name;
    Decision decision = name_may_be_allowed(*host);
    record.rule = decision.rule;
    record.reason = decision.reason;
    if (!decision.allowed) {
      reply = dns::answer_error(message, *query, kRefused);
    } else if (query->type == dns::kTypeA) {
      std::optional<IpAddress> address = ctx_.names.address_for(host->name);
      if (address) {
        record.allowed = true;
        record.address = address->to_string();
        reply = dns::answer_a(message, *query, *address, kTtlSeconds);
      } else {
        record.reason = "the synthetic address range is exhausted";
        reply = dns::answer_error(message, *query, kServFail);
      }
    } else {
      record.allowed = true;  // the name exists for the box, but only as an IPv4 address
      reply = dns::answer_empty(message, *query);
    }
  }
  ctx_.report(record);
  if (!reply.empty()) {
    ::sendto(socket_.get(), reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
             reinterpret_cast<const sockaddr*>(&from), from_length);
  }
}

}  // namespace cordon::net
