// HTTP/1.x head lexing shared by the request and response parsers.
#include "net/http_syntax.h"

#include <algorithm>

namespace cordon::net {

std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (http_syntax::iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

namespace http_syntax {

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return is_tchar(c); });
}

static char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

HeadEnd find_head_end(std::string_view buffer, size_t max_head) {
  HeadEnd end;
  const size_t limit = std::min(buffer.size(), max_head);
  for (size_t i = 0; i < limit; ++i) {
    const char c = buffer[i];
    if (c == '\0') {
      end.status = ParseStatus::kBad;
      end.error = "NUL byte in the message head";
      return end;
    }
    if (c == '\r' && i + 1 < buffer.size() && buffer[i + 1] != '\n') {
      end.status = ParseStatus::kBad;
      end.error = "bare CR in the message head";
      return end;
    }
    if (c != '\n') continue;
    if (i == 0 || buffer[i - 1] != '\r') {
      end.status = ParseStatus::kBad;
      end.error = "bare LF in the message head";
      return end;
    }
    if (i >= 3 && buffer.substr(i - 3, 4) == "\r\n\r\n") {
      end.status = ParseStatus::kComplete;
      end.size = i + 1;
      return end;
    }
  }
  if (buffer.size() > max_head) {
    end.status = ParseStatus::kBad;
    end.error = "message head larger than " + std::to_string(max_head) + " bytes";
  }
  return end;
}

static bool parse_field_line(std::string_view line, HeaderList* headers, std::string* error) {
  if (line.front() == ' ' || line.front() == '\t') {
    // RFC 9112 section 5.2: obs-fold is how header smuggling hides a second value.
    *error = "obsolete line folding in a header";
    return false;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    *error = "header line without a colon";
    return false;
  }
  std::string_view name = line.substr(0, colon);
  if (name.empty()) {
    *error = "empty header name";
    return false;
  }
  if (name.back() == ' ' || name.back() == '\t') {
    // RFC 9112 section 5.1: some parsers strip the space and some keep it in the name.
    *error = "whitespace before a header's colon";
    return false;
  }
  if (!is_token(name)) {
    *error = "header name is not a token";
    return false;
  }
  std::string_view value = trim_ows(line.substr(colon + 1));
  for (unsigned char c : value) {
    if (c != '\t' && (c < 0x20 || c == 0x7f)) {
      *error = "control byte in a header value";
      return false;
    }
  }
  headers->emplace_back(std::string(name), std::string(value));
  return true;
}

bool split_head(std::string_view head, std::string_view* start_line, HeaderList* headers,
                std::string* error) {
  size_t pos = head.find("\r\n");
  *start_line = head.substr(0, pos);
  if (start_line->empty()) {
    // RFC 9112 section 2.2 lets servers skip empty lines before a request; a proxy that skips
    // them and an origin that does not would disagree on where messages start.
    *error = "empty first line";
    return false;
  }
  pos += 2;
  while (pos < head.size()) {
    const size_t eol = head.find("\r\n", pos);
    if (eol == pos || eol == std::string_view::npos) break;  // the blank line ends the head
    if (!parse_field_line(head.substr(pos, eol - pos), headers, error)) return false;
    pos = eol + 2;
  }
  return true;
}

std::optional<int> parse_version(std::string_view text) {
  if (text == "HTTP/1.1") return 1;
  if (text == "HTTP/1.0") return 0;
  return std::nullopt;
}

static bool parse_digits(std::string_view text, uint64_t* value) {
  if (text.empty()) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *value = v;
  return true;
}

bool parse_framing(const HeaderList& headers, int minor_version, Framing* framing,
                   std::string* error) {
  const std::string* content_length = nullptr;
  const std::string* transfer_encoding = nullptr;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Content-Length")) {
      if (content_length != nullptr) {
        *error = "several Content-Length headers";
        return false;
      }
      content_length = &value;
    } else if (iequals(name, "Transfer-Encoding")) {
      if (transfer_encoding != nullptr) {
        *error = "several Transfer-Encoding headers";
        return false;
      }
      transfer_encoding = &value;
    }
  }
  if (content_length != nullptr && transfer_encoding != nullptr) {
    // RFC 9112 section 6.3: the classic request smuggling ambiguity.
    *error = "both Content-Length and Transfer-Encoding";
    return false;
  }
  if (content_length != nullptr) {
    uint64_t length = 0;
    if (!parse_digits(*content_length, &length)) {
      *error = "invalid Content-Length";
      return false;
    }
    framing->content_length = length;
  }
  if (transfer_encoding != nullptr) {
    if (minor_version == 0) {
      *error = "Transfer-Encoding in an HTTP/1.0 message";
      return false;
    }
    if (!iequals(*transfer_encoding, "chunked")) {
      *error = "Transfer-Encoding other than chunked";
      return false;
    }
    framing->chunked = true;
  }
  return true;
}

bool connection_tokens(const HeaderList& headers, std::vector<std::string>* tokens,
                       std::string* error) {
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "Connection")) continue;
    std::string_view rest = value;
    while (true) {
      const size_t comma = rest.find(',');
      std::string_view element = trim_ows(rest.substr(0, comma));
      if (!element.empty()) {
        if (!is_token(element)) {
          *error = "invalid Connection header";
          return false;
        }
        tokens->push_back(to_lower(element));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return true;
}

bool keeps_alive(int minor_version, const std::vector<std::string>& tokens) {
  auto has = [&](std::string_view t) {
    return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
  };
  if (has("close")) return false;
  return minor_version == 1 || has("keep-alive");
}

}  // namespace http_syntax
}  // namespace cordon::net
