// TerminalFilter: what of the box's output reaches the user's terminal, however it is split.
#include "box/terminal_filter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace cordon::box {
namespace {

using namespace std::string_literals;

// Feeds `chunks` to one filter and returns everything it wrote.
std::string run(const std::vector<std::string>& chunks) {
  TerminalFilter filter;
  std::string out;
  for (const std::string& chunk : chunks) {
    std::string buf(chunk.size() + TerminalFilter::kMaxHeld, '\0');
    const size_t n = filter.filter(chunk, buf);
    EXPECT_LE(n, buf.size());
    out.append(buf, 0, n);
  }
  return out;
}

// The output of `in` whole; and the same output, checked, for `in` split in two at every
// byte and fed one byte at a time.
std::string filtered(const std::string& in) {
  const std::string whole = run({in});
  for (size_t cut = 1; cut < in.size(); ++cut) {
    EXPECT_EQ(run({in.substr(0, cut), in.substr(cut)}), whole) << "split at " << cut;
  }
  std::vector<std::string> bytes;
  for (char c : in) bytes.emplace_back(1, c);
  EXPECT_EQ(run(bytes), whole) << "byte by byte";
  return whole;
}

void expect_passes(const std::string& in) {
  EXPECT_EQ(filtered(in), in);
}

TEST(TerminalFilter, TextAndUtf8PassUnchanged) {
  expect_passes("hello, world\r\n");
  // Continuation bytes 0x80-0x9f inside characters (U+015B is C5 9B, U+4E2D is E4 B8 AD).
  expect_passes("h\xc3\xa9llo \xc5\x9b \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80\n");
  // U+00A0 and beyond: 0xC2 followed by A0-BF is text.
  expect_passes("\xc2\xa0\xc2\xbb");
  expect_passes("tab\tbell\x07 backspace\b\n");
}

TEST(TerminalFilter, WhatFullScreenProgramsUsePasses) {
  expect_passes("\x1b[1;31mred\x1b[0m \x1b[38;2;10;20;30;48;5;17mtruecolor\x1b[m");
  expect_passes("\x1b[?1049h\x1b[H\x1b[2J\x1b[10;20Hx\x1b[K\x1b[?25l\x1b[?25h\x1b[?1049l");
  expect_passes("\x1b[?1000h\x1b[?1002h\x1b[?1006h\x1b[?2004h\x1b[?1h\x1b=\x1b[?1004h");
  expect_passes("\x1b[6n\x1b[c\x1b[>c\x1b[>q\x1b[?2026$p\x1b[?u\x1b[>1u");  // queries TUIs use
  expect_passes("\x1b[18t\x1b[14t\x1b[22;0t\x1b[23;0t");  // sizes, the title stack
  expect_passes(
      "\x1b"
      "7\x1b"
      "8\x1b(B\x1b)0\x1b#8\x1b"
      "c\x1b"
      "M\x1b[3;20r");
  expect_passes("\x1b]0;my title\x07\x1b]2;other\x1b\\");  // setting a title
  expect_passes("\x1b]8;;https://example.com/\x1b\\link\x1b]8;;\x1b\\");
  expect_passes("\x1b]11;?\x07\x1b]10;?\x1b\\\x1b]4;1;?\x07\x1b]104\x07\x1b]111\x07");
  expect_passes("\x1b]2;t\xc3\xa9tle \xc5\x9b\x07");
}

TEST(TerminalFilter, TheClipboardIsNeverSet) {
  EXPECT_EQ(filtered("a\x1b]52;c;Y3VybCBldmlsfHNo\x07"
                     "b"),
            "ab");
  EXPECT_EQ(filtered("a\x1b]52;c;Y3VybCBldmlsfHNo\x1b\\b"), "ab");
  EXPECT_EQ(filtered("a\x1b]52;c;?\x07"
                     "b"),
            "ab");  // nor read
  // The C1 forms, in UTF-8 (U+009D OSC, U+009C ST) as xterm and VTE read them.
  EXPECT_EQ(filtered("a\xc2\x9d"
                     "52;c;Y3VybA==\xc2\x9c"
                     "b"),
            "ab");
  // Leading zeros are the same number.
  EXPECT_EQ(filtered("a\x1b]0052;c;Y3VybA==\x07"
                     "b"),
            "ab");
  // Inside a title: ESC begins a sequence of its own, judged on its own.
  EXPECT_EQ(filtered("\x1b]0;t\x1b]52;c;Y3VybA==\x07x"), "\x1b]0;tx");
  // An allowed OSC's number passes only with what ends it: a byte or sequence dropped after
  // `ESC ] 0` would make the terminal read on into `052`, the clipboard (the fuzz target's
  // finding).
  EXPECT_EQ(filtered("\x1b]0\x9d"
                     "52;c;Y3VybA==\x07"),
            "");
  EXPECT_EQ(filtered("\x1b]0\x1b[21t52;c;Y3VybA==\x07"), "52;c;Y3VybA==\x07");
  EXPECT_EQ(filtered("\x1b]1\xc2\x9b"
                     "21t2;c;Y3VybA==\x07"),
            "2;c;Y3VybA==\x07");
  expect_passes("\x1b]104\x1b\\\x1b]110\x07\x1b]0;x\x07");
  // A C1 introducer that continues no UTF-8 character is dropped, not passed raw.
  EXPECT_EQ(filtered("a\x9d"
                     "52;c;Y3VybA==\x07"
                     "b"),
            "a52;c;Y3VybA==\x07"
            "b");
}

TEST(TerminalFilter, TheTerminalsEncodingCannotBeSwitched) {
  // ESC % @ (ISO 8859-1) would make a terminal read 0x9D, passed here inside a UTF-8 character,
  // as OSC: an OSC 52 clipboard write (review).
  EXPECT_EQ(filtered("a\x1b%@b"), "a@b");
  EXPECT_EQ(filtered("\x1b%G\xe2\x9d\x95"), "G\xe2\x9d\x95");
}

TEST(TerminalFilter, QueriesWhoseAnswersCarryTheBoxsTextAreDropped) {
  EXPECT_EQ(filtered("a\x1b[21tb\x1b[20tc"), "abc");
  EXPECT_EQ(filtered("a\x1b[021;1tb"), "ab");
  // A C0 control inside a CSI does not end it: the terminal reads 21 t.
  EXPECT_EQ(filtered("a\x1b[2\r1tb"), "ab");
  EXPECT_EQ(filtered("a\xc2\x9b"
                     "21tb"),
            "ab");
  EXPECT_EQ(filtered("a\x1bP$qm\x1b\\b"), "ab");        // DECRQSS
  EXPECT_EQ(filtered("a\x1bP+q544e\x1b\\b"), "ab");     // XTGETTCAP
  EXPECT_EQ(filtered("a\x1b[1;1;1;1;10;80*yb"), "ab");  // DECRQCRA reads the screen
  EXPECT_EQ(filtered("a\x1b]50;?\x07"
                     "b"),
            "ab");  // font query (CVE-2022-45063)
  EXPECT_EQ(filtered("a\x1b]1337;File=name=eA==:eA==\x07"
                     "b"),
            "ab");
  EXPECT_EQ(filtered("a\x1b_Gf=100;AAAA\x1b\\b"), "ab");  // APC (kitty graphics)
  // tmux's passthrough would carry any sequence to the outer terminal.
  EXPECT_EQ(filtered("a\x1bPtmux;\x1b\x1b]52;c;Y3VybA==\x07\x1b\\b"), "a\x1b\\b");
}

TEST(TerminalFilter, AbortedSequencesAreAbortedHereToo) {
  // CAN aborts a sequence in the terminal: what follows is text.
  EXPECT_EQ(filtered("\x1b]52;c;abc\x18text"), "text");
  EXPECT_EQ(filtered("\x1b[2\x18"
                     "1t"),
            "\x18"
            "1t");
  // ESC restarts: the second sequence is judged on its own.
  EXPECT_EQ(filtered("\x1b[12\x1b[21t"), "");
  EXPECT_EQ(filtered("\x1b\x1b[1m"), "\x1b[1m");
}

TEST(TerminalFilter, UnterminatedSequencesUseBoundedMemory) {
  static_assert(sizeof(TerminalFilter) < 2 * TerminalFilter::kMaxHeld);
  TerminalFilter filter;
  std::string buf(4096 + TerminalFilter::kMaxHeld, '\0');
  // A megabyte of clipboard that never ends: nothing comes out, nothing grows.
  EXPECT_EQ(filter.filter("\x1b]52;c;", buf), 0u);
  const std::string payload(4096, 'A');
  for (int i = 0; i < 256; ++i) EXPECT_EQ(filter.filter(payload, buf), 0u);
  const size_t n = filter.filter(
      "\x07"
      "after",
      buf);
  EXPECT_EQ(buf.substr(0, n), "after");

  // A CSI longer than the filter holds is dropped whole, up to its final byte.
  const std::string long_csi = "\x1b[" + std::string(3 * TerminalFilter::kMaxHeld, '1') + "mok";
  EXPECT_EQ(filtered(long_csi), "ok");
  // One that fits passes.
  std::string sgr = "\x1b[";
  for (int i = 0; i < 40; ++i) sgr += "1;";
  sgr += "0m";
  expect_passes(sgr);
  // So many C0 controls after an ESC that the filter stops holding them: the ESC is dropped,
  // and what follows is text.
  const std::string controls = filtered("\x1b" + std::string(40, '\r') + "[21tx");
  EXPECT_EQ(controls.find('\x1b'), std::string::npos);
  EXPECT_TRUE(controls.ends_with("\r[21tx")) << testing::PrintToString(controls);
}

// Whatever the bytes and however they are split, the output is the same and within bounds.
TEST(TerminalFilter, AnySplitGivesTheSameOutput) {
  const std::string alphabet =
      "\x1b[]P\\;?0125t*y\x07\x18\x9c\x9d\xc2\xc5"
      "ab\r"s +
      '\0';
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string in;
    const size_t len = rng() % 40;
    for (size_t i = 0; i < len; ++i) in += alphabet[rng() % alphabet.size()];
    const std::string whole = run({in});
    EXPECT_LE(whole.size(), in.size()) << testing::PrintToString(in);
    std::vector<std::string> chunks;
    for (size_t at = 0; at < in.size();) {
      const size_t take = 1 + rng() % 5;
      chunks.push_back(in.substr(at, take));
      at += take;
    }
    EXPECT_EQ(run(chunks), whole) << testing::PrintToString(in);
  }
}

}  // namespace
}  // namespace cordon::box
