// Decide, dial, relay: the shared tail of the SOCKS5, transparent and forward sessions.
#include "net/relay_session.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace cordon::net {
namespace {
constexpr std::chrono::milliseconds kCloseLinger{2'000};
}

RelaySession::RelaySession(ProxyContext& context, UniqueFd client, EntryPoint entry,
                           std::string protocol)
    : Session(context),
      client_(context.loop, std::move(client)),
      entry_(entry),
      protocol_(std::move(protocol)),
      timer_(context.loop) {}

void RelaySession::start() {
  if (!client_.watch([this](uint32_t events) { on_client(events); })) {
    close_now();
    return;
  }
  deadline_ = ctx_.loop.now() + ctx_.limits().header_timeout;
  arm_timer();
  begin();
}

void RelaySession::abort() {
  if (tunnel_ && record_) tunnel_->abort().complete(*record_);
  if (record_) {
    record_->reason += "; proxy stopping";
    ctx_.report(*record_);
    record_.reset();
  }
  dial_.reset();
  tunnel_.reset();
  client_.reset();
  timer_.cancel();
  closed_ = true;
}

void RelaySession::on_client(uint32_t events) {
  if (closed_) return;
  if (state_ == State::kHandshake) {
    on_handshake_event(events);
  } else if (state_ == State::kClosing) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      close_now();
      return;
    }
    flush_closing();
  }
}

DecisionRecord RelaySession::new_record(const std::string& host, uint16_t port) const {
  DecisionRecord record;
  record.entry = entry_;
  record.protocol = protocol_;
  record.host = host;
  record.port = port;
  record.client = client_name_;
  return record;
}

void RelaySession::refuse(const std::string& host, uint16_t port, const Decision& decision,
                          std::string bytes) {
  DecisionRecord record = new_record(host, port);
  record.allowed = false;
  record.rule = decision.rule;
  record.reason = decision.reason;
  ctx_.report(record);
  send_and_close(std::move(bytes));
}

void RelaySession::connect(Target target, std::string early) {
  target_ = std::move(target);
  early_ = std::move(early);
  // Whatever the client sends next waits in the kernel until the tunnel reads it; a level-
  // triggered watch on it now would wake the loop for nothing until then.
  if (!client_.set_interest(0)) {
    close_now();
    return;
  }
  Decision decision = ctx_.rules.decide(target_.host, target_.port);
  if (!decision.allowed) {
    refuse(target_.host.name, target_.port, decision, refusal_bytes());
    return;
  }
  record_ = new_record(target_.host.name, target_.port);
  record_->allowed = true;
  record_->rule = decision.rule;
  record_->reason = decision.reason;
  state_ = State::kDialing;
  // connect_timeout bounds the connect; this bounds a slow resolver too.
  deadline_ = ctx_.loop.now() + ctx_.limits().connect_timeout + ctx_.limits().idle_timeout;
  arm_timer();
  dial_ = std::make_unique<Dial>(ctx_, target_.host, target_.port,
                                 [this](DialResult result) { on_dialed(std::move(result)); });
  dial_->start();
}

void RelaySession::on_dialed(DialResult result) {
  dial_.reset();
  if (closed_) return;
  using Status = DialResult::Status;
  if (result.endpoint) record_->address = result.endpoint->address.to_string();
  switch (result.status) {
    case Status::kRefused: {
      DecisionRecord record = std::move(*record_);
      record_.reset();
      record.allowed = false;
      record.address.clear();
      record.rule = result.refusal.rule;
      record.reason = result.refusal.reason;
      ctx_.report(record);
      send_and_close(refusal_bytes());
      return;
    }
    case Status::kResolveFailed:
    case Status::kConnectFailed:
    case Status::kTimedOut:
      record_->reason += "; upstream failed: " + describe_dial_failure(result);
      ctx_.report(*record_);
      record_.reset();
      send_and_close(failure_bytes(result));
      return;
    case Status::kConnected:
    case Status::kReused:
      break;
  }
  state_ = State::kTunnel;
  timer_.cancel();
  Gate gate;
  if (target_.sni) gate = make_sni_gate(*target_.sni, ctx_.limits().max_head_bytes);
  tunnel_ = std::make_unique<Tunnel>(ctx_, client_.release(), std::move(result.fd));
  tunnel_->start(std::move(early_), success_bytes(), std::move(gate),
                 [this](const Tunnel::Outcome& outcome) { on_tunnel_done(outcome); });
}

void RelaySession::on_tunnel_done(const Tunnel::Outcome& outcome) {
  if (record_) {
    outcome.complete(*record_);
    ctx_.report(*record_);
    record_.reset();
  }
  close_now();
}

void RelaySession::send_and_close(std::string bytes) {
  dial_.reset();
  state_ = State::kClosing;
  closing_bytes_ = std::move(bytes);
  deadline_ = ctx_.loop.now() + kCloseLinger;
  arm_timer();
  flush_closing();
}

void RelaySession::flush_closing() {
  while (!closing_bytes_.empty()) {
    ssize_t n = ::send(client_.get(), closing_bytes_.data(), closing_bytes_.size(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      closing_bytes_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!client_.set_interest(EPOLLOUT)) close_now();
      return;
    }
    break;  // the client is gone
  }
  if (client_.valid()) ::shutdown(client_.get(), SHUT_WR);
  close_now();
}

void RelaySession::close_now() {
  if (closed_) return;
  closed_ = true;
  if (record_) {
    ctx_.report(*record_);
    record_.reset();
  }
  dial_.reset();
  client_.reset();
  timer_.cancel();
  ctx_.release(this);
}

void RelaySession::arm_timer() {
  if (timer_.armed() && timer_.when() <= deadline_) return;
  timer_.arm(deadline_, [this] { on_timer(); });
}

void RelaySession::on_timer() {
  if (closed_ || state_ == State::kTunnel) return;
  if (ctx_.loop.now() < deadline_) {
    arm_timer();
    return;
  }
  if (state_ == State::kDialing && record_) {
    DialResult timeout;
    timeout.status = DialResult::Status::kTimedOut;
    timeout.message = "no answer from the resolver or the origin in time";
    record_->reason += "; upstream failed: " + timeout.message;
    ctx_.report(*record_);
    record_.reset();
    send_and_close(failure_bytes(timeout));
    return;
  }
  close_now();
}

bool in_synthetic_range(const IpAddress& address) {
  return address.is_v4() && address.bytes[0] == 198 && (address.bytes[1] & 0xfe) == 18;
}

}  // namespace cordon::net
