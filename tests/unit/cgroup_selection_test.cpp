// Unit tests for CgroupSession on a fake cgroup tree of plain files: which hierarchy is picked,
// the limit values written, the fail-closed errors and hints, sampling and teardown.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "box/cgroup.h"

namespace cordon::box {
namespace {

namespace fs = std::filesystem;
using policy::MemoryFallback;
using policy::ResourcePolicy;

constexpr uint64_t kMiB = 1ULL << 20;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::trunc) << content;
}

// A fake /sys/fs/cgroup under a temp dir. The hooks play the kernel: mkdir fills a directory with
// the control files of both versions (minus the ones a test switches off), rmdir empties it.
class FakeCgroups {
 public:
  FakeCgroups() {
    char tmpl[] = "/tmp/cordon-cgroup-test-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) std::abort();
    base_ = dir;
    fs_ = base_ + "/sys-fs-cgroup";
    fs::create_directories(fs_);
  }
  ~FakeCgroups() { fs::remove_all(base_); }

  // Pure v2 with the caller in `path` and these controllers delegated to it.
  void pure_v2(const std::string& path, const std::string& controllers) {
    put(fs_ + "/cgroup.controllers", "cpuset cpu io memory pids hugetlb\n");
    put(fs_ + "/cgroup.subtree_control", "");
    put(fs_ + "/cgroup.procs", "");
    if (path != "/") make_v2_cgroup(fs_ + path, controllers);
    proc_ = "0::" + path + "\n";
  }
  void make_v2_cgroup(const std::string& dir, const std::string& controllers) {
    fs::create_directories(dir);
    put(dir + "/cgroup.controllers", controllers + "\n");
    put(dir + "/cgroup.subtree_control", "");
    put(dir + "/cgroup.procs", std::to_string(::getpid()) + "\n");
  }
  // A hybrid machine: v1 per-controller hierarchies and (unless `unified` is false, as in
  // systemd's legacy mode) an empty v2 mount at unified/. Tests run as root, so a fake unified
  // root is writable; a real one is not for a user, hence legacy mode for "user" tests that must
  // end up with no cgroup at all.
  void hybrid(const std::string& memory_path = "/", bool unified = true) {
    if (unified) {
      put(fs_ + "/unified/cgroup.controllers", "\n");
      put(fs_ + "/unified/cgroup.subtree_control", "");
      put(fs_ + "/unified/cgroup.procs", "");
    }
    for (const char* c : {"memory", "pids", "cpu"}) put(fs_ + "/" + c + "/cgroup.procs", "");
    fs::create_directories(fs_ + "/memory" + memory_path);
    proc_ = "9:name=systemd:/\n8:pids:/\n4:memory:" + memory_path + "\n1:cpu:/\n0::/\n";
  }

  CgroupRoots roots(uid_t euid) {
    put(base_ + "/proc-self-cgroup", proc_);
    CgroupRoots r;
    r.v2 = fs_;
    r.v1 = fs_;
    r.proc_self_cgroup = base_ + "/proc-self-cgroup";
    r.fake_tree = true;
    r.euid = euid;
    r.after_mkdir = [this](const std::string& dir) {
      for (const char* f :
           {"cgroup.procs", "cgroup.controllers", "cgroup.subtree_control", "cgroup.kill",
            "memory.max", "memory.current", "pids.max", "pids.current", "pids.peak", "cpu.max",
            "memory.limit_in_bytes", "memory.max_usage_in_bytes", "memory.usage_in_bytes",
            "cpu.cfs_period_us", "cpu.cfs_quota_us"}) {
        put(dir + "/" + f, "");
      }
      if (swap_files) {
        put(dir + "/memory.swap.max", "");
        put(dir + "/memory.memsw.limit_in_bytes", "");
      }
      if (memory_peak_file) put(dir + "/memory.peak", "");
    };
    r.before_rmdir = [](const std::string& dir) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file()) fs::remove(entry.path());
      }
    };
    return r;
  }

  const std::string& fs_root() const { return fs_; }
  bool swap_files = true;
  bool memory_peak_file = true;

 private:
  std::string base_;
  std::string fs_;
  std::string proc_;
};

ResourcePolicy limits(std::optional<uint64_t> memory, std::optional<uint64_t> pids,
                      std::optional<double> cpus,
                      MemoryFallback fallback = MemoryFallback::kFailClosed) {
  ResourcePolicy r;
  r.memory_bytes.value = memory;
  r.memory_fallback.value = fallback;
  r.pids.value = pids;
  r.cpus.value = cpus;
  return r;
}

