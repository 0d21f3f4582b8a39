// The audit writer thread: group commits onto the store's chain.
#include "audit/writer.h"

#include <pthread.h>
#include <signal.h>

#include "base/clock.h"
#include "base/log.h"

namespace cordon::audit {

Result<std::unique_ptr<AuditWriter>> AuditWriter::open(WriterOptions options) {
  if (options.store_path.empty() || !options.signer || options.checkpoint_every < 1) {
    return Error(Errc::kInternal, "audit writer options incomplete");
  }
  std::unique_ptr<AuditWriter> writer(new AuditWriter(std::move(options)));
  // The thread takes no signals: they belong to the main thread of whichever process runs the
  // writer (a supervisor blocks SIGTERM and SIGINT and reads them from a signalfd; a thread
  // that left them unblocked would receive them instead, and die of them, taking the process
  // along before the session could end in order).
  sigset_t all, previous;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  writer->thread_ = std::thread([w = writer.get()] { w->run(); });
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return writer;
}

AuditWriter::AuditWriter(WriterOptions options) : options_(std::move(options)) {}

Result<void> AuditWriter::open_store_and_signer() {
  const auto started = std::chrono::steady_clock::now();
  auto opened = Store::open_for_append(options_.store_path);
  if (!opened.ok()) return std::move(opened.error().context("store " + options_.store_path));
  store_.emplace(std::move(*opened));
  CORDON_TRY(options_.signer->prepare());
  log::debug("audit store and key opened (writer thread): " +
             std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count()) +
             " us");
  return Ok{};
}

Result<void> AuditWriter::wait_ready() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] { return opened_; });
  if (open_error_) return *open_error_;
  return Ok{};
}

AuditWriter::~AuditWriter() {
  (void)close();
}

void AuditWriter::emit(const events::Event& event) {
  const std::string& session = events::session_of(event);
  // Encoding and redaction are the costly part of an event: they run outside the lock, so the
  // writer thread is never held up taking its next batch. Only a session's end reads the
  // counts (a session's events come from one thread, in order).
  SessionCounts counts_so_far;
  if (std::holds_alternative<events::SessionEnded>(event)) {
    std::lock_guard lock(mu_);
    counts_so_far = sessions_[session].second;
  }
  PendingEvent row = encode_event(event, options_.redactor, counts_so_far);
  row.time_us = unix_time_us();
  std::lock_guard lock(mu_);
  auto& [seq, counts] = sessions_[session];
  row.seq = ++seq;
  counts.events += 1;
  if (row.decision == "allow") counts.allowed += 1;
  if (row.decision == "deny") counts.denied += 1;
  if (row.decision == "ask") counts.asked += 1;
  if (closed_) {
    lost_ += 1;
    return;
  }
  emitted_ += 1;
  queue_.push_back(std::move(row));
  if (queue_.size() == 1) wake_.notify_one();
}

