// The proxy tests' loopback origins, clients and the proxy runner.
#include "sandbox/net_proxy_harness.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cordon::net::testing {

UniqueFd listen_tcp(uint16_t port, int backlog) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd.get(), backlog) != 0) {
    return UniqueFd();
  }
  return fd;
}

UniqueFd bind_udp() {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return UniqueFd();
  }
  return fd;
}

uint16_t local_port(const UniqueFd& fd) {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

namespace {
void set_timeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}
}  // namespace

UniqueFd connect_to(uint16_t port, std::chrono::milliseconds timeout) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  set_timeouts(fd.get(), timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return UniqueFd();
  }
  return fd;
}

bool send_all(const UniqueFd& fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string recv_n(const UniqueFd& fd, size_t size) {
  std::string out;
  char buffer[16384];
  while (out.size() < size) {
    ssize_t n = ::recv(fd.get(), buffer, std::min(sizeof(buffer), size - out.size()), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

std::string recv_all(const UniqueFd& fd, bool* reset) {
  std::string out;
  char buffer[16384];
  if (reset != nullptr) *reset = false;
  for (;;) {
    ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET && reset != nullptr) *reset = true;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

std::optional<std::string> header_value(const std::string& head, const std::string& name) {
  std::string lower_head = head;
  std::string lower_name = name;
  for (auto* s : {&lower_head, &lower_name}) {
    std::transform(s->begin(), s->end(), s->begin(),
                   [](unsigned char c) { return std::tolower(c); });
  }
  size_t at = lower_head.find("\r\n" + lower_name + ":");
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + 2 + name.size() + 1;
  size_t end = head.find("\r\n", start);
  std::string value = head.substr(start, end - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

HttpReply read_reply(const UniqueFd& fd, bool head_request) {
  HttpReply reply;
  std::string data;
  char buffer[16384];
  size_t end = std::string::npos;
  while ((end = data.find("\r\n\r\n")) == std::string::npos) {
    // A CONNECT answer is followed by the tunnel's bytes: read it a byte at a time so that
    // none of them is taken with it.
    ssize_t n = ::recv(fd.get(), buffer, head_request ? 1 : sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return reply;
    data.append(buffer, static_cast<size_t>(n));
  }
  reply.head = data.substr(0, end + 4);
  std::string rest = data.substr(end + 4);
  if (reply.head.size() > 12) reply.status = std::atoi(reply.head.c_str() + 9);
  auto more = [&](std::string& into) {
    ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n <= 0) return false;
    into.append(buffer, static_cast<size_t>(n));
    return true;
  };
  if (head_request || reply.status == 204 || reply.status == 304 ||
      (reply.status >= 100 && reply.status < 200)) {
    reply.ok = true;
    return reply;
  }
  if (auto length = header_value(reply.head, "Content-Length")) {
    size_t want = std::stoul(*length);
    while (rest.size() < want && more(rest)) {
    }
    if (rest.size() < want) return reply;
    reply.body = rest.substr(0, want);
    reply.ok = true;
    return reply;
  }
  if (auto te = header_value(reply.head, "Transfer-Encoding"); te && *te == "chunked") {
    size_t pos = 0;
    for (;;) {
      size_t line_end;
      while ((line_end = rest.find("\r\n", pos)) == std::string::npos) {
        if (!more(rest)) return reply;
      }
      size_t size = std::stoul(rest.substr(pos, line_end - pos), nullptr, 16);
      pos = line_end + 2;
      while (rest.size() < pos + size + 2) {
        if (!more(rest)) return reply;
      }
      reply.body += rest.substr(pos, size);
      pos += size + 2;
      if (size == 0) break;
    }
    reply.ok = true;
    return reply;
  }
  while (more(rest)) {
  }
  reply.body = rest;
  reply.ok = true;
  return reply;
}

bool peer_closed(const UniqueFd& fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd.get(), POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return true;
  }
  return false;
}

std::string client_hello(const std::string& sni) {
  auto u16 = [](std::string& s, size_t v) {
    s.push_back(static_cast<char>((v >> 8) & 0xff));
    s.push_back(static_cast<char>(v & 0xff));
  };
  std::string extensions;
  if (!sni.empty()) {
    std::string list;
    list.push_back(0);  // host_name
    u16(list, sni.size());
    list += sni;
    std::string ext_data;
    u16(ext_data, list.size());
    ext_data += list;
    u16(extensions, 0);  // server_name
    u16(extensions, ext_data.size());
    extensions += ext_data;
  }
  std::string body;
  body += std::string("\x03\x03", 2);
  body += std::string(32, '\x2a');  // random
  body.push_back(0);                // session id
  u16(body, 4);                     // cipher suites
  body += std::string("\x13\x01\x00\x2f", 4);
  body += std::string("\x01\x00", 2);  // compression: null
  u16(body, extensions.size());
  body += extensions;
  std::string handshake;
  handshake.push_back(1);  // ClientHello
  handshake.push_back(static_cast<char>((body.size() >> 16) & 0xff));
  u16(handshake, body.size() & 0xffff);
  handshake += body;
  std::string record("\x16\x03\x01", 3);
  u16(record, handshake.size());
  return record + handshake;
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// ---- ProxyRunner ----

ProxyRunner::ProxyRunner(const EgressConfig& config, ProxyOptions options,
                         std::vector<std::string> forward_targets) {
  auto rules = EgressRules::compile(config);
  if (!rules.ok()) {
    error_ = rules.error().describe();
    return;
  }
  std::vector<Listener> listeners;
  auto add = [&](EntryPoint kind, UniqueFd fd, std::string target = "") {
    Listener listener;
    listener.kind = kind;
    uint16_t port = local_port(fd);
    listener.fd = std::move(fd);
    listener.forward_target = std::move(target);
    listeners.push_back(std::move(listener));
    return port;
  };
  ports_.http = add(EntryPoint::kHttp, listen_tcp());
  ports_.socks5 = add(EntryPoint::kSocks5, listen_tcp());
  if (options.client_tokens.empty()) {
    ports_.transparent = add(EntryPoint::kTransparent, listen_tcp());
    ports_.dns = add(EntryPoint::kDns, bind_udp());
    for (const std::string& target : forward_targets) {
      ports_.forwards.push_back(add(EntryPoint::kForward, listen_tcp(), target));
    }
  }
  auto user_callback = options.on_decision;
  options.on_decision = [this, user_callback](const DecisionRecord& record) {
    if (user_callback) user_callback(record);
    std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back(record);
    changed_.notify_all();
  };
  auto proxy = Proxy::create(std::move(*rules), std::move(listeners), std::move(options));
  if (!proxy.ok()) {
    error_ = proxy.error().describe();
    return;
  }
  proxy_ = std::move(*proxy);
  thread_ = std::thread([this] {
    auto result = proxy_->run();
    if (!result.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = result.error().describe();
    }
    returned_.store(true);
  });
}

ProxyRunner::~ProxyRunner() {
  stop();
}

void ProxyRunner::stop() {
  if (proxy_) proxy_->stop();
  if (thread_.joinable()) thread_.join();
}

std::vector<DecisionRecord> ProxyRunner::records() {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_;
}

std::vector<DecisionRecord> ProxyRunner::wait_records(size_t count,
                                                      std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return records_.size() >= count; });
  return records_;
}

// ---- RawServer ----

RawServer::RawServer(Handler handler, int backlog)
    : listener_(listen_tcp(0, backlog)), handler_(std::move(handler)) {
  port_ = local_port(listener_);
  thread_ = std::thread([this] {
    while (!stopping_.load()) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      accepted_.fetch_add(1);
      set_timeouts(fd, 10s);
      auto connection = std::make_shared<UniqueFd>(fd);
      std::lock_guard<std::mutex> lock(mutex_);
      connections_.push_back(connection);
      workers_.emplace_back([this, connection] {
        handler_(*connection);
        std::lock_guard<std::mutex> lock(mutex_);
        connection->reset();
      });
    }
  });
}

RawServer::~RawServer() {
  stopping_.store(true);
  thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& connection : connections_) {
      if (connection->valid()) ::shutdown(connection->get(), SHUT_RDWR);
    }
  }
  for (auto& worker : workers_) worker.join();
}

// ---- HoldServer ----

HoldServer::HoldServer() : listener_(listen_tcp(0, 4096)) {
  port_ = local_port(listener_);
  thread_ = std::thread([this] {
    while (!stopping_.load()) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      held_.emplace_back(fd);
    }
  });
}

HoldServer::~HoldServer() {
  stopping_.store(true);
  thread_.join();
}

size_t HoldServer::held() {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_.size();
}

// ---- HttpOrigin ----

std::string big_body_slice(size_t offset, size_t size) {
  std::string body(size, '\0');
  for (size_t j = 0; j < size; ++j) {
    size_t i = offset + j;
    body[j] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  }
  return body;
}

std::string big_body(size_t size) {
  return big_body_slice(0, size);
}

HttpOrigin::HttpOrigin() : server_([this](const UniqueFd& connection) { serve(connection); }) {}

void HttpOrigin::serve(const UniqueFd& connection) {
  int id = connection_ids_.fetch_add(1) + 1;
  std::string data;
  char buffer[16384];
  auto more = [&] {
    ssize_t n = ::recv(connection.get(), buffer, sizeof(buffer), 0);
    if (n <= 0) return false;
    data.append(buffer, static_cast<size_t>(n));
    return true;
  };
  for (;;) {
    size_t end;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!more()) return;
    }
    std::string head = data.substr(0, end + 4);
    data.erase(0, end + 4);
    requests_.fetch_add(1);
    std::istringstream line(head.substr(0, head.find("\r\n")));
    std::string method, target, version;
    line >> method >> target >> version;
    std::string body;
    if (auto length = header_value(head, "Content-Length")) {
      size_t want = std::stoul(*length);
      while (data.size() < want && more()) {
      }
      body = data.substr(0, want);
      data.erase(0, std::min(want, data.size()));
    } else if (auto te = header_value(head, "Transfer-Encoding"); te && *te == "chunked") {
      for (;;) {
        size_t line_end;
        while ((line_end = data.find("\r\n")) == std::string::npos) {
          if (!more()) return;
        }
        size_t size = std::stoul(data.substr(0, line_end), nullptr, 16);
        while (data.size() < line_end + 2 + size + 2) {
          if (!more()) return;
        }
        body += data.substr(line_end + 2, size);
        data.erase(0, line_end + 2 + size + 2);
        if (size == 0) break;
      }
    }
    bool close = header_value(head, "Connection").value_or("") == "close";
    std::string id_header = "X-Origin-Connection: " + std::to_string(id) + "\r\n";
    std::string response;
    auto with_length = [&](const std::string& content) {
      response = "HTTP/1.1 200 OK\r\n" + id_header +
                 "Content-Length: " + std::to_string(content.size()) + "\r\n" +
                 (close ? "Connection: close\r\n" : "") + "\r\n";
      if (method != "HEAD") response += content;
    };
    if (target == "/hello") {
      with_length("hello from origin");
    } else if (target == "/chunked") {
      response = "HTTP/1.1 200 OK\r\n" + id_header +
                 "Transfer-Encoding: chunked\r\n\r\n"
                 "a\r\nchunk-one|\r\na\r\nchunk-two|\r\n0\r\n\r\n";
    } else if (target.rfind("/big/", 0) == 0) {
      // Streamed, so the origin's own memory stays small however large the body.
      size_t size = std::stoul(target.substr(5));
      response = "HTTP/1.1 200 OK\r\n" + id_header + "Content-Length: " + std::to_string(size) +
                 "\r\n\r\n";
      if (!send_all(connection, response)) return;
      for (size_t offset = 0; offset < size && method != "HEAD"; offset += 65536) {
        if (!send_all(connection, big_body_slice(offset, std::min<size_t>(65536, size - offset)))) {
          return;
        }
      }
      if (close) return;
      continue;
    } else if (target == "/echo") {
      with_length(body);
    } else if (target == "/head") {
      with_length(head);
    } else if (target == "/host") {
      with_length(header_value(head, "Host").value_or(""));
    } else if (target == "/until-close") {
      response = "HTTP/1.1 200 OK\r\n" + id_header + "\r\nbody until close";
      send_all(connection, response);
      return;
    } else {
      response = "HTTP/1.1 404 Not Found\r\n" + id_header + "Content-Length: 0\r\n\r\n";
    }
    if (!send_all(connection, response) || close) return;
  }
}

}  // namespace cordon::net::testing
