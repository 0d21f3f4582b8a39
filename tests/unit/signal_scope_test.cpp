// Helper threads take no signals (base/signal_scope.h): the main thread reads them from a
// signalfd, and a helper that left one unblocked would take it instead.
#include "base/signal_scope.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace cordon {
namespace {

// Every signal the calling thread blocks, tested for the ones cordon handles.
bool blocks_what_cordon_handles() {
  sigset_t mask;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGWINCH, SIGUSR1, SIGUSR2}) {
    if (sigismember(&mask, sig) != 1) return false;
  }
  return true;
}

TEST(SignalScope, QuietThreadsAndQuietAsyncsBlockEverySignalAndTheCallerKeepsItsMask) {
  sigset_t none, before, after;
  sigemptyset(&none);
  ::pthread_sigmask(SIG_SETMASK, &none, &before);
  bool thread_quiet = false;
  quiet_thread([&] { thread_quiet = blocks_what_cordon_handles(); }).join();
  EXPECT_TRUE(thread_quiet);
  EXPECT_TRUE(quiet_async(blocks_what_cordon_handles).get());
  ::pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_EQ(sigismember(&after, SIGTERM), 0) << "the caller's own mask changed";
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

}  // namespace
}  // namespace cordon
