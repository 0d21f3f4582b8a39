// Risk of file tools: rm, rmdir, unlink, find -delete, shred, truncate, chmod, chown, chgrp, mv,
// and the archivers that delete what they pack (tar --remove-files, zip -m).
#include <array>

#include "gate/argv_flags.h"
#include "gate/risk_paths.h"
#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

using C = RiskCategory;

std::string resolve(const ScoreInput& in, std::string_view operand) {
  return resolve_operand(operand, in.start.cwd, in.context.home);
}

// The worst operand of a list: precious beats system beats other beats temp.
struct Target {
  std::string path;
  PathClass cls;
};

int rank(PathKind kind) {
  switch (kind) {
    case PathKind::kPrecious:
      return 4;
    case PathKind::kSystem:
      return 3;
    case PathKind::kOther:
      return 2;
    case PathKind::kTempRoot:
      return 1;
    case PathKind::kTemp:
      return 0;
  }
  return 0;
}

template <typename Operands>
Target worst_target(const ScoreInput& in, const Operands& operands) {
  Target worst;
  int worst_rank = -1;
  for (std::string_view op : operands) {
    std::string path = resolve(in, op);
    const PathClass cls = classify_path(path, in.context);
    if (rank(cls.kind) > worst_rank) {
      worst_rank = rank(cls.kind);
      worst = Target{std::move(path), cls};
    }
  }
  return worst;
}

bool is_git_dir(std::string_view path) {
  return path.ends_with("/.git");
}

// A recursive delete of `t` by `what` ("rm -rf", "find -delete"); `filtered` when only matches
// are deleted (find with tests), which lowers the score a step.
void recursive_delete(std::string_view what, const Target& t, bool filtered, Findings& out) {
  const std::string where = std::string(t.cls.label) + " " + t.path;
  switch (t.cls.kind) {
    case PathKind::kPrecious:
      add_finding(out, filtered ? 70 : 95, C::kIrreversible, C::kBulk, false,
                  std::string(what) + " deletes " + (filtered ? "matches in " : "everything in ") +
                      where + "; nothing can restore it");
      return;
    case PathKind::kSystem:
      add_finding(out, filtered ? 65 : 90, C::kIrreversible, C::kAvailability, false,
                  std::string(what) + " deletes " + (filtered ? "matches in " : "") + where +
                      "; the system may stop working");
      return;
    case PathKind::kOther:
      if (is_git_dir(t.path)) {
        add_finding(out, 75, C::kIrreversible, false,
                    std::string(what) + " deletes the git repository " + t.path +
                        "; unpushed history is lost");
        return;
      }
      add_finding(out, filtered ? 50 : 60, C::kIrreversible, C::kBulk, false,
                  std::string(what) + " deletes " + (filtered ? "matches in " : "") + t.path +
                      " recursively outside /tmp; deleted files cannot be recovered");
      return;
    case PathKind::kTempRoot:
      add_finding(out, 30, C::kBulk, false,
                  std::string(what) + " deletes all of " + t.path +
                      ", including other programs' temporary files");
      return;
    case PathKind::kTemp:
      add_finding(out, 10, C::kIrreversible, false,
                  std::string(what) + " deletes " + t.path + " under a temporary directory");
      return;
  }
}

bool is_temporary(PathKind kind) {
  return kind == PathKind::kTemp || kind == PathKind::kTempRoot;
}

// `from` moved into `dest` under a temporary directory: the box's /tmp is its own and goes when
// the session ends, so for the workspace this is a delete.
void moved_into_temporary(std::string_view what, const Target& from, const std::string& dest,
                          Findings& out) {
  if (from.cls.kind == PathKind::kPrecious || from.cls.kind == PathKind::kSystem) {
    recursive_delete(std::string(what) + " into " + dest, from, false, out);
    return;
  }
  add_finding(out, 45, C::kIrreversible, false,
              std::string(what) + " moves " + from.path + " into " + dest +
                  ", a temporary directory the box discards when the session ends: as good as "
                  "deleted");
}

void bulk_count(std::string_view what, std::size_t count, Findings& out) {
  if (count >= 25) {
    add_finding(out, 30, C::kBulk, false,
                std::string(what) + " removes " + std::to_string(count) + " paths at once");
  }
}

