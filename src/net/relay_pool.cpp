// The relays' shared scratch buffer and spare pipes.
#include "net/relay_pool.h"

#include <fcntl.h>
#include <unistd.h>

namespace cordon::net {
namespace {
constexpr size_t kMaxSparePipes = 32;
}

RelayPool::RelayPool(size_t buffer_bytes, RelayMode mode)
    : buffer_bytes_(buffer_bytes == 0 ? 16 * 1024 : buffer_bytes), mode_(mode) {}

std::span<char> RelayPool::scratch() {
  if (!scratch_) scratch_ = std::make_unique<char[]>(buffer_bytes_);
  return {scratch_.get(), buffer_bytes_};
}

std::optional<PipePair> RelayPool::take_pipe() {
  if (!spare_pipes_.empty()) {
    PipePair pipe = std::move(spare_pipes_.back());
    spare_pipes_.pop_back();
    return pipe;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return std::nullopt;
  PipePair pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  // A pipe must hold a whole read of buffer_bytes, or a splice in could not always be
  // spliced out before the next one. The default (16 pages) is enough for 64 KiB.
  if (buffer_bytes_ > 64 * 1024) ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(buffer_bytes_));
  return pipe;
}

void RelayPool::give_pipe(PipePair pipe) {
  if (spare_pipes_.size() < kMaxSparePipes) spare_pipes_.push_back(std::move(pipe));
}

}  // namespace cordon::net
