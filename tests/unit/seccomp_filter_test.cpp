// Runs the compiled box filter in the BPF emulator on fake syscall records: every refusal fires,
// everyday calls pass, and argument tricks (high bits, or'ed flags, foreign ABIs) do not slip by.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <random>
#include <set>
#include <string>

#include "box/seccomp.h"
#include "box/seccomp_groups.h"
#include "unit/bpf_emulator.h"

namespace cordon::box {
namespace {

using bpf::run_bpf;
using bpf::syscall_record;
using seccomp::ArgCompare;
using seccomp::ArgOp;
using seccomp::Conjunction;
using seccomp::SyscallGroup;
using seccomp::SyscallRule;

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint64_t kHighBit = uint64_t{1} << 32;

uint32_t native_arch() { return seccomp_arch_native(); }

// The number the filter should use for `name`: libseccomp's, else the shared table's; -1 when
// `name` is not a syscall on this architecture. Resolved here independently of seccomp.cpp.
int expected_number(const std::string& name) {
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr >= 0) return nr;
  if (nr == __NR_SCMP_ERROR) {
    if (auto unified = seccomp::unified_syscall_number(name, native_arch())) return *unified;
  }
  return -1;
}

// Arguments for which every comparison of `conjunction` holds.
std::array<uint64_t, 6> witness(const Conjunction& conjunction) {
  std::array<uint64_t, 6> args{};
  for (const ArgCompare& compare : conjunction) {
    switch (compare.op) {
      case ArgOp::kMaskedEq:
        args[compare.arg] = compare.value;
        break;
      case ArgOp::kNotEqual:
        args[compare.arg] = compare.value + 1;
        break;
      case ArgOp::kGreaterEqual:
        args[compare.arg] = compare.value;
        break;
    }
  }
  return args;
}

class SeccompFilter : public ::testing::Test {
 protected:
  void SetUp() override {
    auto compiled = compile_box_filter();
    ASSERT_TRUE(compiled.ok()) << compiled.error().describe();
    program_ = std::move(compiled).value();
  }

  // The filter's verdict on one syscall record; the emulator must not fault.
  uint32_t verdict(const seccomp_data& data) {
    bpf::BpfOutcome outcome = run_bpf(program_.instructions, data);
    EXPECT_TRUE(outcome.ok) << outcome.error << "\n" << bpf::disassemble(program_.instructions);
    return outcome.ret;
  }
  uint32_t call(long nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0) {
    return verdict(syscall_record(native_arch(), static_cast<int>(nr), a0, a1, a2, a3));
  }
  uint32_t call_args(int nr, const std::array<uint64_t, 6>& a) {
    return verdict(syscall_record(native_arch(), nr, a[0], a[1], a[2], a[3], a[4], a[5]));
  }

