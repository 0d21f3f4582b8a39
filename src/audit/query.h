// Reading the store: filtered event queries and the per-session summary table.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.h"
#include "audit/store.h"
#include "base/result.h"

namespace cordon::audit {

struct EventFilter {
  std::optional<std::string> session;   // a full session id (see resolve_session)
  std::vector<std::string> kinds;       // exact kinds, or prefixes ending in '.' ("network.")
  std::optional<std::string> decision;  // "allow", "deny", "ask"
  std::optional<int64_t> since_us;      // inclusive
  std::optional<int64_t> until_us;      // exclusive
  std::optional<std::string> text;      // case-insensitive substring of the JSON body
  int64_t after_id = 0;                 // only rows with a larger id (tail -f)
  int64_t limit = 0;                    // 0: no limit
  bool newest = false;                  // with a limit: the newest `limit` rows (still in order)
};

// Calls `each` for every matching row in chain order.
Result<void> query_events(Store& store, const EventFilter& filter,
                          const std::function<void(const Record&)>& each);

struct SessionRow {
  std::string id;
  int64_t start_us = 0;
  std::optional<int64_t> duration_ms;  // unset exactly when there is no end row (running, killed)
  std::string profile;
  std::vector<std::string> command;
  std::string outcome;  // "exit 0", "signal 9", "timed out", "setup failed", "running?"
  int64_t events = 0;
  int64_t allowed = 0;
  int64_t denied = 0;
};

// Sessions in start order; with `limit`, the newest `limit` of them.
Result<std::vector<SessionRow>> list_sessions(Store& store, int64_t limit);

// The full session id for `prefix` (at least 4 characters), if exactly one matches.
Result<std::string> resolve_session(Store& store, const std::string& prefix);

}  // namespace cordon::audit
