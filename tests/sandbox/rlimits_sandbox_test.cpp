// Sandbox tests for apply_rlimits: a forked child applies a plan and reports what it could do.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sandbox/run_in_child.h"
#include "box/rlimits.h"

namespace cordon::box {
namespace {

using cordon::testing::run_in_child;

using policy::MemoryFallback;
using policy::ResourcePolicy;


// Opens /dev/null up to `max` (<= 128) times at once; returns how many opened, the errno of the
// first failure in *first_errno, then closes them again.
int open_many(int max, int* first_errno) {
  int fds[128];
  *first_errno = 0;
  int opened = 0;
  for (; opened < max && opened < 128; ++opened) {
    fds[opened] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fds[opened] < 0) {
      *first_errno = errno;
      break;
    }
  }
  for (int i = 0; i < opened; ++i) ::close(fds[i]);
  return opened;
}

TEST(RlimitsSandbox, OpenFilesLimitStopsAtNofile) {
  ResourcePolicy resources;
  resources.open_files.value = 64;
  RlimitPlan plan = plan_rlimits({&resources, false, false});

  rlimit host{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &host), 0);
  if (host.rlim_cur != RLIM_INFINITY && host.rlim_cur < 200) {
    GTEST_SKIP() << "RLIMIT_NOFILE soft limit " << host.rlim_cur << " too low for the control";
  }

  struct Report {
    int control_opened, control_errno;
    int apply, failed_index;
    rlimit nofile, core;
    int opened, open_errno;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.control_opened = open_many(100, &rep.control_errno);  // before: 100 opens work
        rep.failed_index = -1;
        rep.apply = apply_rlimits(plan, &rep.failed_index);
        ::getrlimit(RLIMIT_NOFILE, &rep.nofile);
        ::getrlimit(RLIMIT_CORE, &rep.core);
        rep.opened = open_many(100, &rep.open_errno);
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(r.control_opened, 100) << "control: " << std::strerror(r.control_errno);
  ASSERT_EQ(r.apply, 0) << std::strerror(-r.apply) << " at index " << r.failed_index;
  EXPECT_EQ(r.failed_index, -1);
  EXPECT_EQ(r.nofile.rlim_cur, 64u);
  EXPECT_EQ(r.nofile.rlim_max, 64u);
  EXPECT_EQ(r.core.rlim_cur, 0u);
  EXPECT_EQ(r.core.rlim_max, 0u);
  EXPECT_EQ(r.open_errno, EMFILE);
  EXPECT_LT(r.opened, 64);  // fds 0-2 and gtest's own count against the 64
  EXPECT_GT(r.opened, 0);
}

TEST(RlimitsSandbox, AddressSpaceLimitMakesLargeAllocationsFail) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan reserves terabytes of shadow address space; RLIMIT_AS cannot be tested";
#else
  ResourcePolicy resources;
  resources.memory_bytes.value = 512ULL << 20;
  resources.memory_fallback.value = MemoryFallback::kPerProcess;
  RlimitPlan plan = plan_rlimits({&resources, /*cgroup_memory=*/false, false});

  struct Report {
    int control_big;  // 1 if a 1 GiB allocation works before the limit
    int apply, failed_index;
    rlimit as;
    int small;  // 1 if 16 MiB still works after
    int big;    // 1 if 1 GiB still works after: must be 0
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        constexpr size_t kBig = 1ULL << 30;
        constexpr size_t kSmall = 16ULL << 20;
        void* p = std::malloc(kBig);
        rep.control_big = p != nullptr;
        std::free(p);
        rep.failed_index = -1;
        rep.apply = apply_rlimits(plan, &rep.failed_index);
        ::getrlimit(RLIMIT_AS, &rep.as);
        p = std::malloc(kSmall);
        if (p != nullptr) std::memset(p, 1, kSmall);
        rep.small = p != nullptr;
        std::free(p);
        p = std::malloc(kBig);
        rep.big = p != nullptr;
        std::free(p);
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  ASSERT_EQ(r.apply, 0) << std::strerror(-r.apply) << " at index " << r.failed_index;
  EXPECT_EQ(r.control_big, 1) << "control: 1 GiB malloc before the limit";
  EXPECT_EQ(r.as.rlim_cur, 512u << 20);
  EXPECT_EQ(r.as.rlim_max, 512u << 20);
  EXPECT_EQ(r.small, 1) << "16 MiB must fit under 512 MiB";
  EXPECT_EQ(r.big, 0) << "1 GiB must not fit under 512 MiB";
#endif
}

TEST(RlimitsSandbox, FailureReportsTheEntry) {
  RlimitPlan plan;
  plan.entries[0] = RlimitEntry{RLIMIT_CORE, rlimit{0, 0}};
  plan.entries[1] = RlimitEntry{9999, rlimit{1, 1}};  // no such resource
  plan.count = 2;
  struct Report {
    int apply, failed_index;
    rlimit core;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rep.failed_index = -1;
        rep.apply = apply_rlimits(plan, &rep.failed_index);
        ::getrlimit(RLIMIT_CORE, &rep.core);
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(r.apply, -EINVAL);
  EXPECT_EQ(r.failed_index, 1);
  EXPECT_EQ(r.core.rlim_max, 0u) << "entries before the failure were applied";
}

TEST(RlimitsSandbox, NeverRaisesAboveTheCurrentHardLimit) {
  // A policy asking for more than the host's hard limit gets the host's (stricter) limit rather
  // than EPERM; the agent cannot raise it either.
  struct Report {
    int lower, apply, failed_index;
    rlimit after;
  };
  int status = 0;
  auto r = run_in_child<Report>(
      [&](Report& rep) {
        rlimit low{256, 256};
        rep.lower = ::setrlimit(RLIMIT_NOFILE, &low) == 0 ? 0 : errno;
        ResourcePolicy resources;
        resources.open_files.value = 4096;
        RlimitPlan plan = plan_rlimits({&resources, false, false});
        rep.failed_index = -1;
        rep.apply = apply_rlimits(plan, &rep.failed_index);
        ::getrlimit(RLIMIT_NOFILE, &rep.after);
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  ASSERT_EQ(r.lower, 0);
  EXPECT_EQ(r.apply, 0) << std::strerror(-r.apply);
  EXPECT_EQ(r.after.rlim_cur, 256u);
  EXPECT_EQ(r.after.rlim_max, 256u);
}

}  // namespace
}  // namespace cordon::box
