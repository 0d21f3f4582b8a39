// render_policy: annotated TOML that parses back (apply_toml) to the same values.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

// Every value of two policies, ignoring origins and sources.
void expect_same_values(const Policy& a, const Policy& b) {
  EXPECT_EQ(a.profile.value, b.profile.value);
  const auto &fa = a.filesystem, &fb = b.filesystem;
  EXPECT_EQ(fa.workspace.value, fb.workspace.value);
  EXPECT_EQ(fa.home.value, fb.home.value);
  EXPECT_EQ(fa.read_paths.value, fb.read_paths.value);
  EXPECT_EQ(fa.write_paths.value, fb.write_paths.value);
  EXPECT_EQ(fa.hidden_paths.value, fb.hidden_paths.value);
  EXPECT_EQ(fa.protected_paths.value, fb.protected_paths.value);
  EXPECT_EQ(fa.tmp_size_bytes.value, fb.tmp_size_bytes.value);
  EXPECT_EQ(fa.landlock.value, fb.landlock.value);
  EXPECT_EQ(a.environment.pass.value, b.environment.pass.value);
  EXPECT_EQ(a.environment.set.value, b.environment.set.value);
  const auto &ra = a.resources, &rb = b.resources;
  EXPECT_EQ(ra.memory_bytes.value, rb.memory_bytes.value);
  EXPECT_EQ(ra.memory_fallback.value, rb.memory_fallback.value);
  EXPECT_EQ(ra.pids.value, rb.pids.value);
  EXPECT_EQ(ra.cpus.value, rb.cpus.value);
  EXPECT_EQ(ra.open_files.value, rb.open_files.value);
  EXPECT_EQ(ra.timeout_seconds.value, rb.timeout_seconds.value);
  EXPECT_EQ(a.network.mode.value, b.network.mode.value);
  EXPECT_EQ(a.network.allow.value, b.network.allow.value);
  EXPECT_EQ(a.network.deny.value, b.network.deny.value);
  EXPECT_EQ(a.network.allow_cidr.value, b.network.allow_cidr.value);
  EXPECT_EQ(a.network.resolve.value, b.network.resolve.value);
  EXPECT_EQ(a.network.forward.value, b.network.forward.value);
  EXPECT_EQ(a.network.loopback_ports.value, b.network.loopback_ports.value);
  EXPECT_EQ(a.gate.ask_at.value, b.gate.ask_at.value);
  EXPECT_EQ(a.gate.reviewers.value, b.gate.reviewers.value);
  EXPECT_EQ(a.audit.store.value, b.audit.store.value);
  EXPECT_EQ(a.audit.key.value, b.audit.key.value);
  EXPECT_EQ(a.audit.checkpoint_every.value, b.audit.checkpoint_every.value);
  EXPECT_EQ(a.audit.writer_linger_seconds.value, b.audit.writer_linger_seconds.value);
}

Policy reparse(const Policy& policy) {
  std::string text = render_policy(policy);
  auto r = apply_toml(builtin_profile(policy.profile.value), text, "rendered.toml", true);
  EXPECT_TRUE(r.ok()) << r.error().message() << "\n" << text;
  return r.ok() ? std::move(r).value() : Policy{};
}

constexpr const char* kCustomised = R"(
[filesystem]
workspace = "read-only"
home = "persist"
read = ["~/.local/bin/claude", "/nix"]
write = ["~/.cache/pip"]
hide = ["~/.config/secret"]
protect = ["deploy/", "Makefile"]
tmp_size = 3145728
landlock = "best-effort"
[environment]
pass = ["ANTHROPIC_API_KEY", "MY_*"]
set = { FOO = "bar", QUOTED = "a \"b\" \\ c\n\td", UNICODE = "caf\u00e9 \u0001" }
[resources]
memory = 100000000
memory_fallback = "fail"
pids = 512
cpus = 0.3
open_files = "none"
timeout = "1h30m"
[network]
allow = ["api.example.com", "git.example.com:22", "db.example.com:5432"]
deny = ["uploads.example.com", "*.internal.example.com:1-1024"]
allow_cidr = ["10.1.2.0/24:5432", "fd00:1::/64:443"]
resolve = { "db.example.com" = "10.1.2.5", "V6.Example.com." = "2001:DB8::5", single = "203.0.113.9" }
forward = ["5432=db.example.com:5432"]
loopback_ports = ["3000", 8000]
[gate]
ask_at = "critical"
reviewers = 2
[audit]
store = "~/audit/store.db"
key = "/keys/cordon.pem"
checkpoint_every = 50
writer_linger = "2m"
)";

