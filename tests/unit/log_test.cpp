// Log lines reach the user's terminal and may quote what the box chose.
#include "base/log.h"

#include <gtest/gtest.h>

namespace cordon::log {
namespace {

TEST(Log, ControlBytesInAMessageAreShownNotSent) {
  const std::string line =
      format_line(Level::kWarn, "gate: /tmp/x\x1b]0;pwned\x07\r\ncordon[error] forged\x7f",
                  std::source_location::current());
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
  EXPECT_NE(line.find("gate: /tmp/x\\x1b]0;pwned\\x07\\x0d\\x0acordon[error] forged\\x7f\n"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.rfind("cordon[warn] ", 0), 0u) << line;
  // Bytes outside ASCII are shown too, as in cordon's errors: a C1 control such as U+009B (CSI)
  // is two such bytes in UTF-8, and some terminals obey it.
  EXPECT_NE(format_line(Level::kInfo,
                        "p\xc2\x9b"
                        "2J",
                        std::source_location::current())
                .find("p\\xc2\\x9b2J\n"),
            std::string::npos);
}

}  // namespace
}  // namespace cordon::log
