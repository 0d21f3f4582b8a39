// The session summary printed when a session ends (from the session's events).
#pragma once

#include <string>

#include "events/session_events.h"

namespace cordon::cli {

// Renders the summary of the last session in `events` (SessionStarted + SessionEnded).
std::string render_summary(const events::RecordingSink& events);

}  // namespace cordon::cli
