// Fuzzes the channel between cordon and its audit writer (audit/event_json.h): the writer reads
// every frame with from_wire and event_from_json, so no payload may crash it, and the bytes of
// an event (an argv from the box may be anything) must reach it unchanged, for the redactor to
// see what the box used.
#include <string>
#include <vector>

#include "audit/event_json.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);

  // Any payload: a message or discarded, and a message an event or an error; never a throw.
  const nlohmann::json message = cordon::audit::from_wire(payload);
  if (!message.is_discarded()) (void)cordon::audit::event_from_json(message);

  // Any bytes in an event cross the wire as they are.
  cordon::fuzz::InputReader in(data, size);
  cordon::events::ProgramStarted start;
  start.session_id = std::string(in.piece());
  start.path = std::string(in.piece());
  start.argv = in.pieces(8);
  const auto back = cordon::audit::event_from_json(
      cordon::audit::from_wire(cordon::audit::to_wire(cordon::audit::event_to_json(start))));
  FUZZ_CHECK(back.ok());
  const auto* got = std::get_if<cordon::events::ProgramStarted>(&*back);
  FUZZ_CHECK(got != nullptr && got->session_id == start.session_id && got->path == start.path &&
             got->argv == start.argv);
  return 0;
}
