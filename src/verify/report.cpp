// Parsing the probe's JSON lines and rendering the verify report.
#include "verify/report.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

namespace cordon::verify {
namespace {

using nlohmann::json;

Finding probe_failure(std::string attack, std::string expected, std::string got) {
  return Finding{"probe", std::move(attack), std::move(expected), std::move(got), false};
}

std::string excerpt(const std::string& line) {
  constexpr size_t kMax = 60;
  return line.size() <= kMax ? line : line.substr(0, kMax) + "...";
}

// A string field; nullopt when it is absent or not a string.
std::optional<std::string> string_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// Turns one parsed finding object into a Finding; a missing or mistyped field is a FAIL row
// that keeps whatever the probe did say.
Finding to_finding(const json& j, size_t line_no) {
  Finding f;
  std::vector<std::string> missing;
  auto take = [&](const char* key, std::string& out) {
    if (auto v = string_field(j, key)) {
      out = *v;
    } else {
      missing.push_back(key);
    }
  };
  take("wall", f.wall);
  take("attack", f.attack);
  take("expected", f.expected);
  take("got", f.got);
  auto pass = j.find("pass");
  if (pass == j.end() || !pass->is_boolean()) {
    missing.push_back("pass");
  } else {
    f.pass = pass->get<bool>();
  }
  if (missing.empty()) return f;

  std::string names;
  for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
  if (f.wall.empty()) f.wall = "probe";
  if (f.attack.empty()) f.attack = "output line " + std::to_string(line_no);
  f.expected = f.expected.empty() ? "a complete finding" : f.expected;
  f.got = "missing or mistyped field(s): " + names + (f.got.empty() ? "" : "; got " + f.got);
  f.pass = false;
  return f;
}

}  // namespace

std::vector<Finding> parse_probe_output(const std::string& jsonl) {
  std::vector<Finding> out;
  std::optional<int64_t> done_count;
  size_t findings = 0;
  bool late_output = false;
  size_t line_no = 0;

  size_t pos = 0;
  while (pos < jsonl.size()) {
    size_t end = jsonl.find('\n', pos);
    if (end == std::string::npos) end = jsonl.size();
    std::string line = jsonl.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;

    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      out.push_back(probe_failure("output line " + std::to_string(line_no), "a JSON object",
                                  "malformed: " + excerpt(line)));
      continue;
    }
    if (done_count) {
      late_output = true;
      continue;
    }
    if (j.contains("done")) {
      auto count = j.find("count");
      if (j["done"] != true || count == j.end() || !count->is_number_integer()) {
        out.push_back(probe_failure("output line " + std::to_string(line_no),
                                    "{\"done\":true,\"count\":N}", "malformed: " + excerpt(line)));
        done_count = -1;
      } else {
        done_count = count->get<int64_t>();
      }
      continue;
    }
    out.push_back(to_finding(j, line_no));
    ++findings;
  }

  if (!done_count) {
    out.push_back(probe_failure("probe ran to the end", "a final done line",
                                findings == 0 ? "no output (the probe did not run or crashed)"
                                              : "missing after " + std::to_string(findings) +
                                                    " findings (the probe crashed or was killed)"));
  } else if (*done_count >= 0 && static_cast<size_t>(*done_count) != findings) {
    out.push_back(probe_failure("probe ran to the end",
                                std::to_string(*done_count) + " findings (its done line)",
                                std::to_string(findings) + " findings"));
  }
  if (late_output) {
    out.push_back(probe_failure("probe ran to the end", "nothing after the done line",
                                "more output after the done line"));
  }
  if (findings > 0) {
    std::set<std::string> seen;
    for (const auto& f : out) seen.insert(f.wall);
    for (const auto& wall : required_walls()) {
      if (!seen.count(wall)) {
        out.push_back(
            probe_failure("report on the " + wall + " wall", "at least one finding", "none"));
      }
    }
  }
  return out;
}

Summary summarize(const std::vector<Finding>& findings) {
  Summary s;
  s.total = findings.size();
  s.passed = static_cast<size_t>(
      std::count_if(findings.begin(), findings.end(), [](const Finding& f) { return f.pass; }));
  s.failed = s.total - s.passed;
  return s;
}

std::string render_table(const std::vector<Finding>& findings) {
  // Caps keep one long errno description from pushing the RESULT column off the screen; the
  // JSON report has the full text.
  static constexpr size_t kCaps[] = {12, 56, 36, 48, 6};
  static const char* kHeaders[] = {"WALL", "ATTACK", "EXPECTED", "GOT", "RESULT"};
  constexpr size_t kColumns = 5;

  auto cells = [](const Finding& f) {
    return std::vector<std::string>{f.wall, f.attack, f.expected, f.got, f.pass ? "PASS" : "FAIL"};
  };
  auto cut = [](std::string s, size_t cap) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    if (s.size() > cap) s = s.substr(0, cap - 3) + "...";
    return s;
  };

  size_t width[kColumns];
  for (size_t c = 0; c < kColumns; ++c) width[c] = std::string(kHeaders[c]).size();
  for (const auto& f : findings) {
    auto row = cells(f);
    for (size_t c = 0; c < kColumns; ++c) {
      width[c] = std::max(width[c], std::min(row[c].size(), kCaps[c]));
    }
  }

  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < kColumns; ++c) {
      std::string cell = cut(row[c], kCaps[c]);
      line += cell;
      if (c + 1 < kColumns) line += std::string(width[c] - cell.size() + 2, ' ');
    }
    out += line + "\n";
  };
  emit({kHeaders, kHeaders + kColumns});
  for (const auto& f : findings) emit(cells(f));

  Summary s = summarize(findings);
  out += std::to_string(s.total) + " attacks, " + std::to_string(s.passed) + " passed, " +
         std::to_string(s.failed) + " failed\n";
  return out;
}

std::string render_json(const std::vector<Finding>& findings) {
  json rows = json::array();
  for (const auto& f : findings) {
    rows.push_back({{"wall", f.wall},
                    {"attack", f.attack},
                    {"expected", f.expected},
                    {"got", f.got},
                    {"pass", f.pass}});
  }
  Summary s = summarize(findings);
  json doc = {{"findings", rows},
              {"summary", {{"total", s.total}, {"passed", s.passed}, {"failed", s.failed}}}};
  // Probe output is not trusted to be valid UTF-8; replace rather than throw.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace cordon::verify
