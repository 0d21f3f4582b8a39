// Internal: the handlers of the top-level tables ([filesystem], [resources]...), one file each.
#pragma once

#include "policy/toml_fields.h"

namespace cordon::policy {

Result<void> apply_filesystem(LayerState& st, const Field& f);
Result<void> apply_environment(LayerState& st, const Field& f);
Result<void> apply_resources(LayerState& st, const Field& f);
Result<void> apply_network(LayerState& st, const Field& f);
Result<void> apply_gate(LayerState& st, const Field& f);
Result<void> apply_credentials(LayerState& st, const Field& f);

}  // namespace cordon::policy
