// The box's environment: allowlist, credentials only by exact name, the box's own variables.
#include <gtest/gtest.h>

#include <algorithm>

#include "box/environment.h"

namespace cordon::box {
namespace {

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}
bool has_name(const std::vector<std::string>& env, const std::string& name) {
  return std::any_of(env.begin(), env.end(),
                     [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
}

const EnvironmentFacts kFacts{"/home/u", "u", "/bin/bash", "workspace-write", "abcd"};

TEST(Environment, KeepsOnlyTheAllowlist) {
  policy::EnvironmentPolicy p;
  auto env = build_box_environment(
      p, {"TERM=xterm", "LANG=C.UTF-8", "LC_ALL=C", "PATH=/usr/bin", "EDITOR=vim", "TZ=UTC",
          "COLORTERM=truecolor", "HOSTILE=x"},
      kFacts);
  EXPECT_TRUE(has(env, "TERM=xterm"));
  EXPECT_TRUE(has(env, "LANG=C.UTF-8"));
  EXPECT_TRUE(has(env, "LC_ALL=C"));
  EXPECT_TRUE(has(env, "PATH=/usr/bin"));
  EXPECT_TRUE(has(env, "TZ=UTC"));
  EXPECT_TRUE(has(env, "COLORTERM=truecolor"));
  EXPECT_FALSE(has_name(env, "EDITOR"));
  EXPECT_FALSE(has_name(env, "HOSTILE"));
}

TEST(Environment, SetsTheBoxsOwnVariables) {
  policy::EnvironmentPolicy p;
  auto env = build_box_environment(p, {"HOME=/elsewhere", "USER=mallory"}, kFacts);
  EXPECT_TRUE(has(env, "HOME=/home/u"));
  EXPECT_TRUE(has(env, "USER=u"));
  EXPECT_TRUE(has(env, "LOGNAME=u"));
  EXPECT_TRUE(has(env, "SHELL=/bin/bash"));
  EXPECT_TRUE(has(env, "CORDON=1"));
  EXPECT_TRUE(has(env, "CORDON_PROFILE=workspace-write"));
  EXPECT_TRUE(has_name(env, "PATH"));  // a default when the host has none
}

TEST(Environment, CredentialsNeverPassByWildcard) {
  policy::EnvironmentPolicy p;
  p.pass.value = {"MY_*", "AWS_*", "SSH_AUTH_SOCK"};
  auto env = build_box_environment(
      p, {"MY_TOKEN=t", "MY_NAME=n", "AWS_ACCESS_KEY_ID=a", "SSH_AUTH_SOCK=/s"}, kFacts);
  EXPECT_TRUE(has(env, "MY_NAME=n"));
  EXPECT_FALSE(has_name(env, "MY_TOKEN"));
  EXPECT_FALSE(has_name(env, "AWS_ACCESS_KEY_ID"));
  EXPECT_TRUE(has(env, "SSH_AUTH_SOCK=/s"));  // named exactly: the user asked for it
}

TEST(Environment, CredentialLookingNamesAreNotAllowlistedEvenUnderLC) {
  policy::EnvironmentPolicy p;
  auto env = build_box_environment(p, {"LC_SECRET_TOKEN=x"}, kFacts);
  EXPECT_FALSE(has_name(env, "LC_SECRET_TOKEN"));
}

TEST(Environment, SetOverridesEverything) {
  policy::EnvironmentPolicy p;
  p.set.value = {{"TERM", "dumb"}, {"FOO", "bar"}};
  auto env = build_box_environment(p, {"TERM=xterm"}, kFacts);
  EXPECT_TRUE(has(env, "TERM=dumb"));
  EXPECT_TRUE(has(env, "FOO=bar"));
}

TEST(Environment, RecognisesCredentialShapes) {
  for (const char* name : {"SSH_AUTH_SOCK", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "GH_TOKEN",
                           "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DB_PASSWORD", "NPM_TOKEN",
                           "KUBECONFIG", "VAULT_TOKEN", "MY_SECRET"}) {
    EXPECT_TRUE(looks_like_credential(name)) << name;
  }
  for (const char* name : {"TERM", "LANG", "EDITOR", "PAGER", "GIT_AUTHOR_NAME", "HOME"}) {
    EXPECT_FALSE(looks_like_credential(name)) << name;
  }
}

}  // namespace
}  // namespace cordon::box
