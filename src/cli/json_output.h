// JSON that cordon prints (`--json`): indented, and with invalid UTF-8 replaced by U+FFFD. An
// argv, a path or a stored row's text may hold any bytes; nlohmann's dump() throws on those,
// which would abort cordon instead of printing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cordon::cli {

inline std::string json_output(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cordon::cli
