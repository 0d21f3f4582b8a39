// Checks the test-only BPF emulator on small hand-written programs, so the filter tests built on
// it mean something.
#include <gtest/gtest.h>
#include <linux/audit.h>

#include <cstddef>
#include <vector>

#include "unit/bpf_emulator.h"

namespace cordon::bpf {
namespace {

constexpr uint32_t kArgs0Low = offsetof(seccomp_data, args);
constexpr uint32_t kArgs0High = offsetof(seccomp_data, args) + 4;

sock_filter stmt(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}

uint32_t run_ok(const std::vector<sock_filter>& program, const seccomp_data& data) {
  BpfOutcome outcome = run_bpf(program, data);
  EXPECT_TRUE(outcome.ok) << outcome.error;
  return outcome.ret;
}

TEST(SeccompBpfEmulator, LoadsFieldsOfSeccompData) {
  seccomp_data data = syscall_record(AUDIT_ARCH_X86_64, 39, 0x1122334455667788);
  for (auto [offset, expected] : {std::pair<uint32_t, uint32_t>{0, 39},
                                  {4, AUDIT_ARCH_X86_64},
                                  {kArgs0Low, 0x55667788},
                                  {kArgs0High, 0x11223344}}) {
    EXPECT_EQ(run_ok({stmt(BPF_LD | BPF_W | BPF_ABS, offset), stmt(BPF_RET | BPF_A, 0)}, data),
              expected)
        << offset;
  }
}

TEST(SeccompBpfEmulator, JumpsCompareUnsignedAndSkipForward) {
  // return nr == 5 ? 1 : nr > 5 ? 2 : (nr & 1) ? 3 : 4
  std::vector<sock_filter> program = {
      stmt(BPF_LD | BPF_W | BPF_ABS, 0),          // A = nr
      jump(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1),   // nr == 5?
      stmt(BPF_RET | BPF_K, 1),                   //   yes: 1
      jump(BPF_JMP | BPF_JGT | BPF_K, 5, 0, 1),   // nr > 5?
      stmt(BPF_RET | BPF_K, 2),                   //   yes: 2
      jump(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1),  // nr & 1?
      stmt(BPF_RET | BPF_K, 3),                   //   yes: 3
      stmt(BPF_RET | BPF_K, 4),                   // otherwise 4
  };
  EXPECT_EQ(run_ok(program, syscall_record(0, 5)), 1u);
  EXPECT_EQ(run_ok(program, syscall_record(0, -1)), 2u);  // 0xffffffff is large, unsigned
  EXPECT_EQ(run_ok(program, syscall_record(0, 3)), 3u);
  EXPECT_EQ(run_ok(program, syscall_record(0, 2)), 4u);
}

TEST(SeccompBpfEmulator, AluScratchMemoryAndRegisters) {
  std::vector<sock_filter> program = {
      stmt(BPF_LD | BPF_W | BPF_ABS, kArgs0Low),
      stmt(BPF_ALU | BPF_AND | BPF_K, 0xf),
      stmt(BPF_ST, 3),
      stmt(BPF_LD | BPF_IMM, 100),
      stmt(BPF_LDX | BPF_W | BPF_MEM, 3),
      stmt(BPF_ALU | BPF_ADD | BPF_X, 0),
      stmt(BPF_MISC | BPF_TAX, 0),
      stmt(BPF_MISC | BPF_TXA, 0),
      jump(BPF_JMP | BPF_JA, 1, 0, 0),
      stmt(BPF_RET | BPF_K, 0),
      stmt(BPF_RET | BPF_A, 0),
  };
  EXPECT_EQ(run_ok(program, syscall_record(0, 0, 0x1234)), 104u);
}

TEST(SeccompBpfEmulator, ReportsWhatTheKernelWouldReject) {
  seccomp_data data = syscall_record(0, 0);
  auto error_of = [&](std::vector<sock_filter> program) { return run_bpf(program, data).ok; };
  EXPECT_FALSE(error_of({stmt(BPF_LD | BPF_W | BPF_ABS, 2), stmt(BPF_RET | BPF_A, 0)}));
  EXPECT_FALSE(error_of({stmt(BPF_LD | BPF_W | BPF_ABS, 64), stmt(BPF_RET | BPF_A, 0)}));
  EXPECT_FALSE(error_of({stmt(BPF_LD | BPF_H | BPF_ABS, 0), stmt(BPF_RET | BPF_A, 0)}));
  EXPECT_FALSE(error_of({stmt(BPF_LD | BPF_W | BPF_MEM, 0), stmt(BPF_RET | BPF_A, 0)}));
  EXPECT_FALSE(error_of({jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 1), stmt(BPF_RET | BPF_K, 0)}));
  EXPECT_FALSE(error_of({stmt(BPF_LD | BPF_IMM, 0)}));
  EXPECT_FALSE(error_of({stmt(BPF_ALU | BPF_DIV | BPF_K, 0), stmt(BPF_RET | BPF_A, 0)}));
  EXPECT_FALSE(error_of({}));
}

TEST(SeccompBpfEmulator, DisassemblesJumpTargets) {
  std::vector<sock_filter> program = {jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
                                      stmt(BPF_RET | BPF_K, 0), stmt(BPF_RET | BPF_K, 1)};
  EXPECT_EQ(disassemble(program),
            "   0: jge #0x40000000 jt 1 jf 2\n   1: ret #0x0\n   2: ret #0x1\n");
}

}  // namespace
}  // namespace cordon::bpf
