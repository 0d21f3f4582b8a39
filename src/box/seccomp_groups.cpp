// The box's syscall refusals as named tables; see seccomp_groups.h.
#include "box/seccomp_groups.h"

#include <linux/audit.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <utility>

namespace cordon::box::seccomp {
namespace {

// The kernel reads int and unsigned int arguments as their low 32 bits.
constexpr uint64_t kLow32 = 0xffffffff;
// socket(2) type: the kernel's SOCK_TYPE_MASK; SOCK_NONBLOCK and SOCK_CLOEXEC are or'ed above it.
constexpr uint64_t kSockTypeMask = 0xf;

std::string to_hex(uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
  return buffer;
}

ArgCompare low32_equals(unsigned arg, uint64_t value) {
  return {arg, ArgOp::kMaskedEq, kLow32, value};
}
ArgCompare has_bits(unsigned arg, uint64_t bits) { return {arg, ArgOp::kMaskedEq, bits, bits}; }

// Every call of each syscall in `names` fails with `err`.
std::vector<SyscallRule> refuse_always(std::initializer_list<const char*> names, int err = EPERM) {
  std::vector<SyscallRule> rules;
  for (const char* name : names) rules.push_back({name, {Conjunction{}}, err, ""});
  return rules;
}

std::vector<SyscallRule> mount_rules() {
  // open_tree_attr (Linux 6.15) is open_tree plus mount_setattr in one call.
  return refuse_always({"mount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree",
                        "open_tree_attr", "move_mount", "mount_setattr", "pivot_root", "chroot"});
}

std::vector<SyscallRule> namespace_rules() {
  std::vector<SyscallRule> rules = refuse_always({"unshare", "setns"});
  // One rule per flag: clone(2) refuses if any namespace flag is set. CLONE_NEWTIME (0x80) is
  // left out on purpose: in clone(2)'s flags that bit belongs to the exit-signal byte, so a rule
  // on it would refuse ordinary forks; clone(2) cannot create a time namespace anyway.
  struct Flag {
    uint64_t bit;
    const char* name;
  };
  constexpr Flag kNamespaceFlags[] = {
      {CLONE_NEWNS, "CLONE_NEWNS"},         {CLONE_NEWUTS, "CLONE_NEWUTS"},
      {CLONE_NEWIPC, "CLONE_NEWIPC"},       {CLONE_NEWUSER, "CLONE_NEWUSER"},
      {CLONE_NEWPID, "CLONE_NEWPID"},       {CLONE_NEWNET, "CLONE_NEWNET"},
      {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
  };
  for (const Flag& flag : kNamespaceFlags) {
    rules.push_back({"clone", {{has_bits(0, flag.bit)}}, EPERM, flag.name});
  }
  // clone3 passes its flags in memory, which seccomp cannot read. ENOSYS makes glibc fall back to
  // clone(2), whose flags the rules above inspect.
  rules.push_back({"clone3", {Conjunction{}}, ENOSYS, "flags unreadable: fall back to clone"});
  return rules;
}

// Checks at compile time that the allowed personalities are "any subset of some bits, or all
// ones", the shape personality_rules() relies on.
constexpr uint32_t personality_free_bits() {
  uint32_t bits = 0;
  for (uint32_t v : kAllowedPersonalities) bits |= (v == 0xffffffff ? 0 : v);
  return bits;
}
constexpr bool allowed_personalities_are_subsets_of_free_bits() {
  int subsets = 0;
  for (uint32_t v : kAllowedPersonalities) {
    if (v != 0xffffffff && (v & ~personality_free_bits()) != 0) return false;
    if (v != 0xffffffff) ++subsets;
  }
  return subsets == (1 << std::popcount(personality_free_bits()));
}
static_assert(allowed_personalities_are_subsets_of_free_bits());

// personality(2) with anything but kAllowedPersonalities. A value is refused iff it sets a bit
// outside the free bits (bits 3 and 17) and clears some bit (it is not 0xffffffff). libseccomp
// allows one comparison per argument per rule, so this is a union of "bit b set and bit c
// clear" rules over pairs (b, c) that every refused value hits: a cycle through the 30 other bits
// (if one of them is clear, the cycle leaves the set bits somewhere), plus "first other bit set,
// free bit clear" for each free bit (all other bits set, a free bit clear). 32 rules.
std::vector<SyscallRule> personality_rules() {
  constexpr uint32_t kFree = personality_free_bits();
  std::vector<unsigned> other_bits;
  for (unsigned bit = 0; bit < 32; ++bit) {
    if ((kFree & (1u << bit)) == 0) other_bits.push_back(bit);
  }
  auto set_and_clear = [](unsigned set, unsigned clear) {
    return Conjunction{{0, ArgOp::kMaskedEq, (1ull << set) | (1ull << clear), 1ull << set}};
  };
  SyscallRule rule{"personality", {}, EPERM, "arg0 & 0xffffffff not in {"};
  const char* separator = "";
  for (uint32_t allowed : kAllowedPersonalities) {
    rule.label += separator + to_hex(allowed);
    separator = ", ";
  }
  rule.label += "}";
  for (size_t i = 0; i < other_bits.size(); ++i) {
    rule.when.push_back(set_and_clear(other_bits[i], other_bits[(i + 1) % other_bits.size()]));
  }
  for (unsigned bit = 0; bit < 32; ++bit) {
    if ((kFree & (1u << bit)) != 0) rule.when.push_back(set_and_clear(other_bits[0], bit));
  }
  return {rule};
}

std::vector<SyscallRule> terminal_rules() {
  // The kernel reads the request as 32 bits: TIOCSTI | 1 << 32 is TIOCSTI.
  return {{"ioctl", {{low32_equals(1, TIOCSTI)}}, EPERM, "TIOCSTI"},
          {"ioctl", {{low32_equals(1, TIOCLINUX)}}, EPERM, "TIOCLINUX"}};
}

// Every call that sets a file's mode, with S_ISUID or S_ISGID in it. `mode` is the argument's
// index in each call.
std::vector<SyscallRule> setuid_file_rules() {
  struct ModeArg {
    const char* syscall;
    unsigned mode;
  };
  constexpr ModeArg kModeArgs[] = {{"chmod", 1},     {"fchmod", 1}, {"fchmodat", 2},
                                   {"fchmodat2", 2}, {"open", 2},   {"openat", 3},
                                   {"creat", 1},     {"mknod", 1},  {"mknodat", 2}};
  std::vector<SyscallRule> rules;
  for (const ModeArg& call : kModeArgs) {
    rules.push_back({call.syscall, {{has_bits(call.mode, S_ISUID)}}, EPERM, "S_ISUID"});
    rules.push_back({call.syscall, {{has_bits(call.mode, S_ISGID)}}, EPERM, "S_ISGID"});
  }
  // openat2 passes its mode in memory, which seccomp cannot read. ENOSYS: callers fall back to
  // openat, whose mode the rules above read.
  rules.push_back({"openat2", {Conjunction{}}, ENOSYS, "mode unreadable: fall back to openat"});
  return rules;
}

bool socket_family_allowed(int family) {
  for (int allowed : kAllowedSocketFamilies) {
    if (family == allowed) return true;
  }
  return false;
}

// The same rules for socket(2) and socketpair(2): both take (family, type, protocol).
std::vector<SyscallRule> socket_rules_for(const char* syscall) {
  std::vector<SyscallRule> rules;
  for (int family = 0; family < kSocketFamilyCount; ++family) {
    if (socket_family_allowed(family)) continue;
    rules.push_back({syscall, {{low32_equals(0, family)}}, EPERM, socket_family_name(family)});
  }
  // 64-bit compare: future families, and any value with high bits set, are refused.
  rules.push_back({syscall,
                   {{{0, ArgOp::kGreaterEqual, 0, kSocketFamilyCount}}},
                   EPERM,
                   "families >= " + std::to_string(kSocketFamilyCount) + ", high bits"});
  // Only route netlink (ip addr, ip route); audit, uevent, netfilter and the rest stay closed.
  rules.push_back({syscall,
                   {{low32_equals(0, AF_NETLINK), {2, ArgOp::kNotEqual, 0, 0}}},
                   EPERM,
                   "AF_NETLINK other than NETLINK_ROUTE"});
  // Raw IP sockets forge packets; SOCK_PACKET on AF_INET is the kernel's legacy alias for
  // AF_PACKET.
  for (int family : {AF_INET, AF_INET6}) {
    for (int type : {SOCK_RAW, SOCK_PACKET}) {
      rules.push_back(
          {syscall,
           {{low32_equals(0, family), {1, ArgOp::kMaskedEq, kSockTypeMask, uint64_t(type)}}},
           EPERM,
           socket_family_name(family) + (type == SOCK_RAW ? " SOCK_RAW" : " SOCK_PACKET")});
    }
  }
  return rules;
}

std::vector<SyscallRule> socket_rules() {
  std::vector<SyscallRule> rules = socket_rules_for("socket");
  for (SyscallRule& rule : socket_rules_for("socketpair")) rules.push_back(std::move(rule));
  return rules;
}

// The groups in listing order. Each reason is the one line a reviewer reads to see why.
std::vector<SyscallGroup> make_groups() {
  std::vector<SyscallGroup> groups;
  groups.push_back({"mount",
                    "the filesystem view is fixed at launch; remounting could unhide secrets or "
                    "make read-only paths writable",
                    mount_rules()});
  groups.push_back({"namespaces",
                    "a new namespace hands out fresh capabilities over kernel code where most "
                    "container escapes start; joining one leaves the box",
                    namespace_rules()});
  groups.push_back(
      {"other-processes",
       "ptrace and cross-process memory access let one process rewrite another after the gate "
       "approved it",
       refuse_always({"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"})});
  groups.push_back(
      {"shared-working-directory",
       "the approval gate judges relative paths against a program's working directory at its "
       "start; a second process sharing it (clone with CLONE_FS, not a thread) could change it "
       "afterwards. Threads end at exec, so they may share it",
       {{"clone",
         {{ArgCompare{0, ArgOp::kMaskedEq, CLONE_FS | CLONE_THREAD, CLONE_FS}}},
         EPERM,
         "CLONE_FS without CLONE_THREAD"}}});
  groups.push_back({"kernel-code",
                    "loading modules or booting another kernel is the host's business",
                    refuse_always({"kexec_load", "kexec_file_load", "init_module", "finit_module",
                                   "delete_module"})});
  groups.push_back({"kernel-attack-surface",
                    "large, bug-prone interfaces an agent does not need; userfaultfd makes kernel "
                    "races reliable, io_uring works around seccomp",
                    refuse_always({"bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
                                   "io_uring_enter", "io_uring_register"})});
  groups.push_back(
      {"keyring",
       "kernel keyrings are not namespaced: the user's other sessions' keys are reachable",
       refuse_always({"keyctl", "add_key", "request_key"})});
  groups.push_back({"file-handles",
                    "open_by_handle_at opens files by handle, outside the mount view (the "
                    "'shocker' container escape)",
                    refuse_always({"open_by_handle_at", "name_to_handle_at"})});
  groups.push_back({"host-admin",
                    "administration of the host and obsolete interfaces; nothing an agent needs",
                    refuse_always({"acct", "swapon", "swapoff", "reboot", "syslog", "quotactl",
                                   "quotactl_fd", "lookup_dcookie", "uselib", "nfsservctl",
                                   "vhangup", "iopl", "ioperm", "_sysctl"})});
  groups.push_back(
      {"clock", "the box has no time namespace: the clock it would set is the host's",
       refuse_always({"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime"})});
  groups.push_back({"personality",
                    "ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC and the like switch off exploit "
                    "mitigations for every program started afterwards",
                    personality_rules()});
  groups.push_back({"terminal",
                    "these ioctls type into a terminal whose reader may be the user's shell "
                    "outside the box (CVE-2017-5226)",
                    terminal_rules()});
  groups.push_back(
      {"setuid-files",
       "a setuid or setgid file the box leaves in the workspace runs as its owner on the host: "
       "as root when cordon runs as root (a copy of a shell, chmod 4755), for any local user",
       setuid_file_rules()});
  groups.push_back({"sockets",
                    "only local, IP and route-netlink sockets: raw and packet sockets forge "
                    "traffic, other families are rarely used kernel code (AF_VSOCK reaches the "
                    "host)",
                    socket_rules()});
  return groups;
}

constexpr const char* kSocketFamilyNames[kSocketFamilyCount] = {
    "AF_UNSPEC",     "AF_UNIX",      "AF_INET",     "AF_AX25",  "AF_IPX",     "AF_APPLETALK",
    "AF_NETROM",     "AF_BRIDGE",    "AF_ATMPVC",   "AF_X25",   "AF_INET6",   "AF_ROSE",
    "AF_DECnet",     "AF_NETBEUI",   "AF_SECURITY", "AF_KEY",   "AF_NETLINK", "AF_PACKET",
    "AF_ASH",        "AF_ECONET",    "AF_ATMSVC",   "AF_RDS",   "AF_SNA",     "AF_IRDA",
    "AF_PPPOX",      "AF_WANPIPE",   "AF_LLC",      "AF_IB",    "AF_MPLS",    "AF_CAN",
    "AF_TIPC",       "AF_BLUETOOTH", "AF_IUCV",     "AF_RXRPC", "AF_ISDN",    "AF_PHONET",
    "AF_IEEE802154", "AF_CAIF",      "AF_ALG",      "AF_NFC",   "AF_VSOCK",   "AF_KCM",
    "AF_QIPCRTR",    "AF_SMC",       "AF_XDP",      "AF_MCTP",
};
static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10 && AF_NETLINK == 16);
static_assert(AF_PACKET == 17 && AF_VSOCK == 40 && AF_MCTP == kSocketFamilyCount - 1);

// Numbers from the table all architectures share since Linux 5.1, for the refused syscalls in
// it. Consulted only when libseccomp does not know a name.
struct UnifiedNumber {
  std::string_view name;
  int nr;
};
constexpr UnifiedNumber kUnifiedNumbers[] = {
    {"io_uring_setup", 425},
    {"io_uring_enter", 426},
    {"io_uring_register", 427},
    {"open_tree", 428},
    {"move_mount", 429},
    {"fsopen", 430},
    {"fsconfig", 431},
    {"fsmount", 432},
    {"fspick", 433},
    {"clone3", 435},
    {"openat2", 437},
    {"pidfd_getfd", 438},
    {"mount_setattr", 442},
    {"quotactl_fd", 443},
    {"fchmodat2", 452},
    // Linux 6.15; libseccomp 2.5.4 does not know it.
    {"open_tree_attr", 467},
};

}  // namespace

const std::vector<SyscallGroup>& box_syscall_groups() {
  static const std::vector<SyscallGroup>* const groups =
      new std::vector<SyscallGroup>(make_groups());
  return *groups;
}

std::string describe(const ArgCompare& compare) {
  std::string arg = "arg" + std::to_string(compare.arg);
  switch (compare.op) {
    case ArgOp::kMaskedEq:
      return arg + " & " + to_hex(compare.mask) + " == " + to_hex(compare.value);
    case ArgOp::kNotEqual:
      return arg + " != " + to_hex(compare.value);
    case ArgOp::kGreaterEqual:
      return arg + " >= " + to_hex(compare.value);
  }
  std::abort();  // unreachable: every ArgOp is handled above
}

std::string describe(const Conjunction& conjunction) {
  if (conjunction.empty()) return "always";
  std::string out;
  for (const ArgCompare& compare : conjunction) {
    if (!out.empty()) out += " && ";
    out += describe(compare);
  }
  return out;
}

std::string socket_family_name(int family) {
  if (family >= 0 && family < kSocketFamilyCount) return kSocketFamilyNames[family];
  return "AF_" + std::to_string(family);
}

std::optional<int> unified_syscall_number(std::string_view name, uint32_t audit_arch) {
  // mips, ia64 and alpha offset the shared table; only the architectures cordon supports.
  if (audit_arch != AUDIT_ARCH_X86_64 && audit_arch != AUDIT_ARCH_AARCH64) return std::nullopt;
  for (const UnifiedNumber& entry : kUnifiedNumbers) {
    if (entry.name == name) return entry.nr;
  }
  return std::nullopt;
}

}  // namespace cordon::box::seccomp
