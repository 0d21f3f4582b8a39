// The bounded bidirectional relay behind CONNECT, SOCKS5, transparent and forward connections.
#include "net/tunnel.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "net/http_tunnel_inspector.h"

namespace cordon::net {
namespace {

// The gate sees at most this much: a ClientHello may span records up to 64 KiB in all.
constexpr size_t kGateHoldLimit = 64 * 1024 + 1024;
constexpr int kReadsPerEvent = 8;

std::string errno_text(const char* who, int err) {
  return std::string(who) + ": " + std::strerror(err);
}

void set_abortive_close(int fd) {
  if (fd < 0) return;
  linger lin{1, 0};  // close() sends RST: the other side learns the stream broke
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
}

}  // namespace

struct Tunnel::Direction {
  WatchedFd* src = nullptr;
  WatchedFd* dst = nullptr;
  const char* src_name = "";
  const char* dst_name = "";
  // Bytes the proxy itself holds for dst (its own reply, bytes read before the tunnel, what the
  // gate held back), copied here only while they wait.
  std::unique_ptr<char[]> pending;
  size_t pending_begin = 0;
  size_t pending_end = 0;
  // dst took less than src had: the rest stays in src's socket until dst is writable.
  bool dst_full = false;
  bool src_eof = false;
  bool shut = false;  // shutdown(dst, SHUT_WR) sent
  uint64_t bytes = 0;
  // The relay's own bytes go src -> pipe -> dst inside the kernel (splice_pipe.h); a direction
  // whose pipe could not be made copies through the loop's scratch buffer instead.
  SplicePipe pipe;
  bool copy_only = false;
  // Plain HTTP under inspection: bytes read from src and not yet sent; the first `approved`
  // of them the inspector has passed.
  std::string inbox;
  size_t approved = 0;

  bool has_pending() const { return pending_end > pending_begin; }
  bool waits_for_dst() const { return has_pending() || dst_full; }
  void set_pending(const char* data, size_t size) {
    pending = std::make_unique<char[]>(size);
    std::memcpy(pending.get(), data, size);
    pending_begin = 0;
    pending_end = size;
  }
};

Tunnel::Tunnel(ProxyContext& context, UniqueFd client, UniqueFd origin)
    : ctx_(context),
      client_(context.loop, std::move(client)),
      origin_(context.loop, std::move(origin)),
      up_(std::make_unique<Direction>()),
      down_(std::make_unique<Direction>()),
      timer_(context.loop) {
  up_->src = &client_;
  up_->dst = &origin_;
  up_->src_name = "client";
  up_->dst_name = "origin";
  down_->src = &origin_;
  down_->dst = &client_;
  down_->src_name = "origin";
  down_->dst_name = "client";
}

Tunnel::~Tunnel() = default;

void Tunnel::start(std::string to_origin, std::string to_client, Gate gate, Done done) {
  done_ = std::move(done);
  gate_ = std::move(gate);
  gate_open_ = !gate_;
  last_activity_ = ctx_.loop.now();
  if (!client_.watch([this](uint32_t events) { on_event(Side::kClient, events); }) ||
      !origin_.watch([this](uint32_t events) { on_event(Side::kOrigin, events); })) {
    end(End::kReset, errno_text("epoll", errno));
    return;
  }
  if (!to_client.empty()) down_->set_pending(to_client.data(), to_client.size());
  arm_timer();
  if (!to_origin.empty()) {
    if (gate_open_) {
      up_->bytes += to_origin.size();
      up_->set_pending(to_origin.data(), to_origin.size());
    } else {
      held_ = std::move(to_origin);
      gate_deadline_ = ctx_.loop.now() + ctx_.limits().header_timeout;
      arm_timer();
      check_gate(false);
      if (ended_) return;
    }
  }
  // Write what is already pending right away; an empty socket buffer takes it.
  if (down_->has_pending()) write_to(*down_);
  if (!ended_ && up_->has_pending()) write_to(*up_);
  if (!ended_) update_interest();
}

void Tunnel::Outcome::complete(DecisionRecord& record) const {
  record.bytes_up = bytes_up;
  record.bytes_down = bytes_down;
  if (end == End::kGateRefused || end == End::kGateTimeout) {
    record.allowed = false;
    record.rule.clear();
    record.reason = reason;
  }
}

Tunnel::Outcome Tunnel::abort() {
  Outcome outcome{End::kReset, "proxy stopping", up_->bytes, down_->bytes};
  ended_ = true;
  timer_.cancel();
  client_.reset();
  origin_.reset();
  return outcome;
}

void Tunnel::on_event(Side side, uint32_t events) {
  if (ended_) return;
  WatchedFd& fd = side == Side::kClient ? client_ : origin_;
  Direction& reader = side == Side::kClient ? *up_ : *down_;
  Direction& writer = side == Side::kClient ? *down_ : *up_;
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t length = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &length);
    end(End::kReset, errno_text(reader.src_name, err == 0 ? ECONNRESET : err));
    return;
  }
  if ((events & EPOLLOUT) || ((events & EPOLLHUP) && writer.waits_for_dst())) {
    write_to(writer);
    if (ended_) return;
  }
  if (events & (EPOLLIN | EPOLLHUP)) {
    read_from(reader);
    if (ended_) return;
  }
  update_interest();
}

