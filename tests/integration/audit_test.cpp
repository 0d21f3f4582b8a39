// The audit trail end to end: real sessions, the real store, `cordon audit` reading it back.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "audit/client.h"
#include "audit/sqlite.h"
#include "audit/store.h"
#include "base/syscalls.h"
#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using nlohmann::json;

// SO_PEERPIDFD (Linux 6.5), which the writer waits on before signing.
bool kernel_names_socket_peers() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return false;
  int pidfd = -1;
  socklen_t size = sizeof pidfd;
  const bool named = ::getsockopt(pair[0], SOL_SOCKET, sys::kSoPeerPidfd, &pidfd, &size) == 0;
  if (named) ::close(pidfd);
  ::close(pair[0]);
  ::close(pair[1]);
  return named;
}

class AuditTrail : public BoxTest {
 protected:
  RunOutput audit(std::vector<std::string> args) {
    args.insert(args.begin(), "audit");
    return cordon(args);
  }
  json sessions() {
    auto r = audit({"sessions", "--json"});
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  // Edits the store as an attacker would, once the sessions above have signed their ends.
  void tamper(const std::string& sql) {
    audit::wait_for_pending_signatures(audit_store(), std::chrono::seconds(10));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(audit_store().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  // Every byte the store has on disk (the database and, if present, its WAL).
  std::string store_bytes() {
    std::string bytes;
    for (const char* suffix : {"", "-wal"}) {
      if (exists(audit_store() + suffix)) bytes += read_text(audit_store() + suffix);
    }
    return bytes;
  }
  // `cordon run` in the background; the caller signals and reaps it. Its stderr is `stderr_fd`
  // if given, else this process's.
  pid_t start(const std::string& script, int stderr_fd = -1) {
    pid_t pid = ::fork();
    if (pid == 0) {
      if (stderr_fd >= 0) ::dup2(stderr_fd, 2);
      ::setenv("XDG_CONFIG_HOME", (dir() / "config").c_str(), 1);
      // A runtime directory of its own: no writer that waits after another test's session
      // serves this one (audit/writer_rendezvous.h).
      ::mkdir((dir() / "run").c_str(), 0700);
      ::setenv("CORDON_RUNTIME_DIR", (dir() / "run").c_str(), 1);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::execl(CORDON_BINARY, CORDON_BINARY, "run", "-q", "--workspace", workspace().c_str(), "--",
              "/bin/sh", "-c", script.c_str(), nullptr);
      ::_exit(127);
    }
    return pid;
  }
  // A session's audit client in this process, with a writer of its own (no rendezvous), as
  // cordon starts one.
  Result<std::unique_ptr<audit::AuditClient>> start_audit_client(
      int64_t sign_after_at_most_ms = audit::kSignAfterAtMostMs) {
    const std::filesystem::path bin = std::filesystem::path(CORDON_BINARY).parent_path();
    ::mkdir((dir() / "audit").c_str(), 0700);
    audit::ClientOptions options;
    options.signer_path = bin / "cordon-audit";
    options.store_path = audit_store();
    options.key_path = audit_key();
    options.sign_after_at_most_ms = sign_after_at_most_ms;
    return audit::AuditClient::start(audit::WriterStart::begin(bin / "cordon-audit-writer", ""),
                                     options);
  }
  // Whether `count_query` (a SELECT count(*)) reaches `count` within 10 s, read as any reader
  // of the store would while a session's writer goes on (the store may not exist yet).
  bool wait_for_count(const char* count_query, int64_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      if (auto db = audit::sql::Connection::open(audit_store(), true, 5000); db.ok()) {
        auto query = db->prepare(count_query);
        auto row = query.ok() ? query->step() : Result<bool>(false);
        if (row.ok() && *row && query->integer(0) >= count) return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool wait_for_checkpoints(int count) {
    return wait_for_count("SELECT count(*) FROM checkpoints", count);
  }
  void wait_for_file(const std::string& path) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!exists(path) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(exists(path)) << "the session did not start";
  }
};

TEST_F(AuditTrail, SessionsAreRecordedAndTheStoreVerifies) {
  ASSERT_EQ(sh("exit 0").status, 0);
  ASSERT_EQ(sh("exit 3").status, 3);
  const json list = sessions();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["outcome"], "exit 0");
  EXPECT_EQ(list[1]["outcome"], "exit 3");
  EXPECT_EQ(list[1]["profile"], "workspace-write");
  EXPECT_EQ(list[1]["command"][2], "exit 3");

  auto verify = audit({"verify"});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("chain intact"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("signatures checked"), std::string::npos) << verify.out;

  // The timeline names the walls' session events in order.
  auto show = audit({"show", list[1]["session"].get<std::string>().substr(0, 8)});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_LT(show.out.find("session.start"), show.out.find("session.end")) << show.out;
  // The start row carries the policy, its hash and the walls.
  auto start = audit({"query", "--kind", "session.start", "--json", "-n", "1"});
  const json rows = json::parse(start.out, nullptr, false);
  ASSERT_EQ(rows.size(), 1u) << start.out;
  EXPECT_EQ(rows[0]["body"]["policy_hash"].get<std::string>().size(), 64u);
  EXPECT_FALSE(rows[0]["body"]["walls"].empty());
  EXPECT_NE(rows[0]["body"]["policy"].get<std::string>().find("[filesystem]"), std::string::npos);
}

TEST_F(AuditTrail, VerifyNamesAChangedRow) {
  ASSERT_EQ(sh("exit 0").status, 0);
  ASSERT_EQ(sh("exit 1").status, 1);
  // Each session is three rows: its start, the gate's program.start, its end.
  tamper(
      "UPDATE events SET body = replace(body, '\"exit_code\":1', '\"exit_code\":0') "
      "WHERE id = 6");
  auto verify = audit({"verify"});
  EXPECT_EQ(verify.status, 1) << verify.out;
  EXPECT_NE(verify.out.find("first bad row is 6"), std::string::npos) << verify.out;
}

TEST_F(AuditTrail, VerifyNamesADeletedRowAndATruncatedTail) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(sh("true").status, 0);
  tamper("DELETE FROM events WHERE id = 3");
  auto deleted = audit({"verify", "--json"});
  EXPECT_EQ(deleted.status, 1);
  json report = json::parse(deleted.out, nullptr, false);
  ASSERT_FALSE(report["problems"].empty()) << deleted.out;
  EXPECT_EQ(report["problems"][0]["row"], 4);

  tamper("DELETE FROM events WHERE id >= 5");
  auto truncated = audit({"verify"});
  EXPECT_EQ(truncated.status, 1);
  EXPECT_NE(truncated.out.find("tail was truncated"), std::string::npos) << truncated.out;
}

TEST_F(AuditTrail, VerifyWithOnlyThePublicKeyAndWithNoKey) {
  ASSERT_EQ(sh("true").status, 0);
  auto with_public = audit({"verify", "--key", audit_key() + ".pub"});
  EXPECT_EQ(with_public.status, 0) << with_public.out << with_public.err;
  auto without = audit({"verify", "--key", dir() / "missing.pem"});
  EXPECT_EQ(without.status, 2) << without.out;
  EXPECT_NE(without.out.find("NOT checked"), std::string::npos) << without.out;
}

TEST_F(AuditTrail, SecretsFromTheEnvironmentNeverReachTheStore) {
  const std::string passed = "pAsSeD-secret-7c1e9a";
  const std::string set_value = "SeT-secret-5b3d77";
  const std::string ambient = "AmBiEnT-secret-0f4c2e";
  const std::string config = policy_file(
      "[environment]\npass = [\"MY_SERVICE_TOKEN\"]\n"
      "set = { DEPLOY_PASSWORD = \"" +
      set_value + "\" }\n");
  RunOptions env;
  env.set_env = {{"MY_SERVICE_TOKEN", passed}, {"GITHUB_TOKEN", ambient}};
  // The program really gets the secrets (a positive control), and they are even on its command
  // line, which the session start row records.
  auto r = box({"/bin/sh", "-c", "echo \"$MY_SERVICE_TOKEN $DEPLOY_PASSWORD\"", passed, set_value,
                ambient, "ghp_0123456789abcdefghijABCDEFGHIJ012345"},
               {"--config", config}, env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(passed + " " + set_value), std::string::npos) << r.out;

  const std::string bytes = store_bytes();
  ASSERT_FALSE(bytes.empty());
  for (const auto& secret :
       {passed, set_value, ambient, std::string("ghp_0123456789abcdefghijABCDEFGHIJ012345")}) {
    EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " is in the store";
  }
  auto exported = audit({"export", "--jsonl"});
  ASSERT_EQ(exported.status, 0) << exported.err;
  EXPECT_EQ(exported.out.find(passed), std::string::npos);
  EXPECT_NE(exported.out.find("[redacted:env]"), std::string::npos) << exported.out;
}

// A secret, an argv and a path may hold any bytes, not only UTF-8. Such a secret in the host's
// environment used to abort cordon (the writer's options could not be written as JSON), and one
// in an argv reached the writer with its invalid bytes already replaced, where the redactor no
// longer found it: what followed the invalid byte was stored.
TEST_F(AuditTrail, ASecretThatIsNotUtf8IsRedactedAndTheSessionRuns) {
  const std::string secret = "nOtUtF8-\xff-secret-3e8d41";
  RunOptions env;
  env.set_env = {{"MY_SERVICE_TOKEN", secret}};
  auto r = box({"/bin/echo", "x" + secret, "caf\xe9"}, {}, env);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "x" + secret + " caf\xe9\n");
  const std::string bytes = store_bytes();
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find("-secret-3e8d41"), std::string::npos)
      << "part of the secret is in the store";
  EXPECT_EQ(bytes.find("nOtUtF8"), std::string::npos) << "part of the secret is in the store";
  auto exported = audit({"export", "--jsonl"});
  ASSERT_EQ(exported.status, 0) << exported.err;
  EXPECT_NE(exported.out.find("x[redacted:env]"), std::string::npos) << exported.out;
  // What is no secret is kept, its invalid byte shown as U+FFFD.
  EXPECT_NE(exported.out.find("caf\xef\xbf\xbd"), std::string::npos) << exported.out;
  auto verify = audit({"verify"});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
}