// ---- rm, rmdir, unlink ----------------------------------------------------------------------

constexpr std::array<FlagAlias, 6> kRmAliases = {{{'r', "recursive"},
                                                  {'R', "recursive"},
                                                  {'f', "force"},
                                                  {'d', "dir"},
                                                  {'i', "interactive"},
                                                  {'v', "verbose"}}};
constexpr std::array<std::string_view, 4> kRmLongs = {"no-preserve-root", "preserve-root",
                                                      "one-file-system", "help"};
constexpr FlagSpec kRmSpec = FlagSpec().with_aliases(kRmAliases).with_long_flags(kRmLongs);

void score_rm(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kRmSpec);
  if (args.operands.empty()) return;
  const bool recursive = args.has('r', "recursive");
  const bool force = args.has('f', "force");
  const Target t = worst_target(in, args.operands);
  if (args.has_long("no-preserve-root")) {
    add_finding(out, 90, C::kIrreversible, false,
                "rm --no-preserve-root turns off rm's guard against deleting /");
  }
  if (recursive) {
    recursive_delete(force ? "rm -rf (recursive, forced)" : "rm -r (recursive)", t, false, out);
  } else if (t.cls.kind == PathKind::kSystem) {
    add_finding(out, 60, C::kIrreversible, C::kAvailability, false,
                "rm deletes " + std::string(t.cls.label) + " entry " + t.path +
                    "; the system may stop working");
  } else {
    const std::size_t n = args.operands.size();
    add_finding(out, force ? 15 : 10, C::kIrreversible, false,
                std::string(force ? "rm -f" : "rm") + " deletes " + std::to_string(n) +
                    (n == 1 ? " file" : " files") + " with no trash to restore from");
  }
  bulk_count("rm", args.operands.size(), out);
}

void score_rmdir(const ScoreInput& in, Findings& out) {
  if (in.args.empty()) return;
  add_finding(out, 5, C::kIrreversible, true,
              "rmdir removes empty directories only; mkdir restores them");
}

void score_unlink(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, FlagSpec{});
  if (args.operands.empty()) return;
  const Target t = worst_target(in, args.operands);
  const bool system = t.cls.kind == PathKind::kSystem;
  add_finding(out, system ? 60 : 10, C::kIrreversible, false,
              "unlink deletes " + t.path + (system ? ", a system file" : ""));
}

// ---- find -----------------------------------------------------------------------------------

// find's actions and options that do not narrow what matches; any other primary is a test.
bool is_unfiltering(std::string_view tok) {
  static constexpr std::array<std::string_view, 14> kNames = {
      "-delete", "-depth",  "-print",    "-print0",   "-xdev",     "-mount",
      "-follow", "-noleaf", "-maxdepth", "-mindepth", "-daystart", "-ignore_readdir_race",
      "-ls",     "-d"};
  for (auto name : kNames) {
    if (tok == name) return true;
  }
  return false;
}

bool is_delete_program(std::string_view word) {
  const auto slash = word.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? word : word.substr(slash + 1);
  return base == "rm" || base == "unlink" || base == "shred" || base == "rmdir";
}

void score_find(const ScoreInput& in, Findings& out) {
  const auto& a = in.args;
  std::size_t i = 0;
  // Leading options: -H -L -P, -D debugopts, -Olevel.
  while (i < a.size() &&
         (a[i] == "-H" || a[i] == "-L" || a[i] == "-P" || a[i] == "-D" || a[i].starts_with("-O"))) {
    i += a[i] == "-D" ? 2 : 1;
  }
  std::vector<std::string_view> paths;
  while (i < a.size() && !a[i].starts_with("-") && a[i] != "(" && a[i] != "!" && a[i] != ")" &&
         a[i] != ",") {
    paths.push_back(a[i]);
    ++i;
  }
  if (paths.empty()) paths.push_back(".");
  bool deletes = false;
  bool filtered = false;
  std::string how;
  for (; i < a.size(); ++i) {
    const std::string_view tok = a[i];
    if (tok == "-delete") {
      deletes = true;
      how = "find -delete";
    } else if (tok == "-exec" || tok == "-execdir" || tok == "-ok" || tok == "-okdir") {
      if (i + 1 < a.size() && is_delete_program(a[i + 1])) {
        deletes = true;
        const auto slash = a[i + 1].rfind('/');
        how = "find " + std::string(tok) + " " +
              (slash == std::string::npos ? a[i + 1] : a[i + 1].substr(slash + 1));
      }
      while (i + 1 < a.size() && a[i + 1] != ";" && a[i + 1] != "+") ++i;  // the command
      ++i;
    } else if (tok.starts_with("-") && !is_unfiltering(tok)) {
      filtered = true;
    }
  }
  if (!deletes) return;
  recursive_delete(how, worst_target(in, paths), filtered, out);
}

