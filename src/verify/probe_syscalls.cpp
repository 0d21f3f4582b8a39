// isolation: the seccomp wall. Every refused syscall is called with arguments that make it
// harmless if it is allowed and, where the kernel allows it, fail with a different errno than
// EPERM without the filter (shown as "unfiltered: ..."), so a PASS proves the filter. Calls that
// change the caller's state if they succeed run in a child.
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace cordon::verify::probe {
namespace {

constexpr const char* kWall = "isolation";
constexpr unsigned long kHigh = 1UL << 32;  // set above the 32 bits the kernel reads
constexpr const char* kMissing = "/nonexistent-cordon-verify";
constexpr const char* kMissingFile = "/nonexistent-cordon-verify/file";
constexpr long kSysFchmodat2 = 452;  // Linux 6.6; glibc 2.36's headers do not name it

struct Refusal {
  std::string attack;  // "mount (unfiltered: EFAULT)"
  std::function<long()> call;
  bool in_child = false;
  int expected = EPERM;
};

long raw(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  return ::syscall(nr, a, b, c, d, e, f);
}
long ptr(const void* p) {
  return reinterpret_cast<long>(p);
}

// socket(2) with the family passed as a full 64-bit register; closes what it gets.
std::function<long()> open_socket(unsigned long family, unsigned long type, unsigned long proto) {
  return [=] {
    long fd = ::syscall(SYS_socket, family, type, proto);
    int err = errno;
    if (fd >= 0) ::close(static_cast<int>(fd));
    errno = err;
    return fd;
  };
}

// clone(2) with fork semantics; the new child exits at once.
std::function<long()> clone_with(unsigned long flags) {
  return [=] {
    long rc = ::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0) ::_exit(0);
    if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, 0);
    return rc;
  };
}

// getpid through the i386 entry point (int 0x80, i386 number 20).
long i386_getpid() {
  long ret;
  asm volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
  if (ret < 0 && ret > -4096) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
}

// ioctl(request, NULL) on a fresh pty that is the caller's controlling terminal, so only the
// filter (or, for TIOCSTI, the NULL pointer: EFAULT) stops it; nothing is ever injected.
// Runs in a child (setsid). Returns -2 when no pty can be opened.
std::function<long()> pty_ioctl(unsigned long request) {
  return [=]() -> long {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return -2;
    const char* name = ::ptsname(master);
    ::setsid();
    int slave = name ? ::open(name, O_RDWR) : -1;
    if (slave < 0) return -2;
    errno = 0;
    return ::syscall(SYS_ioctl, slave, request, nullptr);
  };
}

