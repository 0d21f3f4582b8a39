// The report of `cordon verify`: the probe's findings, parsed, combined and rendered.
#pragma once

#include <string>
#include <vector>

namespace cordon::verify {

// One row of the report: an attack on one wall and what happened.
struct Finding {
  std::string wall;      // filesystem, isolation, resources, network, lifecycle, probe
  std::string attack;    // "write /etc/<name>"
  std::string expected;  // "EROFS or EACCES"
  std::string got;       // what happened: an errno name, a value, "succeeded"
  bool pass = false;
  bool operator==(const Finding&) const = default;
};

// The walls every probe run must report on; a run that says nothing about one of them fails.
inline const std::vector<std::string>& required_walls() {
  static const std::vector<std::string> walls = {"filesystem", "isolation", "resources", "network",
                                                 "lifecycle"};
  return walls;
}

// Parses the probe's stdout: one JSON finding per line, then {"done":true,"count":N}.
// Never trusts a broken run: a malformed line, a missing field, a missing or disagreeing done
// line, output after the done line, or a wall with no finding each add a FAIL row (wall "probe").
std::vector<Finding> parse_probe_output(const std::string& jsonl);

struct Summary {
  size_t total = 0;
  size_t passed = 0;
  size_t failed = 0;
};
Summary summarize(const std::vector<Finding>& findings);

// Aligned columns WALL ATTACK EXPECTED GOT RESULT, long cells cut with "...", then a final line
// "N attacks, M passed, K failed".
std::string render_table(const std::vector<Finding>& findings);

// {"findings":[{wall,attack,expected,got,pass}...],"summary":{"total","passed","failed"}}
std::string render_json(const std::vector<Finding>& findings);

}  // namespace cordon::verify