// ---- shred, truncate ------------------------------------------------------------------------

constexpr std::array<FlagAlias, 5> kShredAliases = {
    {{'u', "remove"}, {'f', "force"}, {'z', "zero"}, {'n', "iterations"}, {'s', "size"}}};
constexpr std::array<std::string_view, 3> kShredValues = {"iterations", "size", "random-source"};
constexpr FlagSpec kShredSpec = FlagSpec()
                                    .with_short_with_value("ns")
                                    .with_long_with_value(kShredValues)
                                    .with_aliases(kShredAliases);

void score_shred(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kShredSpec);
  if (args.operands.empty()) return;
  bool device = false;
  for (auto op : args.operands) device = device || is_data_device(resolve(in, op));
  if (device) {
    add_finding(out, 95, C::kIrreversible, C::kAvailability, false,
                "shred overwrites a whole disk device; its data is gone for good");
    return;
  }
  const Target t = worst_target(in, args.operands);
  const bool temp = t.cls.kind == PathKind::kTemp;
  add_finding(out, temp ? 20 : 60, C::kIrreversible, false,
              "shred overwrites " + t.path + " so that no tool can recover it");
}

constexpr std::array<FlagAlias, 4> kTruncateAliases = {
    {{'s', "size"}, {'r', "reference"}, {'c', "no-create"}, {'o', "io-blocks"}}};
constexpr std::array<std::string_view, 2> kTruncateValues = {"size", "reference"};
constexpr FlagSpec kTruncateSpec = FlagSpec()
                                       .with_short_with_value("sr")
                                       .with_long_with_value(kTruncateValues)
                                       .with_aliases(kTruncateAliases);

void score_truncate(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kTruncateSpec);
  const auto size = args.value("size");
  if (args.operands.empty() || !size || size->empty()) return;
  // Only shrinking loses data: "0", "-N", "<N", "/N", "%N" (a grow is "+N" or a larger size
  // we cannot know; treat a plain size as a possible cut).
  if (size->front() == '+' || size->front() == '>') return;
  const Target t = worst_target(in, args.operands);
  const bool system = t.cls.kind == PathKind::kSystem;
  const bool temp = t.cls.kind == PathKind::kTemp || t.cls.kind == PathKind::kTempRoot;
  add_finding(out,
              system ? 60
              : temp ? 10
                     : 35,
              C::kIrreversible, false,
              "truncate -s " + std::string(*size) + " cuts " + t.path + "; the cut data is lost");
}

// ---- chmod ----------------------------------------------------------------------------------

constexpr std::array<FlagAlias, 4> kChmodAliases = {
    {{'R', "recursive"}, {'c', "changes"}, {'f', "silent"}, {'v', "verbose"}}};
constexpr std::array<std::string_view, 1> kChmodValues = {"reference"};
constexpr std::array<std::string_view, 3> kChmodLongs = {"quiet", "preserve-root",
                                                         "no-preserve-root"};
constexpr FlagSpec kChmodSpec = FlagSpec()
                                    .with_long_with_value(kChmodValues)
                                    .with_aliases(kChmodAliases)
                                    .with_long_flags(kChmodLongs);

// chmod reads "-w", "-x", "-rwx" as modes, not options.
bool is_dash_mode(std::string_view tok) {
  if (tok.size() < 2 || tok[0] != '-' || tok[1] == '-') return false;
  return tok.substr(1).find_first_not_of("rwxXstugoa=+-,01234567") == std::string_view::npos &&
         tok.substr(1).find_first_of("rwxXst01234567") != std::string_view::npos &&
         tok.find_first_of("Rcfv") == std::string_view::npos;
}

