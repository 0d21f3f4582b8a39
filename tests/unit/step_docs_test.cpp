// The launch-sequence doc lists every step of the Step enum, in order (one enum feeds the
// messages, the audit events and the docs).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "box/step.h"

namespace cordon::box {
namespace {

TEST(StepDocs, LaunchSequenceDocListsEveryStepInOrder) {
  std::ifstream f(std::string(CORDON_SOURCE_DIR) + "/docs/launch-sequence.md");
  ASSERT_TRUE(f) << "docs/launch-sequence.md is missing";
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  size_t last = 0;
  for (int i = 0; i < static_cast<int>(Step::kCount); ++i) {
    const Step step = static_cast<Step>(i);
    if (step == Step::kLandlockBoxMounts || step == Step::kJoinCgroup) {
      // Listed where they happen, which is not their enum position in the child's flow.
      EXPECT_NE(doc.find(std::string("`") + step_name(step) + "`"), std::string::npos);
      continue;
    }
    const size_t at = doc.find(std::string("`") + step_name(step) + "`", last);
    EXPECT_NE(at, std::string::npos) << step_name(step) << " missing or out of order";
    if (at != std::string::npos) last = at;
  }
}

TEST(StepDocs, EveryStepHasANameAndADescription) {
  for (int i = 0; i < static_cast<int>(Step::kCount); ++i) {
    EXPECT_STRNE(step_name(static_cast<Step>(i)), "");
    EXPECT_STRNE(step_description(static_cast<Step>(i)), "");
  }
}

}  // namespace
}  // namespace cordon::box
