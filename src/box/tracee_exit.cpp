// arrange_exit(): syscall injection of exit_group, per architecture.
#include "box/tracee_exit.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace cordon::box {
namespace {

// Replaces the low bytes of the word at `address` with `code` (ptrace writes whole words).
bool poke_code(pid_t pid, uint64_t address, const void* code, size_t size) {
  errno = 0;
  const long word = ::ptrace(PTRACE_PEEKTEXT, pid, address, nullptr);
  if (errno != 0) return false;
  long patched = word;
  std::memcpy(&patched, code, size);
  return ::ptrace(PTRACE_POKETEXT, pid, address, patched) == 0;
}

}  // namespace

#if defined(__x86_64__)

bool arrange_exit(pid_t pid, int status) {
  user_regs_struct regs{};
  iovec io{&regs, sizeof regs};
  if (::ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &io) != 0) return false;
  // A 32-bit image runs with the compat code segment; `syscall` means nothing there.
  if (io.iov_len != sizeof regs || regs.cs != 0x33) return false;
  static constexpr uint8_t kSyscall[] = {0x0f, 0x05};
  if (!poke_code(pid, regs.rip, kSyscall, sizeof kSyscall)) return false;
  regs.rax = 231;  // exit_group
  regs.orig_rax = static_cast<unsigned long long>(-1);  // no syscall restart on the way out
  regs.rdi = static_cast<unsigned long long>(status);
  return ::ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &io) == 0;
}

#elif defined(__aarch64__)

bool arrange_exit(pid_t pid, int status) {
  user_pt_regs regs{};
  iovec io{&regs, sizeof regs};
  if (::ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &io) != 0) return false;
  if (io.iov_len != sizeof regs) return false;  // an AArch32 image
  static constexpr uint32_t kSvc0 = 0xd4000001;
  if (!poke_code(pid, regs.pc, &kSvc0, sizeof kSvc0)) return false;
  regs.regs[8] = 94;  // exit_group
  regs.regs[0] = static_cast<unsigned long long>(status);
  return ::ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &io) == 0;
}

#else
#error "arrange_exit: add this architecture's syscall instruction and exit_group number"
#endif

}  // namespace cordon::box