struct ModeRisk {
  bool world_writable = false;
  bool set_id = false;
};

ModeRisk mode_risk(std::string_view mode) {
  ModeRisk r;
  if (!mode.empty() && mode.find_first_not_of("01234567") == std::string_view::npos) {
    const int others = mode.back() - '0';
    r.world_writable = (others & 2) != 0;
    if (mode.size() >= 4) {
      const int special = mode[mode.size() - 4] - '0';
      r.set_id = (special & 6) != 0;
    }
    return r;
  }
  // Symbolic: clauses separated by ','; "who" letters, then operators with permissions.
  std::size_t pos = 0;
  while (pos <= mode.size()) {
    std::size_t end = mode.find(',', pos);
    if (end == std::string_view::npos) end = mode.size();
    const std::string_view clause = mode.substr(pos, end - pos);
    pos = end + 1;
    const auto op = clause.find_first_of("+-=");
    if (op == std::string_view::npos) continue;
    const std::string_view who = clause.substr(0, op);
    const bool all = who.empty() || who.find('a') != std::string_view::npos;
    const bool others = all || who.find('o') != std::string_view::npos;
    const bool ids = all || who.find_first_of("ug") != std::string_view::npos;
    // Each operator applies to the permission letters after it.
    char current = 0;
    for (std::size_t k = op; k < clause.size(); ++k) {
      const char c = clause[k];
      if (c == '+' || c == '-' || c == '=') {
        current = c;
      } else if (current != '-') {
        if (c == 'w' && others && !who.empty()) r.world_writable = true;
        if (c == 's' && ids) r.set_id = true;
      }
    }
  }
  return r;
}

void score_chmod(const ScoreInput& in, Findings& out) {
  std::string_view dash_mode;
  std::vector<std::string> rest;
  rest.reserve(in.args.size());
  for (const auto& a : in.args) {
    if (dash_mode.empty() && is_dash_mode(a)) {
      dash_mode = a;
    } else {
      rest.push_back(a);
    }
  }
  const ParsedArgs args = parse_args(rest, kChmodSpec);
  std::string_view mode = dash_mode;
  std::span<const std::string_view> targets(args.operands);
  if (mode.empty() && !args.value("reference")) {
    if (targets.empty()) return;
    mode = targets.front();
    targets = targets.subspan(1);
  }
  if (targets.empty()) return;
  const bool recursive = args.has('R', "recursive");
  const ModeRisk risk = mode_risk(mode);
  const Target t = worst_target(in, targets);
  const bool broad = t.cls.kind == PathKind::kPrecious || t.cls.kind == PathKind::kSystem;
  const std::string what = std::string(recursive ? "chmod -R " : "chmod ") + std::string(mode);
  if (risk.set_id) {
    add_finding(out, 65, C::kPrivilege, true,
                what + " sets the setuid/setgid bit on " + t.path +
                    ": it then runs with its owner's rights");
  }
  if (risk.world_writable) {
    const int score = recursive ? (broad ? 85 : 60) : (broad ? 60 : 30);
    add_finding(out, score, C::kPrivilege, !recursive,
                what + " makes " + t.path + (recursive ? " and everything below it" : "") +
                    " writable by every user");
  } else if (recursive && broad) {
    add_finding(out, 55, C::kAvailability, C::kBulk, false,
                what + " changes every mode below " + std::string(t.cls.label) + " " + t.path +
                    "; the old modes are lost");
  } else if (recursive && t.cls.kind == PathKind::kOther) {
    add_finding(out, 15, C::kBulk, false, what + " changes modes below " + t.path);
  }
}

// ---- chown, chgrp ---------------------------------------------------------------------------

constexpr std::array<FlagAlias, 4> kChownAliases = {
    {{'R', "recursive"}, {'c', "changes"}, {'f', "silent"}, {'v', "verbose"}}};
constexpr std::array<std::string_view, 2> kChownValues = {"reference", "from"};
constexpr std::array<std::string_view, 5> kChownLongs = {
    "quiet", "preserve-root", "no-preserve-root", "dereference", "no-dereference"};
