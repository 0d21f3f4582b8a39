// The audit redactor: literal secrets and token shapes are hidden, everything else is kept.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audit/redact.h"

namespace cordon::audit {
namespace {

std::string redact(std::string_view text) {
  return Redactor().redact(text);
}

const std::string kGithub = "ghp_" + std::string(36, 'a');
const std::string kAws = "AKIAIOSFODNN7EXAMPLE";
const std::string kJwt =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const std::string kPem =
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu\n"
    "-----END RSA PRIVATE KEY-----";

TEST(AuditRedact, PlainTextIsByteIdentical) {
  const std::vector<std::string> texts = {
      "",
      "git commit -m 'fix the parser' && make -j8",
      "x = y; if (a == b) return c::d; std::string s = \"hello\";",
      "user=alice mode=0644 path=/home/alice/src key=value",
      "naïve café — 日本語のテキスト 🚀 Ünïcödé",
      "https://example.com/path?q=1&page=2#frag",
      "the task-force met; basic understanding; bearer of bad news; author=Jane",
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
      "sk- ghp_ eyJ AKIA xoxb- glpat- [redacted: [x]",
  };
  const Redactor with_literals({"hunter2hunter2", "correct horse"});
  for (const std::string& text : texts) {
    EXPECT_EQ(redact(text), text);
    EXPECT_EQ(with_literals.redact(text), text);
  }
}

TEST(AuditRedact, LiteralInsideLongerString) {
  const Redactor r({"s3cr3t-value"});
  EXPECT_EQ(r.redact("s3cr3t-value"), "[redacted:env]");
  EXPECT_EQ(r.redact("curl -H X-Key:abcs3cr3t-valuexyz http://h"),
            "curl -H X-Key:abc[redacted:env]xyz http://h");
  EXPECT_EQ(r.redact("s3cr3t-value s3cr3t-value"), "[redacted:env] [redacted:env]");
}

TEST(AuditRedact, LongestLiteralWins) {
  const Redactor r({"secret12", "secret123456", "secret12"});
  EXPECT_EQ(r.redact("a secret123456 b"), "a [redacted:env] b");
  EXPECT_EQ(r.redact("a secret12 b"), "a [redacted:env] b");
}

TEST(AuditRedact, OverlappingLiteralsLeaveNoTail) {
  const Redactor r({"abcdefgh", "fghijklm"});
  EXPECT_EQ(r.redact("<abcdefghijklm>"), "<[redacted:env]>");
}

TEST(AuditRedact, HiddenKeyStillHidesItsValue) {
  const Redactor r({"mypassword"});
  EXPECT_EQ(r.redact("mypassword=hunter2"), "[redacted:env]=[redacted:assignment]");
}

TEST(AuditRedact, ShortLiteralsAreIgnored) {
  const Redactor r({"yes", "12345", ""});
  EXPECT_EQ(r.redact("yes 12345 yes"), "yes 12345 yes");
}

TEST(AuditRedact, LiteralInKeptPrefixIsHidden) {
  // The URL matcher keeps "user:", but a known secret there still goes.
  const Redactor r({"deploy-bot"});
  EXPECT_EQ(r.redact("https://deploy-bot:pw@host/x"),
            "https://[redacted:env]:[redacted:url-password]@host/x");
}

TEST(AuditRedact, GithubToken) {
  EXPECT_EQ(redact("push with " + kGithub + " now"), "push with [redacted:github-token] now");
  for (std::string prefix : {"gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}) {
    EXPECT_EQ(redact(prefix + std::string(22, 'Z')), "[redacted:github-token]") << prefix;
  }
  EXPECT_EQ(redact("ghp_short"), "ghp_short");
  EXPECT_EQ(redact("ghp_" + std::string(19, 'a')), "ghp_" + std::string(19, 'a'));
  EXPECT_EQ(redact("xghp_" + std::string(30, 'a')), "xghp_" + std::string(30, 'a'));
}

TEST(AuditRedact, GitlabToken) {
  EXPECT_EQ(redact("glpat-abcdefghij_KLMNOPQRS-tu"), "[redacted:gitlab-token]");
  EXPECT_EQ(redact("glpat-abc"), "glpat-abc");
}

TEST(AuditRedact, SlackToken) {
  EXPECT_EQ(redact("(xoxb-1234567890-abcdef)"), "([redacted:slack-token])");
  EXPECT_EQ(redact("xoxp-123456789012"), "[redacted:slack-token]");
  EXPECT_EQ(redact("xoxb-12345"), "xoxb-12345");
  EXPECT_EQ(redact("xoxz-1234567890-abcdef"), "xoxz-1234567890-abcdef");
}

TEST(AuditRedact, AwsAccessKeyId) {
  EXPECT_EQ(redact("id " + kAws + "."), "id [redacted:aws-access-key].");
  EXPECT_EQ(redact("ASIAABCDEFGHIJKLMNOP"), "[redacted:aws-access-key]");
  const std::string fifteen = "AKIA" + std::string(15, 'X');
  EXPECT_EQ(redact(fifteen), fifteen);
  const std::string seventeen = "AKIA" + std::string(17, 'X');
  EXPECT_EQ(redact(seventeen), seventeen);
}

TEST(AuditRedact, ApiKey) {
  EXPECT_EQ(redact("sk-ant-api03-abcdefghijklmnopqrstuvwxyz"), "[redacted:api-key]");
  EXPECT_EQ(redact("key sk-proj-ABCDEFGHIJ_0123456789 end"), "key [redacted:api-key] end");
  EXPECT_EQ(redact("task-force-123456789012345678901"), "task-force-123456789012345678901");
  EXPECT_EQ(redact("sk-tooshort"), "sk-tooshort");
}

TEST(AuditRedact, Jwt) {
  EXPECT_EQ(redact("token is " + kJwt), "token is [redacted:jwt]");
  const std::string two_parts = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0";
  EXPECT_EQ(redact(two_parts), two_parts);
  const std::string short_signature = two_parts + ".abc";
  EXPECT_EQ(redact(short_signature), short_signature);
}

TEST(AuditRedact, PemPrivateKey) {
  EXPECT_EQ(redact("key:\n" + kPem + "\ndone"), "key:\n[redacted:private-key]\ndone");
  EXPECT_EQ(redact("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXkt"),
            "[redacted:private-key]");
  const std::string pub = "-----BEGIN PUBLIC KEY-----\nMFkwEwYH\n-----END PUBLIC KEY-----";
  EXPECT_EQ(redact(pub), pub);
}

TEST(AuditRedact, AuthorizationHeader) {
  EXPECT_EQ(redact("Authorization: Bearer abc.def-123456"),
            "Authorization: Bearer [redacted:bearer]");
  EXPECT_EQ(redact("curl -H 'authorization: bearer abcdefgh12' x"),
            "curl -H 'authorization: bearer [redacted:bearer]' x");
  EXPECT_EQ(redact("Authorization: Basic dXNlcjpwYXNzd29yZA=="),
            "Authorization: Basic [redacted:basic-auth]");
  EXPECT_EQ(redact("Bearer short"), "Bearer short");
  EXPECT_EQ(redact("Bearer $GITHUB_TOKEN"), "Bearer $GITHUB_TOKEN");
  EXPECT_EQ(redact("a basic understanding"), "a basic understanding");
  EXPECT_EQ(redact("unBearer abcdefghijkl"), "unBearer abcdefghijkl");
}

// curl -H "Authorization: Bearer $TOKEN" with TOKEN unset: the scheme ends the text. Reading
// the credential's first byte past the end aborted the audit writer (found by
// tests/fuzz/audit_redact_fuzz.cpp).
TEST(AuditRedact, SchemeAtTheEndOfTheText) {
  EXPECT_EQ(redact("Authorization: Bearer "), "Authorization: Bearer ");
  EXPECT_EQ(redact("Bearer  "), "Bearer  ");
  EXPECT_EQ(redact("x Basic "), "x Basic ");
}

// Text shaped like a marker is not one unless it names a kind the redactor writes: a box that
// wraps a session secret in "[redacted:...]" does not get it past the redactor (found by
// tests/fuzz/audit_redact_fuzz.cpp).
TEST(AuditRedact, SecretInsideAFakeMarkerIsHidden) {
  const Redactor r({"abcdef123456", "0123456789abcdef0123456789abcdef"});
  EXPECT_EQ(r.redact("x [redacted:abcdef123456] y"), "x [redacted:[redacted:env]] y");
  EXPECT_EQ(r.redact("[redacted:0123456789abcdef0123456789abcdef]"), "[redacted:[redacted:env]]");
  EXPECT_EQ(r.redact("[redacted:env]abcdef123456"), "[redacted:env][redacted:env]");
  const std::string once = r.redact("x [redacted:abcdef123456] y");
  EXPECT_EQ(r.redact(once), once);
}

TEST(AuditRedact, UrlPassword) {
  EXPECT_EQ(redact("git clone https://bob:hunter2@github.com/o/r.git"),
            "git clone https://bob:[redacted:url-password]@github.com/o/r.git");
  EXPECT_EQ(redact("postgres://app:p@ss@db:5432/x"),
            "postgres://app:[redacted:url-password]@db:5432/x");
  EXPECT_EQ(redact("https://bob@github.com/x"), "https://bob@github.com/x");
  EXPECT_EQ(redact("https://host:8080/a@b"), "https://host:8080/a@b");
}

TEST(AuditRedact, TokenInKeptTextIsHidden) {
  // The URL matcher keeps the user; a token used as the user name still goes.
  EXPECT_EQ(redact("https://" + kGithub + ":x-oauth-basic@github.com/o/r"),
            "https://[redacted:github-token]:[redacted:url-password]@github.com/o/r");
}

TEST(AuditRedact, OverlappingShapesShareOneMarker) {
  EXPECT_EQ(redact("Authorization: Basic " + kJwt), "Authorization: Basic [redacted:jwt]");
  EXPECT_EQ(redact("password: --api-key Zq9vLmN8"),
            "password: [redacted:assignment] [redacted:assignment]");
}

TEST(AuditRedact, Assignment) {
  EXPECT_EQ(redact("password=hunter2"), "password=[redacted:assignment]");
  EXPECT_EQ(redact("DB_PASSWORD = hunter2 next"), "DB_PASSWORD = [redacted:assignment] next");
  EXPECT_EQ(redact("api_key: abc123"), "api_key: [redacted:assignment]");
  EXPECT_EQ(redact("GET /x?access_token=abc&page=2"),
            "GET /x?access_token=[redacted:assignment]&page=2");
  EXPECT_EQ(redact(R"({"client_secret": "a b\"c", "user": "bob"})"),
            R"({"client_secret": "[redacted:assignment]", "user": "bob"})");
  EXPECT_EQ(redact("X-Auth-Token:zzz;rest"), "X-Auth-Token:[redacted:assignment];rest");
  EXPECT_EQ(redact("--password=hunter2"), "--password=[redacted:assignment]");
}

TEST(AuditRedact, AssignmentNearMisses) {
  for (std::string text : {"password=", "password= \n", "password=\"\"", "token == other",
                           "user=bob", "author=Jane", "auth::Session s;", "passwd\nx"}) {
    EXPECT_EQ(redact(text), text) << text;
  }
}

TEST(AuditRedact, SecretFlag) {
  EXPECT_EQ(redact("tool --password hunter2 --verbose"),
            "tool --password [redacted:assignment] --verbose");
  EXPECT_EQ(redact("gh auth login --with-token 'abc def'"),
            "gh auth login --with-token '[redacted:assignment]'");
  EXPECT_EQ(redact("-token abc"), "-token [redacted:assignment]");
  for (std::string text : {"tool --token", "tool --token --verbose", "tool --token  two-spaces",
                           "tool --output file", "x-token abc"}) {
    EXPECT_EQ(redact(text), text) << text;
  }
}

TEST(AuditRedact, SeveralSecretsInOneString) {
  const Redactor r({"literal-secret"});
  EXPECT_EQ(r.redact("A=literal-secret " + kAws + " password=x " + kGithub),
            "A=[redacted:env] [redacted:aws-access-key] password=[redacted:assignment] "
            "[redacted:github-token]");
}

TEST(AuditRedact, AlreadyRedactedTextIsStable) {
  for (const std::string& text : std::vector<std::string>{
           "password=[redacted:assignment]", "Bearer [redacted:bearer]",
           "--token [redacted:assignment]", "https://u:[redacted:url-password]@h",
           "[redacted:env]ghp_" + std::string(25, 'q')}) {
    const std::string once = redact(text);
    EXPECT_EQ(redact(once), once) << text;
  }
  const Redactor r({"abcdefgh", "fghijklm", "redacted", "deploy-bot"});
  const std::vector<std::string> texts = {
      "x=" + kGithub + " " + kJwt + " " + kPem,
      "abcdefghijklm_token=abc",
      "abcdefghghp_" + std::string(30, 'z'),
      "https://deploy-bot:pw@host Authorization: Bearer abcdefghijkl",
      "{\"password\": \"abc, def\"} --api-key 'x y' AKIAIOSFODNN7EXAMPLE",
      "-----BEGIN EC PRIVATE KEY-----\nabc",
      "token=redacted [redacted:env]",
  };
  for (const std::string& text : texts) {
    const std::string once = r.redact(text);
    EXPECT_EQ(r.redact(once), once) << text;
  }
}

}  // namespace
}  // namespace cordon::audit
