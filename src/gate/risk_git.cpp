// Risk of git commands that destroy history or uncommitted work (push --force, reset --hard...).
//
// Reversibility: what the reflog or refs/original can bring back (branch -D, stash drop,
// filter-branch) counts as reversible; what leaves this repository (push --force, push --delete)
// or was never stored by git (uncommitted changes, untracked files) does not.
#include <array>

#include "gate/argv_flags.h"
#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

using C = RiskCategory;

// Global options, before the subcommand: `git -C dir -c k=v push`.
constexpr std::array<std::string_view, 5> kGlobalValues = {"git-dir", "work-tree", "namespace",
                                                           "super-prefix", "config-env"};
constexpr FlagSpec kGlobalSpec = FlagSpec()
                                     .with_style(ArgStyle::kStopAtOperand)
                                     .with_short_with_value("Cc")
                                     .with_long_with_value(kGlobalValues);

bool is_protected_branch(std::string_view ref) {
  if (ref.starts_with("refs/heads/")) ref.remove_prefix(11);
  return ref == "main" || ref == "master" || ref == "trunk" || ref == "develop" ||
         ref == "production" || ref == "prod" || ref.starts_with("release");
}

std::string_view refspec_destination(std::string_view spec) {
  if (spec.starts_with("+")) spec.remove_prefix(1);
  const auto colon = spec.rfind(':');
  return colon == std::string_view::npos ? spec : spec.substr(colon + 1);
}

// git's parse-options takes any unambiguous prefix of a long option (`--har` is --hard,
// `--pru=now` is --prune=now) and refuses an ambiguous one, so the scorers read a long option in
// any spelling that is a prefix of its name (abbreviates_long): `--hard` compared exactly let
// `git reset --har` by.

// The value of `--name=value` in any abbreviated spelling of the name, if `arg` is one.
std::optional<std::string_view> git_option_value(std::string_view arg, std::string_view name) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos || !abbreviates_long(arg, name)) return std::nullopt;
  return arg.substr(eq + 1);
}

// Whether an option before `--` is `--long_name` in any abbreviation.
bool any_long_option(std::span<const std::string> rest, std::string_view long_name) {
  for (const auto& a : rest) {
    if (a == "--") break;
    if (abbreviates_long(a, long_name)) return true;
  }
  return false;
}

// ---- push and its plumbing (send-pack, http-push) -------------------------------------------

// What a command line that updates a remote's refs asks for, whichever program sends it: `verb`
// ("git push") names it in the reasons. Dry runs are the caller's to leave out.
void score_remote_update(std::string_view verb, const ParsedArgs& args, Findings& out) {
  const std::string v(verb);
  std::span<const std::string_view> refspecs(args.operands);
  if (!refspecs.empty()) refspecs = refspecs.subspan(1);  // the remote
  bool plus = false;
  bool colon_delete = false;
  bool protected_target = false;
  std::string_view deleted;
  for (auto spec : refspecs) {
    plus = plus || spec.starts_with("+");
    if (spec.starts_with(":") && spec.size() > 1) {
      colon_delete = true;
      deleted = spec.substr(1);
    }
    protected_target = protected_target || is_protected_branch(refspec_destination(spec));
  }
  if (args.has('f', "force")) {
    add_finding(out, protected_target ? 80 : 70, C::kIrreversible, false,
                v + " --force rewrites the remote's history" +
                    (protected_target ? " of a main/release branch" : "") +
                    "; commits others pushed are lost");
  } else if (plus) {
    add_finding(out, protected_target ? 80 : 70, C::kIrreversible, false,
                v + " +refspec force-updates the remote branch and rewrites its history");
  }
  if (args.has_long("mirror")) {
    add_finding(out, 70, C::kIrreversible, C::kBulk, false,
                v + " --mirror force-updates every remote ref and deletes those not here");
  }
  if (args.has('d', "delete")) {
    add_finding(out, 60, C::kIrreversible, false,
                v + " --delete removes branches or tags from the remote");
  } else if (colon_delete) {
    add_finding(out, 60, C::kIrreversible, false,
                v + " :" + std::string(deleted) + " deletes that branch on the remote");
  }
  if (args.has_long("prune")) {
    add_finding(out, 45, C::kIrreversible, C::kBulk, false,
                v + " --prune deletes remote branches that have no local counterpart");
  }
}

