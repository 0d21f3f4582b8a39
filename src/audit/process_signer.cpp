// Signing checkpoints in `cordon-audit checkpoint` processes.
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>

#include "audit/checkpoint_signer.h"
#include "audit/key_file.h"

extern char** environ;

namespace cordon::audit {

ProcessSigner::~ProcessSigner() {
  (void)finish_server();
}

Result<pid_t> ProcessSigner::spawn(Mode mode, int channel) {
  std::vector<std::string> args = {program_,    "checkpoint", "--store",
                                   store_path_, "--key",      key_path_};
  // Only the session's first signer may create the key: a later one that found it gone (or
  // its whole directory, removed after the session) must not make another.
  if (mode != Mode::kCreateKey) args.push_back("--key-must-exist");
  if (mode == Mode::kServe) args.push_back("--serve");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (channel >= 0) posix_spawn_file_actions_adddup2(&actions, channel, 0);
  // A server may outlive the session by the writer's linger, and a stderr it kept would be
  // cordon's: whoever reads cordon's output (`cordon run ... 2>&1 | tee log`) would wait for
  // it. Its errors are those of periodic signatures, which are not reported (the next
  // signature takes their place; `cordon audit verify` shows a tail left unsigned).
  if (mode == Mode::kServe) {
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return Error::system("start " + program_ + " checkpoint", rc)
        .with_hint("cordon-audit is installed next to cordon (or in ../libexec/cordon/)");
  }
  return pid;
}

Result<void> ProcessSigner::wait(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error::system("wait for the checkpoint signer");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error(Errc::kSystem, "the checkpoint signer failed (its error is above)");
  }
  return Ok{};
}

// ctime, not mtime: mtime can be set back, while any write or rename moves ctime.
ProcessSigner::KeyIdentity ProcessSigner::key_identity() const {
  struct stat st {};
  if (::stat(key_path_.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec};
}

// A server that loaded another key file than the one there now signs no more.
void ProcessSigner::retire_server_of_another_key() {
  if (server_ > 0 && key_identity() != server_key_) (void)finish_server();
}

Result<void> ProcessSigner::prepare() {
  retire_server_of_another_key();
  if (check_key_file(key_path_).ok()) return Ok{};
  // Missing (first session) or unusable: the signer creates it, or says why not.
  CORDON_ASSIGN_OR_RETURN(pid_t pid, spawn(Mode::kCreateKey));
  CORDON_TRY(wait(pid));
  return check_key_file(key_path_);
}

Result<void> ProcessSigner::sign_tail(Store&, TailSignature which) {
  if (which == TailSignature::kPeriodic) {
    request_periodic();
    return Ok{};
  }
  if (which == TailSignature::kSessionEnd) return sign_and_wait();
  // The last signature covers the whole chain: the server signs it as it ends, or, if the
  // session never reached a periodic checkpoint, a process of its own.
  if (server_ > 0) return finish_server();
  CORDON_ASSIGN_OR_RETURN(pid_t pid, spawn(Mode::kOnce));
  return wait(pid);
}

// A session's end on a writer that goes on: the server (started now if need be, and kept)
// signs and answers. A server that cannot is replaced by a signer process of its own.
Result<void> ProcessSigner::sign_and_wait() {
  retire_server_of_another_key();
  if (server_ > 0 || start_server()) {
    char answer = 0;
    if (::send(requests_.get(), &kSignAndAnswer, 1, MSG_NOSIGNAL) == 1 &&
        ::recv(requests_.get(), &answer, 1, 0) == 1) {
      if (answer == kSigned) return Ok{};
      return Error(Errc::kSystem, "the checkpoint signer failed (its error is above)");
    }
    (void)finish_server();
  }
  CORDON_ASSIGN_OR_RETURN(pid_t pid, spawn(Mode::kOnce));
  return wait(pid);
}

bool ProcessSigner::start_server() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return false;
  UniqueFd ours(pair[0]), theirs(pair[1]);
  const KeyIdentity key = key_identity();
  auto pid = spawn(Mode::kServe, theirs.get());
  if (!pid.ok()) return false;
  server_ = *pid;
  server_key_ = key;
  requests_ = std::move(ours);
  return true;
}

// A periodic signature that fails is not reported: every signature covers the whole chain up
// to its row, so the next one (at the latest the session's last, whose failure is reported)
// takes its place. A server that died is replaced at the next checkpoint.
void ProcessSigner::request_periodic() {
  if (server_ > 0) {
    // Full means requests are already waiting: the server's next signature covers this one.
    if (::send(requests_.get(), &kSign, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 || errno == EAGAIN) {
      return;
    }
    (void)finish_server();
  }
  if (!start_server()) return;
  (void)::send(requests_.get(), &kSign, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

Result<void> ProcessSigner::finish_server() {
  if (server_ <= 0) return Ok{};
  requests_.reset();  // EOF: the server signs the tail once more and exits
  const pid_t pid = server_;
  server_ = -1;
  return wait(pid);
}

}  // namespace cordon::audit
