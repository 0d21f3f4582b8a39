// Planning the attacks on the workspace's protected paths from the policy's list (pure).
#pragma once

#include <string>
#include <vector>

#include "verify/spec.h"

namespace cordon::verify {

// A protected entry as the policy writes it: workspace-relative, "dir/" for a directory.
struct ProtectedEntry {
  std::string path;  // without the trailing '/'
  bool directory = false;
  bool only_if_present = false;  // no placeholder when missing: verify plants it to attack it
};

// Normalises the policy's entries ("./x" -> "x", "dir/" -> directory); drops empty, absolute and
// ".." entries (the policy validator rejects those before verify runs).
// `only_if_present` lists the entries the box protects only when they exist.
std::vector<ProtectedEntry> parse_protected(const std::vector<std::string>& policy_paths,
                                            const std::vector<std::string>& only_if_present = {});

// True when the workspace-relative `rel` is an entry or lies beneath one.
bool is_protected(const std::vector<ProtectedEntry>& entries, const std::string& rel);

// What prepare_verify plants in the workspace and what the probe attacks.
struct ProtectedPlan {
  // Files to create before the box starts (workspace-relative), with their content. Always a
  // realistic .git (HEAD, config, hooks/pre-commit) and a normal file, plus one file for every
  // nested entry whose top directory is not itself protected ("config/secrets.yml"), so that
  // renaming that unprotected parent is attacked.
  std::vector<std::pair<std::string, std::string>> plant;
  // The probe's attacks; every path in them is protected, so each must fail.
  ProtectedAttacks attacks;
};

// The normal (unprotected) workspace file used as the positive control.
inline constexpr const char* kControlFile = "notes.txt";

ProtectedPlan plan_protected(const std::vector<ProtectedEntry>& entries);

}  // namespace cordon::verify
