// Typed events as JSON values and back, sent as MessagePack (to_wire): how the supervisor hands
// events to the audit writer process.
//
// The supervisor never holds the audit key: it sends each event to `cordon-audit-writer`, a
// process of its own (see client.h), which redacts, chains, stores and signs. This is the wire
// form of an event on that channel; it carries secrets still unredacted, so it never goes
// anywhere else.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "events/session_events.h"

namespace cordon::audit {

nlohmann::json event_to_json(const events::Event& event);
Result<events::Event> event_from_json(const nlohmann::json& json);

// A frame's payload from cordon to its writer (the session's options, each event, the end).
// MessagePack, not JSON text: the strings on this channel are bytes (an argv, a path, a secret
// from the host's environment can hold any bytes), and JSON text carries only valid UTF-8, so
// dumping one would throw, or replace bytes before the writer could redact them. MessagePack
// carries them as they are; the writer redacts the bytes the box used, and only the rows it
// stores replace invalid UTF-8 (encode.cpp).
std::string to_wire(const nlohmann::json& message);
// Discarded (is_discarded()) if the payload is not one well-formed message.
nlohmann::json from_wire(std::string_view payload);

}  // namespace cordon::audit
