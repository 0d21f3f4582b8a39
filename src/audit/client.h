// AuditClient: the supervisor's side of the audit trail.
//
// The supervisor does not write the store or hold the key. It starts `cordon-audit-writer`, a
// process of its own (same user, host namespaces, its own session), and sends it every event
// over a socket; the writer redacts, chains, stores and signs (writer.h). Two reasons:
//   - privilege separation: the key never lives in the process that relays a hijacked agent's
//     terminal and (with the egress issue) parses its network traffic;
//   - start-up: SQLite and OpenSSL stay out of the supervisor, whose size every box start pays
//     for, and the writer opens the store on the second core while the box is being built.
// If cordon is killed, the writer still stores and signs everything it was sent (it reads to
// the end of the stream).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/frames.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "events/session_events.h"

namespace cordon::audit {

struct ClientOptions {
  std::string signer_path;  // the cordon-audit executable (`cordon-audit checkpoint` signs)
  std::string store_path;
  std::string key_path;
  int64_t checkpoint_every = 1000;
  std::vector<std::string> secrets;  // literal values the writer must redact
  // How long the writer waits for the user's next session once this one has ended in order
  // (writer_rendezvous.h); 0: it exits.
  int64_t linger_ms = 0;
  // How long the writer waits, after its answer at the session's end, for this process to exit
  // before it signs the end anyway (writer_main.cpp).
  int64_t sign_after_at_most_ms = kSignAfterAtMostMs;
};

// The session's writer, found before the session's options are known: one waiting at
// `rendezvous` after an earlier session of this user (writer_rendezvous.h), else a new process.
// posix_spawn() returns only once the writer has exec'd, a millisecond or more on a small VM;
// begun on a thread of its own as cordon starts, that runs on another CPU while cordon reads its
// policy and plans the box (AuditClient takes it at the session's first event). An empty
// `rendezvous`: always a new process, which never waits for another session.
class WriterStart {
 public:
  static WriterStart begin(std::string writer_path, std::string rendezvous);
  // A start the session never took (cordon stopped on an error first): the writer reads the end
  // of its stream before any options and stores nothing; a new process ends and is reaped
  // here, a waiting one goes back to waiting.
  ~WriterStart();
  WriterStart(WriterStart&&) noexcept;
  WriterStart& operator=(WriterStart&&) = delete;

  // The writer found or started.
  struct Spawned {
    UniqueFd socket;
    pid_t child = -1;  // the writer when we started it (and reap it); -1 when found waiting
    std::string rendezvous;
  };

 private:
  friend class AuditClient;
  struct State;
  explicit WriterStart(std::unique_ptr<State> state);
  Result<Spawned> take();  // waits for the thread
  std::unique_ptr<State> state_;
};

class AuditClient : public events::EventSink {
 public:
  // The session's client. The writer is taken, and given its options, at the first event or
  // wait_ready(): until then WriterStart's thread finds or starts it while the caller plans the
  // box (on a small VM the answer of a waiting writer alone takes a few hundred microseconds),
  // and the writer opens the store and the key while the box is built. A writer that cannot
  // be had is wait_ready()'s error: no program runs unaudited.
  static Result<std::unique_ptr<AuditClient>> start(WriterStart writer,
                                                    const ClientOptions& options);
  ~AuditClient() override;

  void emit(const events::Event& event) override;
  // All of them in one write. A SessionEnded last ends the stream in that write: events after
  // it are not sent, and close() reports them.
  void emit_all(std::span<const events::Event> events) override;
  // The writer's answer: the store and the key are open, or why not.
  Result<void> wait_ready() override;
  // An event could not be sent: the writer is gone, or an event could not be framed.
  bool lost() const override { return send_error_.has_value(); }
  // The writer's socket (once taken): it hangs up when the writer exits.
  int hangup_fd() const override { return socket_.get(); }
  // Ends the stream (unless the session's end already did), waits until the writer has stored
  // everything (it signs once this process has exited), reaps it if it is done. Idempotent.
  // When the store refused the session's rows, that error (store_failure()).
  Result<void> close();
  // After close(): the store refused a batch during the session (a full disk). The writer said
  // so at once and hung up, which stopped the box; it stored none of the session's later rows.
  const std::optional<Error>& store_failure() const { return store_failure_; }

  events::WallStatus describe() const;

 private:
  AuditClient(WriterStart writer, ClientOptions options)
      : writer_start_(std::move(writer)), options_(std::move(options)) {}
  // Takes the writer and sends it the options, the first time; false if that failed
  // (ready_error_ says why; every event is then counted unsent) or the socket is closed.
  bool connect();
  Result<void> read_status(const char* what);

  std::optional<WriterStart> writer_start_;  // until connect() takes it (or close() drops it)
  UniqueFd socket_;
  std::optional<FrameReader> replies_;  // the writer's answers on socket_
  pid_t child_ = -1;  // the writer, when we started it; -1 when it was waiting for us
  ClientOptions options_;
  bool ready_read_ = false;
  std::optional<Error> ready_error_;
  std::optional<Error> send_error_;
  std::optional<Error> store_failure_;
  int64_t unsent_ = 0;
  bool ended_ = false;  // the end of the stream is sent
  bool closed_ = false;
};

}  // namespace cordon::audit
