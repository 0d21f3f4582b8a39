// [audit]: where the audit trail and its checkpoint key live, how often it is signed, and how
// long a session's writer waits for the next session.
#include <array>

#include "policy/paths.h"
#include "policy/sections.h"

namespace cordon::policy {
namespace {

Result<std::string> as_file_path(LayerState& st, const Field& f, const char* example) {
  CORDON_ASSIGN_OR_RETURN(std::string path, as_string(st.ctx, f, example));
  if (path.empty()) return path;  // the default location (what `policy show` prints as "")
  if (auto bytes = refuse_control_bytes(path, "write an absolute file path or one under ~/");
      !bytes.ok()) {
    return error_at(st.ctx, f.line(), f.name, std::move(bytes).error());
  }
  const bool absolute = path.starts_with('/') || path.starts_with("~/");
  if (!absolute || path.ends_with('/')) {
    return error_at(st.ctx, f.line(), f.name + " must be an absolute file path or start with ~/",
                    std::string("for example: ") + std::string(f.key.str()) + " = " + example);
  }
  return path;
}

Result<void> apply_store(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(std::string path,
                          as_file_path(st, f, "\"~/.local/state/cordon/audit.db\""));
  assign(st, f, st.out.audit.store, path);
  return Ok{};
}

Result<void> apply_key(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(std::string path,
                          as_file_path(st, f, "\"~/.config/cordon/audit-key.pem\""));
  assign(st, f, st.out.audit.key, path);
  return Ok{};
}

Result<void> apply_checkpoint_every(LayerState& st, const Field& f) {
  const auto* i = f.node.as_integer();
  if (i == nullptr) return wrong_type(st.ctx, f, "an integer", "1000");
  if (i->get() < 1 || i->get() > 1000000) {
    return error_at(st.ctx, f.line(),
                    f.name + " must be between 1 and 1000000, not " + std::to_string(i->get()),
                    "rows between signed checkpoints; 1000 is the default");
  }
  assign(st, f, st.out.audit.checkpoint_every, static_cast<int64_t>(i->get()));
  return Ok{};
}

// "0s" or "none": the writer exits with its session.
Result<void> apply_writer_linger(LayerState& st, const Field& f) {
  constexpr uint64_t kMaxLingerSeconds = 3600;
  CORDON_ASSIGN_OR_RETURN(auto seconds, as_duration(st.ctx, f, /*allow_none=*/true));
  if (seconds && *seconds > kMaxLingerSeconds) {
    return error_at(st.ctx, f.line(), f.name + " must be at most 1h",
                    "how long a session's audit writer waits for the next session; for "
                    "example: writer_linger = \"10s\", or \"none\" to end it with its session");
  }
  assign(st, f, st.out.audit.writer_linger_seconds, seconds.value_or(0));
  return Ok{};
}

constexpr std::array<KeySpec, 4> kKeys{{
    {"store", apply_store},
    {"key", apply_key},
    {"checkpoint_every", apply_checkpoint_every},
    {"writer_linger", apply_writer_linger},
}};

}  // namespace

std::span<const KeySpec> audit_keys() {
  return kKeys;
}

Result<void> apply_audit(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "audit", kKeys);
}

}  // namespace cordon::policy
