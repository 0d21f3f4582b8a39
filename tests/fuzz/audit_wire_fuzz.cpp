// Fuzzes the channel between cordon and its audit writer (audit/event_wire.h): the writer reads
// every frame with event_from_wire, so no payload may crash it, and the bytes of an event (an
// argv from the box may be anything) must reach it unchanged, for the redactor to see what the
// box used.
#include <string>
#include <vector>

#include "audit/event_wire.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);

  // Any payload: an event or an error; never a throw. The session's options, read as a JSON
  // value, likewise.
  (void)cordon::audit::event_from_wire(payload);
  (void)cordon::audit::from_wire(payload);

  // Any bytes in an event cross the wire as they are.
  cordon::fuzz::InputReader in(data, size);
  cordon::events::ProgramStarted start;
  start.session_id = std::string(in.piece());
  start.path = std::string(in.piece());
  start.argv = in.pieces(8);
  const auto back = cordon::audit::event_from_wire(cordon::audit::event_to_wire(start));
  FUZZ_CHECK(back.ok());
  const auto* got = std::get_if<cordon::events::ProgramStarted>(&*back);
  FUZZ_CHECK(got != nullptr && got->session_id == start.session_id && got->path == start.path &&
             got->argv == start.argv);
  return 0;
}
