// SessionGate::open(): the gate's decision, queue and review channels for one session.
#include "cli/gate_setup.h"

#include <unistd.h>

#include <chrono>

#include "box/environment.h"
#include "box/gate_tracer.h"
#include "gate/program_aliases.h"
#include "policy/gate_config.h"
#include "review/peer_identity.h"
#include "review/runtime_dir.h"

namespace cordon::cli {

Result<ReviewChannels> parse_review_channels(const std::vector<std::string>& names) {
  ReviewChannels channels;
  for (const auto& name : names) {
    if (name == "web") {
      channels.web = true;
    } else if (name == "tty") {
      channels.tty = true;
    } else if (name != "socket") {
      return Error(Errc::kInvalidInput, "--review " + name + ": unknown review channel")
          .with_hint(
              "--review web (a page on 127.0.0.1 with a private link), --review tty (this "
              "terminal; the program then does not get it), or --review socket (`cordon "
              "approvals`, always on)");
    }
  }
  return channels;
}

Result<std::unique_ptr<SessionGate>> SessionGate::open(const policy::Policy& policy,
                                                       const std::string& session_id,
                                                       const std::string& workspace,
                                                       const std::string& home,
                                                       const ReviewChannels& channels,
                                                       std::vector<gate::RuleSpec> extra_rules) {
  std::unique_ptr<SessionGate> session(new SessionGate());
  if (policy.gate.unsafe_disabled.value) return session;

  if (auto why = box::ptrace_unavailable_reason(::geteuid() == 0)) {
    return Error(Errc::kUnsupported, "the approval gate cannot run on this machine: " + *why)
        .with_hint(
            "the gate decides every program start by tracing the box (ptrace). Allow tracing "
            "of your own processes (kernel.yama.ptrace_scope = 1), or, knowing that every "
            "program then starts undecided, set `unsafe_disabled = true` under [gate] in your "
            "user config");
  }
  gate::GateConfig config = policy::gate_config(policy.gate, gate::RiskContext{workspace, home});
  for (auto& rule : extra_rules) config.rules.push_back(std::move(rule));
  gate::add_resolved_program_names(config, box::default_path_dirs());
  CORDON_ASSIGN_OR_RETURN(gate::Gate compiled, gate::Gate::compile(std::move(config)));
  session->gate_.emplace(std::move(compiled));
  session->hold_asks_ = channels.hold_asks;

  session->queue_ = std::make_unique<review::ReviewQueue>(
      session_id, std::chrono::seconds(policy.gate.timeout_seconds.value));
  if (channels.web) {
    CORDON_ASSIGN_OR_RETURN(session->web_, review::WebServer::start(*session->queue_));
  }
  CORDON_ASSIGN_OR_RETURN(std::string dir, review::runtime_dir());
  review::ControlServerOptions control;
  CORDON_ASSIGN_OR_RETURN(control.socket_path, review::control_socket_path(dir, session_id));
  control.session_uid = ::getuid();
  CORDON_ASSIGN_OR_RETURN(control.reviewer_pid_namespace, pid_namespace_of(::getpid()));
  if (session->web_) {
    review::WebServer* web = session->web_.get();
    control.link = [web](const std::string& name) { return web->add_reviewer(name); };
  }
  CORDON_ASSIGN_OR_RETURN(session->control_,
                          review::ControlServer::start(*session->queue_, std::move(control)));
  if (!channels.hold_asks) return session;

  session->notices_.push_back(std::string(kHeldCommandsNotice) + "cordon approvals list (session " +
                              session_id + ")");
  if (session->web_) {
    CORDON_ASSIGN_OR_RETURN(std::string url, session->web_->add_reviewer("web"));
    session->notices_.push_back("cordon: review page: " + url);
  }
  if (channels.tty) {
    CORDON_ASSIGN_OR_RETURN(session->terminal_hold_, TerminalHold::create());
    CORDON_ASSIGN_OR_RETURN(
        session->tty_,
        review::TtyReviewer::start(*session->queue_, "/dev/tty", session->terminal_hold_.get()));
  }
  return session;
}

SessionGate::~SessionGate() {
  // Channels first: nothing answers a queue that is going away.
  tty_.reset();
  control_.reset();
  web_.reset();
  queue_.reset();
}

void SessionGate::begin_close() {
  if (tty_) tty_->request_stop();
  if (control_) control_->request_stop();
  if (web_) web_->request_stop();
}

std::string SessionGate::control_socket() const {
  return control_ ? control_->path() : "";
}

uint16_t SessionGate::web_port() const {
  return web_ ? web_->port() : 0;
}

}  // namespace cordon::cli
