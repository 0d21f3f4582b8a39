// Reading and checking the key file (no EVP here: see key_file.h).
#include "audit/key_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "base/files.h"
#include "base/unique_fd.h"

namespace cordon::audit {
namespace {

// The fixed DER prefixes of an Ed25519 key (RFC 8410): PKCS#8 private key, SubjectPublicKeyInfo.
constexpr unsigned char kPkcs8Prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                          0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr unsigned char kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                         0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

}  // namespace

std::string key_hint(const std::string& path) {
  return "the audit key signs the audit trail's checkpoints; keep it 0600 and owned by you "
         "(chmod 600 " +
         path + "), or point audit.key at another file";
}

Result<std::string> read_key_file(const std::string& path, bool must_be_private) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    Error e = Error::system("open audit key " + path);
    if (errno == ENOENT) e = Error(Errc::kNotFound, "no audit key at " + path);
    return e.with_hint("pass the key with --key FILE (a private key, or the public half " +
                       std::string("written next to it as FILE.pub)"));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::system("stat " + path);
  if (must_be_private && ((st.st_mode & 077) != 0 || st.st_uid != ::geteuid())) {
    return Error(Errc::kPolicy, "the audit key " + path + " is readable by others or not yours")
        .with_hint(key_hint(path));
  }
  auto pem = read_all(fd.get());
  if (!pem.ok()) return std::move(pem.error().context(path));
  return pem;
}

// EVP_DecodeBlock is a plain base64 decoder: no OpenSSL state is touched.
std::optional<std::string> ed25519_raw(const std::string& pem, bool is_public) {
  const char* label = is_public ? "-----BEGIN PUBLIC KEY-----" : "-----BEGIN PRIVATE KEY-----";
  const size_t begin = pem.find(label);
  if (begin == std::string::npos) return std::nullopt;
  const size_t end = pem.find("-----END", begin + 1);
  if (end == std::string::npos) return std::nullopt;
  std::string base64;
  for (size_t i = begin + std::strlen(label); i < end; ++i) {
    if (!std::isspace(static_cast<unsigned char>(pem[i]))) base64 += pem[i];
  }
  unsigned char der[64];
  if (base64.size() > 4 * sizeof der / 3) return std::nullopt;
  const int n = EVP_DecodeBlock(der, reinterpret_cast<const unsigned char*>(base64.data()),
                                static_cast<int>(base64.size()));
  const unsigned char* prefix = is_public ? kSpkiPrefix : kPkcs8Prefix;
  const size_t prefix_size = is_public ? sizeof kSpkiPrefix : sizeof kPkcs8Prefix;
  // EVP_DecodeBlock counts '=' padding as zero bytes: 44 bytes of SPKI decode as 45.
  const int expected = static_cast<int>(prefix_size + 32);
  if (n < expected || n > expected + 2 || std::memcmp(der, prefix, prefix_size) != 0) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<char*>(der + prefix_size), 32);
}

Result<void> check_key_file(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(std::string pem, read_key_file(path, true));
  if (!ed25519_raw(pem, false)) {
    return Error(Errc::kInvalidInput, path + " is not an Ed25519 private key (PEM)")
        .with_hint(key_hint(path));
  }
  return Ok{};
}

}  // namespace cordon::audit