std::vector<Refusal> refusals() {
  const long bad_ptr = 1;  // never mapped
  static timex tx{};       // modes = 0: a read if allowed
  return {
      // Mount family.
      {"mount (unfiltered: EFAULT)",
       [=] { return raw(SYS_mount, ptr("none"), ptr(kMissing), bad_ptr, 0, 0); }},
      {"umount2 (unfiltered: EINVAL)", [] { return raw(SYS_umount2, ptr(kMissing), 0x100); }},
      {"fsopen", [] { return raw(SYS_fsopen, ptr("cordon-verify-nofs"), 0); }},
      {"fsmount", [] { return raw(SYS_fsmount, -1, 0, 0); }},
      {"fspick", [] { return raw(SYS_fspick, -1, ptr(""), 0); }},
      {"open_tree (unfiltered: EINVAL)",
       [] { return raw(SYS_open_tree, -1, ptr("/"), 0x80000000L); }},
      {"move_mount", [] { return raw(SYS_move_mount, -1, ptr(""), -1, ptr(""), 0); }},
      {"mount_setattr (unfiltered: EINVAL)",
       [] { return raw(SYS_mount_setattr, -1, ptr(""), 0, 0, 0); }},
      {"pivot_root", [] { return raw(SYS_pivot_root, ptr(kMissing), ptr(kMissing)); }},
      {"chroot (unfiltered: ENOENT)", [] { return raw(SYS_chroot, ptr(kMissing)); }},
      // Namespaces.
      {"unshare(CLONE_NEWUSER) (unfiltered: succeeds)",
       [] { return raw(SYS_unshare, CLONE_NEWUSER); }, true},
      {"unshare(CLONE_NEWNS)", [] { return raw(SYS_unshare, CLONE_NEWNS); }, true},
      {"setns (unfiltered: EBADF)", [] { return raw(SYS_setns, -1, 0); }},
      {"clone(CLONE_NEWUSER) (unfiltered: succeeds)", clone_with(CLONE_NEWUSER), true},
      {"clone(CLONE_NEWUSER | 1<<32) (masked flags)", clone_with(CLONE_NEWUSER | kHigh), true},
      {"clone(CLONE_NEWNET)", clone_with(CLONE_NEWNET), true},
      {"clone3 (unfiltered: EINVAL)", [] { return raw(SYS_clone3, 0, 0); }, false, ENOSYS},
      // Other processes' memory.
      {"ptrace(PTRACE_TRACEME) (unfiltered: succeeds)",
       [] { return raw(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0); }, true},
      {"process_vm_readv (unfiltered: EINVAL)",
       [] { return raw(SYS_process_vm_readv, ::getpid(), 0, 0, 0, 0, 1); }},
      {"process_vm_writev (unfiltered: EINVAL)",
       [] { return raw(SYS_process_vm_writev, ::getpid(), 0, 0, 0, 0, 1); }},
      {"pidfd_getfd (unfiltered: EBADF)", [] { return raw(SYS_pidfd_getfd, -1, 0, 0); }},
      // Kernel code and state.
      {"kexec_load", [] { return raw(SYS_kexec_load, 0, 0, 0, 0xdead0000L); }},
      {"kexec_file_load", [] { return raw(SYS_kexec_file_load, -1, -1, 0, 0, 0x80000000L); }},
      {"init_module", [] { return raw(SYS_init_module, 0, 0, ptr("")); }},
      {"finit_module", [] { return raw(SYS_finit_module, -1, ptr(""), 0); }},
      {"delete_module",
       [] { return raw(SYS_delete_module, ptr("cordon_verify_none"), O_NONBLOCK); }},
      {"bpf (unfiltered: EINVAL)", [] { return raw(SYS_bpf, 9999, 0, 0); }},
      {"perf_event_open (unfiltered: EINVAL)",
       [] { return raw(SYS_perf_event_open, 0, 0, -1, -1, ~0L); }},
      {"userfaultfd (unfiltered: EINVAL)", [] { return raw(SYS_userfaultfd, 1 | 4); }},
      {"keyctl (unfiltered: EOPNOTSUPP)", [] { return raw(SYS_keyctl, 9999, 0, 0, 0, 0); }},
      {"add_key (unfiltered: EFAULT)", [] { return raw(SYS_add_key, 0, 0, 0, 0, 0); }},
      {"request_key (unfiltered: EFAULT)", [] { return raw(SYS_request_key, 0, 0, 0, 0); }},
      {"io_uring_setup (unfiltered: EFAULT)", [] { return raw(SYS_io_uring_setup, 1, 0); }},
      {"io_uring_enter (unfiltered: EBADF)",
       [] { return raw(SYS_io_uring_enter, -1, 0, 0, 0, 0, 0); }},
      {"io_uring_register (unfiltered: EINVAL)",
       [] { return raw(SYS_io_uring_register, -1, 0, 0, 0); }},
      {"open_by_handle_at", [] { return raw(SYS_open_by_handle_at, -1, 0, 0); }},
      {"name_to_handle_at (unfiltered: ENOENT)",
       [] { return raw(SYS_name_to_handle_at, AT_FDCWD, ptr(kMissing), 0, 0, 0); }},
      {"acct", [] { return raw(SYS_acct, ptr("/nonexistent-cordon-verify/acct")); }},
      {"swapon", [] { return raw(SYS_swapon, 0, 0x80000000L); }},
      {"swapoff", [] { return raw(SYS_swapoff, 0); }},
      {"reboot (bad magic)", [] { return raw(SYS_reboot, 0, 0, 0, 0); }},
      {"settimeofday(NULL, NULL)", [] { return raw(SYS_settimeofday, 0, 0); }},
      {"clock_settime (unfiltered: EINVAL)", [] { return raw(SYS_clock_settime, 0x7fff, 0); }},
      {"adjtimex (read only; unfiltered: succeeds)", [] { return raw(SYS_adjtimex, ptr(&tx)); }},
      {"clock_adjtime (unfiltered: EINVAL)",
       [] { return raw(SYS_clock_adjtime, 0x7fff, ptr(&tx)); }},
      {"syslog(SIZE_BUFFER)", [] { return raw(SYS_syslog, 10, 0, 0); }},
      {"quotactl (unfiltered: EINVAL)",
       [] { return raw(SYS_quotactl, (0x800001L << 8) | 99, 0, 0, 0); }},
      {"quotactl_fd (unfiltered: EBADF)", [] { return raw(SYS_quotactl_fd, -1, 0, 0, 0); }},
      // Switching off exploit mitigations for later programs.
      {"personality(ADDR_NO_RANDOMIZE) (unfiltered: succeeds)",
       [] { return raw(SYS_personality, 0x0040000); }, true},
      // Terminal injection (the NULL argument makes an allowed call fail with EFAULT/ENOTTY).
      {"ioctl(0, TIOCSTI)", [] { return raw(SYS_ioctl, 0, TIOCSTI, 0); }},
      {"ioctl(pty, TIOCSTI) as its session (unfiltered: EFAULT)", pty_ioctl(TIOCSTI), true},
      {"ioctl(pty, TIOCSTI | 1<<32) (masked request)", pty_ioctl(TIOCSTI | kHigh), true},
      {"ioctl(pty, TIOCLINUX) (unfiltered: ENOTTY)", pty_ioctl(TIOCLINUX), true},
      {"ioctl(pty, TIOCLINUX | 1<<32) (masked request)", pty_ioctl(TIOCLINUX | kHigh), true},
      // Setuid and setgid files, which would run as their owner on the host (the missing path
      // and the bad fd make an allowed call fail without creating or changing anything).
      {"chmod(04755) (unfiltered: ENOENT)", [] { return raw(SYS_chmod, ptr(kMissing), 04755); }},
      {"fchmod(02755) (unfiltered: EBADF)", [] { return raw(SYS_fchmod, -1, 02755); }},
      {"fchmodat(04755) (unfiltered: ENOENT)",
       [] { return raw(SYS_fchmodat, AT_FDCWD, ptr(kMissing), 04755); }},
      {"fchmodat2(04755) (unfiltered: ENOENT or ENOSYS)",
       [] { return raw(kSysFchmodat2, AT_FDCWD, ptr(kMissing), 04755, 0); }},
      {"fchmod(04755 | 1<<32) (mode bits below the high ones)",
       [] { return raw(SYS_fchmod, -1, 04755 | kHigh); }},
      {"open(O_CREAT, 04755) (unfiltered: ENOENT)",
       [] { return raw(SYS_open, ptr(kMissingFile), O_CREAT | O_WRONLY, 04755); }},
      {"openat(O_CREAT, 02755) (unfiltered: ENOENT)",
       [] { return raw(SYS_openat, AT_FDCWD, ptr(kMissingFile), O_CREAT | O_WRONLY, 02755); }},
      {"creat(04755) (unfiltered: ENOENT)",
       [] { return raw(SYS_creat, ptr(kMissingFile), 04755); }},
      {"mknod(S_IFREG | 04755) (unfiltered: ENOENT)",
       [] { return raw(SYS_mknod, ptr(kMissingFile), S_IFREG | 04755, 0); }},
      {"openat2 (unfiltered: EFAULT)",
       [] { return raw(SYS_openat2, AT_FDCWD, ptr(kMissingFile), 0, 24); }, false, ENOSYS},
      // Socket families and types the box has no use for.
      {"socket(AF_PACKET, SOCK_RAW)", open_socket(AF_PACKET, SOCK_RAW, 0)},
      {"socket(AF_PACKET | 1<<32) (masked family)", open_socket(AF_PACKET | kHigh, SOCK_RAW, 0)},
      {"socket(AF_VSOCK)", open_socket(AF_VSOCK, SOCK_STREAM, 0)},
      {"socket(AF_VSOCK | 1<<32) (masked family)", open_socket(AF_VSOCK | kHigh, SOCK_STREAM, 0)},
      {"socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT) (unfiltered: succeeds)",
       open_socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT)},
      {"socket(AF_NETLINK, NETLINK_AUDIT)", open_socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)},
      {"socket(AF_ALG)", open_socket(AF_ALG, SOCK_SEQPACKET, 0)},
      {"socket(AF_KEY)", open_socket(AF_KEY, SOCK_RAW, 2)},
      {"socket(AF_INET, SOCK_RAW)", open_socket(AF_INET, SOCK_RAW, 1)},
      {"socket(AF_INET6, SOCK_RAW)", open_socket(AF_INET6, SOCK_RAW, 58)},
      {"socket(AF_INET, SOCK_PACKET)", open_socket(AF_INET, SOCK_PACKET, 0)},
      {"socketpair(AF_NETLINK, NETLINK_KOBJECT_UEVENT) (unfiltered: EOPNOTSUPP)",
       [] {
         int sv[2] = {-1, -1};
         long rc = ::syscall(SYS_socketpair, AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT, sv);
         if (rc == 0) {
           ::close(sv[0]);
           ::close(sv[1]);
         }
         return rc;
       }},
  };
}

