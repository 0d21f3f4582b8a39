// The review web page's HTTP server thread: tokens, Host and Origin checks, the API and SSE.
#include "review/web_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <list>
#include <map>
#include <mutex>

#include "base/files.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "net/http_syntax.h"
#include "review/channel_thread.h"
#include "review/control_protocol.h"
#include "review/web_request.h"

namespace cordon::review {
namespace {

using SteadyClock = std::chrono::steady_clock;
namespace hs = net::http_syntax;

constexpr size_t kMaxConnections = 64;
constexpr size_t kMaxPendingOutput = 1 << 20;
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr auto kHeartbeat = std::chrono::seconds(15);

struct Connection {
  UniqueFd fd;
  std::string in;
  std::string out;
  bool events = false;   // a Server-Sent Events stream: kept open, fed on every change
  bool closing = false;  // close once `out` is written
  SteadyClock::time_point opened = SteadyClock::now();
  SteadyClock::time_point last_write = SteadyClock::now();
};

bool valid_reviewer_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == '@')) {
      return false;
    }
  }
  return true;
}

// Same time whatever the contents, for tokens of the same length (a token's length is public).
bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

const char* status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 421:
      return "Misdirected Request";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// Headers every response carries: nothing is cached, sniffed, framed or sent as a referrer.
constexpr const char* kCommonHeaders =
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Cross-Origin-Resource-Policy: same-origin\r\n"
    "Connection: close\r\n";

std::string response(int status, std::string_view content_type, std::string_view body,
                     std::string_view extra_headers = "") {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) + "\r\n";
  out += "Server: cordon-review\r\n";  // verify's probe knows the page by it
  out += kCommonHeaders;
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

std::string json_response(int status, const nlohmann::json& body) {
  return response(status, "application/json", json_line(body));
}

std::string error_response(int status, const std::string& message) {
  return json_response(status, {{"ok", false}, {"error", message}});
}

}  // namespace

struct WebServer::Impl {
  ReviewQueue& queue;
  UniqueFd listener;
  uint16_t port = 0;
  std::string host;    // "127.0.0.1:PORT"
  std::string origin;  // "http://127.0.0.1:PORT"
  std::unique_ptr<ChannelThread> channel;
  std::list<Connection> connections;

  std::mutex tokens_mu;
  std::map<std::string, std::string> tokens;  // reviewer name -> token

  explicit Impl(ReviewQueue& q) : queue(q) {}

  // The reviewer a token belongs to; every token is compared, so timing tells nothing.
  std::optional<std::string> reviewer_for(std::string_view token) {
    std::lock_guard lock(tokens_mu);
    std::optional<std::string> found;
    for (const auto& [name, known] : tokens) {
      if (equal_constant_time(token, known) && !found) found = "web:" + name;
    }
    return found;
  }

