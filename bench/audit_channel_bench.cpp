// The audit channel's cost per event (Google Benchmark): what cordon spends turning an event
// into its frame's payload, and what the audit writer spends turning a payload into the row it
// stores (reading, redacting, the row's JSON body), for the two events that come by the
// thousand: a proxy's network decision and a gated program start.
//
// Side by side with the straightforward way with the same library: each event built as an
// nlohmann JSON tree and encoded with to_msgpack, read back with from_msgpack into a tree, and
// the row's body built as a tree and printed with dump(), which is how cordon did it until
// 2026-11-25. Both ways give the same payload fields and byte-identical rows (the unit tests).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit/encode.h"
#include "audit/event_wire.h"

namespace {

namespace audit = cordon::audit;
namespace events = cordon::events;
using nlohmann::json;

events::Event network_decision() {
  return events::NetworkDecision{"3f9c0a7e5b1d2c48",
                                 "api.example.com",
                                 443,
                                 "http",
                                 "192.0.2.10",
                                 events::Decision::kAllow,
                                 "api.example.com",
                                 "allowed by rule",
                                 812,
                                 20480,
                                 ""};
}

events::Event program_start() {
  return events::ProgramStarted{"3f9c0a7e5b1d2c48",
                                {"git", "commit", "-m", "fix the parser's bounds check"},
                                "/usr/bin/git",
                                events::Decision::kAllow,
                                "",
                                "read-only or low risk"};
}

// The session's literal secrets: a few credential-looking values from the host's environment.
const audit::Redactor& redactor() {
  static const audit::Redactor r({"ghp_0123456789abcdefghijklmnopqrstuvwxyz",
                                  "AKIAIOSFODNN7EXAMPLE", "s3cr3t-database-password"});
  return r;
}

// --- The JSON-tree way, for comparison --------------------------------------------------------

json tree_of(const events::Event& event) {
  if (const auto* e = std::get_if<events::NetworkDecision>(&event)) {
    return {{"type", "network.decision"},
            {"session", e->session_id},
            {"host", e->host},
            {"port", e->port},
            {"protocol", e->protocol},
            {"address", e->address},
            {"decision", static_cast<int>(e->decision)},
            {"rule", e->rule},
            {"reason", e->reason},
            {"bytes_up", e->bytes_up},
            {"bytes_down", e->bytes_down},
            {"client", e->client}};
  }
  const auto& e = std::get<events::ProgramStarted>(event);
  return {{"type", "program.start"},
          {"session", e.session_id},
          {"argv", e.argv},
          {"path", e.path},
          {"decision", static_cast<int>(e.decision)},
          {"rule", e.rule},
          {"reason", e.reason}};
}

std::string tree_payload(const events::Event& event) {
  std::string out;
  json::to_msgpack(tree_of(event), out);
  return out;
}

audit::PendingEvent tree_row(const std::string& payload) {
  const json j = json::from_msgpack(payload.begin(), payload.end(), true, false);
  const auto r = [](const std::string& s) { return redactor().redact(s); };
  audit::PendingEvent p;
  p.session = j.value("session", "");
  json body;
  if (j.value("type", "") == "network.decision") {
    p.kind = "network.decision";
    body = {{"host", r(j.value("host", ""))},
            {"port", j.value("port", uint16_t{0})},
            {"protocol", j.value("protocol", "")},
            {"address", j.value("address", "")},
            {"rule", r(j.value("rule", ""))},
            {"reason", r(j.value("reason", ""))},
            {"bytes_up", j.value("bytes_up", uint64_t{0})},
            {"bytes_down", j.value("bytes_down", uint64_t{0})},
            {"client", r(j.value("client", ""))}};
  } else {
    p.kind = "program.start";
    json argv = json::array();
    for (const auto& a : j.value("argv", std::vector<std::string>{})) argv.push_back(r(a));
    body = {{"argv", argv},
            {"path", r(j.value("path", ""))},
            {"rule", r(j.value("rule", ""))},
            {"reason", r(j.value("reason", ""))}};
  }
  p.decision = audit::decision_name(static_cast<events::Decision>(j.value("decision", 1)));
  p.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return p;
}

// --- cordon's way -----------------------------------------------------------------------------

audit::PendingEvent cordon_row(const std::string& payload) {
  auto event = audit::event_from_wire(payload);
  if (!event.ok()) std::abort();
  return audit::encode_event(*event, redactor(), {});
}

// --- The benchmarks: range(0) picks the event (0: network decision, 1: program start) ---------

events::Event event_for(const benchmark::State& state) {
  return state.range(0) == 0 ? network_decision() : program_start();
}

void BM_PayloadCordon(benchmark::State& state) {
  const events::Event event = event_for(state);
  for (auto _ : state) benchmark::DoNotOptimize(audit::event_to_wire(event));
}
void BM_PayloadJsonTree(benchmark::State& state) {
  const events::Event event = event_for(state);
  for (auto _ : state) benchmark::DoNotOptimize(tree_payload(event));
}
void BM_RowCordon(benchmark::State& state) {
  const std::string payload = audit::event_to_wire(event_for(state));
  if (cordon_row(payload).body != tree_row(tree_payload(event_for(state))).body) std::abort();
  for (auto _ : state) benchmark::DoNotOptimize(cordon_row(payload));
}
void BM_RowJsonTree(benchmark::State& state) {
  const std::string payload = tree_payload(event_for(state));
  for (auto _ : state) benchmark::DoNotOptimize(tree_row(payload));
}
// What redaction alone costs of a row, on either way.
void BM_RedactionOnly(benchmark::State& state) {
  const events::Event event = event_for(state);
  for (auto _ : state) {
    if (const auto* e = std::get_if<events::NetworkDecision>(&event)) {
      for (const std::string* s : {&e->host, &e->rule, &e->reason, &e->client})
        benchmark::DoNotOptimize(redactor().redact(*s));
    } else {
      const auto& p = std::get<events::ProgramStarted>(event);
      for (const auto& a : p.argv) benchmark::DoNotOptimize(redactor().redact(a));
      for (const std::string* s : {&p.path, &p.rule, &p.reason})
        benchmark::DoNotOptimize(redactor().redact(*s));
    }
  }
}

BENCHMARK(BM_PayloadCordon)->Arg(0)->Arg(1);
BENCHMARK(BM_PayloadJsonTree)->Arg(0)->Arg(1);
BENCHMARK(BM_RowCordon)->Arg(0)->Arg(1);
BENCHMARK(BM_RowJsonTree)->Arg(0)->Arg(1);
BENCHMARK(BM_RedactionOnly)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
