// Seccomp-bpf: compiles the refusal tables of seccomp_groups.h with libseccomp (parent side) and
// installs the exported program (child side, the agent's last step before exec).
#include "box/seccomp.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "base/unique_fd.h"
#include "box/seccomp_groups.h"

namespace cordon::box {
namespace {

using seccomp::Conjunction;
using seccomp::SyscallGroup;
using seccomp::SyscallRule;

// How a table name became a syscall number on the native architecture.
enum class Resolution {
  kByName,        // libseccomp knows the name
  kByNumber,      // libseccomp does not; the shared table since Linux 5.1 gives the number
  kAbsentOnArch,  // libseccomp knows it, but it is not a syscall here (stime on x86_64)
  kUnknown,       // neither libseccomp nor cordon has a number: compiling fails
};

struct ResolvedRule {
  const SyscallGroup* group;
  const SyscallRule* rule;
  Resolution how;
  int nr;  // for kByName and kByNumber
};

// The tables resolved for one architecture: what compile_box_filter() feeds to libseccomp and
// what describe_box_filter() prints, so the two cannot disagree.
struct FilterPlan {
  uint32_t arch;
  std::vector<ResolvedRule> rules;
};

bool arch_supported(uint32_t arch) {
  // clone(2)'s flags are arg0 on both; the unified syscall table holds on both.
  return arch == AUDIT_ARCH_X86_64 || arch == AUDIT_ARCH_AARCH64;
}

const char* arch_name(uint32_t arch) {
  switch (arch) {
    case AUDIT_ARCH_X86_64:
      return "x86_64";
    case AUDIT_ARCH_AARCH64:
      return "aarch64";
    default:
      return "unsupported architecture";
  }
}

ResolvedRule resolve(const SyscallGroup& group, const SyscallRule& rule, uint32_t arch) {
  int nr = seccomp_syscall_resolve_name(rule.syscall.c_str());
  if (nr >= 0) return {&group, &rule, Resolution::kByName, nr};
  // libseccomp returns negative "pseudo" numbers for names it knows on other architectures only.
  if (nr != __NR_SCMP_ERROR) return {&group, &rule, Resolution::kAbsentOnArch, -1};
  if (auto unified = seccomp::unified_syscall_number(rule.syscall, arch)) {
    return {&group, &rule, Resolution::kByNumber, *unified};
  }
  return {&group, &rule, Resolution::kUnknown, -1};
}

FilterPlan plan_box_filter() {
  FilterPlan plan{seccomp_arch_native(), {}};
  for (const SyscallGroup& group : seccomp::box_syscall_groups()) {
    for (const SyscallRule& rule : group.rules) {
      plan.rules.push_back(resolve(group, rule, plan.arch));
    }
  }
  return plan;
}

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterContext = std::unique_ptr<void, FilterDeleter>;

scmp_arg_cmp to_libseccomp(const seccomp::ArgCompare& compare) {
  switch (compare.op) {
    case seccomp::ArgOp::kMaskedEq:
      return {compare.arg, SCMP_CMP_MASKED_EQ, compare.mask, compare.value};
    case seccomp::ArgOp::kNotEqual:
      return {compare.arg, SCMP_CMP_NE, compare.value, 0};
    case seccomp::ArgOp::kGreaterEqual:
      return {compare.arg, SCMP_CMP_GE, compare.value, 0};
  }
  std::abort();  // unreachable: every ArgOp is handled above
}

// libseccomp reports failures as -errno.
Error libseccomp_error(const std::string& what, int rc) {
  return Error(Errc::kInternal, "libseccomp: " + what, -rc);
}

// A default-allow filter on the native architecture. Calls from another ABI (i386 via int 0x80
// on x86_64) would bypass every rule, whose numbers are native, so they fail with EPERM;
// libseccomp also routes x32 numbers (>= 0x40000000) there; see docs/seccomp.md.
Result<FilterContext> new_filter() {
  FilterContext ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return Error(Errc::kInternal, "libseccomp: seccomp_init failed");
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(EPERM));
      rc < 0) {
    return libseccomp_error("set the bad-architecture action", rc);
  }
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0) {
    return libseccomp_error("ask for a binary-tree filter", rc);
  }
  return ctx;
}

