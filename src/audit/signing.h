// The checkpoint key: Ed25519 (OpenSSL), kept 0600 under the user's config directory by default.
//
// The private key signs checkpoints; `cordon audit verify` needs only the public half, so a
// security team can verify a store without being able to sign. The key lives outside every box
// (cordon masks it, see the mount plan's private paths).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "audit/record.h"
#include "base/result.h"

struct evp_pkey_st;

namespace cordon::audit {

class Key : public CheckpointKey {
 public:
  // Loads the private key at `path`, creating it (and "<path>.pub", the public half) when it
  // does not exist. Refuses a key file that others can read, or that another user owns.
  static Result<Key> load_or_create(const std::string& path);
  // Loads the private key at `path`; a missing file is an error (Errc::kNotFound).
  static Result<Key> load(const std::string& path);
  // Loads a key for verifying: a private key file, or a public one ("-----BEGIN PUBLIC KEY").
  static Result<Key> load_for_verify(const std::string& path);

  bool can_sign() const { return private_; }
  // Ed25519 signature of `message` (64 bytes). Only for a key that can sign.
  Result<std::string> sign(std::string_view message) const override;
  bool verify(std::string_view message, std::string_view signature) const;
  // The first 16 hex digits of SHA-256 over the raw public key: names the key in checkpoints.
  const std::string& fingerprint() const override { return fingerprint_; }
  std::string public_pem() const;

 private:
  struct Free {
    void operator()(evp_pkey_st* key) const;
  };
  Key(evp_pkey_st* key, bool is_private);
  std::unique_ptr<evp_pkey_st, Free> key_;
  bool private_ = false;
  std::string fingerprint_;
};

}  // namespace cordon::audit
