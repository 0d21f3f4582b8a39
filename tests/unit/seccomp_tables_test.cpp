// Checks the refusal tables themselves, and describe_box_filter() against the reviewed golden file.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <seccomp.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "box/seccomp.h"
#include "box/seccomp_groups.h"

namespace cordon::box {
namespace {

using seccomp::SyscallGroup;
using seccomp::SyscallRule;

TEST(SeccompTables, GroupsHaveUniqueNamesReasonsAndRules) {
  std::set<std::string> names;
  for (const SyscallGroup& group : seccomp::box_syscall_groups()) {
    EXPECT_TRUE(names.insert(group.name).second) << "duplicate group " << group.name;
    EXPECT_FALSE(group.reason.empty()) << group.name;
    EXPECT_FALSE(group.rules.empty()) << group.name;
    for (const SyscallRule& rule : group.rules) {
      EXPECT_FALSE(rule.when.empty()) << rule.syscall << ": a rule with no condition never fires";
      EXPECT_GT(rule.errno_value, 0) << rule.syscall;
      for (const seccomp::Conjunction& conjunction : rule.when) {
        std::set<unsigned> args;
        for (const seccomp::ArgCompare& compare : conjunction) {
          EXPECT_LT(compare.arg, 6u) << rule.syscall;
          // libseccomp allows one comparison per argument in a rule.
          EXPECT_TRUE(args.insert(compare.arg).second) << rule.syscall;
        }
      }
    }
  }
}

// On x86_64 every refused name is a syscall libseccomp knows or one cordon has a number for,
// except stime, which x86_64 never had (it uses settimeofday).
TEST(SeccompTables, EveryNameResolvesOnX86_64) {
  if (seccomp_arch_native() != AUDIT_ARCH_X86_64) GTEST_SKIP() << "table checked for x86_64";
  const std::set<std::string> absent_on_x86_64 = {"stime"};
  for (const SyscallGroup& group : seccomp::box_syscall_groups()) {
    for (const SyscallRule& rule : group.rules) {
      int nr = seccomp_syscall_resolve_name(rule.syscall.c_str());
      if (nr >= 0) continue;
      if (nr == __NR_SCMP_ERROR) {
        EXPECT_TRUE(seccomp::unified_syscall_number(rule.syscall, AUDIT_ARCH_X86_64))
            << rule.syscall << ": unknown to libseccomp and to cordon's number table";
      } else {
        EXPECT_TRUE(absent_on_x86_64.count(rule.syscall)) << rule.syscall << " is not on x86_64";
      }
    }
  }
}

TEST(SeccompTables, UnifiedNumbersAgreeWithLibseccomp) {
  for (uint32_t arch : {uint32_t{AUDIT_ARCH_X86_64}, uint32_t{AUDIT_ARCH_AARCH64}}) {
    int checked = 0;
    for (const SyscallGroup& group : seccomp::box_syscall_groups()) {
      for (const SyscallRule& rule : group.rules) {
        auto unified = seccomp::unified_syscall_number(rule.syscall, arch);
        int nr = seccomp_syscall_resolve_name_arch(arch, rule.syscall.c_str());
        if (!unified || nr == __NR_SCMP_ERROR) continue;
        EXPECT_EQ(*unified, nr) << rule.syscall << " on arch " << std::hex << arch;
        ++checked;
      }
    }
    EXPECT_GT(checked, 10) << "the cross-check compared almost nothing";
  }
  EXPECT_EQ(seccomp::unified_syscall_number("open_tree_attr", AUDIT_ARCH_X86_64), 467);
  EXPECT_EQ(seccomp::unified_syscall_number("open_tree_attr", AUDIT_ARCH_I386), std::nullopt);
  EXPECT_EQ(seccomp::unified_syscall_number("getpid", AUDIT_ARCH_X86_64), std::nullopt);
}

TEST(SeccompTables, SocketFamilyNames) {
  EXPECT_EQ(seccomp::socket_family_name(17), "AF_PACKET");
  EXPECT_EQ(seccomp::socket_family_name(40), "AF_VSOCK");
  EXPECT_EQ(seccomp::socket_family_name(45), "AF_MCTP");
  EXPECT_EQ(seccomp::socket_family_name(46), "AF_46");
}

// The line of `listing` about `syscall`'s first rule, or "" if there is none.
std::string line_about(const std::string& listing, const std::string& syscall) {
  std::istringstream lines(listing);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  " + syscall + " ", 0) == 0) return line;
  }
  return "";
}

TEST(SeccompDescribe, ListsSkippedAndNumberedSyscallsLoudly) {
  if (seccomp_arch_native() != AUDIT_ARCH_X86_64) GTEST_SKIP() << "listing checked for x86_64";
  std::string listing = describe_box_filter();
  EXPECT_NE(line_about(listing, "stime").find(" -  not filtered: not a syscall on x86_64"),
            std::string::npos)
      << listing;
  EXPECT_NE(line_about(listing, "open_tree_attr").find("467  EPERM   always  # by number"),
            std::string::npos)
      << listing;
  EXPECT_NE(line_about(listing, "clone3").find("435  ENOSYS"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("CANNOT FILTER"), std::string::npos) << listing;
}

TEST(SeccompDescribe, IsStable) { EXPECT_EQ(describe_box_filter(), describe_box_filter()); }

std::string golden_path() {
  return std::string(CORDON_SOURCE_DIR) + "/tests/unit/golden/seccomp_filter.txt";
}

// The reviewed listing of the filter. After changing a table, regenerate with
// CORDON_UPDATE_GOLDEN=1 and review the diff like code.
TEST(SeccompDescribe, MatchesGoldenFile) {
  if (seccomp_arch_native() != AUDIT_ARCH_X86_64) GTEST_SKIP() << "the golden file is x86_64's";
  std::string listing = describe_box_filter();
  const char* update = std::getenv("CORDON_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden_path(), std::ios::binary | std::ios::trunc) << listing;
    GTEST_SKIP() << "rewrote " << golden_path() << "; review the diff";
  }
  std::ifstream file(golden_path(), std::ios::binary);
  ASSERT_TRUE(file) << "missing " << golden_path() << "; run with CORDON_UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << file.rdbuf();
  EXPECT_EQ(listing, golden.str())
      << "the filter changed; if intended, regenerate with CORDON_UPDATE_GOLDEN=1 and review";
}

}  // namespace
}  // namespace cordon::box