  SeccompProgram program_;
};

TEST_F(SeccompFilter, ProgramIsWellFormed) {
  ASSERT_FALSE(program_.instructions.empty());
  EXPECT_LE(program_.instructions.size(), size_t{BPF_MAXINSNS});
  EXPECT_EQ(program_.instructions.back().code, BPF_RET | BPF_K);
  // The first thing the program does is read the architecture.
  EXPECT_EQ(program_.instructions.front().code, BPF_LD | BPF_W | BPF_ABS);
  EXPECT_EQ(program_.instructions.front().k, offsetof(seccomp_data, arch));
  EXPECT_EQ(program_.fprog().len, program_.instructions.size());
}

TEST_F(SeccompFilter, EveryRuleRefusesWithItsErrno) {
  for (const SyscallGroup& group : seccomp::box_syscall_groups()) {
    for (const SyscallRule& rule : group.rules) {
      int nr = expected_number(rule.syscall);
      if (nr < 0) continue;  // not a syscall here; SeccompTables checks which ones
      for (const Conjunction& conjunction : rule.when) {
        EXPECT_EQ(call_args(nr, witness(conjunction)), SECCOMP_RET_ERRNO | rule.errno_value)
            << group.name << ": " << rule.syscall << " when " << seccomp::describe(conjunction);
      }
    }
  }
}

TEST_F(SeccompFilter, UnconditionalRefusalsIgnoreArguments) {
  for (const SyscallGroup& group : seccomp::box_syscall_groups()) {
    for (const SyscallRule& rule : group.rules) {
      int nr = expected_number(rule.syscall);
      if (nr < 0 || rule.when.size() != 1 || !rule.when.front().empty()) continue;
      EXPECT_EQ(call(nr, ~uint64_t{0}, 0x12345678, kHighBit), SECCOMP_RET_ERRNO | rule.errno_value)
          << rule.syscall;
    }
  }
}

// Spelled out with the libc numbers, independently of the tables.
// clang-format off
constexpr long kNamedRefusals[] = {
    SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_unshare, SYS_setns, SYS_ptrace,
    SYS_process_vm_readv, SYS_process_vm_writev, SYS_kexec_load, SYS_init_module,
    SYS_finit_module, SYS_bpf, SYS_perf_event_open, SYS_userfaultfd, SYS_keyctl, SYS_add_key,
    SYS_request_key, SYS_io_uring_setup, SYS_open_by_handle_at, SYS_name_to_handle_at, SYS_acct,
    SYS_swapon, SYS_reboot, SYS_syslog, SYS_settimeofday, SYS_clock_settime, SYS_clock_adjtime,
    SYS_adjtimex, SYS_mount_setattr, SYS_fsopen, SYS_move_mount, SYS_open_tree, SYS_pidfd_getfd,
    SYS_quotactl_fd, SYS_iopl};
// clang-format on

TEST_F(SeccompFilter, NamedRefusalsFromTheBrief) {
  for (long nr : kNamedRefusals) EXPECT_EQ(call(nr), kEperm) << "syscall " << nr;
}

TEST_F(SeccompFilter, EverydaySyscallsAreAllowed) {
  for (long nr : {SYS_getpid, SYS_read, SYS_write, SYS_openat, SYS_close, SYS_mmap, SYS_execve,
                  SYS_wait4, SYS_kill, SYS_kcmp, SYS_prctl, SYS_seccomp,
                  SYS_landlock_create_ruleset, SYS_getrandom, SYS_futex, SYS_connect}) {
    EXPECT_EQ(call(nr, 3, 0x1000, 2), kAllow) << "syscall " << nr;
  }
  // Syscalls no rule mentions, known or not, fall through to the default.
  EXPECT_EQ(call(1000), kAllow);
}

TEST_F(SeccompFilter, CloneWithANamespaceFlagIsRefused) {
  for (uint64_t flag : {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
                        CLONE_NEWNET, CLONE_NEWCGROUP}) {
    EXPECT_EQ(call(SYS_clone, flag), kEperm) << std::hex << flag;
    EXPECT_EQ(call(SYS_clone, flag | SIGCHLD), kEperm) << std::hex << flag;
    EXPECT_EQ(call(SYS_clone, flag | kHighBit | CLONE_VM | CLONE_FILES), kEperm)
        << std::hex << flag;
  }
  EXPECT_EQ(call(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | SIGCHLD), kEperm);
}

TEST_F(SeccompFilter, AProcessSharingTheWorkingDirectoryIsRefused) {
  EXPECT_EQ(call(SYS_clone, CLONE_FS | SIGCHLD), kEperm);
  EXPECT_EQ(call(SYS_clone, CLONE_FS | CLONE_VM | CLONE_FILES | SIGCHLD), kEperm);
  EXPECT_EQ(call(SYS_clone, CLONE_FS | kHighBit | SIGCHLD), kEperm);
  // Threads (CLONE_FS with CLONE_THREAD) stay allowed: the next test.
}

TEST_F(SeccompFilter, ForkAndThreadCloneFlagsAreAllowed) {
  // glibc fork(), vfork(), and pthread_create() when clone3 is refused.
  EXPECT_EQ(call(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD), kAllow);
  EXPECT_EQ(call(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD), kAllow);
  EXPECT_EQ(call(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                CLONE_CHILD_CLEARTID),
            kAllow);
  // The exit-signal byte is not inspected (CLONE_NEWTIME's bit lives there for clone(2)).
  for (uint64_t signal = 0; signal <= 64; ++signal) {
    EXPECT_EQ(call(SYS_clone, signal), kAllow) << signal;
  }
}

TEST_F(SeccompFilter, Clone3FailsWithEnosysSoLibcFallsBack) {
  EXPECT_EQ(call(SYS_clone3), kEnosys);
  EXPECT_EQ(call(SYS_clone3, 0x7ffc0000, 88), kEnosys);
}

TEST_F(SeccompFilter, DangerousSocketFamiliesAreRefused) {
  EXPECT_EQ(call(SYS_socket, AF_PACKET, SOCK_RAW), kEperm);
  EXPECT_EQ(call(SYS_socket, AF_PACKET | kHighBit, SOCK_RAW), kEperm);
  EXPECT_EQ(call(SYS_socket, AF_VSOCK, SOCK_STREAM), kEperm);
  EXPECT_EQ(call(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT), kEperm);
  EXPECT_EQ(call(SYS_socket, AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT), kEperm);
  EXPECT_EQ(call(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE | kHighBit), kEperm);
  EXPECT_EQ(call(SYS_socket, AF_ALG, SOCK_SEQPACKET), kEperm);
  EXPECT_EQ(call(SYS_socketpair, AF_TIPC, SOCK_STREAM), kEperm);
  // A family from a future kernel, and any allowed family with stray high bits.
  EXPECT_EQ(call(SYS_socket, 46, SOCK_STREAM), kEperm);
  EXPECT_EQ(call(SYS_socket, 0x7fffffff, SOCK_STREAM), kEperm);
  EXPECT_EQ(call(SYS_socket, AF_UNIX | kHighBit, SOCK_STREAM), kEperm);
}

TEST_F(SeccompFilter, OnlyTheAllowedFamiliesPass) {
  const std::set<uint64_t> allowed = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
  for (uint64_t family = 0; family < 64; ++family) {
    for (long nr : {SYS_socket, SYS_socketpair}) {
      EXPECT_EQ(call(nr, family, SOCK_STREAM, 0), allowed.count(family) ? kAllow : kEperm)
          << "syscall " << nr << " family " << family;
    }
  }
}

TEST_F(SeccompFilter, RawAndPacketIpSocketsAreRefused) {
  for (uint64_t family : {AF_INET, AF_INET6}) {
    EXPECT_EQ(call(SYS_socket, family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP), kEperm);
    EXPECT_EQ(call(SYS_socket, family, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_RAW), kEperm);
    EXPECT_EQ(call(SYS_socket, family, SOCK_RAW | kHighBit, 0), kEperm);
    // The kernel turns AF_INET + SOCK_PACKET into AF_PACKET.
    EXPECT_EQ(call(SYS_socket, family, SOCK_PACKET, 0), kEperm);
  }
}

TEST_F(SeccompFilter, EverydaySocketsAreAllowed) {
  EXPECT_EQ(call(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), kAllow);
  EXPECT_EQ(call(SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP), kAllow);
  EXPECT_EQ(call(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP), kAllow);  // ping sockets
  EXPECT_EQ(call(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), kAllow);
  EXPECT_EQ(call(SYS_socket, AF_UNIX, SOCK_SEQPACKET, 0), kAllow);
  EXPECT_EQ(call(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), kAllow);
  EXPECT_EQ(call(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 0x7ffc0000), kAllow);
}

TEST_F(SeccompFilter, TerminalInjectionIoctlsAreRefused) {
  EXPECT_EQ(call(SYS_ioctl, 0, TIOCSTI, 0x7ffc0000), kEperm);
  EXPECT_EQ(call(SYS_ioctl, 0, TIOCSTI | kHighBit, 0x7ffc0000), kEperm);
  EXPECT_EQ(call(SYS_ioctl, 5, TIOCLINUX, 0x7ffc0000), kEperm);
  EXPECT_EQ(call(SYS_ioctl, 0, TIOCGWINSZ, 0x7ffc0000), kAllow);
  EXPECT_EQ(call(SYS_ioctl, 0, TCGETS, 0x7ffc0000), kAllow);
  EXPECT_EQ(call(SYS_ioctl, 3, FIONREAD, 0x7ffc0000), kAllow);
}

bool personality_allowed(uint64_t value) {
  for (uint32_t allowed : seccomp::kAllowedPersonalities) {
    if (static_cast<uint32_t>(value) == allowed) return true;
  }
  return false;
}

TEST_F(SeccompFilter, PersonalityAllowsOnlyTheListedValues) {
  for (uint32_t allowed : seccomp::kAllowedPersonalities) {
    EXPECT_EQ(call(SYS_personality, allowed), kAllow) << std::hex << allowed;
    // The kernel reads 32 bits, so high bits do not change the verdict.
    EXPECT_EQ(call(SYS_personality, allowed | kHighBit), kAllow) << std::hex << allowed;
  }
  const uint64_t no_aslr = ADDR_NO_RANDOMIZE;
  for (uint64_t value :
       {no_aslr, uint64_t{READ_IMPLIES_EXEC}, uint64_t{MMAP_PAGE_ZERO},
        uint64_t{PER_LINUX32} | no_aslr, no_aslr | kHighBit, uint64_t{0xfffffffe},
        uint64_t{0xfffffff7}, uint64_t{0xfffdffff}, uint64_t{0x7fffffff}, uint64_t{0x80000000}}) {
    EXPECT_EQ(call(SYS_personality, value), kEperm) << std::hex << value;
  }
  for (unsigned bit = 0; bit < 32; ++bit) {
    uint64_t value = uint64_t{1} << bit;
    EXPECT_EQ(call(SYS_personality, value), personality_allowed(value) ? kAllow : kEperm) << bit;
    uint64_t all_but = 0xffffffff & ~value;
    EXPECT_EQ(call(SYS_personality, all_but), kEperm) << std::hex << all_but;
  }
  std::mt19937_64 random(20240601);  // fixed seed: a failure reproduces
  for (int i = 0; i < 20000; ++i) {
    uint64_t value = random();
    if (i % 4 == 0) value &= 0x20008 | (uint64_t{1} << (value % 32));  // near the allowed values
    EXPECT_EQ(call(SYS_personality, value), personality_allowed(value) ? kAllow : kEperm)
        << std::hex << value;
  }
}

TEST_F(SeccompFilter, ForeignArchitecturesAreRefused) {
#if defined(__x86_64__)
  const uint32_t foreign[] = {AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64};
#else
  const uint32_t foreign[] = {AUDIT_ARCH_ARM, AUDIT_ARCH_X86_64};
#endif
  for (uint32_t arch : foreign) {
    for (int nr = 0; nr < 500; ++nr) {
      EXPECT_EQ(verdict(syscall_record(arch, nr)), kEperm)
          << "arch " << std::hex << arch << " nr " << std::dec << nr;
    }
  }
}

TEST_F(SeccompFilter, X32SyscallNumbersAreRefused) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "x32 is an x86_64 ABI";
#else
  constexpr int kX32Bit = 0x40000000;  // __X32_SYSCALL_BIT
  for (long nr : {SYS_getpid, SYS_read, SYS_write, SYS_openat, SYS_mount, SYS_unshare}) {
    EXPECT_EQ(call(kX32Bit | nr), kEperm) << nr;
  }
  // x32's own numbers for execve and friends start at 512.
  for (int nr = 512; nr < 548; ++nr) EXPECT_EQ(call(kX32Bit | nr), kEperm) << nr;
  EXPECT_EQ(call(0x7ffffffe), kEperm);
#endif
}

