// Gate rules: globs, matching (program, args with "**", any_arg, cwd, paths) and the checks at
// compile time (examples, names, conditions).
#include <gtest/gtest.h>

#include "gate/glob.h"
#include "gate/rules.h"

namespace cordon::gate {
namespace {

RuleSpec rule(std::string name, std::vector<std::string> program, std::vector<std::string> args = {}) {
  RuleSpec r;
  r.name = std::move(name);
  r.program = std::move(program);
  r.args = std::move(args);
  r.origin = "cordon.toml:12";
  return r;
}

const RiskContext kContext{"/work/proj", "/home/u"};

RuleSet compile(const std::vector<RuleSpec>& specs) {
  auto set = RuleSet::compile(specs, kContext);
  EXPECT_TRUE(set.ok()) << set.error().message();
  return set.ok() ? std::move(set).value() : RuleSet{};
}

ProgramStart start(std::string executable, std::vector<std::string> argv,
                   std::string cwd = "/work/proj") {
  return ProgramStart{std::move(executable), std::move(argv), std::move(cwd)};
}

bool matches(const RuleSpec& spec, const ProgramStart& s) {
  return compile({spec}).match(s).size() == 1;
}

TEST(GateGlob, RefusesUnbalancedBracketsAndLoneBackslash) {
  EXPECT_FALSE(Glob::compile("[abc", GlobKind::kWord).ok());
  EXPECT_FALSE(Glob::compile("x\\", GlobKind::kWord).ok());
  EXPECT_FALSE(Glob::compile("", GlobKind::kWord).ok());
  EXPECT_FALSE(Glob::compile("/a/**/b", GlobKind::kPath).ok());
  EXPECT_TRUE(Glob::compile("[]x]", GlobKind::kWord).ok());
  EXPECT_TRUE(Glob::compile("[[:alpha:]]*", GlobKind::kWord).ok());
  EXPECT_TRUE(Glob::compile("\\[", GlobKind::kWord).ok());
}

TEST(GateGlob, PathGlobsKeepStarsInsideOneComponent) {
  auto star = Glob::compile("/etc/*", GlobKind::kPath).value();
  EXPECT_TRUE(star.matches("/etc/passwd"));
  EXPECT_FALSE(star.matches("/etc/ssl/certs"));
  auto tree = Glob::compile("/etc/**", GlobKind::kPath).value();
  EXPECT_TRUE(tree.matches("/etc"));
  EXPECT_TRUE(tree.matches("/etc/ssl/certs"));
  EXPECT_FALSE(tree.matches("/etcetera"));
  auto root = Glob::compile("/**", GlobKind::kPath).value();
  EXPECT_TRUE(root.matches("/"));
  EXPECT_TRUE(root.matches("/a/b"));
  auto word = Glob::compile("--force*", GlobKind::kWord).value();
  EXPECT_TRUE(word.matches("--force-with-lease=a/b"));
  EXPECT_EQ(escape_glob("/a[1]*"), "/a\\[1]\\*");
}

TEST(GateRules, ProgramByNameOrByPath) {
  EXPECT_TRUE(matches(rule("r", {"git"}), start("/usr/bin/git", {"git", "status"})));
  EXPECT_FALSE(matches(rule("r", {"git"}), start("/usr/bin/gitk", {"gitk"})));
  EXPECT_TRUE(matches(rule("r", {"python3*"}), start("/usr/bin/python3.11", {"python3"})));
  EXPECT_TRUE(matches(rule("r", {"/usr/bin/*"}), start("/usr/bin/curl", {"curl"})));
  EXPECT_FALSE(matches(rule("r", {"/usr/bin/*"}), start("/work/proj/curl", {"./curl"})));
  // The executable decides, not argv[0].
  EXPECT_FALSE(matches(rule("r", {"git"}), start("/usr/bin/rm", {"git"})));
}

TEST(GateRules, ArgsArePrefixWithDoubleStarRuns) {
  RuleSpec push = rule("force-push", {"git"}, {"push", "**", "--force"});
  EXPECT_TRUE(matches(push, start("/usr/bin/git", {"git", "push", "--force"})));
  EXPECT_TRUE(matches(push, start("/usr/bin/git", {"git", "push", "origin", "main", "--force"})));
  EXPECT_TRUE(matches(push, start("/usr/bin/git", {"git", "push", "--force", "origin"})));
  EXPECT_FALSE(matches(push, start("/usr/bin/git", {"git", "push", "origin"})));
  EXPECT_FALSE(matches(push, start("/usr/bin/git", {"git", "fetch", "--force"})));
  RuleSpec prefix = rule("push", {"git"}, {"push"});
  EXPECT_TRUE(matches(prefix, start("/usr/bin/git", {"git", "push", "a", "b"})));
  EXPECT_FALSE(matches(prefix, start("/usr/bin/git", {"git"})));
  RuleSpec globbed = rule("g", {"npm"}, {"run", "test*"});
  EXPECT_TRUE(matches(globbed, start("/usr/bin/npm", {"npm", "run", "test:unit"})));
  RuleSpec stars = rule("s", {"x"}, {"**", "**", "b"});
  EXPECT_TRUE(matches(stars, start("/usr/bin/x", {"x", "a", "a", "b"})));
  EXPECT_FALSE(matches(stars, start("/usr/bin/x", {"x", "a"})));
}

TEST(GateRules, AnyArgCwdAndPaths) {
  RuleSpec any = rule("any", {"curl"});
  any.any_arg = {"-T", "--upload-file*", "-d*"};
  EXPECT_TRUE(matches(any, start("/usr/bin/curl", {"curl", "https://x", "-T", "f"})));
  EXPECT_TRUE(matches(any, start("/usr/bin/curl", {"curl", "-d@f", "https://x"})));
  EXPECT_FALSE(matches(any, start("/usr/bin/curl", {"curl", "https://x"})));

  RuleSpec cwd;
  cwd.name = "in-deploy";
  cwd.cwd = "deploy/**";  // relative: against the workspace
  EXPECT_TRUE(matches(cwd, start("/usr/bin/ls", {"ls"}, "/work/proj/deploy")));
  EXPECT_TRUE(matches(cwd, start("/usr/bin/ls", {"ls"}, "/work/proj/deploy/x")));
  EXPECT_FALSE(matches(cwd, start("/usr/bin/ls", {"ls"}, "/work/proj")));

  RuleSpec paths;
  paths.name = "secrets";
  paths.paths = {"secrets/**", "~/.config/*", "/etc/passwd"};
  EXPECT_TRUE(matches(paths, start("/usr/bin/cat", {"cat", "secrets/a"})));
  EXPECT_TRUE(matches(paths, start("/usr/bin/cat", {"cat", "x/../secrets/a/b"})));
  EXPECT_TRUE(
      matches(paths, start("/usr/bin/cat", {"cat", "-n", "../secrets"}, "/work/proj/src")));
  EXPECT_TRUE(matches(paths, start("/usr/bin/cat", {"cat", "/home/u/.config/x"})));
  EXPECT_TRUE(matches(paths, start("/usr/bin/cat", {"cat", "/etc//passwd"})));
  EXPECT_TRUE(matches(paths, start("/usr/bin/cat", {"cat", "--", "-/../secrets/z"})));
  EXPECT_FALSE(matches(paths, start("/usr/bin/cat", {"cat", "--file=secrets/a"})));
  EXPECT_FALSE(matches(paths, start("/usr/bin/cat", {"cat", "src/a"})));
  EXPECT_FALSE(matches(paths, start("/usr/bin/cat", {"cat", "/home/u/.config/a/b"})));
}

TEST(GateRules, WorkspaceWithGlobCharactersIsLiteral) {
  RuleSpec paths;
  paths.name = "p";
  paths.paths = {"a"};
  auto set = RuleSet::compile({paths}, RiskContext{"/w/[x]", "/h"});
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->match(start("/usr/bin/cat", {"cat", "/w/[x]/a"}, "/")).size(), 1u);
  EXPECT_EQ(set->match(start("/usr/bin/cat", {"cat", "/w/x/a"}, "/")).size(), 0u);
}

TEST(GateRules, ConditionsCombineWithAnd) {
  RuleSpec r = rule("rm-secrets", {"rm"});
  r.paths = {"secrets/**"};
  EXPECT_TRUE(matches(r, start("/usr/bin/rm", {"rm", "secrets/k"})));
  EXPECT_FALSE(matches(r, start("/usr/bin/cat", {"cat", "secrets/k"})));
  EXPECT_FALSE(matches(r, start("/usr/bin/rm", {"rm", "other"})));
}

TEST(GateRules, MatchReturnsEveryMatchInPolicyOrder) {
  auto set = compile({rule("a", {"git"}), rule("b", {"rm"}), rule("c", {"g*"})});
  EXPECT_EQ(set.match(start("/usr/bin/git", {"git"})), (std::vector<size_t>{0, 2}));
  EXPECT_TRUE(set.match(start("/usr/bin/ls", {"ls"})).empty());
}

TEST(GateRules, ExamplesAreChecked) {
  RuleSpec r = rule("no-force-push", {"git"}, {"push", "**", "-f"});
  r.match = {"git push -f", "/usr/bin/git push origin -f"};
  r.not_match = {"git push origin", "'git' status"};
  EXPECT_TRUE(RuleSet::compile({r}, kContext).ok());

  r.match = {"git push --force"};
  auto bad = RuleSet::compile({r}, kContext);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "rule \"no-force-push\" (cordon.toml:12): example `git push --force` should match but "
            "does not");

