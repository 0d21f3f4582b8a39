// ChannelThread: a review channel's thread ends when told to, and is joined once.
#include <gtest/gtest.h>
#include <poll.h>

#include <future>

#include "review/channel_thread.h"
#include "review/review_queue.h"

namespace cordon::review {
namespace {

using namespace std::chrono_literals;

// A body like the channels' own: sleeps on the wake-up fd, checks stopping() after each wake.
std::function<void()> sleeping_body(ChannelThread& channel, std::promise<void>& ended) {
  return [&channel, &ended] {
    while (!channel.stopping()) {
      pollfd p{channel.fd(), POLLIN, 0};
      ::poll(&p, 1, -1);
      channel.drain();
    }
    ended.set_value();
  };
}

TEST(ChannelThread, RequestStopEndsTheBodyWithoutWaitingForIt) {
  ReviewQueue queue("s1", 60s);
  auto channel = ChannelThread::create();
  ASSERT_TRUE(channel.ok()) << channel.error().describe();
  std::promise<void> ended;
  std::future<void> done = ended.get_future();
  (*channel)->start(queue, sleeping_body(**channel, ended));
  EXPECT_EQ(done.wait_for(50ms), std::future_status::timeout);  // it sleeps until told

  (*channel)->request_stop();
  EXPECT_EQ(done.wait_for(10s), std::future_status::ready);
  (*channel)->stop();  // joins the ended thread
  (*channel)->stop();  // and only once
}

TEST(ChannelThread, StopAloneStillEndsAndJoinsTheBody) {
  ReviewQueue queue("s2", 60s);
  auto channel = ChannelThread::create();
  ASSERT_TRUE(channel.ok()) << channel.error().describe();
  std::promise<void> ended;
  std::future<void> done = ended.get_future();
  (*channel)->start(queue, sleeping_body(**channel, ended));
  (*channel)->stop();
  EXPECT_EQ(done.wait_for(0s), std::future_status::ready);
}

}  // namespace
}  // namespace cordon::review