void Tunnel::read_from(Direction& d) {
  // A few reads per event while the source keeps filling whole buffers and the destination
  // takes them: fewer epoll_wait calls per byte, and still fair to other connections.
  for (int i = 0; i < kReadsPerEvent && !ended_; ++i) {
    if (!read_once(d)) break;
  }
}

bool Tunnel::read_once(Direction& d) {
  if (d.src_eof || d.waits_for_dst()) return false;

  if (&d == up_.get() && !gate_open_) {
    size_t room = kGateHoldLimit - std::min(kGateHoldLimit, held_.size());
    if (room == 0) {
      check_gate(false);
      return false;
    }
    std::span<char> scratch = ctx_.scratch.get();
    ssize_t n = ::recv(client_.get(), scratch.data(), std::min(room, scratch.size()), 0);
    if (n > 0) {
      if (held_.empty()) {
        gate_deadline_ = ctx_.loop.now() + ctx_.limits().header_timeout;
        arm_timer();
      }
      held_.append(scratch.data(), static_cast<size_t>(n));
      last_activity_ = ctx_.loop.now();
      check_gate(false);
    } else if (n == 0) {
      d.src_eof = true;
      check_gate(true);
    } else if (errno != EAGAIN && errno != EINTR) {
      end(End::kReset, errno_text("client", errno));
    }
    return false;
  }

  if (inspected(d)) {
    read_inspected(d);
    return false;
  }

  if (!d.copy_only) {
    if (ctx_.limits().tunnel_splice && d.pipe.ready()) return splice_once(d);
    // Asked to copy, or no pipe could be made (out of descriptors): this direction copies from
    // now on, without a pipe2() per read.
    d.copy_only = true;
  }

  // Peek, send, then drop from the source exactly what the destination took: what it cannot
  // take yet stays in the source's socket, where TCP's flow control slows the sender, and the
  // proxy holds no copy. One read moves up to the whole scratch buffer (4 MiB).
  std::span<char> scratch = ctx_.scratch.get();
  const size_t max = scratch.size();
  ssize_t n = ::recv(d.src->get(), scratch.data(), max, MSG_PEEK);
  if (n > 0) {
    ssize_t sent =
        ::send(d.dst->get(), scratch.data(), static_cast<size_t>(n), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        end(End::kReset, errno_text(d.dst_name, errno));
        return false;
      }
      sent = 0;
    }
    if (sent > 0) {
      // TCP discards without copying (MSG_TRUNC); the bytes are in the socket: it cannot fail
      // short, but if it did, the stream would be corrupt, so the tunnel ends.
      ssize_t dropped = ::recv(d.src->get(), nullptr, static_cast<size_t>(sent), MSG_TRUNC);
      if (dropped != sent) {
        end(End::kReset, errno_text(d.src_name, dropped < 0 ? errno : EIO));
        return false;
      }
      d.bytes += static_cast<uint64_t>(sent);
      last_activity_ = ctx_.loop.now();
    }
    if (sent < n) {
      d.dst_full = true;
      return false;
    }
    return static_cast<size_t>(n) == max;
  }
  on_empty_read(d, n);
  return false;
}

void Tunnel::on_empty_read(Direction& d, ssize_t n) {
  if (n == 0) {
    d.src_eof = true;
    finish_direction_if_drained(d);
  } else if (errno != EAGAIN && errno != EINTR) {
    end(End::kReset, errno_text(d.src_name, errno));
  }
}

bool Tunnel::splice_once(Direction& d) {
  // What the pipe still holds goes first: bytes leave in the order they came.
  if (d.pipe.held() > 0 && !drain_pipe(d)) return false;
  ssize_t n = d.pipe.fill_from(d.src->get());
  if (n > 0) {
    last_activity_ = ctx_.loop.now();
    if (!drain_pipe(d)) return false;
    return static_cast<size_t>(n) == d.pipe.capacity();
  }
  on_empty_read(d, n);
  return false;
}

