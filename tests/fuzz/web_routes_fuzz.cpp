// Fuzzes what the review web page does with a request once it has parsed: the Host check, the
// reviewers' tokens, the endpoints and the answers they record. Any process on the host, and any
// web page the reviewer's browser opens, can send it requests; only a reviewer's token may end a
// held program. The input is a request's bytes in which a few control bytes stand for what an
// attacker would have to know (so that mutations reach past the checks):
//   \x01 alice's token   \x06 bob's token   \x02 the Host (127.0.0.1:8123)   \x03 the Origin
//   \x04 the id of an item one reviewer decides   \x05 the id of an item that needs two
// Beyond not crashing:
//   - every reply is an HTTP/1.1 response; one that is not an event stream has a Content-Length
//     that is its body's length;
//   - a 200 went to a request with exactly one Host, ours, and a valid token (in the query of
//     GET /, in X-Cordon-Token elsewhere);
//   - an item changes only through a 200 to POST /api/answer with our Host, a valid token in
//     X-Cordon-Token, no foreign Origin, and a body naming that item; the item records the
//     token's reviewer, and it ends approved only if the body said "approve";
//   - the single-reviewer item and the two-reviewer one never change in the same request.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fuzz_target.h"
#include "net/http_syntax.h"
#include "review/review_queue.h"
#include "review/web_request.h"
#include "review/web_routes.h"

namespace {

using namespace cordon::review;
namespace hs = cordon::net::http_syntax;

constexpr uint16_t kPort = 8123;
const std::string kHost = "127.0.0.1:8123";
const std::string kOrigin = "http://127.0.0.1:8123";

struct Fixture {
  ReviewQueue queue{"fuzz-session", std::chrono::hours(1)};
  WebRoutes routes{queue, kPort};
  std::string alice_token;
  std::string bob_token;

