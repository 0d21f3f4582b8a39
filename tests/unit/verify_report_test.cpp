// Unit tests for the verify report: parsing the probe's JSON lines and rendering the table.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "verify/report.h"

namespace cordon::verify {
namespace {

std::string row(const std::string& wall, bool pass, const std::string& attack = "attack") {
  return nlohmann::json{{"wall", wall},
                        {"attack", attack},
                        {"expected", "EPERM"},
                        {"got", pass ? "EPERM" : "succeeded"},
                        {"pass", pass}}
             .dump() +
         "\n";
}

// One passing row per required wall, then a done line.
std::string complete_run() {
  std::string out;
  for (const auto& wall : required_walls()) out += row(wall, true);
  return out + "{\"done\":true,\"count\":" + std::to_string(required_walls().size()) + "}\n";
}

size_t failures(const std::vector<Finding>& findings) {
  return summarize(findings).failed;
}

TEST(VerifyReport, ParsesACompleteRun) {
  auto findings = parse_probe_output(complete_run());
  ASSERT_EQ(findings.size(), required_walls().size());
  EXPECT_EQ(failures(findings), 0u);
  EXPECT_EQ(findings[0], (Finding{"filesystem", "attack", "EPERM", "EPERM", true}));
}

TEST(VerifyReport, KeepsTheProbesFailures) {
  std::string out = row("isolation", false, "mount");
  for (const auto& wall : required_walls()) out += row(wall, true);
  out += "{\"done\":true,\"count\":6}\n";
  auto findings = parse_probe_output(out);
  ASSERT_EQ(findings.size(), 6u);
  EXPECT_EQ(failures(findings), 1u);
  EXPECT_EQ(findings[0].attack, "mount");
  EXPECT_FALSE(findings[0].pass);
}

TEST(VerifyReport, EmptyOutputIsAFailure) {
  auto findings = parse_probe_output("");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_FALSE(findings[0].pass);
  EXPECT_EQ(findings[0].wall, "probe");
  EXPECT_NE(findings[0].got.find("no output"), std::string::npos);
}

TEST(VerifyReport, MissingDoneLineIsAFailure) {
  std::string out;
  for (const auto& wall : required_walls()) out += row(wall, true);
  auto findings = parse_probe_output(out);  // the probe crashed before its last line
  EXPECT_EQ(failures(findings), 1u);
  EXPECT_EQ(findings.back().wall, "probe");
  EXPECT_NE(findings.back().got.find("crashed"), std::string::npos);
}

TEST(VerifyReport, DisagreeingCountIsAFailure) {
  std::string out;
  for (const auto& wall : required_walls()) out += row(wall, true);
  out += "{\"done\":true,\"count\":99}\n";
  auto findings = parse_probe_output(out);
  EXPECT_EQ(failures(findings), 1u);
  EXPECT_EQ(findings.back().expected, "99 findings (its done line)");
}

TEST(VerifyReport, GarbageLinesAreFailuresNotSkipped) {
  std::string out = "Segmentation fault\n{\"wall\":\"isolation\",\n" + complete_run();
  auto findings = parse_probe_output(out);
  EXPECT_EQ(failures(findings), 2u);
  EXPECT_EQ(findings[0].wall, "probe");
  EXPECT_NE(findings[0].got.find("Segmentation fault"), std::string::npos);
  EXPECT_EQ(findings[1].attack, "output line 2");
}

TEST(VerifyReport, MissingOrMistypedFieldsAreFailures) {
  std::string out =
      "{\"wall\":\"network\",\"attack\":\"connect\",\"expected\":\"ENETUNREACH\","
      "\"got\":\"ENETUNREACH\"}\n"  // no pass
      "{\"wall\":\"network\",\"attack\":\"udp\",\"expected\":\"x\",\"got\":\"x\","
      "\"pass\":\"true\"}\n"  // pass is a string
      "{\"pass\":true}\n";    // nothing but pass
  for (const auto& wall : required_walls()) out += row(wall, true);
  out += "{\"done\":true,\"count\":8}\n";
  auto findings = parse_probe_output(out);
  ASSERT_EQ(findings.size(), 8u);
  EXPECT_EQ(failures(findings), 3u);
  EXPECT_EQ(findings[0].attack, "connect");
  EXPECT_NE(findings[0].got.find("pass"), std::string::npos);
  EXPECT_FALSE(findings[1].pass);
  EXPECT_EQ(findings[2].wall, "probe");
  EXPECT_EQ(findings[2].attack, "output line 3");
  EXPECT_NE(findings[2].got.find("wall"), std::string::npos);
}

TEST(VerifyReport, OutputAfterDoneIsAFailure) {
  auto findings = parse_probe_output(complete_run() + row("isolation", true));
  EXPECT_EQ(failures(findings), 1u);
  EXPECT_EQ(findings.back().expected, "nothing after the done line");
}

TEST(VerifyReport, AWallWithoutFindingsIsAFailure) {
  std::string out = row("filesystem", true) + "{\"done\":true,\"count\":1}\n";
  auto findings = parse_probe_output(out);
  EXPECT_EQ(failures(findings), required_walls().size() - 1);
}

TEST(VerifyReport, MalformedDoneLineIsAFailure) {
  std::string out;
  for (const auto& wall : required_walls()) out += row(wall, true);
  out += "{\"done\":true}\n";
  EXPECT_EQ(failures(parse_probe_output(out)), 1u);
}

TEST(VerifyReport, BlankLinesAndCarriageReturnsAreIgnored) {
  std::string out = "\n\r\n" + complete_run() + "\n";
  EXPECT_EQ(failures(parse_probe_output(out)), 0u);
}

TEST(VerifyTable, AlignsColumnsAndSummarises) {
  std::vector<Finding> findings = {
      {"filesystem", "write /etc", "EROFS", "EROFS", true},
      {"isolation", "mount", "EPERM", "succeeded (rc 0)", false},
  };
  std::string table = render_table(findings);
  std::vector<std::string> lines;
  for (size_t pos = 0, end; (end = table.find('\n', pos)) != std::string::npos; pos = end + 1) {
    lines.push_back(table.substr(pos, end - pos));
  }
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].rfind("WALL", 0), 0u);
  // Every column starts at the same offset on every row.
  size_t attack = lines[0].find("ATTACK"), result = lines[0].find("RESULT");
  EXPECT_EQ(lines[1].find("write /etc"), attack);
  EXPECT_EQ(lines[2].find("mount"), attack);
  EXPECT_EQ(lines[1].find("PASS"), result);
  EXPECT_EQ(lines[2].find("FAIL"), result);
  EXPECT_EQ(lines[3], "2 attacks, 1 passed, 1 failed");
}

