// TerminalHold: keeps the box's output off the user's terminal while cordon's terminal reviewer
// has a prompt up there. A hijacked program could otherwise clear the screen under the prompt
// and draw a forged one (internal security review: `rm -rf` approved as `ls -la`).
//
// The reviewer (review/tty_reviewer.cpp) holds from printing an item to reading its answer; the
// supervisor's terminal relay (box/terminal.cpp) writes the box's output only through
// write_unless_held(), keeps what it cannot write meanwhile (its buffer is bounded, so a box
// that goes on writing blocks), and polls release_fd() to write it as soon as the hold ends.
// It lives in base/ because review/ cannot depend on box/ (box links review).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>

#include "base/result.h"
#include "base/wakeup.h"

namespace cordon {

class TerminalHold {
 public:
  static Result<std::unique_ptr<TerminalHold>> create();

  // Returns once no write_unless_held() is in progress; none writes until the matching
  // release(). Holds nest (each hold() needs its release()).
  void hold();
  // The last release makes release_fd() readable.
  void release();
  bool held() const;

  // hold() ... release() for a scope.
  class Scope {
   public:
    explicit Scope(TerminalHold* hold) : hold_(hold) {
      if (hold_ != nullptr) hold_->hold();
    }
    ~Scope() {
      if (hold_ != nullptr) hold_->release();
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    TerminalHold* hold_;
  };

  // write(2) of `data` to `fd` (retrying EINTR) unless held; nullopt when held, nothing
  // written. The check and the write happen under one lock, so a write that found the hold
  // off has ended before hold() returns: nothing of the box lands after a prompt begins.
  std::optional<ssize_t> write_unless_held(int fd, const void* data, size_t len);

  // Readable after the last release(); clear_release() after poll said so.
  int release_fd() const { return released_.fd(); }
  void clear_release() const { released_.drain(); }

 private:
  explicit TerminalHold(Wakeup released) : released_(std::move(released)) {}
  mutable std::mutex mu_;
  int holders_ = 0;
  Wakeup released_;
};

}  // namespace cordon