constexpr std::array<FlagAlias, 7> kPushAliases = {{{'f', "force"},
                                                    {'d', "delete"},
                                                    {'n', "dry-run"},
                                                    {'u', "set-upstream"},
                                                    {'q', "quiet"},
                                                    {'v', "verbose"},
                                                    {'o', "push-option"}}};
constexpr std::array<std::string_view, 4> kPushValues = {"repo", "receive-pack", "exec",
                                                         "push-option"};
constexpr std::array<std::string_view, 10> kPushLongs = {
    "force-with-lease", "force-if-includes", "mirror", "all",      "tags", "prune",
    "follow-tags",      "no-verify",         "atomic", "porcelain"};
constexpr FlagSpec kPushSpec = FlagSpec()
                                   .with_short_with_value("o")
                                   .with_long_with_value(kPushValues)
                                   .with_aliases(kPushAliases)
                                   .with_long_flags(kPushLongs);

void score_push(std::span<const std::string> rest, Findings& out) {
  const ParsedArgs args = parse_args(rest, kPushSpec);
  if (args.has('n', "dry-run")) return;
  score_remote_update("git push", args, out);
}

// `git send-pack [options] <remote> [<ref>...]`: push's plumbing, the same refspecs and --force,
// --mirror (builtin/send-pack.c, parse-options). Refs it reads with --stdin are not seen: a push
// over HTTP starts it that way, the remote helper's child, after the push itself was judged.
constexpr std::array<FlagAlias, 4> kSendPackAliases = {
    {{'f', "force"}, {'n', "dry-run"}, {'q', "quiet"}, {'v', "verbose"}}};
constexpr std::array<std::string_view, 4> kSendPackValues = {"receive-pack", "exec", "remote",
                                                             "push-option"};
constexpr std::array<std::string_view, 11> kSendPackLongs = {"all",
                                                             "mirror",
                                                             "signed",
                                                             "progress",
                                                             "thin",
                                                             "atomic",
                                                             "stdin",
                                                             "stateless-rpc",
                                                             "helper-status",
                                                             "force-with-lease",
                                                             "force-if-includes"};
constexpr FlagSpec kSendPackSpec = FlagSpec()
                                       .with_long_with_value(kSendPackValues)
                                       .with_aliases(kSendPackAliases)
                                       .with_long_flags(kSendPackLongs);

void score_send_pack(std::span<const std::string> rest, Findings& out) {
  const ParsedArgs args = parse_args(rest, kSendPackSpec);
  if (args.has('n', "dry-run")) return;
  score_remote_update("git send-pack", args, out);
}

// `git http-push [--all] [--dry-run] [--force] [-d | -D] <url> <ref>...`: a program of its own
// (git-http-push, started by `git http-push` and by pushes over WebDAV) that compares its
// options exactly, even after the URL. Its --dry-run is not honoured here: once the refs begin,
// a later "--dry-run" is a ref, not an option.
constexpr std::array<FlagAlias, 2> kHttpPushAliases = {{{'d', "delete"}, {'D', "delete"}}};
constexpr FlagSpec kHttpPushSpec = FlagSpec().with_aliases(kHttpPushAliases);

void score_http_push(std::span<const std::string> rest, Findings& out) {
  score_remote_update("git http-push", parse_args(rest, kHttpPushSpec), out);
}

// ---- reset, clean, checkout, restore, switch ------------------------------------------------

void score_reset(std::span<const std::string> rest, Findings& out) {
  for (const auto& a : rest) {
    if (a == "--") break;
    if (abbreviates_long(a, "hard")) {
      add_finding(out, 55, C::kIrreversible, false,
                  "git reset --hard discards uncommitted changes, which git never stored");
      return;
    }
  }
}

constexpr std::array<FlagAlias, 4> kCleanAliases = {
    {{'f', "force"}, {'n', "dry-run"}, {'i', "interactive"}, {'q', "quiet"}}};
