// Flag normalisation for the risk scorer: argv[1..] -> short flags, long flags, values, operands.
#pragma once

#include <bitset>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cordon::gate {

// How a program reads its command line.
enum class ArgStyle {
  kPermute,         // GNU getopt_long: flags anywhere, `--` ends them (rm, chmod, kubectl)
  kStopAtOperand,   // POSIX: the first operand ends the flags (git's global options before the
                    // subcommand, sh, redis-cli): everything from there on is an operand
  kSingleDashLong,  // Go's flag package / sqlite3: `-name`, `--name`, `-name=value`; no clusters
  kOperandsOnly,    // no flags at all (dd's key=value, find's expression): all are operands;
                    // `key=value` operands are also recorded as values
};

// A short option that means the same as a long one: rm's -r, -R and --recursive.
struct FlagAlias {
  char short_name;
  std::string_view long_name;
};

// What the parser needs to know about one program. Constant data, usually `static constexpr`.
struct FlagSpec {
  ArgStyle style = ArgStyle::kPermute;
  std::string_view short_with_value;      // short options that take a value: "Cc" for git
  std::string_view short_optional_value;  // take the rest of their word if any: mysql's -pSECRET
  std::span<const std::string_view> long_with_value;  // long options that take a value
  std::span<const FlagAlias> aliases;
  // More long names for unambiguous-prefix expansion (`--recur` -> `--recursive`), as
  // getopt_long does; names in long_with_value and aliases count already.
  std::span<const std::string_view> long_flags;
  bool plus_flags = false;  // `+o name` is an option too (sh, bash)

  // Chainable setters, so a `static constexpr` spec reads like the program's option table:
  // FlagSpec().with_aliases(kRmAliases).with_long_flags(kRmLongs).
  constexpr FlagSpec with_style(ArgStyle v) const {
    auto c = *this;
    c.style = v;
    return c;
  }
  constexpr FlagSpec with_short_with_value(std::string_view v) const {
    auto c = *this;
    c.short_with_value = v;
    return c;
  }
  constexpr FlagSpec with_short_optional_value(std::string_view v) const {
    auto c = *this;
    c.short_optional_value = v;
    return c;
  }
  constexpr FlagSpec with_long_with_value(std::span<const std::string_view> v) const {
    auto c = *this;
    c.long_with_value = v;
    return c;
  }
  constexpr FlagSpec with_aliases(std::span<const FlagAlias> v) const {
    auto c = *this;
    c.aliases = v;
    return c;
  }
  constexpr FlagSpec with_long_flags(std::span<const std::string_view> v) const {
    auto c = *this;
    c.long_flags = v;
    return c;
  }
  constexpr FlagSpec with_plus_flags(bool v) const {
    auto c = *this;
    c.plus_flags = v;
    return c;
  }
};

// The normalised command line. Views point into the argv it was parsed from, so that argv must
// outlive it. A short flag with an alias is recorded under both names, so `has_long("force")`
// answers for `-f` and `has_short('f')` for `--force`.
struct ParsedArgs {
  std::bitset<128> shorts;
  std::vector<std::string_view> longs;  // names without the dashes, `--force=x` -> "force"
  std::vector<std::pair<std::string_view, std::string_view>> values;  // name -> value, in order
  std::vector<std::string_view> operands;                             // in order
  std::size_t first_operand_index = 0;  // index in the parsed span of the first operand, or
                                        // its size when there is none (kStopAtOperand's split)
  bool saw_double_dash = false;

  bool has_short(char c) const;
  bool has_long(std::string_view name) const;
  bool has(char c, std::string_view name) const { return has_short(c) || has_long(name); }
  // The last value of an option: "C" for git's -C, "command" for psql's -c (aliased).
  std::optional<std::string_view> value(std::string_view name) const;
};

// Parses argv[1..] (the program name already removed) by `spec`. Never fails: a missing value
// for the last option is simply absent.
ParsedArgs parse_args(std::span<const std::string> args, const FlagSpec& spec);

// Whether `arg` may be the long option `--long_name` to getopt_long: the full name or any
// non-empty prefix of it (`--outp`, `--o=file` for `--output`), alone or with `=value`. A prefix
// that another option shares is ambiguous and getopt_long refuses the command, so counting every
// prefix is the fail-safe reading when the program's other long options are not all known.
bool abbreviates_long(std::string_view arg, std::string_view long_name);

// Whether `arg` is a cluster of short options ("-xyz") that names `letter`.
bool short_cluster_has(std::string_view arg, char letter);

}  // namespace cordon::gate
