// BurstPacer: when the audit writer lets a steady stream of events gather before it reads.
#pragma once

#include <chrono>

namespace cordon::audit {

// A busy session sends a steady stream of events: a proxy forwarding thousands of requests a
// second, or the gate deciding every program a shell loop or a build starts. Woken for each, the
// writer spends more on waking than on storing, and every wake-up is paid by the sender too (the
// gate's tracer, between a start's decision and the program's release) and takes a CPU the box
// is about to use. So, while events come at least as fast as `kBusyRate`, the writer sleeps
// `kGather` before each read instead of waiting on its socket: a send then finds no one to wake.
//
// Busy is judged over windows of `kWindow`, from the second one on: a short session (most
// `cordon run` sessions end within one window) is never paced, so its end is answered at once.
class BurstPacer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kWindow = std::chrono::milliseconds(20);
  static constexpr int kBusyFrames = 10;  // in one window: 500 events a second
  static constexpr auto kGather = std::chrono::milliseconds(1);

  void saw_frame(Clock::time_point now) {
    if (!started_) {
      started_ = true;
      window_start_ = now;
    } else if (now - window_start_ >= kWindow) {
      busy_ = in_window_ >= kBusyFrames;
      in_window_ = 0;
      window_start_ = now;
    }
    in_window_ += 1;
  }
  // Whether the next read waits `kGather` first.
  bool busy() const { return busy_; }

 private:
  bool started_ = false;
  Clock::time_point window_start_{};
  int in_window_ = 0;
  bool busy_ = false;
};

}  // namespace cordon::audit