TEST(CgroupSelection, DelegatedV2ScopeGetsEveryLimit) {
  FakeCgroups fake;
  const std::string cg = fake.fs_root() + "/user.slice/run-1.scope";
  fake.pure_v2("/user.slice/run-1.scope", "cpuset cpu io memory pids");
  auto s = CgroupSession::create(limits(1024 * kMiB, 100, 1.5), "s1", fake.roots(1000));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  auto& session = **s;
  EXPECT_EQ(session.version(), CgroupVersion::kV2);
  EXPECT_EQ(session.mechanism(), "cgroup v2 (memory, pids, cpu)");
  EXPECT_TRUE(session.enforces_memory());
  EXPECT_TRUE(session.enforces_pids());
  EXPECT_TRUE(session.enforces_cpu());
  EXPECT_EQ(session.note(), "");

  // The supervisor moved into its own leaf before controllers were enabled for the children.
  const std::string leaf = cg + "/cordon-supervisor-s1";
  EXPECT_EQ(slurp(leaf + "/cgroup.procs"), std::to_string(::getpid()));
  EXPECT_EQ(slurp(cg + "/cgroup.subtree_control"), "+memory +pids +cpu");

  const std::string box = cg + "/cordon-s1";
  ASSERT_EQ(session.dirs(), std::vector<std::string>{box});
  EXPECT_EQ(slurp(box + "/memory.max"), "1073741824");
  EXPECT_EQ(slurp(box + "/memory.swap.max"), "0");
  EXPECT_EQ(slurp(box + "/pids.max"), "100");
  EXPECT_EQ(slurp(box + "/cpu.max"), "150000 100000");

  session.kill_all();
  EXPECT_EQ(slurp(box + "/cgroup.kill"), "1");

  s.value().reset();
  EXPECT_FALSE(fs::exists(box));
  EXPECT_FALSE(fs::exists(leaf));
  // Controllers disabled again and the supervisor back where it started.
  EXPECT_EQ(slurp(cg + "/cgroup.subtree_control"), "-memory -pids -cpu");
  EXPECT_EQ(slurp(cg + "/cgroup.procs").substr(0, std::to_string(::getpid()).size()),
            std::to_string(::getpid()));
}

TEST(CgroupSelection, V2RootCgroupNeedsNoSupervisorLeaf) {
  FakeCgroups fake;
  fake.pure_v2("/", "");
  auto s =
      CgroupSession::create(limits(64 * kMiB, std::nullopt, std::nullopt), "s2", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kV2);
  // pids is added for counting even without a pids limit.
  EXPECT_EQ((*s)->mechanism(), "cgroup v2 (memory, pids)");
  EXPECT_FALSE((*s)->enforces_pids());
  EXPECT_FALSE(fs::exists(fake.fs_root() + "/cordon-supervisor-s2"));
  EXPECT_EQ((*s)->dirs(), std::vector<std::string>{fake.fs_root() + "/cordon-s2"});
  EXPECT_EQ(slurp(fake.fs_root() + "/cordon-s2/memory.max"), std::to_string(64 * kMiB));
}

TEST(CgroupSelection, V2WithoutSwapAccountingStillLimitsMemory) {
  FakeCgroups fake;
  fake.swap_files = false;
  fake.pure_v2("/a.scope", "memory pids");
  auto s =
      CgroupSession::create(limits(64 * kMiB, std::nullopt, std::nullopt), "s3", fake.roots(1000));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_TRUE((*s)->enforces_memory());
}