// A store's path may hold any bytes too: `--json` shows it with U+FFFD (it used to abort).
TEST_F(AuditTrail, VerifyJsonOfAStorePathThatIsNotUtf8) {
  ASSERT_EQ(sh("exit 0").status, 0);
  const std::filesystem::path store = audit_store();
  const std::filesystem::path copy = dir() / "st\xff";
  std::filesystem::copy(store.parent_path(), copy, std::filesystem::copy_options::recursive);
  auto r = audit({"verify", "--json", "--store", (copy / store.filename()).string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const json report = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out << r.err;
  EXPECT_NE(report.value("store", "").find("st\xef\xbf\xbd"), std::string::npos) << r.out;
}

// The box chooses its argv, and a person reads the trail on a terminal: control bytes are shown,
// never sent (raw, this argv would clear the reader's screen and set the terminal's title).
TEST_F(AuditTrail, WhatTheBoxRanIsShownWithItsControlBytesEscaped) {
  const std::string attack = "ok\x1b[2J\x1b]0;pwned\x07\x9b";
  ASSERT_EQ(box({"/bin/echo", attack}).status, 0);
  const json list = sessions();
  ASSERT_EQ(list.size(), 1u);
  const std::string id = list[0]["session"].get<std::string>().substr(0, 8);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"query"}, std::vector<std::string>{"show", id},
        std::vector<std::string>{"sessions"}, std::vector<std::string>{"tail", "-n", "5"}}) {
    auto r = audit(args);
    ASSERT_EQ(r.status, 0) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << args[0] << ": " << r.out;
    EXPECT_EQ(r.out.find('\x07'), std::string::npos) << args[0] << ": " << r.out;
    EXPECT_NE(r.out.find("'ok\\x1b[2J\\x1b]0;pwned\\x07"), std::string::npos)
        << args[0] << ": " << r.out;
  }
}

