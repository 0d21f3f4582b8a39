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

// `cordon-audit checkpoint --serve` reads requests on its stdin, a socket: every read that
// returns bytes asks for one signature (requests that queued up are covered by it), and one
// that holds kSignAndAnswer is answered with one byte once the signature is in.
inline constexpr char kSign = 's';
inline constexpr char kSignAndAnswer = 'w';
inline constexpr char kSigned = 'k';
inline constexpr char kSignFailed = 'e';

// Which signature of the tail: one due every `checkpoint_every` rows (need not be waited for);
// a session's last, on a writer that serves the next session too; the writer's last.
enum class TailSignature { kPeriodic, kSessionEnd, kLast };

class CheckpointSigner {
 public:
  virtual ~CheckpointSigner() = default;
  // Before the writer reports ready (and before each later session it serves): a usable key
  // exists (it is created if missing), so that a session whose checkpoints could never be
  // signed does not start.
  virtual Result<void> prepare() = 0;
  // Signs the store's current tail; kSessionEnd and kLast are waited for.
  virtual Result<void> sign_tail(Store& store, TailSignature which) = 0;
};

// The session's first signature (prepare: it may create the key) and, if no periodic one came
// before, its last are one-shot `cordon-audit checkpoint` processes. The periodic ones go to one
// `cordon-audit checkpoint --serve` process, started at the first of them and kept for the
// session: a busy proxy reaches a checkpoint many times a second, and a process start each
// time cost more than the writer's own work (43 % of the writer's CPU under load). A writer
// that serves session after session (writer_rendezvous.h) keeps that process too, and has it
// sign each session's end and answer; it is replaced when the key file changes.
class ProcessSigner : public CheckpointSigner {
 public:
  ProcessSigner(std::string program, std::string store_path, std::string key_path)
      : program_(std::move(program)),
        store_path_(std::move(store_path)),
        key_path_(std::move(key_path)) {}
  ~ProcessSigner() override;
  Result<void> prepare() override;
  Result<void> sign_tail(Store& store, TailSignature which) override;

 private:
  enum class Mode { kCreateKey, kOnce, kServe };
  // The key file as the server loaded it: another file there means another server.
  struct KeyIdentity {
    dev_t dev = 0;
    ino_t ino = 0;
    int64_t ctime_ns = 0;
    bool operator==(const KeyIdentity&) const = default;
  };
  KeyIdentity key_identity() const;
  void retire_server_of_another_key();
  bool start_server();
  Result<void> sign_and_wait();
  // `channel`: the server's end of its request socket (kServe only), its stdin.
  Result<pid_t> spawn(Mode mode, int channel = -1);
  Result<void> wait(pid_t pid);
  void request_periodic();
  Result<void> finish_server();

  std::string program_, store_path_, key_path_;
  pid_t server_ = -1;
  UniqueFd requests_;  // our end of the server's stdin: a byte asks for a signature, EOF ends
  KeyIdentity server_key_;
};

// Defined in key_signer.cpp, with the key.
std::unique_ptr<CheckpointSigner> make_key_signer(std::string key_path);

}  // namespace cordon::audit