TEST(CgroupSelection, HybridRootUsesV1ForEveryController) {
  FakeCgroups fake;
  fake.hybrid("/harness/abc");
  auto s = CgroupSession::create(limits(64 * kMiB, 20, 0.5), "s4", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  auto& session = **s;
  EXPECT_EQ(session.version(), CgroupVersion::kV1);
  EXPECT_EQ(session.mechanism(), "cgroup v1 (memory, pids, cpu)");
  EXPECT_TRUE(session.enforces_memory() && session.enforces_pids() && session.enforces_cpu());

  // Nested under our own cgroup of each hierarchy, so the box stays inside the caller's limits.
  const std::string memory = fake.fs_root() + "/memory/harness/abc/cordon/s4";
  const std::string pids = fake.fs_root() + "/pids/cordon/s4";
  const std::string cpu = fake.fs_root() + "/cpu/cordon/s4";
  EXPECT_EQ(session.dirs(), (std::vector<std::string>{memory, pids, cpu}));
  EXPECT_EQ(slurp(memory + "/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(slurp(memory + "/memory.memsw.limit_in_bytes"), "67108864");
  EXPECT_EQ(slurp(pids + "/pids.max"), "20");
  EXPECT_EQ(slurp(cpu + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(slurp(cpu + "/cpu.cfs_quota_us"), "50000");

  s.value().reset();
  EXPECT_FALSE(fs::exists(memory));
  EXPECT_FALSE(fs::exists(fake.fs_root() + "/memory/harness/abc/cordon"));  // empty: removed
  EXPECT_FALSE(fs::exists(pids));
  EXPECT_FALSE(fs::exists(cpu));
  EXPECT_TRUE(fs::exists(fake.fs_root() + "/memory/harness/abc"));
}

TEST(CgroupSelection, V1TeardownRemovesStaleSessionsOnly) {
  FakeCgroups fake;
  fake.hybrid();
  CgroupRoots roots = fake.roots(0);
  const std::string parent = fake.fs_root() + "/pids/cordon";
  // Left by supervisors that were SIGKILLed, and one that is still starting.
  auto sibling = [&](const std::string& name, const std::string& procs, bool old) {
    const std::string dir = parent + "/" + name;
    fs::create_directories(dir);
    roots.after_mkdir(dir);
    put(dir + "/cgroup.procs", procs);
    if (old) {
      fs::last_write_time(dir, fs::file_time_type::clock::now() - std::chrono::minutes(5));
    }
    return dir;
  };
  const std::string stale = sibling("stale", "", true);
  const std::string busy = sibling("busy", "4242\n", true);
  const std::string starting = sibling("starting", "", false);

  auto s = CgroupSession::create(ResourcePolicy{}, "s7", roots);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  s.value().reset();
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(busy));
  EXPECT_TRUE(fs::exists(starting));
  EXPECT_FALSE(fs::exists(parent + "/s7"));
}

TEST(CgroupSelection, V1TeardownRemovesAParentThatOnlyStaleSessionsKept) {
  FakeCgroups fake;
  fake.hybrid();
  CgroupRoots roots = fake.roots(0);
  const std::string parent = fake.fs_root() + "/pids/cordon";
  const std::string stale = parent + "/stale";
  fs::create_directories(stale);
  roots.after_mkdir(stale);
  put(stale + "/cgroup.procs", "");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::minutes(5));

  auto s = CgroupSession::create(ResourcePolicy{}, "s8", roots);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  s.value().reset();
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(parent));  // empty once the leftover went: removed too
}

TEST(CgroupSelection, V1WithoutMemswStillLimitsMemory) {
  FakeCgroups fake;
  fake.swap_files = false;
  fake.hybrid();
  auto s =
      CgroupSession::create(limits(64 * kMiB, std::nullopt, std::nullopt), "s5", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->mechanism(), "cgroup v1 (memory, pids)");
  EXPECT_TRUE((*s)->enforces_memory());
}

TEST(CgroupSelection, RootWithoutLimitsStillGetsAPidsCgroup) {
  FakeCgroups fake;
  fake.hybrid();
  auto s = CgroupSession::create(ResourcePolicy{}, "s6", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kV1);
  EXPECT_EQ((*s)->mechanism(), "cgroup v1 (pids)");
  EXPECT_FALSE((*s)->enforces_pids());
  EXPECT_EQ(slurp(fake.fs_root() + "/pids/cordon/s6/pids.max"), "");  // left at "max"
}

TEST(CgroupSelection, SessionIdsAreSinglePathComponents) {
  FakeCgroups fake;
  fake.hybrid();
  for (const char* bad : {"", "..", "../x", "a/b", ".hidden"}) {
    auto s = CgroupSession::create(ResourcePolicy{}, bad, fake.roots(0));
    EXPECT_FALSE(s.ok()) << bad;
  }
}

TEST(CgroupFailClosed, CpusWithoutACgroupAreRefused) {
  FakeCgroups fake;
  fake.hybrid();
  auto s = CgroupSession::create(limits(std::nullopt, std::nullopt, 2.0), "f1", fake.roots(1000));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kUnsupported);
  EXPECT_NE(s.error().message().find("cpus"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("cgroup.controllers is empty"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("needs root (euid 1000)"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().hint().find("systemd-run --user --scope -p Delegate=yes"), std::string::npos)
      << s.error().hint();
  EXPECT_NE(s.error().hint().find("remove `[resources] cpus`"), std::string::npos);
  EXPECT_EQ(s.error().hint().find("memory_fallback"), std::string::npos);
}

TEST(CgroupFailClosed, MemoryWithFallbackFailIsRefused) {
  FakeCgroups fake;
  fake.hybrid();
  auto s =
      CgroupSession::create(limits(64 * kMiB, std::nullopt, std::nullopt), "f2", fake.roots(1000));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kUnsupported);
  EXPECT_NE(s.error().message().find("memory (memory_fallback = \"fail\")"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().hint().find("run cordon as root"), std::string::npos);
  EXPECT_NE(s.error().hint().find("memory_fallback = \"per-process\""), std::string::npos);
  EXPECT_NE(s.error().hint().find("remove `[resources] memory`"), std::string::npos);
}

TEST(CgroupFailClosed, RootWithoutHierarchiesGetsARootHint) {
  FakeCgroups fake;
  fake.pure_v2("/svc.service", "pids");  // no memory controller, no v1 at all
  auto s = CgroupSession::create(limits(64 * kMiB, std::nullopt, 1.0), "f3", fake.roots(0));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("memory (memory_fallback = \"fail\") and cpus"),
            std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("no memory hierarchy"), std::string::npos)
      << s.error().message();
  EXPECT_EQ(s.error().hint().find("run cordon as root"), std::string::npos) << s.error().hint();
  EXPECT_NE(s.error().hint().find("memory and cpu controller"), std::string::npos)
      << s.error().hint();
}

TEST(CgroupFailClosed, PerProcessMemoryFallbackRunsWithRlimits) {
  FakeCgroups fake;
  fake.hybrid("/", false);
  auto s = CgroupSession::create(limits(64 * kMiB, 50, std::nullopt, MemoryFallback::kPerProcess),
                                 "f4", fake.roots(1000));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kNone);
  EXPECT_EQ((*s)->mechanism(), "none (rlimits only)");
  EXPECT_FALSE((*s)->enforces_memory());
  EXPECT_FALSE((*s)->enforces_pids());
  EXPECT_NE((*s)->note().find("memory: per process (RLIMIT_AS)"), std::string::npos);
  EXPECT_NE((*s)->note().find("pids: RLIMIT_NPROC only"), std::string::npos);
  EXPECT_TRUE((*s)->add_process(::getpid()).ok());  // nothing to join
}

TEST(CgroupFailClosed, InvalidCpusArePolicyErrors) {
  FakeCgroups fake;
  fake.hybrid();
  for (double cpus : {0.0, -1.0, 0.001}) {
    auto s = CgroupSession::create(limits(std::nullopt, std::nullopt, cpus), "f5", fake.roots(0));
    ASSERT_FALSE(s.ok()) << cpus;
    EXPECT_EQ(s.error().code(), Errc::kPolicy) << cpus;
  }
}

TEST(CgroupFallThrough, SharedV2CgroupIsLeftAloneAndV1Used) {
  FakeCgroups fake;
  fake.hybrid();
  // Also a pure-v2 style scope in the fake v2 root, shared with another process (pid 1).
  fake.pure_v2("/term.scope", "memory pids cpu");
  put(fake.fs_root() + "/term.scope/cgroup.procs", "1\n" + std::to_string(::getpid()) + "\n");
  // v1 hierarchies exist too (hybrid() created them); pure_v2 replaced the proc file.
  auto s =
      CgroupSession::create(limits(64 * kMiB, std::nullopt, std::nullopt), "t1", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kV1);
  EXPECT_FALSE(fs::exists(fake.fs_root() + "/term.scope/cordon-supervisor-t1"));
  EXPECT_EQ(slurp(fake.fs_root() + "/term.scope/cgroup.subtree_control"), "");

  // As a user the same machine fails closed and says why v2 was not usable.
  auto refused =
      CgroupSession::create(limits(64 * kMiB, std::nullopt, std::nullopt), "t2", fake.roots(1000));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("also holds other processes (pid 1)"), std::string::npos)
      << refused.error().message();
}

TEST(CgroupFallThrough, FailedV2AttemptIsUndone) {
  FakeCgroups fake;
  fake.hybrid();
  fake.pure_v2("/run.scope", "memory pids cpu");
  const std::string cg = fake.fs_root() + "/run.scope";
  // Enabling controllers fails (EISDIR here; EBUSY or EACCES on a real machine).
  fs::remove(cg + "/cgroup.subtree_control");
  fs::create_directories(cg + "/cgroup.subtree_control");
  put(cg + "/cgroup.procs", "");
  auto s = CgroupSession::create(limits(64 * kMiB, 20, std::nullopt), "t3", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kV1);
  EXPECT_FALSE(fs::exists(cg + "/cordon-supervisor-t3"));
  EXPECT_FALSE(fs::exists(cg + "/cordon-t3"));
  // The supervisor was moved back to where it was.
  EXPECT_EQ(slurp(cg + "/cgroup.procs"), std::to_string(::getpid()));
}

TEST(CgroupFallThrough, V2WithoutCpuControllerUsesV1ForCpus) {
  FakeCgroups fake;
  fake.hybrid();
  fake.pure_v2("/run.scope", "memory pids");
  auto s = CgroupSession::create(limits(std::nullopt, std::nullopt, 1.0), "t4", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kV1);
  EXPECT_TRUE((*s)->enforces_cpu());

  auto refused =
      CgroupSession::create(limits(std::nullopt, std::nullopt, 1.0), "t5", fake.roots(1000));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("controller cpu not available"), std::string::npos)
      << refused.error().message();
}

