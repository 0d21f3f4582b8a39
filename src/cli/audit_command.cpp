// `cordon audit`: verify, sessions, show, query, export and tail over the audit store.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "audit/checkpoint_signer.h"
#include "audit/query.h"
#include "audit/signing.h"
#include "audit/verify.h"
#include "base/clock.h"
#include "base/files.h"
#include "cli/audit_render.h"
#include "cli/audit_setup.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/json_output.h"
#include "cli/time_arg.h"
#include "policy/loader.h"

namespace cordon::cli {
namespace {

// The [audit] settings of the user file (audit commands have no workspace to layer).
Result<policy::AuditPolicy> user_audit_policy(const UserFacts& user) {
  const std::string path = user.config_dir + "/config.toml";
  policy::Policy base = policy::builtin_profile(policy::Profile::kWorkspaceWrite);
  if (::access(path.c_str(), F_OK) != 0) return base.audit;
  CORDON_ASSIGN_OR_RETURN(std::string text, read_file(path));
  CORDON_ASSIGN_OR_RETURN(policy::Policy layered, policy::apply_toml(base, text, path, true));
  return layered.audit;
}

Result<AuditPaths> resolve_paths(const AuditOptions& options) {
  const UserFacts user = current_user();
  CORDON_ASSIGN_OR_RETURN(policy::AuditPolicy settings, user_audit_policy(user));
  AuditPaths paths = audit_paths(settings, user);
  if (options.store) paths.store = *options.store;
  if (options.key) paths.key = *options.key;
  return paths;
}

Result<audit::Store> open_store(const AuditOptions& options) {
  CORDON_ASSIGN_OR_RETURN(AuditPaths paths, resolve_paths(options));
  return audit::Store::open_read_only(paths.store);
}

Result<audit::EventFilter> make_filter(const AuditOptions& o, audit::Store& store) {
  audit::EventFilter f;
  if (o.session) {
    CORDON_ASSIGN_OR_RETURN(f.session, audit::resolve_session(store, *o.session));
  }
  f.kinds = o.kinds;
  if (o.decision) {
    if (*o.decision != "allow" && *o.decision != "deny" && *o.decision != "ask") {
      return Error(Errc::kInvalidInput, "--decision " + *o.decision + " is not a decision")
          .with_hint("use allow, deny or ask");
    }
    f.decision = o.decision;
  }
  const int64_t now = unix_time_us();
  if (o.since) {
    CORDON_ASSIGN_OR_RETURN(f.since_us, parse_time_arg(*o.since, now));
  }
  if (o.until) {
    CORDON_ASSIGN_OR_RETURN(f.until_us, parse_time_arg(*o.until, now));
  }
  f.text = o.text;
  f.limit = o.limit;
  return f;
}

// The store and the filter the options ask for (show, query, export, tail).
struct Filtered {
  audit::Store store;
  audit::EventFilter filter;
};
Result<Filtered> open_filtered(const AuditOptions& options) {
  CORDON_ASSIGN_OR_RETURN(audit::Store store, open_store(options));
  CORDON_ASSIGN_OR_RETURN(audit::EventFilter filter, make_filter(options, store));
  return Filtered{std::move(store), std::move(filter)};
}

// One row as a JSON line (export, tail --json).
std::string json_line(const audit::Record& r, bool chain) {
  return event_json(r, chain).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int audit_verify_command(const AuditOptions& options) {
  auto paths = resolve_paths(options);
  if (!paths.ok()) return report_error(paths.error());
  std::optional<audit::Anchor> anchor;
  if (options.expect_checkpoint) {
    auto parsed = audit::parse_anchor(*options.expect_checkpoint);
    if (!parsed.ok()) return report_error(parsed.error());
    anchor = *parsed;
  }
  // A session that just ended may still be signing its checkpoint.
  audit::wait_for_pending_signatures(paths->store, std::chrono::seconds(10));
  auto store = audit::Store::open_read_only(paths->store);
  if (!store.ok()) return report_error(store.error());
  // The key: the one named, else the signing key, else its public half.
  std::optional<audit::Key> key;
  std::string key_problem;
  for (const std::string& candidate : {paths->key, paths->key + ".pub"}) {
    if (::access(candidate.c_str(), F_OK) != 0) continue;
    auto loaded = audit::Key::load_for_verify(candidate);
    if (!loaded.ok()) return report_error(loaded.error());
    key.emplace(std::move(*loaded));
    break;
  }
  if (!key) key_problem = "no key at " + paths->key + " (pass --key FILE, or its .pub half)";
  auto report = audit::verify_store(*store, key ? &*key : nullptr, anchor);
  if (!report.ok()) return report_error(report.error());
  if (!key_problem.empty()) report->notes.push_back(key_problem);
  if (options.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : report->problems) {
      problems.push_back({{"row", p.row}, {"checkpoint", p.checkpoint}, {"what", p.what}});
    }
    std::cout << json_output(nlohmann::json{
                     {"store", paths->store},
                     {"intact", report->intact()},
                     {"rows", report->rows},
                     {"sessions", report->sessions},
                     {"checkpoints", report->checkpoints},
                     {"signatures_checked", report->signatures_checked},
                     {"unsigned_tail", report->unsigned_tail},
                     {"anchor", report->last_checkpoint && report->intact()
                                    ? nlohmann::json(audit::anchor_text(*report->last_checkpoint))
                                    : nlohmann::json()},
                     {"anchor_reached", report->anchor_reached},
                     {"problems", problems},
                     {"notes", report->notes}})
              << "\n";
  } else {
    std::cout << render_verify_report(*report, paths->store);
  }
  if (!report->intact()) return 1;
  return report->signatures_checked || report->checkpoints == 0 ? 0 : 2;
}

int audit_checkpoint_command(const AuditOptions& options) {
  auto paths = resolve_paths(options);
  if (!paths.ok()) return report_error(paths.error());
  // No store: nothing to sign, and nothing is made for it, neither the store nor a key (a
  // signer started by a session whose directory has since been removed must not bring the
  // directory back).
  auto store = audit::Store::open_existing_for_append(paths->store);
  if (!store.ok() && store.error().code() == Errc::kNotFound) return 0;
  if (!store.ok()) return report_error(store.error());
  auto key = options.key_must_exist ? audit::Key::load(paths->key)
                                    : audit::Key::load_or_create(paths->key);
  if (!key.ok()) return report_error(key.error());
  if (options.serve) {
    // A session writer's checkpoints (audit/checkpoint_signer.h): every read of stdin that
    // returns bytes asks for one signature (requests that queued up meanwhile are covered by
    // it); a failed periodic one is left to the next, a session's end is answered. At EOF, the
    // writer's last.
    char requests[256];
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, requests, sizeof requests);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      auto signed_now = store->sign_tail(*key);
      if (!signed_now.ok()) report_error(signed_now.error());
      if (std::memchr(requests, audit::kSignAndAnswer, static_cast<size_t>(n)) != nullptr) {
        const char answer = signed_now.ok() ? audit::kSigned : audit::kSignFailed;
        if (::write(STDIN_FILENO, &answer, 1) != 1) break;
      }
    }
  }
  auto signed_tail = store->sign_tail(*key);
  if (!signed_tail.ok()) return report_error(signed_tail.error());
  return 0;
}

