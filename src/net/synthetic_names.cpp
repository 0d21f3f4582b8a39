// SyntheticNames: the box's DNS stub answers with one address per allowed name from
// 198.18.0.0/15, so a transparent connection to that address can be mapped back to the name.
#include "net/rules.h"

namespace cordon::net {
namespace {

constexpr uint32_t kBase = 0xC6120000u;  // 198.18.0.0
constexpr uint32_t kSize = 1u << 17;     // a /15
// Offset 0 (198.18.0.0) and the last one (198.19.255.255) are the range's network and
// broadcast addresses: some stacks treat them specially, so they are never handed out.
constexpr uint32_t kLastOffset = kSize - 2;

IpAddress address_at(uint32_t offset) {
  uint32_t value = kBase + offset;
  return IpAddress::v4(static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                       static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value));
}

}  // namespace

std::optional<IpAddress> SyntheticNames::address_for(const std::string& name) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return address_at(it->second);
  if (next_ > kLastOffset) return std::nullopt;
  uint32_t offset = next_++;
  by_name_.emplace(name, offset);
  by_address_.emplace(offset, name);
  return address_at(offset);
}

std::optional<std::string> SyntheticNames::name_for(const IpAddress& address) const {
  IpAddress v4 = unmapped(address);
  if (!v4.is_v4()) return std::nullopt;
  const auto& b = v4.bytes;
  uint32_t value = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  if (value - kBase >= kSize) return std::nullopt;  // unsigned: below the base wraps high
  auto it = by_address_.find(value - kBase);
  if (it == by_address_.end()) return std::nullopt;
  return it->second;
}

}  // namespace cordon::net
