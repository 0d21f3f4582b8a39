// The command line builds only the subcommand argv names (cli/command_line.h); help, errors and
// every way of naming a subcommand still work as if all were built.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

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
  // A misspelt command is named, with the closest one, at the level it was misspelt.
  auto typo = run_cordon({"rnu", "--", "sh"});
  EXPECT_NE(typo.err.find("cordon: unknown command \"rnu\"\n  hint: did you mean `cordon run`?"),
            std::string::npos)
      << typo.err;
  auto nested = run_cordon({"policy", "chek"});
  EXPECT_EQ(nested.status, 125);
  EXPECT_NE(nested.err.find("unknown command \"chek\" for `cordon policy`"), std::string::npos)
      << nested.err;
  EXPECT_NE(nested.err.find("did you mean `cordon policy check`?"), std::string::npos)
      << nested.err;
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

// 127 means the program does not exist in the box; a missing --config file is a bad policy.
TEST(CommandLine, AMissingConfigFileIs125) {
  TempDir dir;
  const std::string missing = dir / "nonexistent.toml";
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"run", "-q", "--config", missing, "--", "true"},
                                             {"verify", "--config", missing},
                                             {"policy", "check", "--config", missing}}) {
    auto r = run_cordon(args, {.cwd = dir.path()});
    EXPECT_EQ(r.status, 125) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  }
}

// "policy ok" means `run` can build the box: the workspace and the view are checked the same way,
// and nothing is created on the host doing so.
TEST(CommandLine, PolicyCheckRefusesWhatRunRefusesAndCreatesNothing) {
  TempDir ws;
  {
    std::ofstream(ws / "hide-tmp.toml") << "[filesystem]\nhide = [\"" << ws.path() << "\"]\n";
  }
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"policy", "check", "-w", "/"},
           {"policy", "check", "-w", "/etc"},
           {"policy", "check", "-w", ws.path(), "--config", ws / "hide-tmp.toml"}}) {
    auto check = run_cordon(args);
    auto run = args;
    run[0] = "run";
    run.erase(run.begin() + 1);
    run.insert(run.end(), {"-q", "--", "true"});
    auto refused = run_cordon(run);
    EXPECT_EQ(refused.status, 125) << args[3] << ": " << refused.err;
    EXPECT_EQ(check.status, 125) << args[3] << ": " << check.out;
    EXPECT_NE(check.err.find("cordon: "), std::string::npos) << check.err;
  }
  // A run creates placeholders (an empty .envrc, ...) and removes them: the directory changes.
  struct stat before {}, after {};
  ASSERT_EQ(::stat(ws.path().c_str(), &before), 0);
  auto ok = run_cordon({"policy", "check", "-w", ws.path()});
  EXPECT_EQ(ok.status, 0) << ok.err;
  ASSERT_EQ(::stat(ws.path().c_str(), &after), 0);
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
}

TEST(CommandLine, AWorkspaceThatIsAFileIsNamedSo) {
  TempDir dir;
  { std::ofstream(dir / "file") << "x"; }
  for (const char* command : {"run", "verify"}) {
    auto r = run_cordon({command, "-w", dir / "file"});
    EXPECT_EQ(r.status, 125) << r.err;
    EXPECT_NE(r.err.find("workspace " + std::string(dir / "file") + " is not a directory\n  hint: "),
              std::string::npos)
        << r.err;
  }
}

// A workspace file comes with the repository: its values must not reach the terminal raw.
TEST(CommandLine, ErrorsEscapeControlBytesFromThePolicy) {
  TempDir ws;
  {
    std::ofstream(ws / "cordon.toml")
        << "profile = \"\\u001b]0;PWNED\\u0007\\u001b[2J\\u001b[31mred\"\n";
  }
  auto r = run_cordon({"policy", "check", "-w", ws.path()});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\\x1b]0;PWNED\\x07"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cordon.toml:1: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n  hint: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cordon::testing
