// Plain HTTP inside a tunnel (CONNECT, SOCKS5, transparent): every request must name the host
// the tunnel was decided on. Pure: bytes in, verdicts out; the Tunnel (tunnel.h) moves them.
//
// Why: a tunnel to an allowed host on port 80 may carry plain HTTP, and a shared front end (a
// CDN edge, any virtual-hosting server) routes each request by its Host header or absolute
// URI, not by the address it was sent to. Without this, `Host: attacker.example` through a
// tunnel to api.example.com reached attacker.example's site (domain fronting without TLS).
// Checking only the first request is not enough: keep-alive and pipelining carry more, so the
// inspector follows the client's stream request by request, framing each body (Content-Length
// or chunked) so that a body's bytes are never read as a head, and a head inside a body is
// never taken for a request.
//
// What passes: HTTP/1.0 and 1.1 requests whose Host (and absolute-form URI, if any) names the
// decided host (SniPolicy: equal to a name, or itself allowed), with the strictness of the
// forward proxy's parser (http_message.h). Refused: anything that parser refuses, a missing
// Host, CONNECT, `Upgrade: h2c` and the HTTP/2 prior-knowledge preface (both would carry
// requests for any :authority), an Upgrade other than websocket, and a body on GET or HEAD
// (a server that ignores it would read the body as the next request: "CL.0" desync). A websocket
// upgrade may only be the connection's first request (as clients send it): its answer is then the
// first response, found without framing responses; a 101 turns the tunnel into bytes both ways,
// anything else leaves the requests inspected. Memory: the caller holds at most one head
// (max_head bytes) of unpassed client bytes.
//
// The inspector starts undecided: a first token with nothing after it yet ("ping") passes, so
// that a protocol whose client sends one word and waits is not held up, and the bytes after it
// decide (looks_like_http on the whole): HTTP, and the head (token included) is checked before
// any more of it passes; anything else, and the rest is bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http_message.h"
#include "net/sni_gate.h"

namespace cordon::net {

// Whether a tunnel's first client bytes are a plain HTTP request: a method of letters then a
// target starting with '/' or '*' or holding "://" (with or without a version, whatever else the
// line holds: lenient servers take it), a first line naming an HTTP version, or an empty first
// line. kToken while they are one token of at most 32 bytes and nothing else ("ping", "GET": a
// method, or another protocol's word); kWait while a line that starts like a request line
// ("TOKEN SP") has not ended, or a longer lone token shorter than `max_head`; kNo at the first byte
// that rules it out (a control byte in the line, a byte no method holds), so other protocols (SSH,
// SMTP, git, database clients) are not held up.
enum class LooksLikeHttp { kToken, kWait, kYes, kNo };
LooksLikeHttp looks_like_http(std::string_view first_bytes, size_t max_head);

class HttpTunnelInspector {
 public:
  struct Step {
    enum class Kind {
      kPass,    // the first `bytes` may be sent on
      kWait,    // nothing more until more bytes come (or, for the client, the origin answers)
      kRefuse,  // close the tunnel: `reason` says why
    };
    Kind kind = Kind::kWait;
    size_t bytes = 0;
    std::string reason;
  };

  // `policy` is the tunnel's SNI policy: the same names pass as in a ClientHello. A port in
  // Host or the URI must be the tunnel's `port`.
  HttpTunnelInspector(SniPolicy policy, uint16_t port, size_t max_head);

  // `pending`: the client's bytes from the first one not yet passed. Call again after a
  // kPass with what is left; on kWait with more bytes, or after origin() changed the state.
  Step client(std::string_view pending);
  // True while the origin's bytes must be looked at (a websocket upgrade awaits its answer).
  bool watches_origin() const { return upgrade_ == Upgrade::kRequested; }
  // The origin's bytes from the first not yet passed, while watches_origin().
  Step origin(std::string_view pending);
  // The client's bytes are plain bytes from here on: the origin switched protocols, or they
  // were never HTTP.
  bool switched() const { return state_ == State::kBytes; }
  // The client's stream was found to be HTTP (false while undecided, or when it is not).
  bool http() const { return state_ != State::kUndecided && !not_http_; }
  // Requests seen so far (for the record).
  uint64_t requests() const { return requests_; }

 private:
  // kUndecided: the client has sent one token so far (`token_`). It may go on (alone it cannot
  // make a server do anything); what follows it decides.
  enum class State { kUndecided, kHead, kLength, kChunked, kAwaitUpgrade, kBytes };
  enum class Upgrade { kNone, kRequested, kSwitched, kDeclined };
  Step refuse(std::string reason);
  Step on_head(std::string_view pending);
  void after_body();

  SniPolicy policy_;
  uint16_t port_;
  size_t max_head_;
  Step undecided(std::string_view pending);

  State state_ = State::kUndecided;
  std::string token_;  // kUndecided: the token passed so far; the head then starts with it
  bool not_http_ = false;
  Upgrade upgrade_ = Upgrade::kNone;
  uint64_t remaining_ = 0;  // kLength
  ChunkedBodyScanner chunks_;
  uint64_t requests_ = 0;
  bool refused_ = false;
};

}  // namespace cordon::net
