// Request heads from the box's HTTP proxy clients: every refusal, framing, keep-alive, rewriting.
#include <gtest/gtest.h>

#include <string>

#include "net/http_message.h"

namespace cordon::net {
namespace {

constexpr size_t kMaxHead = 16 * 1024;

RequestParse parse(std::string_view text, size_t max_head = kMaxHead) {
  return parse_request_head(text, max_head);
}

RequestHead parse_ok(std::string_view text) {
  RequestParse p = parse(text);
  EXPECT_EQ(p.status, ParseStatus::kComplete) << p.error << "\n" << text;
  return p.head;
}

// ---- Refusals: one named case per rule in parse_request_head's contract. ----

struct Refusal {
  const char* name;
  std::string request;
  const char* error;  // a substring of the one-line 400 reason
};

class NetHttpRequestRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(NetHttpRequestRefusal, IsBadRequest) {
  const Refusal& r = GetParam();
  RequestParse p = parse(r.request);
  ASSERT_EQ(p.status, ParseStatus::kBad) << r.request;
  EXPECT_NE(p.error.find(r.error), std::string::npos) << "error: " << p.error;
  EXPECT_EQ(p.error.find('\n'), std::string::npos);
}

const std::string kHost = "Host: api.example.com\r\n";

std::string get(std::string_view target, std::string_view headers = "Host: api.example.com\r\n",
                std::string_view version = "HTTP/1.1") {
  return "GET " + std::string(target) + " " + std::string(version) + "\r\n" + std::string(headers) +
         "\r\n";
}

std::string with(std::string_view headers) {
  return get("http://api.example.com/", headers);
}

INSTANTIATE_TEST_SUITE_P(
    NetRefusals, NetHttpRequestRefusal,
    ::testing::Values(
        // Request targets.
        Refusal{"OriginForm", get("/index.html"), "origin-form"},
        Refusal{"AsteriskForm", "OPTIONS * HTTP/1.1\r\n" + kHost + "\r\n", "asterisk-form"},
        Refusal{"HttpsScheme", get("https://api.example.com/"), "https://"},
        Refusal{"OtherScheme", get("ftp://api.example.com/"), "unsupported scheme"},
        Refusal{"NoScheme", get("api.example.com/x"), "absolute http://"},
        Refusal{"AuthorityFormWithoutConnect", get("api.example.com:80"), "absolute http://"},
        Refusal{"Userinfo", get("http://user@api.example.com/"), "userinfo"},
        Refusal{"UserinfoWithPassword", get("http://user:pw@api.example.com/"), "userinfo"},
        Refusal{"Backslash", get("http://api.example.com\\@other.example.com/"), "backslash"},
        Refusal{"BackslashInPath", get("http://api.example.com/a\\b"), "backslash"},
        Refusal{"Fragment", get("http://api.example.com/a#top"), "fragment"},
        Refusal{"NulInTarget", get(std::string("http://api.example.com/a\0b", 26)), "NUL"},
        Refusal{"ControlInTarget", get("http://api.example.com/a\x01"), "control"},
        Refusal{"NonAsciiInTarget", get("http://api.example.com/caf\xc3\xa9"), "non-ASCII"},
        Refusal{"SpaceInTarget", get("http://api.example.com/a b"), "control"},
        Refusal{"PercentInHost", get("http://api%2eexample.com/"), "percent"},
        Refusal{"ZoneId", get("http://[fe80::1%25eth0]/"), "zone id"},
        Refusal{"EmptyHost", get("http:///x"), "empty host"},
        Refusal{"EmptyPort", get("http://api.example.com:/"), "invalid port"},
        Refusal{"PortZero", get("http://api.example.com:0/"), "invalid port"},
        Refusal{"PortTooLarge", get("http://api.example.com:65536/"), "invalid port"},
        Refusal{"PortLeadingZero", get("http://api.example.com:080/"), "invalid port"},
        Refusal{"BadHostByte", get("http://api.example.com!/"), "invalid character"},
        // Bytes and lines.
        Refusal{"NulInHeader", with(std::string("X-A: a\0b\r\n", 10)), "NUL"},
        Refusal{"BareLfInRequestLine", "GET http://api.example.com/ HTTP/1.1\n" + kHost + "\r\n",
                "bare LF"},
        Refusal{"BareLfInHeader", with("X-A: a\nX-B: b\r\n"), "bare LF"},
        Refusal{"BareLfEndingHead", "GET http://api.example.com/ HTTP/1.1\r\n" + kHost + "\n",
                "bare LF"},
        Refusal{"BareCr", with("X-A: a\rb\r\n"), "bare CR"},
        Refusal{"ObsFold", with("X-A: a\r\n b\r\n"), "folding"},
        Refusal{"ObsFoldTab", with("X-A: a\r\n\tb\r\n"), "folding"},
        Refusal{"SpaceBeforeColon", get("http://api.example.com/", "Host : api.example.com\r\n"),
                "whitespace before"},
        Refusal{"TabBeforeColon", with("Content-Length\t: 0\r\n"), "whitespace before"},
        Refusal{"HeaderNameNotToken", with("X(A): b\r\n"), "not a token"},
        Refusal{"EmptyHeaderName", with(": b\r\n"), "empty header name"},
        Refusal{"HeaderWithoutColon", with("X-A b\r\n"), "without a colon"},
        Refusal{"ControlInHeaderValue", with("X-A: a\x01z\r\n"), "control byte"},
        Refusal{"DelInHeaderValue", with("X-A: a\x7fz\r\n"), "control byte"},
        Refusal{"EmptyRequestLine", "\r\n\r\n", "empty first line"},
        Refusal{"LeadingEmptyLine", "\r\n" + get("http://api.example.com/"), "empty first line"},
        // Host.
        Refusal{"DuplicateHost", with(kHost + "Host: api.example.com\r\n"), "duplicate Host"},
        Refusal{"DuplicateHostDifferentCase", with(kHost + "host: api.example.com\r\n"),
                "duplicate Host"},
        Refusal{"HostDiffersFromAuthority",
                get("http://api.example.com/", "Host: other.example.com\r\n"), "differs"},
        Refusal{"HostDiffersInPort",
                get("http://api.example.com/", "Host: api.example.com:8080\r\n"), "differs"},
        Refusal{"HostWithUserinfo", get("http://api.example.com/", "Host: me@api.example.com\r\n"),
                "differs"},
        Refusal{"EmptyHostHeader", get("http://api.example.com/", "Host:\r\n"), "differs"},
        // Body framing.
        Refusal{"ContentLengthAndTransferEncoding",
                with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), "both"},
        Refusal{"TwoDifferentContentLengths", with("Content-Length: 5\r\nContent-Length: 6\r\n"),
                "several Content-Length"},
        Refusal{"TwoEqualContentLengths", with("Content-Length: 5\r\nContent-Length: 5\r\n"),
                "several Content-Length"},
        Refusal{"ContentLengthList", with("Content-Length: 1, 1\r\n"), "invalid Content-Length"},
        Refusal{"ContentLengthNegative", with("Content-Length: -1\r\n"), "invalid Content-Length"},
        Refusal{"ContentLengthPlus", with("Content-Length: +1\r\n"), "invalid Content-Length"},
        Refusal{"ContentLengthHex", with("Content-Length: 0x10\r\n"), "invalid Content-Length"},
        Refusal{"ContentLengthEmpty", with("Content-Length:\r\n"), "invalid Content-Length"},
        Refusal{"ContentLengthOverflow", with("Content-Length: 18446744073709551616\r\n"),
                "invalid Content-Length"},
        Refusal{"TransferEncodingGzipChunked", with("Transfer-Encoding: gzip, chunked\r\n"),
                "other than chunked"},
        Refusal{"TransferEncodingIdentity", with("Transfer-Encoding: identity\r\n"),
                "other than chunked"},
        Refusal{"TransferEncodingTwice",
                with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
                "several Transfer-Encoding"},
        Refusal{
            "TransferEncodingInHttp10",
            get("http://api.example.com/", kHost + "Transfer-Encoding: chunked\r\n", "HTTP/1.0"),
            "HTTP/1.0"},
        Refusal{"ConnectionNotTokens", with("Connection: keep-alive, \"x\"\r\n"),
                "invalid Connection"},
        // Versions and methods.
        Refusal{"Http20", get("http://api.example.com/", kHost, "HTTP/2.0"), "version"},
        Refusal{"Http12", get("http://api.example.com/", kHost, "HTTP/1.2"), "version"},
        Refusal{"LowerCaseVersion", get("http://api.example.com/", kHost, "http/1.1"), "version"},
        Refusal{"Http09", "GET http://api.example.com/\r\n\r\n", "malformed request line"},
        Refusal{"MethodNotToken", "G(T http://api.example.com/ HTTP/1.1\r\n" + kHost + "\r\n",
                "not a token"},
        Refusal{"DoubleSpace", "GET  http://api.example.com/ HTTP/1.1\r\n" + kHost + "\r\n",
                "control"},
        // CONNECT.
        Refusal{"ConnectWithoutPort", "CONNECT api.example.com HTTP/1.1\r\n\r\n", "without a port"},
        Refusal{"ConnectIpv6WithoutPort", "CONNECT [::1] HTTP/1.1\r\n\r\n", "without a port"},
        Refusal{"ConnectAbsoluteUri", "CONNECT http://api.example.com:443/ HTTP/1.1\r\n\r\n",
                "invalid port"},
        Refusal{"ConnectUserinfo", "CONNECT user@api.example.com:443 HTTP/1.1\r\n\r\n", "userinfo"},
        Refusal{"ConnectHostDiffers",
                "CONNECT api.example.com:443 HTTP/1.1\r\nHost: other.example.com:443\r\n\r\n",
                "differs"},
        Refusal{"ConnectWithBody",
                "CONNECT api.example.com:443 HTTP/1.1\r\nContent-Length: 4\r\n\r\n", "body"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return std::string(info.param.name); });

TEST(NetHttpRequest, OversizedHeadIsRefusedWithoutItsEnd) {
  std::string head = "GET http://api.example.com/ HTTP/1.1\r\n" + kHost + "X-Pad: ";
  head += std::string(100, 'a');
  EXPECT_EQ(parse(head, 200).status, ParseStatus::kIncomplete);
  head += std::string(100, 'a');
  RequestParse p = parse(head, 200);
  EXPECT_EQ(p.status, ParseStatus::kBad);
  EXPECT_NE(p.error.find("larger than 200"), std::string::npos) << p.error;
}

TEST(NetHttpRequest, HeadOfExactlyMaxHeadIsAccepted) {
  const std::string head = get("http://api.example.com/");
  EXPECT_EQ(parse(head, head.size()).status, ParseStatus::kComplete);
  EXPECT_EQ(parse(head, head.size() - 1).status, ParseStatus::kBad);
}

// ---- Accepted requests. ----

TEST(NetHttpRequest, AbsoluteForm) {
  const std::string text =
      "GET http://api.example.com/v1/items?x=1&y=%2F HTTP/1.1\r\nHost: api.example.com\r\n"
      "Accept:   */*  \r\nX-Empty:\r\n\r\n";
  RequestHead h = parse_ok(text);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "http://api.example.com/v1/items?x=1&y=%2F");
  EXPECT_FALSE(h.connect);
  EXPECT_EQ(h.authority, "api.example.com");
  EXPECT_EQ(h.default_port, 80);
  EXPECT_EQ(h.origin_form, "/v1/items?x=1&y=%2F");
  EXPECT_EQ(h.minor_version, 1);
  ASSERT_EQ(h.headers.size(), 3u);
  EXPECT_EQ(h.headers[1].first, "Accept");
  EXPECT_EQ(h.headers[1].second, "*/*");  // surrounding whitespace is not part of the value
  EXPECT_EQ(h.headers[2].second, "");
  EXPECT_FALSE(h.content_length.has_value());
  EXPECT_FALSE(h.chunked);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.head_size, text.size());
}

