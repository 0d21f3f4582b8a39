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
Result<void> apply_audit(LayerState& st, const Field& f);

// The keys each table accepts (for hints about keys written in the wrong table).
std::span<const KeySpec> filesystem_keys();
std::span<const KeySpec> environment_keys();
std::span<const KeySpec> resources_keys();
std::span<const KeySpec> network_keys();
std::span<const KeySpec> gate_keys();
std::span<const KeySpec> audit_keys();

}  // namespace cordon::policy
