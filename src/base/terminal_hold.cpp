// TerminalHold: the user's terminal kept free of box output while a reviewer's prompt is up.
#include "base/terminal_hold.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace cordon {

Result<std::unique_ptr<TerminalHold>> TerminalHold::create() {
  CORDON_ASSIGN_OR_RETURN(Wakeup released, Wakeup::create());
  return std::unique_ptr<TerminalHold>(new TerminalHold(std::move(released)));
}

void TerminalHold::hold() {
  std::lock_guard lock(mu_);
  ++holders_;
}

void TerminalHold::release() {
  {
    std::lock_guard lock(mu_);
    if (holders_ <= 0) std::abort();  // programmer bug: release() without hold()
    if (--holders_ > 0) return;
  }
  released_.poke();
}

bool TerminalHold::held() const {
  std::lock_guard lock(mu_);
  return holders_ > 0;
}

std::optional<ssize_t> TerminalHold::write_unless_held(int fd, const void* data, size_t len) {
  std::lock_guard lock(mu_);
  if (holders_ > 0) return std::nullopt;
  ssize_t n;
  do n = ::write(fd, data, len);
  while (n < 0 && errno == EINTR);
  return n;
}

}  // namespace cordon
