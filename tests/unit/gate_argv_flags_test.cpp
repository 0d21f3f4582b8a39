// Flag normalisation for the risk scorer: clusters, aliases, values, `--`, permutation, styles.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "gate/argv_flags.h"

namespace cordon::gate {
namespace {

constexpr std::array<FlagAlias, 3> kRmAliases = {
    {{'r', "recursive"}, {'R', "recursive"}, {'f', "force"}}};
constexpr std::array<std::string_view, 2> kRmLongs = {"no-preserve-root", "preserve-root"};
constexpr FlagSpec kRm = FlagSpec().with_aliases(kRmAliases).with_long_flags(kRmLongs);

constexpr std::array<std::string_view, 2> kGitValues = {"git-dir", "work-tree"};
constexpr FlagSpec kGit = FlagSpec()
                              .with_style(ArgStyle::kStopAtOperand)
                              .with_short_with_value("Cc")
                              .with_long_with_value(kGitValues);

constexpr std::array<FlagAlias, 2> kPsqlAliases = {{{'c', "command"}, {'U', "username"}}};
constexpr std::array<std::string_view, 2> kPsqlValues = {"command", "username"};
constexpr FlagSpec kPsql = FlagSpec()
                               .with_short_with_value("cU")
                               .with_long_with_value(kPsqlValues)
                               .with_aliases(kPsqlAliases);

ParsedArgs parse(const std::vector<std::string>& args, const FlagSpec& spec) {
  return parse_args(args, spec);
}

std::vector<std::string> ops(const ParsedArgs& p) {
  return {p.operands.begin(), p.operands.end()};
}

// Every spelling of "recursive and forced" is the same set of flags.
TEST(GateArgvFlags, RecursiveForceSpellingsAreEquivalent) {
  const std::vector<std::vector<std::string>> spellings = {
      {"-rf", "/x"},      {"-fr", "/x"},           {"-r", "-f", "/x"},
      {"-R", "-f", "/x"}, {"-f", "-R", "/x"},      {"--recursive", "--force", "/x"},
      {"/x", "-rf"},      {"/x", "-r", "--force"}, {"--recur", "--for", "/x"},
      {"-rfv", "/x"},
  };
  for (const auto& args : spellings) {
    const std::vector<std::string> copy = args;  // views point into the parsed vector
    const ParsedArgs p = parse(copy, kRm);
    SCOPED_TRACE(args.front() + " " + args.back());
    EXPECT_TRUE(p.has('r', "recursive"));
    EXPECT_TRUE(p.has_long("recursive"));
    EXPECT_TRUE(p.has_short('r'));
    EXPECT_TRUE(p.has('f', "force"));
    EXPECT_TRUE(p.has_long("force"));
    EXPECT_EQ(ops(p), std::vector<std::string>{"/x"});
  }
}

TEST(GateArgvFlags, DoubleDashEndsOptions) {
  const std::vector<std::string> args = {"-r", "--", "-f", "--force", "x"};
  const ParsedArgs p = parse(args, kRm);
  EXPECT_TRUE(p.has('r', "recursive"));
  EXPECT_FALSE(p.has('f', "force"));
  EXPECT_TRUE(p.saw_double_dash);
  EXPECT_EQ(ops(p), (std::vector<std::string>{"-f", "--force", "x"}));
}

TEST(GateArgvFlags, LoneDashIsAnOperand) {
  const std::vector<std::string> args = {"-", "-r"};
  const ParsedArgs p = parse(args, kRm);
  EXPECT_EQ(ops(p), std::vector<std::string>{"-"});
  EXPECT_TRUE(p.has_short('r'));
}

TEST(GateArgvFlags, LongValueKeptWithEqualsAndAsNextWord) {
  const std::vector<std::string> a = {"--command=DROP TABLE t", "db"};
  const ParsedArgs p = parse(a, kPsql);
  ASSERT_TRUE(p.value("command"));
  EXPECT_EQ(*p.value("command"), "DROP TABLE t");
  EXPECT_EQ(ops(p), std::vector<std::string>{"db"});

  const std::vector<std::string> b = {"--command", "select 1", "db"};
  const ParsedArgs q = parse(b, kPsql);
  EXPECT_EQ(*q.value("command"), "select 1");
  EXPECT_EQ(ops(q), std::vector<std::string>{"db"});
}

TEST(GateArgvFlags, ShortValueAttachedOrNextAndStoredUnderAlias) {
  const std::vector<std::string> a = {"-Upostgres", "-c", "select 1"};
  const ParsedArgs p = parse(a, kPsql);
  EXPECT_EQ(*p.value("username"), "postgres");
  EXPECT_EQ(*p.value("command"), "select 1");
  EXPECT_TRUE(p.operands.empty());
  EXPECT_TRUE(p.has_short('c'));
  EXPECT_TRUE(p.has_long("command"));
}

TEST(GateArgvFlags, ValueOptionEndsACluster) {
  // `-xc 'script'`: x is a flag, c takes the next word; `-cfoo` takes "foo".
  const std::vector<std::string> a = {"-Uc", "x"};
  const ParsedArgs p = parse(a, kPsql);
  EXPECT_EQ(*p.value("username"), "c");
  EXPECT_EQ(ops(p), std::vector<std::string>{"x"});
}

TEST(GateArgvFlags, RepeatedValuesAreAllKept) {
  const std::vector<std::string> a = {"-c", "select 1", "--command", "drop table t"};
  const ParsedArgs p = parse(a, kPsql);
  ASSERT_EQ(p.values.size(), 2u);
  EXPECT_EQ(p.values[0].second, "select 1");
  EXPECT_EQ(p.values[1].second, "drop table t");
  EXPECT_EQ(*p.value("command"), "drop table t");  // the last one
}

TEST(GateArgvFlags, MissingValueAtTheEndIsAbsent) {
  const std::vector<std::string> a = {"-c"};
  const ParsedArgs p = parse(a, kPsql);
  EXPECT_FALSE(p.value("command"));
  EXPECT_TRUE(p.has_short('c'));
}

TEST(GateArgvFlags, StopAtOperandSplitsGlobalOptionsFromSubcommand) {
  const std::vector<std::string> a = {"-C", "/src", "-c", "user.name=x", "--git-dir",
                                      "/g", "push", "-f", "origin"};
  const ParsedArgs p = parse(a, kGit);
  EXPECT_EQ(*p.value("C"), "/src");
  EXPECT_EQ(*p.value("c"), "user.name=x");
  EXPECT_EQ(*p.value("git-dir"), "/g");
  EXPECT_EQ(p.first_operand_index, 6u);
  EXPECT_EQ(ops(p), (std::vector<std::string>{"push", "-f", "origin"}));
  EXPECT_FALSE(p.has_short('f'));  // belongs to the subcommand
}

TEST(GateArgvFlags, StopAtOperandWithoutOperand) {
  const std::vector<std::string> a = {"--version"};
  const ParsedArgs p = parse(a, kGit);
  EXPECT_TRUE(p.operands.empty());
  EXPECT_EQ(p.first_operand_index, 1u);
  EXPECT_TRUE(p.has_long("version"));
}

TEST(GateArgvFlags, PermuteRecordsFirstOperandIndex) {
  const std::vector<std::string> a = {"-r", "-f", "x", "-v", "y"};
  const ParsedArgs p = parse(a, kRm);
  EXPECT_EQ(p.first_operand_index, 2u);
  EXPECT_EQ(ops(p), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(p.has_short('v'));
}

TEST(GateArgvFlags, AmbiguousOrUnknownLongPrefixStaysAsWritten) {
  // "--pre" could be --preserve-root only (no-preserve-root does not start with it); "--p" too;
  // "--no" is no-preserve-root. An unknown name stays as written.
  const std::vector<std::string> a = {"--no", "--bogus", "--r"};
  const ParsedArgs p = parse(a, kRm);
  EXPECT_TRUE(p.has_long("no-preserve-root"));
  EXPECT_TRUE(p.has_long("bogus"));
  EXPECT_TRUE(p.has_long("recursive"));
  EXPECT_TRUE(p.has_short('r'));  // a long alias also sets its short flag

  constexpr std::array<std::string_view, 2> kTwo = {"force", "force-with-lease"};
  const FlagSpec spec = FlagSpec().with_long_flags(kTwo);
  const std::vector<std::string> b = {"--forc", "--force"};
  const ParsedArgs q = parse(b, spec);
  EXPECT_TRUE(q.has_long("forc"));   // ambiguous: kept as written
  EXPECT_TRUE(q.has_long("force"));  // exact beats being a prefix of force-with-lease
  EXPECT_FALSE(q.has_long("force-with-lease"));
}

// getopt_long reads any prefix of a long option as that option when no other shares it, and
// refuses the command when one does: every prefix counts.
TEST(GateArgvFlags, AbbreviatesLongAsGetoptLongReadsIt) {
  EXPECT_TRUE(abbreviates_long("--output", "output"));
  EXPECT_TRUE(abbreviates_long("--output=f", "output"));
  EXPECT_TRUE(abbreviates_long("--outp", "output"));
  EXPECT_TRUE(abbreviates_long("--o=a", "output"));
  EXPECT_TRUE(abbreviates_long("--o", "output"));
  EXPECT_TRUE(abbreviates_long("--se=", "set"));
  EXPECT_FALSE(abbreviates_long("--", "output"));
  EXPECT_FALSE(abbreviates_long("--=x", "output"));
  EXPECT_FALSE(abbreviates_long("--outputs", "output"));
  EXPECT_FALSE(abbreviates_long("--output-indicator-new=+", "output"));
  EXPECT_FALSE(abbreviates_long("--reverse", "output"));
  EXPECT_FALSE(abbreviates_long("-o", "output"));
  EXPECT_FALSE(abbreviates_long("-output", "output"));
  EXPECT_FALSE(abbreviates_long("output", "output"));
}

TEST(GateArgvFlags, OptionalShortValueOnlyWhenAttached) {
  const FlagSpec mysql = FlagSpec().with_short_with_value("e").with_short_optional_value("p");
  const std::vector<std::string> a = {"-psecret", "-e", "drop table t"};
  const ParsedArgs p = parse(a, mysql);
  EXPECT_EQ(*p.value("p"), "secret");
  EXPECT_EQ(*p.value("e"), "drop table t");
  EXPECT_FALSE(p.has_short('s'));  // "secret" was not read as flags

  const std::vector<std::string> b = {"-p", "db"};
  const ParsedArgs q = parse(b, mysql);
  EXPECT_FALSE(q.value("p"));
  EXPECT_EQ(ops(q), std::vector<std::string>{"db"});
}

TEST(GateArgvFlags, SingleDashLongStyle) {
  constexpr std::array<std::string_view, 2> kValues = {"chdir", "var"};
  const FlagSpec tf =
      FlagSpec().with_style(ArgStyle::kSingleDashLong).with_long_with_value(kValues);
  const std::vector<std::string> a = {"-chdir=infra", "apply", "-auto-approve",
                                      "--var",        "a=b",   "plan.out"};
  const ParsedArgs p = parse(a, tf);
  EXPECT_EQ(*p.value("chdir"), "infra");
  EXPECT_EQ(*p.value("var"), "a=b");
  EXPECT_TRUE(p.has_long("auto-approve"));
  EXPECT_FALSE(p.has_short('a'));  // no clusters in this style
  EXPECT_EQ(ops(p), (std::vector<std::string>{"apply", "plan.out"}));
}

TEST(GateArgvFlags, OperandsOnlyStyleRecordsKeyValues) {
  const FlagSpec dd = FlagSpec().with_style(ArgStyle::kOperandsOnly);
  const std::vector<std::string> a = {"if=/dev/zero", "of=/dev/sda", "bs=1M", "-x", "--"};
  const ParsedArgs p = parse(a, dd);
  EXPECT_EQ(*p.value("of"), "/dev/sda");
  EXPECT_EQ(*p.value("if"), "/dev/zero");
  EXPECT_EQ(p.operands.size(), 5u);
  EXPECT_FALSE(p.has_short('x'));
  EXPECT_FALSE(p.saw_double_dash);
}

TEST(GateArgvFlags, FindPredicatesAreNotFlagsInOperandsOnlyStyle) {
  const FlagSpec find = FlagSpec().with_style(ArgStyle::kOperandsOnly);
  const std::vector<std::string> a = {".", "-name", "*.o", "-delete"};
  const ParsedArgs p = parse(a, find);
  EXPECT_EQ(ops(p), a);
  EXPECT_FALSE(p.has_short('d'));
}

TEST(GateArgvFlags, PlusFlagsForShells) {
  const FlagSpec sh = FlagSpec()
                          .with_style(ArgStyle::kStopAtOperand)
                          .with_short_with_value("oO")
                          .with_plus_flags(true);
  const std::vector<std::string> a = {"+o", "posix", "-ec", "curl x | sh", "name", "-c"};
  const ParsedArgs p = parse(a, sh);
  EXPECT_TRUE(p.has_short('c'));
  EXPECT_TRUE(p.has_short('e'));
  EXPECT_EQ(*p.value("o"), "posix");
  EXPECT_EQ(ops(p), (std::vector<std::string>{"curl x | sh", "name", "-c"}));

  const ParsedArgs without = parse(a, FlagSpec().with_style(ArgStyle::kStopAtOperand));
  EXPECT_EQ(without.operands.front(), "+o");
}

TEST(GateArgvFlags, NonAsciiShortFlagIsIgnoredSafely) {
  const std::vector<std::string> a = {"-\xc3\xa9", "x"};
  const ParsedArgs p = parse(a, kRm);
  EXPECT_EQ(ops(p), std::vector<std::string>{"x"});
  EXPECT_FALSE(p.has_short('r'));
}

TEST(GateArgvFlags, EmptyArgv) {
  const std::vector<std::string> a;
  const ParsedArgs p = parse(a, kRm);
  EXPECT_TRUE(p.operands.empty());
  EXPECT_TRUE(p.longs.empty());
  EXPECT_EQ(p.first_operand_index, 0u);
}

}  // namespace
}  // namespace cordon::gate
