// Preflight: a kernel without a wall the policy requires is a refusal with the fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "box/preflight.h"
#include "box/userns.h"

namespace cordon::box {
namespace {

TEST(Preflight, NoLandlockIsRefusedWhenRequired) {
  auto r = check_landlock(0, policy::LandlockMode::kRequired);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kUnsupported);
  EXPECT_NE(r.error().hint().find("best-effort"), std::string::npos);
  EXPECT_NE(r.error().hint().find("lsm="), std::string::npos);
}

TEST(Preflight, NoLandlockIsAllowedWhenBestEffortAndAnyAbiPasses) {
  EXPECT_TRUE(check_landlock(0, policy::LandlockMode::kBestEffort).ok());
  EXPECT_TRUE(check_landlock(1, policy::LandlockMode::kRequired).ok());
}

class UsernsDiagnosis : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-sysctl-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    std::filesystem::create_directories(root_ + "/kernel");
    std::filesystem::create_directories(root_ + "/user");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void set(const std::string& name, const std::string& value) {
    std::ofstream(root_ + "/" + name) << value << "\n";
  }
  std::string hint(int err) { return explain_userns_failure(err, {root_}).hint(); }
  std::string root_;
};

TEST_F(UsernsDiagnosis, DebianSysctl) {
  set("kernel/unprivileged_userns_clone", "0");
  EXPECT_NE(hint(EPERM).find("sysctl -w kernel.unprivileged_userns_clone=1"), std::string::npos);
}

TEST_F(UsernsDiagnosis, MaxUserNamespacesZero) {
  set("user/max_user_namespaces", "0");
  EXPECT_NE(hint(ENOSPC).find("user.max_user_namespaces"), std::string::npos);
}

TEST_F(UsernsDiagnosis, ACloneThatFailsForAnotherReasonIsNotBlamedOnUserNamespaces) {
  set("kernel/unprivileged_userns_clone", "0");
  for (int err : {EAGAIN, ENOMEM, E2BIG}) {
    const Error e = explain_clone_failure(err, {root_});
    EXPECT_EQ(e.describe().find("user namespaces"), std::string::npos) << e.describe();
    EXPECT_EQ(e.hint().find("sysctl"), std::string::npos) << e.hint();
  }
  EXPECT_NE(explain_clone_failure(EAGAIN, {root_}).hint().find("process limit"), std::string::npos);
  for (int err : {EPERM, EINVAL, ENOSPC, EUSERS}) {
    EXPECT_NE(explain_clone_failure(err, {root_}).hint().find("unprivileged_userns_clone"),
              std::string::npos)
        << err;
  }
}

TEST_F(UsernsDiagnosis, UbuntuAppArmorRestriction) {
  set("user/max_user_namespaces", "15000");
  set("kernel/apparmor_restrict_unprivileged_userns", "1");
  EXPECT_NE(hint(EPERM).find("apparmor_parser"), std::string::npos);
  EXPECT_NE(hint(EPERM).find("kernel.apparmor_restrict_unprivileged_userns=0"),
            std::string::npos);
  EXPECT_TRUE(apparmor_userns_restriction_hint({root_}).has_value());
}

TEST_F(UsernsDiagnosis, ContainerSeccompProfile) {
  set("user/max_user_namespaces", "15000");
  EXPECT_NE(hint(EPERM).find("seccomp"), std::string::npos);
  EXPECT_NE(hint(EPERM).find("never runs without the box"), std::string::npos);
}

}  // namespace
}  // namespace cordon::box
