// cordon-audit: the `cordon audit` commands. `cordon audit ARGS` runs it as `cordon-audit ARGS`.
//
// It links SQLite and OpenSSL so that cordon itself does not: the supervisor binary is loaded
// at every box start, and its size is start-up time.
#include <signal.h>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "cli/commands.h"

namespace {

void add_store(CLI::App* cmd, cordon::cli::AuditOptions& o) {
  cmd->add_option("--store", o.store,
                  "The audit store (default: audit.store, else ~/.local/state/cordon/audit.db; "
                  "/var/lib/cordon/audit.db for root)");
}

void add_filters(CLI::App* cmd, cordon::cli::AuditOptions& o) {
  cmd->add_option("--session", o.session, "Only this session (an id or its first characters)");
  cmd->add_option("--kind", o.kinds,
                  "Only these kinds (repeatable): session.start, session.end, "
                  "session.setup-failed, program.start, network.decision, approval.request, "
                  "approval.answer, credential.mint, credential.revoke; \"network.\" matches a "
                  "prefix");
  cmd->add_option("--decision", o.decision, "Only rows with this decision: allow, deny, ask");
  cmd->add_option("--since", o.since,
                  "From this time: 2026-11-22, \"2026-11-22 15:04\", ...T15:04:05Z (UTC), "
                  "@UNIX-SECONDS, or a duration ago (30m, 2h)");
  cmd->add_option("--until", o.until, "Before this time (same forms as --since)");
  cmd->add_option("--text", o.text, "Only rows whose body contains this text (any case)");
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "cordon audit: read the audit trail: every session, what it tried, what was "
      "allowed or refused, and whether anyone has edited the record since.",
      "cordon audit"};
  app.require_subcommand(1);
  cordon::cli::AuditOptions audit;
  auto* audit_verify = app.add_subcommand(
      "verify",
      "Check the hash chain and the signed checkpoints; name the first bad row.\n"
      "Exit status 0 intact, 1 tampered, 2 intact but signatures unchecked (no key)");
  add_store(audit_verify, audit);
  audit_verify->add_option("--key", audit.key,
                           "The checkpoint key, or its public half (default: audit.key, else "
                           "~/.config/cordon/audit-key.pem, then that path + .pub)");
  audit_verify->add_option(
      "--expect-checkpoint", audit.expect_checkpoint,
      "ID[:HASH]: a checkpoint recorded outside the store (the `anchor:` an earlier verify "
      "printed); the store must still hold it, with that hash. Without one, sessions removed "
      "from the end of the store, with their checkpoints, cannot be detected");
  audit_verify->add_flag("--json", audit.json, "Print the report as JSON");
  auto* audit_sessions = app.add_subcommand("sessions", "List sessions, oldest first");
  add_store(audit_sessions, audit);
  audit_sessions->add_option("-n,--limit", audit.limit, "Only the newest N sessions");
  audit_sessions->add_flag("--json", audit.json, "Print JSON");
  auto* audit_show = app.add_subcommand("show", "A session's timeline");
  add_store(audit_show, audit);
  audit_show->add_option("session", audit.session, "The session id (or its first characters)")
      ->required();
  audit_show->add_flag("--json", audit.json, "Print JSON");
  auto* audit_query = app.add_subcommand("query", "Rows matching filters, in order");
  add_store(audit_query, audit);
  add_filters(audit_query, audit);
  audit_query->add_option("-n,--limit", audit.limit, "At most N rows");
  audit_query->add_flag("--json", audit.json, "Print a JSON array");
  auto* audit_export =
      app.add_subcommand("export", "Every row (with its hashes) as JSON lines, for a SIEM");
  add_store(audit_export, audit);
  add_filters(audit_export, audit);
  bool jsonl = true;
  audit_export->add_flag("--jsonl", jsonl, "JSON lines (the only format, and the default)");
  auto* audit_tail = app.add_subcommand("tail", "The newest rows; -f keeps printing");
  add_store(audit_tail, audit);
  add_filters(audit_tail, audit);
  audit_tail->add_option("-n,--lines", audit.lines, "How many of the newest rows (default 20)");
  audit_tail->add_flag("-f,--follow", audit.follow, "Keep printing rows as sessions write them");
  audit_tail->add_flag("--json", audit.json, "JSON lines");

  auto* audit_checkpoint =
      app.add_subcommand("checkpoint",
                         "Sign a checkpoint over the newest row now (sessions do this themselves; "
                         "use it to sign rows a killed session left unsigned)");
  add_store(audit_checkpoint, audit);
  audit_checkpoint->add_option("--key", audit.key, "The checkpoint key (created if missing)");
  audit_checkpoint->add_flag("--key-must-exist", audit.key_must_exist,
                             "Fail if the key is missing instead of creating one (what a "
                             "session's own signers do: its key was made when it started)");
  audit_checkpoint->add_flag("--serve", audit.serve,
                             "Sign again each time bytes arrive on stdin, and once more at its "
                             "end (how a session writer has its periodic checkpoints signed)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 125;
  }
  if (*audit_verify) return cordon::cli::audit_verify_command(audit);
  if (*audit_sessions) return cordon::cli::audit_sessions_command(audit);
  if (*audit_show) return cordon::cli::audit_show_command(audit);
  if (*audit_query) return cordon::cli::audit_query_command(audit);
  if (*audit_export) return cordon::cli::audit_export_command(audit);
  if (*audit_tail) return cordon::cli::audit_tail_command(audit);
  if (*audit_checkpoint) return cordon::cli::audit_checkpoint_command(audit);
  return 125;
}
