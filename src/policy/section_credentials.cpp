// [credentials]: reserved; its keys arrive with the credentials issue.
#include "policy/sections.h"

namespace cordon::policy {

// Reserved so that configs written for a later cordon fail loudly instead of being ignored.
Result<void> apply_credentials(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  if (table->empty()) return Ok{};
  const toml::key& key = table->begin()->first;
  return error_at(st.ctx, static_cast<int>(key.source().begin.line),
                  "credentials." + std::string(key.str()) +
                      ": [credentials] is reserved; its keys arrive with the credentials issue",
                  "remove the [credentials] section for now");
}

}  // namespace cordon::policy
