// The HTTP proxy entry point: forward requests (absolute-form, kept alive, each request decided
// anew on its URI authority) and CONNECT tunnels (decided, dialled, then SNI-checked).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "base/log.h"
#include "net/client_auth.h"
#include "net/dial.h"
#include "net/host.h"
#include "net/http_message.h"
#include "net/proxy_context.h"
#include "net/proxy_responses.h"
#include "net/sni_gate.h"
#include "net/tunnel.h"

namespace cordon::net {
namespace {

// How long a refused or finished connection waits for the client to read the last response
// and close, so the close does not reset it before the client has read it.
constexpr std::chrono::milliseconds kLinger{2'000};

class HttpSession final : public Session {
 public:
  HttpSession(ProxyContext& context, UniqueFd client)
      : Session(context), client_(context.loop, std::move(client)), timer_(context.loop) {}

  void start() override {
    last_activity_ = ctx_.loop.now();
    head_deadline_ = last_activity_ + ctx_.limits().header_timeout;
    if (!client_.watch([this](uint32_t events) { on_client(events); })) {
      close_session("epoll: " + std::string(std::strerror(errno)));
      return;
    }
    arm_timer();
    update_interest();
  }

  void abort() override {
    if (tunnel_) {
      Tunnel::Outcome outcome = tunnel_->abort();
      if (record_) outcome.complete(*record_);
    }
    report_open_record("proxy stopping");
    dial_.reset();
    tunnel_.reset();
    origin_.reset();
    client_.reset();
    timer_.cancel();
    closed_ = true;
  }

 private:
  enum class State {
    kHead,      // reading a request head
    kDialing,   // resolving and connecting for the current request
    kExchange,  // relaying one request and its response
    kTunnel,    // CONNECT: the tunnel owns both sockets
    kClosing,   // writing a last response, then waiting for the client to close
  };

  // ---- events ----

  void on_client(uint32_t events) {
    if (closed_) return;
    if (events & EPOLLERR) {
      client_failed(socket_error(client_.get()));
      return;
    }
    if (events & EPOLLOUT || ((events & EPOLLHUP) && !to_client_.empty())) {
      if (!flush_client()) return;
    }
    if (events & (EPOLLIN | EPOLLHUP)) {
      if (!read_client()) return;
    }
    process();
  }

  void on_origin(uint32_t events) {
    if (closed_) return;
    if (events & EPOLLERR) {
      origin_failed(socket_error(origin_.get()));
      return;
    }
    if (events & EPOLLOUT || ((events & EPOLLHUP) && !to_origin_.empty())) {
      if (!flush_origin()) return;
    }
    if (events & (EPOLLIN | EPOLLHUP)) {
      if (!read_origin()) return;
    }
    process();
  }

  static int socket_error(int fd) {
    int err = 0;
    socklen_t length = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length);
    return err == 0 ? ECONNRESET : err;
  }

  // ---- socket I/O; each returns false when the session closed ----

  size_t client_read_limit() const {
    switch (state_) {
      case State::kHead:
        return ctx_.limits().max_head_bytes + 1;  // one byte more: the parser says "too large"
      case State::kExchange:
        return req_done_ ? 0 : ctx_.scratch.buffer_bytes();
      case State::kClosing:
        return SIZE_MAX;  // read and discard
      default:
        return 0;
    }
  }

  bool read_client() {
    size_t limit = client_read_limit();
    if (client_eof_ || in_.size() >= limit) return true;
    std::span<char> scratch = ctx_.scratch.get();
    size_t want = std::min(scratch.size(), limit - in_.size());
    ssize_t n = ::recv(client_.get(), scratch.data(), want, 0);
    if (n > 0) {
      last_activity_ = ctx_.loop.now();
      if (state_ == State::kClosing) return true;  // discarded
      if (state_ == State::kHead && in_.empty() && !head_deadline_) {
        head_deadline_ = last_activity_ + ctx_.limits().header_timeout;
        arm_timer();
      }
      in_.append(scratch.data(), static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      client_eof_ = true;
      return true;
    }
    if (errno == EAGAIN || errno == EINTR) return true;
    client_failed(errno);
    return false;
  }

  // How much may be read from the origin now: a head up to max_head_bytes, a body only while
  // the client has taken what came before, and nothing while the client lags a buffer behind
  // (interim 1xx heads included), so an origin cannot grow the session's memory.
  size_t origin_read_room() const {
    if (state_ != State::kExchange || origin_eof_ || resp_done_) return 0;
    if (to_client_.size() >= ctx_.scratch.buffer_bytes()) return 0;
    size_t limit = resp_head_done_ ? ctx_.scratch.buffer_bytes() : ctx_.limits().max_head_bytes + 1;
    size_t used = from_origin_.size() + (resp_head_done_ ? to_client_.size() : 0);
    return used >= limit ? 0 : limit - used;
  }

  bool read_origin() {
    size_t room = origin_read_room();
    if (room == 0) return true;
    std::span<char> scratch = ctx_.scratch.get();
    ssize_t n = ::recv(origin_.get(), scratch.data(), std::min(scratch.size(), room), 0);
    if (n > 0) {
      last_activity_ = ctx_.loop.now();
      from_origin_.append(scratch.data(), static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      origin_eof_ = true;
      return true;
    }
    if (errno == EAGAIN || errno == EINTR) return true;
    origin_failed(errno);
    return false;
  }

  bool flush_client() {
    while (!to_client_.empty()) {
      ssize_t n =
          ::send(client_.get(), to_client_.data(), to_client_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        last_activity_ = ctx_.loop.now();
        to_client_.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      client_failed(n < 0 ? errno : EPIPE);
      return false;
    }
    std::string().swap(to_client_);  // no buffer while nothing waits
    return true;
  }

  bool flush_origin() {
    while (!to_origin_.empty()) {
      ssize_t n =
          ::send(origin_.get(), to_origin_.data(), to_origin_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        last_activity_ = ctx_.loop.now();
        to_origin_.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      origin_failed(n < 0 ? errno : EPIPE);
      return false;
    }
    std::string().swap(to_origin_);
    return true;
  }

  void update_interest() {
    if (closed_ || state_ == State::kTunnel) return;
    size_t limit = client_read_limit();
    bool want_client = !client_eof_ && in_.size() < limit;
    uint32_t client_interest = (want_client ? EPOLLIN : 0u) | (to_client_.empty() ? 0u : EPOLLOUT);
    if (!client_.set_interest(client_interest)) {
      close_session("epoll: " + std::string(std::strerror(errno)));
      return;
    }
    if (origin_.valid()) {
      bool want_origin = origin_read_room() > 0;
      uint32_t origin_interest =
          (want_origin ? EPOLLIN : 0u) | (to_origin_.empty() ? 0u : EPOLLOUT);
      if (!origin_.set_interest(origin_interest)) {
        close_session("epoll: " + std::string(std::strerror(errno)));
      }
    }
  }

  // ---- the state machine ----

  void process() {
    for (;;) {
      if (closed_) return;
      State before = state_;
      if (state_ == State::kHead) {
        step_head();
      } else if (state_ == State::kExchange) {
        step_exchange();
      } else if (state_ == State::kClosing) {
        step_closing();
      }
      if (closed_) return;
      if (state_ == before) break;
    }
    update_interest();
  }

  void step_head() {
    if (in_.empty()) {
      if (client_eof_) close_session("");
      return;
    }
    RequestParse parse = parse_request_head(in_, ctx_.limits().max_head_bytes);
    if (parse.status == ParseStatus::kIncomplete) {
      if (client_eof_) close_session("");  // a partial head and nothing more coming
      return;
    }
    head_deadline_.reset();
    if (parse.status == ParseStatus::kBad) {
      DecisionRecord record = new_record("http", "", 0);
      record.reason = "bad request: " + parse.error;
      ctx_.report(record);
      respond_and_close(bad_request_response(parse.error));
      return;
    }
    in_.erase(0, parse.head.head_size);
    on_request(std::move(parse.head));
  }

  void on_request(RequestHead head) {
    req_ = std::move(head);
    const char* protocol = req_.connect ? "connect" : "http";

    if (!ctx_.options.client_tokens.empty()) {
      auto value = find_header(req_.headers, "Proxy-Authorization");
      std::optional<std::string> name;
      if (value) name = authenticate_proxy_authorization(ctx_.options.client_tokens, *value);
      if (!name) {
        DecisionRecord record = new_record(protocol, req_.authority, 0);
        record.reason = "proxy authentication required";
        ctx_.report(record);
        respond_and_close(proxy_auth_required_response());
        return;
      }
      client_name_ = *name;
    }

    auto authority = split_authority(req_.authority, req_.default_port);
    if (!authority.ok()) {
      DecisionRecord record = new_record(protocol, req_.authority, 0);
      record.reason = authority.error().message();
      ctx_.report(record);
      respond_and_close(bad_request_response(authority.error().message()));
      return;
    }
    port_ = authority->port;
    // split_authority took the brackets off an IPv6 literal.
    auto host = canonicalize_host(authority->host, /*allow_bare_ipv6=*/true);
    if (!host.ok()) {
      refuse(protocol, authority->host, Decision{false, "", host.error().message()});
      return;
    }
    host_ = std::move(*host);
    Decision decision = ctx_.rules.decide(host_, port_);
    if (!decision.allowed) {
      refuse(protocol, host_.name, decision);
      return;
    }
    record_ = new_record(protocol, host_.name, port_);
    record_->allowed = true;
    record_->rule = decision.rule;
    record_->reason = decision.reason;

    state_ = State::kDialing;
    Dial::Reuse reuse;
    if (req_.connect) {
      origin_.reset();  // a tunnel gets its own connection
    } else {
      reuse = [this](const Endpoint& endpoint) { return can_reuse_origin(endpoint); };
    }
    dial_ = std::make_unique<Dial>(
        ctx_, host_, port_, [this](DialResult result) { on_dialed(std::move(result)); },
        std::move(reuse));
    dial_->start();
  }

  bool can_reuse_origin(const Endpoint& endpoint) {
    if (!origin_.valid() || !origin_endpoint_) return false;
    if (origin_name_ != host_.name || origin_endpoint_->port != endpoint.port ||
        !(origin_endpoint_->address == endpoint.address)) {
      return false;
    }
    // An origin that closed its idle connection shows EOF (or an error) here; an open one
    // has nothing to say between responses.
    char byte;
    ssize_t n = ::recv(origin_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    origin_.reset();
    return false;
  }

  void on_dialed(DialResult result) {
    dial_.reset();
    if (closed_) return;
    using Status = DialResult::Status;
    if (result.endpoint) record_->address = result.endpoint->address.to_string();
    switch (result.status) {
      case Status::kRefused: {
        DecisionRecord record = *record_;
        record_.reset();
        record.allowed = false;
        record.rule = result.refusal.rule;
        record.reason = result.refusal.reason;
        record.address.clear();
        ctx_.report(record);
        respond_and_close(denied_response(host_.name, port_, record.rule, record.reason));
        return;
      }
      case Status::kResolveFailed:
      case Status::kConnectFailed:
      case Status::kTimedOut: {
        std::string why = describe_dial_failure(result);
        record_->reason = record_->reason + "; upstream failed: " + why;
        report_open_record("");
        int status = result.status == Status::kTimedOut ? 504 : 502;
        respond_and_close(gateway_error_response(status, why));
        return;
      }
      case Status::kConnected:
        origin_ = WatchedFd(ctx_.loop, std::move(result.fd));
        origin_endpoint_ = result.endpoint;
        origin_name_ = host_.name;
        origin_eof_ = false;
        if (!req_.connect && !origin_.watch([this](uint32_t events) { on_origin(events); })) {
          origin_failed(errno);
          return;
        }
        break;
      case Status::kReused:
        break;
    }
    if (req_.connect) {
      start_tunnel();
    } else {
      begin_exchange();
    }
  }

  void start_tunnel() {
    state_ = State::kTunnel;
    timer_.cancel();
    SniPolicy policy;
    policy.must_equal = host_.name;
    policy.must_equal_label = "CONNECT host";
    policy.port = port_;
    std::string early = std::move(in_);  // bytes the client sent after its CONNECT head
    in_.clear();
    tunnel_ = std::make_unique<Tunnel>(ctx_, client_.release(), origin_.release());
    tunnel_->start(std::move(early), connect_established_response(),
                   make_sni_gate(std::move(policy), ctx_.limits().max_head_bytes),
                   [this](const Tunnel::Outcome& outcome) { on_tunnel_done(outcome); });
  }

  void on_tunnel_done(const Tunnel::Outcome& outcome) {
    if (record_) outcome.complete(*record_);
    report_open_record("");
    close_session("");
  }

  void begin_exchange() {
    state_ = State::kExchange;
    std::string head = upstream_request_head(req_, req_.keep_alive);
    record_->bytes_up += head.size();
    to_origin_ += head;
    req_done_ = false;
    req_left_ = 0;
    req_chunks_ = ChunkedBodyScanner();
    if (req_.chunked) {
      // the scanner finds the end
    } else if (req_.content_length && *req_.content_length > 0) {
      req_left_ = *req_.content_length;
    } else {
      req_done_ = true;
    }
    resp_head_done_ = false;
    resp_done_ = false;
    resp_started_ = false;
    resp_chunks_ = ChunkedBodyScanner();
    resp_left_ = 0;
    from_origin_.clear();
    if (!flush_origin()) return;
    process();
  }

  void step_exchange() {
    move_request_body();
    if (closed_) return;
    if (!to_origin_.empty() && !flush_origin()) return;
    move_response();
    if (closed_ || state_ != State::kExchange) return;
    if (!to_client_.empty() && !flush_client()) return;

    if (!req_done_ && client_eof_ && in_.empty() && !resp_done_) {
      // The client went away in the middle of its request body.
      record_->reason += "; the client closed the connection inside the request body";
      report_open_record("");
      close_session("");
      return;
    }
    if (resp_done_ && to_client_.empty()) finish_exchange();
  }

  void move_request_body() {
    while (!req_done_ && !in_.empty()) {
      size_t room = ctx_.scratch.buffer_bytes() > to_origin_.size()
                        ? ctx_.scratch.buffer_bytes() - to_origin_.size()
                        : 0;
      if (room == 0) return;
      size_t take = std::min(in_.size(), room);
      if (req_.chunked) {
        long used = req_chunks_.consume(std::string_view(in_).substr(0, take));
        if (used < 0) {
          record_->reason += "; malformed chunked request body";
          report_open_record("");
          if (!resp_started_) {
            respond_and_close(bad_request_response("malformed chunked request body"));
          } else {
            close_session("");
          }
          return;
        }
        take = static_cast<size_t>(used);
        if (req_chunks_.done()) req_done_ = true;
      } else {
        take = static_cast<size_t>(std::min<uint64_t>(take, req_left_));
        req_left_ -= take;
        if (req_left_ == 0) req_done_ = true;
      }
      to_origin_.append(in_, 0, take);
      in_.erase(0, take);
      record_->bytes_up += take;
    }
    if (in_.empty()) std::string().swap(in_);
  }

  void move_response() {
    while (!resp_head_done_) {
      if (to_client_.size() >= ctx_.scratch.buffer_bytes()) return;  // interim heads pile up
      if (from_origin_.empty()) {
        if (origin_eof_) origin_gone("the origin closed the connection without a response");
        return;
      }
      ResponseParse parse =
          parse_response_head(from_origin_, req_.method, ctx_.limits().max_head_bytes);
      if (parse.status == ParseStatus::kIncomplete) {
        if (origin_eof_) origin_gone("the origin closed the connection inside its response head");
        return;
      }
      if (parse.status == ParseStatus::kBad) {
        origin_gone("malformed response from the origin: " + parse.error);
        return;
      }
      const ResponseHead& head = parse.head;
      if (head.status == 101) {
        origin_gone("the origin switched protocols, which this proxy does not relay");
        return;
      }
      to_client_.append(from_origin_, 0, head.head_size);
      record_->bytes_down += head.head_size;
      from_origin_.erase(0, head.head_size);
      resp_started_ = true;
      if (head.status >= 100 && head.status < 200) continue;  // interim (100 Continue): next head
      resp_ = head;
      resp_head_done_ = true;
      switch (resp_.framing) {
        case BodyFraming::kNone:
          resp_done_ = true;
          break;
        case BodyFraming::kContentLength:
          resp_left_ = resp_.content_length;
          resp_done_ = resp_left_ == 0;
          break;
        case BodyFraming::kChunked:
        case BodyFraming::kUntilClose:
          break;
      }
    }
    while (!resp_done_ && !from_origin_.empty()) {
      size_t room = ctx_.scratch.buffer_bytes() > to_client_.size()
                        ? ctx_.scratch.buffer_bytes() - to_client_.size()
                        : 0;
      if (room == 0) break;
      size_t take = std::min(from_origin_.size(), room);
      if (resp_.framing == BodyFraming::kChunked) {
        long used = resp_chunks_.consume(std::string_view(from_origin_).substr(0, take));
        if (used < 0) {
          record_->reason += "; malformed chunked response body";
          report_open_record("");
          close_session("", /*reset_client=*/true);
          return;
        }
        take = static_cast<size_t>(used);
        if (resp_chunks_.done()) resp_done_ = true;
      } else if (resp_.framing == BodyFraming::kContentLength) {
        take = static_cast<size_t>(std::min<uint64_t>(take, resp_left_));
        resp_left_ -= take;
        if (resp_left_ == 0) resp_done_ = true;
      }
      to_client_.append(from_origin_, 0, take);
      from_origin_.erase(0, take);
      record_->bytes_down += take;
    }
    if (!resp_done_ && from_origin_.empty() && origin_eof_) {
      if (resp_.framing == BodyFraming::kUntilClose) {
        resp_done_ = true;  // the close is the end
      } else {
        // Truncated: the client must see a broken response, not a short one that looks whole.
        record_->reason += "; the origin closed the connection inside the response body";
        flush_client();
        report_open_record("");
        close_session("", /*reset_client=*/true);
        return;
      }
    }
    if (from_origin_.empty()) std::string().swap(from_origin_);
  }

  // The origin failed before or during the response head.
  void origin_gone(const std::string& why) {
    origin_.reset();
    if (record_) {
      record_->reason += "; upstream failed: " + why;
      report_open_record("");
    }
    if (!resp_started_) {
      respond_and_close(gateway_error_response(502, why));
    } else {
      close_session("", /*reset_client=*/true);
    }
  }

  void finish_exchange() {
    bool response_delimited = resp_.framing != BodyFraming::kUntilClose;
    bool client_keep = req_.keep_alive && response_delimited && req_done_ && !client_eof_;
    bool origin_keep = req_.keep_alive && resp_.keep_alive && response_delimited &&
                       from_origin_.empty() && !origin_eof_ && req_done_;
    report_open_record("");
    if (!origin_keep) {
      origin_.reset();
      origin_endpoint_.reset();
    }
    if (!client_keep) {
      graceful_close();
      return;
    }
    state_ = State::kHead;
    if (!in_.empty()) {
      head_deadline_ = ctx_.loop.now() + ctx_.limits().header_timeout;
      arm_timer();
    }
  }

  // ---- refusals and endings ----

  DecisionRecord new_record(const char* protocol, const std::string& host, uint16_t port) const {
    DecisionRecord record;
    record.entry = EntryPoint::kHttp;
    record.protocol = protocol;
    record.host = host;
    record.port = port;
    record.client = client_name_;
    return record;
  }

  void refuse(const char* protocol, const std::string& host, const Decision& decision) {
    DecisionRecord record = new_record(protocol, host, port_);
    record.rule = decision.rule;
    record.reason = decision.reason;
    ctx_.report(record);
    respond_and_close(denied_response(host, port_, decision.rule, decision.reason));
  }

  void report_open_record(const std::string& extra_reason) {
    if (!record_) return;
    if (!extra_reason.empty()) record_->reason += "; " + extra_reason;
    DecisionRecord record = std::move(*record_);
    record_.reset();
    ctx_.report(record);
  }

  // Sends `response` (a refusal or an error, all with Connection: close) and closes.
  void respond_and_close(std::string response) {
    dial_.reset();
    origin_.reset();
    to_origin_.clear();
    to_client_ += response;
    graceful_close();
  }

  void graceful_close() {
    state_ = State::kClosing;
    std::string().swap(in_);
    linger_deadline_ = ctx_.loop.now() + kLinger;
    arm_timer();
    if (!flush_client()) return;
    process();
  }

  void step_closing() {
    in_.clear();
    if (!to_client_.empty()) return;
    if (!shut_) {
      ::shutdown(client_.get(), SHUT_WR);
      shut_ = true;
    }
    if (client_eof_) close_session("");
  }

  void client_failed(int err) {
    if (record_) record_->reason += "; client: " + std::string(std::strerror(err));
    report_open_record("");
    close_session("");
  }

  void origin_failed(int err) {
    std::string why = std::string("origin: ") + std::strerror(err);
    if (state_ == State::kExchange && !resp_started_) {
      origin_gone(why);
      return;
    }
    if (record_) record_->reason += "; " + why;
    report_open_record("");
    close_session("", /*reset_client=*/true);
  }

  void close_session(const std::string& why, bool reset_client = false) {
    if (closed_) return;
    if (!why.empty()) log::debug("http session: " + why);
    report_open_record("");
    closed_ = true;
    if (reset_client && client_.valid()) {
      linger lin{1, 0};
      ::setsockopt(client_.get(), SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
    }
    dial_.reset();
    client_.reset();
    origin_.reset();
    timer_.cancel();
    ctx_.release(this);  // tunnel_ goes with the session, after this event
  }

  // ---- timers ----

  void arm_timer() {
    if (closed_ || state_ == State::kTunnel) return;
    Clock::time_point when = last_activity_ + ctx_.limits().idle_timeout;
    if (head_deadline_) when = std::min(when, *head_deadline_);
    if (state_ == State::kClosing) when = std::min(when, linger_deadline_);
    if (timer_.armed() && timer_.when() <= when) return;
    timer_.arm(when, [this] { on_timer(); });
  }

  void on_timer() {
    if (closed_ || state_ == State::kTunnel) return;
    Clock::time_point now = ctx_.loop.now();
    if (state_ == State::kClosing) {
      if (now >= linger_deadline_) {
        close_session("");
        return;
      }
    } else if (head_deadline_ && now >= *head_deadline_ && state_ == State::kHead) {
      head_deadline_.reset();
      if (in_.empty()) {
        close_session("");  // nothing asked: nothing to answer
      } else {
        respond_and_close(simple_http_response(
            408, "Request Timeout",
            "cordon: the request head did not arrive within " +
                std::to_string(ctx_.limits().header_timeout.count()) + " ms\n"));
      }
      return;
    } else if (now >= last_activity_ + ctx_.limits().idle_timeout) {
      std::string why =
          "no byte either way for " + std::to_string(ctx_.limits().idle_timeout.count()) + " ms";
      if ((state_ == State::kExchange || state_ == State::kDialing) && !resp_started_) {
        if (record_) record_->reason += "; upstream failed: " + why;
        report_open_record("");
        respond_and_close(gateway_error_response(504, "the origin did not answer: " + why));
      } else {
        if (record_) record_->reason += "; " + why;
        close_session("");
      }
      return;
    }
    arm_timer();
  }

  WatchedFd client_;
  WatchedFd origin_;
  std::optional<Endpoint> origin_endpoint_;
  std::string origin_name_;
  State state_ = State::kHead;
  bool closed_ = false;
  bool shut_ = false;
  bool client_eof_ = false;
  bool origin_eof_ = false;

  std::string in_;           // from the client, not consumed yet (head, body, next request)
  std::string to_origin_;    // request head and body bytes the origin has not taken yet
  std::string from_origin_;  // from the origin, not yet framed
  std::string to_client_;    // response bytes the client has not taken yet

  RequestHead req_;
  CanonicalHost host_;
  uint16_t port_ = 0;
  std::string client_name_;
  std::optional<DecisionRecord> record_;  // the current request's, until it is final
  bool req_done_ = false;
  uint64_t req_left_ = 0;
  ChunkedBodyScanner req_chunks_;
  bool resp_head_done_ = false;
  bool resp_done_ = false;
  bool resp_started_ = false;  // a byte of this response went to the client
  ResponseHead resp_;
  uint64_t resp_left_ = 0;
  ChunkedBodyScanner resp_chunks_;

  std::unique_ptr<Dial> dial_;
  std::unique_ptr<Tunnel> tunnel_;
  TimerSlot timer_;
  Clock::time_point last_activity_{};
  std::optional<Clock::time_point> head_deadline_;
  Clock::time_point linger_deadline_{};
};

}  // namespace

std::unique_ptr<Session> make_http_session(ProxyContext& context, UniqueFd client) {
  return std::make_unique<HttpSession>(context, std::move(client));
}

}  // namespace cordon::net
