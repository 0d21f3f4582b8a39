// User namespaces: id maps and diagnosis.
#include "box/userns.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/files.h"

namespace cordon::box {
namespace {

std::optional<long> read_sysctl(const UsernsSysctls& s, const std::string& name) {
  auto text = read_file(s.proc_sys + "/" + name);
  if (!text.ok()) return std::nullopt;
  try {
    return std::stol(*text);
  } catch (...) {
    return std::nullopt;
  }
}

constexpr const char kAppArmorFix[] =
    "Ubuntu restricts unprivileged user namespaces with AppArmor. Either allow them for cordon "
    "with a profile:\n"
    "    printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile cordon %s "
    "flags=(unconfined) {\\n  userns,\\n}\\n' \"$(command -v cordon)\" | sudo tee "
    "/etc/apparmor.d/cordon && sudo apparmor_parser -r /etc/apparmor.d/cordon\n"
    "  or turn the restriction off for everyone: sudo sysctl -w "
    "kernel.apparmor_restrict_unprivileged_userns=0";

}  // namespace

namespace {

// "N N 1" for an id map, without allocating.
size_t format_map(unsigned id, char (&out)[40]) {
  char digits[12];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + id % 10);
    id /= 10;
  } while (id != 0);
  size_t len = 0;
  for (int copy = 0; copy < 2; ++copy) {
    for (size_t i = n; i > 0; --i) out[len++] = digits[i - 1];
    out[len++] = ' ';
  }
  out[len++] = '1';
  return len;
}

int write_proc_self(const char* file, const char* text, size_t len) {
  int fd = ::open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n = ::write(fd, text, len);
  int err = n == static_cast<ssize_t>(len) ? 0 : (n < 0 ? -errno : -EIO);
  ::close(fd);
  return err;
}

}  // namespace

int write_own_id_maps(uid_t uid, gid_t gid) {
  if (int rc = write_proc_self("/proc/self/setgroups", "deny", 4); rc != 0) return rc;
  char map[40];
  if (int rc = write_proc_self("/proc/self/uid_map", map, format_map(uid, map)); rc != 0) return rc;
  return write_proc_self("/proc/self/gid_map", map, format_map(gid, map));
}

Error explain_clone_failure(int err, const UsernsSysctls& s) {
  if (err == EPERM || err == EINVAL || err == ENOSPC || err == EUSERS) {
    return explain_userns_failure(err, s);
  }
  Error e(Errc::kSystem, "cannot create the box: clone of its init failed", err);
  if (err == EAGAIN) {
    return e.with_hint(
        "the process limit is reached (ulimit -u, or the pids limit of the cgroup "
        "cordon runs in); end some processes and try again");
  }
  return e;
}

Error explain_userns_failure(int err, const UsernsSysctls& s) {
  Error e(Errc::kUnsupported, "cannot create the box: this machine does not allow user namespaces",
          err);
  if (auto v = read_sysctl(s, "kernel/unprivileged_userns_clone"); v && *v == 0) {
    return e.with_hint("kernel.unprivileged_userns_clone is 0. Enable it: sudo sysctl -w "
                       "kernel.unprivileged_userns_clone=1 (and add it to /etc/sysctl.d/ to "
                       "keep it)");
  }
  if (auto v = read_sysctl(s, "user/max_user_namespaces"); v && *v == 0) {
    return e.with_hint("user.max_user_namespaces is 0. Raise it: sudo sysctl -w "
                       "user.max_user_namespaces=15000 (and add it to /etc/sysctl.d/ to keep it)");
  }
  if (auto v = read_sysctl(s, "kernel/apparmor_restrict_unprivileged_userns"); v && *v == 1) {
    return e.with_hint(kAppArmorFix);
  }
  if (err == ENOSPC) {
    return e.with_hint("the user namespace limit is reached (user.max_user_namespaces); raise it "
                       "with sudo sysctl -w user.max_user_namespaces=15000");
  }
  return e.with_hint(
      "no sysctl forbids it, so a container runtime or a security profile probably does (Docker "
      "and Kubernetes block unshare/clone of user namespaces in their default seccomp profile). "
      "Run cordon on the host, or start the container with --security-opt seccomp=unconfined "
      "(or a profile that allows clone with CLONE_NEWUSER). cordon never runs without the box.");
}

std::optional<std::string> apparmor_userns_restriction_hint(const UsernsSysctls& s) {
  if (auto v = read_sysctl(s, "kernel/apparmor_restrict_unprivileged_userns"); v && *v == 1) {
    return std::string(kAppArmorFix);
  }
  return std::nullopt;
}

}  // namespace cordon::box