constexpr std::array<std::string_view, 1> kCleanValues = {"exclude"};
constexpr FlagSpec kCleanSpec = FlagSpec()
                                    .with_short_with_value("e")
                                    .with_long_with_value(kCleanValues)
                                    .with_aliases(kCleanAliases);

// `forced_by_config`: `git -c clean.requireForce=false clean` deletes without -f.
void score_clean(std::span<const std::string> rest, bool forced_by_config, Findings& out) {
  const ParsedArgs args = parse_args(rest, kCleanSpec);
  if (args.has('n', "dry-run") || !(args.has('f', "force") || forced_by_config)) return;
  const bool dirs = args.has_short('d');
  const bool ignored = args.has_short('x') || args.has_short('X');
  const int score = 50 + (dirs ? 5 : 0) + (ignored ? 10 : 0);
  add_finding(
      out, score, C::kIrreversible, false,
      std::string(forced_by_config ? "git -c clean.requireForce=false clean" : "git clean -f") +
          " deletes untracked files" + (dirs ? " and directories" : "") +
          (ignored ? ", ignored ones (.env, local config) included" : "") +
          "; git never stored them");
}

bool is_whole_tree(std::string_view pathspec) {
  return pathspec == "." || pathspec == "./" || pathspec == ":/" || pathspec == "*" ||
         pathspec == ":(top)" || pathspec == "..";
}

// Pathspecs after `--`, or operands that are whole-tree pathspecs without it.
struct Discard {
  bool any = false;
  bool whole = false;
};

Discard discarded_paths(std::span<const std::string> rest) {
  Discard d;
  bool after = false;
  for (const auto& a : rest) {
    if (!after && a == "--") {
      after = true;
      continue;
    }
    if (after || is_whole_tree(a)) {
      d.any = true;
      d.whole = d.whole || is_whole_tree(a);
    }
  }
  return d;
}

void discard_finding(std::string_view what, Discard d, Findings& out) {
  add_finding(out, d.whole ? 40 : 30, C::kIrreversible, false,
              std::string(what) + " discards uncommitted changes in " +
                  (d.whole ? "the whole working tree" : "the named files") +
                  "; git never stored them");
}

void score_checkout(std::span<const std::string> rest, Findings& out) {
  bool force = false;
  for (const auto& a : rest) {
    if (a == "--") break;
    force = force || a == "-f" || abbreviates_long(a, "force");
  }
  const Discard d = discarded_paths(rest);
  if (d.any) {
    discard_finding("git checkout -- <paths>", d, out);
  } else if (force) {
    add_finding(out, 40, C::kIrreversible, false,
                "git checkout --force discards uncommitted changes in the working tree");
  }
}

void score_restore(std::span<const std::string> rest, Findings& out) {
  bool staged = false;
  bool worktree = false;
  for (const auto& a : rest) {
    if (a == "--") break;
    staged = staged || abbreviates_long(a, "staged") || short_cluster_has(a, 'S');
    worktree = worktree || abbreviates_long(a, "worktree") || short_cluster_has(a, 'W');
  }
  if (staged && !worktree) return;  // only the index: the changes stay in the files
  Discard d;
  bool after = false;
  for (const auto& a : rest) {
    if (!after && a == "--") {
      after = true;
      continue;
    }
    if (after || !a.starts_with("-")) {
      d.any = true;
      d.whole = d.whole || is_whole_tree(a);
    }
  }
  if (d.any) discard_finding("git restore", d, out);
}

void score_switch(std::span<const std::string> rest, Findings& out) {
  bool discard = false;
  for (const auto& a : rest) {
    if (a == "--") break;
    discard = discard || abbreviates_long(a, "discard-changes") || abbreviates_long(a, "force") ||
              short_cluster_has(a, 'f');
  }
  if (discard) {
    add_finding(out, 35, C::kIrreversible, false,
                "git switch --discard-changes throws away uncommitted changes");
  }
}

// ---- branch, stash, refs and history rewriting ----------------------------------------------

constexpr std::array<FlagAlias, 6> kBranchAliases = {{{'d', "delete"},
                                                      {'f', "force"},
                                                      {'m', "move"},
                                                      {'r', "remotes"},
                                                      {'u', "set-upstream-to"},
                                                      {'t', "track"}}};
