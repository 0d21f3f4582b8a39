// `cordon-audit-writer`: the process that owns the audit store and the key for one
// session.
//
// Started by cordon (client.h) with a stream socket as fd 0. Protocol, one frame each way:
//   cordon -> writer: {"store", "key", "checkpoint_every", "secrets"}
//   writer -> cordon: {"ok": true} once the store and the key are open, or {"ok": false,
//                     "error", "hint"}
//   cordon -> writer: events (event_json.h), then {"type": "end"}
//   writer -> cordon: {"ok": true} once everything is stored (then it signs), or the error
// At the end of the stream without an "end" (cordon was killed) it stores and signs what it
// received. It ignores the signals meant for cordon's terminal and process group.
#include "audit/writer_main.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "audit/event_json.h"
#include "audit/frames.h"
#include "audit/writer.h"

namespace {

using cordon::Errc;
using cordon::Error;
using cordon::Result;
using cordon::UniqueFd;
using nlohmann::json;
namespace audit = cordon::audit;

constexpr int kChannel = 0;

void reply(const Result<void>& status) {
  json out = {{"ok", status.ok()}};
  if (!status.ok()) {
    out["error"] = status.error().describe();
    out["hint"] = status.error().hint();
  }
  (void)audit::write_frame(kChannel, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<audit::WriterOptions> read_config(audit::FrameReader& reader) {
  CORDON_ASSIGN_OR_RETURN(std::optional<std::string> frame, reader.next());
  if (!frame) return Error(Errc::kInvalidInput, "no configuration from cordon");
  const json config = json::parse(*frame, nullptr, false);
  if (!config.is_object() || !config.contains("store") || !config.contains("key")) {
    return Error(Errc::kInvalidInput, "malformed configuration from cordon");
  }
  audit::WriterOptions options;
  options.store_path = config.value("store", "");
  options.signer = std::make_shared<audit::ProcessSigner>(
      config.value("signer", ""), options.store_path, config.value("key", ""));
  options.checkpoint_every = config.value("checkpoint_every", int64_t{1000});
  options.redactor = audit::Redactor(config.value("secrets", std::vector<std::string>{}));
  return options;
}

// A busy session (a proxy forwarding thousands of requests a second) sends a steady stream of
// events; waking for each costs the writer more than storing it. While events come that fast,
// the writer lets them gather for a moment before each read, and takes them in one.
class BurstPacer {
 public:
  void saw_frame() {
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= kWindow) {
      busy_ = in_window_ >= kBusyFrames;
      in_window_ = 0;
      window_start_ = now;
    }
    in_window_ += 1;
  }
  void before_read() const {
    if (busy_) std::this_thread::sleep_for(kGather);
  }

 private:
  static constexpr auto kWindow = std::chrono::milliseconds(10);
  static constexpr int kBusyFrames = 20;  // 2,000 events a second
  static constexpr auto kGather = std::chrono::milliseconds(1);
  std::chrono::steady_clock::time_point window_start_{};
  int in_window_ = 0;
  bool busy_ = false;
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

}  // namespace

namespace cordon::audit {

int run_session_writer() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) {
    ::signal(sig, SIG_IGN);
  }
  run_as_background_work();
  audit::FrameReader reader(kChannel);
  BurstPacer pacer;
  auto options = read_config(reader);
  if (!options.ok()) {
    reply(options.error());
    return 1;
  }
  const std::string store_path = options->store_path;
  auto writer = audit::AuditWriter::open(std::move(*options));
  if (!writer.ok()) {
    reply(writer.error());
    return 1;
  }
  auto ready = (*writer)->wait_ready();
  reply(ready);
  bool ended = false;
  std::optional<Error> unreadable;  // the first event that could not be read (a bug in cordon)
  int64_t unread = 0;
  while (!ended) {
    if (!reader.has_frame()) pacer.before_read();
    auto frame = reader.next();
    if (!frame.ok() || !frame->has_value()) break;  // cordon is gone: store what came
    pacer.saw_frame();
    const json message = json::parse(**frame, nullptr, false);
    if (message.is_object() && message.value("type", "") == "end") {
      ended = true;
      break;
    }
    auto event = audit::event_from_json(message);
    if (!event.ok()) {
      if (!unreadable) unreadable = std::move(event).error();
      unread += 1;
      continue;
    }
    (*writer)->emit(*event);
  }
  if (!ended || !ready.ok()) {
    auto closed = (*writer)->close();
    if (ended) reply(ready.ok() ? closed : ready);
    return closed.ok() && ready.ok() ? 0 : 1;
  }
  // cordon waits for the rows, not for the signature: commit, answer, then sign.
  Result<void> flushed = (*writer)->flush();
  if (flushed.ok() && unreadable) {
    flushed = unreadable->context(std::to_string(unread) + " audit event(s) unreadable");
  }
  UniqueFd signing = audit::hold_signing_lock(store_path);
  reply(flushed);
  // cordon may have exited; whoever reads its stderr must not wait for this process. A
  // signature that fails from here on shows in `cordon audit verify` as unsigned rows, which
  // the next session's checkpoint covers.
  if (int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) {
    ::dup2(null, 2);
    ::close(null);
  }
  return (*writer)->close().ok() ? 0 : 1;
}

}  // namespace cordon::audit
