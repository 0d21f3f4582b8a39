// Signing checkpoints in `cordon-audit checkpoint` processes.
#include <spawn.h>
#include <sys/socket.h>
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

Result<void> ProcessSigner::prepare() {
  if (check_key_file(key_path_).ok()) return Ok{};
  // Missing (first session) or unusable: the signer creates it, or says why not.
  CORDON_ASSIGN_OR_RETURN(pid_t pid, spawn(Mode::kCreateKey));
  CORDON_TRY(wait(pid));
  return check_key_file(key_path_);
}

Result<void> ProcessSigner::sign_tail(Store&, bool last) {
  if (!last) {
    request_periodic();
    return Ok{};
  }
  // The last signature covers the whole chain: the server signs it as it ends, or, if the
  // session never reached a periodic checkpoint, a process of its own.
  if (server_ > 0) return finish_server();
  CORDON_ASSIGN_OR_RETURN(pid_t pid, spawn(Mode::kOnce));
  return wait(pid);
}

// A periodic signature that fails is not reported: every signature covers the whole chain up
// to its row, so the next one (at the latest the session's last, whose failure is reported)
// takes its place. A server that died is replaced at the next checkpoint.
void ProcessSigner::request_periodic() {
  if (server_ > 0) {
    const char ask = 's';
    // Full means requests are already waiting: the server's next signature covers this one.
    if (::send(requests_.get(), &ask, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 || errno == EAGAIN) {
      return;
    }
    (void)finish_server();
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return;
  UniqueFd ours(pair[0]), theirs(pair[1]);
  auto pid = spawn(Mode::kServe, theirs.get());
  if (!pid.ok()) return;
  server_ = *pid;
  requests_ = std::move(ours);
  const char ask = 's';
  (void)::send(requests_.get(), &ask, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

Result<void> ProcessSigner::finish_server() {
  if (server_ <= 0) return Ok{};
  requests_.reset();  // EOF: the server signs the tail once more and exits
  const pid_t pid = server_;
  server_ = -1;
  return wait(pid);
}

}  // namespace cordon::audit
