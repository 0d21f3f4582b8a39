// The subcommands. Each returns cordon's exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/session_setup.h"

namespace cordon::cli {

struct RunOptions {
  CommonOptions common;
  std::vector<std::string> command;
  bool quiet = false;  // no session summary
  std::vector<std::string> review;  // --review web|tty|socket
};
int run_command(const RunOptions& options);

struct VerifyCommandOptions {
  CommonOptions common;
  bool json = false;
  std::string probe_path;  // the cordon-probe executable
};
int verify_command(const VerifyCommandOptions& options);

struct ProxyCommandOptions {
  std::string listen;                // ADDRESS:PORT, HTTP proxy
  std::optional<std::string> socks;  // ADDRESS:PORT, SOCKS5
  std::string config;                // policy file with [network]
  std::string tokens;                // "NAME TOKEN" lines
};
int proxy_command(const ProxyCommandOptions& options);

int policy_show_command(const CommonOptions& options);
int policy_check_command(const CommonOptions& options);

// `cordon policy explain -- CMD ARGS...`: the gate's decision on one program start, without
// running it. Exit 0 whatever the decision, 2 on bad input (no command, not found, bad policy).
struct ExplainOptions {
  CommonOptions common;
  bool json = false;
  std::vector<std::string> command;
};
int policy_explain_command(const ExplainOptions& options);

// `cordon audit ...`: every subcommand takes the store (and verify the key) and the filters.
struct AuditOptions {
  std::optional<std::string> store;
  std::optional<std::string> key;
  bool json = false;
  std::optional<std::string> session;
  std::vector<std::string> kinds;
  std::optional<std::string> decision;
  std::optional<std::string> since;
  std::optional<std::string> until;
  std::optional<std::string> text;
  int64_t limit = 0;
  int64_t lines = 20;   // tail
  bool follow = false;  // tail -f
  bool key_must_exist = false;  // checkpoint: never create the key
  bool serve = false;           // checkpoint: sign on each request read from stdin, and at EOF
  std::optional<std::string> expect_checkpoint;  // verify: ID[:HASH] the store must still reach
};
int audit_verify_command(const AuditOptions& options);
int audit_sessions_command(const AuditOptions& options);
int audit_show_command(const AuditOptions& options);
int audit_query_command(const AuditOptions& options);
int audit_export_command(const AuditOptions& options);
int audit_tail_command(const AuditOptions& options);
// Signs a checkpoint over the store's tail (creating the key if missing, unless key_must_exist;
// with no store, does nothing). The session writer runs it; a user may too, to sign rows a
// killed session left unsigned. With `serve`, a session writer's periodic signer.
int audit_checkpoint_command(const AuditOptions& options);

// `cordon approvals ACTION`: list, show, approve, deny, watch, link (review/control_server.h).
// Exit status 0 done; 1 no such pending item or no running session; 2 an approval was
// recorded and the item waits for another reviewer; 125 any other failure.
struct ApprovalsOptions {
  std::string action = "list";
  std::string id;
  bool session = false;  // approve: for the rest of the session (this exact command)
  std::string reason;
  std::string reviewer;  // link: the web reviewer's name
  bool json = false;
};
int approvals_command(const ApprovalsOptions& options);

}  // namespace cordon::cli