  r.match = {};
  r.not_match = {"git push x -f"};
  bad = RuleSet::compile({r}, kContext);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("example `git push x -f` should not match but does"),
            std::string::npos);

  r.not_match = {"git 'push"};
  bad = RuleSet::compile({r}, kContext);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("unterminated single quote"), std::string::npos);
}

TEST(GateRules, ExamplesUseWorkspaceAndFileNames) {
  RuleSpec r = rule("sys", {"/usr/bin/rm"});
  r.paths = {"build/**"};
  r.match = {"rm -r build", "/usr/bin/rm build/x"};
  r.not_match = {"/opt/bin/rm build", "rm src"};
  auto set = RuleSet::compile({r}, kContext);
  EXPECT_TRUE(set.ok()) << set.error().message();
}

TEST(GateRules, ShapeErrors) {
  auto no_name = RuleSet::compile({rule("", {"git"})}, kContext);
  ASSERT_FALSE(no_name.ok());
  EXPECT_NE(no_name.error().message().find("has no name"), std::string::npos);

  auto dup = RuleSet::compile({rule("a", {"git"}), rule("a", {"rm"})}, kContext);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("rule \"a\" (cordon.toml:12): the name is already taken"),
            std::string::npos);

  auto empty = RuleSet::compile({rule("e", {})}, kContext);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("has no condition"), std::string::npos);

  RuleSpec action = rule("x", {"git"});
  action.action = static_cast<Action>(7);
  EXPECT_FALSE(RuleSet::compile({action}, kContext).ok());

  auto glob = RuleSet::compile({rule("g", {"gi[t"})}, kContext);
  ASSERT_FALSE(glob.ok());
  EXPECT_NE(glob.error().message().find("rule \"g\" (cordon.toml:12): program: glob \"gi[t\""),
            std::string::npos);
}

TEST(GateRules, ResolveLexically) {
  EXPECT_EQ(resolve_lexically("/x", "/a/./b/../c//"), "/a/c");
  EXPECT_EQ(resolve_lexically("/x", "d/e"), "/x/d/e");
  EXPECT_EQ(resolve_lexically("/x", "../../.."), "/");
  EXPECT_EQ(resolve_lexically("/x/", "."), "/x");
}

}  // namespace
}  // namespace cordon::gate
