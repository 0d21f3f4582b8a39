// The built-in profiles: the base every policy file is layered over.
#include <string>
#include <vector>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

constexpr uint64_t kMiB = 1024ULL * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;
constexpr uint64_t kHour = 3600;

// Credentials and control sockets that must never be visible in a box, whatever else is bound.
// Each one either authenticates as the user somewhere (keys, tokens, cloud configs) or is a
// socket that hands out root on the host (docker, containerd) or talks to the session bus. The
// /etc ones matter when cordon runs as root: the box's root passes their owner-only permissions.
const std::vector<std::string>& hidden_paths() {
  static const std::vector<std::string> paths = {"~/.ssh",
                                                 "~/.aws",
                                                 "~/.gnupg",
                                                 "~/.kube",
                                                 "~/.docker",
                                                 "~/.netrc",
                                                 "~/.config/gh",
                                                 "~/.config/gcloud",
                                                 "~/.azure",
                                                 "~/.git-credentials",
                                                 "~/.npmrc",
                                                 "~/.pypirc",
                                                 "~/.cargo/credentials.toml",
                                                 "~/.config/hub",
                                                 "~/.password-store",
                                                 "~/.vault-token",
                                                 "/var/run/docker.sock",
                                                 "/run/docker.sock",
                                                 "/run/containerd",
                                                 "/run/dbus",
                                                 "/var/run/dbus",
                                                 "/run/user",
                                                 "/etc/shadow",
                                                 "/etc/gshadow",
                                                 "/etc/shadow-",
                                                 "/etc/gshadow-",
                                                 "/etc/ssh/ssh_host_rsa_key",
                                                 "/etc/ssh/ssh_host_ecdsa_key",
                                                 "/etc/ssh/ssh_host_ed25519_key",
                                                 "/etc/ssl/private",
                                                 "/etc/security/opasswd"};
  return paths;
}

// Workspace files that something on the host executes or trusts later (git hooks and config,
// direnv, editor and agent settings, hook managers' scripts, shell rc files): writing them would
// let a hijacked agent run code outside the box. A trailing "/" marks a directory.
const std::vector<std::string>& protected_paths() {
  static const std::vector<std::string> paths = {
      // git: what `git status` and `git commit` run or read. config.worktree is read once
      // extensions.worktreeConfig is on (git sparse-checkout turns it on); worktrees/ holds
      // each linked worktree's commondir, which names the config git reads there.
      ".git/hooks/", ".git/config", ".git/config.worktree", ".git/info/", ".git/modules/",
      ".git/worktrees/", ".gitmodules",
      // Hook managers: the scripts and configs that installed hooks run on the host.
      ".husky/", ".pre-commit-config.yaml", "lefthook.yml", ".lefthook.yml", "lefthook-local.yml",
      ".lefthook-local.yml",
      // cordon's own policy, direnv, editors', dev containers' and agents' project settings
      // (tasks, language servers and MCP servers they start).
      "cordon.toml", ".cordon/", ".envrc", ".vscode/", ".idea/", ".zed/", ".cursor/", ".claude/",
      ".codex/", ".gemini/", ".mcp.json", ".devcontainer/", ".devcontainer.json",
      // Shell rc files (a dotfiles repository).
      ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zprofile",
      ".zshenv", ".zlogin"};
  return paths;
}

// The values shared by every profile; the profile-specific ones are set on top.
Policy common_base() {
  Policy p;
  p.filesystem.workspace.value = WorkspaceAccess::kReadWrite;
  p.filesystem.home.value = HomeMode::kTmpfs;
  p.filesystem.hidden_paths.value = hidden_paths();
  p.filesystem.protected_paths.value = protected_paths();
  p.filesystem.tmp_size_bytes.value = 1 * kGiB;
  p.filesystem.landlock.value = LandlockMode::kRequired;
  p.resources.memory_bytes.value = 8 * kGiB;
  p.resources.memory_fallback.value = MemoryFallback::kPerProcess;
  p.resources.pids.value = 4096;
  p.resources.open_files.value = 8192;
  p.network.mode.value = NetworkMode::kProxy;
  p.gate.ask_at.value = RiskLevel::kHigh;
  p.gate.reviewers.value = 1;
  p.gate.timeout_seconds.value = 300;
  p.gate.unsafe_disabled.value = false;
  p.audit.checkpoint_every.value = 1000;
  p.audit.writer_linger_seconds.value = 10;
  return p;
}

