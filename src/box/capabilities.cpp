// Capabilities and no_new_privs for the agent: drop everything, lock it, never regain it.
#include "box/capabilities.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cordon::box {
namespace {

// No root semantics on exec (uid 0 gains nothing from file capabilities or being root), no
// capability fixups on setuid, keep-caps and ambient raising forbidden; each bit locked so the
// agent cannot undo it.
constexpr unsigned long kSecurebits =
    SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
    SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

// Capability numbers fit in the two 32-bit words of _LINUX_CAPABILITY_VERSION_3.
constexpr int kMaxCap = 63;

}  // namespace

int drop_all_capabilities() {
  // 1. Bounding set, so no exec can gain a capability back. Needs CAP_SETPCAP, so it comes
  // before the sets are emptied. The last capability is found by EINVAL, not by reading
  // /proc/sys/kernel/cap_last_cap (no files here; /proc may be the box's own or absent).
  for (int cap = 0; cap <= kMaxCap; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    int err = errno;
    if (err == EINVAL) break;  // past the kernel's last capability
    // Without CAP_SETPCAP the kernel says EPERM before it validates `cap`. That is still fine
    // if the bit is already gone (a second call), and READ tells the last capability apart.
    int present = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (present == 0) continue;
    if (present < 0 && errno == EINVAL) break;
    return -err;
  }

  // 2. Ambient set (Linux 4.3+; EINVAL on older kernels means there is none to clear).
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return -errno;
  }

  // 3. Securebits. Also needs CAP_SETPCAP; tolerate a second call where they are already set
  // and locked.
  if (::prctl(PR_SET_SECUREBITS, kSecurebits, 0, 0, 0) != 0) {
    int err = errno;
    int current = ::prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (current < 0 || (static_cast<unsigned long>(current) & kSecurebits) != kSecurebits) {
      return -err;
    }
  }

  // 4. Effective, permitted and inheritable sets: all empty.
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capset, &header, data) != 0) return -errno;
  return 0;
}

int set_no_new_privs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
  return 0;
}

}  // namespace cordon::box
