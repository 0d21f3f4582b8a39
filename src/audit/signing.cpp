// Ed25519 checkpoint keys through OpenSSL's EVP interface.
#include "audit/signing.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <optional>

#include "audit/key_file.h"
#include "audit/record.h"
#include "base/files.h"
#include "base/unique_fd.h"

namespace cordon::audit {
namespace {

// OpenSSL without openssl.cnf: reading it costs milliseconds, for engine and provider
// settings the audit trail never uses.
void init_crypto() {
  static const bool done = OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) == 1;
  if (!done) std::abort();  // OpenSSL that cannot start is a broken install
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> private_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error(Errc::kInternal, "cannot encode the audit key");
  }
  return bio_text(bio.get());
}

// Writes `text` to `path` only if nothing is there: a temporary file linked into place, so a
// second cordon creating the key at the same moment never sees half a key.

// Reads an Ed25519 PEM key directly from its fixed layout. OpenSSL's generic PEM decoders try
// every format they know and cost more than the rest of a session's audit setup; anything not
// in exactly this layout goes to them instead (nullptr here).
EVP_PKEY* read_ed25519_pem(const std::string& pem, bool is_public) {
  const auto raw = ed25519_raw(pem, is_public);
  if (!raw) return nullptr;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  return is_public ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes, 32)
                   : EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes, 32);
}

EVP_PKEY* read_pem(const std::string& pem, bool is_public) {
  if (EVP_PKEY* fast = read_ed25519_pem(pem, is_public)) return fast;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return is_public ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
                   : PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
}

Result<bool> create_exclusive(const std::string& path, const std::string& text, mode_t mode) {
  CORDON_ASSIGN_OR_RETURN(std::string suffix, random_hex(8));
  const std::string tmp = path + ".tmp." + suffix;
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return Error::system("create " + tmp);
    if (::fchmod(fd.get(), mode) != 0) return Error::system("chmod " + tmp);
    if (auto written = write_all(fd.get(), text); !written.ok()) {
      return std::move(written.error().context(tmp));
    }
    if (::fsync(fd.get()) != 0) return Error::system("fsync " + tmp);
  }
  const bool created = ::link(tmp.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (!created && link_errno != EEXIST) return Error::system("link " + path, link_errno);
  return created;
}

}  // namespace

void Key::Free::operator()(evp_pkey_st* key) const {
  EVP_PKEY_free(key);
}

Key::Key(evp_pkey_st* key, bool is_private) : key_(key), private_(is_private) {
  uint8_t raw[32];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) == 1) {
    fingerprint_ =
        to_hex(sha256(std::string_view(reinterpret_cast<char*>(raw), len))).substr(0, 16);
  }
}

Result<Key> Key::load_or_create(const std::string& path) {
  init_crypto();
  if (::access(path.c_str(), F_OK) != 0) {
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error(Errc::kSystem, "create " + dir.string() + ": " + ec.message());
    EVP_PKEY* fresh = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (fresh == nullptr) return Error(Errc::kInternal, "cannot generate an Ed25519 key");
    Key key(fresh, true);
    CORDON_ASSIGN_OR_RETURN(std::string pem, private_pem(fresh));
    CORDON_ASSIGN_OR_RETURN(bool created, create_exclusive(path, pem, 0600));
    if (created) {
      // The public half, for whoever verifies the store without the right to sign.
      auto pub = create_exclusive(path + ".pub", key.public_pem(), 0644);
      if (!pub.ok()) return std::move(pub).error();
      return key;
    }
  }
  return load(path);
}

Result<Key> Key::load(const std::string& path) {
  init_crypto();
  CORDON_ASSIGN_OR_RETURN(std::string pem, read_key_file(path, true));
  EVP_PKEY* loaded = read_pem(pem, false);
  if (loaded == nullptr || EVP_PKEY_get_base_id(loaded) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(loaded);
    return Error(Errc::kInvalidInput, path + " is not an Ed25519 private key (PEM)")
        .with_hint(key_hint(path));
  }
  return Key(loaded, true);
}

Result<Key> Key::load_for_verify(const std::string& path) {
  init_crypto();
  CORDON_ASSIGN_OR_RETURN(std::string pem, read_key_file(path, false));
  const bool is_public = pem.find("BEGIN PUBLIC KEY") != std::string::npos;
  EVP_PKEY* loaded = read_pem(pem, is_public);
  if (loaded == nullptr || EVP_PKEY_get_base_id(loaded) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(loaded);
    return Error(Errc::kInvalidInput, path + " is not an Ed25519 key (PEM)")
        .with_hint("pass the audit key, or its public half (the .pub file next to it)");
  }
  return Key(loaded, !is_public);
}

Result<std::string> Key::sign(std::string_view message) const {
  if (!private_) return Error(Errc::kInternal, "signing with a public key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Error(Errc::kInternal, "Ed25519 signing failed");
  }
  sig.resize(len);
  return sig;
}

bool Key::verify(std::string_view message, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string Key::public_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return "";
  return bio_text(bio.get());
}

}  // namespace cordon::audit