TEST(NetHttpRequest, OriginFormDefaultsToSlash) {
  EXPECT_EQ(parse_ok(get("http://api.example.com")).origin_form, "/");
  EXPECT_EQ(parse_ok(get("http://api.example.com?q=1")).origin_form, "/?q=1");
  EXPECT_EQ(parse_ok(get("HTTP://api.example.com/a")).origin_form, "/a");
  EXPECT_EQ(parse_ok(get("http://api.example.com/a@b")).origin_form, "/a@b");
}

TEST(NetHttpRequest, AuthorityKeepsPortAndIpv6Literal) {
  RequestHead h = parse_ok(get("http://api.example.com:8080/x", "Host: api.example.com:8080\r\n"));
  EXPECT_EQ(h.authority, "api.example.com:8080");
  h = parse_ok(get("http://[2001:db8::1]:8080/", "Host: [2001:DB8::1]:8080\r\n"));
  EXPECT_EQ(h.authority, "[2001:db8::1]:8080");
  EXPECT_EQ(h.origin_form, "/");
}

TEST(NetHttpRequest, HostAgreeingModuloCaseDotAndDefaultPortIsAccepted) {
  for (const char* host :
       {"API.Example.COM", "api.example.com.", "api.example.com:80", "Api.Example.Com.:80"}) {
    EXPECT_EQ(parse(get("http://api.example.com/", std::string("Host: ") + host + "\r\n")).status,
              ParseStatus::kComplete)
        << host;
  }
  EXPECT_EQ(parse(get("http://API.example.com:80/", kHost)).status, ParseStatus::kComplete);
}

