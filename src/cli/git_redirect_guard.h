// The one file in the workspace's .git that sends git elsewhere for its config and hooks:
// `.git/commondir` ("../evil" makes git read ../evil/config and run ../evil/hooks). `.git` stays
// writable in the box so that git can commit there, and git refuses an empty commondir, so no
// placeholder can hold its place; one the box created is moved aside when the session ends,
// before the user's next git command on the host reads it.
#pragma once

#include <string>
#include <vector>

namespace cordon::cli {

class GitRedirectGuard {
 public:
  // Notes whether `workspace`/.git/commondir exists now (a linked layout the user made).
  explicit GitRedirectGuard(std::string workspace);

  // If the session created it, renames it to commondir.cordon-SESSION and returns one line for
  // the user; nothing otherwise.
  std::vector<std::string> move_aside_new(const std::string& session_id) const;

 private:
  std::string path_;
  bool existed_ = false;
};

}  // namespace cordon::cli
