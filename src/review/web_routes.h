// What the review web page answers to one parsed request: the Host check, the reviewers'
// tokens, the page, the API and the head of the event stream. No sockets: the server
// (web_server.cpp) reads, parses and writes; this decides, so it can be tested and fuzzed
// without a connection (tests/fuzz/web_routes_fuzz.cpp).
//
// Every request carries a reviewer token (32 random bytes, hex; in the query of GET / and in
// the X-Cordon-Token header of /api/*), compared in constant time; the token alone names the
// reviewer ("web:<name>"). The Host header must be exactly 127.0.0.1:PORT (a DNS rebinding
// page has another) and a POST with a foreign Origin is refused.
//
// Endpoints: GET / (the page), GET /api/items, GET /api/events (Server-Sent Events: the items
// after every change of the queue), POST /api/answer {id, verdict: approve|deny,
// scope: once|session, reason}.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"
#include "review/review_queue.h"
#include "review/web_request.h"

namespace cordon::review {

class WebRoutes {
 public:
  // `queue` must outlive the routes; `port` is the one the server listens on (127.0.0.1).
  WebRoutes(ReviewQueue& queue, uint16_t port);

  struct Reply {
    std::string bytes;          // a whole HTTP/1.1 response, or the head of an event stream
    bool event_stream = false;  // keep the connection open and feed it event_message()s
  };
  // The answer to one complete request. Called by the server's thread only.
  Reply route(const WebRequest& request);

  // The answer to a request the parser refused, and to a connection over the cap.
  static std::string refusal(int status, const std::string& error);
  // One Server-Sent Event carrying the queue's pending items.
  std::string event_message() const;

  // The page's URL with the token of reviewer `name` ([A-Za-z0-9._@-], 1-64), made on first
  // use: "http://127.0.0.1:PORT/?token=<64 hex>". Each name is a distinct reviewer.
  // Thread-safe.
  Result<std::string> add_reviewer(const std::string& name);

  const std::string& host() const { return host_; }
  const std::string& origin() const { return origin_; }

 private:
  // The reviewer a token belongs to; every token is compared, so timing tells nothing.
  std::optional<std::string> reviewer_for(std::string_view token);
  std::string page(const std::string& token);
  std::string items_body(const std::string& reviewer) const;
  std::string answer(const std::string& reviewer, const std::string& body);

  ReviewQueue& queue_;
  std::string host_;    // "127.0.0.1:PORT"
  std::string origin_;  // "http://127.0.0.1:PORT"
  std::mutex tokens_mu_;
  std::map<std::string, std::string> tokens_;  // reviewer name -> token
};

// The page (HTML with its CSS and script inline, each carrying `nonce` for the CSP).
std::string review_page(const std::string& nonce);

}  // namespace cordon::review
