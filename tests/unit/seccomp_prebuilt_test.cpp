// The filter cordon installs (compiled at build time) is exactly what libseccomp compiles now.
#include <gtest/gtest.h>

#include "box/seccomp.h"

namespace cordon::box {
namespace {

TEST(SeccompPrebuilt, EqualsAFreshCompile) {
  auto fresh = compile_box_filter();
  ASSERT_TRUE(fresh.ok()) << fresh.error().describe();
  const auto& embedded = prebuilt_box_filter().instructions;
  ASSERT_EQ(embedded.size(), fresh->instructions.size());
  for (size_t i = 0; i < embedded.size(); ++i) {
    EXPECT_EQ(embedded[i].code, fresh->instructions[i].code) << "instruction " << i;
    EXPECT_EQ(embedded[i].jt, fresh->instructions[i].jt) << "instruction " << i;
    EXPECT_EQ(embedded[i].jf, fresh->instructions[i].jf) << "instruction " << i;
    EXPECT_EQ(embedded[i].k, fresh->instructions[i].k) << "instruction " << i;
  }
}

}  // namespace
}  // namespace cordon::box
