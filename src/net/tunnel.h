// A bidirectional byte relay between a client and an origin that holds no relayed bytes in the
// proxy's memory. Each direction splices: src -> a pipe of its own -> dst, inside the kernel
// (splice_pipe.h). What dst cannot take yet waits in the pipe (256 KiB at most), and the rest in
// src's socket, so a reader that stalls stops its writer through TCP's own flow control. A
// direction whose pipe cannot be made (no descriptor left) copies instead: it peeks into the
// loop's scratch buffer (relay_scratch.h), sends on, and drops from src only what dst took. The
// proxy's own bytes (its CONNECT or SOCKS5 reply, bytes read before the tunnel, what the gate
// held back) wait in a buffer of the tunnel's until sent. An idle tunnel that never carried a
// byte holds no buffer and no pipe (about 2 KiB of RSS per idle tunnel in all, measured with
// 1000 of them). A half-close (FIN) is passed on with shutdown(SHUT_WR); a reset on one side
// resets the other.
//
// Splice or copy, measured on this project's 2-vCPU VM (kernel 6.18, release build,
// bench/egress_bench.py's tunnel test, 6 alternating rounds of each against a direct loopback
// transfer): origin -> client 1.86 GB/s (0.69x direct) by copy, 2.35 GB/s (0.87x) by splice;
// client -> origin 2.22 and 2.62 GB/s (0.48 and 0.57x: the direct transfer that way runs at
// 4.6 GB/s); the proxy's CPU per GB 0.28-0.31 s by copy, 0.17 s by splice (the pipe's size:
// splice_pipe.cpp). An earlier splice relay (2026-11-22) measured 0.25-0.4x direct, slower than
// the copy then; it moved 64 KiB per wake-up. That relay is gone and the difference was not
// found; this one measured faster in every round.
//
// An optional gate holds the client's first bytes back until it has seen enough of them (the
// TLS ClientHello, for the SNI check) while the origin's bytes already flow to the client.
// When they are a plain HTTP request, the gate hands the tunnel an HttpTunnelInspector
// (http_tunnel_inspector.h): the client's bytes then go by copy through a buffer of the
// tunnel's (at most one request head, ProxyLimits::max_head_bytes), and only as far as the
// inspector passes them; while a websocket upgrade awaits its answer, the origin's bytes do
// too. TLS and other protocols stay on the splice path.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "base/unique_fd.h"
#include "net/event_loop.h"
#include "net/proxy_context.h"
#include "net/relay_scratch.h"
#include "net/splice_pipe.h"

namespace cordon::net {

class HttpTunnelInspector;

struct GateVerdict {
  enum class Kind {
    kWait,
    kOpen,
    kRefuse,
    // Open, but the client speaks plain HTTP: every request passes `inspector` first.
    kInspectHttp,
  };
  Kind kind = Kind::kWait;
  std::string reason;  // kRefuse
  std::shared_ptr<HttpTunnelInspector> inspector;  // kInspectHttp
};
// Called with every byte the client sent so far, until it returns kOpen or kRefuse; `eof` when
// the client will send no more.
using Gate = std::function<GateVerdict(std::span<const uint8_t> held, bool eof)>;

class Tunnel {
 public:
  enum class End {
    kClosed,       // both directions finished cleanly
    kReset,        // a side reset or failed
    kIdle,         // no byte either way for idle_timeout
    kGateRefused,  // the gate refused the client's first bytes
    kGateTimeout,  // the client's first bytes did not complete within header_timeout
  };
  struct Outcome {
    End end = End::kClosed;
    std::string reason;
    uint64_t bytes_up = 0;    // client -> origin
    uint64_t bytes_down = 0;  // origin -> client

    // The tunnel's decision record, completed: the bytes each way, and a refusal by the gate
    // (the client's TLS name was not the one decided on, or never came) makes the allowed
    // decision a denial, with the gate's reason.
    void complete(DecisionRecord& record) const;
  };
  using Done = std::function<void(const Outcome&)>;

  Tunnel(ProxyContext& context, UniqueFd client, UniqueFd origin);
  ~Tunnel();
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  // `to_origin`: client bytes already read (they pass the gate first); `to_client`: bytes the
  // proxy itself sends first (a "200 Connection established", a SOCKS5 reply), not counted.
  // `done` runs once, from a later event; the tunnel may be destroyed inside it. Both sockets
  // are closed before it runs.
  void start(std::string to_origin, std::string to_client, Gate gate, Done done);

  // Closes both sides now (the proxy is stopping); returns the counts so far. `done` won't run.
  Outcome abort();

 private:
  struct Direction;
  enum class Side { kClient, kOrigin };

  void on_event(Side side, uint32_t events);
  void read_from(Direction& d);
  // One read (and the write it feeds); true when a whole buffer went through, so more may wait.
  bool read_once(Direction& d);
  bool splice_once(Direction& d);
  // A read from d's source that moved nothing (n <= 0, errno set): its end, a wait, or a reset.
  void on_empty_read(Direction& d, ssize_t n);
  // Sends what d's pipe holds; false when some must wait for dst (or the tunnel ended).
  bool drain_pipe(Direction& d);
  void write_to(Direction& d);
  bool flush_pending(Direction& d);
  void finish_direction_if_drained(Direction& d);
  void check_gate(bool eof);
  // Plain HTTP under inspection (http_): whether d's bytes go through the inspector now, one
  // read into d's inbox, and sending what the inspector passes.
  bool inspected(const Direction& d) const;
  void read_inspected(Direction& d);
  void process_inspected(Direction& d);
  size_t inbox_limit() const;
  void update_interest();
  void arm_timer();
  void on_timer();
  void end(End end, std::string reason);

  ProxyContext& ctx_;
  WatchedFd client_;
  WatchedFd origin_;
  std::unique_ptr<Direction> up_;    // client -> origin
  std::unique_ptr<Direction> down_;  // origin -> client
  Gate gate_;
  std::shared_ptr<HttpTunnelInspector> http_;
  std::string held_;  // client bytes behind the gate
  bool gate_open_ = true;
  Clock::time_point gate_deadline_{};
  Clock::time_point last_activity_{};
  TimerSlot timer_;
  Done done_;
  bool ended_ = false;
};

}  // namespace cordon::net
