// BlockAllSignals: threads started inside its scope take no signals (they inherit the mask).
//
// cordon's main thread blocks the signals it handles and reads them from a signalfd; a helper
// thread that left one unblocked would take it instead: SIGTERM would kill cordon without its
// teardown, a SIGCHLD would be lost to the gate's tracer.
#pragma once

#include <pthread.h>
#include <signal.h>

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

}  // namespace cordon
