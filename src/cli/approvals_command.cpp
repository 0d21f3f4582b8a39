// `cordon approvals`: list and answer the programs the approval gate holds, across every session
// of this user, through each session's control socket.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/errors.h"
#include "review/control_client.h"
#include "review/control_protocol.h"
#include "review/runtime_dir.h"

namespace cordon::cli {
namespace {

using nlohmann::json;
using review::ControlClient;
using review::ControlOp;
using review::ControlRequest;

constexpr int kExitNothing = 1;        // no such item, no running session
constexpr int kExitAwaitsAnother = 2;  // approval recorded; the item needs another reviewer

struct Live {
  review::SessionSocket socket;
  ControlClient client;
};

// Connects to every session socket in the runtime directory; stale ones are skipped.
Result<std::vector<Live>> connect_all() {
  CORDON_ASSIGN_OR_RETURN(std::string dir, review::runtime_dir());
  CORDON_ASSIGN_OR_RETURN(std::vector<review::SessionSocket> sockets,
                          review::find_session_sockets(dir));
  std::vector<Live> live;
  for (review::SessionSocket& s : sockets) {
    Result<ControlClient> client = ControlClient::connect(s.path);
    if (client.ok()) live.push_back({std::move(s), std::move(client).value()});
  }
  return live;
}

int nothing(const std::string& message, const std::string& hint = "") {
  std::cerr << "cordon: " << message << "\n";
  if (!hint.empty()) std::cerr << "  hint: " << hint << "\n";
  return kExitNothing;
}

int no_session() {
  return nothing("no running session",
                 "approvals are answered while `cordon run` holds a program; sessions put "
                 "their sockets in the runtime directory ($XDG_RUNTIME_DIR/cordon, "
                 "/run/user/UID/cordon or /tmp/cordon-UID)");
}

// A reply with "ok": false becomes an Error carrying its text.
Result<json> checked(Result<json> reply) {
  if (!reply.ok()) return reply;
  if (reply->value("ok", false)) return reply;
  const std::string code = reply->value("code", "");
  Error e(code == "not_found" ? Errc::kNotFound
          : code == "refused" ? Errc::kPolicy
          : code == "invalid" ? Errc::kInvalidInput
                              : Errc::kInternal,
          reply->value("error", "the session refused the request"));
  if (reply->contains("hint")) e.with_hint(reply->value("hint", ""));
  return e;
}

std::string strings(const json& list, const char* separator) {
  std::string out;
  if (!list.is_array()) return out;
  for (const json& s : list) {
    if (!s.is_string()) continue;
    if (!out.empty()) out += separator;
    out += review::display_text(s.get<std::string>());
  }
  return out;
}

std::string command_of(const json& item) {
  return review::display_command(item.value("argv", std::vector<std::string>{}));
}

std::string time_left(const json& item) {
  const int64_t deadline = item.value("deadline_ms", int64_t{0});
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int64_t left = (deadline - now) / 1000;
  if (left < 0) left = 0;
  if (left >= 60) return std::to_string(left / 60) + "m" + std::to_string(left % 60) + "s";
  return std::to_string(left) + "s";
}

std::string approvals_of(const json& item) {
  return std::to_string(item.value("approved_by", json::array()).size()) + "/" +
         std::to_string(item.value("reviewers_needed", 1));
}

void print_row(const json& item) {
  const std::string risk =
      std::to_string(item.value("score", 0)) + " " + item.value("level", std::string());
  std::printf("%-12s %-14.14s %-7s %-13s %-4s %s\n", item.value("id", "").c_str(),
              item.value("session", "").c_str(), time_left(item).c_str(), risk.c_str(),
              approvals_of(item).c_str(), command_of(item).c_str());
}

void print_item(const json& item) {
  auto text = [&](const char* key) { return review::display_text(item.value(key, "")); };
  std::printf("item        %s\n", text("id").c_str());
  std::printf("session     %s\n", text("session").c_str());
  std::printf("command     %s\n", command_of(item).c_str());
  std::printf("executable  %s\n", text("executable").c_str());
  std::printf("cwd         %s\n", text("cwd").c_str());
  std::printf("risk        %d (%s), %s\n", item.value("score", 0), text("level").c_str(),
              item.value("reversible", true) ? "reversible" : "NOT reversible");
  const json reasons = item.value("reasons", json::array());
  for (const json& r : reasons) {
    if (r.is_string())
      std::printf("            - %s\n", review::display_text(r.get<std::string>()).c_str());
  }
  std::printf("rule        %s: %s\n", text("rule").c_str(), text("reason").c_str());
  const std::string by = strings(item.value("approved_by", json::array()), ", ");
  std::printf("approvals   %s%s%s\n", approvals_of(item).c_str(), by.empty() ? "" : " by ",
              by.c_str());
  std::printf("requested   %s\n", text("requested_at").c_str());
  std::printf("deadline    %s (%s left)\n", text("deadline").c_str(), time_left(item).c_str());
}

int list(const ApprovalsOptions& options) {
  auto live = connect_all();
  if (!live.ok()) return report_error(live.error());
  if (live->empty()) return no_session();
  json all = json::array();
  for (Live& l : *live) {
    Result<json> reply = checked(l.client.request({ControlOp::kList}));
    if (!reply.ok()) {
      std::cerr << "cordon: session " << l.socket.session_id << ": " << reply.error().describe()
                << "\n";
      continue;
    }
    for (const json& item : (*reply)["items"]) all.push_back(item);
  }
  if (options.json) {
    std::cout << all.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (all.empty()) {
    std::cout << "no pending items (" << live->size() << " running session"
              << (live->size() == 1 ? "" : "s") << ")\n";
    return 0;
  }
  std::printf("%-12s %-14s %-7s %-13s %-4s %s\n", "ID", "SESSION", "LEFT", "RISK", "OK", "COMMAND");
  for (const json& item : all) print_row(item);
  return 0;
}

// The session holding `id`, and the item.
struct Holder {
  Live* live = nullptr;
  json item;
};
Result<Holder> find_item(std::vector<Live>& live, const std::string& id) {
  for (Live& l : live) {
    Result<json> reply = l.client.request({ControlOp::kShow, id});
    if (reply.ok() && reply->value("ok", false)) return Holder{&l, (*reply)["item"]};
  }
  return Error(Errc::kNotFound, "no such pending item " + review::display_text(id))
      .with_hint(
          "it may have been answered, timed out or ended with its program; "
          "`cordon approvals list` shows what is pending");
}

int show(const ApprovalsOptions& options) {
  auto live = connect_all();
  if (!live.ok()) return report_error(live.error());
  if (live->empty()) return no_session();
  Result<Holder> holder = find_item(*live, options.id);
  if (!holder.ok()) return nothing(holder.error().message(), holder.error().hint());
  if (options.json) {
    std::cout << holder->item.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    print_item(holder->item);
  }
  return 0;
}

int answer(const ApprovalsOptions& options, bool approve) {
  auto live = connect_all();
  if (!live.ok()) return report_error(live.error());
  if (live->empty()) return no_session();
  Result<Holder> holder = find_item(*live, options.id);
  if (!holder.ok()) return nothing(holder.error().message(), holder.error().hint());
  ControlRequest request{approve ? ControlOp::kApprove : ControlOp::kDeny, options.id,
                         options.session ? review::GrantScope::kSession : review::GrantScope::kOnce,
                         options.reason, ""};
  Result<json> reply = checked(holder->live->client.request(request));
  if (!reply.ok()) {
    if (reply.error().code() == Errc::kNotFound) {
      return nothing(reply.error().message(), reply.error().hint());
    }
    return report_error(reply.error());
  }
  const std::string command = command_of(holder->item);
  const std::string who = reply->value("reviewer", "");
  if (!approve) {
    std::cout << "denied " << options.id << " (" << command << ") as " << who << "\n";
    return 0;
  }
  if (reply->value("effect", "") == "awaiting_another") {
    const json item = reply->value("item", holder->item);
    std::cout << "recorded your approval of " << options.id << " (" << command << ") as " << who
              << "; it needs " << approvals_of(item)
              << " distinct reviewers: another person must approve it too\n";
    return kExitAwaitsAnother;
  }
  std::cout << "approved " << options.id << " (" << command << ")"
            << (options.session ? " for the rest of this session" : " once") << " as " << who
            << "\n";
  return 0;
}

int link(const ApprovalsOptions& options) {
  auto live = connect_all();
  if (!live.ok()) return report_error(live.error());
  if (live->empty()) return no_session();
  int status = kExitNothing;
  for (Live& l : *live) {
    Result<json> reply = checked(
        l.client.request({ControlOp::kLink, "", review::GrantScope::kOnce, "", options.reviewer}));
    if (!reply.ok()) {
      std::cerr << "cordon: session " << l.socket.session_id << ": " << reply.error().describe()
                << "\n";
      continue;
    }
    std::cout << l.socket.session_id << "  " << reply->value("reviewer", "") << "  "
              << reply->value("url", "") << "\n";
    status = 0;
  }
  return status;
}

void print_watched(const json& item, const ApprovalsOptions& options) {
  if (options.json) {
    std::cout << item.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
  } else {
    print_row(item);
    std::fflush(stdout);
  }
}

// Keeps a watch connection to every session, picking up new ones, and prints each item once
// when it first appears and once when it leaves the queue.
int watch(const ApprovalsOptions& options) {
  auto dir = review::runtime_dir();
  if (!dir.ok()) return report_error(dir.error());
  std::map<std::string, ControlClient> watching;       // by socket path
  std::map<std::string, std::set<std::string>> shown;  // session path -> item ids on screen
  bool told_waiting = false;
  for (;;) {
    auto sockets = review::find_session_sockets(*dir);
    if (!sockets.ok()) return report_error(sockets.error());
    for (const review::SessionSocket& s : *sockets) {
      if (watching.count(s.path)) continue;
      Result<ControlClient> client = ControlClient::connect(s.path);
      if (!client.ok()) continue;
      Result<json> first = checked(client->request({ControlOp::kWatch}));
      if (!first.ok()) {
        std::cerr << "cordon: session " << s.session_id << ": " << first.error().describe() << "\n";
        continue;
      }
      watching.emplace(s.path, std::move(client).value());
      // The first snapshot goes through the same path as later ones.
      shown[s.path];
      json items = (*first)["items"];
      for (const json& item : items) {
        if (shown[s.path].insert(item.value("id", "")).second) print_watched(item, options);
      }
    }
    if (watching.empty() && !told_waiting) {
      std::cerr << "cordon: no running session yet; waiting (Ctrl-C to stop)\n";
      told_waiting = true;
    }
    std::vector<pollfd> fds;
    std::vector<std::string> paths;
    for (auto& [path, client] : watching) {
      fds.push_back({client.fd(), POLLIN, 0});
      paths.push_back(path);
    }
    if (fds.empty()) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
      return report_error(Error::system("poll"));
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ControlClient& client = watching.at(paths[i]);
      Result<json> update = client.read_reply(1000);
      if (!update.ok() || !update->value("ok", false)) {
        watching.erase(paths[i]);  // the session ended
        shown.erase(paths[i]);
        continue;
      }
      std::set<std::string> now;
      for (const json& item : (*update)["items"]) {
        const std::string id = item.value("id", "");
        now.insert(id);
        if (shown[paths[i]].insert(id).second) print_watched(item, options);
      }
      for (auto it = shown[paths[i]].begin(); it != shown[paths[i]].end();) {
        if (now.count(*it)) {
          ++it;
          continue;
        }
        if (options.json) {
          std::cout << json{{"id", *it}, {"event", "ended"}}.dump() << std::endl;
        } else {
          std::printf("%s  ended\n", it->c_str());
          std::fflush(stdout);
        }
        it = shown[paths[i]].erase(it);
      }
    }
  }
}

}  // namespace

int approvals_command(const ApprovalsOptions& options) {
  if (options.action == "show") return show(options);
  if (options.action == "approve") return answer(options, true);
  if (options.action == "deny") return answer(options, false);
  if (options.action == "watch") return watch(options);
  if (options.action == "link") return link(options);
  return list(options);
}

}  // namespace cordon::cli
