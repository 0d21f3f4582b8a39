// Parses response heads from origins, only as far as needed to find where each body ends.
#include <algorithm>

#include "net/http_message.h"
#include "net/http_syntax.h"

namespace cordon::net {

namespace {

// "HTTP/1.1 200 OK". The reason phrase may be empty, and a missing SP before an empty reason
// is tolerated: it cannot change where the message ends.
bool parse_status_line(std::string_view line, ResponseHead* head, std::string* error) {
  const size_t sp = line.find(' ');
  const auto minor = http_syntax::parse_version(line.substr(0, sp));
  if (sp == std::string_view::npos || !minor) {
    *error = "unsupported HTTP version in status line";
    return false;
  }
  head->minor_version = *minor;
  std::string_view rest = line.substr(sp + 1);
  if (rest.size() < 3 || (rest.size() > 3 && rest[3] != ' ')) {
    *error = "malformed status line";
    return false;
  }
  int status = 0;
  for (char c : rest.substr(0, 3)) {
    if (c < '0' || c > '9') {
      *error = "malformed status code";
      return false;
    }
    status = status * 10 + (c - '0');
  }
  if (status < 100 || status > 599) {
    *error = "status code out of range";
    return false;
  }
  for (unsigned char c : rest.substr(std::min<size_t>(rest.size(), 4))) {
    if (c != '\t' && (c < 0x20 || c == 0x7f)) {
      *error = "control byte in reason phrase";
      return false;
    }
  }
  head->status = status;
  return true;
}

bool decide_framing(ResponseHead* head, std::string_view request_method, std::string* error) {
  if (head->status == 101) {
    // The proxy never forwards Upgrade, so a switch of protocols is a confused or hostile
    // origin; what follows would not be HTTP.
    *error = "unexpected 101 Switching Protocols";
    return false;
  }
  http_syntax::Framing framing;
  if (!http_syntax::parse_framing(head->headers, head->minor_version, &framing, error)) {
    return false;
  }
  std::vector<std::string> tokens;
  if (!http_syntax::connection_tokens(head->headers, &tokens, error)) return false;
  head->keep_alive = http_syntax::keeps_alive(head->minor_version, tokens);
  // RFC 9112 section 6.3, in its order: bodiless responses first, then chunked, then length.
  if (request_method == "HEAD" || head->status < 200 || head->status == 204 ||
      head->status == 304) {
    head->framing = BodyFraming::kNone;
  } else if (framing.chunked) {
    head->framing = BodyFraming::kChunked;
  } else if (framing.content_length) {
    head->framing = BodyFraming::kContentLength;
    head->content_length = *framing.content_length;
  } else {
    head->framing = BodyFraming::kUntilClose;
    head->keep_alive = false;
  }
  return true;
}

}  // namespace

ResponseParse parse_response_head(std::string_view buffer, std::string_view request_method,
                                  size_t max_head) {
  return http_syntax::parse_head<ResponseParse>(
      buffer, max_head,
      [request_method](std::string_view start_line, ResponseHead* head, std::string* error) {
        return parse_status_line(start_line, head, error) &&
               decide_framing(head, request_method, error);
      });
}

}  // namespace cordon::net
