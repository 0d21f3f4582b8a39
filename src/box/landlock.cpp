// Landlock rulesets: access bits per ABI, ruleset creation and rules (parent), enforcement (child).
#include "box/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cordon::box {
namespace {

// /usr/include/linux/landlock.h on Debian 12 comes from Linux 6.1 and knows ABI 1-3 only. The
// newer uapi values are fixed kernel ABI, so they are spelled out here (see the kernel's
// include/uapi/linux/landlock.h and Documentation/userspace-api/landlock.rst).

// ABI 2 (Linux 5.19): linking or renaming a file to a different directory.
constexpr uint64_t kFsRefer = 1ULL << 13;
// ABI 3 (Linux 6.2): truncate(2), ftruncate(2), O_TRUNC.
constexpr uint64_t kFsTruncate = 1ULL << 14;
// ABI 5 (Linux 6.10): ioctl(2) on character and block devices.
constexpr uint64_t kFsIoctlDev = 1ULL << 15;
// ABI 4 (Linux 6.7): TCP bind/connect rights, handled through ruleset_attr.handled_access_net.
// BIND_TCP is 1 << 0 and deliberately never handled (see LandlockRuleset::create).
constexpr uint64_t kNetConnectTcp = 1ULL << 1;
constexpr int kRuleNetPort = 2;  // LANDLOCK_RULE_NET_PORT
// ABI 6 (Linux 6.12): ruleset_attr.scoped; the domain may not reach outside itself by these.
constexpr uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
constexpr uint64_t kScopeSignal = 1ULL << 1;

// The ruleset attribute as of ABI 6. The kernel takes a size, so older kernels get a prefix of
// it: handled_access_fs alone before ABI 4, + handled_access_net before ABI 6.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
constexpr size_t kRulesetAttrSizeV1 = sizeof(uint64_t);
constexpr size_t kRulesetAttrSizeV4 = 2 * sizeof(uint64_t);
constexpr size_t kRulesetAttrSizeV6 = sizeof(RulesetAttr);
static_assert(kRulesetAttrSizeV6 == 24);

// ABI 4: struct landlock_net_port_attr (not packed; port in host byte order).
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};
static_assert(sizeof(NetPortAttr) == 16);
static_assert(sizeof(landlock_path_beneath_attr) == 12, "packed in the uapi");

// ABI 1 filesystem rights: bits 0 (EXECUTE) to 12 (MAKE_SYM).
constexpr uint64_t kFsAbi1 = (1ULL << 13) - 1;
static_assert(LANDLOCK_ACCESS_FS_EXECUTE == 1ULL << 0);
static_assert(LANDLOCK_ACCESS_FS_MAKE_SYM == 1ULL << 12);

// The rights the kernel accepts in a rule on a non-directory (landlock's ACCESS_FILE); anything
// else on a regular file is EINVAL.
constexpr uint64_t kFileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                 LANDLOCK_ACCESS_FS_READ_FILE | kFsTruncate | kFsIoctlDev;

// The highest ABI whose rights this file knows. ABI 7 (Linux 6.15) added audit-log flags only.
constexpr int kMaxKnownAbi = 7;

int create_ruleset_raw(const RulesetAttr* attr, size_t size, uint32_t flags) {
  return static_cast<int>(::syscall(SYS_landlock_create_ruleset, attr, size, flags));
}

// Adds a path-beneath rule; masks `access` to file rights when `path_fd` is not a directory.
// Async-signal-safe: fstat and the landlock syscall only.
int add_path_rule(int ruleset_fd, int path_fd, uint64_t access) {
  struct stat st;
  if (::fstat(path_fd, &st) != 0) return -errno;
  if (!S_ISDIR(st.st_mode)) access &= kFileRights;
  landlock_path_beneath_attr attr{};
  attr.allowed_access = access;
  attr.parent_fd = path_fd;
  if (::syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0) {
    return -errno;
  }
  return 0;
}

const char* access_name(PathAccess access) {
  switch (access) {
    case PathAccess::kReadOnly:
      return "read-only";
    case PathAccess::kReadExecute:
      return "read-execute";
    case PathAccess::kReadWrite:
      return "read-write";
    case PathAccess::kDevices:
      return "devices";
    case PathAccess::kListOnly:
      return "list-only";
  }
  return "?";
}

}  // namespace

int landlock_abi() {
  int abi = create_ruleset_raw(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0) return 0;  // ENOSYS: not built in; EOPNOTSUPP: built in but not enabled at boot
  return abi;
}

uint64_t landlock_handled_fs(int abi) {
  if (abi <= 0) return 0;
  uint64_t bits = kFsAbi1;
  if (abi >= 2) bits |= kFsRefer;
  if (abi >= 3) bits |= kFsTruncate;
  if (abi >= 5) bits |= kFsIoctlDev;
  return bits;
}