bool Tunnel::drain_pipe(Direction& d) {
  ssize_t sent = d.pipe.drain_to(d.dst->get());
  if (sent < 0) {
    end(End::kReset, errno_text(d.dst_name, errno));
    return false;
  }
  if (sent > 0) {
    d.bytes += static_cast<uint64_t>(sent);
    last_activity_ = ctx_.loop.now();
  }
  if (d.pipe.held() > 0) {
    d.dst_full = true;  // the rest waits in the pipe until dst is writable
    return false;
  }
  return true;
}

void Tunnel::write_to(Direction& d) {
  if (!flush_pending(d)) return;
  if (d.has_pending()) return;
  if (d.dst_full) {
    // dst is writable again: move what waits in src now (src's own readiness was not watched).
    d.dst_full = false;
    if (inspected(d)) {
      process_inspected(d);  // passed bytes wait in the inbox, even after src's EOF
      if (ended_ || d.dst_full) return;
    }
    read_from(d);
    if (ended_) return;
  }
  finish_direction_if_drained(d);
}

bool Tunnel::flush_pending(Direction& d) {
  while (d.pending_begin < d.pending_end) {
    ssize_t sent = ::send(d.dst->get(), d.pending.get() + d.pending_begin,
                          d.pending_end - d.pending_begin, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      d.pending_begin += static_cast<size_t>(sent);
      last_activity_ = ctx_.loop.now();
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno == EAGAIN) return true;
    end(End::kReset, errno_text(d.dst_name, sent < 0 ? errno : EPIPE));
    return false;
  }
  d.pending.reset();  // an idle tunnel holds no buffer
  d.pending_begin = d.pending_end = 0;
  return true;
}

void Tunnel::finish_direction_if_drained(Direction& d) {
  if (ended_ || !d.src_eof || d.has_pending() || d.shut || d.approved > 0) return;
  if (&d == up_.get() && !gate_open_) return;
  // What the inspector never passed (a request cut short by the client's FIN) is dropped: the
  // origin would have seen an incomplete message anyway.
  std::string().swap(d.inbox);
  ::shutdown(d.dst->get(), SHUT_WR);
  d.shut = true;
  if (up_->shut && down_->shut) end(End::kClosed, "");
}

void Tunnel::check_gate(bool eof) {
  GateVerdict verdict = gate_(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(held_.data()), held_.size()), eof);
  switch (verdict.kind) {
    case GateVerdict::Kind::kWait:
      if (eof) {
        end(End::kGateRefused, "the client closed the connection before its first message ended");
      } else if (held_.size() >= kGateHoldLimit) {
        end(End::kGateRefused, "the client's first message is larger than " +
                                   std::to_string(kGateHoldLimit) + " bytes");
      }
      return;
    case GateVerdict::Kind::kRefuse:
      end(End::kGateRefused, verdict.reason);
      return;
    case GateVerdict::Kind::kOpen:
      break;
    case GateVerdict::Kind::kInspectHttp:
      // The client's bytes have never been spliced (the gate read them), so switching its
      // direction to the copy path cannot reorder anything.
      http_ = std::move(verdict.inspector);
      gate_open_ = true;
      gate_deadline_ = {};
      up_->copy_only = true;
      up_->inbox = std::move(held_);
      std::string().swap(held_);
      process_inspected(*up_);
      if (!ended_) finish_direction_if_drained(*up_);
      return;
  }
  gate_open_ = true;
  gate_deadline_ = {};
  if (!held_.empty()) {
    up_->bytes += held_.size();
    up_->set_pending(held_.data(), held_.size());
    std::string().swap(held_);
    if (!flush_pending(*up_)) return;
  }
  finish_direction_if_drained(*up_);
}

bool Tunnel::inspected(const Direction& d) const {
  if (!http_) return false;
  if (!d.inbox.empty()) return true;  // what was read that way leaves that way, in order
  return &d == up_.get() ? !http_->switched() : http_->watches_origin();
}

size_t Tunnel::inbox_limit() const {
  // One byte more than a head may be: a head that has not ended by then gets its verdict.
  return ctx_.limits().max_head_bytes + 1;
}

