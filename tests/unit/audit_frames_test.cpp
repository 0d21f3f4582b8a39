// The frames between cordon and its audit writer: FrameReader against write_frame.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "audit/frames.h"
#include "base/unique_fd.h"

namespace cordon::audit {
namespace {

struct Pair {
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    reader = UniqueFd(fds[0]);
    writer = UniqueFd(fds[1]);
  }
  UniqueFd reader, writer;
};

std::string header(uint32_t size) {
  std::string h(4, '\0');
  for (int i = 0; i < 4; ++i) h[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  return h;
}

TEST(FrameReader, ReadsEveryFrameSentInOneBurstThenTheEnd) {
  Pair p;
  const std::vector<std::string> sent = {"one", "", "three", std::string(1000, 'x')};
  for (const auto& s : sent) ASSERT_TRUE(write_frame(p.writer.get(), s).ok());
  p.writer.reset();
  FrameReader reader(p.reader.get());
  EXPECT_FALSE(reader.has_frame());  // nothing read yet
  for (const auto& s : sent) {
    auto frame = reader.next();
    ASSERT_TRUE(frame.ok()) << frame.error().describe();
    ASSERT_TRUE(frame->has_value());
    EXPECT_EQ(**frame, s);
    // One read took the whole burst: every frame after the first is already there.
    EXPECT_EQ(reader.has_frame(), &s != &sent.back());
  }
  auto end = reader.next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

// Frames larger than one read, and frames whose bytes arrive a few at a time.
TEST(FrameReader, ReassemblesFramesSplitAcrossReads) {
  Pair p;
  std::vector<std::string> sent;
  for (size_t size : {size_t{5}, size_t{300000}, size_t{70000}, size_t{1}}) {
    std::string payload(size, '\0');
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
    sent.push_back(payload);
  }
  std::thread dribble([&] {
    std::string stream;
    for (const auto& s : sent) stream += header(static_cast<uint32_t>(s.size())) + s;
    size_t at = 0, step = 1;
    while (at < stream.size()) {
      const size_t n = std::min(step, stream.size() - at);
      ASSERT_EQ(::write(p.writer.get(), stream.data() + at, n), static_cast<ssize_t>(n));
      at += n;
      step = step * 7 % 100003 + 1;  // 1, 8, 57, 400, ... bytes per write
    }
    p.writer.reset();
  });
  FrameReader reader(p.reader.get());
  for (const auto& s : sent) {
    auto frame = reader.next();
    ASSERT_TRUE(frame.ok()) << frame.error().describe();
    ASSERT_TRUE(frame->has_value());
    EXPECT_EQ(**frame, s);
  }
  auto end = reader.next();
  dribble.join();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(FrameReader, AFrameCutShortIsAnError) {
  Pair p;
  const std::string partial = header(10) + "12345";
  ASSERT_EQ(::write(p.writer.get(), partial.data(), partial.size()),
            static_cast<ssize_t>(partial.size()));
  p.writer.reset();
  FrameReader reader(p.reader.get());
  auto frame = reader.next();
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().describe().find("cut short"), std::string::npos);
}

TEST(FrameReader, AHeaderCutShortIsAnError) {
  Pair p;
  ASSERT_EQ(::write(p.writer.get(), "\x01\x00", 2), 2);
  p.writer.reset();
  FrameReader reader(p.reader.get());
  EXPECT_FALSE(reader.next().ok());
}

TEST(FrameReader, AnOversizeFrameIsRefusedBeforeItIsRead) {
  Pair p;
  const std::string h = header(static_cast<uint32_t>(kMaxFrame + 1));
  ASSERT_EQ(::write(p.writer.get(), h.data(), h.size()), 4);
  FrameReader reader(p.reader.get());
  auto frame = reader.next();  // would block for the payload if it tried to read it
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().describe().find("too large"), std::string::npos);
}

}  // namespace
}  // namespace cordon::audit
