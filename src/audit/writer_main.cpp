// `cordon-audit-writer`: the process that owns the audit store for a session, and, when that
// session ended in order, may wait a while to serve the next one (writer_rendezvous.h).
//
// Started by cordon (client.h) with a stream socket as fd 0. Protocol, one frame each way:
//   cordon -> writer: {"store", "key", "signer", "checkpoint_every", "secrets", "linger_ms",
//                     "rendezvous", "sign_after_at_most_ms"}
//   writer -> cordon: {"ok": true} once the store and the key are open, or {"ok": false,
//                     "error", "hint"}
//   cordon -> writer: events (event_wire.h), then end_of_events() ({"type": "end"})
//   writer -> cordon: {"ok": true} once everything is stored (it signs once cordon has exited),
//                     or the error
// A batch the store refuses (a full disk) is answered at once, during the session: the error
// reply, then the socket shut both ways. cordon sees the hang-up and stops the box, and its
// next send fails (the trail fails closed); that reply is the one it reads at the end.
// At the end of the stream without an "end" (cordon was killed) it stores and signs what it
// received, and exits. It ignores the signals meant for cordon's terminal and process group.
// A session taken at the rendezvous is the same protocol on the accepted socket, moved to fd 0;
// the store stays open from one session to the next while it is the same trail and file.
#include "audit/writer_main.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "audit/burst_pacer.h"
#include "audit/event_wire.h"
#include "audit/frames.h"
#include "audit/writer.h"
#include "audit/writer_rendezvous.h"
#include "base/log.h"
#include "base/syscalls.h"

