// The terminal channel: when cordon runs the agent in the background, the user answers held
// programs on cordon's own terminal. The reviewer is "tty:<username>" of the user cordon runs as.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "base/terminal_hold.h"
#include "review/review_queue.h"

namespace cordon::review {

class TtyReviewer {
 public:
  // Opens `tty` (read and write) and, on a thread, prompts there for each pending item in
  // turn: "[a]pprove once, approve for [s]ession, [d]eny?", then "reason?". An item answered
  // elsewhere while its prompt is up is announced and skipped. `queue` must outlive it.
  //
  // The box's output shares the terminal: with `hold` (which must outlive it), nothing of the
  // box reaches the terminal from the moment an item is shown until it is answered, and each
  // item begins by undoing what the box may have set to hide or garble it (colours, character
  // sets, scroll region, a hidden cursor...) and by discarding input typed before it was shown.
  static Result<std::unique_ptr<TtyReviewer>> start(ReviewQueue& queue,
                                                    const std::string& tty = "/dev/tty",
                                                    TerminalHold* hold = nullptr);
  ~TtyReviewer();  // stop()
  TtyReviewer(const TtyReviewer&) = delete;
  TtyReviewer& operator=(const TtyReviewer&) = delete;

  void stop();
  // Tells the thread to stop and returns at once (ChannelThread::request_stop); stop() finishes.
  void request_stop();

  struct Impl;

 private:
  explicit TtyReviewer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon::review
