// Typed events as JSON and back: how the supervisor hands events to the audit writer process.
//
// The supervisor never holds the audit key: it sends each event to `cordon-audit-writer`, a
// process of its own (see client.h), which redacts, chains, stores and signs. This is the wire
// form of an event on that channel; it carries secrets still unredacted, so it never goes
// anywhere else.
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "events/session_events.h"

namespace cordon::audit {

nlohmann::json event_to_json(const events::Event& event);
Result<events::Event> event_from_json(const nlohmann::json& json);

}  // namespace cordon::audit