constexpr std::array<std::string_view, 5> kBranchValues = {"set-upstream-to", "format", "sort",
                                                           "points-at", "merged"};
constexpr FlagSpec kBranchSpec = FlagSpec()
                                     .with_short_with_value("u")
                                     .with_long_with_value(kBranchValues)
                                     .with_aliases(kBranchAliases);

void score_branch(std::span<const std::string> rest, Findings& out) {
  const ParsedArgs args = parse_args(rest, kBranchSpec);
  const bool remotes = args.has('r', "remotes");
  const bool force_delete =
      args.has_short('D') || (args.has('d', "delete") && args.has('f', "force"));
  const std::string names = args.operands.empty() ? "" : " " + std::string(args.operands.front());
  if (force_delete) {
    add_finding(out, 35, C::kIrreversible, true,
                "git branch -D deletes branch" + names +
                    " even when unmerged; the reflog keeps its commits for a while");
  } else if (args.has('d', "delete")) {
    add_finding(out, remotes ? 15 : 10, C::kIrreversible, true,
                "git branch -d deletes the merged branch" + names);
  } else if (args.has('f', "force") || args.has_short('M') || args.has_short('C')) {
    add_finding(out, 25, C::kIrreversible, true,
                "git branch --force moves or overwrites an existing branch; the reflog keeps "
                "its old position");
  }
}

void score_reflog(std::span<const std::string> rest, Findings& out) {
  if (rest.empty()) return;
  if (rest[0] == "expire") {
    bool now = false;
    for (const auto& a : rest) {
      for (const std::string_view name : {"expire", "expire-unreachable"}) {
        const auto value = git_option_value(a, name);
        now = now || (value && (*value == "now" || *value == "all"));
      }
    }
    add_finding(out, now ? 60 : 40, C::kIrreversible, false,
                "git reflog expire drops reflog entries, the record that finds lost commits");
  } else if (rest[0] == "delete") {
    add_finding(out, 40, C::kIrreversible, false,
                "git reflog delete drops reflog entries, the record that finds lost commits");
  }
}

void score_gc(std::span<const std::string> rest, Findings& out) {
  bool now = false;
  for (const auto& a : rest) {
    const auto value = git_option_value(a, "prune");
    now = now || (value && (*value == "now" || *value == "all"));
  }
  if (now) {
    add_finding(out, 55, C::kIrreversible, false,
                "git gc --prune=now deletes unreachable commits at once instead of after two "
                "weeks");
  }
}

void score_prune(std::span<const std::string> rest, Findings& out) {
  if (has_any(rest, {"-n"}) || any_long_option(rest, "dry-run")) return;
  add_finding(out, 50, C::kIrreversible, false,
              "git prune deletes every unreachable object, commits only the reflog still knew");
}

void score_stash(std::span<const std::string> rest, Findings& out) {
  if (rest.empty()) return;
  if (rest[0] == "clear") {
    add_finding(out, 40, C::kIrreversible, C::kBulk, true,
                "git stash clear drops every stash; only git fsck can still find them");
  } else if (rest[0] == "drop") {
    add_finding(out, 30, C::kIrreversible, true,
                "git stash drop deletes a stash; only git fsck can still find it");
  }
}

void score_update_ref(std::span<const std::string> rest, Findings& out) {
  if (has_any(rest, {"-d"})) {
    add_finding(out, 40, C::kIrreversible, false,
                "git update-ref -d deletes a ref together with its reflog");
  }
}

void score_worktree(std::span<const std::string> rest, Findings& out) {
  if (rest.empty() || rest[0] != "remove") return;
  if (has_any(rest, {"-f"}) || any_long_option(rest, "force")) {
    add_finding(out, 35, C::kIrreversible, false,
                "git worktree remove --force deletes a worktree with uncommitted changes");
  }
}

void score_rm(std::span<const std::string> rest, Findings& out) {
  for (const auto& a : rest) {
    if (a == "--") break;
    if (abbreviates_long(a, "force") || short_cluster_has(a, 'f')) {
      add_finding(out, 30, C::kIrreversible, false,
                  "git rm --force deletes files together with their uncommitted changes");
      return;
    }
  }
}