constexpr FlagSpec kChownSpec = FlagSpec()
                                    .with_long_with_value(kChownValues)
                                    .with_aliases(kChownAliases)
                                    .with_long_flags(kChownLongs);

void score_chown(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kChownSpec);
  std::span<const std::string_view> targets(args.operands);
  std::string_view owner = "(reference)";
  if (!args.value("reference")) {
    if (targets.empty()) return;
    owner = targets.front();
    targets = targets.subspan(1);
  }
  if (targets.empty()) return;
  const bool recursive = args.has('R', "recursive");
  const Target t = worst_target(in, targets);
  const std::string what =
      std::string(in.name) + (recursive ? " -R " : " ") + std::string(owner) + " ";
  switch (t.cls.kind) {
    case PathKind::kPrecious:
    case PathKind::kSystem:
      if (recursive) {
        // The system or the root breaks; the workspace or home merely change hands.
        const bool system = t.cls.kind == PathKind::kSystem || t.path == "/";
        add_finding(out, system ? 85 : 60, C::kPrivilege, C::kAvailability, false,
                    what + "hands every file below " + std::string(t.cls.label) + " " + t.path +
                        " to a new owner; the old owners are lost");
      } else {
        add_finding(out, 50, C::kPrivilege, true,
                    what + "changes the owner of " + std::string(t.cls.label) + " " + t.path);
      }
      return;
    case PathKind::kOther:
      add_finding(out, recursive ? 55 : 15, C::kPrivilege, !recursive,
                  what + "changes the owner of " + t.path +
                      (recursive ? " and everything below it; the old owners are lost" : ""));
      return;
    case PathKind::kTemp:
    case PathKind::kTempRoot:
      add_finding(out, 10, C::kPrivilege, true, what + "changes owners under /tmp");
      return;
  }
}

// ---- mv -------------------------------------------------------------------------------------

constexpr std::array<FlagAlias, 7> kMvAliases = {{{'f', "force"},
                                                  {'t', "target-directory"},
                                                  {'T', "no-target-directory"},
                                                  {'n', "no-clobber"},
                                                  {'u', "update"},
                                                  {'v', "verbose"},
                                                  {'S', "suffix"}}};
constexpr std::array<std::string_view, 2> kMvValues = {"target-directory", "suffix"};
constexpr FlagSpec kMvSpec =
    FlagSpec().with_short_with_value("tS").with_long_with_value(kMvValues).with_aliases(kMvAliases);

// Files whose replacement hands over a login or a shell: ~/.ssh/authorized_keys, ~/.bashrc.
bool is_sensitive_dotfile(std::string_view path, std::string_view home) {
  static constexpr std::array<std::string_view, 8> kFiles = {
      "/.bashrc",     "/.profile",   "/.bash_profile", "/.zshrc", "/.ssh/authorized_keys",
      "/.ssh/config", "/.gitconfig", "/.bash_logout"};
  if (home.empty() || !path.starts_with(home)) return false;
  const std::string_view rest = path.substr(home.size());
  for (auto file : kFiles) {
    if (rest == file) return true;
  }
  return false;
}

void score_mv(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kMvSpec);
  std::span<const std::string_view> sources(args.operands);
  std::string_view dest_word;
  if (auto target = args.value("target-directory")) {
    dest_word = *target;
  } else {
    if (sources.size() < 2) return;
    dest_word = sources.back();
    sources = sources.subspan(0, sources.size() - 1);
  }
  if (sources.empty()) return;
  const Target from = worst_target(in, sources);
  if (from.cls.kind == PathKind::kPrecious || from.cls.kind == PathKind::kSystem) {
    add_finding(out, from.cls.kind == PathKind::kSystem ? 70 : 60, C::kAvailability, true,
                "mv moves " + std::string(from.cls.label) + " " + from.path +
                    " away; what relies on it stops working");
  }
  const std::string dest = resolve(in, dest_word);
  const PathClass to = classify_path(dest, in.context);
  if (to.kind == PathKind::kSystem && args.value("target-directory")) {
    add_finding(out, 50, C::kPrivilege, C::kAvailability, true,
                "mv puts files into the system directory " + dest);
  } else if (to.kind == PathKind::kSystem && dest.find('/', 1) != std::string::npos) {
    add_finding(out, 60, C::kIrreversible, C::kAvailability, false,
                "mv replaces " + dest + " in a system directory; the old file is lost");
  } else if (is_sensitive_dotfile(dest, in.context.home)) {
    add_finding(out, 55, C::kPrivilege, false,
                "mv replaces " + dest + ", which controls logins or every new shell");
  } else if (is_git_dir(dest)) {
    add_finding(out, 60, C::kIrreversible, false,
                "mv replaces the git repository " + dest + "; its history is lost");
  } else if (dest == "/dev/null") {
    add_finding(out, 50, C::kIrreversible, C::kAvailability, false,
                "mv onto /dev/null destroys the moved file and replaces the null device");
  } else if (is_temporary(to.kind) && !is_temporary(from.cls.kind)) {
    moved_into_temporary("mv", from, dest, out);
  }
}

