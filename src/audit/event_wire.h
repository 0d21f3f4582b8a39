// Typed events on the channel from cordon to its audit writer, as MessagePack, and back.
//
// The supervisor never holds the audit key: it sends each event to `cordon-audit-writer`, a
// process of its own (see client.h), which redacts, chains, stores and signs. This is the wire
// form of an event on that channel; it carries secrets still unredacted, so it never goes
// anywhere else.
//
// MessagePack, not JSON text: the strings on this channel are bytes (an argv, a path, a secret
// from the host's environment can hold any bytes), and JSON text carries only valid UTF-8, so
// dumping one would throw, or replace bytes before the writer could redact them. MessagePack
// carries them as they are; the writer redacts the bytes the box used, and only the rows it
// stores replace invalid UTF-8 (encode.cpp). Each event is one map, written directly
// (msgpack_writer.h) and read field by field (wire_fields.h): no JSON tree on either side.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "events/session_events.h"

namespace cordon::audit {

// An event's payload, and the event a payload holds (an error if it holds none).
std::string event_to_wire(const events::Event& event);
Result<events::Event> event_from_wire(std::string_view payload);

// The payload that ends a session's stream of events.
const std::string& end_of_events();

// The session's options and other once-a-session messages, as JSON values on the same wire.
std::string to_wire(const nlohmann::json& message);
// Discarded (is_discarded()) if the payload is not one well-formed message.
nlohmann::json from_wire(std::string_view payload);

}  // namespace cordon::audit
