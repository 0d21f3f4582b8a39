// The control socket's server thread: accept, check the peer, answer JSON lines.
#include "review/control_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <list>

#include "base/log.h"
#include "base/socket_file.h"
#include "base/unique_fd.h"
#include "review/channel_thread.h"
#include "review/control_protocol.h"
#include "review/peer_identity.h"

namespace cordon::review {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxConnections = 32;
constexpr size_t kMaxPendingOutput = 1 << 20;  // a watcher that stops reading is dropped
constexpr auto kIdleTimeout = std::chrono::seconds(30);

struct Connection {
  UniqueFd fd;
  std::string reviewer;
  std::string in;
  std::string out;
  bool watching = false;
  bool closing = false;  // close once `out` is written
  SteadyClock::time_point last_activity = SteadyClock::now();
};

bool valid_session_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

// True when something listens on `path`.
bool socket_is_live(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto addr = unix_address(path);
  if (!fd || !addr) return false;
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0;
}

}  // namespace

Result<std::string> control_socket_path(const std::string& runtime_dir,
                                        const std::string& session_id) {
  if (!valid_session_id(session_id)) {
    return Error(Errc::kInvalidInput,
                 "session id \"" + display_text(session_id) + "\" cannot name a socket");
  }
  std::string path = runtime_dir + "/" + session_id + ".sock";
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Error(Errc::kInvalidInput, "control socket path " + path + " is too long")
        .with_hint("set CORDON_RUNTIME_DIR to a shorter directory");
  }
  return path;
}

struct ControlServer::Impl {
  ReviewQueue& queue;
  ControlServerOptions options;
  UniqueFd listener;
  std::optional<BoundSocketFile> socket_file;
  std::unique_ptr<ChannelThread> channel;
  std::list<Connection> connections;

  Impl(ReviewQueue& q, ControlServerOptions o) : queue(q), options(std::move(o)) {}