void Tunnel::read_inspected(Direction& d) {
  // What the pipe already holds (origin bytes spliced before an upgrade request) goes first.
  if (d.pipe.held() > 0 && !drain_pipe(d)) return;
  process_inspected(d);
  if (ended_ || d.waits_for_dst() || d.inbox.size() >= inbox_limit()) return;
  std::span<char> scratch = ctx_.scratch.get();
  const size_t room = std::min(inbox_limit() - d.inbox.size(), scratch.size());
  ssize_t n = ::recv(d.src->get(), scratch.data(), room, 0);
  if (n <= 0) {
    on_empty_read(d, n);
    return;
  }
  last_activity_ = ctx_.loop.now();
  d.inbox.append(scratch.data(), static_cast<size_t>(n));
  process_inspected(d);
  // The origin's answer to an upgrade changes what the client's waiting bytes are.
  if (!ended_ && &d == down_.get() && !up_->inbox.empty()) process_inspected(*up_);
}

void Tunnel::process_inspected(Direction& d) {
  while (!ended_) {
    if (d.approved == 0 && !d.inbox.empty()) {
      HttpTunnelInspector::Step step =
          &d == up_.get() ? http_->client(d.inbox) : http_->origin(d.inbox);
      if (step.kind == HttpTunnelInspector::Step::Kind::kRefuse) {
        end(End::kGateRefused, step.reason);
        return;
      }
      if (step.kind == HttpTunnelInspector::Step::Kind::kWait || step.bytes == 0) break;
      d.approved = step.bytes;
    }
    if (d.approved == 0) break;
    ssize_t sent = ::send(d.dst->get(), d.inbox.data(), d.approved, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        end(End::kReset, errno_text(d.dst_name, errno));
        return;
      }
      sent = 0;
    }
    d.inbox.erase(0, static_cast<size_t>(sent));
    d.approved -= static_cast<size_t>(sent);
    d.bytes += static_cast<uint64_t>(sent);
    if (sent > 0) last_activity_ = ctx_.loop.now();
    if (d.approved > 0) {
      d.dst_full = true;  // the rest waits in the inbox until dst is writable
      return;
    }
  }
  if (d.inbox.empty()) std::string().swap(d.inbox);  // an idle tunnel holds no buffer
}

void Tunnel::update_interest() {
  if (ended_) return;
  auto wants_read = [&](const Direction& d) {
    if (d.src_eof || d.waits_for_dst()) return false;
    if (inspected(d) && d.inbox.size() >= inbox_limit()) return false;
    return &d == down_.get() || gate_open_ || held_.size() < kGateHoldLimit;
  };
  uint32_t client_interest =
      (wants_read(*up_) ? EPOLLIN : 0u) | (down_->waits_for_dst() ? EPOLLOUT : 0u);
  uint32_t origin_interest =
      (wants_read(*down_) ? EPOLLIN : 0u) | (up_->waits_for_dst() ? EPOLLOUT : 0u);
  if (!client_.set_interest(client_interest) || !origin_.set_interest(origin_interest)) {
    end(End::kReset, errno_text("epoll", errno));
  }
}

void Tunnel::arm_timer() {
  Clock::time_point when = last_activity_ + ctx_.limits().idle_timeout;
  if (!gate_open_ && gate_deadline_ != Clock::time_point{}) when = std::min(when, gate_deadline_);
  if (timer_.armed() && timer_.when() <= when) return;  // it fires first and re-arms
  timer_.arm(when, [this] { on_timer(); });
}

void Tunnel::on_timer() {
  if (ended_) return;
  Clock::time_point now = ctx_.loop.now();
  if (!gate_open_ && gate_deadline_ != Clock::time_point{} && now >= gate_deadline_) {
    end(End::kGateTimeout, "the client's first message did not arrive within " +
                               std::to_string(ctx_.limits().header_timeout.count()) + " ms");
    return;
  }
  if (now >= last_activity_ + ctx_.limits().idle_timeout) {
    end(End::kIdle, "idle for " + std::to_string(ctx_.limits().idle_timeout.count()) + " ms");
    return;
  }
  arm_timer();
}

void Tunnel::end(End end, std::string reason) {
  if (ended_) return;
  ended_ = true;
  Outcome outcome{end, std::move(reason), up_->bytes, down_->bytes};
  if (end == End::kReset) {
    set_abortive_close(client_.get());
    set_abortive_close(origin_.get());
  }
  client_.reset();
  origin_.reset();
  for (Direction* d : {up_.get(), down_.get()}) {
    d->pending.reset();
    d->pending_begin = d->pending_end = 0;
    d->pipe = SplicePipe();
    std::string().swap(d->inbox);
    d->approved = 0;
  }
  std::string().swap(held_);
  timer_.arm(ctx_.loop.now(), [this, outcome = std::move(outcome)] {
    Done done = std::move(done_);
    if (done) done(outcome);  // may destroy *this
  });
}

}  // namespace cordon::net
