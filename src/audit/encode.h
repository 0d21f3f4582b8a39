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

// The row for `event`: every string passes through `redactor`. `counts` is used by session.end
// only. The caller fills in seq and time_us.
PendingEvent encode_event(const events::Event& event, const Redactor& redactor,
                          const SessionCounts& counts);

// "allow", "deny", "ask".
const char* decision_name(events::Decision decision);

}  // namespace cordon::audit
