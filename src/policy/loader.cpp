// load_policy: reads the user, workspace and --config files once each, chooses the built-in
// profile, decides whether the workspace file is trusted, and layers the files over the profile.
#include "policy/loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

#include "base/files.h"
#include "base/unique_fd.h"
#include "net/rules.h"
#include "policy/layer.h"

namespace cordon::policy {
namespace {

struct LayerFile {
  LayerContext ctx;
  toml::table doc;
};

// Resolves symlinks where the path exists, so "~/src/p" and a symlinked spelling compare equal.
std::string canonical_or_lexical(const std::string& path) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  if (ec) return std::filesystem::path(path).lexically_normal().string();
  return canonical.string();
}

// No policy file comes near this (the commented example is 10 KiB); a bigger one is a mistake
// or a repository trying to exhaust cordon's memory.
constexpr off_t kMaxPolicyFileBytes = 1 << 20;

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

std::string is_not_regular(mode_t mode) {
  return std::string("is ") + file_kind(mode) + ", not a regular file";
}

Error not_a_policy_file(const std::string& path, const std::string& what) {
  return Error(Errc::kPolicy, path + " " + what)
      .with_hint(
          "a policy file must be a regular TOML file of at most 1 MiB; cordon reads "
          "nothing else (a FIFO, a device or /dev/stdin would hang it or exhaust its "
          "memory): replace or remove " +
          path);
}

// The text of the policy file at `path`, or nullopt when nothing is there. Anything but a
// regular file of at most 1 MiB is refused before a byte of it is read: the workspace file
// comes with the repository, and a committed symlink to /dev/zero, a FIFO or /dev/stdin would
// otherwise hang cordon or exhaust its memory. A symlink to nothing is refused too: silently
// ignoring it would drop a policy the user expects.
Result<std::optional<std::string>> read_if_present(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    struct stat link {};
    if (err == ENOENT && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      std::error_code ec;
      std::string target = std::filesystem::read_symlink(path, ec).string();
      return Error(Errc::kPolicy,
                   path + " is a symbolic link to \"" + target + "\", which does not exist")
          .with_hint(
              "cordon does not skip a policy file it cannot read: restore the link's "
              "target, or remove the link");
    }
    if (err == ENOENT) return std::optional<std::string>();
    return Error(Errc::kPolicy, "stat " + path, err)
        .with_hint(
            "cordon must be able to read every policy file it finds; fix the path's "
            "permissions, or remove the file");
  }
  // Checked before the open too: opening a device can have effects of its own.
  if (!S_ISREG(st.st_mode)) return not_a_policy_file(path, is_not_regular(st.st_mode));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) {
    return Error(Errc::kPolicy, "open " + path, errno)
        .with_hint(
            "cordon must be able to read every policy file it finds; fix the file's "
            "permissions, or remove it");
  }
  // Again on what was opened: the path may have changed since the stat.
  if (::fstat(fd.get(), &st) != 0) return Error::system("fstat " + path);
  if (!S_ISREG(st.st_mode)) return not_a_policy_file(path, is_not_regular(st.st_mode));
  if (st.st_size > kMaxPolicyFileBytes) {
    return not_a_policy_file(path,
                             "is larger than 1 MiB (" + std::to_string(st.st_size) + " bytes)");
  }
  // Read at most one byte past the cap, in case the file grows while it is read.
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size));
  char buf[16384];
  while (text.size() <= static_cast<size_t>(kMaxPolicyFileBytes)) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("read " + path);
    if (n == 0) return std::optional<std::string>(std::move(text));
    text.append(buf, static_cast<size_t>(n));
  }
  return not_a_policy_file(path, "is larger than 1 MiB");
}

Result<std::optional<LayerFile>> load_layer(const std::string& path, LayerContext ctx) {
  CORDON_ASSIGN_OR_RETURN(std::optional<std::string> text, read_if_present(path));
  if (!text) return std::optional<LayerFile>();
  CORDON_ASSIGN_OR_RETURN(toml::table doc, parse_document(*text, path));
  return std::optional<LayerFile>(LayerFile{std::move(ctx), std::move(doc)});
}

bool is_trusted_workspace(const std::string& workspace, const std::vector<std::string>& trusted,
                          const std::string& home) {
  std::string canonical_workspace = canonical_or_lexical(workspace);
  for (const std::string& entry : trusted) {
    // Without a home, "~/x" cannot name anything: never let it match by accident.
    if (entry.rfind('~', 0) == 0 && home.empty()) continue;
    if (canonical_or_lexical(expand_home(entry, home)) == canonical_workspace) return true;
  }
  return false;
}

