// ChannelThread: subscription, wake-up and join, once for every review channel.
#include "review/channel_thread.h"

#include "base/signal_scope.h"

namespace cordon::review {

Result<std::unique_ptr<ChannelThread>> ChannelThread::create() {
  CORDON_ASSIGN_OR_RETURN(Wakeup wakeup, Wakeup::create());
  return std::unique_ptr<ChannelThread>(new ChannelThread(std::move(wakeup)));
}

void ChannelThread::start(ReviewQueue& queue, std::function<void()> body) {
  subscription_ = queue.subscribe([this] {
    changed_ = true;
    wakeup_.poke();
  });
  thread_ = quiet_thread(std::move(body));
}

void ChannelThread::stop() {
  if (!thread_.joinable()) return;
  subscription_.reset();
  request_stop();
  thread_.join();
}

void ChannelThread::request_stop() {
  stopping_ = true;
  wakeup_.poke();
}

}  // namespace cordon::review
