// The checkpoint key: created private, read back by the fast Ed25519 reader and by OpenSSL alike.
#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>

#include "audit/signing.h"
#include "audit_fixture.h"

namespace cordon::audit {
namespace {

using ::testing::HasSubstr;

class AuditKey : public AuditStoreTest {};

// A PEM private key written by OpenSSL itself (as `openssl genpkey -algorithm ed25519` does).
std::string openssl_written_key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

TEST_F(AuditKey, CreatedOnceThenReloadedWithTheSameFingerprint) {
  auto created = Key::load_or_create(key_path());
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_TRUE(created->can_sign());
  EXPECT_EQ(created->fingerprint().size(), 16u);
  auto again = Key::load_or_create(key_path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->fingerprint(), created->fingerprint());
  auto pub = Key::load_for_verify(key_path() + ".pub");
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->fingerprint(), created->fingerprint());
  struct stat st {};
  ASSERT_EQ(::stat(key_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AuditKey, SignaturesVerifyOnlyForTheSignedMessage) {
  auto key = Key::load_or_create(key_path());
  ASSERT_TRUE(key.ok());
  auto sig = key->sign("checkpoint 1");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);
  auto pub = Key::load_for_verify(key_path() + ".pub");
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(pub->verify("checkpoint 1", *sig));
  EXPECT_FALSE(pub->verify("checkpoint 2", *sig));
  EXPECT_FALSE(pub->can_sign());
  EXPECT_FALSE(pub->sign("x").ok());
}

TEST_F(AuditKey, KeysWrittenByOpenSslLoad) {
  {
    std::ofstream out(key_path());
    out << openssl_written_key();
  }
  ASSERT_EQ(::chmod(key_path().c_str(), 0600), 0);
  auto key = Key::load_or_create(key_path());
  ASSERT_TRUE(key.ok()) << key.error().describe();
  auto sig = key->sign("m");
  ASSERT_TRUE(sig.ok());
  // The public half, exported by OpenSSL, verifies what the fast reader's key signed.
  std::ofstream(dir_ + "/pub.pem") << key->public_pem();
  auto pub = Key::load_for_verify(dir_ + "/pub.pem");
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(pub->verify("m", *sig));
}

TEST_F(AuditKey, NotAKeyIsAClearError) {
  std::ofstream(key_path())
      << "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
  ASSERT_EQ(::chmod(key_path().c_str(), 0600), 0);
  auto key = Key::load_or_create(key_path());
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.error().describe(), HasSubstr("is not an Ed25519 private key"));
}

}  // namespace
}  // namespace cordon::audit
