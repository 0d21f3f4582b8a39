// Which Yama ptrace scopes let the gate trace the box (it is the box's ancestor), and which make
// cordon refuse a gated profile with the reason.
#include <gtest/gtest.h>

#include "box/gate_tracer.h"

namespace cordon::box {
namespace {

TEST(PtraceScope, NoYamaAndScopesZeroAndOneAllowTheGate) {
  EXPECT_FALSE(ptrace_refusal_for_scope(std::nullopt, false));
  EXPECT_FALSE(ptrace_refusal_for_scope(0, false));
  EXPECT_FALSE(ptrace_refusal_for_scope(1, false));
}

TEST(PtraceScope, ScopeTwoNeedsRootAndScopeThreeRefusesEveryone) {
  EXPECT_FALSE(ptrace_refusal_for_scope(2, true));
  auto user = ptrace_refusal_for_scope(2, false);
  ASSERT_TRUE(user);
  EXPECT_NE(user->find("only root"), std::string::npos) << *user;
  auto none = ptrace_refusal_for_scope(3, true);
  ASSERT_TRUE(none);
  EXPECT_NE(none->find("ptrace_scope is 3"), std::string::npos) << *none;
}

}  // namespace
}  // namespace cordon::box