void set_origins(Policy& p, const Origin& o) {
  p.profile.origin = o;
  auto& fs = p.filesystem;
  fs.workspace.origin = fs.home.origin = fs.read_paths.origin = fs.write_paths.origin = o;
  fs.hidden_paths.origin = fs.protected_paths.origin = fs.tmp_size_bytes.origin = o;
  fs.landlock.origin = o;
  p.environment.pass.origin = p.environment.set.origin = o;
  auto& r = p.resources;
  r.memory_bytes.origin = r.memory_fallback.origin = r.pids.origin = r.cpus.origin = o;
  r.open_files.origin = r.timeout_seconds.origin = o;
  auto& n = p.network;
  n.mode.origin = n.allow.origin = n.deny.origin = n.allow_cidr.origin = o;
  n.resolve.origin = n.forward.origin = n.loopback_ports.origin = o;
  p.gate.ask_at.origin = p.gate.reviewers.origin = p.gate.rules.origin = o;
  p.gate.timeout_seconds.origin = o;
  p.gate.unsafe_disabled.origin = o;
  p.audit.store.origin = p.audit.key.origin = p.audit.checkpoint_every.origin = o;
  p.audit.writer_linger_seconds.origin = o;
}

}  // namespace

const std::vector<std::string>& builtin_hidden_paths() { return hidden_paths(); }
const std::vector<std::string>& builtin_protected_paths() { return protected_paths(); }

bool protected_only_if_present(std::string_view entry) {
  // Read by nothing on the host when missing: shell rc files (unless the workspace is the
  // dotfiles repository ~/.bashrc links into, where they exist), a repository's linked
  // worktrees (the box may add its own), and hook managers' files, which matter only once the
  // manager's hook is installed in .git/hooks (protected): then they exist.
  static constexpr std::string_view kOnlyIfPresent[] = {".bashrc",
                                                        ".bash_profile",
                                                        ".bash_login",
                                                        ".bash_logout",
                                                        ".profile",
                                                        ".zshrc",
                                                        ".zprofile",
                                                        ".zshenv",
                                                        ".zlogin",
                                                        ".git/worktrees",
                                                        ".husky",
                                                        ".pre-commit-config.yaml",
                                                        "lefthook.yml",
                                                        ".lefthook.yml",
                                                        "lefthook-local.yml",
                                                        ".lefthook-local.yml"};
  if (entry.ends_with('/')) entry.remove_suffix(1);  // ".husky/" as listed, ".husky" as planned
  for (auto name : kOnlyIfPresent) {
    if (entry == name) return true;
  }
  return false;
}

Policy builtin_profile(Profile profile) {
  Policy p = common_base();
  p.profile.value = profile;
  switch (profile) {
    case Profile::kReadOnly:
      p.filesystem.workspace.value = WorkspaceAccess::kReadOnly;
      p.network.mode.value = NetworkMode::kNone;
      break;
    case Profile::kWorkspaceWrite:
      break;
    case Profile::kCustomerData:
      p.gate.ask_at.value = RiskLevel::kMedium;
      p.resources.memory_bytes.value = 4 * kGiB;
      p.resources.timeout_seconds.value = 8 * kHour;
      break;
    case Profile::kFinancial:
      p.gate.reviewers.value = 2;
      [[fallthrough]];  // financial is production with a second reviewer
    case Profile::kProduction:
      p.gate.ask_at.value = RiskLevel::kEverything;
      p.resources.memory_bytes.value = 4 * kGiB;
      p.resources.timeout_seconds.value = 4 * kHour;
      break;
  }
  set_origins(p, Origin{std::string("profile ") + to_string(profile), 0});
  return p;
}

}  // namespace cordon::policy
