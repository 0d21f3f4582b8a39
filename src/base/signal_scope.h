// Helper threads that take no signals: quiet_thread(), and BlockAllSignals under it.
//
// cordon's main thread blocks the signals it handles and reads them from a signalfd; a helper
// thread that left one unblocked would take it instead: SIGTERM would kill cordon without its
// teardown, a SIGCHLD would be lost to the gate's tracer. So every helper thread cordon starts
// is started through quiet_thread(), wherever and whenever it is created.
#pragma once

#include <pthread.h>
#include <signal.h>

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

}  // namespace cordon
