// The text of an audit row's body, written without a JSON tree: the same bytes nlohmann's dump()
// prints for the same value, so rows are what they were when bodies were JSON trees.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "audit/encode.h"
#include "audit/json_text.h"

namespace cordon::audit {
namespace {

using nlohmann::json;

std::string library_dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ours(std::string_view bytes) {
  std::string out;
  append_json_string(out, bytes);
  return out;
}

TEST(AuditJsonText, StringsAreEscapedAsTheLibraryEscapesThem) {
  for (const std::string& s : {std::string(""), std::string("plain"), std::string("q\"b\\s/"),
                               std::string("\b\f\n\r\t\x01\x1f\x7f", 8), std::string("nul\0in", 6),
                               std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")}) {
    EXPECT_EQ(ours(s), library_dump(s)) << s;
  }
}

// Every way UTF-8 breaks: a lone continuation, an overlong form, a surrogate, a code point above
// U+10FFFF, a byte that starts nothing, a sequence cut by the next one or by the text's end.
TEST(AuditJsonText, InvalidUtf8IsReplacedAsTheLibraryReplacesIt) {
  for (const std::string& s :
       {std::string("\x80"), std::string("a\xbf"), std::string("\xc0\xaf"), std::string("\xc1\x81"),
        std::string("\xe0\x80\xaf"), std::string("\xe0\x9f\x80"), std::string("\xed\xa0\x80"),
        std::string("\xed\x9f\xbf"), std::string("\xf0\x8f\xbf\xbf"),
        std::string("\xf4\x90\x80\x80"), std::string("\xf5\x80\x80\x80"), std::string("\xff"),
        std::string("\xe2\x82"), std::string("\xf0\x9f\x98"), std::string("\xe2\x28\xa1"),
        std::string("\xf0\x9f\xe2\x82\xac"), std::string("caf\xe9!")}) {
    EXPECT_EQ(ours(s), library_dump(s)) << testing::PrintToString(s);
  }
}

// 300,000 strings drawn from the bytes where UTF-8 and JSON escaping have their edges.
TEST(AuditJsonText, GeneratedStringsAreWhatTheLibraryPrints) {
  static constexpr uint8_t kEdges[] = {'a',  ' ',  '"',  '\\', '/',  0x00, 0x08, 0x0a,
                                       0x1f, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                       0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed,
                                       0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};
  std::mt19937 random(20261125);
  std::uniform_int_distribution<size_t> length(0, 10), pick(0, sizeof kEdges - 1);
  std::uniform_int_distribution<int> any(0, 255), coin(0, 3);
  for (int round = 0; round < 300'000; ++round) {
    std::string s(length(random), '\0');
    for (char& c : s) c = static_cast<char>(coin(random) == 0 ? any(random) : kEdges[pick(random)]);
    const std::string library = library_dump(s);
    ASSERT_EQ(ours(s), library) << testing::PrintToString(s);
  }
}

TEST(AuditJsonText, ValuesAndNestingAreWhatTheLibraryPrints) {
  std::string out;
  JsonText j(out);
  j.begin_object();
  j.key("a").texts({"x", "y\n"});
  j.key("b").begin_object();
  j.key("c").null();
  j.key("d").boolean(true);
  j.key("e").boolean(false);
  j.end_object();
  j.key("f").texts({});
  j.key("g").number(INT64_MIN);
  j.key("h").number(UINT64_MAX);
  j.key("i").begin_array();
  j.begin_object().end_object();
  j.begin_object().key("k").number(int64_t{0}).end_object();
  j.end_array();
  j.end_object();
  const json expected = {{"a", {"x", "y\n"}},  {"b", {{"c", nullptr}, {"d", true}, {"e", false}}},
                         {"f", json::array()}, {"g", INT64_MIN},
                         {"h", UINT64_MAX},    {"i", {json::object(), {{"k", 0}}}}};
  EXPECT_EQ(out, library_dump(expected));
}

// Each event type's body: its keys in the order dump() sorts them, every value as dump()
// prints it (the body reads back and prints as itself), and its values those of the event.
void expect_library_form(const events::Event& event) {
  const PendingEvent row = encode_event(event, Redactor({"hunter2-secret"}), {3, 1, 1, 1});
  const json body = json::parse(row.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(body.is_object()) << row.body;
  EXPECT_EQ(library_dump(body), row.body);
}

TEST(AuditEncode, EveryBodyIsInTheLibrarysForm) {
  const std::string odd = "a\"b\\c\x01\x7f\xff\xe2\x82 caf\xc3\xa9 hunter2-secret";
  expect_library_form(
      events::SessionStarted{"s1",
                             "0.1.0",
                             "production",
                             "[gate]\n" + odd,
                             odd,
                             "/w" + odd,
                             {"claude", odd},
                             {{"egress", "proxy", false, odd}, {"audit", odd, true, ""}}});
  expect_library_form(events::SetupFailed{"s1", "clone", -1, odd});
  events::SessionEnded end;
  end.session_id = "s1";
  expect_library_form(end);
  end.exit_code = 3;
  end.signal = 9;
  end.timed_out = true;
  end.duration = std::chrono::milliseconds(1234);
  end.peaks.memory_bytes = UINT64_MAX;
  end.peaks.pids = 7;
  expect_library_form(end);
  expect_library_form(
      events::ProgramStarted{"s1", {"rm", odd}, odd, events::Decision::kAsk, odd, odd});
  expect_library_form(events::ProgramStarted{"s1", {}, "", events::Decision::kAllow, "", ""});
  expect_library_form(events::NetworkDecision{"s1", odd, 443, "connect", "192.0.2.1",
                                              events::Decision::kAllow, odd, odd, UINT64_MAX, 0,
                                              odd});
  expect_library_form(events::ApprovalRequested{"s1", "r1", odd, "critical"});
  expect_library_form(events::ApprovalAnswered{"s1", "r1", odd, "terminal", events::Decision::kDeny,
                                               std::chrono::milliseconds(-5)});
  expect_library_form(events::CredentialMinted{"s1", "c1", odd, std::chrono::seconds(900)});
  expect_library_form(events::CredentialRevoked{"s1", "c1", odd});
}

TEST(AuditEncode, AProgramStartsBodyHoldsItsRedactedValues) {
  const PendingEvent row =
      encode_event(events::ProgramStarted{"s1",
                                          {"curl", "-H", "token hunter2-secret"},
                                          "/usr/bin/curl",
                                          events::Decision::kDeny,
                                          "no-curl",
                                          "denied by rule"},
                   Redactor({"hunter2-secret"}), {});
  EXPECT_EQ(row.kind, "program.start");
  EXPECT_EQ(row.decision, "deny");
  EXPECT_EQ(row.body, R"({"argv":["curl","-H","token [redacted:env]"],"path":"/usr/bin/curl",)"
                      R"("reason":"denied by rule","rule":"no-curl"})");
}

// The box chooses its argv; a row keeps a bounded part of it, and the count, size and hash of
// the whole (review finding 3: 100 execs of 14 x 131 KB arguments stored 182 MB).
TEST(AuditEncode, AHugeArgvIsCutAndIdentifiedByItsHash) {
  std::vector<std::string> argv = {"prog"};
  // A secret across the cut: redacted before it is cut, so no part of it is kept.
  argv.push_back(std::string(kMaxStoredArgument - 6, 'x') + "hunter2-secret");
  for (int i = 0; i < 14; ++i) argv.push_back(std::string(131072, static_cast<char>('a' + i)));
  const PendingEvent row = encode_event(
      events::ProgramStarted{"s1", argv, "/bin/prog", events::Decision::kAllow, "", ""},
      Redactor({"hunter2-secret"}), {});
  EXPECT_LT(row.body.size(), kMaxStoredArgv + 1024);
  EXPECT_EQ(row.body.find("hunter"), std::string::npos);
  const json body = json::parse(row.body, nullptr, false);
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(library_dump(body), row.body);
  const json& kept = body["argv"];
  ASSERT_TRUE(kept.is_array());
  size_t kept_bytes = 0;
  for (const auto& arg : kept) {
    EXPECT_LE(arg.get<std::string>().size(), kMaxStoredArgument);
    kept_bytes += arg.get<std::string>().size();
  }
  EXPECT_LE(kept_bytes, kMaxStoredArgv);
  EXPECT_EQ(kept[0], "prog");
  EXPECT_EQ(kept[1].get<std::string>().substr(kMaxStoredArgument - 6), "[redac");
  // The whole argv, redacted, each argument followed by a NUL byte.
  std::string whole = "prog";
  whole += '\0';
  whole += std::string(kMaxStoredArgument - 6, 'x') + "[redacted:env]";
  whole += '\0';
  for (size_t i = 2; i < argv.size(); ++i) (whole += argv[i]) += '\0';
  EXPECT_EQ(body["argv_cut"]["arguments"], argv.size());
  EXPECT_EQ(body["argv_cut"]["bytes"], whole.size() - argv.size());
  EXPECT_EQ(body["argv_cut"]["sha256"], to_hex(sha256(whole)));
  EXPECT_EQ(body["path"], "/bin/prog");
}

TEST(AuditEncode, AnArgvWithinTheLimitsIsKeptWhole) {
  const std::vector<std::string> argv(kMaxStoredArgv / kMaxStoredArgument,
                                      std::string(kMaxStoredArgument, 'a'));
  const PendingEvent row = encode_event(
      events::ProgramStarted{"s1", argv, "/bin/prog", events::Decision::kAllow, "", ""},
      Redactor(std::vector<std::string>{}), {});
  const json body = json::parse(row.body, nullptr, false);
  EXPECT_EQ(body["argv"], json(argv));
  EXPECT_FALSE(body.contains("argv_cut"));
}

}  // namespace
}  // namespace cordon::audit
