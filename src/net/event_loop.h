// The proxy's event loop: level-triggered epoll over borrowed fds, one-shot timers on a min-heap,
// tasks deferred to the end of an iteration, and an eventfd another thread uses to stop it.
//
// Single-threaded: every method except stop() must be called on the thread that runs run().
// Callbacks may watch, unwatch, schedule and cancel freely, including their own entry: an unwatched
// fd's pending events in the same batch are dropped, never delivered.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon::net {

using Clock = std::chrono::steady_clock;
using WatchId = uint64_t;
using TimerId = uint64_t;

class EventLoop {
 public:
  using IoCallback = std::function<void(uint32_t events)>;

  static Result<std::unique_ptr<EventLoop>> create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Watches `fd` (borrowed: unwatch before closing it) for `interest` (EPOLLIN | EPOLLOUT).
  // An fd with no interest leaves epoll (at once, or at its next event when only EPOLLIN was
  // dropped: set_interest), so a hung-up socket nobody reads cannot make a level-triggered loop
  // spin, and its callback is not called for that event. Fails only when epoll does (ENOMEM,
  // max_user_watches).
  Result<WatchId> watch(int fd, uint32_t interest, IoCallback callback);
  [[nodiscard]] bool set_interest(WatchId id, uint32_t interest);
  void unwatch(WatchId id);

  TimerId schedule(Clock::time_point when, std::function<void()> callback);
  void cancel(TimerId id);

  // Runs `task` on the loop thread after the current batch of events and timers.
  void defer(std::function<void()> task);
  // Thread-safe: run() returns after the current iteration; also before it starts.
  void stop();

  // Runs until stop(). An error only when epoll_wait itself fails.
  Result<void> run();

  // The time at the start of the current iteration (cheap; timers compare against it).
  Clock::time_point now() const { return now_; }

 private:
  EventLoop() = default;
  struct Watch {
    int fd = -1;
    uint32_t interest = 0;    // what the owner wants
    uint32_t registered = 0;  // what epoll watches: interest, or interest + EPOLLIN; 0 = absent
    bool dead = false;
    IoCallback callback;
  };
  struct TimerEntry {
    Clock::time_point when;
    TimerId id;
    bool operator>(const TimerEntry& other) const { return when > other.when; }
  };
  struct Timer {
    Clock::time_point when;
    std::function<void()> callback;
  };

  // Makes epoll watch exactly w.interest (removes the fd when it is 0).
  bool register_interest(Watch& w, WatchId id);
  int next_timeout_ms();
  void run_timers();
  void run_deferred();
  void sweep_dead_watches();

  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: stop()
  std::atomic<bool> stopping_{false};
  Clock::time_point now_ = Clock::now();

  std::unordered_map<WatchId, Watch> watches_;
  std::vector<WatchId> dead_watches_;
  WatchId next_watch_ = 1;

  std::vector<TimerEntry> heap_;  // std::push_heap with greater<>: the earliest on top
  std::unordered_map<TimerId, Timer> timers_;
  TimerId next_timer_ = 1;

  std::vector<std::function<void()>> deferred_;
};

// RAII for one watched fd: owns the fd and unwatches it before closing it.
class WatchedFd {
 public:
  WatchedFd() = default;
  WatchedFd(EventLoop& loop, UniqueFd fd) : loop_(&loop), fd_(std::move(fd)) {}
  WatchedFd(WatchedFd&& other) noexcept { *this = std::move(other); }
  WatchedFd& operator=(WatchedFd&& other) noexcept;
  ~WatchedFd() { reset(); }

  // Starts watching with no interest yet; false when epoll refuses.
  [[nodiscard]] bool watch(EventLoop::IoCallback callback);
  // Only calls into epoll when the interest changes.
  [[nodiscard]] bool set_interest(uint32_t interest);
  uint32_t interest() const { return interest_; }
  int get() const { return fd_.get(); }
  const UniqueFd& fd() const { return fd_; }
  bool valid() const { return fd_.valid(); }
  // Stops watching and hands the fd over.
  UniqueFd release();
  void reset();

 private:
  EventLoop* loop_ = nullptr;
  UniqueFd fd_;
  WatchId id_ = 0;
  uint32_t interest_ = 0;
};

// RAII for one pending timer.
class TimerSlot {
 public:
  TimerSlot() = default;
  explicit TimerSlot(EventLoop& loop) : loop_(&loop) {}
  TimerSlot(const TimerSlot&) = delete;
  TimerSlot& operator=(const TimerSlot&) = delete;
  ~TimerSlot() { cancel(); }

  void bind(EventLoop& loop) { loop_ = &loop; }
  // Replaces any pending timer.
  void arm(Clock::time_point when, std::function<void()> callback);
  void cancel();
  bool armed() const { return id_ != 0; }
  Clock::time_point when() const { return when_; }

 private:
  EventLoop* loop_ = nullptr;
  TimerId id_ = 0;
  Clock::time_point when_{};
};

}  // namespace cordon::net
