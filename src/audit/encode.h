// Event encoding: a typed event becomes one row's kind, decision and JSON body, redacted.
//
// Kinds (stable names; queries and SIEM rules use them):
//   session.start  session.setup-failed  session.end  program.start  network.decision
//   approval.request  approval.answer  credential.mint  credential.revoke
#pragma once

#include <cstdint>
#include <string>

#include "audit/record.h"
#include "audit/redact.h"
#include "events/session_events.h"

namespace cordon::audit {

// Decisions a session's walls made, for the session.end row and `audit sessions`.
struct SessionCounts {
  int64_t events = 0;
  int64_t allowed = 0;
  int64_t denied = 0;
  int64_t asked = 0;
};

// How much of a program start's argv a row keeps. The box chooses its argv: 14 arguments of
// 131 KB each, exec'd 100 times, stored 182 MB. A row keeps each argument up to
// kMaxStoredArgument bytes and the arguments up to kMaxStoredArgv bytes in all (after
// redaction); when it keeps less, `argv_cut` holds the count, the size and the SHA-256 of the
// whole (redacted) argv, each argument followed by a NUL byte, so the row still identifies it.
inline constexpr size_t kMaxStoredArgument = 4096;
inline constexpr size_t kMaxStoredArgv = 64 << 10;

// The row for `event`: every string passes through `redactor`. `counts` is used by session.end
// only. The caller fills in seq and time_us.
PendingEvent encode_event(const events::Event& event, const Redactor& redactor,
                          const SessionCounts& counts);

// "allow", "deny", "ask".
const char* decision_name(events::Decision decision);

}  // namespace cordon::audit
