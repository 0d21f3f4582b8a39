// Approval gate benchmark: one program start decided against a 200-rule policy (Google
// Benchmark). Goal: at most 20 us per decision (bench/README.md).
//
// The policy is a realistic mix: program-only rules, argv-prefix rules with "**", any_arg rules,
// path rules and cwd rules, over 40 program names. Two starts: one that no rule matches (every
// rule is tried and fails), and one that only the last rule matches.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gate/gate.h"

namespace {

using cordon::gate::Action;
using cordon::gate::Gate;
using cordon::gate::GateConfig;
using cordon::gate::ProgramStart;
using cordon::gate::RuleSpec;

const char* const kPrograms[] = {
    "git",   "npm",   "pip",    "cargo",  "make",  "docker", "kubectl", "terraform", "aws",
    "gcloud", "curl", "wget",   "ssh",    "scp",   "rsync",  "psql",    "mysql",     "redis-cli",
    "rm",    "mv",    "cp",     "chmod",  "chown", "tar",    "zip",     "unzip",     "python3*",
    "node",  "deno",  "go",     "rustc",  "gcc",   "ld",     "helm",    "ansible*",  "vault",
    "gh",    "yarn",  "pnpm",   "bazel"};
constexpr size_t kProgramCount = sizeof(kPrograms) / sizeof(kPrograms[0]);

GateConfig policy() {
  GateConfig config;
  config.context = {"/work/proj", "/home/u"};
  config.ask_at = cordon::gate::AskAt::kCritical;
  for (int i = 0; i < 199; ++i) {
    RuleSpec r;
    r.name = "rule-" + std::to_string(i);
    r.program = {kPrograms[i % kProgramCount]};
    r.action = i % 3 == 0 ? Action::kDeny : Action::kAsk;
    switch (i % 5) {
      case 0:  // program only, by path
        r.program = {std::string("/opt/tools/") + kPrograms[i % kProgramCount]};
        break;
      case 1:  // argv prefix with a run
        r.args = {"deploy-" + std::to_string(i), "**", "--force*"};
        break;
      case 2:  // any argument
        r.any_arg = {"--token=*", "--password*", "-p" + std::to_string(i)};
        break;
      case 3:  // paths
        r.paths = {"secrets/**", "/etc/shadow*", "~/.config/app" + std::to_string(i) + "/*"};
        break;
      case 4:  // cwd and args
        r.cwd = "/srv/**";
        r.args = {"run", "*prod*"};
        break;
    }
    config.rules.push_back(std::move(r));
  }
  RuleSpec last;
  last.name = "late-rule";
  last.program = {"git"};
  last.args = {"push", "**", "--force"};
  last.action = Action::kDeny;
  config.rules.push_back(std::move(last));
  return config;
}

const Gate& gate() {
  static const Gate g = [] {
    auto compiled = Gate::compile(policy());
    if (!compiled.ok()) {
      std::fprintf(stderr, "policy: %s\n", compiled.error().message().c_str());
      std::abort();
    }
    return std::move(compiled).value();
  }();
  return g;
}

void decide(benchmark::State& state, const ProgramStart& start, size_t want_matches) {
  const Gate& g = gate();
  if (g.decide(start).matched_rules.size() != want_matches) {
    state.SkipWithError("the start matched an unexpected number of rules");
    return;
  }
  for (auto _ : state) {
    auto d = g.decide(start);
    benchmark::DoNotOptimize(d);
  }
}

void BM_DecideMatchingNone(benchmark::State& state) {
  const ProgramStart start{"/usr/bin/git", {"git", "commit", "-m", "fix the parser", "src/a.cpp"},
                           "/work/proj"};
  decide(state, start, 0);
}
BENCHMARK(BM_DecideMatchingNone);

void BM_DecideMatchingLateRule(benchmark::State& state) {
  const ProgramStart start{"/usr/bin/git", {"git", "push", "origin", "main", "--force"},
                           "/work/proj"};
  decide(state, start, 1);
}
BENCHMARK(BM_DecideMatchingLateRule);

}  // namespace

BENCHMARK_MAIN();