TEST_F(AuditTrail, ConcurrentSessionsWriteCompleteVerifiableChains) {
  constexpr int kSessions = 4;
  std::vector<std::thread> threads;
  std::vector<int> status(kSessions, -1);
  for (int i = 0; i < kSessions; ++i) {
    threads.emplace_back([&, i] { status[i] = sh("sleep 0.2; exit " + std::to_string(i)).status; });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kSessions; ++i) EXPECT_EQ(status[i], i);
  const json list = sessions();
  ASSERT_EQ(list.size(), static_cast<size_t>(kSessions));
  for (const auto& s : list) EXPECT_NE(s["outcome"], "no end") << s.dump();
  auto verify = audit({"verify"});
  EXPECT_EQ(verify.status, 0) << verify.out;
}

TEST_F(AuditTrail, SigtermAndSigintOfCordonStillRecordTheEnd) {
  for (int sig : {SIGTERM, SIGINT}) {
    ::unlink((workspace() + "/started").c_str());
    pid_t pid = start("touch started; sleep 30");
    wait_for_file(workspace() + "/started");
    ::kill(pid, sig);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  }
  const json list = sessions();
  ASSERT_EQ(list.size(), 2u);
  for (const auto& s : list) EXPECT_NE(s["outcome"], "no end") << list.dump();
  EXPECT_EQ(audit({"verify"}).status, 0);
}