uint64_t landlock_path_access(PathAccess access, int abi) {
  if (abi <= 0) return 0;
  constexpr uint64_t kRead = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
  switch (access) {
    case PathAccess::kReadOnly:
      return kRead;
    case PathAccess::kReadExecute:
      return kRead | LANDLOCK_ACCESS_FS_EXECUTE;
    case PathAccess::kReadWrite:
      return landlock_handled_fs(abi);
    case PathAccess::kListOnly:
      return LANDLOCK_ACCESS_FS_READ_DIR;
    case PathAccess::kDevices: {
      // Existing nodes only (no MAKE_*): read, write, truncate (O_TRUNC on /dev/null) and, for
      // terminals, ioctls (TCGETS, TIOCGWINSZ, ...), which ABI 5 would otherwise deny.
      uint64_t bits = kRead | LANDLOCK_ACCESS_FS_WRITE_FILE;
      if (abi >= 3) bits |= kFsTruncate;
      if (abi >= 5) bits |= kFsIoctlDev;
      return bits;
    }
  }
  return 0;
}

Result<LandlockRuleset> LandlockRuleset::create(int abi) {
  if (abi <= 0) {
    return Error(Errc::kUnsupported, "landlock: not available on this kernel")
        .with_hint(
            "enable Landlock (CONFIG_SECURITY_LANDLOCK=y and \"landlock\" in the lsm= boot "
            "parameter) or set filesystem.landlock = \"best-effort\" to run without it");
  }
  if (abi > kMaxKnownAbi) abi = kMaxKnownAbi;  // newer kernels still accept our subset

  RulesetAttr attr{};
  attr.handled_access_fs = landlock_handled_fs(abi);
  size_t size = kRulesetAttrSizeV1;
  if (abi >= 4) {
    // Connect only: programs in the box may run their own servers on the box's loopback, so
    // bind stays unhandled; connect is limited to cordon's listeners and allowed ports.
    attr.handled_access_net = kNetConnectTcp;
    size = kRulesetAttrSizeV4;
  }
  if (abi >= 6) {
    // No connecting to abstract unix sockets (e.g. a host D-Bus or X11 socket reachable through
    // a shared netns) and no signals to processes outside the domain (the supervisor, box init).
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    size = kRulesetAttrSizeV6;
  }

  int fd = create_ruleset_raw(&attr, size, 0);
  if (fd < 0) {
    int err = errno;
    Error error = Error::system("landlock: create ruleset (ABI " + std::to_string(abi) + ")", err);
    if (err == ENOSYS || err == EOPNOTSUPP) {
      error = Error(Errc::kUnsupported, error.message(), err);
      error.with_hint(
          "enable Landlock (\"landlock\" in the lsm= boot parameter) or set "
          "filesystem.landlock = \"best-effort\"");
    } else if (err == EINVAL) {
      error.with_hint("the requested ABI is newer than the running kernel; pass landlock_abi()");
    }
    return error;
  }
  return LandlockRuleset(UniqueFd(fd), abi);
}

Result<void> LandlockRuleset::allow_path(const std::string& path, PathAccess access) {
  const std::string what =
      std::string("landlock: allow ") + access_name(access) + " beneath " + path;
  // O_NOFOLLOW: a symlink planted at `path` (say in a writable workspace) must not redirect the
  // rule to another inode such as ~/.ssh.
  UniqueFd fd(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    Error error = Error::system("open", err);
    if (err == ENOENT) error = Error(Errc::kNotFound, "open", err);
    return error.context(what);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Error::system("fstat").context(what);
  if (S_ISLNK(st.st_mode)) {
    // A rule on the link's own inode would grant nothing; following it is what O_NOFOLLOW is for.
    return Error(Errc::kInvalidInput, "is a symbolic link")
        .context(what)
        .with_hint("pass the resolved path of the link's target");
  }
  uint64_t bits = landlock_path_access(access, abi_);
  int rc = add_path_rule(fd_.get(), fd.get(), bits);
  if (rc != 0) {
    return Error::system("landlock_add_rule", -rc).context(what);
  }
  return Ok{};
}

Result<void> LandlockRuleset::allow_tcp_connect(uint16_t port) {
  if (abi_ < 4) return Ok{};  // the ruleset handles no network rights before ABI 4
  NetPortAttr attr{};
  attr.allowed_access = kNetConnectTcp;
  attr.port = port;
  if (::syscall(SYS_landlock_add_rule, fd_.get(), kRuleNetPort, &attr, 0) != 0) {
    return Error::system("landlock_add_rule")
        .context("landlock: allow tcp connect to port " + std::to_string(port));
  }
  return Ok{};
}

int landlock_add_path_raw(int ruleset_fd, int path_fd, uint64_t access) {
  return add_path_rule(ruleset_fd, path_fd, access);
}

int landlock_restrict_raw(int ruleset_fd) {
  if (::syscall(SYS_landlock_restrict_self, ruleset_fd, 0) != 0) return -errno;
  return 0;
}

}  // namespace cordon::box
