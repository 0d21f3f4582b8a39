// The audit side of a session's setup.
#include "cli/audit_setup.h"

#include <unistd.h>

#include <algorithm>

#include "base/files.h"
#include "box/environment.h"
#include "cli/errors.h"
#include "cli/programs.h"
#include "review/runtime_dir.h"

extern char** environ;

namespace cordon::cli {
AuditPaths audit_paths(const policy::AuditPolicy& audit, const UserFacts& user) {
  AuditPaths paths;
  paths.store = audit.store.value.empty() ? user.state_dir + "/audit.db"
                                          : expand_home(audit.store.value, user.home);
  paths.key = audit.key.value.empty() ? user.config_dir + "/audit-key.pem"
                                      : expand_home(audit.key.value, user.home);
  return paths;
}

std::vector<std::string> secret_values(const policy::EnvironmentPolicy& environment,
                                       const std::vector<std::string>& host_env) {
  std::vector<std::string> secrets;
  for (const auto& entry : host_env) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    if (box::looks_like_credential(name) || box::passed_by_policy(environment, name)) {
      secrets.push_back(entry.substr(eq + 1));
    }
  }
  for (const auto& [name, value] : environment.set.value) secrets.push_back(value);
  return secrets;
}

audit::WriterStart begin_session_writer() {
  // Where a writer whose session has ended waits for the next one: the user's runtime
  // directory, which no box can see. Without one, every session starts its own writer. Not a
  // ".sock" name: `cordon approvals` connects to every session socket there.
  auto dir = review::runtime_dir();
  return audit::WriterStart::begin(companion_program("cordon-audit-writer"),
                                   dir.ok() ? *dir + "/audit-writer.rendezvous" : "");
}

Result<std::unique_ptr<audit::AuditClient>> open_session_audit(const policy::Policy& policy,
                                                               const UserFacts& user,
                                                               audit::WriterStart writer) {
  const AuditPaths paths = audit_paths(policy.audit, user);
  std::vector<std::string> host_env;
  for (char** e = environ; e && *e; ++e) host_env.emplace_back(*e);
  audit::ClientOptions options;
  options.signer_path = companion_program("cordon-audit");
  options.store_path = paths.store;
  options.key_path = paths.key;
  options.checkpoint_every = policy.audit.checkpoint_every.value;
  options.secrets = secret_values(policy.environment, host_env);
  options.linger_ms = static_cast<int64_t>(policy.audit.writer_linger_seconds.value) * 1000;
  return audit::AuditClient::start(std::move(writer), options);
}

void SessionSinks::emit(const events::Event& event) {
  if (const auto* start = std::get_if<events::SessionStarted>(&event)) {
    events::SessionStarted with_audit = *start;
    with_audit.walls.push_back(writer_.describe());
    writer_.emit(with_audit);
    summary_.emit(with_audit);
    return;
  }
  writer_.emit(event);
  summary_.emit(event);
}

void SessionSinks::emit_all(std::span<const events::Event> events) {
  for (const auto& event : events) {
    if (std::holds_alternative<events::SessionStarted>(event)) {
      EventSink::emit_all(events);  // one at a time: the start gains the audit wall
      return;
    }
  }
  writer_.emit_all(events);
  summary_.emit_all(events);
}

int exec_audit_program(const std::vector<std::string>& args) {
  const std::string program = companion_program("cordon-audit");
  std::vector<char*> argv = {const_cast<char*>("cordon-audit")};
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());
  return report_error(Error::system("run " + program)
                          .with_hint("cordon-audit is installed next to cordon (or in "
                                     "../libexec/cordon/)"));
}

std::vector<std::string> audit_private_paths(const AuditPaths& paths) {
  // The store's files one by one, not its directory: kept homes live beside it. The WAL files
  // exist for the whole session (its own writer holds the store open).
  return {paths.store, paths.store + "-wal", paths.store + "-shm", paths.store + "-signing",
          paths.key};
}

Result<std::vector<std::string>> audit_paths_to_mask(const AuditPaths& paths,
                                                     audit::AuditClient& writer) {
  std::vector<std::string> private_paths = audit_private_paths(paths);
  auto all_exist = [&] {
    return std::all_of(private_paths.begin(), private_paths.end(),
                       [](const std::string& p) { return ::access(p.c_str(), F_OK) == 0; });
  };
  if (all_exist()) return private_paths;
  CORDON_TRY(writer.wait_ready());
  for (const auto& path : private_paths) {
    if (::access(path.c_str(), F_OK) != 0) {
      return Error::system("the audit file " + path + " is missing, so it cannot be hidden")
          .with_hint("check that nothing removes cordon's audit files while sessions start");
    }
  }
  return private_paths;
}

}  // namespace cordon::cli
