// AuditWriter: the EventSink that persists a session's events to the store.
//
// emit() encodes and redacts on the caller's thread and queues; a writer thread appends whatever
// has queued in one transaction (group commit), so a burst of decisions costs one commit, not
// one per event. The writer signs a checkpoint every `checkpoint_every` rows and at close().
//
// A batch the store refuses ends what the writer stores: it reports the error (on_failure) and
// stores none of the rows emitted after it, which would follow a hole in the session, and no
// end that would claim a complete session. The committed rows keep their place in the chain.
//
// Durability: close() (normal exit, and after SIGTERM/SIGINT, which the supervisor turns into an
// orderly end) writes everything. If cordon is SIGKILLed, the events queued since the last
// commit (the batching interval: at most `max_batch_delay`) are lost; every committed row stays
// chained and verifiable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/checkpoint_signer.h"
#include "audit/encode.h"
#include "audit/redact.h"
#include "audit/store.h"
#include "base/result.h"
#include "events/session_events.h"

namespace cordon::audit {

struct WriterOptions {
  std::string store_path;
  // Who signs the checkpoints (checkpoint_signer.h); required.
  std::shared_ptr<CheckpointSigner> signer;
  int64_t checkpoint_every = 1000;
  // How long the writer waits to gather a batch after the first queued event.
  std::chrono::milliseconds max_batch_delay{20};
  Redactor redactor;
  // Called once, on the writer thread, when the store refuses a batch (a full disk): the
  // session's process stops the box at once instead of learning it at the session's end. Null:
  // the error is logged.
  std::function<void(const Error&)> on_failure;
};

class AuditWriter : public events::EventSink {
 public:
  // Starts the writer thread, which opens the store and prepares the signer (the key is created
  // when missing) while the caller builds the box; events emitted meanwhile are queued.
  static Result<std::unique_ptr<AuditWriter>> open(WriterOptions options);
  // Waits until the store is open and a key exists; their error if not. The box calls it
  // before its program starts, so a session is never run unaudited.
  Result<void> wait_ready() override;
  ~AuditWriter() override;

  void emit(const events::Event& event) override;

  // Commits everything emitted so far, without signing; the first write error. The session
  // writer answers cordon after this and signs afterwards (close()).
  Result<void> flush();

  // A session's end on a writer that may serve the next one (writer_rendezvous.h): commits
  // everything, signs the tail and keeps the store open. The first write error.
  Result<void> end_session();
  // Before the next session on this writer: its secrets, and the key checked again (created,
  // as a new writer would, if it was removed meanwhile). Only once end_session() succeeded.
  Result<void> begin_next_session(Redactor redactor);

  // Writes everything queued, signs the tail, stops the thread. Returns the first write error
  // (the events it could not store are counted in the message). Idempotent.
  Result<void> close();

  // Rows committed so far (for tests and benchmarks).
  int64_t committed() const;

 private:
  explicit AuditWriter(WriterOptions options);
  Result<void> open_store_and_signer();
  void run();
  // `final`: the batch ends with the tail signed, by this kind of signature.
  Result<void> write_batch(std::vector<PendingEvent>& batch, std::optional<TailSignature> final);

  WriterOptions options_;
  // Owned by the writer thread once opened; store_ is reset by close().
  std::optional<Store> store_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable ready_;
  std::condition_variable progress_;  // a batch was written (or lost)
  bool flush_now_ = false;            // flush(): skip the batching delay
  bool end_session_ = false;          // end_session(): sign the tail, keep the store
  int64_t emitted_ = 0;
  bool opened_ = false;  // the thread has tried to open the store and the key
  std::optional<Error> open_error_;
  std::vector<PendingEvent> queue_;
  bool closing_ = false;
  bool closed_ = false;
  std::map<std::string, std::pair<int64_t, SessionCounts>> sessions_;  // seq and counts
  int64_t committed_ = 0;
  int64_t since_checkpoint_ = 0;
  int64_t lost_ = 0;
  std::optional<Error> error_;
  bool failure_reported_ = false;  // on_failure was called (writer thread only)
  std::thread thread_;
};

}  // namespace cordon::audit
