// The SOCKS5 entry point (RFC 1928 CONNECT; RFC 1929 client tokens in standalone mode).
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/client_auth.h"
#include "net/host.h"
#include "net/relay_session.h"
#include "net/socks5.h"

namespace cordon::net {
namespace {

// Greeting (<= 257 bytes), credentials (<= 513) and request (<= 262) all fit.
constexpr size_t kMaxHandshake = 1024;

std::string to_string(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

class Socks5Session final : public RelaySession {
 public:
  Socks5Session(ProxyContext& context, UniqueFd client)
      : RelaySession(context, std::move(client), EntryPoint::kSocks5, "socks5") {}

 private:
  enum class Step { kGreeting, kCredentials, kRequest, kDone };

  void begin() override {
    if (!client_.set_interest(EPOLLIN)) close_now();
  }

  void on_handshake_event(uint32_t events) override {
    if (events & EPOLLERR) {
      close_now();
      return;
    }
    if (in_.size() >= kMaxHandshake) {
      close_now();
      return;
    }
    char buffer[kMaxHandshake];
    ssize_t n = ::recv(client_.get(), buffer, kMaxHandshake - in_.size(), 0);
    if (n == 0) {
      close_now();
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) close_now();
      return;
    }
    in_.append(buffer, static_cast<size_t>(n));
    advance();
  }

  std::span<const uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t*>(in_.data()), in_.size()};
  }

  // Sends a handshake reply that does not end the session; false when the session closed.
  bool reply_now(const std::vector<uint8_t>& reply) {
    // The client waits for this reply before sending more, so the socket buffer is empty
    // and takes these few bytes at once.
    ssize_t n = ::send(client_.get(), reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n != static_cast<ssize_t>(reply.size())) {
      close_now();
      return false;
    }
    return true;
  }

  void advance() {
    while (!closed_ && step_ != Step::kDone) {
      if (step_ == Step::kGreeting) {
        socks5::Greeting greeting = socks5::parse_greeting(bytes());
        if (greeting.status == socks5::Status::kIncomplete) return;
        if (greeting.status == socks5::Status::kBad) {
          close_now();
          return;
        }
        in_.erase(0, greeting.size);
        bool need_auth = !ctx_.options.client_tokens.empty();
        if (need_auth && greeting.offers_password) {
          if (!reply_now(socks5::method_reply(0x02))) return;
          step_ = Step::kCredentials;
        } else if (!need_auth && greeting.offers_no_auth) {
          if (!reply_now(socks5::method_reply(0x00))) return;
          step_ = Step::kRequest;
        } else {
          refuse("", 0,
                 Decision{false, "",
                          need_auth ? "proxy authentication required (username/password)"
                                    : "no acceptable SOCKS5 authentication method"},
                 to_string(socks5::method_reply(0xff)));
          return;
        }
      } else if (step_ == Step::kCredentials) {
        socks5::Credentials credentials = socks5::parse_credentials(bytes());
        if (credentials.status == socks5::Status::kIncomplete) return;
        std::optional<std::string> name;
        if (credentials.status == socks5::Status::kComplete) {
          name = authenticate_username_password(ctx_.options.client_tokens, credentials.username,
                                                credentials.password);
        }
        if (!name) {
          refuse("", 0, Decision{false, "", "proxy authentication failed"},
                 to_string(socks5::credentials_reply(false)));
          return;
        }
        in_.erase(0, credentials.size);
        client_name_ = *name;
        if (!reply_now(socks5::credentials_reply(true))) return;
        step_ = Step::kRequest;
      } else if (step_ == Step::kRequest) {
        socks5::Request request = socks5::parse_request(bytes());
        if (request.status == socks5::Status::kIncomplete) return;
        step_ = Step::kDone;
        if (request.status == socks5::Status::kBad) {
          refuse(request.host, request.port,
                 Decision{false, "", "malformed SOCKS5 request: " + request.error},
                 to_string(socks5::reply(socks5::kNotAllowedByRuleset)));
          return;
        }
        in_.erase(0, request.size);
        on_request(request);
        return;
      }
    }
  }

  void on_request(const socks5::Request& request) {
    if (request.command != 1) {
      const char* what = request.command == 2   ? "BIND"
                         : request.command == 3 ? "UDP ASSOCIATE"
                                                : "an unknown command";
      refuse(
          request.host, request.port,
          Decision{false, "", std::string("SOCKS5 ") + what + " is not supported (CONNECT only)"},
          to_string(socks5::reply(socks5::kCommandNotSupported)));
      return;
    }
    auto host = canonicalize_host(request.host, /*allow_bare_ipv6=*/request.host_is_address);
    if (!host.ok()) {
      refuse(request.host, request.port, Decision{false, "", host.error().message()},
             to_string(socks5::reply(socks5::kNotAllowedByRuleset)));
      return;
    }
    Target target;
    target.host_text = request.host;
    target.port = request.port;
    target.host = std::move(*host);
    // A client that resolved through the box's DNS stub asks for the synthetic address; it
    // stands for the name it was handed out for.
    if (target.host.literal && in_synthetic_range(*target.host.literal)) {
      auto name = ctx_.names.name_for(*target.host.literal);
      if (!name) {
        refuse(target.host.name, target.port,
               Decision{false, "",
                        target.host.name + " is a synthetic address cordon never handed out"},
               to_string(socks5::reply(socks5::kNotAllowedByRuleset)));
        return;
      }
      target.host = CanonicalHost{*name, std::nullopt};
    }
    SniPolicy sni;
    sni.must_equal = target.host.name;
    sni.must_equal_label = "SOCKS5 host";
    sni.port = target.port;
    target.sni = sni;
    std::string early = std::move(in_);
    connect(std::move(target), std::move(early));
  }

  std::string refusal_bytes() override {
    return to_string(socks5::reply(socks5::kNotAllowedByRuleset));
  }

  std::string failure_bytes(const DialResult& result) override {
    using Status = DialResult::Status;
    socks5::Reply code = socks5::kGeneralFailure;
    if (result.status == Status::kResolveFailed || result.status == Status::kTimedOut) {
      code = socks5::kHostUnreachable;
    } else if (result.status == Status::kConnectFailed) {
      switch (result.sys_errno) {
        case ECONNREFUSED:
          code = socks5::kConnectionRefused;
          break;
        case ENETUNREACH:
          code = socks5::kNetworkUnreachable;
          break;
        case EHOSTUNREACH:
          code = socks5::kHostUnreachable;
          break;
        default:
          code = socks5::kGeneralFailure;
      }
    }
    return to_string(socks5::reply(code));
  }

  std::string success_bytes() override { return to_string(socks5::reply(socks5::kSucceeded)); }

  Step step_ = Step::kGreeting;
  std::string in_;
};

}  // namespace

std::unique_ptr<Session> make_socks5_session(ProxyContext& context, UniqueFd client) {
  return std::make_unique<Socks5Session>(context, std::move(client));
}

}  // namespace cordon::net
