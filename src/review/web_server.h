// The review web page: an HTTP/1.1 server on 127.0.0.1 in the host's network namespace, so the
// box (which has its own, and cannot reach the host's loopback) never sees it.
//
// One thread polls every connection; heads are at most 8 KiB, bodies 16 KiB, a request must
// arrive within 10 s, and at most 64 connections are open at once. What a request gets (the
// tokens, the Host and Origin checks, the endpoints) is review/web_routes.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "review/review_queue.h"

namespace cordon::review {

class WebServer {
 public:
  // Listens on 127.0.0.1:port (0: an ephemeral port) and serves `queue`, which must outlive it.
  static Result<std::unique_ptr<WebServer>> start(ReviewQueue& queue, uint16_t port = 0);
  ~WebServer();  // stop()
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // The page's URL with the token of reviewer `name` ([A-Za-z0-9._@-], 1-64), made on first
  // use: "http://127.0.0.1:PORT/?token=<64 hex>". Each name is a distinct reviewer.
  Result<std::string> add_reviewer(const std::string& name);

  uint16_t port() const;
  void stop();
  // Tells the thread to stop and returns at once (ChannelThread::request_stop); stop() finishes.
  void request_stop();

  struct Impl;

 private:
  explicit WebServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon::review
