// getaddrinfo on detached worker threads; answers come back through an eventfd.
#include "net/resolver.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

#include "base/signal_scope.h"
#include "net/socket_address.h"

namespace cordon::net {

struct Resolver::Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::pair<RequestId, std::string>> queue;
  std::vector<std::pair<RequestId, Result<std::vector<IpAddress>>>> done;
  UniqueFd event;  // written by workers; owned here so it outlives the Resolver for them
  size_t workers = 0;
  size_t idle = 0;
  bool stopping = false;
};

namespace {

Result<std::vector<IpAddress>> lookup(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    int err = rc == EAI_SYSTEM ? errno : 0;
    return Error(Errc::kNotFound, "cannot resolve " + name + ": " + ::gai_strerror(rc), err);
  }
  std::vector<IpAddress> answers;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    sockaddr_storage storage{};
    if (ai->ai_addrlen > sizeof(storage)) continue;
    std::memcpy(&storage, ai->ai_addr, ai->ai_addrlen);
    auto endpoint = from_sockaddr(storage, ai->ai_addrlen);
    if (!endpoint) continue;
    bool seen = false;
    for (const auto& a : answers) seen = seen || a == endpoint->address;
    if (!seen) answers.push_back(endpoint->address);
  }
  ::freeaddrinfo(list);
  if (answers.empty()) return Error(Errc::kNotFound, "cannot resolve " + name + ": no address");
  return answers;
}

void worker_main(std::shared_ptr<Resolver::Shared> shared) {
  std::unique_lock<std::mutex> lock(shared->mutex);
  for (;;) {
    ++shared->idle;
    shared->wake.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
    --shared->idle;
    if (shared->stopping) break;
    auto [id, name] = std::move(shared->queue.front());
    shared->queue.pop_front();
    lock.unlock();
    auto answers = lookup(name);
    lock.lock();
    if (shared->stopping) break;
    shared->done.emplace_back(id, std::move(answers));
    uint64_t one = 1;
    (void)!::write(shared->event.get(), &one, sizeof(one));
  }
  --shared->workers;
}

}  // namespace

Result<std::unique_ptr<Resolver>> Resolver::create(EventLoop& loop, size_t max_workers) {
  std::unique_ptr<Resolver> resolver(new Resolver());
  resolver->loop_ = &loop;
  resolver->max_workers_ = max_workers == 0 ? 1 : max_workers;
  resolver->shared_ = std::make_shared<Shared>();
  resolver->shared_->event.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!resolver->shared_->event) return Error::system("eventfd");
  UniqueFd watched(::fcntl(resolver->shared_->event.get(), F_DUPFD_CLOEXEC, 0));
  if (!watched) return Error::system("dup eventfd");
  resolver->done_fd_ = WatchedFd(loop, std::move(watched));
  Resolver* self = resolver.get();
  if (!resolver->done_fd_.watch([self](uint32_t) { self->deliver(); }) ||
      !resolver->done_fd_.set_interest(EPOLLIN)) {
    return Error::system("epoll_ctl resolver eventfd");
  }
  return resolver;
}

Resolver::~Resolver() {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->stopping = true;
  shared_->queue.clear();
  shared_->done.clear();
  shared_->wake.notify_all();
}

Resolver::RequestId Resolver::resolve(const std::string& name, Callback callback) {
  RequestId id = next_id_++;
  pending_.emplace(id, std::move(callback));
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->queue.emplace_back(id, name);
  if (shared_->idle < shared_->queue.size() && shared_->workers < max_workers_) {
    ++shared_->workers;
    try {
      quiet_thread([shared = shared_] { worker_main(shared); }).detach();
    } catch (const std::system_error& e) {  // no thread: the queue waits for a running worker
      --shared_->workers;
      if (shared_->workers == 0) {
        shared_->queue.pop_back();
        shared_->done.emplace_back(
            id, Error(Errc::kSystem, std::string("resolver thread: ") + e.what()));
        uint64_t one = 1;
        (void)!::write(shared_->event.get(), &one, sizeof(one));
      }
    }
  }
  shared_->wake.notify_one();
  return id;
}

void Resolver::cancel(RequestId id) {
  pending_.erase(id);
}

void Resolver::deliver() {
  uint64_t count;
  (void)!::read(done_fd_.get(), &count, sizeof(count));
  std::vector<std::pair<RequestId, Result<std::vector<IpAddress>>>> done;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    done.swap(shared_->done);
  }
  for (auto& [id, answers] : done) {
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;  // cancelled
    Callback callback = std::move(it->second);
    pending_.erase(it);
    callback(std::move(answers));
  }
}

}  // namespace cordon::net