TEST(PolicyRender, BuiltinProfilesRoundTrip) {
  for (Profile profile : {Profile::kReadOnly, Profile::kWorkspaceWrite, Profile::kCustomerData,
                          Profile::kProduction, Profile::kFinancial}) {
    Policy p = builtin_profile(profile);
    expect_same_values(reparse(p), p);
  }
}

TEST(PolicyRender, CustomisedPolicyRoundTrips) {
  for (Profile profile : {Profile::kWorkspaceWrite, Profile::kFinancial}) {
    Policy p = apply_toml(builtin_profile(profile), kCustomised, "custom.toml", true).value();
    expect_same_values(reparse(p), p);
  }
}

TEST(PolicyRender, RenderIsAFixedPoint) {
  Policy p =
      apply_toml(builtin_profile(Profile::kCustomerData), kCustomised, "c.toml", true).value();
  Policy again = reparse(p);
  // Only the origins differ, so the texts match once the "# from" comments are dropped.
  auto strip = [](const std::string& text) {
    std::istringstream in(text);
    std::string out, line;
    while (std::getline(in, line)) {
      if (line.rfind("#", 0) == 0) continue;
      out += line.substr(0, line.find("  # from ")) + "\n";
    }
    return out;
  };
  EXPECT_EQ(strip(render_policy(again)), strip(render_policy(p)));
}

TEST(PolicyRender, EveryValueNamesItsOrigin) {
  Policy p = apply_toml(builtin_profile(Profile::kWorkspaceWrite),
                        "\n[resources]\nmemory = \"2G\"\n[filesystem]\nread = [\"/nix\"]\n",
                        "/p/cordon.toml", true)
                 .value();
  std::string text = render_policy(p);
  EXPECT_NE(text.find("memory = \"2G\"  # from /p/cordon.toml:3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("read = [  # from /p/cordon.toml:5\n  \"/nix\",\n]\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("pids = 4096  # from profile workspace-write\n"), std::string::npos);
  EXPECT_NE(text.find("timeout = \"none\"  # from profile workspace-write\n"), std::string::npos);
  EXPECT_NE(text.find("profile = \"workspace-write\"  # from profile workspace-write\n"),
            std::string::npos);
  EXPECT_NE(text.find("/p/cordon.toml"), std::string::npos);
  // Every key of the schema is present, and every value line carries an origin.
  for (const char* key :
       {"profile =",         "[filesystem]", "workspace =", "home =",           "read =",
        "write =",           "hide =",       "protect =",   "tmp_size =",       "landlock =",
        "[environment]",     "pass =",       "set =",       "[resources]",      "memory =",
        "memory_fallback =", "pids =",       "cpus =",      "open_files =",     "timeout =",
        "[network]",         "mode =",       "allow =",     "loopback_ports =", "[gate]",
        "ask_at =",          "reviewers =",  "deny =",      "allow_cidr =",     "resolve =",
        "forward =",         "writer_linger ="}) {
    EXPECT_NE(text.find(std::string("\n") + key), std::string::npos) << key;
  }
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(" = ") != std::string::npos) {
      EXPECT_NE(line.find("  # from "), std::string::npos) << line;
    }
  }
}

TEST(PolicyRender, ExampleFileIsValid) {
  std::ifstream in(std::string(CORDON_SOURCE_DIR) + "/examples/cordon.toml");
  ASSERT_TRUE(in) << "examples/cordon.toml is missing";
  std::stringstream text;
  text << in.rdbuf();
  // It is written as a workspace file, so it must load even untrusted.
  for (bool trusted : {true, false}) {
    auto r =
        apply_toml(builtin_profile(Profile::kCustomerData), text.str(), "cordon.toml", trusted);
    EXPECT_TRUE(r.ok()) << r.error().message() << " / " << r.error().hint();
  }
}

}  // namespace
}  // namespace cordon::policy
