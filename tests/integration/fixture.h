// A fixture for tests that run `cordon run` on a fresh workspace with no user config.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "integration/harness.h"

namespace cordon::testing {

class BoxTest : public ::testing::Test {
 public:
  // Each test keeps its own audit trail (root's default store is machine-wide).
  BoxTest() {
    ::mkdir((dir_ / "config").c_str(), 0700);
    ::mkdir((dir_ / "config/cordon").c_str(), 0700);
    write_text(user_config(), "[audit]\nstore = \"" + audit_store() + "\"\n");
  }
  std::string user_config() const { return dir_ / "config/cordon/config.toml"; }
  std::string audit_store() const { return dir_ / "audit/audit.db"; }
  std::string audit_key() const { return dir_ / "config/cordon/audit-key.pem"; }

  // `cordon run -q --workspace WS [extra...] -- command...`
  RunOutput box(const std::vector<std::string>& command,
                const std::vector<std::string>& extra_flags = {}, RunOptions options = {}) {
    std::vector<std::string> args = {"run", "-q", "--workspace", workspace()};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return cordon(args, std::move(options));
  }
  RunOutput sh(const std::string& script, const std::vector<std::string>& extra_flags = {},
               RunOptions options = {}) {
    return box({"/bin/sh", "-c", script}, extra_flags, std::move(options));
  }
  RunOutput cordon(const std::vector<std::string>& args, RunOptions options = {}) {
    options.set_env.emplace("XDG_CONFIG_HOME", dir_ / "config");
    options.set_env.emplace("XDG_STATE_HOME", dir_ / "state");
    return run_cordon(args, options);
  }
  std::string workspace() {
    ensure_workspace();
    return dir_ / "ws";
  }
  // Writes a policy file under the temp dir and returns its path.
  std::string policy_file(const std::string& toml) {
    const std::string path = dir_ / "policy.toml";
    write_text(path, toml);
    return path;
  }
  const TempDir& dir() const { return dir_; }

 private:
  void ensure_workspace() { ::mkdir((dir_ / "ws").c_str(), 0755); }
  TempDir dir_;
};

}  // namespace cordon::testing
