// Wiring the audit trail into a session: where the store and the key are, which values are
// secret, and the writer that every session's events go through.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "audit/client.h"
#include "base/result.h"
#include "cli/session_setup.h"
#include "policy/policy.h"

namespace cordon::cli {

struct AuditPaths {
  std::string store;  // audit.store, or the default under the user's state directory
  std::string key;    // audit.key, or the default under the user's config directory
};

AuditPaths audit_paths(const policy::AuditPolicy& audit, const UserFacts& user);

// The values the redactor must hide: the host's credential-looking variables, the variables the
// policy passes through, and the values it sets.
std::vector<std::string> secret_values(const policy::EnvironmentPolicy& environment,
                                       const std::vector<std::string>& host_env);

// Gives the session's audit writer process its options (starting it now unless it was begun
// earlier with begin_session_writer()); it opens the store and the key (creating them on first
// use) while the box is built, and the box waits for it before its program starts.
audit::WriterStart begin_session_writer();
Result<std::unique_ptr<audit::AuditClient>> open_session_audit(
    const policy::Policy& policy, const UserFacts& user,
    audit::WriterStart writer = begin_session_writer());

// Passes events to the writer and the summary; adds the audit wall to the session start, so the
// stored start row and the summary both list it beside the box's walls.
class SessionSinks : public events::EventSink {
 public:
  SessionSinks(audit::AuditClient& writer, events::EventSink& summary)
      : writer_(writer), summary_(summary) {}
  void emit(const events::Event& event) override;
  void emit_all(std::span<const events::Event> events) override;
  Result<void> wait_ready() override { return writer_.wait_ready(); }
  bool lost() const override { return writer_.lost(); }
  int hangup_fd() const override { return writer_.hangup_fd(); }

 private:
  audit::AuditClient& writer_;
  events::EventSink& summary_;
};

// `cordon audit ARGS`: replaces cordon with cordon-audit ARGS; returns only on failure.
int exec_audit_program(const std::vector<std::string>& args);

// The host paths no box may see: the audit store's files (database, WAL, shared memory, signing
// lock) and the key.
std::vector<std::string> audit_private_paths(const AuditPaths& paths);

// The same paths for the mount plan, which can mask only what exists: when one does not exist
// yet (a first session), waits until the writer has created them all (it does before it is
// ready). A path still missing then is an error: the box is never planned around a hole.
Result<std::vector<std::string>> audit_paths_to_mask(const AuditPaths& paths,
                                                     audit::AuditClient& writer);

}  // namespace cordon::cli