  Result<void> listen_on(uint16_t wanted) {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener) return Error::system("socket(AF_INET)");
    const int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(wanted);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return Error::system("bind 127.0.0.1:" + std::to_string(wanted));
    }
    if (::listen(listener.get(), 32) != 0) return Error::system("listen");
    socklen_t len = sizeof addr;
    if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return Error::system("getsockname");
    }
    port = ntohs(addr.sin_port);
    host = "127.0.0.1:" + std::to_string(port);
    origin = "http://" + host;
    return Ok{};
  }

  std::string items_body(const std::string& reviewer) {
    return json_line({{"ok", true},
                      {"reviewer", reviewer},
                      {"session", queue.session_id()},
                      {"items", items_json(queue.pending())}});
  }

  std::string event_message() {
    nlohmann::json j{{"session", queue.session_id()}, {"items", items_json(queue.pending())}};
    return "data: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
  }

  std::string page(const std::string& token) {
    if (!reviewer_for(token)) {
      return response(403, "text/plain; charset=utf-8",
                      "This link has no valid reviewer token. Ask for a new one with "
                      "`cordon approvals link`.\n");
    }
    Result<std::string> nonce = random_hex(16);
    if (!nonce.ok()) return error_response(503, "no randomness for the page's nonce");
    const std::string csp = "Content-Security-Policy: default-src 'none'; script-src 'nonce-" +
                            *nonce + "'; style-src 'nonce-" + *nonce +
                            "'; connect-src 'self'; img-src 'none'; base-uri 'none'; "
                            "form-action 'none'; frame-ancestors 'none'\r\n";
    return response(200, "text/html; charset=utf-8", review_page(*nonce), csp);
  }

  std::string answer(const std::string& reviewer, const std::string& body) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error_response(400, "body is not JSON");
    auto text = [&](const char* key) {
      auto it = j.find(key);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    ReviewerAnswer a;
    a.id = text("id");
    a.reviewer = reviewer;
    a.channel = "web";
    a.reason = clean_reason(text("reason"));
    const std::string verdict = text("verdict");
    const std::string scope = text("scope");
    if (a.id.empty()) return error_response(400, "id is missing");
    if (verdict == "approve")
      a.verdict = Verdict::kApprove;
    else if (verdict == "deny")
      a.verdict = Verdict::kDeny;
    else
      return error_response(400, "verdict must be approve or deny");
    if (scope.empty() || scope == "once")
      a.scope = GrantScope::kOnce;
    else if (scope == "session")
      a.scope = GrantScope::kSession;
    else
      return error_response(400, "scope must be once or session");
    Result<AnswerEffect> effect = queue.answer(a);
    if (!effect.ok()) {
      return error_response(effect.error().code() == Errc::kNotFound ? 404 : 409,
                            effect.error().message());
    }
    return json_response(
        200, {{"ok", true},
              {"reviewer", reviewer},
              {"effect", *effect == AnswerEffect::kDecided ? "decided" : "awaiting_another"}});
  }

  // Handles one complete request; returns the response (empty for an event stream, whose
  // head has been queued).
  std::string handle(Connection& c, const WebRequest& r) {
    const auto hosts = std::count_if(r.headers.begin(), r.headers.end(),
                                     [](const auto& h) { return hs::iequals(h.first, "host"); });
    const auto host_value = net::find_header(r.headers, "host");
    if (hosts != 1 || !host_value || *host_value != host) {
      return response(421, "text/plain; charset=utf-8",
                      "This server answers only as " + host + ".\n");
    }
    if (r.path == "/") {
      if (r.method != "GET") return error_response(405, "GET only");
      return page(query_value(r.query, "token"));
    }
    if (r.path.rfind("/api/", 0) != 0) return error_response(404, "no such page");
    const auto token = net::find_header(r.headers, "x-cordon-token");
    const std::optional<std::string> reviewer =
        token ? reviewer_for(*token) : std::optional<std::string>();
    if (!reviewer) return error_response(403, "a valid X-Cordon-Token header is required");
    if (r.path == "/api/items") {
      if (r.method != "GET") return error_response(405, "GET only");
      return response(200, "application/json", items_body(*reviewer));
    }
    if (r.path == "/api/events") {
      if (r.method != "GET") return error_response(405, "GET only");
      c.events = true;
      std::string head = "HTTP/1.1 200 OK\r\n";
      head += kCommonHeaders;
      head += "Content-Type: text/event-stream\r\n\r\n";
      return head + event_message();
    }
    if (r.path == "/api/answer") {
      if (r.method != "POST") return error_response(405, "POST only");
      const auto from = net::find_header(r.headers, "origin");
      if (from && *from != origin) {
        return error_response(403, "requests from another origin are refused");
      }
      return answer(*reviewer, r.body);
    }
    return error_response(404, "no such endpoint");
  }

  // Parses what has arrived; queues a response once a whole request is there.
  void parse(Connection& c) {
    ParsedWebRequest parsed = parse_web_request(c.in);
    switch (parsed.state) {
      case ParsedWebRequest::State::kIncomplete:
        return;
      case ParsedWebRequest::State::kRefused:
        c.closing = true;
        c.out = error_response(parsed.status, parsed.error);
        return;
      case ParsedWebRequest::State::kComplete:
        c.in.clear();
        c.out = handle(c, parsed.request);
        c.closing = !c.events;
        return;
    }
  }

  void read_from(Connection& c) {
    char buffer[4096];
    bool eof = false;
    for (;;) {
      const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
      if (n > 0) {
        if (!c.events && !c.closing) c.in.append(buffer, static_cast<size_t>(n));
        if (c.in.size() > kMaxWebHead + kMaxWebBody) break;
        continue;
      }
      if (n == 0) {
        eof = true;  // a client may half-close after its request: still answer it
      } else if (errno != EAGAIN && errno != EINTR) {
        c.closing = true;
        c.out.clear();
        c.events = false;
        return;
      }
      break;
    }
    if (!c.events && !c.closing) parse(c);
    if (eof && (c.events || !c.closing)) {
      c.events = false;
      c.closing = true;
      c.out.clear();
    }
  }

  void write_to(Connection& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out.erase(0, static_cast<size_t>(n));
        c.last_write = SteadyClock::now();
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      c.out.clear();
      c.events = false;
      c.closing = true;
      return;
    }
    if (c.closing) ::shutdown(c.fd.get(), SHUT_WR);
  }

  void accept_all() {
    for (;;) {
      UniqueFd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!fd) return;
      if (connections.size() >= kMaxConnections) {
        const std::string busy = error_response(503, "too many connections");
        [[maybe_unused]] ssize_t n = ::send(fd.get(), busy.data(), busy.size(), MSG_NOSIGNAL);
        continue;
      }
      Connection c;
      c.fd = std::move(fd);
      connections.push_back(std::move(c));
    }
  }

  void run() {
    std::vector<pollfd> fds;
    while (!channel->stopping()) {
      fds.clear();
      fds.push_back({listener.get(), POLLIN, 0});
      fds.push_back({channel->fd(), POLLIN, 0});
      for (Connection& c : connections) {
        fds.push_back({c.fd.get(), static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
      }
      if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
        log::warn("review web page: poll failed");
        return;
      }
      if (fds[1].revents & POLLIN) channel->drain();
      if (channel->stopping()) break;
      std::string message;
      if (channel->take_changed()) message = event_message();
      const auto now = SteadyClock::now();
      size_t index = 2;
      for (auto it = connections.begin(); it != connections.end(); ++index) {
        Connection& c = *it;
        if (fds[index].revents & (POLLIN | POLLHUP | POLLERR)) read_from(c);
        if (c.events && !message.empty()) c.out += message;
        if (c.events && c.out.empty() && now - c.last_write > kHeartbeat) c.out = ": ping\n\n";
        if (!c.out.empty()) write_to(c);
        const bool late = !c.events && now - c.opened > kRequestTimeout;
        if ((c.closing && c.out.empty()) || c.out.size() > kMaxPendingOutput || late) {
          it = connections.erase(it);
        } else {
          ++it;
        }
      }
      if (fds[0].revents & POLLIN) accept_all();
    }
    connections.clear();
  }
};