  Result<void> bind_socket() {
    const std::string& path = options.socket_path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return Error(Errc::kPolicy, path + " exists and is not a socket")
            .with_hint("remove it; cordon puts only its control sockets there");
      }
      if (socket_is_live(path)) {
        return Error(Errc::kPolicy, "another session already serves " + path);
      }
      ::unlink(path.c_str());  // a session that died without cleaning up
    }
    listener.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener) return Error::system("socket(AF_UNIX)");
    CORDON_ASSIGN_OR_RETURN(BoundSocketFile bound, BoundSocketFile::bind(listener.get(), path));
    socket_file.emplace(std::move(bound));
    if (::listen(listener.get(), 16) != 0) return Error::system("listen " + path);
    return Ok{};
  }

  std::string reply(Connection& c, const ControlRequest& r) {
    switch (r.op) {
      case ControlOp::kList:
        return json_line({{"ok", true},
                          {"session", queue.session_id()},
                          {"items", items_json(queue.pending())}});
      case ControlOp::kShow: {
        auto item = queue.find(r.id);
        if (!item) {
          return error_line("not_found", "no such pending item " + display_text(r.id));
        }
        return json_line(
            {{"ok", true}, {"session", queue.session_id()}, {"item", item_json(*item)}});
      }
      case ControlOp::kApprove:
      case ControlOp::kDeny: {
        ReviewerAnswer a{r.id,     r.op == ControlOp::kApprove ? Verdict::kApprove : Verdict::kDeny,
                         r.scope,  c.reviewer,
                         "socket", r.reason};
        auto before = queue.find(r.id);
        Result<AnswerEffect> effect = queue.answer(a);
        if (!effect.ok()) return error_line(effect.error());
        nlohmann::json j{
            {"ok", true},
            {"session", queue.session_id()},
            {"reviewer", c.reviewer},
            {"effect", *effect == AnswerEffect::kDecided ? "decided" : "awaiting_another"}};
        auto after = queue.find(r.id);
        if (after)
          j["item"] = item_json(*after);
        else if (before)
          j["item"] = item_json(*before);
        return json_line(j);
      }
      case ControlOp::kWatch:
        c.watching = true;
        return snapshot_line();
      case ControlOp::kLink: {
        if (!options.link) {
          return error_line("unsupported", "session " + queue.session_id() + " has no web page");
        }
        std::string name = r.reviewer;
        if (name.empty()) name = c.reviewer.substr(c.reviewer.find(':') + 1);
        if (!valid_reviewer_name(name)) {
          return error_line("invalid", "reviewer name \"" + display_text(name) +
                                           "\" must be 1-64 of [A-Za-z0-9._@-]");
        }
        Result<std::string> url = options.link(name);
        if (!url.ok()) return error_line(url.error());
        return json_line({{"ok", true},
                          {"session", queue.session_id()},
                          {"reviewer", "web:" + name},
                          {"url", *url}});
      }
    }
    return error_line("internal", "unhandled op");
  }

  std::string snapshot_line() {
    return json_line({{"ok", true},
                      {"event", "items"},
                      {"session", queue.session_id()},
                      {"items", items_json(queue.pending())}});
  }

  void accept_one() {
    UniqueFd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) return;
    if (connections.size() >= kMaxConnections) {
      const std::string line = error_line("refused", "too many connections to this session");
      [[maybe_unused]] ssize_t n = ::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL);
      return;
    }
    Result<std::string> who =
        authenticate_peer(fd.get(), options.session_uid, options.reviewer_pid_namespace);
    if (!who.ok()) {
      log::warn("control socket: " + who.error().describe());
      const std::string line = error_line(who.error());
      [[maybe_unused]] ssize_t n = ::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL);
      return;
    }
    Connection c;
    c.fd = std::move(fd);
    c.reviewer = std::move(who).value();
    connections.push_back(std::move(c));
  }

  void read_from(Connection& c) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
      if (n > 0) {
        c.in.append(buffer, static_cast<size_t>(n));
        c.last_activity = SteadyClock::now();
        if (c.in.size() > kMaxRequestLine + 1) break;
        continue;
      }
      if (n == 0) {
        c.closing = true;  // the peer is done sending; still answer what it sent
      } else if (errno != EAGAIN && errno != EINTR) {
        c.closing = true;
        c.in.clear();
        c.out.clear();
      }
      break;
    }
    size_t newline;
    while ((newline = c.in.find('\n')) != std::string::npos) {
      const std::string line = c.in.substr(0, newline);
      c.in.erase(0, newline + 1);
      Result<ControlRequest> request = parse_request(line);
      c.out += request.ok() ? reply(c, *request) : error_line(request.error());
    }
    if (c.in.size() > kMaxRequestLine) {
      c.out += error_line("invalid", "request longer than 16 KiB");
      c.closing = true;
    }
  }

  void write_to(Connection& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      c.out.clear();
      c.closing = true;
      return;
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
        log::warn("control socket: poll failed");
        return;
      }
      if (fds[1].revents & POLLIN) channel->drain();
      if (channel->stopping()) break;
      const bool send_snapshot = channel->take_changed();
      size_t index = 2;
      const auto now = SteadyClock::now();
      for (auto it = connections.begin(); it != connections.end(); ++index) {
        Connection& c = *it;
        const short revents = fds[index].revents;
        if (revents & (POLLIN | POLLHUP | POLLERR)) read_from(c);
        if (send_snapshot && c.watching && !c.closing) c.out += snapshot_line();
        if (!c.out.empty()) write_to(c);
        const bool idle = !c.watching && now - c.last_activity > kIdleTimeout;
        if ((c.closing && c.out.empty()) || c.out.size() > kMaxPendingOutput || idle) {
          it = connections.erase(it);
        } else {
          ++it;
        }
      }
      if (fds[0].revents & POLLIN) accept_one();
    }
    connections.clear();
  }
};

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ControlServer>> ControlServer::start(ReviewQueue& queue,
                                                            ControlServerOptions options) {
  auto impl = std::make_unique<Impl>(queue, std::move(options));
  CORDON_ASSIGN_OR_RETURN(impl->channel, ChannelThread::create());
  CORDON_TRY(impl->bind_socket());
  Impl* raw = impl.get();
  impl->channel->start(queue, [raw] { raw->run(); });
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

ControlServer::~ControlServer() {
  stop();
}

void ControlServer::stop() {
  if (!impl_ || !impl_->channel) return;
  impl_->channel->stop();
  impl_->channel.reset();
  impl_->listener.reset();
  impl_->socket_file.reset();
}

void ControlServer::request_stop() {
  if (impl_ && impl_->channel) impl_->channel->request_stop();
}

const std::string& ControlServer::path() const {
  return impl_->options.socket_path;
}

}  // namespace cordon::review
