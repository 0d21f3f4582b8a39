// Signing checkpoints in this process, with the key loaded at the first signature.
#include "audit/checkpoint_signer.h"
#include "audit/key_file.h"
#include "audit/signing.h"

namespace cordon::audit {
namespace {

class KeySigner : public CheckpointSigner {
 public:
  explicit KeySigner(std::string key_path) : key_path_(std::move(key_path)) {}

  Result<void> prepare() override {
    if (check_key_file(key_path_).ok()) return Ok{};  // loaded when first needed
    return load();
  }

  Result<void> sign_tail(Store& store, TailSignature) override {
    if (!key_) {
      // The key exists since prepare(); if it is gone now, no new one signs this session.
      CORDON_ASSIGN_OR_RETURN(Key key, Key::load(key_path_));
      key_.emplace(std::move(key));
    }
    return store.sign_tail(*key_);
  }

 private:
  Result<void> load() {
    CORDON_ASSIGN_OR_RETURN(Key key, Key::load_or_create(key_path_));
    key_.emplace(std::move(key));
    return Ok{};
  }

  std::string key_path_;
  std::optional<Key> key_;
};

}  // namespace

std::unique_ptr<CheckpointSigner> make_key_signer(std::string key_path) {
  return std::make_unique<KeySigner>(std::move(key_path));
}

}  // namespace cordon::audit
