// The common shape of the SOCKS5, transparent and forward sessions: a destination is decided by
// EgressRules, dialled (resolve once, vet, connect) and relayed by a Tunnel, with one
// DecisionRecord for the connection. Subclasses supply the destination (after a handshake,
// for SOCKS5) and the bytes the client gets for each outcome.
#pragma once

#include <optional>
#include <string>

#include "net/dial.h"
#include "net/proxy_context.h"
#include "net/sni_gate.h"
#include "net/tunnel.h"

namespace cordon::net {

class RelaySession : public Session {
 public:
  void start() override;
  void abort() override;

 protected:
  RelaySession(ProxyContext& context, UniqueFd client, EntryPoint entry, std::string protocol);

  struct Target {
    std::string host_text;  // for records when the host did not canonicalise
    CanonicalHost host;
    uint16_t port = 0;
    std::optional<SniPolicy> sni;  // a gate on the client's first bytes
  };

  // Called once from start(), after the client is watched: read a handshake, or call
  // connect() / refuse() right away.
  virtual void begin() = 0;
  // The client's socket is readable or writable while begin()'s handshake runs.
  virtual void on_handshake_event(uint32_t events) { (void)events; }
  // What the client is sent when the destination is refused, when dialling fails, and before
  // the tunnel's first byte ("" for transparent and forward connections: they are just closed).
  virtual std::string refusal_bytes() { return ""; }
  virtual std::string failure_bytes(const DialResult& result) {
    (void)result;
    return "";
  }
  virtual std::string success_bytes() { return ""; }

  // Decides `target`; allowed ones are dialled and relayed, with `early` (client bytes already
  // read) sent first.
  void connect(Target target, std::string early);
  // Reports a refusal that did not need the rules (malformed input, authentication), sends
  // `bytes` and closes.
  void refuse(const std::string& host, uint16_t port, const Decision& decision, std::string bytes);
  // Sends `bytes` (may be empty) and closes; bounded by a short linger.
  void send_and_close(std::string bytes);
  void close_now();

  WatchedFd client_;
  std::string client_name_;  // the authenticated client (SOCKS5, standalone)
  bool closed_ = false;

 private:
  enum class State { kHandshake, kDialing, kTunnel, kClosing };
  void on_client(uint32_t events);
  void on_dialed(DialResult result);
  void on_tunnel_done(const Tunnel::Outcome& outcome);
  DecisionRecord new_record(const std::string& host, uint16_t port) const;
  void arm_timer();
  void on_timer();
  void flush_closing();

  EntryPoint entry_;
  std::string protocol_;
  State state_ = State::kHandshake;
  Target target_;
  std::string early_;
  std::optional<DecisionRecord> record_;
  std::unique_ptr<Dial> dial_;
  std::unique_ptr<Tunnel> tunnel_;
  std::string closing_bytes_;
  TimerSlot timer_;
  Clock::time_point deadline_{};
};

// 198.18.0.0/15, where the box's DNS stub hands out addresses (SyntheticNames).
bool in_synthetic_range(const IpAddress& address);

}  // namespace cordon::net
