// Risk of system-wide commands: crontab -r, kill -9 -1, broad pkill/killall, shutdown and
// reboot, and package publishing (npm publish, cargo publish, twine upload, gem push...).
#include <array>

#include "gate/argv_flags.h"
#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

using C = RiskCategory;

// ---- crontab --------------------------------------------------------------------------------

void score_crontab(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, FlagSpec().with_short_with_value("uTc"));
  if (args.has_short('r')) {
    const bool asks = args.has_short('i');
    add_finding(out, asks ? 35 : 60, C::kIrreversible, false,
                "crontab -r deletes every cron job of the user; no copy is kept");
  } else if (!args.operands.empty() && !args.has_short('l') && !args.has_short('e')) {
    add_finding(out, 30, C::kIrreversible, false, "crontab FILE replaces the user's whole crontab");
  }
}

// ---- kill, pkill, killall -------------------------------------------------------------------

bool is_kill_signal(std::string_view sig) {
  return sig == "9" || iequals(sig, "KILL") || iequals(sig, "SIGKILL");
}

void score_kill(const ScoreInput& in, Findings& out) {
  // kill [-s SIG | -n NUM | -SIG | --signal SIG] [--] pid...; after the signal, "-1" is a pid.
  std::string_view signal = "TERM";
  bool signal_given = false;
  bool all = false;
  bool init = false;
  bool options = true;
  for (std::size_t i = 0; i < in.args.size(); ++i) {
    const std::string_view a = in.args[i];
    if (options && a == "--") {
      options = false;
    } else if (options && (a == "-s" || a == "-n" || a == "--signal") && i + 1 < in.args.size()) {
      signal = in.args[++i];
      signal_given = true;
    } else if (options && (a == "-l" || a == "-L" || a == "--list" || a == "--table")) {
      return;
    } else if (options && !signal_given && a.size() > 1 && a[0] == '-' && a != "-1") {
      signal = a.substr(1);
      signal_given = true;
    } else if (options && !signal_given && a == "-1" && i + 1 < in.args.size()) {
      signal = "1";  // `kill -1 PID` sends SIGHUP; a lone `kill -1` is the pid -1
      signal_given = true;
    } else {
      all = all || a == "-1";
      init = init || a == "1";
      if (!a.starts_with("-")) options = false;
    }
  }
  if (all) {
    const bool hard = is_kill_signal(signal);
    add_finding(out, hard ? 90 : 75, C::kAvailability, C::kBulk, false,
                std::string("kill -") + std::string(signal) +
                    " -1 signals every process the user may signal, the box's own included");
  } else if (init) {
    add_finding(out, 70, C::kAvailability, false,
                "kill 1 signals the box's init; the whole session ends");
  }
}

void score_pkill(const ScoreInput& in, Findings& out) {
  static constexpr std::array<FlagAlias, 4> kAliases = {
      {{'u', "euid"}, {'U', "uid"}, {'f', "full"}, {'s', "session"}}};
  static constexpr std::array<std::string_view, 10> kValues = {
      "euid", "uid", "signal", "group", "pgroup", "session", "terminal", "parent", "ns", "pidfile"};
  static constexpr FlagSpec kSpec = FlagSpec()
                                        .with_short_with_value("uUgGsStPF")
                                        .with_long_with_value(kValues)
                                        .with_aliases(kAliases);
  const ParsedArgs args = parse_args(in.args, kSpec);
  const std::string tool(in.name);
  if (in.name == "killall5") {
    add_finding(out, 90, C::kAvailability, C::kBulk, false,
                "killall5 signals every process outside the caller's session");
    return;
  }
  const bool by_user = args.value("euid") || args.value("uid") || args.has_long("user");
  if (args.operands.empty()) {
    if (by_user) {
      add_finding(out, 70, C::kAvailability, C::kBulk, false,
                  tool + " -u kills every process of the user, the agent and the box included");
    }
    return;
  }
  const std::string_view pattern = args.operands.front();
  if (pattern.empty() || pattern == "." || pattern == ".*" || pattern == "^" || pattern == "^.*" ||
      pattern == ".+") {
    add_finding(out, 70, C::kAvailability, C::kBulk, false,
                tool + " with the pattern '" + std::string(pattern) + "' matches every process");
  } else if (args.has('f', "full") && pattern.size() <= 2) {
    add_finding(out, 50, C::kAvailability, C::kBulk, false,
                tool + " -f '" + std::string(pattern) +
                    "' matches any process whose command line holds it");
  } else {
    add_finding(out, 20, C::kAvailability, true,
                tool + " kills every process named like '" + std::string(pattern) + "'");
  }
}

// ---- shutdown, reboot -----------------------------------------------------------------------

void power_finding(std::string_view what, Findings& out) {
  add_finding(out, 70, C::kAvailability, true,
              std::string(what) + " stops the machine, and every session on it");
}

void score_power(const ScoreInput& in, Findings& out) {
  if (in.name == "shutdown" && (has_any(in.args, {"-c", "--show"}))) return;
  if (has_any(in.args, {"--help", "-w", "--wtmp-only"})) {
    return;
  }
  power_finding(in.name, out);
}

void score_init(const ScoreInput& in, Findings& out) {
  if (in.args.size() == 1 && (in.args[0] == "0" || in.args[0] == "6")) {
    power_finding(std::string(in.name) + " " + in.args[0], out);
  }
}

