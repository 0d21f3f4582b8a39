// How `cordon audit` shows rows: one-line human summaries, tables, and JSON objects.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit/query.h"
#include "audit/record.h"
#include "audit/verify.h"

namespace cordon::cli {

// "2026-11-22 15:50:01.123" in local time.
std::string format_time(int64_t time_us);
// One line for a row's body, by kind: "exit 0 after 1.2s", "deny api.example.com:443 (...)".
std::string describe_event(const audit::Record& record);
// A row as a JSON object; with `chain`, its hashes too (export).
nlohmann::json event_json(const audit::Record& record, bool chain);

std::string render_sessions_table(const std::vector<audit::SessionRow>& sessions);
nlohmann::json sessions_json(const std::vector<audit::SessionRow>& sessions);
// "#12  2026-11-22 15:50:01.123  01bf1f9b  network.decision  deny  api.example.com:443 ..."
std::string render_event_line(const audit::Record& record);
// The session's timeline: time since its start, kind, summary.
std::string render_timeline(const std::vector<audit::Record>& records);
std::string render_verify_report(const audit::VerifyReport& report, const std::string& store);

}  // namespace cordon::cli
