// A classic-BPF interpreter for seccomp programs: unit tests run the compiled filter on fake
// syscall records, without a kernel and without installing anything.
//
// It follows the kernel's seccomp rules for classic BPF (kernel/seccomp.c, seccomp_check_filter):
// loads read 32-bit words of struct seccomp_data at aligned offsets, jumps only go forward, the
// scratch memory has 16 words. Anything else is reported as an error instead of guessed at.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>

namespace cordon::bpf {

// One syscall as seccomp sees it. Arguments are 64-bit; the filter reads them as two words.
inline seccomp_data syscall_record(uint32_t arch, int nr, uint64_t a0 = 0, uint64_t a1 = 0,
                                   uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
                                   uint64_t a5 = 0) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  data.instruction_pointer = 0x7f0000001000;
  const uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
  std::memcpy(data.args, args, sizeof args);
  return data;
}

struct BpfOutcome {
  bool ok = false;   // false: the program went wrong on this input; `error` says how
  uint32_t ret = 0;  // the SECCOMP_RET_* value the program returned
  std::string error;
};

namespace bpf_detail {

inline BpfOutcome fail(size_t pc, const char* what, uint16_t code) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "insn %zu (code 0x%04x): %s", pc, code, what);
  return {false, 0, buffer};
}

// Applies ALU operation `op` to `a`; false for a division by zero.
inline bool alu(uint16_t op, uint32_t& a, uint32_t operand) {
  switch (op) {
    case BPF_ADD:
      a += operand;
      return true;
    case BPF_SUB:
      a -= operand;
      return true;
    case BPF_MUL:
      a *= operand;
      return true;
    case BPF_DIV:
      if (operand == 0) return false;
      a /= operand;
      return true;
    case BPF_MOD:
      if (operand == 0) return false;
      a %= operand;
      return true;
    case BPF_OR:
      a |= operand;
      return true;
    case BPF_AND:
      a &= operand;
      return true;
    case BPF_XOR:
      a ^= operand;
      return true;
    case BPF_LSH:
      a = operand >= 32 ? 0 : a << operand;
      return true;
    case BPF_RSH:
      a = operand >= 32 ? 0 : a >> operand;
      return true;
    case BPF_NEG:
      a = 0 - a;
      return true;
    default:
      return false;
  }
}

}  // namespace bpf_detail

// Runs `program` on `data` and returns what it returns.
inline BpfOutcome run_bpf(std::span<const sock_filter> program, const seccomp_data& data) {
  using bpf_detail::fail;
  uint32_t a = 0;
  uint32_t x = 0;
  uint32_t mem[BPF_MEMWORDS] = {};
  bool mem_written[BPF_MEMWORDS] = {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(&data);

  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& insn = program[pc];
    const uint16_t code = insn.code;
    const uint32_t k = insn.k;
    switch (BPF_CLASS(code)) {
      case BPF_LD:
      case BPF_LDX: {
        uint32_t& reg = BPF_CLASS(code) == BPF_LD ? a : x;
        if (BPF_SIZE(code) != BPF_W) return fail(pc, "load size other than a word", code);
        switch (BPF_MODE(code)) {
          case BPF_ABS:
            if (BPF_CLASS(code) != BPF_LD) return fail(pc, "LDX ABS is not classic BPF", code);
            if (k % 4 != 0 || k + 4 > sizeof(seccomp_data)) {
              return fail(pc, "load outside seccomp_data or misaligned", code);
            }
            std::memcpy(&reg, bytes + k, 4);
            break;
          case BPF_IMM:
            reg = k;
            break;
          case BPF_LEN:
            reg = sizeof(seccomp_data);
            break;
          case BPF_MEM:
            if (k >= BPF_MEMWORDS || !mem_written[k]) {
              return fail(pc, "scratch memory read before write", code);
            }
            reg = mem[k];
            break;
          default:
            return fail(pc, "load mode not allowed in seccomp", code);
        }
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (k >= BPF_MEMWORDS) return fail(pc, "store outside scratch memory", code);
        mem[k] = BPF_CLASS(code) == BPF_ST ? a : x;
        mem_written[k] = true;
        break;
      case BPF_ALU: {
        uint32_t operand = BPF_SRC(code) == BPF_X ? x : k;
        if (!bpf_detail::alu(BPF_OP(code), a, operand)) {
          return fail(pc, "bad ALU operation or division by zero", code);
        }
        break;
      }
      case BPF_JMP: {
        size_t offset = 0;
        if (BPF_OP(code) == BPF_JA) {
          offset = k;
        } else {
          uint32_t operand = BPF_SRC(code) == BPF_X ? x : k;
          bool taken = false;
          switch (BPF_OP(code)) {
            case BPF_JEQ:
              taken = a == operand;
              break;
            case BPF_JGT:
              taken = a > operand;
              break;
            case BPF_JGE:
              taken = a >= operand;
              break;
            case BPF_JSET:
              taken = (a & operand) != 0;
              break;
            default:
              return fail(pc, "unknown jump", code);
          }
          offset = taken ? insn.jt : insn.jf;
        }
        if (offset >= program.size() - pc - 1) return fail(pc, "jump past the end", code);
        pc += offset;
        break;
      }
      case BPF_RET:
        if (BPF_RVAL(code) == BPF_K) return {true, k, ""};
        if (BPF_RVAL(code) == BPF_A) return {true, a, ""};
        return fail(pc, "RET X is not allowed in seccomp", code);
      case BPF_MISC:
        if (BPF_MISCOP(code) == BPF_TAX) {
          x = a;
        } else if (BPF_MISCOP(code) == BPF_TXA) {
          a = x;
        } else {
          return fail(pc, "unknown MISC operation", code);
        }
        break;
      default:
        return fail(pc, "unknown instruction class", code);
    }
  }
  return {false, 0, "ran off the end of the program without RET"};
}

// One line per instruction, for failure messages and for reading what libseccomp emitted:
// "   3: jge #0x40000000 jt 4 jf 5".
inline std::string disassemble(std::span<const sock_filter> program) {
  std::string out;
  char line[128];
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& insn = program[pc];
    const uint16_t code = insn.code;
    const char* jump = nullptr;
    switch (code) {
      case BPF_JMP | BPF_JEQ | BPF_K:
        jump = "jeq";
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        jump = "jgt";
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        jump = "jge";
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        jump = "jset";
        break;
      default:
        break;
    }
    if (jump != nullptr) {
      std::snprintf(line, sizeof line, "%4zu: %s #0x%x jt %zu jf %zu\n", pc, jump, insn.k,
                    pc + 1 + insn.jt, pc + 1 + insn.jf);
    } else if (code == (BPF_LD | BPF_W | BPF_ABS)) {
      std::snprintf(line, sizeof line, "%4zu: ld [%u]\n", pc, insn.k);
    } else if (code == (BPF_ALU | BPF_AND | BPF_K)) {
      std::snprintf(line, sizeof line, "%4zu: and #0x%x\n", pc, insn.k);
    } else if (code == (BPF_RET | BPF_K)) {
      std::snprintf(line, sizeof line, "%4zu: ret #0x%x\n", pc, insn.k);
    } else if (code == (BPF_JMP | BPF_JA)) {
      std::snprintf(line, sizeof line, "%4zu: ja %zu\n", pc, pc + 1 + insn.k);
    } else {
      std::snprintf(line, sizeof line, "%4zu: code 0x%04x jt %u jf %u k 0x%x\n", pc, code, insn.jt,
                    insn.jf, insn.k);
    }
    out += line;
  }
  return out;
}

}  // namespace cordon::bpf
