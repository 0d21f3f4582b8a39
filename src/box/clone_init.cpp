#include "box/clone_init.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <string>

#include "base/log.h"
#include "base/syscalls.h"

namespace cordon::box {

long clone_box_init(unsigned long flags, const CgroupEntry& entry, ChildPlan& plan, int* pidfd) {
  if (entry.directory) {
    long pid = sys::clone_into_cgroup(flags, entry.directory.get(), pidfd);
    if (pid > 0) log::debug("clone: the init is born in the box's cgroup (v2, CLONE_INTO_CGROUP)");
    if (pid >= 0) return pid;
    log::info(std::string("clone3 into the box's cgroup: ") + std::strerror(errno) +
              "; the init joins it through cgroup.procs instead");
  }
  if (entry.join_files.size() > std::size(plan.cgroup_join)) {
    errno = E2BIG;  // a hierarchy the init could not join: no box rather than one outside it
    return -1;
  }
  for (size_t i = 0; i < entry.join_files.size(); ++i) {
    plan.cgroup_join[i] = entry.join_files[i].get();
  }
  return ::syscall(SYS_clone, flags, nullptr, pidfd, nullptr, nullptr);
}

}  // namespace cordon::box