TEST(NetHttpRequest, MissingHostIsAcceptedBecauseTheAuthorityDecides) {
  RequestHead h = parse_ok(get("http://api.example.com/", ""));
  EXPECT_FALSE(find_header(h.headers, "Host").has_value());
}

TEST(NetHttpRequest, ObsTextInValuesIsAccepted) {
  RequestHead h = parse_ok(with("X-Name: caf\xc3\xa9\tau lait\r\n"));
  EXPECT_EQ(find_header(h.headers, "x-name").value(), "caf\xc3\xa9\tau lait");
}

TEST(NetHttpRequest, ContentLengthAndChunkedFraming) {
  RequestHead h = parse_ok(with("Content-Length: 42\r\n"));
  EXPECT_EQ(h.content_length, 42u);
  EXPECT_FALSE(h.chunked);
  h = parse_ok(with("Content-Length: 18446744073709551615\r\n"));
  EXPECT_EQ(h.content_length, UINT64_MAX);
  for (const char* te : {"chunked", "chunked ", "  Chunked\t", "CHUNKED"}) {
    h = parse_ok(with(std::string("Transfer-Encoding: ") + te + "\r\n"));
    EXPECT_TRUE(h.chunked) << te;
    EXPECT_FALSE(h.content_length.has_value());
  }
}