  Fixture() {
    alice_token = token_of(routes.add_reviewer("alice"));
    bob_token = token_of(routes.add_reviewer("bob"));
  }
  static std::string token_of(cordon::Result<std::string> url) {
    FUZZ_CHECK(url.ok());
    const size_t at = url->find("token=");
    FUZZ_CHECK(at != std::string::npos);
    return url->substr(at + 6);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

struct Ended {
  bool ended = false;
  ReviewOutcome outcome;
};

ReviewItem held_item(int reviewers) {
  ReviewItem item;
  item.start.executable = "/usr/bin/rm";
  item.start.argv = {"rm", "-rf", "/work"};
  item.start.cwd = "/work";
  item.decision.action = cordon::gate::Action::kAsk;
  item.decision.rule = "risk";
  item.reviewers_needed = reviewers;
  return item;
}

std::string expand(std::string_view input, const Fixture& f, const std::string& id_one,
                   const std::string& id_two) {
  std::string out;
  for (const char c : input) {
    switch (c) {
      case '\x01':
        out += f.alice_token;
        break;
      case '\x02':
        out += kHost;
        break;
      case '\x03':
        out += kOrigin;
        break;
      case '\x04':
        out += id_one;
        break;
      case '\x05':
        out += id_two;
        break;
      case '\x06':
        out += f.bob_token;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string_view> header_values(const WebRequest& r, std::string_view name) {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : r.headers) {
    if (hs::iequals(key, name)) values.push_back(value);
  }
  return values;
}

int status_of(const std::string& reply) {
  FUZZ_CHECK(reply.rfind("HTTP/1.1 ", 0) == 0 && reply.size() > 13);
  FUZZ_CHECK(std::all_of(reply.begin() + 9, reply.begin() + 12,
                         [](char c) { return c >= '0' && c <= '9'; }));
  FUZZ_CHECK(reply[12] == ' ');
  return std::stoi(reply.substr(9, 3));
}

void check_framing(const std::string& reply) {
  const size_t head_end = reply.find("\r\n\r\n");
  FUZZ_CHECK(head_end != std::string::npos);
  const std::string length_field = "\r\nContent-Length: ";
  const size_t at = reply.find(length_field);
  FUZZ_CHECK(at != std::string::npos && at < head_end);
  const size_t length = std::stoul(reply.substr(at + length_field.size()));
  FUZZ_CHECK(reply.size() - (head_end + 4) == length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = fixture();
  Ended one_ended;
  Ended two_ended;
  const std::string id_one =
      f.queue.submit(held_item(1), [&](const ReviewItem&, const ReviewOutcome& o) {
        one_ended = {true, o};
      });
  const std::string id_two =
      f.queue.submit(held_item(2), [&](const ReviewItem&, const ReviewOutcome& o) {
        two_ended = {true, o};
      });

  const std::string bytes =
      expand(std::string_view(reinterpret_cast<const char*>(data), size), f, id_one, id_two);
  const ParsedWebRequest parsed = parse_web_request(bytes);
  if (parsed.state == ParsedWebRequest::State::kComplete) {
    const WebRequest& r = parsed.request;
    const WebRoutes::Reply reply = f.routes.route(r);
    const int status = status_of(reply.bytes);
    if (!reply.event_stream) check_framing(reply.bytes);

    // What the request carries, read here independently of the routes.
    const auto hosts = header_values(r, "host");
    const bool our_host = hosts.size() == 1 && hosts[0] == kHost;
    const auto tokens = header_values(r, "x-cordon-token");
    const auto reviewer_of = [&](std::string_view token) -> std::optional<std::string> {
      if (token == f.alice_token) return "web:alice";
      if (token == f.bob_token) return "web:bob";
      return std::nullopt;
    };
    const std::optional<std::string> header_reviewer =
        tokens.empty() ? std::nullopt : reviewer_of(tokens[0]);
    const std::optional<std::string> query_reviewer = reviewer_of(query_value(r.query, "token"));
    const auto origins = header_values(r, "origin");

    if (status == 200) {
      FUZZ_CHECK(our_host);
      FUZZ_CHECK(r.path == "/" ? query_reviewer.has_value() : header_reviewer.has_value());
    }
    if (reply.event_stream) FUZZ_CHECK(status == 200 && r.path == "/api/events");

    const std::optional<ReviewItem> two = f.queue.find(id_two);
    const bool two_changed = two_ended.ended || (two && !two->approved_by.empty());
    if (one_ended.ended || two_changed) {
      FUZZ_CHECK(!(one_ended.ended && two_changed));
      FUZZ_CHECK(status == 200 && our_host && header_reviewer.has_value());
      FUZZ_CHECK(r.method == "POST" && r.path == "/api/answer");
      FUZZ_CHECK(origins.empty() || origins[0] == kOrigin);
      const nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
      FUZZ_CHECK(body.is_object() && body.contains("id") && body["id"].is_string());
      FUZZ_CHECK(body["id"] == (one_ended.ended ? id_one : id_two));
      const bool approve = body.contains("verdict") && body["verdict"] == "approve";
      if (one_ended.ended) {
        FUZZ_CHECK(one_ended.outcome.approved == approve);
        FUZZ_CHECK(one_ended.outcome.reviewers == std::vector<std::string>{*header_reviewer});
      } else if (two_ended.ended) {
        FUZZ_CHECK(!two_ended.outcome.approved && !approve);  // one approval is not enough
      } else {
        FUZZ_CHECK(approve && two->approved_by == std::vector<std::string>{*header_reviewer});
      }
    }
  } else if (parsed.state == ParsedWebRequest::State::kRefused) {
    const std::string reply = WebRoutes::refusal(parsed.status, parsed.error);
    FUZZ_CHECK(status_of(reply) == parsed.status);
    check_framing(reply);
  }
  // Nothing stays held between inputs.
  f.queue.cancel(id_one);
  f.queue.cancel(id_two);
  return 0;
}