// The writer is woken for every row, and must not take the CPU of the thread that sent it (the
// gate's tracer sends a start's row, then releases the program): it runs as SCHED_BATCH.
TEST_F(AuditTrail, TheWriterRunsAsBackgroundWork) {
  pid_t pid = start("touch started; sleep 30");
  wait_for_file(workspace() + "/started");
  const std::vector<pid_t> writers = children_named(pid, "cordon-audit-wr");
  ASSERT_EQ(writers.size(), 1u) << "the session's audit writer is a child of cordon";
  EXPECT_EQ(::sched_getscheduler(writers[0]), SCHED_BATCH);
  ::kill(pid, SIGTERM);
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
}

// cordon starts its writer before it reads the policy; a policy error then ends the writer's
// stream before any options: nothing is stored, and cordon does not hang on it.
TEST_F(AuditTrail, ABadPolicyStopsTheSessionBeforeTheWriterStoresAnything) {
  RunOutput r = sh("true", {"--config", policy_file("[filesystem]\nbogus = 1\n")});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(audit_store()));
  EXPECT_FALSE(exists(audit_key()));
}

TEST_F(AuditTrail, SigkillOfCordonLeavesAVerifiableStore) {
  pid_t pid = start("touch started; sleep 30");
  wait_for_file(workspace() + "/started");
  ASSERT_TRUE(wait_for_count("SELECT count(*) FROM events WHERE kind = 'session.start'", 1))
      << "the session's start was not stored";
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  const json list = sessions();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["outcome"], "no end");
  auto verify = audit({"verify"});
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_NE(verify.out.find("has no end event"), std::string::npos) << verify.out;
  // The next session chains on and signs over the killed one's rows.
  ASSERT_EQ(sh("true").status, 0);
  EXPECT_EQ(audit({"verify"}).status, 0);
}

