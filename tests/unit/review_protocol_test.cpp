// The control protocol's requests and item JSON, display escaping, and the runtime directory's
// checks (symlink, owner, mode).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "review/control_protocol.h"
#include "review/control_server.h"
#include "review/runtime_dir.h"

namespace cordon::review {
namespace {

TEST(ReviewProtocol, ParsesEveryRequest) {
  auto list = parse_request(R"({"op":"list"})");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->op, ControlOp::kList);
  auto approve =
      parse_request(R"({"op":"approve","id":"ab12cd34ef","scope":"session","reason":"ok\nx"})");
  ASSERT_TRUE(approve.ok());
  EXPECT_EQ(approve->op, ControlOp::kApprove);
  EXPECT_EQ(approve->id, "ab12cd34ef");
  EXPECT_EQ(approve->scope, GrantScope::kSession);
  EXPECT_EQ(approve->reason, "ok x");  // control bytes never reach the audit trail or agent
  auto deny = parse_request(R"({"op":"deny","id":"x"})");
  ASSERT_TRUE(deny.ok());
  EXPECT_EQ(deny->scope, GrantScope::kOnce);
  auto link = parse_request(R"({"op":"link","reviewer":"bob"})");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->reviewer, "bob");
  // Round trip.
  auto again = parse_request(encode_request(*approve));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, approve->id);
  EXPECT_EQ(again->scope, GrantScope::kSession);
}

TEST(ReviewProtocol, RefusesMalformedRequests) {
  for (const char* bad :
       {"", "[]", "nonsense", R"({"op":"approve"})", R"({"op":"show"})", R"({"op":"explode"})",
        R"({"op":"approve","id":"x","scope":"forever"})", R"({"op":1})"}) {
    EXPECT_FALSE(parse_request(bad).ok()) << bad;
  }
  EXPECT_FALSE(parse_request(std::string(kMaxRequestLine + 1, ' ')).ok());
  EXPECT_EQ(clean_reason(std::string(5000, 'a')).size(), kMaxReason);
}

// A reason cut at the limit ends where a character ends, never inside a UTF-8 sequence (found by
// tests/fuzz/control_request_fuzz.cpp: the cut half was shown as U+FFFD, another reason).
TEST(ReviewProtocol, AReasonIsCutBetweenCharacters) {
  const std::string e_acute = "\xc3\xa9";   // 2 bytes
  const std::string euro = "\xe2\x82\xac";  // 3 bytes
  for (size_t pad = 0; pad < 4; ++pad) {
    std::string reason(kMaxReason - 1 - pad, 'a');
    for (int i = 0; i < 10; ++i) reason += (i % 2 == 0 ? e_acute : euro);
    const std::string cut = clean_reason(reason);
    EXPECT_LE(cut.size(), kMaxReason);
    EXPECT_GE(cut.size(), kMaxReason - 2);
    EXPECT_EQ(reason.compare(0, cut.size(), cut), 0);
    // The next byte of the original starts a character.
    EXPECT_NE(static_cast<unsigned char>(reason[cut.size()]) & 0xC0, 0x80) << pad;
  }
  EXPECT_EQ(clean_reason(std::string(5000, 'a')).size(), kMaxReason);
}

TEST(ReviewProtocol, ItemJsonHasEveryField) {
  ReviewItem item;
  item.id = "0123456789";
  item.session_id = "s";
  item.start = {"/usr/bin/git", {"git", "push"}, "/w"};
  item.decision.rule = "r";
  item.decision.reason = "why";
  item.decision.risk.score = 70;
  item.decision.risk.level = gate::RiskLevel::kHigh;
  item.decision.risk.reasons = {"a"};
  item.decision.risk.reversible = false;
  item.reviewers_needed = 2;
  item.approved_by = {"uid:alice"};
  item.requested_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1500));
  item.deadline = item.requested_at + std::chrono::seconds(90);
  auto j = item_json(item);
  for (const char* key : {"id", "session", "argv", "executable", "cwd", "rule", "reason", "score",
                          "level", "reasons", "reversible", "reviewers_needed", "approved_by",
                          "requested_at", "deadline", "deadline_ms"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["level"], "high");
  EXPECT_EQ(j["requested_at"], "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(j["deadline"], "1970-01-01T00:01:31.500Z");
  EXPECT_EQ(j["deadline_ms"], 91500);
  EXPECT_EQ(j["approved_by"][0], "uid:alice");
}

TEST(ReviewProtocol, DisplayQuotesAndEscapes) {
  EXPECT_EQ(display_command({"git", "push", "--force"}), "git push --force");
  EXPECT_EQ(display_command({"sh", "-c", "rm -rf x"}), "sh -c 'rm -rf x'");
  EXPECT_EQ(display_command({"echo", "it's"}), "echo 'it'\\''s'");
  EXPECT_EQ(display_command({"x", ""}), "x ''");
  EXPECT_EQ(display_command({"a\x1b[2Jb"}), "'a\\x1b[2Jb'");
  EXPECT_EQ(display_command({"a\rb"}), "'a\\x0db'");
  EXPECT_EQ(display_text("/w\n/x"), "/w\\x0a/x");
}

TEST(ReviewProtocol, SocketPathNeedsAPlainSessionId) {
  EXPECT_TRUE(control_socket_path("/run/user/1/cordon", "abc-123_x").ok());
  EXPECT_FALSE(control_socket_path("/run", "../etc").ok());
  EXPECT_FALSE(control_socket_path("/run", "").ok());
  EXPECT_FALSE(control_socket_path("/" + std::string(120, 'a'), "s").ok());
}

class RuntimeDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cordon-rt-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base = tmpl;
  }
  void TearDown() override {
    (void)!::system(("rm -rf " + base).c_str());
    ::unsetenv("CORDON_RUNTIME_DIR");
  }
  std::string base;
};

TEST_F(RuntimeDirTest, CreatesAPrivateDirectory) {
  const std::string dir = base + "/run";
  ::setenv("CORDON_RUNTIME_DIR", dir.c_str(), 1);
  auto got = runtime_dir();
  ASSERT_TRUE(got.ok()) << got.error().describe();
  EXPECT_EQ(*got, dir);
  struct stat st {};
  ASSERT_EQ(::lstat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_TRUE(runtime_dir().ok());  // an existing good one is fine
}

TEST_F(RuntimeDirTest, RefusesSymlinksFilesAndLooseModes) {
  const std::string target = base + "/target";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  const std::string link = base + "/link";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto r = check_private_dir(link, true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("symbolic link"), std::string::npos);
  EXPECT_FALSE(r.error().hint().empty());

  const std::string file = base + "/file";
  ASSERT_EQ(::close(::creat(file.c_str(), 0600)), 0);
  r = check_private_dir(file, true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not a directory"), std::string::npos);

  ASSERT_EQ(::chmod(target.c_str(), 0755), 0);
  r = check_private_dir(target, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("mode 0755"), std::string::npos);
  EXPECT_NE(r.error().hint().find("chmod 0700"), std::string::npos);

  EXPECT_FALSE(check_private_dir("relative/dir", true).ok());
}

TEST_F(RuntimeDirTest, RefusesADirectoryOfAnotherUser) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  const std::string dir = base + "/theirs";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  auto r = check_private_dir(dir, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("belongs to uid 65534"), std::string::npos);
}

}  // namespace
}  // namespace cordon::review
