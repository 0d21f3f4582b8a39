// The command line builds only the subcommand argv names (cli/command_line.h); help, errors and
// every way of naming a subcommand still work as if all were built.
#include <gtest/gtest.h>

#include "integration/harness.h"

namespace cordon::testing {
namespace {

constexpr const char* kSubcommands[] = {"run", "verify", "policy", "proxy", "approvals", "audit"};

TEST(CommandLine, HelpListsEverySubcommand) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"-v", "--help"}}) {
    auto help = run_cordon(args);
    EXPECT_EQ(help.status, 0) << help.err;
    for (const char* name : kSubcommands) {
      EXPECT_NE(help.out.find(std::string("\n  ") + name + " "), std::string::npos)
          << name << " missing from\n"
          << help.out;
    }
  }
}

TEST(CommandLine, NoSubcommandOrAnUnknownOneIsAnErrorThatPointsToHelp) {
  for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-v"}, {"rnu", "--", "sh"}}) {
    auto r = run_cordon(args);
    EXPECT_EQ(r.status, 125) << r.err;
    EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
  }
}

TEST(CommandLine, EachSubcommandParsesItsOwnOptionsAfterCordonsFlags) {
  auto run_help = run_cordon({"-vv", "run", "--help"});
  EXPECT_EQ(run_help.status, 0) << run_help.err;
  EXPECT_NE(run_help.out.find("--review"), std::string::npos) << run_help.out;
  EXPECT_EQ(run_help.out.find("--tokens"), std::string::npos) << "proxy's options in run's help";
  auto check = run_cordon({"-v", "policy", "check", "--profile", "read-only"});
  EXPECT_EQ(check.status, 0) << check.err;
  auto bad = run_cordon({"policy", "check", "--profile", "no-such-profile"});
  EXPECT_NE(bad.status, 0);
  auto no_action = run_cordon({"policy"});
  EXPECT_EQ(no_action.status, 125) << no_action.err;
  auto proxy = run_cordon({"proxy", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(proxy.status, 125);
  EXPECT_NE(proxy.err.find("--config"), std::string::npos) << proxy.err;
  auto version = run_cordon({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("cordon ", 0), 0u) << version.out;
}

}  // namespace
}  // namespace cordon::testing
