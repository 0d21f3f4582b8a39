// Wakeup: an eventfd one thread pokes to wake another out of its poll(2).
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon {

class Wakeup {
 public:
  static Result<Wakeup> create() {
    Wakeup w;
    w.fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!w.fd_) return Error::system("eventfd");
    return w;
  }
  // Thread-safe; pokes before the next poll are not lost (the count stays until drained).
  void poke() const {
    const uint64_t one = 1;
    (void)!::write(fd_.get(), &one, sizeof one);
  }
  // Called by the woken thread after its poll.
  void drain() const {
    uint64_t count;
    (void)!::read(fd_.get(), &count, sizeof count);
  }
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace cordon
