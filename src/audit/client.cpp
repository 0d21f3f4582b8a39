// Starting the audit writer process and talking to it.
#include "audit/client.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "audit/event_wire.h"
#include "audit/frames.h"
#include "audit/writer_rendezvous.h"
#include "base/signal_scope.h"

extern char** environ;

namespace cordon::audit {
namespace {

using nlohmann::json;

Error error_from(const json& reply, const std::string& fallback) {
  Error e(Errc::kSystem, reply.value("error", fallback));
  const std::string hint = reply.value("hint", "");
  if (!hint.empty()) e.with_hint(hint);
  return e;
}

// The writer gets the socket as fd 0, /dev/null as fd 1, cordon's stderr, its own session (a
// Ctrl-C or SIGHUP for cordon's process group is not for it) and no blocked signals.
Result<std::pair<UniqueFd, pid_t>> spawn_writer(const std::string& writer_path) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error::system("socketpair for the audit writer");
  }
  UniqueFd ours(pair[0]), theirs(pair[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  ::sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
  char* argv[] = {const_cast<char*>(writer_path.c_str()), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, writer_path.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Error::system("start the audit writer " + writer_path, rc)
        .with_hint("cordon-audit-writer is installed next to cordon (or in ../libexec/cordon/)");
  }
  return std::make_pair(std::move(ours), pid);
}

// A writer waiting at the rendezvous, else a new one.
Result<WriterStart::Spawned> find_or_spawn_writer(const std::string& writer_path,
                                                  const std::string& rendezvous) {
  if (!rendezvous.empty()) {
    if (auto waiting = take_waiting_writer(rendezvous, writer_path)) {
      return WriterStart::Spawned{std::move(waiting->socket), -1, rendezvous};
    }
  }
  CORDON_ASSIGN_OR_RETURN(auto spawned, spawn_writer(writer_path));
  return WriterStart::Spawned{std::move(spawned.first), spawned.second, rendezvous};
}

}  // namespace

struct WriterStart::State {
  std::thread thread;
  // Set by the thread; emptied by take(), after which the AuditClient owns the writer.
  std::optional<Result<Spawned>> spawned;
};

WriterStart WriterStart::begin(std::string writer_path, std::string rendezvous) {
  auto state = std::make_unique<State>();
  State* raw = state.get();
  // The writer's own signal mask is set by posix_spawn.
  raw->thread = quiet_thread([raw, path = std::move(writer_path), at = std::move(rendezvous)] {
    raw->spawned = find_or_spawn_writer(path, at);
  });
  return WriterStart(std::move(state));
}

WriterStart::WriterStart(std::unique_ptr<State> state) : state_(std::move(state)) {}
WriterStart::WriterStart(WriterStart&&) noexcept = default;

Result<WriterStart::Spawned> WriterStart::take() {
  state_->thread.join();
  auto spawned = std::move(*state_->spawned);
  state_->spawned.reset();
  return spawned;
}

WriterStart::~WriterStart() {
  if (!state_) return;  // moved from
  if (state_->thread.joinable()) state_->thread.join();
  if (state_->spawned && state_->spawned->ok()) {
    Spawned& writer = **state_->spawned;
    writer.socket.reset();  // end of stream, before any options
    if (writer.child > 0) ::waitpid(writer.child, nullptr, 0);
  }
}

Result<std::unique_ptr<AuditClient>> AuditClient::start(WriterStart writer,
                                                        const ClientOptions& options) {
  return std::unique_ptr<AuditClient>(new AuditClient(std::move(writer), options));
}

bool AuditClient::connect() {
  if (!writer_start_) return static_cast<bool>(socket_);
  auto fail = [this](Error e) {
    socket_.reset();
    ready_read_ = true;  // nothing to read: this is the answer
    ready_error_ = std::move(e);
    return false;
  };
  Result<WriterStart::Spawned> spawned = writer_start_->take();
  writer_start_.reset();
  if (!spawned.ok()) return fail(std::move(spawned).error());
  socket_ = std::move(spawned->socket);
  replies_.emplace(socket_.get());
  child_ = spawned->child;
  const json config = {{"store", options_.store_path},
                       {"key", options_.key_path},
                       {"signer", options_.signer_path},
                       {"checkpoint_every", options_.checkpoint_every},
                       {"secrets", options_.secrets},
                       {"linger_ms", spawned->rendezvous.empty() ? 0 : options_.linger_ms},
                       {"rendezvous", spawned->rendezvous},
                       {"sign_after_at_most_ms", options_.sign_after_at_most_ms}};
  if (auto sent = write_frame(socket_.get(), to_wire(config)); !sent.ok()) {
    return fail(std::move(sent.error().context("audit writer")));
  }
  return true;
}

AuditClient::~AuditClient() {
  (void)close();
}

void AuditClient::emit(const events::Event& event) {
  emit_all(std::span(&event, 1));
}

void AuditClient::emit_all(std::span<const events::Event> events) {
  if (closed_ || ended_ || send_error_ || !connect()) {
    unsent_ += static_cast<int64_t>(events.size());
    return;
  }
  // The events before one that cannot be framed still go; it and those after it do not.
  std::string frames;
  size_t framed = 0;
  std::optional<Error> unframed;
  for (const events::Event& event : events) {
    const std::string payload = event_to_wire(event);
    if (auto appended = append_frame(frames, payload); !appended.ok()) {
      unframed = std::move(appended).error();
      break;
    }
    framed += 1;
  }
  // The session's end is its last event: the end of the stream goes in the same write, so the
  // writer stores and commits the session while the supervisor takes the box down, and close()
  // only waits for its answer.
  const bool ends =
      !unframed && !events.empty() && std::holds_alternative<events::SessionEnded>(events.back());
  if (ends) {
    if (auto appended = append_frame(frames, end_of_events()); appended.ok()) ended_ = true;
  }
  if (auto sent = write_frames(socket_.get(), frames); !sent.ok()) {
    send_error_ = std::move(sent).error();
    unsent_ += static_cast<int64_t>(events.size());
  } else if (unframed) {
    send_error_ = std::move(unframed);
    unsent_ += static_cast<int64_t>(events.size() - framed);
  }
}

Result<void> AuditClient::read_status(const char* what) {
  auto frame = replies_->next();
  if (!frame.ok()) return std::move(frame.error().context(std::string("audit writer ") + what));
  if (!frame->has_value()) {
    return Error(Errc::kSystem, std::string("the audit writer exited before it was ") + what)
        .with_hint("its error is above; cordon does not run a session it cannot audit");
  }
  const json reply = json::parse(**frame, nullptr, false);
  if (reply.is_discarded() || !reply.value("ok", false)) {
    Error e = error_from(reply, "audit writer failed");
    if (reply.is_object() && reply.value("stopped", false)) store_failure_ = e;
    return e;
  }
  return Ok{};
}

Result<void> AuditClient::wait_ready() {
  connect();
  if (!ready_read_) {
    ready_read_ = true;
    if (auto ready = read_status("ready"); !ready.ok()) ready_error_ = std::move(ready).error();
  }
  if (ready_error_) return *ready_error_;
  return Ok{};
}

Result<void> AuditClient::close() {
  if (closed_) return Ok{};
  closed_ = true;
  // Never taken (the session stopped before its first event): WriterStart's destructor lets
  // the writer go with nothing to store, and the client is ready for nothing from here on.
  if (writer_start_) {
    writer_start_.reset();
    ready_read_ = true;
    ready_error_ = Error(Errc::kInternal, "the audit client was closed before its first event");
    return Ok{};
  }
  if (!ready_read_) (void)wait_ready();
  Result<void> status = Ok{};
  if (!ready_error_) {
    if (!ended_) {
      if (auto sent = write_frame(socket_.get(), end_of_events()); !sent.ok() && !send_error_) {
        send_error_ = std::move(sent).error();
      }
    }
    status = read_status("done");
  }
  socket_.reset();
  // After its answer the writer signs the checkpoint on its own time (see writer_main.cpp) and
  // may wait for the next session; one we started is reaped here if it is done already,
  // otherwise by whoever inherits it when cordon exits. A writer that failed before answering
  // has exited, or exits at the end of the stream.
  if (child_ > 0) {
    int wstatus = 0;
    ::waitpid(child_, &wstatus, status.ok() ? WNOHANG : 0);
  }
  if (ready_error_) return *ready_error_;
  // What could not be sent after the writer stopped is part of that failure, not another one.
  if (store_failure_) return *store_failure_;
  if (send_error_) {
    Error e = *send_error_;
    return e.context(std::to_string(unsent_) + " audit event(s) not sent to the writer");
  }
  if (unsent_ > 0) {
    return Error(Errc::kInternal, std::to_string(unsent_) +
                                      " audit event(s) not sent to the writer: they came after "
                                      "the session's end");
  }
  return status;
}

events::WallStatus AuditClient::describe() const {
  return {"audit",
          "SQLite store " + options_.store_path +
              ", hash-chained; checkpoints signed with the Ed25519 key " + options_.key_path +
              " every " + std::to_string(options_.checkpoint_every) +
              " rows and at session end, by a separate writer process",
          true, ""};
}

}  // namespace cordon::audit
