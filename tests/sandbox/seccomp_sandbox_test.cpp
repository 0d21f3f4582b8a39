// Sandbox tests for the seccomp wall: a forked child sets no_new_privs, installs the real box
// filter, attempts real syscalls and reports each result through a pipe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "box/seccomp.h"

namespace cordon::box {
namespace {

constexpr long kHighBit = 1L << 32;

// What the child may use besides raw syscalls: fds the parent opened before fork.
struct ChildContext {
  int pty_slave = -1;
};

// One attempt, run in the child after the filter is in place. Returns the syscall's result, or
// -errno on failure; raw syscalls only.
struct Probe {
  const char* name;
  long (*attempt)(const ChildContext&);
};

long result_of(long rc) { return rc < 0 ? -errno : rc; }
long closed(long fd) {
  if (fd >= 0) ::close(static_cast<int>(fd));
  return fd < 0 ? fd : 0;
}

// ---- probes (child side) ----

long probe_getpid(const ChildContext&) { return ::getpid(); }
long probe_inet_socket(const ChildContext&) {
  return closed(result_of(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)));
}

// Every child runs these first, so a child that cannot make ordinary calls cannot pass.
const Probe kControls[] = {{"getpid", probe_getpid}, {"socket(AF_INET)", probe_inet_socket}};

struct Record {
  int32_t index;  // into controls + probes; -1: setup failed
  int64_t result;
};

// The child: no_new_privs, the filter, then each probe; one record per write(2).
[[noreturn]] void child_main(int out, const sock_fprog* filter, const std::vector<Probe>& probes,
                             const ChildContext& context) {
  if (filter != nullptr) {
    long rc = ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? install_seccomp(*filter) : -errno;
    if (rc != 0) {
      Record failed{-1, rc};
      (void)!::write(out, &failed, sizeof failed);
      ::_exit(2);
    }
  }
  int32_t index = 0;
  for (const Probe& control : kControls) {
    Record record{index++, control.attempt(context)};
    (void)!::write(out, &record, sizeof record);
  }
  for (const Probe& probe : probes) {
    Record record{index++, probe.attempt(context)};
    (void)!::write(out, &record, sizeof record);
  }
  ::_exit(0);
}

struct ChildReport {
  pid_t pid = -1;
  int wait_status = 0;
  std::map<std::string, long> results;
  bool setup_failed = false;
  long setup_error = 0;
};

ChildReport run_child(const sock_fprog* filter, const std::vector<Probe>& probes,
                      const ChildContext& context) {
  ChildReport report;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << errno;
    return report;
  }
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  report.pid = ::fork();
  if (report.pid < 0) {
    ADD_FAILURE() << "fork: " << errno;
    return report;
  }
  if (report.pid == 0) child_main(write_end.get(), filter, probes, context);
  write_end.reset();
  std::vector<std::string> names;
  for (const Probe& control : kControls) names.push_back(control.name);
  for (const Probe& probe : probes) names.push_back(probe.name);
  Record record;
  while (::read(read_end.get(), &record, sizeof record) == sizeof record) {
    if (record.index < 0) {
      report.setup_failed = true;
      report.setup_error = record.result;
    } else if (static_cast<size_t>(record.index) < names.size()) {
      report.results[names[record.index]] = record.result;
    }
  }
  while (::waitpid(report.pid, &report.wait_status, 0) < 0 && errno == EINTR) {
  }
  return report;
}

// Runs `probes` in a child under the box filter; checks that the child got the filter, ran to
// the end and passed the controls.
std::map<std::string, long> run_filtered(const std::vector<Probe>& probes,
                                         const ChildContext& context = {}) {
  auto program = compile_box_filter();
  if (!program.ok()) {
    ADD_FAILURE() << program.error().describe();
    return {};
  }
  sock_fprog fprog = program->fprog();
  ChildReport report = run_child(&fprog, probes, context);
  EXPECT_FALSE(report.setup_failed) << "installing the filter failed: " << -report.setup_error;
  EXPECT_TRUE(WIFEXITED(report.wait_status) && WEXITSTATUS(report.wait_status) == 0)
      << "child wait status " << report.wait_status;
  EXPECT_EQ(report.results.size(), std::size(kControls) + probes.size()) << "missing reports";
  EXPECT_EQ(report.results["getpid"], report.pid) << "control: getpid";
  EXPECT_EQ(report.results["socket(AF_INET)"], 0) << "control: socket(AF_INET)";
  return report.results;
}

