// The relays' shared scratch buffer.
#include "net/relay_scratch.h"

#include <algorithm>

namespace cordon::net {

RelayScratch::RelayScratch(size_t buffer_bytes, size_t read_bytes)
    : buffer_bytes_(buffer_bytes == 0 ? 16 * 1024 : buffer_bytes),
      read_bytes_(std::max(read_bytes, buffer_bytes_)) {}

std::span<char> RelayScratch::get() {
  if (!scratch_) scratch_ = std::make_unique<char[]>(read_bytes_);
  return {scratch_.get(), read_bytes_};
}

}  // namespace cordon::net
