// ChannelThread: the thread a review channel (control socket, web page, terminal) runs on, woken
// by every change of the queue and by stop().
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "base/result.h"
#include "base/wakeup.h"
#include "review/review_queue.h"

namespace cordon::review {

class ChannelThread {
 public:
  static Result<std::unique_ptr<ChannelThread>> create();
  ~ChannelThread() { stop(); }

  // Subscribes to `queue` and runs `body` on the thread until it returns; `body` polls fd()
  // and checks stopping() after each wake-up.
  void start(ReviewQueue& queue, std::function<void()> body);
  // Unsubscribes, wakes the body and joins it. Idempotent.
  void stop();
  // Tells the body to stop and returns at once; stop() still joins (it is then quick). For
  // winding channels down while the caller does other work. Idempotent.
  void request_stop();

  int fd() const { return wakeup_.fd(); }
  void drain() const { wakeup_.drain(); }
  bool stopping() const { return stopping_; }
  // The body gives up on its own (the terminal went away).
  void give_up() { stopping_ = true; }
  // True once per run of queue changes since the last call.
  bool take_changed() { return changed_.exchange(false); }

 private:
  explicit ChannelThread(Wakeup wakeup) : wakeup_(std::move(wakeup)) {}
  Wakeup wakeup_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> changed_{false};
  std::shared_ptr<void> subscription_;
  std::thread thread_;
};

}  // namespace cordon::review
