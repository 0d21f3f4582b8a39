// The proxy's epoll loop, its timers and its cross-thread stop.
#include "net/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace cordon::net {
namespace {

constexpr WatchId kWakeToken = 0;  // watch ids start at 1
constexpr int kMaxEvents = 256;

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!loop->epoll_) return Error::system("epoll_create1");
  loop->wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!loop->wake_) return Error::system("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeToken;
  if (::epoll_ctl(loop->epoll_.get(), EPOLL_CTL_ADD, loop->wake_.get(), &event) != 0) {
    return Error::system("epoll_ctl add eventfd");
  }
  return loop;
}

EventLoop::~EventLoop() = default;

Result<WatchId> EventLoop::watch(int fd, uint32_t interest, IoCallback callback) {
  WatchId id = next_watch_++;
  Watch& w = watches_[id];
  w.fd = fd;
  w.callback = std::move(callback);
  if (!set_interest(id, interest)) {
    int err = errno;
    watches_.erase(id);
    return Error::system("epoll_ctl", err);
  }
  return id;
}

bool EventLoop::set_interest(WatchId id, uint32_t interest) {
  auto it = watches_.find(id);
  if (it == watches_.end() || it->second.dead) return false;
  Watch& w = it->second;
  w.interest = interest;
  // Dropping only EPOLLIN keeps the registration: a kept-alive connection goes from reading
  // to waiting and back on every request, and each change would be a call into epoll. Should
  // input arrive meanwhile, run() brings the registration in line then.
  const bool only_input_dropped =
      (interest & ~w.registered) == 0 && (w.registered & ~interest & ~uint32_t{EPOLLIN}) == 0;
  if (w.registered != 0 && only_input_dropped) return true;
  return register_interest(w, id);
}

bool EventLoop::register_interest(Watch& w, WatchId id) {
  if (w.interest == 0) {
    if (w.registered != 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, w.fd, nullptr);
    w.registered = 0;
    return true;
  }
  if (w.registered == w.interest) return true;
  epoll_event event{};
  event.events = w.interest;
  event.data.u64 = id;
  const int op = w.registered != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (::epoll_ctl(epoll_.get(), op, w.fd, &event) != 0) return false;
  w.registered = w.interest;
  return true;
}

void EventLoop::unwatch(WatchId id) {
  auto it = watches_.find(id);
  if (it == watches_.end() || it->second.dead) return;
  if (it->second.registered != 0) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd, nullptr);
  }
  it->second.registered = 0;
  it->second.dead = true;  // erased after the batch: its callback may be the one running
  dead_watches_.push_back(id);
}

TimerId EventLoop::schedule(Clock::time_point when, std::function<void()> callback) {
  TimerId id = next_timer_++;
  timers_.emplace(id, Timer{when, std::move(callback)});
  heap_.push_back({when, id});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  return id;
}

void EventLoop::cancel(TimerId id) {
  timers_.erase(id);
  // Cancelled entries stay in the heap until they surface; rebuild when they dominate.
  if (heap_.size() > 64 && heap_.size() > 4 * timers_.size()) {
    heap_.clear();
    for (const auto& [timer_id, timer] : timers_) heap_.push_back({timer.when, timer_id});
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  }
}

void EventLoop::defer(std::function<void()> task) {
  deferred_.push_back(std::move(task));
}

void EventLoop::stop() {
  stopping_.store(true);
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof(one));
}

int EventLoop::next_timeout_ms() {
  if (!deferred_.empty()) return 0;
  while (!heap_.empty() && !timers_.contains(heap_.front().id)) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
  }
  if (heap_.empty()) return -1;
  auto wait = heap_.front().when - Clock::now();
  if (wait <= Clock::duration::zero()) return 0;
  // Round up: waking a little late is fine, waking early only spins.
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

void EventLoop::run_timers() {
  while (!heap_.empty() && heap_.front().when <= now_) {
    TimerId id = heap_.front().id;
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    auto callback = std::move(it->second.callback);
    timers_.erase(it);
    callback();
  }
}

void EventLoop::run_deferred() {
  // Tasks deferred by deferred tasks run in the next round, after epoll had its say.
  std::vector<std::function<void()>> tasks;
  tasks.swap(deferred_);
  for (auto& task : tasks) task();
}

void EventLoop::sweep_dead_watches() {
  for (WatchId id : dead_watches_) watches_.erase(id);
  dead_watches_.clear();
}

Result<void> EventLoop::run() {
  epoll_event events[kMaxEvents];
  while (!stopping_.load()) {
    int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, next_timeout_ms());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("epoll_wait");
    }
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) {
      WatchId id = events[i].data.u64;
      if (id == kWakeToken) {
        uint64_t count;
        (void)!::read(wake_.get(), &count, sizeof(count));
        continue;  // stop(): the loop condition sees it
      }
      auto it = watches_.find(id);
      if (it == watches_.end() || it->second.dead) continue;
      Watch& w = it->second;
      uint32_t ready = events[i].events;
      if (w.registered != w.interest && (ready & ~w.interest) != 0) {
        // Input on a registration kept after EPOLLIN was dropped (set_interest): the fd now
        // leaves epoll or keeps only what is wanted, and the callback sees only that.
        (void)register_interest(w, id);  // a DEL, or a MOD to fewer events: cannot fail
        ready &= w.interest | EPOLLERR | EPOLLHUP;
        if (w.interest == 0 || ready == 0) continue;
      }
      // The callback may unwatch itself; the entry stays alive until the sweep below.
      w.callback(ready);
    }
    sweep_dead_watches();
    run_timers();
    run_deferred();
    sweep_dead_watches();
  }
  return Ok{};
}

WatchedFd& WatchedFd::operator=(WatchedFd&& other) noexcept {
  if (this != &other) {
    reset();
    loop_ = other.loop_;
    fd_ = std::move(other.fd_);
    id_ = std::exchange(other.id_, 0);
    interest_ = std::exchange(other.interest_, 0);
  }
  return *this;
}

bool WatchedFd::watch(EventLoop::IoCallback callback) {
  if (id_ != 0) loop_->unwatch(id_);
  interest_ = 0;
  auto id = loop_->watch(fd_.get(), 0, std::move(callback));
  if (!id.ok()) return false;
  id_ = *id;
  return true;
}

bool WatchedFd::set_interest(uint32_t interest) {
  if (id_ == 0) return false;
  if (interest == interest_) return true;
  if (!loop_->set_interest(id_, interest)) return false;
  interest_ = interest;
  return true;
}

UniqueFd WatchedFd::release() {
  if (id_ != 0) loop_->unwatch(std::exchange(id_, 0));
  interest_ = 0;
  return std::move(fd_);
}

void WatchedFd::reset() {
  if (id_ != 0) loop_->unwatch(std::exchange(id_, 0));
  interest_ = 0;
  fd_.reset();
}

void TimerSlot::arm(Clock::time_point when, std::function<void()> callback) {
  cancel();
  when_ = when;
  id_ = loop_->schedule(when, [this, callback = std::move(callback)]() {
    id_ = 0;
    callback();
  });
}

void TimerSlot::cancel() {
  if (id_ != 0) loop_->cancel(std::exchange(id_, 0));
}

}  // namespace cordon::net