// ---- tar --remove-files, zip -m ---------------------------------------------------------------

// What an archiver that deletes what it packs does to `packed`, given where the archive goes:
// into /dev/null, stdout or a temporary directory, the files are as good as deleted.
void packed_and_removed(std::string_view what, const Target& packed, std::string_view archive,
                        const ScoreInput& in, Findings& out) {
  const std::string where = archive.empty() || archive == "-" ? "" : resolve(in, archive);
  if (where == "/dev/null") {
    recursive_delete(std::string(what) + " into /dev/null", packed, false, out);
  } else if (where.empty()) {
    add_finding(out, 45, C::kIrreversible, false,
                std::string(what) + " deletes " + packed.path +
                    " after writing it to standard output, which may go nowhere");
  } else if (is_temporary(classify_path(where, in.context).kind)) {
    moved_into_temporary(what, packed, where, out);
  } else {
    add_finding(out, 15, C::kIrreversible, true,
                std::string(what) + " deletes " + packed.path + " once it is in " + where);
  }
}

constexpr std::array<FlagAlias, 2> kTarAliases = {{{'f', "file"}, {'C', "directory"}}};
constexpr std::array<std::string_view, 4> kTarValues = {"file", "directory", "exclude",
                                                        "files-from"};
constexpr std::array<std::string_view, 1> kTarLongs = {"remove-files"};
constexpr FlagSpec kTarSpec = FlagSpec()
                                  .with_short_with_value("fCTXbHKLNV")
                                  .with_long_with_value(kTarValues)
                                  .with_aliases(kTarAliases)
                                  .with_long_flags(kTarLongs);

void score_tar(const ScoreInput& in, Findings& out) {
  // tar's first word may be its options without a dash ("cf x.tar dir"): read as "-cf".
  std::vector<std::string> words(in.args.begin(), in.args.end());
  if (!words.empty() && !words[0].empty() && words[0][0] != '-') words[0].insert(0, "-");
  const ParsedArgs args = parse_args(words, kTarSpec);
  if (!args.has_long("remove-files") || args.operands.empty()) return;
  std::span<const std::string_view> packed(args.operands);
  packed_and_removed("tar --remove-files", worst_target(in, packed),
                     args.value("file").value_or(""), in, out);
}

constexpr std::array<FlagAlias, 3> kZipAliases = {
    {{'m', "move"}, {'r', "recurse-paths"}, {'q', "quiet"}}};
constexpr FlagSpec kZipSpec = FlagSpec().with_short_with_value("bntxi").with_aliases(kZipAliases);

void score_zip(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kZipSpec);
  if (!args.has('m', "move") || args.operands.size() < 2) return;
  std::span<const std::string_view> packed(args.operands);
  packed_and_removed("zip -m", worst_target(in, packed.subspan(1)), packed.front(), in, out);
}

}  // namespace

Scorer files_scorer(std::string_view name) {
  if (name == "rm") return score_rm;
  if (name == "rmdir") return score_rmdir;
  if (name == "unlink") return score_unlink;
  if (name == "find") return score_find;
  if (name == "shred") return score_shred;
  if (name == "truncate") return score_truncate;
  if (name == "chmod") return score_chmod;
  if (name == "chown" || name == "chgrp") return score_chown;
  if (name == "mv") return score_mv;
  if (name == "tar") return score_tar;
  if (name == "zip") return score_zip;
  return nullptr;
}

}  // namespace cordon::gate