WebServer::WebServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<WebServer>> WebServer::start(ReviewQueue& queue, uint16_t port) {
  auto impl = std::make_unique<Impl>(queue);
  CORDON_ASSIGN_OR_RETURN(impl->channel, ChannelThread::create());
  CORDON_TRY(impl->listen_on(port));
  Impl* raw = impl.get();
  impl->channel->start(queue, [raw] { raw->run(); });
  return std::unique_ptr<WebServer>(new WebServer(std::move(impl)));
}

WebServer::~WebServer() {
  stop();
}

void WebServer::stop() {
  if (!impl_ || !impl_->channel) return;
  impl_->channel->stop();
  impl_->channel.reset();
  impl_->listener.reset();
}

void WebServer::request_stop() {
  if (impl_ && impl_->channel) impl_->channel->request_stop();
}

uint16_t WebServer::port() const {
  return impl_->port;
}

Result<std::string> WebServer::add_reviewer(const std::string& name) {
  if (!valid_reviewer_name(name)) {
    return Error(Errc::kInvalidInput,
                 "reviewer name \"" + display_text(name) + "\" must be 1-64 of [A-Za-z0-9._@-]");
  }
  std::lock_guard lock(impl_->tokens_mu);
  auto it = impl_->tokens.find(name);
  if (it == impl_->tokens.end()) {
    CORDON_ASSIGN_OR_RETURN(std::string token, random_hex(32));
    it = impl_->tokens.emplace(name, std::move(token)).first;
  }
  return impl_->origin + "/?token=" + it->second;
}

}  // namespace cordon::review