// One libseccomp rule per conjunction. "Exact": fail rather than let libseccomp rewrite a rule.
Result<void> add_rule(scmp_filter_ctx ctx, const ResolvedRule& resolved) {
  const SyscallRule& rule = *resolved.rule;
  for (const Conjunction& conjunction : rule.when) {
    std::vector<scmp_arg_cmp> compares;
    for (const seccomp::ArgCompare& compare : conjunction)
      compares.push_back(to_libseccomp(compare));
    int rc = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ERRNO(rule.errno_value), resolved.nr,
                                          static_cast<unsigned>(compares.size()), compares.data());
    if (rc < 0) {
      return libseccomp_error("add rule " + rule.syscall + " (" + std::to_string(resolved.nr) +
                                  ") when " + seccomp::describe(conjunction),
                              rc);
    }
  }
  return Ok{};
}

// seccomp_export_bpf() writes to an fd: a memfd, read back whole.
Result<std::vector<sock_filter>> export_bpf(scmp_filter_ctx ctx) {
  UniqueFd memfd(::memfd_create("cordon-seccomp-bpf", MFD_CLOEXEC));
  if (!memfd) return Error::system("memfd_create for the seccomp program");
  if (int rc = seccomp_export_bpf(ctx, memfd.get()); rc < 0) {
    return libseccomp_error("export the BPF program", rc);
  }
  off_t size = ::lseek(memfd.get(), 0, SEEK_END);
  if (size < 0) return Error::system("lseek the exported seccomp program");
  if (size == 0 || size % sizeof(sock_filter) != 0) {
    return Error(Errc::kInternal,
                 "libseccomp exported a seccomp program of " + std::to_string(size) + " bytes");
  }
  std::vector<sock_filter> instructions(static_cast<size_t>(size) / sizeof(sock_filter));
  char* out = reinterpret_cast<char*>(instructions.data());
  for (off_t done = 0; done < size;) {
    ssize_t n = ::pread(memfd.get(), out + done, static_cast<size_t>(size - done), done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("read back the exported seccomp program");
    if (n == 0) return Error(Errc::kInternal, "the exported seccomp program shrank");
    done += n;
  }
  if (instructions.size() > BPF_MAXINSNS) {
    return Error(Errc::kInternal, "the seccomp program has " + std::to_string(instructions.size()) +
                                      " instructions; the kernel accepts " +
                                      std::to_string(BPF_MAXINSNS));
  }
  return instructions;
}

// ---- describe_box_filter() formatting ----

std::string errno_name(int err) {
  switch (err) {
    case EPERM:
      return "EPERM";
    case ENOSYS:
      return "ENOSYS";
    default:
      return "errno " + std::to_string(err);
  }
}

std::string pad_right(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string pad_left(std::string text, size_t width) {
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

// "  socket              41  EPERM   arg0 & 0xffffffff == 0x11  # AF_PACKET"
void describe_rule(const ResolvedRule& resolved, const char* arch, std::string& out) {
  const SyscallRule& rule = *resolved.rule;
  std::string line = "  " + pad_right(rule.syscall, 18);
  switch (resolved.how) {
    case Resolution::kAbsentOnArch:
      out += line + "   -  not filtered: not a syscall on " + arch + "\n";
      return;
    case Resolution::kUnknown:
      out += line + "   -  CANNOT FILTER: unknown to libseccomp, no known number\n";
      return;
    case Resolution::kByName:
    case Resolution::kByNumber:
      break;
  }
  line += pad_left(std::to_string(resolved.nr), 4) + "  ";
  line += pad_right(errno_name(rule.errno_value), 7) + " ";
  std::string note = rule.label;
  if (resolved.how == Resolution::kByNumber) {
    note += std::string(note.empty() ? "" : "; ") + "by number: unknown to this libseccomp";
  }
  bool single = rule.when.size() == 1;
  line += single ? seccomp::describe(rule.when.front())
                 : "any of " + std::to_string(rule.when.size()) + " conditions";
  if (!note.empty()) line += "  # " + note;
  out += line + "\n";
  if (single) return;
  for (const Conjunction& conjunction : rule.when) {
    out += std::string(34, ' ') + seccomp::describe(conjunction) + "\n";
  }
}

}  // namespace

Result<SeccompProgram> compile_box_filter() {
  FilterPlan plan = plan_box_filter();
  if (!arch_supported(plan.arch)) {
    char arch[16];
    std::snprintf(arch, sizeof arch, "0x%x", plan.arch);
    return Error(Errc::kUnsupported, std::string("seccomp: no filter for audit arch ") + arch)
        .with_hint("cordon's syscall tables are written for x86_64 and aarch64");
  }
  CORDON_ASSIGN_OR_RETURN(FilterContext ctx, new_filter());
  for (const ResolvedRule& resolved : plan.rules) {
    switch (resolved.how) {
      case Resolution::kByName:
      case Resolution::kByNumber:
        CORDON_TRY(add_rule(ctx.get(), resolved));
        break;
      case Resolution::kAbsentOnArch:
        break;  // nothing to refuse; describe_box_filter() lists it
      case Resolution::kUnknown:
        // Fail closed: the syscall may exist on this kernel and we could not refuse it.
        return Error(Errc::kUnsupported,
                     "seccomp: cannot refuse " + resolved.rule->syscall +
                         ": this libseccomp does not know it and cordon has no number for it")
            .with_hint(
                "install a newer libseccomp, or add the number to kUnifiedNumbers in "
                "src/box/seccomp_groups.cpp");
    }
  }
  CORDON_ASSIGN_OR_RETURN(std::vector<sock_filter> instructions, export_bpf(ctx.get()));
  return SeccompProgram{std::move(instructions)};
}

Result<SeccompProgram> compile_exec_notify_filter() {
  CORDON_ASSIGN_OR_RETURN(FilterContext ctx, new_filter());
  for (int nr : {SCMP_SYS(execve), SCMP_SYS(execveat)}) {
    if (int rc = seccomp_rule_add_exact(ctx.get(), SCMP_ACT_NOTIFY, nr, 0); rc < 0) {
      return libseccomp_error("add the notification for syscall " + std::to_string(nr), rc);
    }
  }
  CORDON_ASSIGN_OR_RETURN(std::vector<sock_filter> instructions, export_bpf(ctx.get()));
  return SeccompProgram{std::move(instructions)};
}

std::string describe_box_filter() {
  FilterPlan plan = plan_box_filter();
  const char* arch = arch_name(plan.arch);
  std::string out;
  out += "# cordon seccomp filter for " + std::string(arch) + " (docs/seccomp.md).\n";
  out += "default: ALLOW\n";
  out += "other architectures (i386 int 0x80, x32 numbers >= 0x40000000): EPERM\n";
  out += "columns: syscall, number, errno returned, condition (args compared as 64-bit)\n";
  const SyscallGroup* group = nullptr;
  for (const ResolvedRule& resolved : plan.rules) {
    if (resolved.group != group) {
      group = resolved.group;
      out += "\n[" + group->name + "] " + group->reason + "\n";
    }
    describe_rule(resolved, arch, out);
  }
  return out;
}

int install_seccomp(const sock_fprog& program) {
  // No flags: SECCOMP_FILTER_FLAG_TSYNC stays off, the agent is single-threaded here.
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0) return 0;
  return -errno;
}

int install_seccomp_with_listener(const sock_fprog& program) {
  const long fd =
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
  return fd >= 0 ? static_cast<int>(fd) : -errno;
}

}  // namespace cordon::box