namespace {

using cordon::Errc;
using cordon::Error;
using cordon::Ok;
using cordon::Result;
using cordon::UniqueFd;
using nlohmann::json;
namespace audit = cordon::audit;

constexpr int kChannel = 0;

// `stopped`: the store refused the session's rows, and the writer stores no more of them.
void reply(const Result<void>& status, bool stopped = false) {
  json out = {{"ok", status.ok()}};
  if (stopped) out["stopped"] = true;
  if (!status.ok()) {
    out["error"] = status.error().describe();
    out["hint"] = status.error().hint();
  }
  (void)audit::write_frame(kChannel, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

// The store refused a batch: cordon hears it now, with the store and the error, and can send
// nothing more (writer.h stores none of the session's later rows).
void report_failure(const std::string& store, const Error& error) {
  reply(Error(Errc::kSystem,
              "the audit trail could not be written (" + store + ": " + error.describe() + ")")
            .with_hint("make room on the store's filesystem (or fix the error), then run the "
                       "session again; `cordon audit verify` checks what was stored"),
        /*stopped=*/true);
  ::shutdown(kChannel, SHUT_RDWR);
  // cordon prints the error; the signer of the tail, failing on the same store, would only
  // repeat it on cordon's stderr.
  if (int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) {
    ::dup2(null, 2);
    ::close(null);
  }
}

// A session's options, as cordon sends them.
struct SessionConfig {
  std::string store, key, signer;
  int64_t checkpoint_every = 1000;
  std::vector<std::string> secrets;
  // How long to wait for the next session once this one has ended in order, and where.
  std::chrono::milliseconds linger{0};
  std::string rendezvous;
  // How long the session's end may wait for cordon's exit before it is signed.
  int sign_after_at_most_ms = static_cast<int>(audit::kSignAfterAtMostMs);

  bool same_trail(const SessionConfig& other) const {
    return store == other.store && key == other.key && signer == other.signer &&
           checkpoint_every == other.checkpoint_every;
  }
  audit::WriterOptions writer_options() const {
    audit::WriterOptions options;
    options.store_path = store;
    options.signer = std::make_shared<audit::ProcessSigner>(signer, store, key);
    options.checkpoint_every = checkpoint_every;
    options.redactor = audit::Redactor(secrets);
    options.on_failure = [store = store](const Error& error) { report_failure(store, error); };
    return options;
  }
};

// nullopt: the stream ended before any options (cordon stopped on an error first).
Result<std::optional<SessionConfig>> read_config(audit::FrameReader& reader) {
  CORDON_ASSIGN_OR_RETURN(std::optional<std::string> frame, reader.next());
  if (!frame) return std::optional<SessionConfig>();
  const json config = audit::from_wire(*frame);
  if (!config.is_object() || !config.contains("store") || !config.contains("key")) {
    return Error(Errc::kInvalidInput, "malformed configuration from cordon");
  }
  SessionConfig c;
  c.store = config.value("store", "");
  c.key = config.value("key", "");
  c.signer = config.value("signer", "");
  c.checkpoint_every = config.value("checkpoint_every", int64_t{1000});
  c.secrets = config.value("secrets", std::vector<std::string>{});
  c.linger = std::chrono::milliseconds(config.value("linger_ms", int64_t{0}));
  c.rendezvous = config.value("rendezvous", "");
  c.sign_after_at_most_ms = static_cast<int>(std::clamp<int64_t>(
      config.value("sign_after_at_most_ms", audit::kSignAfterAtMostMs), 0, 3'600'000));
  return std::optional<SessionConfig>(std::move(c));
}

// The store writer kept between sessions, and the store file it has open: a next session for
// the same trail reuses it only while that file is still the one at the path.
struct KeptWriter {
  std::unique_ptr<audit::AuditWriter> writer;
  SessionConfig config;
  dev_t dev = 0;
  ino_t ino = 0;

  bool serves(const SessionConfig& next) const {
    struct stat st {};
    return config.same_trail(next) && ::stat(next.store.c_str(), &st) == 0 && st.st_dev == dev &&
           st.st_ino == ino;
  }
};

// The writer is woken for each row it is sent, by a thread that still has work to do: the gate's
// tracer sends a program start's row and then releases the program. As an ordinary task the
// woken writer may take the sender's CPU at once (wake-up preemption) and hold up that release
// for as long as an insert takes; SCHED_BATCH tasks never preempt on waking. Measured in the
// gate's exec loop: the tracer's send of a row, and the release after it, went from 70-98 µs to
// 44-50 µs per program start. The writer still gets its fair share of the CPU; any user may set
// it on their own process, and the signers it starts inherit it.
void run_as_background_work() {
  sched_param no_priority{};
  (void)::sched_setscheduler(0, SCHED_BATCH, &no_priority);
}

// cordon waits for its rows, not for their signature; and the signature waits for cordon. Signing
// (loading the key, waking the signer) while cordon takes the box down and exits takes a CPU from
// those last steps on a small machine: on the project's 2-vCPU VM, signing once cordon had gone
// made `cordon run -- /bin/true` 0.7 ms faster (13.50 -> 12.81 ms, alternating builds). So the
// writer signs once the process it served has exited, or after `at_most_ms` (2 s by default) if
// that process goes on (`cordon verify` writes its report first). Where the kernel cannot name
// the process (SO_PEERPIDFD, Linux 6.5), it signs at once.
void wait_until_the_session_process_exits(int at_most_ms) {
  int pidfd = -1;
  socklen_t size = sizeof pidfd;
  if (::getsockopt(kChannel, SOL_SOCKET, cordon::sys::kSoPeerPidfd, &pidfd, &size) != 0) return;
  UniqueFd exited(pidfd);
  pollfd readable{exited.get(), POLLIN, 0};
  (void)::poll(&readable, 1, at_most_ms);  // the signals that could interrupt are ignored
}

// How a session ended for the writer: its exit status if it stops now, and whether (and where)
// it may wait for the next session instead.
struct SessionOutcome {
  int status = 1;
  std::chrono::milliseconds linger{0};
  std::string rendezvous;
};

// The writer for `config`: the kept one when it serves the same trail, else a new one (which is
// kept from now on). Its readiness is the reply cordon gets.
std::pair<audit::AuditWriter*, Result<void>> writer_for(std::optional<KeptWriter>& kept,
                                                        const SessionConfig& config) {
  if (kept && kept->serves(config)) {
    auto ready = kept->writer->begin_next_session(audit::Redactor(config.secrets));
    if (ready.ok()) return {kept->writer.get(), Ok{}};
  }
  if (kept) (void)kept->writer->close();
  kept.reset();
  auto opened = audit::AuditWriter::open(config.writer_options());
  if (!opened.ok()) return {nullptr, opened.error()};
  auto ready = (*opened)->wait_ready();
  KeptWriter fresh{std::move(*opened), config};
  if (struct stat st{}; ::stat(config.store.c_str(), &st) == 0) {
    fresh.dev = st.st_dev;
    fresh.ino = st.st_ino;
  }
  kept = std::move(fresh);
  return {kept->writer.get(), ready};
}

SessionOutcome serve_session(std::optional<KeptWriter>& kept) {
  audit::FrameReader reader(kChannel);
  audit::BurstPacer pacer;
  auto config = read_config(reader);
  if (!config.ok()) {
    reply(config.error());
    return {};
  }
  if (!*config) {
    // No session after all. A writer that served one already waits for the next again.
    if (!kept) return {};
    return {0, kept->config.linger, kept->config.rendezvous};
  }
  auto [writer, ready] = writer_for(kept, **config);
  reply(ready);
  if (writer == nullptr) return {};
  bool ended = false;
  std::optional<Error> unreadable;  // the first event that could not be read (a bug in cordon)
  int64_t unread = 0;
  while (!ended) {
    if (!reader.has_frame() && pacer.busy())
      std::this_thread::sleep_for(audit::BurstPacer::kGather);
    auto frame = reader.next();
    if (!frame.ok() || !frame->has_value()) break;  // cordon is gone: store what came
    pacer.saw_frame(audit::BurstPacer::Clock::now());
    if (**frame == audit::end_of_events()) {
      ended = true;
      break;
    }
    auto event = audit::event_from_wire(**frame);
    if (!event.ok()) {
      if (!unreadable) unreadable = std::move(event).error();
      unread += 1;
      continue;
    }
    writer->emit(*event);
  }
  if (!ended || !ready.ok()) {
    auto closed = writer->close();
    kept.reset();
    if (ended) reply(ready.ok() ? closed : ready);
    return {closed.ok() && ready.ok() ? 0 : 1};
  }
  // cordon waits for the rows, not for the signature: commit, answer, then (once cordon has
  // exited) sign.
  Result<void> flushed = writer->flush();
  if (flushed.ok() && unreadable) {
    flushed = unreadable->context(std::to_string(unread) + " audit event(s) unreadable");
  }
  UniqueFd signing = audit::hold_signing_lock(config->value().store);
  reply(flushed);
  // cordon may have exited; whoever reads its stderr must not wait for this process. A
  // signature that fails from here on shows in `cordon audit verify` as unsigned rows, which
  // the next session's checkpoint covers.
  if (int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) {
    ::dup2(null, 2);
    ::close(null);
  }
  wait_until_the_session_process_exits((*config)->sign_after_at_most_ms);
  if (flushed.ok() && (*config)->linger.count() > 0 && writer->end_session().ok()) {
    return {0, (*config)->linger, (*config)->rendezvous};
  }
  const bool closed = writer->close().ok();
  kept.reset();
  return {closed && flushed.ok() ? 0 : 1};
}

}  // namespace

namespace cordon::audit {

int run_session_writer() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) {
    ::signal(sig, SIG_IGN);
  }
  run_as_background_work();
  // The writer may outlive cordon by its linger: of the descriptors cordon inherited it keeps
  // only its channel, /dev/null and cordon's stderr (given up once the session ends). A pipe it
  // kept would hold up whoever reads that pipe to its end.
  (void)cordon::sys::close_range(3, ~0U, 0);
  // The writer and its signers, which may outlive cordon by a while, hold no directory of the
  // user's (one may be unmounted meanwhile); every path they are given is absolute. Failing
  // that, they stay where they are.
  if (::chdir("/") != 0) log::debug("audit writer: chdir /: " + std::string(strerror(errno)));
  std::optional<KeptWriter> kept;
  for (;;) {
    const SessionOutcome outcome = serve_session(kept);
    if (outcome.linger.count() <= 0 || audit::own_program_replaced()) return outcome.status;
    UniqueFd next = wait_for_next_session(outcome.rendezvous, outcome.linger);
    if (!next || ::dup2(next.get(), kChannel) != kChannel) {
      if (kept) (void)kept->writer->close();
      return outcome.status;
    }
  }
}

}  // namespace cordon::audit
