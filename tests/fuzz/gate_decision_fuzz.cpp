// Fuzzes the approval gate's decision on a program start: the box chooses the argv of every
// program it starts, so the scorer and the rules must hold for any argv, and a profile that
// asks at a lower level must never decide more leniently than one that asks at a higher one.
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "gate/gate.h"
#include "gate/risk.h"

namespace {

namespace gate = cordon::gate;

// Programs the scorer and the read-only list know, and one they do not. make_seeds.py indexes
// this list: keep the two in the same order.
constexpr const char* kPrograms[] = {
    "rm",        "git",     "find", "dd",          "mkfs.ext4", "wipefs", "chmod",  "chown",
    "sh",        "bash",    "env",  "xargs",       "timeout",   "psql",   "mysql",  "sqlite3",
    "terraform", "kubectl", "helm", "aws",         "gcloud",    "az",     "docker", "npm",
    "cargo",     "crontab", "kill", "shutdown",    "reboot",    "sed",    "sort",   "curl",
    "ls",        "cat",     "make", "unknown-tool"};

// From the most lenient to the strictest: production (kEverything) asks at medium risk and for
// every program off the read-only list; asking at low asks for every start.
constexpr gate::AskAt kThresholds[] = {gate::AskAt::kCritical, gate::AskAt::kHigh,
                                       gate::AskAt::kMedium, gate::AskAt::kEverything,
                                       gate::AskAt::kLow};

const gate::RiskContext kContext{"/work/proj", "/home/user"};

const std::vector<gate::Gate>& gates() {
  static const std::vector<gate::Gate> all = [] {
    std::vector<gate::Gate> out;
    for (const auto threshold : kThresholds) {
      gate::GateConfig config;
      config.ask_at = threshold;
      config.context = kContext;
      auto compiled = gate::Gate::compile(std::move(config));
      FUZZ_CHECK(compiled.ok());
      out.push_back(std::move(compiled).value());
    }
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::fuzz::InputReader in(data, size);
  const std::string program = kPrograms[in.byte() % std::size(kPrograms)];
  gate::ProgramStart start;
  start.executable = "/usr/bin/" + program;
  start.cwd = (in.byte() & 1) != 0 ? "/work/proj" : "/tmp";
  start.argv.push_back(program);
  for (auto& arg : in.pieces(64)) start.argv.push_back(std::move(arg));

  const auto risk = gate::assess_risk(start, kContext);
  FUZZ_CHECK(risk.score >= 0 && risk.score <= 100);
  FUZZ_CHECK(risk.level == gate::level_for_score(risk.score));

  // Stricter thresholds ask at least as much.
  gate::Action previous = gate::Action::kAllow;
  for (const auto& g : gates()) {
    const auto decision = g.decide(start);
    FUZZ_CHECK(decision.action >= previous);
    FUZZ_CHECK(!decision.rule.empty() && !decision.reason.empty());
    previous = decision.action;
  }
  return 0;
}
