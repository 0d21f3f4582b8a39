// Planning the protected-path attacks: which files to plant, write, create and rename.
#include "verify/protected_plan.h"

#include <algorithm>

namespace cordon::verify {
namespace {

// Marker file name the probe tries to create inside protected directories.
constexpr const char* kNewName = "cordon-verify-new";

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string top_component(const std::string& rel) {
  return rel.substr(0, rel.find('/'));
}

// Every proper ancestor directory of `rel`, outermost first: "a/b/c" -> {"a", "a/b"}.
std::vector<std::string> ancestors(const std::string& rel) {
  std::vector<std::string> out;
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    out.push_back(rel.substr(0, slash));
  }
  return out;
}

bool has_dotdot(const std::string& rel) {
  size_t start = 0;
  for (;;) {
    size_t slash = rel.find('/', start);
    if (rel.substr(start, slash - start) == "..") return true;
    if (slash == std::string::npos) return false;
    start = slash + 1;
  }
}

}  // namespace

std::vector<ProtectedEntry> parse_protected(const std::vector<std::string>& policy_paths,
                                            const std::vector<std::string>& only_if_present) {
  std::vector<ProtectedEntry> out;
  for (std::string p : policy_paths) {
    while (p.rfind("./", 0) == 0) p.erase(0, 2);
    ProtectedEntry e;
    while (!p.empty() && p.back() == '/') {
      e.directory = true;
      p.pop_back();
    }
    if (p.empty() || p.front() == '/' || has_dotdot(p)) continue;
    e.path = p;
    e.only_if_present =
        std::any_of(only_if_present.begin(), only_if_present.end(), [&](std::string_view listed) {
          while (listed.ends_with('/')) listed.remove_suffix(1);
          return listed == p;
        });
    auto same = [&](const ProtectedEntry& o) { return o.path == e.path; };
    if (std::none_of(out.begin(), out.end(), same)) out.push_back(e);
  }
  return out;
}

bool is_protected(const std::vector<ProtectedEntry>& entries, const std::string& rel) {
  return std::any_of(entries.begin(), entries.end(), [&](const ProtectedEntry& e) {
    return rel == e.path || rel.rfind(e.path + "/", 0) == 0;
  });
}

ProtectedPlan plan_protected(const std::vector<ProtectedEntry>& entries) {
  ProtectedPlan plan;
  plan.plant = {
      {kControlFile, "cordon verify: a normal workspace file (positive control)\n"},
      {".git/HEAD", "ref: refs/heads/main\n"},
      {".git/config", "[core]\n\trepositoryformatversion = 0\n"},
      {".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n"},
  };
  // Nested entries under an unprotected top directory: plant them so the rename of that
  // directory is attacked (protection must survive a rename of the parent).
  auto planted = [&](const std::string& rel) {
    return std::any_of(plan.plant.begin(), plan.plant.end(), [&](const auto& p) {
      return p.first == rel || p.first.rfind(rel + "/", 0) == 0;
    });
  };
  // Entries protected only when present are planted, so that writing them is attacked.
  for (const auto& e : entries) {
    if (e.only_if_present && !planted(e.path)) {
      plan.plant.emplace_back(e.directory ? e.path + "/cordon-verify-planted" : e.path,
                              "# cordon verify: planted protected file\n");
    }
  }
  for (const auto& e : entries) {
    if (e.path.find('/') == std::string::npos || planted(e.path)) continue;
    if (is_protected(entries, top_component(e.path))) continue;
    std::string file = e.directory ? e.path + "/cordon-verify-planted" : e.path;
    plan.plant.emplace_back(file, "cordon verify: planted protected file\n");
  }

  for (const auto& [file, content] : plan.plant) {
    if (!is_protected(entries, file)) continue;
    add_unique(plan.attacks.writes, file);
    for (const auto& dir : ancestors(file)) add_unique(plan.attacks.renames, dir);
  }
  for (const auto& e : entries) {
    bool planted_dir = std::any_of(plan.plant.begin(), plan.plant.end(), [&](const auto& p) {
      return p.first.rfind(e.path + "/", 0) == 0;
    });
    if (e.directory || planted_dir) {
      add_unique(plan.attacks.creates, e.path + "/" + kNewName);
    } else if (!planted(e.path)) {
      add_unique(plan.attacks.creates, e.path);
    }
  }
  return plan;
}

}  // namespace cordon::verify