TEST(CgroupFallThrough, PartialV2CoversTheHardLimits) {
  FakeCgroups fake;
  fake.pure_v2("/run.scope", "memory cpu");  // no pids controller delegated
  auto s = CgroupSession::create(limits(64 * kMiB, 30, std::nullopt), "t6", fake.roots(1000));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->mechanism(), "cgroup v2 (memory)");
  EXPECT_TRUE((*s)->enforces_memory());
  EXPECT_FALSE((*s)->enforces_pids());
  EXPECT_NE((*s)->note().find("pids: RLIMIT_NPROC only"), std::string::npos) << (*s)->note();
}

TEST(CgroupUsage, V1SampleKeepsPeaks) {
  FakeCgroups fake;
  fake.hybrid();
  auto s = CgroupSession::create(limits(64 * kMiB, 20, std::nullopt), "u1", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  const std::string memory = fake.fs_root() + "/memory/cordon/u1";
  const std::string pids = fake.fs_root() + "/pids/cordon/u1";
  EXPECT_FALSE((*s)->peaks().memory_bytes.has_value());

  put(memory + "/memory.max_usage_in_bytes", "5000000\n");
  fs::remove(pids + "/pids.peak");  // an older kernel: only pids.current
  put(pids + "/pids.current", "7\n");
  (*s)->sample();
  put(pids + "/pids.current", "3\n");
  (*s)->sample();
  EXPECT_EQ((*s)->peaks().memory_bytes, 5000000u);
  EXPECT_EQ((*s)->peaks().pids, 7u);
}

TEST(CgroupUsage, V2PrefersPeakFiles) {
  FakeCgroups fake;
  fake.memory_peak_file = false;  // before 5.19: memory.current only
  fake.pure_v2("/run.scope", "memory pids");
  auto s = CgroupSession::create(ResourcePolicy{}, "u2", fake.roots(1000));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  const std::string box = fake.fs_root() + "/run.scope/cordon-u2";
  put(box + "/memory.current", "4096\n");
  put(box + "/pids.peak", "12\n");
  put(box + "/pids.current", "1\n");
  (*s)->sample();
  EXPECT_EQ((*s)->peaks().memory_bytes, 4096u);
  EXPECT_EQ((*s)->peaks().pids, 12u);
}

TEST(CgroupUsage, AddProcessJoinsEveryV1Hierarchy) {
  FakeCgroups fake;
  fake.hybrid();
  auto s = CgroupSession::create(limits(64 * kMiB, 20, 1.0), "u3", fake.roots(0));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  ASSERT_TRUE((*s)->add_process(4242).ok());
  for (const std::string& dir : (*s)->dirs()) {
    EXPECT_EQ(slurp(dir + "/cgroup.procs"), "4242") << dir;
    put(dir + "/cgroup.procs", "");  // a fake tree never empties itself; keep kill_all away
  }
  EXPECT_FALSE((*s)->add_process(0).ok());
}

TEST(CgroupSelection, WritableV2WithoutControllersStillGroupsTheBox) {
  FakeCgroups fake;
  fake.hybrid();  // empty unified/, writable (as on a real machine for root)
  auto s = CgroupSession::create(ResourcePolicy{}, "u5", fake.roots(1000));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kV2);
  EXPECT_EQ((*s)->mechanism(), "cgroup v2 (no controllers)");
  EXPECT_EQ((*s)->dirs(), std::vector<std::string>{fake.fs_root() + "/unified/cordon-u5"});
}

TEST(CgroupUsage, NoneSessionIsInert) {
  FakeCgroups fake;
  fake.hybrid("/", false);
  auto s = CgroupSession::create(ResourcePolicy{}, "u4", fake.roots(1000));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ((*s)->version(), CgroupVersion::kNone);
  EXPECT_EQ((*s)->mechanism(), "none (rlimits only)");
  EXPECT_EQ((*s)->note(), "");
  (*s)->sample();
  (*s)->kill_all();
  EXPECT_FALSE((*s)->peaks().memory_bytes.has_value());
  EXPECT_FALSE((*s)->peaks().pids.has_value());
}

}  // namespace
}  // namespace cordon::box