TEST(VerifyTable, CutsLongCells) {
  std::vector<Finding> findings = {{"network", std::string(200, 'a'), "x", "y", true}};
  std::string table = render_table(findings);
  EXPECT_NE(table.find("..."), std::string::npos);
  EXPECT_EQ(table.find(std::string(100, 'a')), std::string::npos);
  EXPECT_NE(table.find("1 attacks, 1 passed, 0 failed"), std::string::npos);
}

TEST(VerifyTable, EmptyReport) {
  EXPECT_EQ(render_table({}).substr(render_table({}).find('\n') + 1),
            "0 attacks, 0 passed, 0 failed\n");
}

TEST(VerifyJson, CarriesEveryFieldAndTheSummary) {
  std::vector<Finding> findings = {{"isolation", "mount", "EPERM", "EPERM", true},
                                   {"network", "tcp", "ENETUNREACH", "connected", false}};
  auto doc = nlohmann::json::parse(render_json(findings));
  ASSERT_EQ(doc["findings"].size(), 2u);
  EXPECT_EQ(doc["findings"][1]["got"], "connected");
  EXPECT_EQ(doc["findings"][1]["pass"], false);
  EXPECT_EQ(doc["summary"]["total"], 2);
  EXPECT_EQ(doc["summary"]["passed"], 1);
  EXPECT_EQ(doc["summary"]["failed"], 1);
}

TEST(VerifyJson, SurvivesInvalidUtf8FromTheProbe) {
  std::vector<Finding> findings = {{"filesystem", "list", "x", "bad \xff name", false}};
  EXPECT_NO_FATAL_FAILURE(nlohmann::json::parse(render_json(findings)));
}

}  // namespace
}  // namespace cordon::verify
