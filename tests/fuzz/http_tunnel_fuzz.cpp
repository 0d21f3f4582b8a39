// Fuzzes the inspector that holds plain HTTP in a tunnel to the decided host, fed the client's
// stream in pieces of the input's choosing, with the origin answering a websocket upgrade with
// 101 or 400: whatever it passes, read again from the start as whole requests, names only the
// decided host; and how the stream is cut into reads changes no verdict.
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "net/host.h"
#include "net/http_message.h"
#include "net/http_syntax.h"
#include "net/http_tunnel_inspector.h"

namespace {

using cordon::net::HttpTunnelInspector;
using cordon::net::ParseStatus;
using Kind = HttpTunnelInspector::Step::Kind;

constexpr size_t kMaxHead = 2048;  // small, so that mutations reach the limit
constexpr uint16_t kPort = 80;

struct Run {
  std::string passed;
  bool refused = false;
  bool http = false;  // the stream was found to be HTTP
};

// Feeds `stream` to a fresh inspector `step` bytes at a time, as the tunnel does: a pending
// buffer of at most kMaxHead + 1 bytes, passed bytes leave it, the rest waits for more.
Run feed(std::string_view stream, size_t step, bool accept_upgrade) {
  cordon::net::SniPolicy policy;
  policy.must_equal = "api.example.com";
  policy.must_equal_label = "CONNECT host";
  HttpTunnelInspector inspector(policy, kPort, kMaxHead);
  Run run;
  std::string pending;
  size_t next = 0;
  for (int rounds = 0; rounds < 100000; ++rounds) {
    if (inspector.watches_origin()) {
      const std::string answer = accept_upgrade
                                     ? "HTTP/1.1 101 Switching Protocols\r\n\r\n"
                                     : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
      auto o = inspector.origin(answer);
      FUZZ_CHECK(o.kind == Kind::kPass && o.bytes == answer.size());
      FUZZ_CHECK(!inspector.watches_origin());
    }
    auto s = inspector.client(pending);
    if (s.kind == Kind::kRefuse) {
      FUZZ_CHECK(!s.reason.empty());
      run.refused = true;
      run.http = inspector.http();
      return run;
    }
    if (s.kind == Kind::kPass && s.bytes > 0) {
      FUZZ_CHECK(s.bytes <= pending.size());
      run.passed += pending.substr(0, s.bytes);
      pending.erase(0, s.bytes);
      continue;
    }
    if (next >= stream.size() || pending.size() > kMaxHead) break;
    const size_t take = std::min({step, stream.size() - next, kMaxHead + 1 - pending.size()});
    pending.append(stream.substr(next, take));
    next += take;
  }
  run.http = inspector.http();
  return run;
}

// Reads `passed` again as whole requests: each names api.example.com, on port 80 if any.
void check_requests(std::string_view passed, bool accept_upgrade) {
  size_t pos = 0;
  while (pos < passed.size()) {
    auto parse = cordon::net::parse_origin_request_head(passed.substr(pos), kMaxHead);
    // A first token may pass before the rest of its line is known (and then refused).
    if (pos == 0 && parse.status == ParseStatus::kIncomplete &&
        cordon::net::looks_like_http(passed, kMaxHead) == cordon::net::LooksLikeHttp::kToken) {
      return;
    }
    FUZZ_CHECK(parse.status == ParseStatus::kComplete);
    std::string error;
    auto hp = cordon::net::http_syntax::split_host_port(parse.head.authority, &error);
    FUZZ_CHECK(hp.has_value());
    std::string_view host = hp->host;
    if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
    auto name = cordon::net::canonicalize_host(host, true);
    FUZZ_CHECK(name.ok() && name->name == "api.example.com");
    FUZZ_CHECK(!hp->port || *hp->port == kPort);
    pos += parse.head.head_size;
    const bool upgrade = cordon::net::find_header(parse.head.headers, "Upgrade").has_value();
    if (parse.head.chunked) {
      cordon::net::ChunkedBodyScanner chunks;
      long n = chunks.consume(passed.substr(pos));
      FUZZ_CHECK(n >= 0);
      pos += static_cast<size_t>(n);
      if (!chunks.done()) FUZZ_CHECK(pos == passed.size());
    } else {
      pos += static_cast<size_t>(
          std::min<uint64_t>(parse.head.content_length.value_or(0), passed.size() - pos));
    }
    if (upgrade && accept_upgrade) return;  // after the 101, bytes
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t step = 1 + data[0] % 64;
  const bool accept_upgrade = (data[1] & 1) != 0;
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);
  const Run pieces = feed(stream, step, accept_upgrade);
  const Run whole = feed(stream, kMaxHead + 1, accept_upgrade);
  FUZZ_CHECK(stream.substr(0, pieces.passed.size()) == pieces.passed);
  for (const Run* run : {&pieces, &whole}) {
    if (run->http) {
      check_requests(run->passed, accept_upgrade);
    } else if (!run->passed.empty()) {
      // Not HTTP: what passed is one token, or begins with a line no server reads as a request.
      const auto kind = cordon::net::looks_like_http(run->passed, kMaxHead);
      FUZZ_CHECK(kind == cordon::net::LooksLikeHttp::kToken ||
                 kind == cordon::net::LooksLikeHttp::kNo);
    }
  }
  FUZZ_CHECK(pieces.http == whole.http || pieces.refused);
  // However the stream is cut into reads, the same verdict falls, and a stream that passes
  // passes the same bytes. (A body streams on as it comes, so a refusal inside one may come
  // after fewer or more of its bytes went.)
  FUZZ_CHECK(pieces.refused == whole.refused);
  // Read by read, a first token may have passed where the whole stream at once waits for the
  // end of its line.
  if (!pieces.refused) {
    FUZZ_CHECK(pieces.passed == whole.passed ||
               (whole.passed.empty() && cordon::net::looks_like_http(pieces.passed, kMaxHead) ==
                                            cordon::net::LooksLikeHttp::kToken));
  }
  return 0;
}
