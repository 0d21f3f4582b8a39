// The filters cordon installs (compiled at build time) are exactly what libseccomp compiles now.
#include <gtest/gtest.h>

#include "box/seccomp.h"

namespace cordon::box {
namespace {

void expect_equal(const SeccompProgram& prebuilt, const Result<SeccompProgram>& fresh) {
  ASSERT_TRUE(fresh.ok()) << fresh.error().describe();
  const auto& embedded = prebuilt.instructions;
  ASSERT_EQ(embedded.size(), fresh->instructions.size());
  for (size_t i = 0; i < embedded.size(); ++i) {
    EXPECT_EQ(embedded[i].code, fresh->instructions[i].code) << "instruction " << i;
    EXPECT_EQ(embedded[i].jt, fresh->instructions[i].jt) << "instruction " << i;
    EXPECT_EQ(embedded[i].jf, fresh->instructions[i].jf) << "instruction " << i;
    EXPECT_EQ(embedded[i].k, fresh->instructions[i].k) << "instruction " << i;
  }
}

TEST(SeccompPrebuilt, TheBoxFilterEqualsAFreshCompile) {
  expect_equal(prebuilt_box_filter(), compile_box_filter());
}

TEST(SeccompPrebuilt, TheExecNotifyFilterEqualsAFreshCompile) {
  expect_equal(prebuilt_exec_notify_filter(), compile_exec_notify_filter());
}

}  // namespace
}  // namespace cordon::box
