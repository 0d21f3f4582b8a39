// The syscall wall as data: what the box's seccomp filter refuses, in named groups by meaning.
//
// Pure data and pure functions: nothing here talks to libseccomp or the kernel. seccomp.cpp
// resolves the names and compiles these tables; the unit tests check the compiled filter against
// them by emulation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::box::seccomp {

// The argument comparisons the box needs (a subset of libseccomp's operators). Arguments are
// compared as 64-bit values; a rule about an `int` or `unsigned int` argument uses kMaskedEq with
// mask 0xffffffff, because the kernel only reads the low 32 bits and a caller can set the rest.
enum class ArgOp {
  kMaskedEq,      // (arg & mask) == value
  kNotEqual,      // arg != value (64-bit: stray high bits make it true, i.e. refuse)
  kGreaterEqual,  // arg >= value (64-bit: stray high bits make it true, i.e. refuse)
};

struct ArgCompare {
  unsigned arg;  // 0..5
  ArgOp op;
  uint64_t mask;  // kMaskedEq only
  uint64_t value;
};

// Comparisons that must all hold (one libseccomp rule). Empty: every call.
using Conjunction = std::vector<ArgCompare>;

// One refusal: a call of `syscall` matching any conjunction of `when` fails with `errno_value`.
// `label` names the refused thing for people ("AF_PACKET", "CLONE_NEWUSER").
struct SyscallRule {
  std::string syscall;
  std::vector<Conjunction> when;  // one empty conjunction = always
  int errno_value;
  std::string label;
};

// A table of rules with one meaning. `reason` is the one line a reviewer reads to see why.
struct SyscallGroup {
  std::string name;
  std::string reason;
  std::vector<SyscallRule> rules;
};

// "arg1 & 0xf == 0x3", "arg2 != 0x0"; a conjunction joins them with " && ", empty is "always".
std::string describe(const ArgCompare& compare);
std::string describe(const Conjunction& conjunction);

// Every refusal of the box's filter, in a stable order (the order of describe_box_filter()).
// Anything not matched here is allowed: the filter's default action is ALLOW.
const std::vector<SyscallGroup>& box_syscall_groups();

// personality(2) values the box allows; every other value (compared on the low 32 bits) is
// refused.
inline constexpr uint32_t kAllowedPersonalities[] = {
    0x0,         // PER_LINUX
    0x8,         // PER_LINUX32 (setarch i686, 32-bit builds)
    0x20000,     // UNAME26
    0x20008,     // PER_LINUX32 | UNAME26
    0xffffffff,  // query the current persona
};

// Socket families a box may create. Every other family is refused, so a family added by a future
// kernel is refused too. AF_NETLINK is further restricted to NETLINK_ROUTE.
inline constexpr int kAllowedSocketFamilies[] = {1 /* AF_UNIX */, 2 /* AF_INET */,
                                                 10 /* AF_INET6 */, 16 /* AF_NETLINK */};

// Number of socket families Linux knows (AF_MCTP = 45 is the last, since 5.15); families at or
// above this are refused by one range rule.
inline constexpr int kSocketFamilyCount = 46;

// "AF_PACKET" for 17; "AF_46" style for numbers the table does not name.
std::string socket_family_name(int family);

// The syscall number of `name` from the table every architecture shares since Linux 5.1
// (numbers >= 424), for names an older libseccomp does not know. Only for architectures whose
// numbering is known to follow that table (x86_64, aarch64; `audit_arch` is an AUDIT_ARCH_*
// value); nullopt otherwise.
std::optional<int> unified_syscall_number(std::string_view name, uint32_t audit_arch);

}  // namespace cordon::box::seccomp
