// A bidirectional byte relay between a client and an origin that holds no relayed bytes of its
// own: each read peeks into the loop's one scratch buffer (relay_scratch.h, 4 MiB), sends on,
// and drops from the source only what the destination took. What the destination cannot take
// yet stays in the source's socket, so a reader that stalls stops its writer through TCP's own
// flow control. The proxy's own bytes (its CONNECT or SOCKS5 reply, bytes read before the
// tunnel, what the gate held back) wait in a buffer of the tunnel's until sent. An idle tunnel
// holds no buffer (about 2 KiB of RSS per idle tunnel in all, measured with 1000 of them). A
// half-close (FIN) is passed on with shutdown(SHUT_WR); a reset on one side resets the other.
//
// Read size, measured on this project's 2-vCPU VM (bench/egress_bench.py and alternating
// rounds of its tunnel test): with 64 KiB reads a tunnel ran at 0.38 (up) and 0.53 (down) of a
// direct loopback transfer; with 1 MiB reads at about 0.6 and 0.85; with 4 MiB at about 0.75
// and 0.87 (8 MiB: the same). Keeping the unsent rest of each read in the tunnel would have cost
// up to a whole read per direction per stalled connection; peeking costs one more syscall per
// read and measured the same speed.
//
// Copy or splice(), measured on this project's 2-vCPU VM (release build, 1 GiB through a CONNECT
// tunnel on loopback, 8 rounds each, interleaved): a direct loopback transfer 2.0-3.7 GiB/s at
// 0.38 CPU-s per GiB; through the copy relay 1.0-1.5 GiB/s (0.3-0.75x) at about 1.1 CPU-s per
// GiB in all; through splice() and a pipe 0.75-1.1 GiB/s (0.25-0.4x) at 1.15-1.5. The transfer
// is CPU-bound (three busy threads on two CPUs; 91% of the samples are in the kernel's TCP path
// and under 2% in this code), so copy, the cheaper one, won; and splice() into a socket raises
// SIGPIPE besides (relay_scratch.h).
//
// An optional gate holds the client's first bytes back until it has seen enough of them (the
// TLS ClientHello, for the SNI check) while the origin's bytes already flow to the client.
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

namespace cordon::net {

struct GateVerdict {
  enum class Kind { kWait, kOpen, kRefuse };
  Kind kind = Kind::kWait;
  std::string reason;  // kRefuse
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
  void write_to(Direction& d);
  bool flush_pending(Direction& d);
  void finish_direction_if_drained(Direction& d);
  void check_gate(bool eof);
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
  std::string held_;  // client bytes behind the gate
  bool gate_open_ = true;
  bool client_eof_at_gate_ = false;
  Clock::time_point gate_deadline_{};
  Clock::time_point last_activity_{};
  TimerSlot timer_;
  Done done_;
  bool ended_ = false;
};

}  // namespace cordon::net