void AuditWriter::run() {
  auto opened = open_store_and_signer();
  std::unique_lock lock(mu_);
  opened_ = true;
  if (!opened.ok()) {
    Error e = std::move(opened).error();
    e.context("audit trail");
    if (e.hint().empty()) {
      e.with_hint(
          "cordon does not run a session it cannot audit; set audit.store and audit.key "
          "in ~/.config/cordon/config.toml to writable paths");
    }
    open_error_ = e;
    error_ = e;
  }
  ready_.notify_all();
  if (open_error_) {
    // Nothing can be stored: count what arrives until close().
    wake_.wait(lock, [&] { return closing_; });
    lost_ += static_cast<int64_t>(queue_.size());
    queue_.clear();
    return;
  }
  std::vector<PendingEvent> batch;
  for (;;) {
    wake_.wait(lock, [&] { return !queue_.empty() || closing_ || end_session_; });
    if (!closing_ && !flush_now_ && !end_session_) {
      // Let a burst gather into one transaction.
      wake_.wait_for(lock, options_.max_batch_delay,
                     [&] { return closing_ || flush_now_ || end_session_; });
    }
    const bool closing = closing_;
    const bool session_ends = end_session_;
    batch.swap(queue_);
    if (error_) {
      // A batch was refused: later rows would follow a hole in their session, and its end would
      // claim a complete one. They are counted, not stored; the tail committed before the
      // failure is still signed when closing (an empty batch only signs).
      lost_ += static_cast<int64_t>(batch.size());
      batch.clear();
    }
    lock.unlock();
    auto written = write_batch(batch, closing        ? std::optional(TailSignature::kLast)
                                      : session_ends ? std::optional(TailSignature::kSessionEnd)
                                                     : std::nullopt);
    if (session_ends && !closing) store_->end_session();
    if (!written.ok() && !failure_reported_) {
      // Before error_ is set: flush() returns only after the session's process has been told.
      failure_reported_ = true;
      if (options_.on_failure) {
        options_.on_failure(written.error());
      } else {
        log::write(log::Level::kError, "audit: " + written.error().describe());
      }
    }
    lock.lock();
    if (!written.ok()) {
      lost_ += static_cast<int64_t>(batch.size());
      if (!error_) error_ = std::move(written).error();
    } else {
      committed_ += static_cast<int64_t>(batch.size());
    }
    batch.clear();
    if (session_ends) end_session_ = false;
    progress_.notify_all();
    if (closing && queue_.empty()) return;
  }
}

Result<void> AuditWriter::flush() {
  std::unique_lock lock(mu_);
  if (closed_ || open_error_) return error_ ? Result<void>(*error_) : Ok{};
  const int64_t target = emitted_;
  flush_now_ = true;
  wake_.notify_one();
  progress_.wait(lock, [&] { return committed_ + lost_ >= target; });
  flush_now_ = false;
  if (error_) return *error_;
  return Ok{};
}

Result<void> AuditWriter::end_session() {
  std::unique_lock lock(mu_);
  if (closed_ || open_error_) return error_ ? Result<void>(*error_) : Ok{};
  end_session_ = true;
  wake_.notify_one();
  progress_.wait(lock, [&] { return !end_session_; });
  if (error_) return *error_;
  return Ok{};
}

Result<void> AuditWriter::begin_next_session(Redactor redactor) {
  std::lock_guard lock(mu_);
  if (closed_ || error_) return Error(Errc::kInternal, "this audit writer cannot serve again");
  // The thread is idle between sessions: nothing is queued, the tail is signed.
  options_.redactor = std::move(redactor);
  sessions_.clear();
  return options_.signer->prepare();
}

// Splits the batch where a checkpoint falls due, so that one is signed every
// `checkpoint_every` rows exactly, and signs the tail when closing.
Result<void> AuditWriter::write_batch(std::vector<PendingEvent>& batch,
                                      std::optional<TailSignature> final) {
  std::span<const PendingEvent> rest(batch);
  do {
    const auto room = static_cast<size_t>(options_.checkpoint_every - since_checkpoint_);
    const std::span<const PendingEvent> piece = rest.first(std::min(room, rest.size()));
    rest = rest.subspan(piece.size());
    since_checkpoint_ += static_cast<int64_t>(piece.size());
    const bool sign = since_checkpoint_ >= options_.checkpoint_every ||
                      (final && rest.empty() && since_checkpoint_ > 0);
    if (piece.empty() && !sign) break;
    if (!piece.empty()) {
      auto appended = store_->append(piece);
      if (!appended.ok()) return std::move(appended).error();
    }
    if (sign) {
      const bool end = final && rest.empty();
      CORDON_TRY(options_.signer->sign_tail(*store_, end ? *final : TailSignature::kPeriodic));
      since_checkpoint_ = 0;
    }
  } while (!rest.empty());
  return Ok{};
}

Result<void> AuditWriter::close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Ok{};
    closing_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  closed_ = true;
  if (store_) store_->end_session();
  store_.reset();  // the session is done with the store
  if (error_) {
    Error e = *error_;
    e.context(std::to_string(lost_) + " audit event(s) not stored");
    return e;
  }
  return Ok{};
}

int64_t AuditWriter::committed() const {
  std::lock_guard lock(mu_);
  return committed_;
}

}  // namespace cordon::audit
