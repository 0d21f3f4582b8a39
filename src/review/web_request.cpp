// The review page's request parser: net::http_syntax for the head, origin-form targets only.
#include "review/web_request.h"

#include "net/http_syntax.h"

namespace cordon::review {
namespace {

namespace hs = net::http_syntax;

ParsedWebRequest refused(int status, std::string error) {
  ParsedWebRequest out;
  out.state = ParsedWebRequest::State::kRefused;
  out.status = status;
  out.error = std::move(error);
  return out;
}

}  // namespace

ParsedWebRequest parse_web_request(std::string_view received) {
  const hs::HeadEnd end = hs::find_head_end(received, kMaxWebHead);
  if (end.status == net::ParseStatus::kIncomplete) return {};
  if (end.status == net::ParseStatus::kBad) {
    // Too large only if the first kMaxWebHead bytes are a valid start of a head: a fault
    // within them is a 400 however many bytes came after it, so the answer does not depend
    // on how the request was split over reads.
    const bool too_large = received.size() > kMaxWebHead &&
                           hs::find_head_end(received.substr(0, kMaxWebHead), kMaxWebHead).status ==
                               net::ParseStatus::kIncomplete;
    return too_large ? refused(431, "request head too large") : refused(400, end.error);
  }
  std::string_view start_line;
  WebRequest r;
  std::string error;
  if (!hs::split_head(received.substr(0, end.size), &start_line, &r.headers, &error)) {
    return refused(400, error);
  }
  // METHOD SP origin-form SP HTTP/1.x
  const size_t sp1 = start_line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : start_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || start_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return refused(400, "malformed request line");
  }
  const auto version = hs::parse_version(start_line.substr(sp2 + 1));
  r.method = std::string(start_line.substr(0, sp1));
  const std::string_view target = start_line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!version || !hs::is_token(r.method) || target.empty() || target[0] != '/') {
    return refused(400, "malformed request line");
  }
  const size_t question = target.find('?');
  r.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) r.query = std::string(target.substr(question + 1));
  hs::Framing framing;
  if (!hs::parse_framing(r.headers, *version, &framing, &error)) return refused(400, error);
  if (framing.chunked) return refused(411, "send a Content-Length");
  const uint64_t length = framing.content_length.value_or(0);
  if (length > kMaxWebBody) return refused(413, "bodies are at most 16 KiB");
  if (received.size() - end.size < length) return {};  // the body is still on its way
  r.body = std::string(received.substr(end.size, length));
  ParsedWebRequest out;
  out.state = ParsedWebRequest::State::kComplete;
  out.request = std::move(r);
  return out;
}

std::string query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) {
      return std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

}  // namespace cordon::review