// A missing result reads as LONG_MIN, which no expectation accepts.
long result(const std::map<std::string, long>& results, const std::string& name) {
  auto it = results.find(name);
  return it == results.end() ? LONG_MIN : it->second;
}

// ---- namespaces, mounts, other processes ----

long probe_unshare_user(const ChildContext&) { return result_of(::unshare(CLONE_NEWUSER)); }
long probe_setns(const ChildContext&) { return result_of(::setns(-1, 0)); }

// clone(2) with CLONE_NEWUSER; should it succeed, the new process leaves at once.
long probe_clone_newuser(const ChildContext&) {
  long pid = result_of(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
  if (pid == 0) ::_exit(0);
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return pid;
}

// clone(2) of a process sharing the working directory; should it succeed, it leaves at once.
long probe_clone_shared_fs(const ChildContext&) {
  long pid = result_of(::syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0));
  if (pid == 0) ::_exit(0);
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return pid;
}

long probe_mount_tmpfs(const ChildContext&) {
  return result_of(::mount("none", "/nonexistent-cordon-seccomp", "tmpfs", 0, nullptr));
}

// open_tree_attr (Linux 6.15), which libseccomp 2.5.4 has no name for: refused by number.
long probe_open_tree_attr(const ChildContext&) {
  return result_of(::syscall(467, -1, "", 0, nullptr, 0));
}

long probe_ptrace_attach(const ChildContext&) {
  return result_of(::syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 0x3ffffff0, 0, 0));
}
long probe_pidfd_getfd(const ChildContext&) {
  return result_of(::syscall(SYS_pidfd_getfd, -1, 0, 0));
}

TEST(SeccompSandbox, NamespacesMountsAndOtherProcessesAreRefused) {
  auto results = run_filtered({{"unshare(CLONE_NEWUSER)", probe_unshare_user},
                               {"setns", probe_setns},
                               {"clone(CLONE_NEWUSER)", probe_clone_newuser},
                               {"clone(CLONE_FS)", probe_clone_shared_fs},
                               {"mount", probe_mount_tmpfs},
                               {"open_tree_attr", probe_open_tree_attr},
                               {"ptrace(PTRACE_ATTACH)", probe_ptrace_attach},
                               {"pidfd_getfd", probe_pidfd_getfd}});
  for (const char* name : {"unshare(CLONE_NEWUSER)", "setns", "clone(CLONE_NEWUSER)",
                           "clone(CLONE_FS)", "mount", "open_tree_attr", "ptrace(PTRACE_ATTACH)",
                           "pidfd_getfd"}) {
    EXPECT_EQ(result(results, name), -EPERM) << name;
  }
}

// ---- clone3 and the fallback to clone(2) ----

// struct clone_args, version 0 (64 bytes).
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

long probe_clone3_newuser(const ChildContext&) {
  CloneArgs args{};
  args.flags = CLONE_NEWUSER;
  args.exit_signal = SIGCHLD;
  long pid = result_of(::syscall(SYS_clone3, &args, sizeof args));
  if (pid == 0) ::_exit(0);
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return pid;
}

// fork() must still work: the exit status of a forked child that exits 42.
long probe_fork(const ChildContext&) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(42);
  if (pid < 0) return -errno;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -errno;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1000;
}

void* thread_body(void*) { return reinterpret_cast<void*>(7); }

// glibc's pthread_create tries clone3 first; on ENOSYS it falls back to clone(2).
long probe_thread(const ChildContext&) {
  pthread_t thread;
  if (int err = ::pthread_create(&thread, nullptr, thread_body, nullptr); err != 0) return -err;
  void* value = nullptr;
  if (int err = ::pthread_join(thread, &value); err != 0) return -err;
  return reinterpret_cast<long>(value);
}

TEST(SeccompSandbox, Clone3FailsWithEnosysAndForkAndThreadsStillWork) {
  auto results = run_filtered({{"clone3(CLONE_NEWUSER)", probe_clone3_newuser},
                               {"fork", probe_fork},
                               {"pthread_create", probe_thread}});
  EXPECT_EQ(result(results, "clone3(CLONE_NEWUSER)"), -ENOSYS);
  EXPECT_EQ(result(results, "fork"), 42);
  EXPECT_EQ(result(results, "pthread_create"), 7);
}

// ---- sockets ----