void score_systemctl(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, FlagSpec().with_short_with_value("tpHMsno"));
  if (args.operands.empty()) return;
  const std::string_view verb = args.operands.front();
  if (verb == "poweroff" || verb == "reboot" || verb == "halt" || verb == "kexec" ||
      verb == "soft-reboot" || verb == "rescue" || verb == "emergency" ||
      (verb == "isolate" && args.operands.size() > 1 &&
       (args.operands[1].starts_with("rescue") || args.operands[1].starts_with("poweroff") ||
        args.operands[1].starts_with("reboot")))) {
    power_finding("systemctl " + std::string(verb), out);
  } else if (verb == "stop" || verb == "kill" || verb == "mask" || verb == "disable") {
    add_finding(out, 30, C::kAvailability, true,
                "systemctl " + std::string(verb) + " stops or disables a service");
  }
}

// ---- package publishing ---------------------------------------------------------------------

void publish_finding(std::string what, Findings& out,
                     std::string_view where = "a public registry") {
  add_finding(
      out, 65, C::kExfiltration, C::kIrreversible, false,
      what + " publishes to " + std::string(where) + "; a published version cannot be taken back");
}

void score_node_pm(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, FlagSpec{});
  if (args.operands.empty() || args.has_long("dry-run")) return;
  const std::string_view sub = args.operands.front();
  if (sub == "publish") {
    publish_finding(std::string(in.name) + " publish", out);
  } else if (sub == "unpublish") {
    add_finding(out, 65, C::kIrreversible, C::kAvailability, false,
                std::string(in.name) + " unpublish removes a released package others depend on");
  } else if (sub == "deprecate" || sub == "dist-tag") {
    add_finding(out, 30, C::kAvailability, true,
                std::string(in.name) + " " + std::string(sub) + " changes a published package");
  }
}

void score_cargo(const ScoreInput& in, Findings& out) {
  if (in.args.empty() || has_any(in.args, {"--dry-run", "-n"})) return;
  if (in.args[0] == "publish") publish_finding("cargo publish", out);
  if (in.args[0] == "yank") {
    add_finding(out, 40, C::kAvailability, true, "cargo yank withdraws a published version");
  }
}

void score_twine(const ScoreInput& in, Findings& out) {
  if (!in.args.empty() && in.args[0] == "upload") publish_finding("twine upload", out);
}

void score_gem(const ScoreInput& in, Findings& out) {
  if (in.args.empty()) return;
  if (in.args[0] == "push") publish_finding("gem push", out);
  if (in.args[0] == "yank") {
    add_finding(out, 40, C::kAvailability, true, "gem yank withdraws a published version");
  }
}

void score_poetry(const ScoreInput& in, Findings& out) {
  if (!in.args.empty() && in.args[0] == "publish" && !has_any(in.args, {"--dry-run"})) {
    publish_finding(std::string(in.name) + " publish", out);
  }
}

void score_build_tool(const ScoreInput& in, Findings& out) {
  for (const auto& a : in.args) {
    if (a == "deploy" || a == "release:perform" || a == "publish" ||
        (in.name != "mvn" && a.starts_with("publish") &&
         a.find("ToMavenLocal") == std::string::npos)) {
      publish_finding(std::string(in.name) + " " + a, out, "a remote artifact repository");
      return;
    }
  }
}

void score_gh(const ScoreInput& in, Findings& out) {
  static constexpr std::array<std::string_view, 3> kValues = {"repo", "visibility", "title"};
  static constexpr FlagSpec kSpec =
      FlagSpec().with_short_with_value("Rt").with_long_with_value(kValues);
  const ParsedArgs args = parse_args(in.args, kSpec);
  if (args.operands.size() < 2) return;
  const std::string_view group = args.operands[0];
  const std::string_view verb = args.operands[1];
  if (group == "release" && verb == "create") {
    add_finding(out, 55, C::kExfiltration, true,
                "gh release create publishes a release with its assets; it can be deleted later");
  } else if (group == "release" && verb == "delete") {
    add_finding(out, 45, C::kIrreversible, false, "gh release delete removes a published release");
  } else if (group == "repo" && verb == "delete") {
    add_finding(out, 90, C::kIrreversible, C::kBulk, false,
                "gh repo delete deletes the repository with its issues and history");
  } else if (group == "repo" && verb == "edit") {
    for (const auto& [name, value] : args.values) {
      if (name == "visibility" && value == "public") {
        add_finding(out, 70, C::kExfiltration, false,
                    "gh repo edit --visibility public makes the repository's code public");
      }
    }
  }
}

}  // namespace

Scorer system_scorer(std::string_view name) {
  if (name == "crontab") return score_crontab;
  if (name == "kill") return score_kill;
  if (name == "pkill" || name == "killall" || name == "killall5") return score_pkill;
  if (name == "shutdown" || name == "reboot" || name == "poweroff" || name == "halt") {
    return score_power;
  }
  if (name == "init" || name == "telinit") return score_init;
  if (name == "systemctl") return score_systemctl;
  if (name == "npm" || name == "yarn" || name == "pnpm") return score_node_pm;
  if (name == "cargo") return score_cargo;
  if (name == "twine") return score_twine;
  if (name == "gem") return score_gem;
  if (name == "poetry" || name == "flit" || name == "hatch") return score_poetry;
  if (name == "mvn" || name == "mvnw" || name == "gradle" || name == "gradlew") {
    return score_build_tool;
  }
  if (name == "gh") return score_gh;
  return nullptr;
}

}  // namespace cordon::gate
