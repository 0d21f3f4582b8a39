// The review web page's answers: tokens, Host and Origin checks, the API and the event head.
#include "review/web_routes.h"

#include <algorithm>

#include "base/files.h"
#include "net/client_auth.h"
#include "net/http_syntax.h"
#include "review/control_protocol.h"

namespace cordon::review {
namespace {

namespace hs = net::http_syntax;

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

}  // namespace

WebRoutes::WebRoutes(ReviewQueue& queue, uint16_t port)
    : queue_(queue), host_("127.0.0.1:" + std::to_string(port)), origin_("http://" + host_) {}

std::string WebRoutes::refusal(int status, const std::string& error) {
  return json_response(status, {{"ok", false}, {"error", error}});
}

std::optional<std::string> WebRoutes::reviewer_for(std::string_view token) {
  std::lock_guard lock(tokens_mu_);
  std::optional<std::string> found;
  for (const auto& [name, known] : tokens_) {
    if (net::constant_time_equal(token, known) && !found) found = "web:" + name;
  }
  return found;
}

std::string WebRoutes::items_body(const std::string& reviewer) const {
  return json_line({{"ok", true},
                    {"reviewer", reviewer},
                    {"session", queue_.session_id()},
                    {"items", items_json(queue_.pending())}});
}

std::string WebRoutes::event_message() const {
  nlohmann::json j{{"session", queue_.session_id()}, {"items", items_json(queue_.pending())}};
  return "data: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

std::string WebRoutes::page(const std::string& token) {
  if (!reviewer_for(token)) {
    return response(403, "text/plain; charset=utf-8",
                    "This link has no valid reviewer token. Ask for a new one with "
                    "`cordon approvals link`.\n");
  }
  Result<std::string> nonce = random_hex(16);
  if (!nonce.ok()) return refusal(503, "no randomness for the page's nonce");
  const std::string csp = "Content-Security-Policy: default-src 'none'; script-src 'nonce-" +
                          *nonce + "'; style-src 'nonce-" + *nonce +
                          "'; connect-src 'self'; img-src 'none'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'\r\n";
  return response(200, "text/html; charset=utf-8", review_page(*nonce), csp);
}

std::string WebRoutes::answer(const std::string& reviewer, const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return refusal(400, "body is not JSON");
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
  if (a.id.empty()) return refusal(400, "id is missing");
  if (verdict == "approve")
    a.verdict = Verdict::kApprove;
  else if (verdict == "deny")
    a.verdict = Verdict::kDeny;
  else
    return refusal(400, "verdict must be approve or deny");
  if (scope.empty() || scope == "once")
    a.scope = GrantScope::kOnce;
  else if (scope == "session")
    a.scope = GrantScope::kSession;
  else
    return refusal(400, "scope must be once or session");
  Result<AnswerEffect> effect = queue_.answer(a);
  if (!effect.ok()) {
    return refusal(effect.error().code() == Errc::kNotFound ? 404 : 409, effect.error().message());
  }
  return json_response(
      200, {{"ok", true},
            {"reviewer", reviewer},
            {"effect", *effect == AnswerEffect::kDecided ? "decided" : "awaiting_another"}});
}

WebRoutes::Reply WebRoutes::route(const WebRequest& r) {
  const auto hosts = std::count_if(r.headers.begin(), r.headers.end(),
                                   [](const auto& h) { return hs::iequals(h.first, "host"); });
  const auto host_value = net::find_header(r.headers, "host");
  if (hosts != 1 || !host_value || *host_value != host_) {
    return {
        response(421, "text/plain; charset=utf-8", "This server answers only as " + host_ + ".\n")};
  }
  if (r.path == "/") {
    if (r.method != "GET") return {refusal(405, "GET only")};
    return {page(query_value(r.query, "token"))};
  }
  if (r.path.rfind("/api/", 0) != 0) return {refusal(404, "no such page")};
  const auto token = net::find_header(r.headers, "x-cordon-token");
  const std::optional<std::string> reviewer =
      token ? reviewer_for(*token) : std::optional<std::string>();
  if (!reviewer) return {refusal(403, "a valid X-Cordon-Token header is required")};
  if (r.path == "/api/items") {
    if (r.method != "GET") return {refusal(405, "GET only")};
    return {response(200, "application/json", items_body(*reviewer))};
  }
  if (r.path == "/api/events") {
    if (r.method != "GET") return {refusal(405, "GET only")};
    std::string head = "HTTP/1.1 200 OK\r\n";
    head += kCommonHeaders;
    head += "Content-Type: text/event-stream\r\n\r\n";
    return {head + event_message(), true};
  }
  if (r.path == "/api/answer") {
    if (r.method != "POST") return {refusal(405, "POST only")};
    const auto from = net::find_header(r.headers, "origin");
    if (from && *from != origin_) return {refusal(403, "requests from another origin are refused")};
    return {answer(*reviewer, r.body)};
  }
  return {refusal(404, "no such endpoint")};
}

Result<std::string> WebRoutes::add_reviewer(const std::string& name) {
  if (!valid_reviewer_name(name)) {
    return Error(Errc::kInvalidInput,
                 "reviewer name \"" + display_text(name) + "\" must be 1-64 of [A-Za-z0-9._@-]");
  }
  std::lock_guard lock(tokens_mu_);
  auto it = tokens_.find(name);
  if (it == tokens_.end()) {
    CORDON_ASSIGN_OR_RETURN(std::string token, random_hex(32));
    it = tokens_.emplace(name, std::move(token)).first;
  }
  return origin_ + "/?token=" + it->second;
}

}  // namespace cordon::review
