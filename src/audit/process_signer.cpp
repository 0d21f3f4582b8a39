// Signing checkpoints in a `cordon-audit checkpoint` process.
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>

#include "audit/checkpoint_signer.h"
#include "audit/key_file.h"

extern char** environ;

namespace cordon::audit {

ProcessSigner::~ProcessSigner() {
  for (pid_t pid : running_) (void)wait(pid);
}

Result<pid_t> ProcessSigner::spawn(bool create_key) {
  std::vector<std::string> args = {program_,    "checkpoint", "--store",
                                   store_path_, "--key",      key_path_};
  // Only the session's first signer may create the key: a later one that found it gone (or
  // its whole directory, removed after the session) must not make another.
  if (!create_key) args.push_back("--key-must-exist");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (int rc = ::posix_spawn(&pid, program_.c_str(), nullptr, nullptr, argv.data(), environ);
      rc != 0) {
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
  CORDON_ASSIGN_OR_RETURN(pid_t pid, spawn(true));
  CORDON_TRY(wait(pid));
  return check_key_file(key_path_);
}

Result<void> ProcessSigner::sign_tail(Store&, bool last) {
  // Reap the periodic signers that are done. A failed one is not reported: every signature
  // covers the whole chain up to its row, so the next one (at the latest the session's last,
  // whose failure is reported) takes its place.
  std::erase_if(running_, [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == pid; });
  CORDON_ASSIGN_OR_RETURN(pid_t pid, spawn(false));
  if (!last) {
    running_.push_back(pid);
    return Ok{};
  }
  Result<void> result = wait(pid);
  for (pid_t earlier : running_) (void)wait(earlier);
  running_.clear();
  return result;
}

}  // namespace cordon::audit
