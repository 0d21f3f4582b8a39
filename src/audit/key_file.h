// The key file without the key: reading it, checking its permissions and layout. Kept apart
// from signing.h so that the session writer, which only checks the key before the box starts,
// does not link OpenSSL's EVP layer (its start-up costs every session milliseconds).
#pragma once

#include <optional>
#include <string>

#include "base/result.h"

namespace cordon::audit {

// What to tell a user whose key file is wrong.
std::string key_hint(const std::string& path);

// The file's contents. With `must_be_private`, refuses a file others can read or another user
// owns.
Result<std::string> read_key_file(const std::string& path, bool must_be_private);

// The 32 raw key bytes of an Ed25519 PEM key in the fixed DER layout of RFC 8410 (PKCS#8
// private, or SubjectPublicKeyInfo public), or nullopt for anything else.
std::optional<std::string> ed25519_raw(const std::string& pem, bool is_public);

// Checks, without loading it, that the key at `path` exists, is private to its owner and is an
// Ed25519 private key in the layout cordon writes. A key in another layout fails here even
// though Key::load_or_create would read it.
Result<void> check_key_file(const std::string& path);

}  // namespace cordon::audit
