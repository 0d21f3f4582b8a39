// Helper threads that take no signals: quiet_thread(), quiet_async(), and BlockAllSignals under
// them.
//
// cordon's main thread blocks the signals it handles and reads them from a signalfd; a helper
// thread that left one unblocked would take it instead: SIGTERM would kill cordon without its
// teardown, a SIGCHLD would be lost to the gate's tracer. So every helper thread cordon starts
// is started through quiet_thread() (or quiet_async()), wherever and whenever it is created.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <future>
#include <thread>
#include <utility>

namespace cordon {

class BlockAllSignals {
 public:
  BlockAllSignals() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~BlockAllSignals() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  BlockAllSignals(const BlockAllSignals&) = delete;
  BlockAllSignals& operator=(const BlockAllSignals&) = delete;

 private:
  sigset_t saved_{};
};

// A std::thread that starts with every signal blocked (a new thread inherits its creator's mask).
template <class F>
std::thread quiet_thread(F&& body) {
  const BlockAllSignals quiet;
  return std::thread(std::forward<F>(body));
}

// std::async(std::launch::async, ...) on a quiet thread: its future waits for the thread when
// dropped, so an early return cannot leave the work running.
template <typename F, typename... Args>
auto quiet_async(F&& body, Args&&... args) {
  const BlockAllSignals quiet;
  return std::async(std::launch::async, std::forward<F>(body), std::forward<Args>(args)...);
}

}  // namespace cordon
