// Names of the policy enums as they are written in config files and shown to users.
#include "policy/policy.h"

#include <array>
#include <cstdlib>

#include "policy/enum_names.h"

namespace cordon::policy {
namespace {

constexpr std::array<EnumName<Profile>, 5> kProfiles{{
    {Profile::kReadOnly, "read-only"},
    {Profile::kWorkspaceWrite, "workspace-write"},
    {Profile::kCustomerData, "customer-data"},
    {Profile::kProduction, "production"},
    {Profile::kFinancial, "financial"},
}};
constexpr std::array<EnumName<WorkspaceAccess>, 2> kWorkspaceAccess{{
    {WorkspaceAccess::kReadWrite, "read-write"},
    {WorkspaceAccess::kReadOnly, "read-only"},
}};
constexpr std::array<EnumName<HomeMode>, 2> kHomeModes{{
    {HomeMode::kTmpfs, "tmpfs"},
    {HomeMode::kPersist, "persist"},
}};
constexpr std::array<EnumName<LandlockMode>, 2> kLandlockModes{{
    {LandlockMode::kRequired, "required"},
    {LandlockMode::kBestEffort, "best-effort"},
}};
constexpr std::array<EnumName<MemoryFallback>, 2> kMemoryFallbacks{{
    {MemoryFallback::kPerProcess, "per-process"},
    {MemoryFallback::kFailClosed, "fail"},
}};
constexpr std::array<EnumName<NetworkMode>, 2> kNetworkModes{{
    {NetworkMode::kNone, "none"},
    {NetworkMode::kProxy, "proxy"},
}};
constexpr std::array<EnumName<RiskLevel>, 5> kRiskLevels{{
    {RiskLevel::kLow, "low"},
    {RiskLevel::kMedium, "medium"},
    {RiskLevel::kHigh, "high"},
    {RiskLevel::kCritical, "critical"},
    {RiskLevel::kEverything, "everything"},
}};

template <class E>
const char* name_of(E value) {
  for (const auto& entry : enum_names<E>()) {
    // Every name is a string literal, so data() is NUL-terminated.
    if (entry.value == value) return entry.name.data();
  }
  std::abort();  // programmer bug: a value missing from its table
}

}  // namespace

template <>
std::span<const EnumName<Profile>> enum_names() {
  return kProfiles;
}
template <>
std::span<const EnumName<WorkspaceAccess>> enum_names() {
  return kWorkspaceAccess;
}
template <>
std::span<const EnumName<HomeMode>> enum_names() {
  return kHomeModes;
}
template <>
std::span<const EnumName<LandlockMode>> enum_names() {
  return kLandlockModes;
}
template <>
std::span<const EnumName<MemoryFallback>> enum_names() {
  return kMemoryFallbacks;
}
template <>
std::span<const EnumName<NetworkMode>> enum_names() {
  return kNetworkModes;
}
template <>
std::span<const EnumName<RiskLevel>> enum_names() {
  return kRiskLevels;
}

const char* to_string(Profile p) { return name_of(p); }
std::optional<Profile> profile_from_string(const std::string& name) {
  return enum_from_string<Profile>(name);
}
const char* to_string(WorkspaceAccess v) { return name_of(v); }
const char* to_string(HomeMode v) { return name_of(v); }
const char* to_string(LandlockMode v) { return name_of(v); }
const char* to_string(MemoryFallback v) { return name_of(v); }
const char* to_string(NetworkMode v) { return name_of(v); }
const char* to_string(RiskLevel v) { return name_of(v); }

}  // namespace cordon::policy
