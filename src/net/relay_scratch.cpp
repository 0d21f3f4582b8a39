// The relays' shared scratch buffer.
#include "net/relay_scratch.h"

namespace cordon::net {

RelayScratch::RelayScratch(size_t buffer_bytes)
    : buffer_bytes_(buffer_bytes == 0 ? 16 * 1024 : buffer_bytes) {}

std::span<char> RelayScratch::get() {
  if (!scratch_) scratch_ = std::make_unique<char[]>(buffer_bytes_);
  return {scratch_.get(), buffer_bytes_};
}

}  // namespace cordon::net
