// The session summary printed when a session ends.
#pragma once

#include <optional>
#include <string>

#include "events/session_events.h"

namespace cordon::cli {

// Keeps what the summary needs (the session's start and end) and nothing else: a long session's
// program starts and network decisions go to the audit trail only, never pile up in memory.
// The box serialises its events (launch.cpp SessionEvents); render() once the session is over.
class SessionSummary : public events::EventSink {
 public:
  void emit(const events::Event& event) override;
  // The summary once the session has ended; empty before.
  std::string render() const;

 private:
  std::optional<events::SessionStarted> start_;
  std::optional<events::SessionEnded> end_;
};

}  // namespace cordon::cli
