// Thin wrappers for syscalls glibc 2.36 does not wrap (new mount API, openat2, pidfd, close_range,
// clone3, landlock).
// They return the raw syscall result (-1 and errno on failure) so they are safe between clone and
// exec: no allocation, no locks.
#pragma once

#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace cordon::sys {

// getsockopt(SOL_SOCKET) option for a pidfd of a unix socket's peer (Linux 6.5); glibc 2.36's
// headers lack it.
constexpr int kSoPeerPidfd = 77;

inline int open_tree(int dirfd, const char* path, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}
inline int move_mount(int from_dirfd, const char* from_path, int to_dirfd, const char* to_path,
                      unsigned int flags) {
  return static_cast<int>(
      ::syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags));
}
inline int mount_setattr(int dirfd, const char* path, unsigned int flags, mount_attr* attr) {
  return static_cast<int>(
      ::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(mount_attr)));
}
inline int fsopen(const char* fs_name, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_fsopen, fs_name, flags));
}
inline int fsconfig(int fd, unsigned int cmd, const char* key, const void* value, int aux) {
  return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, aux));
}
inline int fsmount(int fd, unsigned int flags, unsigned int attr_flags) {
  return static_cast<int>(::syscall(SYS_fsmount, fd, flags, attr_flags));
}
inline int openat2(int dirfd, const char* path, open_how* how) {
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof *how));
}
inline int pivot_root(const char* new_root, const char* put_old) {
  return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}
inline int pidfd_open(pid_t pid, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
inline int pidfd_send_signal(int pidfd, int sig, siginfo_t* info, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags));
}
inline int pidfd_getfd(int pidfd, int targetfd, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, targetfd, flags));
}
inline int close_range(unsigned int first, unsigned int last, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
}

// clone(2) as fork (the child returns 0 on a copy of the caller's stack), with the child born in
// the cgroup v2 directory `cgroup_fd` (CLONE_INTO_CGROUP, Linux 5.7). `flags` are clone(2)'s:
// namespace flags, CLONE_PIDFD (the pidfd is stored in *pidfd) and the exit signal in CSIGNAL.
inline long clone_into_cgroup(unsigned long flags, int cgroup_fd, int* pidfd) {
  clone_args args{};
  args.flags = (flags & ~static_cast<unsigned long>(CSIGNAL)) | CLONE_INTO_CGROUP;
  args.pidfd = reinterpret_cast<uintptr_t>(pidfd);
  args.exit_signal = flags & CSIGNAL;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  return ::syscall(SYS_clone3, &args, sizeof args);
}

}  // namespace cordon::sys
