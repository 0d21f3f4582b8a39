// One audit row and the hash chain that links the rows of a store.
//
// Every row stores the hash of the row before it; the hash covers a canonical encoding of every
// field (including that previous hash), so changing, removing, inserting or reordering a row
// breaks the chain at that point. Signed checkpoints (signing.h) pin the chain so that a rewritten
// chain, or a removed tail, is caught too.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cordon::audit {

using Digest = std::array<uint8_t, 32>;  // SHA-256

// An event ready to be appended: everything but its place in the chain.
struct PendingEvent {
  std::string session;
  int64_t seq = 0;       // 1, 2, ... within the session
  int64_t time_us = 0;   // microseconds since the Unix epoch
  std::string kind;      // "session.start", "network.decision", ... (see encode.h)
  std::string decision;  // "allow", "deny", "ask", or empty
  std::string body;      // JSON object, already redacted
};

struct Record {
  int64_t id = 0;  // position in the store's chain: 1, 2, ...
  PendingEvent event;
  Digest prev_hash{};  // the previous row's hash; all zeros for row 1
  Digest hash{};
};

// A signed statement "the chain's row `event_id` has hash `event_hash`".
struct Checkpoint {
  int64_t id = 0;  // 1, 2, ...
  int64_t event_id = 0;
  Digest event_hash{};
  int64_t time_us = 0;
  std::string key_id;     // fingerprint of the signing key (signing.h)
  Digest prev{};          // digest of the previous checkpoint (all zeros for the first)
  std::string signature;  // Ed25519 over checkpoint_message()
};

Digest sha256(std::string_view data);

// The hash a row must carry: SHA-256 over a length-prefixed encoding of id, session, seq, time,
// kind, decision, body and prev_hash, under a version tag.
Digest record_hash(const Record& record);

// The bytes a checkpoint's signature covers (everything but the signature).
std::string checkpoint_message(const Checkpoint& checkpoint);
// What the next checkpoint's `prev` must be.
Digest checkpoint_digest(const Checkpoint& checkpoint);

std::string to_hex(const Digest& digest);

// What signs checkpoints (the Ed25519 key of signing.h), as an interface: the store calls it
// without linking OpenSSL's signing code into programs that never sign.
class CheckpointKey {
 public:
  virtual ~CheckpointKey() = default;
  // Names the key in each checkpoint.
  virtual const std::string& fingerprint() const = 0;
  virtual Result<std::string> sign(std::string_view message) const = 0;
};
std::string to_hex(std::string_view bytes);

}  // namespace cordon::audit
