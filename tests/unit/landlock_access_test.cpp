// Unit tests for the Landlock access bits per ABI (pure; no kernel needed).
#include <gtest/gtest.h>
#include <linux/landlock.h>

#include "box/landlock.h"

namespace cordon::box {
namespace {

// Spelled out here rather than shared with landlock.cpp, so a typo there is caught here.
constexpr uint64_t kRefer = 1ULL << 13;     // ABI 2
constexpr uint64_t kTruncate = 1ULL << 14;  // ABI 3
constexpr uint64_t kIoctlDev = 1ULL << 15;  // ABI 5
constexpr uint64_t kAbi1All = (1ULL << 13) - 1;

constexpr uint64_t kMakeAny = LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                              LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                              LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                              LANDLOCK_ACCESS_FS_MAKE_SYM;

TEST(LandlockAccess, NoAbiMeansNoBits) {
  EXPECT_EQ(landlock_handled_fs(0), 0u);
  EXPECT_EQ(landlock_path_access(PathAccess::kReadWrite, 0), 0u);
  EXPECT_EQ(landlock_path_access(PathAccess::kReadOnly, 0), 0u);
}

TEST(LandlockAccess, HandledFsGrowsByAbi) {
  EXPECT_EQ(landlock_handled_fs(1), kAbi1All);
  EXPECT_EQ(landlock_handled_fs(2), kAbi1All | kRefer);
  EXPECT_EQ(landlock_handled_fs(3), kAbi1All | kRefer | kTruncate);
  EXPECT_EQ(landlock_handled_fs(4), kAbi1All | kRefer | kTruncate);  // ABI 4 adds net only
  EXPECT_EQ(landlock_handled_fs(5), kAbi1All | kRefer | kTruncate | kIoctlDev);
  EXPECT_EQ(landlock_handled_fs(6), landlock_handled_fs(5));  // ABI 6 adds scoping only
  EXPECT_EQ(landlock_handled_fs(7), landlock_handled_fs(5));  // ABI 7 adds audit flags only
}

TEST(LandlockAccess, Abi1HasNoReferOrTruncate) {
  uint64_t rw = landlock_path_access(PathAccess::kReadWrite, 1);
  EXPECT_EQ(rw, kAbi1All);
  EXPECT_EQ(rw & (kRefer | kTruncate | kIoctlDev), 0u);
  EXPECT_EQ(landlock_path_access(PathAccess::kDevices, 1) & (kTruncate | kIoctlDev), 0u);
}

TEST(LandlockAccess, ReadOnlyAndReadExecute) {
  for (int abi = 1; abi <= 7; ++abi) {
    SCOPED_TRACE(abi);
    EXPECT_EQ(landlock_path_access(PathAccess::kReadOnly, abi),
              LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR);
    EXPECT_EQ(landlock_path_access(PathAccess::kReadExecute, abi), LANDLOCK_ACCESS_FS_READ_FILE |
                                                                       LANDLOCK_ACCESS_FS_READ_DIR |
                                                                       LANDLOCK_ACCESS_FS_EXECUTE);
  }
}

TEST(LandlockAccess, ReadWriteIsEverythingTheAbiKnows) {
  for (int abi = 1; abi <= 7; ++abi) {
    SCOPED_TRACE(abi);
    EXPECT_EQ(landlock_path_access(PathAccess::kReadWrite, abi), landlock_handled_fs(abi));
  }
  EXPECT_NE(landlock_path_access(PathAccess::kReadWrite, 2) & kRefer, 0u);
  EXPECT_NE(landlock_path_access(PathAccess::kReadWrite, 3) & kTruncate, 0u);
  EXPECT_EQ(landlock_path_access(PathAccess::kReadWrite, 4) & kIoctlDev, 0u);
  EXPECT_NE(landlock_path_access(PathAccess::kReadWrite, 5) & kIoctlDev, 0u);
}

TEST(LandlockAccess, DevicesReadWriteExistingNodesOnly) {
  constexpr uint64_t kBase =
      LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
  EXPECT_EQ(landlock_path_access(PathAccess::kDevices, 1), kBase);
  EXPECT_EQ(landlock_path_access(PathAccess::kDevices, 2), kBase);
  EXPECT_EQ(landlock_path_access(PathAccess::kDevices, 3), kBase | kTruncate);
  EXPECT_EQ(landlock_path_access(PathAccess::kDevices, 4), kBase | kTruncate);
  // Terminals need ioctls (TCGETS, TIOCGWINSZ), which ABI 5 starts to restrict.
  EXPECT_EQ(landlock_path_access(PathAccess::kDevices, 5), kBase | kTruncate | kIoctlDev);
  EXPECT_EQ(landlock_path_access(PathAccess::kDevices, 7), kBase | kTruncate | kIoctlDev);
  for (int abi = 1; abi <= 7; ++abi) {
    uint64_t dev = landlock_path_access(PathAccess::kDevices, abi);
    EXPECT_EQ(dev & kMakeAny, 0u) << "abi " << abi;
    EXPECT_EQ(dev & (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                     LANDLOCK_ACCESS_FS_REMOVE_DIR | kRefer),
              0u)
        << "abi " << abi;
  }
}

TEST(LandlockAccess, EveryAccessIsWithinHandled) {
  // A rule right the ruleset does not handle is EINVAL from landlock_add_rule.
  for (int abi = 1; abi <= 7; ++abi) {
    uint64_t handled = landlock_handled_fs(abi);
    for (PathAccess a : {PathAccess::kReadOnly, PathAccess::kReadExecute, PathAccess::kReadWrite,
                         PathAccess::kDevices}) {
      uint64_t bits = landlock_path_access(a, abi);
      EXPECT_NE(bits, 0u) << "abi " << abi;
      EXPECT_EQ(bits & ~handled, 0u) << "abi " << abi;
    }
  }
}

TEST(LandlockAccess, UnknownNewerAbiKeepsKnownBits) {
  // A kernel newer than cordon: only the rights cordon knows, which that kernel still accepts.
  EXPECT_EQ(landlock_handled_fs(42), landlock_handled_fs(7));
  EXPECT_EQ(landlock_handled_fs(42) >> 16, 0u);
}

}  // namespace
}  // namespace cordon::box
