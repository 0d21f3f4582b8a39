// [filesystem]: the workspace, home, extra host paths, hidden and protected paths, /tmp, Landlock.
#include <array>
#include <filesystem>
#include <system_error>

#include "base/files.h"
#include "policy/paths.h"
#include "policy/sections.h"

namespace cordon::policy {
namespace {

constexpr uint64_t kMinTmpSize = 1ULL << 20;

enum class HostPathUse { kRead, kWrite, kHide };

// The path with its symlinks resolved (as far as it exists: a missing tail stays as written), or
// "" when it cannot name anything yet (a "~" path with no home known).
std::string resolved_path(const std::string& normalized, const std::string& home) {
  if (normalized.starts_with('~') && home.empty()) return "";
  std::error_code ec;
  auto resolved = std::filesystem::weakly_canonical(expand_home(normalized, home), ec);
  return ec ? "" : resolved.string();
}

// Checks one read/write/hide entry beyond its form: what it would expose or break. `path` is the
// entry as written (normalised), `shown` the host directory the box would show: the same, or
// its target when a symlink is on the way ("/tmp/x" -> "/etc" must be refused like "/etc").
Result<void> check_host_path(const LayerContext& ctx, const Field& f, const Item& item,
                             const std::string& path, const std::string& shown, HostPathUse use) {
  std::string via = shown == path ? "" : " (which resolves to \"" + shown + "\")";
  // With the home known, "/home/u" and "/home" show the whole home just as "~" does.
  bool shows_home = !ctx.home.empty() && is_same_or_beneath(ctx.home, shown, ctx.home);
  if (use != HostPathUse::kHide && (is_root_or_home(shown) || shows_home)) {
    return error_at(ctx, item.line,
                    f.name + ": \"" + item.value + "\"" + via + " would show the whole " +
                        (shown == "/" ? "host" : "home directory") + " in the box",
                    "name the directories the agent needs, e.g. \"~/.cache/pip\" or \"/nix\"");
  }
  if (use == HostPathUse::kHide && path == "/") {
    return error_at(ctx, item.line, f.name + ": \"/\" would hide the whole system",
                    "name the secret files or directories to hide, e.g. \"~/.config/secret\"");
  }
  if (use == HostPathUse::kWrite) {
    std::string system_dir = system_dir_of(shown);
    if (!system_dir.empty()) {
      return error_at(ctx, item.line,
                      f.name + ": \"" + item.value + "\"" + via + " is in the system directory " +
                          system_dir + ", which every box shows read-only",
                      "a writable system directory would let the agent change what the host "
                      "runs; move to `read` if the agent only needs to see it");
    }
  }
  return Ok{};
}

Result<void> apply_host_paths(LayerState& st, const Field& f, HostPathUse use,
                              Setting<std::vector<std::string>>& setting,
                              std::vector<PathEntry>& added) {
  CORDON_ASSIGN_OR_RETURN(std::vector<Item> items,
                          as_string_list(st.ctx, f, "[\"~/.cache/pip\", \"/nix\"]"));
  std::vector<std::string> paths;
  for (const Item& item : items) {
    auto path = normalize_host_path(item.value);
    if (!path.ok()) return error_at(st.ctx, item.line, f.name, std::move(path).error());
    CORDON_TRY(check_host_path(st.ctx, f, item, *path, *path, use));
    std::string resolved = resolved_path(*path, st.ctx.home);
    if (resolved == expand_home(*path, st.ctx.home)) resolved.clear();
    if (!resolved.empty()) CORDON_TRY(check_host_path(st.ctx, f, item, *path, resolved, use));
    paths.push_back(*path);
    added.push_back(PathEntry{*path, item.line, resolved});
  }
  append(st, f, setting, paths);
  return Ok{};
}

Result<void> apply_workspace(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<WorkspaceAccess>(st.ctx, f));
  assign(st, f, st.out.filesystem.workspace, value);
  return Ok{};
}

Result<void> apply_home(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<HomeMode>(st.ctx, f));
  assign(st, f, st.out.filesystem.home, value);
  return Ok{};
}

Result<void> apply_read(LayerState& st, const Field& f) {
  return apply_host_paths(st, f, HostPathUse::kRead, st.out.filesystem.read_paths, st.new_read);
}

Result<void> apply_write(LayerState& st, const Field& f) {
  return apply_host_paths(st, f, HostPathUse::kWrite, st.out.filesystem.write_paths, st.new_write);
}

Result<void> apply_hide(LayerState& st, const Field& f) {
  return apply_host_paths(st, f, HostPathUse::kHide, st.out.filesystem.hidden_paths, st.new_hide);
}

Result<void> apply_protect(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(std::vector<Item> items,
                          as_string_list(st.ctx, f, "[\"deploy/\", \"Makefile\"]"));
  std::vector<std::string> paths;
  for (const Item& item : items) {
    auto path = normalize_workspace_path(item.value);
    if (!path.ok()) return error_at(st.ctx, item.line, f.name, std::move(path).error());
    paths.push_back(*path);
  }
  append(st, f, st.out.filesystem.protected_paths, paths);
  return Ok{};
}

Result<void> apply_tmp_size(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto bytes, as_size(st.ctx, f, /*allow_none=*/false));
  if (*bytes < kMinTmpSize) {
    return error_at(st.ctx, f.line(), f.name + " is below the minimum of 1M",
                    "/tmp needs room for at least small files; for example: tmp_size = \"512M\"");
  }
  assign(st, f, st.out.filesystem.tmp_size_bytes, *bytes);
  return Ok{};
}

Result<void> apply_landlock(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<LandlockMode>(st.ctx, f));
  assign(st, f, st.out.filesystem.landlock, value);
  return Ok{};
}

constexpr std::array<KeySpec, 8> kKeys{{
    {"workspace", apply_workspace},
    {"home", apply_home},
    {"read", apply_read},
    {"write", apply_write},
    {"hide", apply_hide},
    {"protect", apply_protect},
    {"tmp_size", apply_tmp_size},
    {"landlock", apply_landlock},
}};

}  // namespace

std::span<const KeySpec> filesystem_keys() { return kKeys; }

Result<void> apply_filesystem(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "filesystem", kKeys);
}

}  // namespace cordon::policy
