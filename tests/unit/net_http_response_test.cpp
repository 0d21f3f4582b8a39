// Response heads from origins, the chunked body scanner, and the proxy's own replies.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "net/http_message.h"

namespace cordon::net {
namespace {

constexpr size_t kMaxHead = 16 * 1024;

ResponseParse parse(std::string_view text, std::string_view method = "GET",
                    size_t max_head = kMaxHead) {
  return parse_response_head(text, method, max_head);
}

ResponseHead parse_ok(std::string_view text, std::string_view method = "GET") {
  ResponseParse p = parse(text, method);
  EXPECT_EQ(p.status, ParseStatus::kComplete) << p.error << "\n" << text;
  return p.head;
}

// ---- Framing. ----

TEST(NetHttpResponse, ContentLength) {
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n";
  ResponseHead h = parse_ok(head + "hello");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.minor_version, 1);
  EXPECT_EQ(h.framing, BodyFraming::kContentLength);
  EXPECT_EQ(h.content_length, 5u);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.head_size, head.size());
  EXPECT_EQ(h.headers.size(), 2u);
  EXPECT_EQ(parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").content_length, 0u);
}

TEST(NetHttpResponse, Chunked) {
  ResponseHead h = parse_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked \r\n\r\n");
  EXPECT_EQ(h.framing, BodyFraming::kChunked);
  EXPECT_TRUE(h.keep_alive);
}

TEST(NetHttpResponse, UntilCloseWithoutFramingOrForHttp10) {
  ResponseHead h = parse_ok("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n");
  EXPECT_EQ(h.framing, BodyFraming::kUntilClose);
  EXPECT_FALSE(h.keep_alive);
  h = parse_ok("HTTP/1.0 200 OK\r\n\r\n");
  EXPECT_EQ(h.framing, BodyFraming::kUntilClose);
  EXPECT_FALSE(h.keep_alive);
  h = parse_ok("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(h.framing, BodyFraming::kUntilClose);
  EXPECT_FALSE(h.keep_alive);  // the end of the body is the end of the connection
}

TEST(NetHttpResponse, KeepAliveRules) {
  EXPECT_TRUE(parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n").keep_alive);
  EXPECT_FALSE(
      parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_ok("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n").keep_alive);
  ResponseHead h =
      parse_ok("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: Keep-Alive\r\n\r\n");
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.minor_version, 0);
  EXPECT_FALSE(parse_ok("HTTP/1.1 204 No Content\r\nConnection: x-a, close\r\n\r\n").keep_alive);
}

TEST(NetHttpResponse, HeadRequestsHaveNoBodyWhateverTheHeadersSay) {
  ResponseHead h = parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", "HEAD");
  EXPECT_EQ(h.framing, BodyFraming::kNone);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(parse_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD").framing,
            BodyFraming::kNone);
  EXPECT_EQ(parse_ok("HTTP/1.1 200 OK\r\n\r\n", "HEAD").framing, BodyFraming::kNone);
  EXPECT_TRUE(parse_ok("HTTP/1.1 200 OK\r\n\r\n", "HEAD").keep_alive);
}

TEST(NetHttpResponse, NoBodyFor204And304) {
  ResponseHead h = parse_ok("HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(h.framing, BodyFraming::kNone);
  EXPECT_TRUE(h.keep_alive);
  h = parse_ok("HTTP/1.1 304 Not Modified\r\nContent-Length: 512\r\nETag: \"x\"\r\n\r\n");
  EXPECT_EQ(h.framing, BodyFraming::kNone);
  EXPECT_TRUE(h.keep_alive);
}

// A 1xx head comes back complete with kNone framing; the caller relays it and parses again
// at head_size for the response that answers the request.
TEST(NetHttpResponse, InterimResponsesAreParsedThenTheFinalOne) {
  const std::string stream =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  size_t at = 0;
  std::vector<int> statuses;
  while (true) {
    ResponseParse p = parse(std::string_view(stream).substr(at), "POST");
    ASSERT_EQ(p.status, ParseStatus::kComplete) << p.error;
    statuses.push_back(p.head.status);
    at += p.head.head_size;
    if (p.head.status >= 200) {
      EXPECT_EQ(p.head.framing, BodyFraming::kContentLength);
      EXPECT_EQ(stream.substr(at), "ok");
      break;
    }
    EXPECT_EQ(p.head.framing, BodyFraming::kNone);
  }
  EXPECT_EQ(statuses, (std::vector<int>{100, 103, 201}));
}

TEST(NetHttpResponse, ReasonPhrase) {
  EXPECT_EQ(parse_ok("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").status, 200);
  EXPECT_EQ(parse_ok("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").status, 200);
  EXPECT_EQ(parse_ok("HTTP/1.1 404 Not\tFound \xc3\xa9\r\nContent-Length: 0\r\n\r\n").status, 404);
}

TEST(NetHttpResponse, IncompleteAtEveryByteUntilTheBlankLine) {
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_EQ(parse(std::string_view(text).substr(0, n)).status, ParseStatus::kIncomplete) << n;
  }
  EXPECT_EQ(parse(text).status, ParseStatus::kComplete);
}

struct BadResponse {
  const char* name;
  std::string response;
  const char* error;
};

class NetHttpResponseRefusal : public ::testing::TestWithParam<BadResponse> {};

TEST_P(NetHttpResponseRefusal, IsBad) {
  ResponseParse p = parse(GetParam().response);
  ASSERT_EQ(p.status, ParseStatus::kBad) << GetParam().response;
  EXPECT_NE(p.error.find(GetParam().error), std::string::npos) << p.error;
}

INSTANTIATE_TEST_SUITE_P(
    NetRefusals, NetHttpResponseRefusal,
    ::testing::Values(
        BadResponse{"ContentLengthAndChunked",
                    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                    "both"},
        BadResponse{"TwoContentLengths",
                    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                    "several Content-Length"},
        BadResponse{"ContentLengthList", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n",
                    "invalid Content-Length"},
        BadResponse{"GzipChunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                    "other than chunked"},
        BadResponse{"ChunkedInHttp10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                    "HTTP/1.0"},
        BadResponse{"BareLf", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "bare LF"},
        BadResponse{"BareCr", "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", "bare CR"},
        BadResponse{"ObsFold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n",
                    "folding"},
        BadResponse{"SpaceBeforeColon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
                    "whitespace before"},
        BadResponse{"Http2", "HTTP/2 200 OK\r\n\r\n", "version"},
        BadResponse{"Http09", "hello world\r\n\r\n", "version"},
        BadResponse{"ShortStatus", "HTTP/1.1 20 OK\r\n\r\n", "status"},
        BadResponse{"LongStatus", "HTTP/1.1 2000 OK\r\n\r\n", "status"},
        BadResponse{"LetterStatus", "HTTP/1.1 2x0 OK\r\n\r\n", "status"},
        BadResponse{"StatusTooHigh", "HTTP/1.1 600 Odd\r\n\r\n", "status"},
        BadResponse{"StatusTooLow", "HTTP/1.1 099 Odd\r\n\r\n", "status"},
        BadResponse{"ControlInReason", "HTTP/1.1 200 O\x01K\r\n\r\n", "reason"},
        BadResponse{"NulInHeader", std::string("HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", 25), "NUL"},
        BadResponse{"SwitchingProtocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
                    "101"}),
    [](const ::testing::TestParamInfo<BadResponse>& info) { return std::string(info.param.name); });

TEST(NetHttpResponse, OversizedHead) {
  const std::string text = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(300, 'a');
  EXPECT_EQ(parse(text, "GET", 400).status, ParseStatus::kIncomplete);
  EXPECT_EQ(parse(text, "GET", 100).status, ParseStatus::kBad);
}

// ---- ChunkedBodyScanner. ----

// Feeds `pieces` in order; returns the bytes that belong to the body (or -1).
long feed(ChunkedBodyScanner* scanner, const std::vector<std::string>& pieces) {
  long total = 0;
  for (const std::string& piece : pieces) {
    const long n = scanner->consume(piece);
    if (n < 0) return -1;
    total += n;
    if (scanner->done()) break;
  }
  return total;
}

const std::string kBodies[] = {
    "0\r\n\r\n",
    "5\r\nhello\r\n0\r\n\r\n",
    "5;name=value;flag\r\nhello\r\n6;q=\"a b;c\"\r\n world\r\n0;last\r\n\r\n",
    "A\r\n0123456789\r\n00a\r\nabcdefghij\r\n000\r\n\r\n",
    "3\r\n\r\n\r\r\n0\r\nX-Checksum: abc\r\nX-Other:\tb c\r\n\r\n",
    "1\r\n0\r\n0\r\n\r\n",
};
const std::string kAfter = "HTTP/1.1 200 OK\r\n";  // the next response on the connection

TEST(NetChunkedBody, FindsTheEndInOnePiece) {
  for (const std::string& body : kBodies) {
    ChunkedBodyScanner scanner;
    EXPECT_EQ(scanner.consume(body + kAfter), static_cast<long>(body.size())) << body;
    EXPECT_TRUE(scanner.done());
    EXPECT_EQ(scanner.consume(kAfter), 0);
  }
}

TEST(NetChunkedBody, OneByteAtATime) {
  for (const std::string& body : kBodies) {
    ChunkedBodyScanner scanner;
    const std::string stream = body + kAfter;
    size_t used = 0;
    for (size_t i = 0; i < stream.size() && !scanner.done(); ++i) {
      EXPECT_FALSE(scanner.done());
      const long n = scanner.consume(std::string_view(stream).substr(i, 1));
      ASSERT_EQ(n, 1) << body << " at " << i;
      used += 1;
    }
    EXPECT_TRUE(scanner.done());
    EXPECT_EQ(used, body.size());
  }
}

TEST(NetChunkedBody, EveryTwoPieceSplit) {
  for (const std::string& body : kBodies) {
    const std::string stream = body + kAfter;
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      ChunkedBodyScanner scanner;
      EXPECT_EQ(feed(&scanner, {stream.substr(0, cut), stream.substr(cut)}),
                static_cast<long>(body.size()))
          << body << " cut at " << cut;
      EXPECT_TRUE(scanner.done());
    }
  }
}

TEST(NetChunkedBody, RandomSplits) {
  std::mt19937 random(20240601);  // fixed: a failure must be reproducible
  for (const std::string& body : kBodies) {
    const std::string stream = body + kAfter;
    for (int round = 0; round < 200; ++round) {
      std::vector<std::string> pieces;
      for (size_t at = 0; at < stream.size();) {
        const size_t n = std::uniform_int_distribution<size_t>(0, 6)(random);
        pieces.push_back(stream.substr(at, n));
        at += n;
      }
      ChunkedBodyScanner scanner;
      EXPECT_EQ(feed(&scanner, pieces), static_cast<long>(body.size())) << body;
      EXPECT_TRUE(scanner.done());
    }
  }
}

TEST(NetChunkedBody, LargestSizeIsReadAndNotDone) {
  ChunkedBodyScanner scanner;
  EXPECT_EQ(scanner.consume("FFFFFFFFFFFFFFFF\r\nabc"), 21);
  EXPECT_FALSE(scanner.done());
}

TEST(NetChunkedBody, Malformed) {
  for (const std::string& bad : {
           std::string("\r\n"),                           // no size
           std::string(";x\r\n"),                         // extension without a size
           std::string("x\r\n"),                          // not hex
           std::string("-5\r\n"),                         // sign
           std::string("0x5\r\n"),                        // C notation
           std::string("5 \r\nhello\r\n0\r\n\r\n"),       // whitespace after the size
           std::string(" 5\r\nhello\r\n0\r\n\r\n"),       // whitespace before it
           std::string("5\nhello\r\n0\r\n\r\n"),          // bare LF after the size
           std::string("5\rhello\r\n0\r\n\r\n"),          // bare CR
           std::string("5\r\nhelloX\r\n0\r\n\r\n"),       // data longer than its size
           std::string("5\r\nhello\n0\r\n\r\n"),          // missing CR after the data
           std::string("5\r\nhello\r0\r\n\r\n"),          // missing LF after the data
           std::string("10000000000000000\r\n"),          // 2^64: overflow
           std::string("5;a\x01\r\nhello\r\n0\r\n\r\n"),  // control byte in an extension
           std::string("5;a\nb\r\nhello\r\n0\r\n\r\n"),   // bare LF in an extension
           std::string("0\r\n\n"),                        // bare LF ending the body
           std::string("0\r\nX-A: 1\n\r\n"),              // bare LF in a trailer
           std::string("0\r\nX-A: 1\r\n b\r\n\r\n"),      // obs-fold in the trailers
           std::string("0\r\n:x\r\n\r\n"),                // trailer without a name
           std::string("0\r\nX-A: \x7f\r\n\r\n"),         // DEL in a trailer
       }) {
    ChunkedBodyScanner whole;
    EXPECT_EQ(whole.consume(bad), -1) << bad;
    // Split at every byte, the error is still found (in whichever call holds the bad byte).
    ChunkedBodyScanner bytes;
    long result = 0;
    for (char c : bad) {
      result = bytes.consume(std::string_view(&c, 1));
      if (result < 0) break;
    }
    EXPECT_EQ(result, -1) << bad;
  }
}

// ---- The proxy's own replies. ----

struct Reply {
  ResponseHead head;
  std::string body;
};

Reply parse_reply(const std::string& text) {
  ResponseParse p = parse(text);
  EXPECT_EQ(p.status, ParseStatus::kComplete) << p.error << "\n" << text;
  Reply r{p.head, text.substr(p.head.head_size)};
  EXPECT_EQ(p.head.framing, BodyFraming::kContentLength);
  EXPECT_EQ(p.head.content_length, r.body.size());
  EXPECT_FALSE(p.head.keep_alive);
  EXPECT_EQ(find_header(p.head.headers, "Connection").value_or(""), "close");
  EXPECT_EQ(find_header(p.head.headers, "Content-Type").value_or("").substr(0, 10), "text/plain");
  return r;
}

TEST(NetHttpReplies, Denied) {
  Reply r = parse_reply(
      denied_response("api.example.com", 443, "deny *.example.com", "host matches a deny rule"));
  EXPECT_EQ(r.head.status, 403);
  EXPECT_EQ(r.head.minor_version, 1);
  EXPECT_EQ(find_header(r.head.headers, "X-Cordon-Denied").value_or(""), "deny *.example.com");
  EXPECT_NE(r.body.find("api.example.com"), std::string::npos);
  EXPECT_NE(r.body.find("443"), std::string::npos);
  EXPECT_NE(r.body.find("deny *.example.com"), std::string::npos);
  EXPECT_NE(r.body.find("host matches a deny rule"), std::string::npos);
}

TEST(NetHttpReplies, DeniedWithoutRuleNamesTheReason) {
  Reply r = parse_reply(denied_response("api.example.com", 80, "", "not in the allow list"));
  EXPECT_EQ(find_header(r.head.headers, "X-Cordon-Denied").value_or(""), "not in the allow list");
  r = parse_reply(denied_response("api.example.com", 80, "", ""));
  EXPECT_EQ(find_header(r.head.headers, "X-Cordon-Denied").value_or(""), "denied");
}

TEST(NetHttpReplies, DeniedHeaderCannotBeSplitWhateverTheText) {
  using namespace std::string_literals;
  const std::string evil = "rule\r\nSet-Cookie: a=1\r\n\r\nHTTP/1.1 200 OK\n\r\x00\x1b[2J\xff"s;
  for (const auto& [rule, reason] :
       {std::pair{evil, std::string("r")}, std::pair{std::string(), evil}}) {
    const std::string text = denied_response("api.example.com\r\nX-Injected: 1", 443, rule, reason);
    Reply r = parse_reply(text);
    EXPECT_EQ(r.head.status, 403);
    EXPECT_EQ(r.head.headers.size(),
              4u);  // Content-Type, Content-Length, Connection, X-Cordon-Denied
    EXPECT_FALSE(find_header(r.head.headers, "Set-Cookie").has_value());
    EXPECT_FALSE(find_header(r.head.headers, "X-Injected").has_value());
    const std::string value(find_header(r.head.headers, "X-Cordon-Denied").value_or(""));
    for (unsigned char c : value) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(c);
    for (unsigned char c : r.body) EXPECT_TRUE(c == '\n' || c >= 0x20) << int(c);
  }
  // Every single byte value, as the whole rule.
  for (int b = 0; b < 256; ++b) {
    const std::string rule(1, static_cast<char>(b));
    Reply r = parse_reply(denied_response("api.example.com", 443, rule, "reason"));
    EXPECT_EQ(r.head.headers.size(), 4u) << b;
  }
}

TEST(NetHttpReplies, DeniedHeaderIsBounded) {
  Reply r = parse_reply(denied_response("api.example.com", 443, std::string(5000, 'r'), "x"));
  EXPECT_LE(find_header(r.head.headers, "X-Cordon-Denied").value_or("").size(), 256u);
  EXPECT_NE(r.body.find(std::string(5000, 'r')), std::string::npos);  // the body has it all
}

TEST(NetHttpReplies, BadRequest) {
  Reply r = parse_reply(bad_request_response("bare LF in the message head"));
  EXPECT_EQ(r.head.status, 400);
  EXPECT_FALSE(find_header(r.head.headers, "X-Cordon-Denied").has_value());
  EXPECT_NE(r.body.find("bare LF in the message head"), std::string::npos);
  r = parse_reply(bad_request_response("a\r\nb"));
  EXPECT_EQ(r.body.find('\r'), std::string::npos);
}

TEST(NetHttpReplies, GatewayErrors) {
  const std::string bad_gateway = gateway_error_response(502, "connection refused");
  EXPECT_EQ(bad_gateway.substr(0, bad_gateway.find("\r\n")), "HTTP/1.1 502 Bad Gateway");
  EXPECT_NE(parse_reply(bad_gateway).body.find("connection refused"), std::string::npos);
  const std::string timeout = gateway_error_response(504, "timed out");
  EXPECT_EQ(timeout.substr(0, timeout.find("\r\n")), "HTTP/1.1 504 Gateway Timeout");
  EXPECT_EQ(parse_reply(timeout).head.status, 504);
}

}  // namespace
}  // namespace cordon::net
