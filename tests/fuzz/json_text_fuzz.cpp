// Fuzzes the JSON text of audit rows (audit/json_text.h): for any bytes, a string is written
// exactly as nlohmann's dump() writes it with invalid UTF-8 replaced, which is what makes a row
// written without a JSON tree the same bytes as before; and the text is always valid JSON that
// reads back as that string.
#include <nlohmann/json.hpp>
#include <string>

#include "audit/json_text.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nlohmann::json;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::string ours;
  cordon::audit::append_json_string(ours, bytes);
  const std::string library = json(bytes).dump(-1, ' ', false, json::error_handler_t::replace);
  FUZZ_CHECK(ours == library);
  const json back = json::parse(ours, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(back.is_string());
  return 0;
}