TEST_F(SeccompFilter, OpenTreeAttrIsRefusedByNumber) {
  // Linux 6.15's open_tree_attr: libseccomp 2.5.4 has no name for it.
  EXPECT_EQ(call(467), kEperm);
  EXPECT_EQ(call(467, 3, 0x7ffc0000, 1), kEperm);
}

// The gate's exec-notify filter: every execve and execveat goes to the supervisor, whatever its
// arguments; nothing else does; other ABIs are refused (their execve would go unnoticed).
TEST(ExecNotifyFilter, SendsEveryExecToTheSupervisorAndNothingElse) {
  auto compiled = compile_exec_notify_filter();
  ASSERT_TRUE(compiled.ok()) << compiled.error().describe();
  auto verdict = [&](const seccomp_data& data) {
    bpf::BpfOutcome outcome = run_bpf(compiled->instructions, data);
    EXPECT_TRUE(outcome.ok) << outcome.error;
    return outcome.ret;
  };
  constexpr uint32_t kNotify = SECCOMP_RET_USER_NOTIF;
  for (long nr : {SYS_execve, SYS_execveat}) {
    EXPECT_EQ(verdict(syscall_record(native_arch(), static_cast<int>(nr))), kNotify);
    EXPECT_EQ(verdict(syscall_record(native_arch(), static_cast<int>(nr), ~0ULL, kHighBit, 7,
                                     AT_EMPTY_PATH)),
              kNotify);
  }
  for (int nr = 0; nr < 500; ++nr) {
    if (nr == SYS_execve || nr == SYS_execveat) continue;
    EXPECT_EQ(verdict(syscall_record(native_arch(), nr)), kAllow) << nr;
  }
#if defined(__x86_64__)
  EXPECT_EQ(verdict(syscall_record(AUDIT_ARCH_I386, 11)), kEperm);  // i386 execve
  EXPECT_EQ(verdict(syscall_record(native_arch(), 0x40000000 | 520)), kEperm);  // x32 execve
#endif
}

}  // namespace
}  // namespace cordon::box
