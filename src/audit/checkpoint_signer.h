// Who signs the writer's checkpoints, and in which process.
//
//   KeySigner      loads the key in this process and signs (tests, benchmarks, tools);
//   ProcessSigner  runs `cordon-audit checkpoint` to sign (the session writer: it then never
//                  links OpenSSL's signing code, whose start-up would cost every session).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/store.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon::audit {

class CheckpointSigner {
 public:
  virtual ~CheckpointSigner() = default;
  // Before the writer reports ready: a usable key exists (it is created if missing), so that a
  // session whose checkpoints could never be signed does not start.
  virtual Result<void> prepare() = 0;
  // Signs the store's current tail. `last`: the writer's final signature; wait for it.
  virtual Result<void> sign_tail(Store& store, bool last) = 0;
};

// The session's first signature (prepare: it may create the key) and, if no periodic one came
// before, its last are one-shot `cordon-audit checkpoint` processes. The periodic ones go to one
// `cordon-audit checkpoint --serve` process, started at the first of them and kept for the
// session: a busy proxy reaches a checkpoint many times a second, and a process start each
// time cost more than the writer's own work (43 % of the writer's CPU under load).
class ProcessSigner : public CheckpointSigner {
 public:
  ProcessSigner(std::string program, std::string store_path, std::string key_path)
      : program_(std::move(program)),
        store_path_(std::move(store_path)),
        key_path_(std::move(key_path)) {}
  ~ProcessSigner() override;
  Result<void> prepare() override;
  Result<void> sign_tail(Store& store, bool last) override;

 private:
  enum class Mode { kCreateKey, kOnce, kServe };
  // `channel`: the server's end of its request socket (kServe only), its stdin.
  Result<pid_t> spawn(Mode mode, int channel = -1);
  Result<void> wait(pid_t pid);
  void request_periodic();
  Result<void> finish_server();

  std::string program_, store_path_, key_path_;
  pid_t server_ = -1;
  UniqueFd requests_;  // our end of the server's stdin: a byte asks for a signature, EOF ends
};

// Defined in key_signer.cpp, with the key.
std::unique_ptr<CheckpointSigner> make_key_signer(std::string key_path);

}  // namespace cordon::audit
