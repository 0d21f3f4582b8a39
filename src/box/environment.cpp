// The box's environment: allowlist, credential screening, and the box's own variables.
#include "box/environment.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace cordon::box {
namespace {

constexpr std::array<std::string_view, 5> kAllowedNames = {"TERM", "COLORTERM", "LANG", "TZ",
                                                           "PATH"};
constexpr std::string_view kAllowedPrefix = "LC_";

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A pattern is an exact name or a prefix ending in '*'. Only exact names may pass credentials.
bool pass_matches(const std::string& pattern, std::string_view name, bool credential) {
  if (!pattern.empty() && pattern.back() == '*') {
    if (credential) return false;
    return name.substr(0, pattern.size() - 1) ==
           std::string_view(pattern).substr(0, pattern.size() - 1);
  }
  return pattern == name;
}

}  // namespace

std::vector<std::string> default_path_dirs() {
  std::vector<std::string> dirs;
  std::string_view path = kDefaultPath;
  while (!path.empty()) {
    const size_t colon = std::min(path.find(':'), path.size());
    dirs.emplace_back(path.substr(0, colon));
    path.remove_prefix(std::min(colon + 1, path.size()));
  }
  return dirs;
}

bool passed_by_policy(const policy::EnvironmentPolicy& policy, std::string_view name) {
  const bool credential = looks_like_credential(name);
  for (const auto& pattern : policy.pass.value) {
    if (pass_matches(pattern, name, credential)) return true;
  }
  return false;
}

bool looks_like_credential(std::string_view raw_name) {
  const std::string name = upper(raw_name);
  static constexpr std::array<std::string_view, 9> kExact = {
      "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "KRB5CCNAME", "DBUS_SESSION_BUS_ADDRESS",
      "DOCKER_HOST",   "KUBECONFIG",     "NETRC",      "PGPASSFILE",
      "VAULT_ADDR"};
  static constexpr std::array<std::string_view, 8> kPrefixes = {
      "AWS_", "AZURE_", "GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GH_", "GITHUB_", "VAULT_"};
  static constexpr std::array<std::string_view, 10> kFragments = {
      "TOKEN",  "SECRET", "PASSWORD",   "PASSWD",  "PASSPHRASE",
      "APIKEY", "_KEY",   "CREDENTIAL", "PRIVATE", "COOKIE"};
  if (std::find(kExact.begin(), kExact.end(), name) != kExact.end()) return true;
  for (auto prefix : kPrefixes) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  for (auto fragment : kFragments) {
    if (contains(name, fragment)) return true;
  }
  return false;
}

std::vector<std::string> build_box_environment(const policy::EnvironmentPolicy& policy,
                                               const std::vector<std::string>& host_env,
                                               const EnvironmentFacts& facts) {
  std::map<std::string, std::string> env;
  for (const auto& entry : host_env) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string name = entry.substr(0, eq);
    const bool credential = looks_like_credential(name);
    bool allowed = !credential && (std::find(kAllowedNames.begin(), kAllowedNames.end(), name) !=
                                       kAllowedNames.end() ||
                                   name.rfind(kAllowedPrefix, 0) == 0);
    allowed = allowed || passed_by_policy(policy, name);
    if (allowed) env[name] = entry.substr(eq + 1);
  }
  if (!env.count("PATH")) env["PATH"] = kDefaultPath;
  env["HOME"] = facts.home;
  env["USER"] = facts.user;
  env["LOGNAME"] = facts.user;
  if (!facts.shell.empty()) env["SHELL"] = facts.shell;
  env["CORDON"] = "1";
  env["CORDON_PROFILE"] = facts.profile;
  env["CORDON_SESSION"] = facts.session_id;
  for (const auto& [name, value] : policy.set.value) env[name] = value;

  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

}  // namespace cordon::box
