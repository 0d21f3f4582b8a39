// parse_args(): getopt-like flag normalisation without allocation beyond the result's vectors.
#include "gate/argv_flags.h"

#include <algorithm>

namespace cordon::gate {
namespace {

bool contains(std::string_view set, char c) {
  return set.find(c) != std::string_view::npos;
}

bool in(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class Parser {
 public:
  Parser(std::span<const std::string> args, const FlagSpec& spec, ParsedArgs& out)
      : args_(args), spec_(spec), out_(out) {}

  void run() {
    out_.operands.reserve(args_.size());
    out_.first_operand_index = args_.size();
    for (std::size_t i = 0; i < args_.size(); ++i) {
      const std::string_view tok = args_[i];
      if (spec_.style == ArgStyle::kOperandsOnly) {
        operand(i, tok);
        continue;
      }
      if (tok == "--") {
        out_.saw_double_dash = true;
        for (std::size_t k = i + 1; k < args_.size(); ++k) operand(k, args_[k]);
        return;
      }
      const bool dash = tok.size() > 1 && tok[0] == '-';
      const bool plus = spec_.plus_flags && tok.size() > 1 && tok[0] == '+';
      if (!dash && !plus) {
        if (spec_.style == ArgStyle::kStopAtOperand) {
          for (std::size_t k = i; k < args_.size(); ++k) operand(k, args_[k]);
          return;
        }
        operand(i, tok);
        continue;
      }
      if (spec_.style == ArgStyle::kSingleDashLong) {
        i = long_option(i, tok.substr(tok[1] == '-' ? 2 : 1));
      } else if (dash && tok[1] == '-') {
        i = long_option(i, tok.substr(2));
      } else {
        i = short_cluster(i, tok);
      }
    }
  }

 private:
  void operand(std::size_t index, std::string_view tok) {
    if (out_.operands.empty()) out_.first_operand_index = index;
    out_.operands.push_back(tok);
    if (spec_.style == ArgStyle::kOperandsOnly) {
      const auto eq = tok.find('=');
      if (eq != std::string_view::npos && eq > 0) {
        out_.values.emplace_back(tok.substr(0, eq), tok.substr(eq + 1));
      }
    }
  }

  // The canonical name of a long option: itself when known, else the one known name it is a
  // prefix of (getopt_long's abbreviations), else itself.
  std::string_view canonical_long(std::string_view name) const {
    std::string_view prefix_of;
    int prefix_count = 0;
    bool exact = false;
    auto consider = [&](std::string_view known) {
      if (known == name) {
        exact = true;
      } else if (!name.empty() && known.starts_with(name) && known != prefix_of) {
        if (prefix_count == 0) prefix_of = known;
        ++prefix_count;
      }
    };
    for (auto known : spec_.long_with_value) consider(known);
    for (const auto& alias : spec_.aliases) consider(alias.long_name);
    for (auto known : spec_.long_flags) consider(known);
    return !exact && prefix_count == 1 ? prefix_of : name;
  }

  // A long name also sets every short that aliases it (--recursive -> r and R).
  void record_long(std::string_view name) {
    out_.longs.push_back(name);
    for (const auto& alias : spec_.aliases) {
      if (alias.long_name == name) set_bit(alias.short_name);
    }
  }

  // A short also records its long name, and through it its sibling shorts (-R -> recursive -> r).
  void set_short(char c) {
    set_bit(c);
    for (const auto& alias : spec_.aliases) {
      if (alias.short_name == c &&
          std::find(out_.longs.begin(), out_.longs.end(), alias.long_name) == out_.longs.end()) {
        record_long(alias.long_name);
      }
    }
  }

  void set_bit(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 128) out_.shorts.set(u);
  }

  std::string_view short_value_name(const std::string_view& tok, std::size_t j) const {
    for (const auto& alias : spec_.aliases) {
      if (alias.short_name == tok[j]) return alias.long_name;
    }
    return tok.substr(j, 1);
  }

  std::size_t long_option(std::size_t i, std::string_view body) {
    if (body.empty()) return i;  // a lone "-" in kSingleDashLong is handled as an operand above
    const auto eq = body.find('=');
    const std::string_view name = canonical_long(body.substr(0, eq));
    record_long(name);
    if (eq != std::string_view::npos) {
      out_.values.emplace_back(name, body.substr(eq + 1));
    } else if (in(spec_.long_with_value, name) && i + 1 < args_.size()) {
      out_.values.emplace_back(name, std::string_view(args_[i + 1]));
      ++i;
    }
    return i;
  }

  std::size_t short_cluster(std::size_t i, std::string_view tok) {
    for (std::size_t j = 1; j < tok.size(); ++j) {
      const char c = tok[j];
      set_short(c);
      const std::string_view rest = tok.substr(j + 1);
      if (contains(spec_.short_with_value, c)) {
        if (!rest.empty()) {
          out_.values.emplace_back(short_value_name(tok, j), rest);
        } else if (i + 1 < args_.size()) {
          out_.values.emplace_back(short_value_name(tok, j), std::string_view(args_[i + 1]));
          ++i;
        }
        return i;
      }
      if (contains(spec_.short_optional_value, c)) {
        if (!rest.empty()) out_.values.emplace_back(short_value_name(tok, j), rest);
        return i;
      }
    }
    return i;
  }

  std::span<const std::string> args_;
  const FlagSpec& spec_;
  ParsedArgs& out_;
};

}  // namespace

bool ParsedArgs::has_short(char c) const {
  const auto u = static_cast<unsigned char>(c);
  return u < 128 && shorts.test(u);
}

bool ParsedArgs::has_long(std::string_view name) const {
  return std::find(longs.begin(), longs.end(), name) != longs.end();
}

std::optional<std::string_view> ParsedArgs::value(std::string_view name) const {
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return std::nullopt;
}

ParsedArgs parse_args(std::span<const std::string> args, const FlagSpec& spec) {
  ParsedArgs out;
  Parser(args, spec, out).run();
  return out;
}

bool short_cluster_has(std::string_view arg, char letter) {
  return arg.size() > 1 && arg[0] == '-' && arg[1] != '-' &&
         arg.find(letter, 1) != std::string_view::npos;
}

bool abbreviates_long(std::string_view arg, std::string_view long_name) {
  if (!arg.starts_with("--")) return false;
  const std::string_view name = arg.substr(2, arg.find('=') - 2);
  return !name.empty() && long_name.starts_with(name);
}

}  // namespace cordon::gate
