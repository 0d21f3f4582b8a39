// [gate]: the approval thresholds of the profile (the rules arrive with the gate issue).
#include <array>

#include "policy/sections.h"

namespace cordon::policy {
namespace {

Result<void> apply_ask_at(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<RiskLevel>(st.ctx, f));
  assign(st, f, st.out.gate.ask_at, value);
  return Ok{};
}

Result<void> apply_reviewers(LayerState& st, const Field& f) {
  const auto* i = f.node.as_integer();
  if (i == nullptr) return wrong_type(st.ctx, f, "an integer", "2");
  if (i->get() != 1 && i->get() != 2) {
    return error_at(st.ctx, f.line(), f.name + " must be 1 or 2, not " + std::to_string(i->get()),
                    "1: any one reviewer may answer; 2: two distinct reviewers must agree");
  }
  assign(st, f, st.out.gate.reviewers, static_cast<int>(i->get()));
  return Ok{};
}

constexpr std::array<KeySpec, 2> kKeys{{
    {"ask_at", apply_ask_at},
    {"reviewers", apply_reviewers},
}};

}  // namespace

std::span<const KeySpec> gate_keys() { return kKeys; }

Result<void> apply_gate(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "gate", kKeys);
}

}  // namespace cordon::policy