TEST(NetHttpRequest, Connect) {
  RequestHead h = parse_ok(
      "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n"
      "Proxy-Authorization: Basic dG9rZW46\r\n\r\n");
  EXPECT_TRUE(h.connect);
  EXPECT_EQ(h.method, "CONNECT");
  EXPECT_EQ(h.authority, "api.example.com:443");
  EXPECT_EQ(h.default_port, 443);
  EXPECT_TRUE(h.origin_form.empty());

  h = parse_ok("CONNECT [::1]:443 HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(h.connect);
  EXPECT_EQ(h.authority, "[::1]:443");

  h = parse_ok("CONNECT api.example.com:8443 HTTP/1.0\r\nHost: API.example.com:8443\r\n\r\n");
  EXPECT_EQ(h.authority, "api.example.com:8443");
  EXPECT_FALSE(h.keep_alive);

  // Host "api.example.com" means port 443 for a CONNECT.
  EXPECT_EQ(parse("CONNECT api.example.com:443 HTTP/1.1\r\n" + kHost + "\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(parse("CONNECT api.example.com:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status,
            ParseStatus::kComplete);
}

TEST(NetHttpRequest, KeepAliveDefaultsAndConnectionTokens) {
  struct Case {
    const char* version;
    const char* headers;
    bool keep_alive;
  };
  for (const Case& c : {
           Case{"HTTP/1.1", "", true},
           Case{"HTTP/1.1", "Connection: close\r\n", false},
           Case{"HTTP/1.1", "Connection: Close\r\n", false},
           Case{"HTTP/1.1", "Connection: x-trace, close\r\n", false},
           Case{"HTTP/1.1", "Connection: x-trace\r\nConnection: close\r\n", false},
           Case{"HTTP/1.1", "Connection: keep-alive\r\n", true},
           Case{"HTTP/1.1", "Connection: , ,\r\n", true},
           Case{"HTTP/1.0", "", false},
           Case{"HTTP/1.0", "Connection: keep-alive\r\n", true},
           Case{"HTTP/1.0", "Connection: Keep-Alive, x-trace\r\n", true},
           Case{"HTTP/1.0", "Connection: keep-alive, close\r\n", false},
       }) {
    RequestHead h = parse_ok(get("http://api.example.com/", kHost + c.headers, c.version));
    EXPECT_EQ(h.keep_alive, c.keep_alive) << c.version << " " << c.headers;
    EXPECT_EQ(h.minor_version, std::string(c.version) == "HTTP/1.1" ? 1 : 0);
  }
}

TEST(NetHttpRequest, IncompleteUntilTheBlankLineAtEveryByte) {
  const std::string text = get("http://api.example.com/a", kHost + "Content-Length: 3\r\n");
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_EQ(parse(std::string_view(text).substr(0, n)).status, ParseStatus::kIncomplete) << n;
  }
  EXPECT_EQ(parse(text).status, ParseStatus::kComplete);
}

TEST(NetHttpRequest, BadBytesAreRefusedBeforeTheHeadEnds) {
  EXPECT_EQ(parse("GET http://api.example.com/ HTTP/1.1\nHo").status, ParseStatus::kBad);
  EXPECT_EQ(parse("GET http://api.example.com/ HTTP/1.1\r\nX: \rx").status, ParseStatus::kBad);
  EXPECT_EQ(parse(std::string("GET http://api.\0", 16)).status, ParseStatus::kBad);
  // A CR at the end of the data may still be followed by its LF.
  EXPECT_EQ(parse("GET http://api.example.com/ HTTP/1.1\r").status, ParseStatus::kIncomplete);
}

TEST(NetHttpRequest, PipelinedRequestsAreFoundThroughHeadSize) {
  const std::string first = with("Content-Length: 5\r\n");
  const std::string second = "HEAD http://api.example.com/b HTTP/1.1\r\n" + kHost + "\r\n";
  const std::string stream = first + "hello" + second + "GET http://api.exa";
  RequestParse p = parse(stream);
  ASSERT_EQ(p.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.head_size, first.size());
  const size_t next = p.head.head_size + *p.head.content_length;
  p = parse(std::string_view(stream).substr(next));
  ASSERT_EQ(p.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.method, "HEAD");
  EXPECT_EQ(p.head.origin_form, "/b");
  EXPECT_EQ(p.head.head_size, second.size());
  EXPECT_EQ(parse(std::string_view(stream).substr(next + p.head.head_size)).status,
            ParseStatus::kIncomplete);
}

TEST(NetHttpRequest, FindHeaderIsCaseInsensitiveAndReturnsTheFirst) {
  HeaderList headers = {{"X-A", "1"}, {"x-a", "2"}, {"Accept", "*/*"}};
  EXPECT_EQ(find_header(headers, "x-A").value(), "1");
  EXPECT_EQ(find_header(headers, "ACCEPT").value(), "*/*");
  EXPECT_FALSE(find_header(headers, "X-B").has_value());
  EXPECT_FALSE(find_header(headers, "X-").has_value());
}

// ---- The head sent upstream. ----

TEST(NetHttpRequest, UpstreamHeadIsOriginFormWithoutHopByHopHeaders) {
  RequestHead h = parse_ok(
      "GET http://api.example.com/v1?x=1 HTTP/1.1\r\n"
      "Host: API.example.com\r\n"
      "User-Agent: test\r\n"
      "Proxy-Authorization: Basic dG9rZW46\r\n"
      "Proxy-Connection: keep-alive\r\n"
      "Connection: keep-alive, X-Secret\r\n"
      "X-Secret: 1\r\n"
      "Keep-Alive: timeout=5\r\n"
      "TE: trailers\r\n"
      "Trailer: X-Sum\r\n"
      "Upgrade: websocket\r\n"
      "Accept: */*\r\n"
      "\r\n");
  EXPECT_EQ(upstream_request_head(h, true),
            "GET /v1?x=1 HTTP/1.1\r\n"
            "Host: api.example.com\r\n"
            "User-Agent: test\r\n"
            "Accept: */*\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
  EXPECT_EQ(upstream_request_head(h, false),
            "GET /v1?x=1 HTTP/1.1\r\n"
            "Host: api.example.com\r\n"
            "User-Agent: test\r\n"
            "Accept: */*\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST(NetHttpRequest, UpstreamHostCarriesOnlyANonDefaultPort) {
  auto host_line = [](std::string_view target) {
    const std::string up = upstream_request_head(parse_ok(get(target, "")), true);
    const size_t start = up.find("\r\n") + 2;  // the line after the request line
    return up.substr(start, up.find("\r\n", start) - start);
  };
  EXPECT_EQ(host_line("http://api.example.com/"), "Host: api.example.com");
  EXPECT_EQ(host_line("http://api.example.com:80/"), "Host: api.example.com");
  EXPECT_EQ(host_line("http://api.example.com:8080/"), "Host: api.example.com:8080");
  EXPECT_EQ(host_line("http://[2001:db8::1]:80/"), "Host: [2001:db8::1]");
  EXPECT_EQ(host_line("http://[2001:db8::1]:8080/"), "Host: [2001:db8::1]:8080");
}

TEST(NetHttpRequest, UpstreamHeadKeepsFramingEvenWhenConnectionNamesIt) {
  RequestHead h = parse_ok(
      "POST http://api.example.com/upload HTTP/1.0\r\nContent-Length: 5\r\n"
      "Connection: Content-Length, keep-alive\r\n\r\n");
  EXPECT_EQ(upstream_request_head(h, false),
            "POST /upload HTTP/1.0\r\nHost: api.example.com\r\nContent-Length: 5\r\n"
            "Connection: close\r\n\r\n");
  h = parse_ok(with("Transfer-Encoding: chunked\r\nConnection: transfer-encoding\r\n"));
  EXPECT_NE(upstream_request_head(h, true).find("\r\nTransfer-Encoding: chunked\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace cordon::net