void refused(Reporter& r) {
  for (const auto& refusal : refusals()) {
    Attempt a = attempt(refusal.call, refusal.in_child);
    std::string got = a.rc == -2 && a.died.empty() ? "could not open a pty" : a.describe();
    bool pass = a.died.empty() && a.rc == -1 && a.err == refusal.expected;
    r.add(kWall, refusal.attack, errno_name(refusal.expected), got, pass);
  }
}

// Other architectures' entry points: anything but success holds the wall; what came back is
// recorded (the filter answers EPERM; a kernel without the ABI answers ENOSYS or SIGSEGV).
void foreign_abis(Reporter& r) {
  Attempt x32 = attempt([] { return raw(0x40000000L | SYS_getpid); }, true);
  r.add(kWall, "x32 syscall (getpid | 0x40000000)", "refused (EPERM)", x32.describe(),
        x32.failed());
  Attempt i386 = attempt(i386_getpid, true);
  r.add(kWall, "i386 syscall (int 0x80 getpid)", "refused (EPERM)", i386.describe(), i386.failed());
}

// Positive controls: the calls the refusals are measured against do work.
void allowed(Reporter& r) {
  struct Control {
    const char* attack;
    std::function<long()> call;
  };
  const Control controls[] = {
      {"getpid via syscall(2) (positive control)", [] { return raw(SYS_getpid); }},
      {"socket(AF_UNIX) (positive control)", open_socket(AF_UNIX, SOCK_STREAM, 0)},
      {"socket(AF_INET, SOCK_STREAM) (positive control)", open_socket(AF_INET, SOCK_STREAM, 0)},
      {"socket(AF_NETLINK, NETLINK_ROUTE) (positive control)",
       open_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)},
      {"clone without namespace flags (positive control)", clone_with(0)},
  };
  for (const auto& c : controls) {
    Attempt a = attempt(c.call, false);
    r.add(kWall, c.attack, "succeeds", a.describe(), a.rc >= 0);
  }
}

}  // namespace

void probe_syscalls(const Context&, Reporter& r) {
  allowed(r);
  refused(r);
  foreign_abis(r);
}

}  // namespace cordon::verify::probe