int audit_sessions_command(const AuditOptions& options) {
  auto store = open_store(options);
  if (!store.ok()) return report_error(store.error());
  auto sessions = audit::list_sessions(*store, options.limit);
  if (!sessions.ok()) return report_error(sessions.error());
  if (options.json) {
    std::cout << json_output(sessions_json(*sessions)) << "\n";
  } else {
    std::cout << render_sessions_table(*sessions);
  }
  return 0;
}

int audit_show_command(const AuditOptions& options) {
  auto opened = open_filtered(options);
  if (!opened.ok()) return report_error(opened.error());
  auto& [store, filter] = *opened;
  std::vector<audit::Record> records;
  auto done =
      audit::query_events(store, filter, [&](const audit::Record& r) { records.push_back(r); });
  if (!done.ok()) return report_error(done.error());
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : records) out.push_back(event_json(r, false));
    std::cout << json_output(out) << "\n";
  } else {
    std::cout << render_timeline(records);
  }
  return 0;
}

int audit_query_command(const AuditOptions& options) {
  auto opened = open_filtered(options);
  if (!opened.ok()) return report_error(opened.error());
  auto& [store, filter] = *opened;
  nlohmann::json out = nlohmann::json::array();
  auto done = audit::query_events(store, filter, [&](const audit::Record& r) {
    if (options.json) {
      out.push_back(event_json(r, false));
    } else {
      std::cout << render_event_line(r);
    }
  });
  if (!done.ok()) return report_error(done.error());
  if (options.json) std::cout << json_output(out) << "\n";
  return 0;
}

int audit_export_command(const AuditOptions& options) {
  auto opened = open_filtered(options);
  if (!opened.ok()) return report_error(opened.error());
  auto& [store, filter] = *opened;
  auto done = audit::query_events(
      store, filter, [&](const audit::Record& r) { std::cout << json_line(r, true) << "\n"; });
  if (!done.ok()) return report_error(done.error());
  std::cout.flush();
  return 0;
}

int audit_tail_command(const AuditOptions& options) {
  auto opened = open_filtered(options);
  if (!opened.ok()) return report_error(opened.error());
  auto& [store, filter] = *opened;
  filter.limit = std::max<int64_t>(options.lines, 1);
  filter.newest = true;
  int64_t last_id = 0;
  bool quiet = options.lines <= 0;  // -n 0: only what comes next
  auto print = [&](const audit::Record& r) {
    last_id = r.id;
    if (quiet) return;
    if (options.json) {
      std::cout << json_line(r, false) << "\n";
    } else {
      std::cout << render_event_line(r);
    }
  };
  auto done = audit::query_events(store, filter, print);
  if (!done.ok()) return report_error(done.error());
  std::cout.flush();
  if (!options.follow) return 0;
  quiet = false;
  filter.limit = 0;
  filter.newest = false;
  // Polling a WAL store is cheap (a read of the WAL index); 200 ms feels live.
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    filter.after_id = last_id;
    done = audit::query_events(store, filter, print);
    if (!done.ok()) return report_error(done.error());
    std::cout.flush();
    if (!std::cout) return 0;  // the reader went away
  }
}

}  // namespace cordon::cli