// What `-c key=value` settings before the subcommand change in how it is judged.
struct CommandLineSettings {
  bool clean_needs_no_force = false;  // clean.requireForce=false
};

void score_subcommand(std::string_view sub, std::span<const std::string> rest,
                      const CommandLineSettings& settings, Findings& out) {
  if (sub == "push") return score_push(rest, out);
  if (sub == "send-pack") return score_send_pack(rest, out);
  if (sub == "http-push") return score_http_push(rest, out);
  if (sub == "reset") return score_reset(rest, out);
  if (sub == "clean") return score_clean(rest, settings.clean_needs_no_force, out);
  if (sub == "checkout") return score_checkout(rest, out);
  if (sub == "restore") return score_restore(rest, out);
  if (sub == "switch") return score_switch(rest, out);
  if (sub == "branch") return score_branch(rest, out);
  if (sub == "reflog") return score_reflog(rest, out);
  if (sub == "gc") return score_gc(rest, out);
  if (sub == "prune") return score_prune(rest, out);
  if (sub == "stash") return score_stash(rest, out);
  if (sub == "update-ref") return score_update_ref(rest, out);
  if (sub == "worktree") return score_worktree(rest, out);
  if (sub == "rm") return score_rm(rest, out);
  if (sub == "filter-branch") {
    add_finding(out, 60, C::kIrreversible, C::kBulk, true,
                "git filter-branch rewrites every commit of the branches it is given; "
                "refs/original keeps the old ones");
  } else if (sub == "filter-repo") {
    add_finding(out, 70, C::kIrreversible, C::kBulk, false,
                "git filter-repo rewrites history and drops the reflog and the origin remote");
  }
}

// The words of an alias body, split at blanks as git's split_cmdline does without quotes.
std::vector<std::string> alias_words(std::string_view body) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto start = body.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    auto end = body.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = body.size();
    words.emplace_back(body.substr(start, end - start));
    pos = end;
  }
  return words;
}

// An alias given on the command line (`git -c alias.p='push --force' p`) runs inside git, so
// the gate never sees its expansion start: expand it here.
std::vector<std::string> expand_alias(const ParsedArgs& globals, std::string_view sub) {
  std::vector<std::string> words;
  for (const auto& [name, value] : globals.values) {
    if (name != "c" || !value.starts_with("alias.")) continue;
    const auto eq = value.find('=');
    if (eq == std::string_view::npos || value.substr(6, eq - 6) != sub) continue;
    const std::string_view body = value.substr(eq + 1);
    if (body.starts_with("!")) continue;  // a shell alias: the gate sees the shell start
    words = alias_words(body);
  }
  return words;
}

// ---- remote settings that force a push ------------------------------------------------------

std::string_view trim_blanks(std::string_view s) {
  const auto start = s.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  return s.substr(start, s.find_last_not_of(" \t") - start + 1);
}

enum class RemoteKey { kOther, kPush, kMirror };

// `remote.<name>.push` and `remote.<name>.mirror`; section and variable names are
// case-insensitive in git, the remote's name is not.
RemoteKey remote_key(std::string_view key) {
  key = trim_blanks(key);
  if (key.size() < 7 || !iequals(key.substr(0, 7), "remote.")) return RemoteKey::kOther;
  const auto dot = key.rfind('.');
  if (dot < 7) return RemoteKey::kOther;  // "remote.<name>" alone
  const std::string_view variable = key.substr(dot + 1);
  if (iequals(variable, "push")) return RemoteKey::kPush;
  if (iequals(variable, "mirror")) return RemoteKey::kMirror;
  return RemoteKey::kOther;
}

bool is_false(std::string_view value) {
  return value.empty() || iequals(value, "false") || iequals(value, "no") ||
         iequals(value, "off") || value == "0";
}

