// Unit tests for plan_rlimits: which limits the agent gets for a policy and the cgroups present.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <optional>

#include "box/rlimits.h"

namespace cordon::box {
namespace {

using policy::MemoryFallback;
using policy::ResourcePolicy;

std::optional<rlimit> find(const RlimitPlan& plan, int resource) {
  std::optional<rlimit> found;
  for (size_t i = 0; i < plan.count; ++i) {
    if (plan.entries[i].resource == resource) {
      EXPECT_FALSE(found.has_value()) << "resource " << resource << " planned twice";
      found = plan.entries[i].value;
    }
  }
  return found;
}

ResourcePolicy full_policy() {
  ResourcePolicy r;
  r.memory_bytes.value = 2ULL << 30;
  r.memory_fallback.value = MemoryFallback::kPerProcess;
  r.pids.value = 512;
  r.open_files.value = 4096;
  return r;
}

void expect_limit(const RlimitPlan& plan, int resource, uint64_t value) {
  auto lim = find(plan, resource);
  ASSERT_TRUE(lim.has_value()) << "resource " << resource << " not planned";
  EXPECT_EQ(lim->rlim_cur, static_cast<rlim_t>(value));
  EXPECT_EQ(lim->rlim_max, static_cast<rlim_t>(value));  // soft = hard: no raising it back
}

TEST(RlimitsPlan, EmptyPolicyStillForbidsCoreDumps) {
  ResourcePolicy r;
  RlimitPlan plan = plan_rlimits({&r, false, false});
  ASSERT_EQ(plan.count, 1u);
  expect_limit(plan, RLIMIT_CORE, 0);
}

TEST(RlimitsPlan, EverythingWithoutCgroups) {
  ResourcePolicy r = full_policy();
  RlimitPlan plan = plan_rlimits({&r, false, false});
  EXPECT_EQ(plan.count, 4u);
  expect_limit(plan, RLIMIT_NOFILE, 4096);
  expect_limit(plan, RLIMIT_NPROC, 512);
  expect_limit(plan, RLIMIT_AS, 2ULL << 30);
  expect_limit(plan, RLIMIT_CORE, 0);
}

TEST(RlimitsPlan, MemoryCgroupReplacesAddressSpaceLimit) {
  ResourcePolicy r = full_policy();
  RlimitPlan plan = plan_rlimits({&r, true, true});
  EXPECT_FALSE(find(plan, RLIMIT_AS).has_value());
  // NPROC stays as a backstop even when a pids cgroup enforces the total.
  expect_limit(plan, RLIMIT_NPROC, 512);
  expect_limit(plan, RLIMIT_NOFILE, 4096);
  expect_limit(plan, RLIMIT_CORE, 0);
  EXPECT_EQ(plan.count, 3u);
}

TEST(RlimitsPlan, PidsCgroupAloneKeepsAddressSpaceLimit) {
  ResourcePolicy r = full_policy();
  RlimitPlan plan = plan_rlimits({&r, false, true});
  expect_limit(plan, RLIMIT_AS, 2ULL << 30);
  expect_limit(plan, RLIMIT_NPROC, 512);
}

TEST(RlimitsPlan, FailClosedNeverFallsBackToAddressSpace) {
  ResourcePolicy r = full_policy();
  r.memory_fallback.value = MemoryFallback::kFailClosed;
  RlimitPlan plan = plan_rlimits({&r, false, false});
  EXPECT_FALSE(find(plan, RLIMIT_AS).has_value());
  expect_limit(plan, RLIMIT_CORE, 0);
}

TEST(RlimitsPlan, NoMemoryLimitMeansNoAddressSpaceLimit) {
  ResourcePolicy r = full_policy();
  r.memory_bytes.value.reset();
  RlimitPlan plan = plan_rlimits({&r, false, false});
  EXPECT_FALSE(find(plan, RLIMIT_AS).has_value());
}

TEST(RlimitsPlan, UnsetValuesAreNotPlanned) {
  ResourcePolicy r = full_policy();
  r.open_files.value.reset();
  r.pids.value.reset();
  RlimitPlan plan = plan_rlimits({&r, false, false});
  EXPECT_FALSE(find(plan, RLIMIT_NOFILE).has_value());
  EXPECT_FALSE(find(plan, RLIMIT_NPROC).has_value());
  expect_limit(plan, RLIMIT_AS, 2ULL << 30);
  expect_limit(plan, RLIMIT_CORE, 0);
  EXPECT_EQ(plan.count, 2u);
}

TEST(RlimitsPlan, CpusAndTimeoutAreNotRlimits) {
  // cpus is a cgroup's job and the timeout the supervisor's; neither becomes RLIMIT_CPU.
  ResourcePolicy r;
  r.cpus.value = 1.5;
  r.timeout_seconds.value = 60;
  RlimitPlan plan = plan_rlimits({&r, false, false});
  EXPECT_FALSE(find(plan, RLIMIT_CPU).has_value());
  EXPECT_EQ(plan.count, 1u);
}

}  // namespace
}  // namespace cordon::box
