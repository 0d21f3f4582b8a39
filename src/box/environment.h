// The box's environment: a scrubbed allowlist, never credentials unless the policy names them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace cordon::box {

// PATH in the box when the host has none to pass: the standard system directories.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// kDefaultPath's directories, in lookup order.
std::vector<std::string> default_path_dirs();

struct EnvironmentFacts {
  std::string home;
  std::string user;
  std::string shell;
  std::string profile;
  std::string session_id;
};

// True for names that usually carry secrets (SSH_AUTH_SOCK, AWS_*, *_TOKEN, *_KEY, *SECRET*,
// *PASSWORD*, ...). Such names pass only when the policy names them exactly, never by wildcard.
bool looks_like_credential(std::string_view name);

// True when the policy's `pass` list lets the host variable `name` into the box.
bool passed_by_policy(const policy::EnvironmentPolicy& policy, std::string_view name);

// Builds KEY=VALUE entries from `host_env` (KEY=VALUE entries): the built-in allowlist (TERM,
// LANG, LC_*, COLORTERM, TZ, PATH) and the policy's `pass` names, then the box's own variables
// (HOME, USER, LOGNAME, SHELL, CORDON_*), then the policy's `set` values. Sorted by name.
std::vector<std::string> build_box_environment(const policy::EnvironmentPolicy& policy,
                                               const std::vector<std::string>& host_env,
                                               const EnvironmentFacts& facts);

}  // namespace cordon::box
