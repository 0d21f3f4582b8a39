// Internal: applying one parsed policy file (a "layer") over the policy beneath it.
//
// apply_table runs, in order: the keys of the document (each checked for type and range and
// written into a copy of the base with its origin), then the checks that need the whole result
// (consistency.cpp), then, for an untrusted file, the refusal of anything weaker than the base
// (trust.cpp). load_policy parses each file once and calls apply_table per layer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "policy/policy.h"
#include "policy/toml.h"

namespace cordon::policy {

enum class LayerKind {
  kUser,       // the user's own config file: trusted, may list trusted_workspaces
  kWorkspace,  // <workspace>/cordon.toml: comes with the repository
  kConfig,     // --config FILE: trusted
  kText,       // apply_toml on a string (tests, round trips)
};

struct LayerContext {
  std::string source;  // file name for errors and origins
  LayerKind kind = LayerKind::kText;
  bool trusted = true;
  std::string home;  // expands "~" when comparing paths; empty compares them as written
  // The workspace, where gate rule examples run and relative rule paths point ("" for a text
  // layer: examples run in "/").
  std::string workspace;
};

// A value added by this layer with the line it was written on, for checks that need the line
// of one list entry rather than of the whole list.
struct PathEntry {
  std::string path;
  int line = 0;
  std::string resolved;  // the path with its symlinks resolved, when that differs ("" if not)
};

// The policy being built from one layer, plus what the later checks need to know about it.
struct LayerState {
  const LayerContext& ctx;
  const Policy& base;
  Policy out;
  std::map<std::string, int> key_lines;  // dotted key ("network.mode") -> line in this layer
  std::vector<PathEntry> new_read;
  std::vector<PathEntry> new_write;
  std::vector<PathEntry> new_hide;
};

// "FILE:LINE: what" with a hint: the shape of every error in a policy file.
Error error_at(const LayerContext& ctx, int line, const std::string& what, std::string hint);
// Re-raises a validator's error at FILE:LINE, naming the key: "FILE:LINE: KEY: message".
Error error_at(const LayerContext& ctx, int line, const std::string& key, Error inner);

Result<toml::table> parse_document(const std::string& text, const std::string& source);

Result<Policy> apply_table(const Policy& base, const toml::table& doc, const LayerContext& ctx);

// First-pass readers for load_policy (apply_table validates the same keys again, cheaply).
Result<std::optional<Setting<Profile>>> read_profile_key(const toml::table& doc,
                                                         const LayerContext& ctx);
Result<std::vector<std::string>> read_trusted_workspaces(const toml::table& doc,
                                                         const LayerContext& ctx);

// Whole-result checks after the keys are applied (impossible combinations).
Result<void> check_consistency(const LayerState& state);

// Where `upper` is weaker than `lower`, one entry per key, with the origin of the weaker value.
struct Weakening {
  std::string what;  // "adds filesystem.read paths", "raises resources.memory from 4G to 8G"
  Origin origin;
};
std::vector<Weakening> find_weakenings(const Policy& lower, const Policy& upper);

// The hint of every untrusted-file refusal.
std::string untrusted_hint();

}  // namespace cordon::policy
