// The policy's [gate] section as the approval gate takes it (policy/ -> gate/).
#pragma once

#include "gate/gate.h"
#include "policy/policy.h"

namespace cordon::policy {

// The rules, threshold and reviewers of `gate`, for `context` (the workspace and home as the box
// sees them). ask_at maps level for level; "everything" (production, financial) is
// gate::AskAt::kEverything. The rules were compiled at load with the same compiler, so
// gate::Gate::compile on the result fails only if `context` places the examples elsewhere.
gate::GateConfig gate_config(const GatePolicy& gate, gate::RiskContext context);

}  // namespace cordon::policy
