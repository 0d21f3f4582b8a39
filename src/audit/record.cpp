// The canonical encoding and SHA-256 of rows and checkpoints.
#include "audit/record.h"

// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP's first fetch
// starts the provider machinery (milliseconds per session); the low-level calls run the same
// implementation directly.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <cstdlib>

namespace cordon::audit {
namespace {

// Length-prefixed fields: no two different rows encode to the same bytes, whatever they contain.
class Canonical {
 public:
  explicit Canonical(std::string_view tag) { text(tag); }
  Canonical& number(int64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out_.push_back(static_cast<char>((static_cast<uint64_t>(v) >> shift) & 0xff));
    }
    return *this;
  }
  Canonical& text(std::string_view s) {
    number(static_cast<int64_t>(s.size()));
    out_.append(s);
    return *this;
  }
  Canonical& digest(const Digest& d) {
    return text(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

}  // namespace

Digest sha256(std::string_view data) {
  Digest out{};
  SHA256_CTX ctx;
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, data.data(), data.size()) != 1 ||
      SHA256_Final(out.data(), &ctx) != 1) {
    std::abort();
  }
  return out;
}

Digest record_hash(const Record& r) {
  Canonical c("cordon.audit.row.v1");
  c.number(r.id)
      .text(r.event.session)
      .number(r.event.seq)
      .number(r.event.time_us)
      .text(r.event.kind)
      .text(r.event.decision)
      .text(r.event.body)
      .digest(r.prev_hash);
  return sha256(c.bytes());
}

std::string checkpoint_message(const Checkpoint& cp) {
  Canonical c("cordon.audit.checkpoint.v1");
  c.number(cp.id)
      .number(cp.event_id)
      .digest(cp.event_hash)
      .number(cp.time_us)
      .text(cp.key_id)
      .digest(cp.prev);
  return c.bytes();
}

Digest checkpoint_digest(const Checkpoint& cp) {
  return sha256(checkpoint_message(cp) + cp.signature);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string to_hex(const Digest& d) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

}  // namespace cordon::audit
