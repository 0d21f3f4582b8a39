// ChannelThread: a review channel's thread ends when told to, and is joined once.
#include <gtest/gtest.h>
#include <poll.h>

#include <future>

#include "review/channel_thread.h"
#include "review/review_queue.h"

namespace cordon::review {
namespace {

using namespace std::chrono_literals;

// A channel running a body like the channels' own: it sleeps on the wake-up fd and checks
// stopping() after each wake-up; `ended` is ready once the body has returned.
class ChannelThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = ChannelThread::create();
    ASSERT_TRUE(created.ok()) << created.error().describe();
    channel = std::move(created).value();
    ended = body_returned.get_future();
    channel->start(queue, [this] {
      while (!channel->stopping()) {
        pollfd p{channel->fd(), POLLIN, 0};
        ::poll(&p, 1, -1);
        channel->drain();
      }
      body_returned.set_value();
    });
  }

  // In this order: the channel, whose body uses the rest, goes first.
  ReviewQueue queue{"s1", 60s};
  std::promise<void> body_returned;
  std::future<void> ended;
  std::unique_ptr<ChannelThread> channel;
};

TEST_F(ChannelThreadTest, RequestStopEndsTheBodyWithoutWaitingForIt) {
  EXPECT_EQ(ended.wait_for(50ms), std::future_status::timeout);  // it sleeps until told
  channel->request_stop();
  EXPECT_EQ(ended.wait_for(10s), std::future_status::ready);
  channel->stop();  // joins the ended thread
  channel->stop();  // and only once
}

TEST_F(ChannelThreadTest, StopAloneStillEndsAndJoinsTheBody) {
  channel->stop();
  EXPECT_EQ(ended.wait_for(0s), std::future_status::ready);
}

}  // namespace
}  // namespace cordon::review