TEST_F(AuditTrail, PeriodicCheckpointsAreSignedDuringABusySession) {
  // A checkpoint every 4 rows: a signer process serves them (ProcessSigner), and the session's
  // end closes it with the last signature. Requests that queue up while the signer works are
  // covered by one signature, so how many a burst gets depends on the machine; the session
  // therefore pauses after each burst of programs until this test has seen a new checkpoint
  // in the store. Two checkpoints signed while the session runs, then its last.
  write_text(user_config(), "[audit]\nstore = \"" + audit_store() + "\"\ncheckpoint_every = 4\n");
  pid_t pid = start(
      "for burst in 1 2; do for i in 1 2 3 4 5 6 7 8; do /bin/true; done; touch burst$burst; "
      "while [ ! -e go$burst ]; do sleep 0.01; done; done");
  for (int burst = 1; burst <= 2; ++burst) {
    wait_for_file(workspace() + "/burst" + std::to_string(burst));
    EXPECT_TRUE(wait_for_checkpoints(burst)) << "no checkpoint signed during burst " << burst;
    write_text(workspace() + "/go" + std::to_string(burst), "");
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto verify = audit({"verify", "--json"});
  ASSERT_EQ(verify.status, 0) << verify.out << verify.err;
  const json report = json::parse(verify.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << verify.out;
  EXPECT_TRUE(report["intact"].get<bool>());
  EXPECT_GE(report["rows"].get<int>(), 18);
  EXPECT_GE(report["checkpoints"].get<int>(), 3) << verify.out;
  EXPECT_EQ(report["unsigned_tail"].get<int>(), 0) << verify.out;
  EXPECT_TRUE(report["signatures_checked"].get<bool>());
}

TEST_F(AuditTrail, WhatReadsCordonsOutputSeesItsEndWhenCordonExits) {
  // The writer outlives cordon by its linger, and so does the signer it started for the
  // session's periodic checkpoints: neither may keep cordon's stderr, nor another pipe cordon
  // inherited, or `cordon run ... 2>&1 | tee log` would wait for them.
  write_text(user_config(), "[audit]\nstore = \"" + audit_store() + "\"\ncheckpoint_every = 2\n");
  int err[2], inherited[2];
  ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe(inherited), 0);  // its write end is open in cordon, as a shell's would be
  pid_t pid = start("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do /bin/true; done", err[1]);
  ::close(err[1]);
  ::close(inherited[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  for (int read_end : {err[0], inherited[0]}) {
    // cordon has exited; the writer gives up its stderr as it answers, before that. The
    // writer's linger here is 10 s.
    pollfd end{read_end, POLLIN, 0};
    char sink[4096];
    bool ended = false;
    while (!ended && ::poll(&end, 1, 3000) == 1) {
      ended = ::read(read_end, sink, sizeof sink) == 0;
    }
    EXPECT_TRUE(ended) << (read_end == err[0] ? "cordon's stderr" : "the inherited pipe")
                       << " is still open in a process cordon started";
    ::close(read_end);
  }
  // Twelve programs at a checkpoint every 2 rows: the server started at the first, while the
  // session ran (how many signatures it made depends on its speed: requests that queue up share
  // one), and it signed the tail as the session ended.
  const json report = json::parse(audit({"verify", "--json"}).out, nullptr, false);
  EXPECT_GE(report.value("rows", 0), 14) << report.dump();
  EXPECT_EQ(report.value("unsigned_tail", -1), 0) << report.dump();
}

TEST_F(AuditTrail, ASessionsLaterSignersNeverMakeANewKey) {
  ASSERT_EQ(sh("true").status, 0);
  audit::wait_for_pending_signatures(audit_store(), std::chrono::seconds(10));
  // What a session starts its periodic and final signers with: the key it made at its start.
  ASSERT_EQ(::unlink(audit_key().c_str()), 0);
  auto late = audit({"checkpoint", "--key-must-exist"});
  EXPECT_NE(late.status, 0);
  EXPECT_NE(late.err.find("no audit key"), std::string::npos) << late.err;
  EXPECT_FALSE(exists(audit_key()));
  // A signer whose session's directory is gone signs nothing and brings nothing back (the
  // tests' removed temporary directories used to reappear with a fresh key in them).
  const std::string gone = dir() / "gone";
  auto orphan = audit({"checkpoint", "--store", gone + "/audit.db", "--key", gone + "/key.pem"});
  EXPECT_EQ(orphan.status, 0) << orphan.err;
  EXPECT_FALSE(exists(gone));
  // Asked by a user, with a store to sign, the command still makes a key.
  auto manual = audit({"checkpoint"});
  EXPECT_EQ(manual.status, 0) << manual.err;
  EXPECT_TRUE(exists(audit_key()));
}

TEST_F(AuditTrail, SetupFailuresAreRecorded) {
  const std::string config = policy_file("[filesystem]\nread = [\"/no/such/dir\"]\n");
  auto r = box({"/bin/true"}, {"--config", config});
  ASSERT_EQ(r.status, 125);
  auto failed = audit({"query", "--kind", "session.setup-failed", "--json"});
  const json rows = json::parse(failed.out, nullptr, false);
  ASSERT_EQ(rows.size(), 1u) << failed.out;
  EXPECT_NE(rows[0]["body"]["error"].get<std::string>().find("/no/such/dir"), std::string::npos);
}

TEST_F(AuditTrail, TheBoxCannotReadOrRemoveTheStoreOrTheKey) {
  // The worst placement: the store inside the workspace, the key beside it.
  const std::string store = workspace() + "/.audit/audit.db";
  const std::string key = workspace() + "/.audit/key.pem";
  write_text(user_config(), "[audit]\nstore = \"" + store + "\"\nkey = \"" + key + "\"\n");
  // Twice: on the first session the store and the key do not exist yet when cordon plans the
  // box's mounts (the writer creates them meanwhile); on the second they do.
  const std::string attack =
      "sleep 0.2; head -c 15 .audit/audit.db; head -c 15 .audit/audit.db-wal; "
      "head -c 10 .audit/key.pem; rm -f .audit/audit.db .audit/key.pem 2>/dev/null; echo done";
  for (const char* session : {"first", "second"}) {
    auto r = sh(attack);
    ASSERT_EQ(r.status, 0) << session << ": " << r.err;
    EXPECT_EQ(r.out, "done\n") << session << " session";
  }
  EXPECT_EQ(read_text(store).rfind("SQLite format 3", 0), 0u);
  EXPECT_NE(read_text(key).find("PRIVATE KEY"), std::string::npos);
  auto verify = cordon({"audit", "verify", "--store", store, "--key", key});
  EXPECT_EQ(verify.status, 0) << verify.out;
}

TEST_F(AuditTrail, QueryFiltersByTimeKindAndText) {
  ASSERT_EQ(sh("exit 5").status, 5);
  auto count = [&](std::vector<std::string> filters) {
    filters.insert(filters.begin(), {"query", "--json"});
    auto r = audit(filters);
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out, nullptr, false).size();
  };
  // The session's start, the gate's decision on sh, its end.
  EXPECT_EQ(count({}), 3u);
  EXPECT_EQ(count({"--since", "1h"}), 3u);
  EXPECT_EQ(count({"--until", "1h"}), 0u);
  EXPECT_EQ(count({"--since", "2000-01-01", "--until", "2999-01-01T00:00:00Z"}), 3u);
  EXPECT_EQ(count({"--kind", "session."}), 2u);
  EXPECT_EQ(count({"--kind", "session.end", "--text", "\"EXIT_CODE\":5"}), 1u);
  EXPECT_EQ(count({"--decision", "deny"}), 0u);
  auto bad = audit({"query", "--since", "yesterday-ish"});
  EXPECT_EQ(bad.status, 125);
  EXPECT_NE(bad.err.find("is not a time"), std::string::npos) << bad.err;
  auto bad_decision = audit({"query", "--decision", "maybe"});
  EXPECT_EQ(bad_decision.status, 125);
}

TEST_F(AuditTrail, TailFollowsNewSessions) {
  ASSERT_EQ(sh("true").status, 0);  // the store exists
  // -n 0 prints none of the rows already there.
  auto none = audit({"tail", "-n", "0"});
  EXPECT_EQ(none.status, 0) << none.err;
  EXPECT_EQ(none.out, "") << "-n 0 printed old rows";
  // -f -n 1: the last row there (the first session's end), then what comes. The second session
  // starts once the first row is out, so that it is followed, not part of the first query.
  const std::string out = dir() / "tail.out";
  pid_t tail = ::fork();
  if (tail == 0) {
    ::setenv("XDG_CONFIG_HOME", (dir() / "config").c_str(), 1);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::execl(CORDON_BINARY, CORDON_BINARY, "audit", "tail", "-f", "-n", "1", nullptr);
    ::_exit(127);
  }
  auto wait_for_text = [&](const std::string& wanted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (read_text(out).find(wanted) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  wait_for_text("exit 0");
  ASSERT_EQ(sh("exit 7").status, 7);
  wait_for_text("exit 7");
  ::kill(tail, SIGTERM);
  ::waitpid(tail, nullptr, 0);
  const std::string text = read_text(out);
  EXPECT_NE(text.find("exit 0"), std::string::npos) << text;
  EXPECT_EQ(text.find("session.start"), text.rfind("session.start")) << "one start: " << text;
  EXPECT_NE(text.find("session.start"), std::string::npos) << text;
  EXPECT_NE(text.find("exit 7"), std::string::npos) << text;
}

// The session's end ends the audit stream in the same write, so that the writer commits while
// the supervisor takes the box down. What comes after the end is not dropped in silence: close()
// names it, and everything before it is stored.
TEST_F(AuditTrail, AnEventAfterTheSessionsEndIsReportedNotDropped) {
  auto client = start_audit_client();
  ASSERT_TRUE(client.ok()) << client.error().describe();
  const std::string id = "0123456789abcdef";
  events::SessionStarted start;
  start.session_id = id;
  start.command = {"true"};
  (*client)->emit(start);
  events::ProgramStarted program;
  program.session_id = id;
  program.argv = {"/bin/true"};
  program.path = "/bin/true";
  events::SessionEnded end;
  end.session_id = id;
  end.exit_code = 0;
  (*client)->emit_all(std::vector<events::Event>{program, end});
  (*client)->emit(program);  // after the end: not sent

  auto closed = (*client)->close();
  ASSERT_FALSE(closed.ok());
  EXPECT_NE(closed.error().describe().find("1 audit event(s) not sent"), std::string::npos)
      << closed.error().describe();
  auto show = audit({"show", id.substr(0, 8), "--json"});
  ASSERT_EQ(show.status, 0) << show.err;
  const json rows = json::parse(show.out, nullptr, false);
  std::vector<std::string> kinds;
  for (const auto& row : rows) kinds.push_back(row.value("kind", ""));
  EXPECT_EQ(kinds, (std::vector<std::string>{"session.start", "program.start", "session.end"}))
      << show.out;
}

// The client takes its writer at the first event (client.h); a writer that cannot be started
// is then the answer to wait_ready(), which comes before any program runs, and no event is lost
// silently.
TEST_F(AuditTrail, AWriterThatCannotStartIsTheReadyErrorAndItsEventsAreCountedUnsent) {
  audit::ClientOptions options;
  options.store_path = audit_store();
  options.key_path = audit_key();
  auto client =
      audit::AuditClient::start(audit::WriterStart::begin(dir() / "no-such-writer", ""), options);
  ASSERT_TRUE(client.ok()) << client.error().describe();
  events::SessionStarted start;
  start.session_id = "0123456789abcdef";
  (*client)->emit(start);

  auto ready = (*client)->wait_ready();
  ASSERT_FALSE(ready.ok());
  EXPECT_NE(ready.error().describe().find("no-such-writer"), std::string::npos)
      << ready.error().describe();
  EXPECT_NE(ready.error().hint().find("cordon-audit-writer"), std::string::npos);
  auto closed = (*client)->close();
  ASSERT_FALSE(closed.ok());
  EXPECT_FALSE(exists(audit_store()));
}

// A client that never had an event never takes its writer: the writer stores nothing.
TEST_F(AuditTrail, AClientWithoutEventsLeavesNoStore) {
  auto client = start_audit_client();
  ASSERT_TRUE(client.ok()) << client.error().describe();
  EXPECT_TRUE((*client)->close().ok());
  // Closed before it had a writer: nothing can be ready any more.
  auto ready = (*client)->wait_ready();
  ASSERT_FALSE(ready.ok());
  EXPECT_NE(ready.error().describe().find("closed before its first event"), std::string::npos)
      << ready.error().describe();
  client->reset();
  EXPECT_FALSE(exists(audit_store()));
}

// The writer answers once the session's rows are stored, and signs them once the process it
// served has exited (writer_main.cpp: the signature does not take a CPU from cordon's last
// steps). A client that stays on after its answer leaves the signature pending until it exits.
TEST_F(AuditTrail, TheSessionsEndIsSignedOnceTheClientHasExited) {
  if (!kernel_names_socket_peers()) {
    GTEST_SKIP() << "this kernel has no SO_PEERPIDFD (Linux 6.5): the writer signs at once here";
  }
  int closed_pipe[2], exit_pipe[2];
  ASSERT_EQ(::pipe(closed_pipe), 0);
  ASSERT_EQ(::pipe(exit_pipe), 0);
  const pid_t client = ::fork();
  if (client == 0) {
    ::close(exit_pipe[1]);
    // The writer's bound, past which it signs anyway, far beyond this test's: only the exit
    // can start the signature in time.
    auto started = start_audit_client(/*sign_after_at_most_ms=*/120'000);
    if (!started.ok()) ::_exit(2);
    events::SessionStarted start;
    start.session_id = "fedcba9876543210";
    start.command = {"true"};
    (*started)->emit(start);
    events::SessionEnded end;
    end.session_id = start.session_id;
    end.exit_code = 0;
    (*started)->emit(end);
    const bool stored = (*started)->close().ok();
    (void)!::write(closed_pipe[1], stored ? "y" : "n", 1);
    char go;
    (void)!::read(exit_pipe[0], &go, 1);
    ::_exit(0);
  }
  ::close(closed_pipe[1]);
  ::close(exit_pipe[0]);
  char stored = 0;
  ASSERT_EQ(::read(closed_pipe[0], &stored, 1), 1);
  EXPECT_EQ(stored, 'y');

  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int lock = ::open((audit_store() + "-signing").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(lock, 0);
  EXPECT_NE(::flock(lock, LOCK_EX | LOCK_NB), 0) << "signed while the client still runs";

  ::close(exit_pipe[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(client, &status, 0), client);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool signed_end = false;
  while (!(signed_end = ::flock(lock, LOCK_EX | LOCK_NB) == 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::close(lock);
  ASSERT_TRUE(signed_end) << "the client's exit did not start the signature";
  auto verify = audit({"verify"});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("signatures checked"), std::string::npos) << verify.out;
}

}  // namespace
}  // namespace cordon::testing