long socket_probe(long family, long type, long protocol) {
  return closed(result_of(::syscall(SYS_socket, family, type, protocol)));
}
long probe_packet(const ChildContext&) { return socket_probe(AF_PACKET, SOCK_RAW, 0); }
long probe_packet_high_bits(const ChildContext&) {
  return socket_probe(AF_PACKET | kHighBit, SOCK_RAW, 0);
}
long probe_vsock(const ChildContext&) { return socket_probe(AF_VSOCK, SOCK_STREAM, 0); }
long probe_netlink_audit(const ChildContext&) {
  return socket_probe(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
}
long probe_raw_inet(const ChildContext&) {
  return socket_probe(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
}
long probe_unix(const ChildContext&) { return socket_probe(AF_UNIX, SOCK_STREAM, 0); }
long probe_netlink_route(const ChildContext&) {
  return socket_probe(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}
long probe_inet_nonblock(const ChildContext&) {
  return socket_probe(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
}

TEST(SeccompSandbox, DangerousSocketsAreRefusedEverydaySocketsWork) {
  auto results = run_filtered({{"socket(AF_PACKET)", probe_packet},
                               {"socket(AF_PACKET | 1<<32)", probe_packet_high_bits},
                               {"socket(AF_VSOCK)", probe_vsock},
                               {"socket(AF_NETLINK, NETLINK_AUDIT)", probe_netlink_audit},
                               {"socket(AF_INET, SOCK_RAW)", probe_raw_inet},
                               {"socket(AF_UNIX)", probe_unix},
                               {"socket(AF_NETLINK, NETLINK_ROUTE)", probe_netlink_route},
                               {"socket(AF_INET, SOCK_NONBLOCK)", probe_inet_nonblock}});
  for (const char* name : {"socket(AF_PACKET)", "socket(AF_PACKET | 1<<32)", "socket(AF_VSOCK)",
                           "socket(AF_NETLINK, NETLINK_AUDIT)", "socket(AF_INET, SOCK_RAW)"}) {
    EXPECT_EQ(result(results, name), -EPERM) << name;
  }
  for (const char* name :
       {"socket(AF_UNIX)", "socket(AF_NETLINK, NETLINK_ROUTE)", "socket(AF_INET, SOCK_NONBLOCK)"}) {
    EXPECT_EQ(result(results, name), 0) << name;
  }
}

// ---- terminal ----

long probe_tiocsti(const ChildContext& context) {
  char c = 'x';
  return result_of(::syscall(SYS_ioctl, context.pty_slave, TIOCSTI, &c));
}
long probe_tiocsti_high_bits(const ChildContext& context) {
  char c = 'x';
  return result_of(::syscall(SYS_ioctl, context.pty_slave, TIOCSTI | kHighBit, &c));
}
long probe_tioclinux(const ChildContext& context) {
  char subcode = 0;
  return result_of(::syscall(SYS_ioctl, context.pty_slave, TIOCLINUX, &subcode));
}
long probe_tiocgwinsz(const ChildContext& context) {
  winsize size{};
  return result_of(::syscall(SYS_ioctl, context.pty_slave, TIOCGWINSZ, &size));
}

TEST(SeccompSandbox, TerminalInjectionIsRefused) {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  ASSERT_TRUE(master) << "posix_openpt: " << errno;
  ASSERT_EQ(::grantpt(master.get()), 0);
  ASSERT_EQ(::unlockpt(master.get()), 0);
  char path[64];
  ASSERT_EQ(::ptsname_r(master.get(), path, sizeof path), 0);
  UniqueFd slave(::open(path, O_RDWR | O_NOCTTY | O_CLOEXEC));
  ASSERT_TRUE(slave) << "open " << path << ": " << errno;

  auto results = run_filtered({{"ioctl(TIOCSTI)", probe_tiocsti},
                               {"ioctl(TIOCSTI | 1<<32)", probe_tiocsti_high_bits},
                               {"ioctl(TIOCLINUX)", probe_tioclinux},
                               {"ioctl(TIOCGWINSZ)", probe_tiocgwinsz}},
                              ChildContext{slave.get()});
  EXPECT_EQ(result(results, "ioctl(TIOCSTI)"), -EPERM);
  EXPECT_EQ(result(results, "ioctl(TIOCSTI | 1<<32)"), -EPERM);
  EXPECT_EQ(result(results, "ioctl(TIOCLINUX)"), -EPERM);
  EXPECT_EQ(result(results, "ioctl(TIOCGWINSZ)"), 0) << "control: a harmless tty ioctl";
}

// ---- kernel interfaces and personality ----

long probe_io_uring(const ChildContext&) {
  alignas(8) unsigned char params[120] = {};  // struct io_uring_params
  return closed(result_of(::syscall(SYS_io_uring_setup, 1, params)));
}
long probe_userfaultfd(const ChildContext&) {
  return closed(result_of(::syscall(SYS_userfaultfd, O_CLOEXEC)));
}
long probe_keyctl(const ChildContext&) {
  return result_of(::syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0));
}
long probe_bpf(const ChildContext&) {
  alignas(8) unsigned char attr[128] = {};
  return closed(result_of(::syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr)));
}
long probe_no_aslr(const ChildContext&) { return result_of(::personality(ADDR_NO_RANDOMIZE)); }
long probe_personality_query(const ChildContext&) { return result_of(::personality(0xffffffff)); }

TEST(SeccompSandbox, KernelInterfacesAndPersonalityAreRefused) {
  auto results = run_filtered({{"io_uring_setup", probe_io_uring},
                               {"userfaultfd", probe_userfaultfd},
                               {"keyctl", probe_keyctl},
                               {"bpf", probe_bpf},
                               {"personality(ADDR_NO_RANDOMIZE)", probe_no_aslr},
                               {"personality(query)", probe_personality_query}});
  for (const char* name :
       {"io_uring_setup", "userfaultfd", "keyctl", "bpf", "personality(ADDR_NO_RANDOMIZE)"}) {
    EXPECT_EQ(result(results, name), -EPERM) << name;
  }
  EXPECT_EQ(result(results, "personality(query)"), PER_LINUX) << "control: query the persona";
}

// ---- other ABIs ----

constexpr long kX32SyscallBit = 0x40000000;  // __X32_SYSCALL_BIT

long probe_x32_getpid(const ChildContext&) {
  return result_of(::syscall(kX32SyscallBit | SYS_getpid));
}

TEST(SeccompSandbox, X32SyscallNumbersAreRefused) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "x32 is an x86_64 ABI";
#endif
  auto results = run_filtered({{"x32 getpid", probe_x32_getpid}});
  EXPECT_EQ(result(results, "x32 getpid"), -EPERM);
}

#if defined(__x86_64__)
// getpid through the i386 entry point. int $0x80 returns -errno in eax and clobbers r8-r11.
long probe_i386_getpid(const ChildContext&) {
  // Where the entry point faults, die of the signal even under a sanitizer's SIGSEGV handler.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGSEGV, &default_action, nullptr);
  long eax = 20;  // __NR_getpid on i386
  asm volatile("int $0x80" : "+a"(eax) : : "r8", "r9", "r10", "r11", "memory");
  return static_cast<int>(eax);
}
#endif

TEST(SeccompSandbox, I386EntryPointIsRefused) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "int $0x80 is an x86_64 test";
#else
  // Without the filter first: some kernels (ia32_emulation=0, some hypervisors) fault on
  // int $0x80 before seccomp runs, and then there is nothing to test.
  ChildReport baseline = run_child(nullptr, {{"int $0x80 getpid", probe_i386_getpid}}, {});
  if (WIFSIGNALED(baseline.wait_status)) {
    GTEST_SKIP() << "int $0x80 kills the caller with signal " << WTERMSIG(baseline.wait_status)
                 << " on this kernel before seccomp sees it: the i386 entry point is closed";
  }
  ASSERT_EQ(result(baseline.results, "int $0x80 getpid"), baseline.pid) << "unfiltered baseline";
  auto results = run_filtered({{"int $0x80 getpid", probe_i386_getpid}});
  EXPECT_EQ(result(results, "int $0x80 getpid"), -EPERM);
#endif
}

// The refusals above are the filter's doing: without it, the same probes get other answers.
TEST(SeccompSandbox, WithoutTheFilterTheProbesGetOtherAnswers) {
  ChildReport report = run_child(nullptr,
                                 {{"setns", probe_setns},
                                  {"pidfd_getfd", probe_pidfd_getfd},
                                  {"open_tree_attr", probe_open_tree_attr},
                                  {"x32 getpid", probe_x32_getpid},
                                  {"clone3(CLONE_NEWUSER)", probe_clone3_newuser}},
                                 {});
  ASSERT_TRUE(WIFEXITED(report.wait_status) && WEXITSTATUS(report.wait_status) == 0);
  EXPECT_EQ(result(report.results, "setns"), -EBADF);
  EXPECT_EQ(result(report.results, "pidfd_getfd"), -EBADF);
  EXPECT_NE(result(report.results, "open_tree_attr"), -EPERM);
  EXPECT_NE(result(report.results, "x32 getpid"), -EPERM);
  EXPECT_NE(result(report.results, "clone3(CLONE_NEWUSER)"), -ENOSYS);
}

}  // namespace
}  // namespace cordon::box