std::string strip_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The layers in order: user file, workspace file, --config file (absent files are skipped).
Result<std::vector<LayerFile>> read_layers(const LoadRequest& req, const std::string& home) {
  std::vector<LayerFile> layers;
  std::vector<std::string> trusted_workspaces;
  if (!req.user_config_path.empty()) {
    LayerContext ctx{req.user_config_path, LayerKind::kUser, true, home, req.workspace};
    CORDON_ASSIGN_OR_RETURN(auto user, load_layer(req.user_config_path, ctx));
    if (user) {
      CORDON_ASSIGN_OR_RETURN(trusted_workspaces, read_trusted_workspaces(user->doc, user->ctx));
      layers.push_back(std::move(*user));
    }
  }
  std::optional<std::string> config_canonical;
  if (req.config_flag) config_canonical = canonical_or_lexical(*req.config_flag);
  if (!req.workspace.empty()) {
    std::string path = strip_trailing_slashes(req.workspace) + "/cordon.toml";
    // Named with --config too: the user chose it explicitly, so it is applied once, trusted.
    if (canonical_or_lexical(path) != config_canonical) {
      bool trusted = is_trusted_workspace(req.workspace, trusted_workspaces, home);
      CORDON_ASSIGN_OR_RETURN(auto ws,
                              load_layer(path, {path, LayerKind::kWorkspace, trusted, home, req.workspace}));
      if (ws) layers.push_back(std::move(*ws));
    }
  }
  if (req.config_flag) {
    const std::string& path = *req.config_flag;
    CORDON_ASSIGN_OR_RETURN(auto config, load_layer(path, {path, LayerKind::kConfig, true, home, req.workspace}));
    if (!config) {
      return Error(Errc::kNotFound, "--config " + path + ": no such file")
          .with_hint("check the path given to --config");
    }
    layers.push_back(std::move(*config));
  }
  return layers;
}

Result<Profile> profile_flag(const std::string& name) {
  if (auto profile = profile_from_string(name)) return *profile;
  return Error(Errc::kInvalidInput, "--profile " + name + ": no such profile")
      .with_hint("profiles: read-only, workspace-write, customer-data, production, financial");
}

// An untrusted file may choose a profile only if it is no weaker than the one the layers below
// it would choose (by default workspace-write).
Result<void> check_untrusted_profile(const LayerContext& ctx, const Setting<Profile>& chosen,
                                     const Setting<Profile>& lower) {
  auto weaker = find_weakenings(builtin_profile(lower.value), builtin_profile(chosen.value));
  if (weaker.empty()) return Ok{};
  return error_at(ctx, chosen.origin.line,
                  std::string("profile = \"") + to_string(chosen.value) +
                      "\" would weaken profile \"" + to_string(lower.value) + "\" (from " +
                      lower.origin.describe() + "): it " + weaker.front().what,
                  untrusted_hint());
}

// --profile, else the `profile` key of the highest layer that sets one, else workspace-write.
Result<Setting<Profile>> choose_profile(const LoadRequest& req,
                                        const std::vector<LayerFile>& layers) {
  if (req.profile_flag) {
    CORDON_ASSIGN_OR_RETURN(Profile profile, profile_flag(*req.profile_flag));
    return Setting<Profile>{profile, Origin{"--profile", 0}};
  }
  Setting<Profile> lower{Profile::kWorkspaceWrite, Origin{"default", 0}};
  Setting<Profile> chosen = lower;
  const LayerFile* chosen_by = nullptr;
  for (const LayerFile& layer : layers) {
    CORDON_ASSIGN_OR_RETURN(auto key, read_profile_key(layer.doc, layer.ctx));
    if (!key) continue;
    lower = chosen;
    chosen = *key;
    chosen_by = &layer;
  }
  // Only the winning choice matters: an overridden one cannot weaken anything.
  if (chosen_by != nullptr && !chosen_by->ctx.trusted) {
    CORDON_TRY(check_untrusted_profile(chosen_by->ctx, chosen, lower));
  }
  return chosen;
}

// The flags layer: typed on the command line by the user, so trusted, and applied last.
Result<void> apply_network_flags(const LoadRequest& req, Policy& policy) {
  if (req.network_flag) {
    if (*req.network_flag == "none") {
      policy.network.mode = {NetworkMode::kNone, Origin{"--network", 0}};
    } else if (*req.network_flag == "proxy") {
      policy.network.mode = {NetworkMode::kProxy, Origin{"--network", 0}};
    } else {
      return Error(Errc::kInvalidInput, "--network " + *req.network_flag + ": no such mode")
          .with_hint("use --network none (loopback only) or --network proxy (cordon's proxy)");
    }
  }
  for (const std::string& rule : req.allow_flags) {
    if (auto parsed = net::HostRule::parse(rule); !parsed.ok()) {
      return Error(Errc::kInvalidInput, "--allow " + rule + ": " + parsed.error().message())
          .with_hint("write HOST or HOST:PORT or HOST:LO-HI, e.g. --allow api.example.com:443");
    }
    auto& allow = policy.network.allow.value;
    if (std::find(allow.begin(), allow.end(), rule) == allow.end()) {
      allow.push_back(rule);
      policy.network.allow.origin = Origin{"--allow", 0};
    }
  }
  if (!req.allow_flags.empty() && policy.network.mode.value == NetworkMode::kNone) {
    return Error(Errc::kPolicy,
                 "--allow needs network.mode = \"proxy\", but the policy says "
                 "\"none\" (from " +
                     policy.network.mode.origin.describe() + ")")
        .with_hint("add --network proxy, or drop --allow");
  }
  return Ok{};
}

}  // namespace

Result<Policy> load_policy(const LoadRequest& request) {
  std::string home = strip_trailing_slashes(request.home);
  CORDON_ASSIGN_OR_RETURN(std::vector<LayerFile> layers, read_layers(request, home));
  CORDON_ASSIGN_OR_RETURN(Setting<Profile> profile, choose_profile(request, layers));
  Policy policy = builtin_profile(profile.value);
  for (const LayerFile& layer : layers) {
    CORDON_ASSIGN_OR_RETURN(policy, apply_table(policy, layer.doc, layer.ctx));
  }
  policy.profile = profile;
  CORDON_TRY(apply_network_flags(request, policy));
  return policy;
}

}  // namespace cordon::policy
