// The relays' shared scratch buffer.
#include "net/relay_scratch.h"

#include <algorithm>

namespace cordon::net {

RelayScratch::RelayScratch(size_t buffer_bytes, size_t read_bytes)
    : buffer_bytes_(buffer_bytes == 0 ? 16 * 1024 : buffer_bytes),
      read_bytes_(std::max(read_bytes, buffer_bytes_)) {}

std::span<char> RelayScratch::get() {
  // Not zeroed: a page is touched only when a read first reaches it (an HTTP-only proxy never
  // touches more than buffer_bytes of it).
  if (!scratch_) scratch_ = std::make_unique_for_overwrite<char[]>(read_bytes_);
  return {scratch_.get(), read_bytes_};
}

}  // namespace cordon::net
