// Shared setup of `run` and `verify`.
#include "cli/session_setup.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>

#include "base/files.h"
#include "box/egress.h"
#include "box/environment.h"
#include "box/mount_plan.h"
#include "box/workspace_lease.h"
#include "policy/loader.h"

extern char** environ;

namespace cordon::cli {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && v[0] == '/') ? std::string(v) : fallback;
}

}  // namespace

UserFacts current_user() {
  UserFacts u;
  const passwd* pw = ::getpwuid(::getuid());
  const std::string pw_home = pw && pw->pw_dir ? pw->pw_dir : "/";
  u.name = pw && pw->pw_name ? pw->pw_name : std::to_string(::getuid());
  u.home = env_or("HOME", pw_home);
  if (char real[PATH_MAX]; ::realpath(u.home.c_str(), real)) u.home = real;
  u.shell = pw && pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh";
  u.config_dir = env_or("XDG_CONFIG_HOME", u.home + "/.config") + "/cordon";
  u.state_dir = ::getuid() == 0 ? "/var/lib/cordon"
                                : env_or("XDG_STATE_HOME", u.home + "/.local/state") + "/cordon";
  return u;
}

Result<std::string> resolve_workspace(const std::optional<std::string>& flag) {
  std::string path = flag.value_or(".");
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr) {
    return Error::system("workspace " + path)
        .with_hint("pass an existing project directory with --workspace DIR, or cd into it");
  }
  struct stat st {};
  if (::stat(real, &st) == 0 && !S_ISDIR(st.st_mode)) {
    return Error(Errc::kInvalidInput, "workspace " + path + " is not a directory")
        .with_hint("the workspace is the project directory the box may write; pass it with "
                   "--workspace DIR, or cd into it");
  }
  return std::string(real);
}

Result<policy::Policy> load_effective_policy(const CommonOptions& options,
                                             const std::string& workspace, const UserFacts& user) {
  policy::LoadRequest request;
  request.profile_flag = options.profile;
  request.config_flag = options.config;
  request.workspace = workspace;
  request.user_config_path = user.config_dir + "/config.toml";
  request.home = user.home;
  request.network_flag = options.network;
  request.allow_flags = options.allow;
  return policy::load_policy(request);
}

Result<std::string> new_session_id() {
  return random_hex(8);
}

Result<box::LaunchRequest> make_launch_request(const policy::Policy& policy,
                                               const std::string& workspace, const UserFacts& user,
                                               std::vector<std::string> command) {
  CORDON_TRY(box::check_workspace(workspace, user.home));
  box::LaunchRequest req;
  req.policy = &policy;
  req.workspace = workspace;
  req.home = user.home;
  req.user = user.name;
  CORDON_ASSIGN_OR_RETURN(req.session_id, new_session_id());
  req.state_dir = user.state_dir;
  req.cordon_dirs = {user.config_dir, user.state_dir};
  req.cordon_version = CORDON_VERSION;
  req.policy_text = policy::render_policy(policy);
  req.command = command.empty() ? std::vector<std::string>{user.shell} : std::move(command);

  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  req.cwd = (!ec && is_same_or_beneath(cwd, workspace)) ? cwd : workspace;

  std::vector<std::string> host_env;
  for (char** e = environ; e && *e; ++e) host_env.emplace_back(*e);
  req.environment = box::build_box_environment(
      policy.environment, host_env,
      box::EnvironmentFacts{user.home, user.name, user.shell,
                            policy::to_string(policy.profile.value), req.session_id});

  if (policy.network.mode.value == policy::NetworkMode::kProxy) {
    // cordon's proxy is the only way out; its variables replace any the host or policy set.
    for (const std::string& entry : box::proxy_environment()) {
      const std::string name = entry.substr(0, entry.find('=') + 1);
      std::erase_if(req.environment, [&](const std::string& e) { return e.rfind(name, 0) == 0; });
      req.environment.push_back(entry);
    }
  }
  if (policy.filesystem.home.value == policy::HomeMode::kPersist) {
    req.persist_home_dir = user.state_dir + "/homes/" + box::workspace_key(workspace);
  }
  req.loopback_ports = policy::loopback_ports(policy.network);
  return req;
}

Result<void> create_kept_home(const box::LaunchRequest& request) {
  if (request.persist_home_dir.empty()) return Ok{};
  std::error_code ec;
  std::filesystem::create_directories(request.persist_home_dir, ec);
  if (ec) {
    return Error(Errc::kSystem,
                 "create the kept home " + request.persist_home_dir + ": " + ec.message());
  }
  ::chmod(request.persist_home_dir.c_str(), 0700);
  return Ok{};
}

}  // namespace cordon::cli