// One setting given to git as `-c key=value` (`from_env`: `--config-env key=VAR`, the value is in
// the environment).
void score_remote_setting(std::string_view setting, bool from_env, Findings& out) {
  const auto eq = setting.find('=');
  const std::string_view key = trim_blanks(setting.substr(0, eq));
  const RemoteKey kind = remote_key(key);
  if (kind == RemoteKey::kOther) return;
  const std::string k(key);
  if (from_env) {
    add_finding(out, 70, C::kIrreversible, false,
                "git --config-env sets " + k +
                    " from the environment, which the gate cannot read; a push to that remote "
                    "may force-update it");
    return;
  }
  const std::string_view value = eq == std::string_view::npos ? "" : setting.substr(eq + 1);
  if (kind == RemoteKey::kPush) {
    if (value.find('+') == std::string_view::npos) return;
    const bool protected_target = is_protected_branch(refspec_destination(trim_blanks(value)));
    add_finding(out, protected_target ? 80 : 70, C::kIrreversible, false,
                "git -c " + k + "=" + std::string(value) +
                    " makes a push to that remote force-update it (git push --force)" +
                    (protected_target ? ", rewriting a main/release branch" : "") +
                    "; commits others pushed are lost");
  } else if (eq == std::string_view::npos || !is_false(value)) {  // `-c key` alone is true
    add_finding(out, 70, C::kIrreversible, C::kBulk, false,
                "git -c " + k +
                    " makes a push to that remote a --mirror push: every remote ref "
                    "force-updated, those not here deleted");
  }
}

// `-c remote.<name>.push=+src:dst` and `-c remote.<name>.mirror=true` force every later push to
// that remote. git passes them on to each git it starts (GIT_CONFIG_PARAMETERS), where the gate
// cannot see them, so the start that carries them is judged, whatever its subcommand: an alias
// the gate cannot expand, or one given here whose body holds `-c`, runs `git push` as a child.
void score_remote_settings(const ParsedArgs& globals, Findings& out) {
  for (const auto& [name, value] : globals.values) {
    if (name == "config-env") {
      score_remote_setting(value, true, out);
    } else if (name == "c") {
      score_remote_setting(value, false, out);
      if (!value.starts_with("alias.")) continue;
      const auto eq = value.find('=');
      if (eq == std::string_view::npos) continue;
      for (const std::string& word : alias_words(value.substr(eq + 1))) {
        if (word.starts_with("--config-env=")) {
          score_remote_setting(std::string_view(word).substr(13), true, out);
        } else {
          score_remote_setting(word, false, out);
        }
      }
    }
  }
}

// `-c clean.requireForce=false` (section and key case-insensitive, as git reads them).
CommandLineSettings command_line_settings(const ParsedArgs& globals) {
  CommandLineSettings settings;
  for (const auto& [name, value] : globals.values) {
    if (name != "c") continue;
    const auto eq = value.find('=');
    if (!iequals(trim_blanks(value.substr(0, eq)), "clean.requireforce")) continue;
    settings.clean_needs_no_force =
        eq != std::string_view::npos && is_false(trim_blanks(value.substr(eq + 1)));
  }
  return settings;
}

void score_git(const ScoreInput& in, Findings& out) {
  const ParsedArgs globals = parse_args(in.args, kGlobalSpec);
  score_remote_settings(globals, out);
  if (globals.operands.empty()) return;
  std::string_view sub = globals.operands.front();
  std::span<const std::string> rest = in.args.subspan(globals.first_operand_index + 1);
  std::vector<std::string> expanded;
  if (globals.value("c")) {
    std::vector<std::string> alias = expand_alias(globals, sub);
    if (!alias.empty()) {
      expanded = std::move(alias);
      expanded.insert(expanded.end(), rest.begin(), rest.end());
      sub = expanded.front();
      rest = std::span<const std::string>(expanded).subspan(1);
    }
  }
  score_subcommand(sub, rest, command_line_settings(globals), out);
}

}  // namespace

Scorer git_scorer(std::string_view name) {
  if (name == "git") return score_git;
  if (name == "git-http-push") {
    return [](const ScoreInput& in, Findings& out) { score_http_push(in.args, out); };
  }
  if (name == "git-filter-repo") {
    return [](const ScoreInput&, Findings& out) {
      score_subcommand("filter-repo", {}, CommandLineSettings{}, out);
    };
  }
  return nullptr;
}

}  // namespace cordon::gate
