// `cordon approvals` against a control socket served in this process: list, show, approve,
// deny, link, watch through the real binary; and the socket's refusals: another uid, a peer in
// the box's pid namespace, and identities claimed in a request.
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "review/control_client.h"
#include "review/control_server.h"
#include "review/peer_identity.h"
#include "review/review_queue.h"
#include "review/web_server.h"

namespace cordon::testing {
namespace {

using namespace std::chrono_literals;
using review::ReviewItem;
using review::ReviewOutcome;

ReviewItem item(std::vector<std::string> argv, int reviewers = 1) {
  ReviewItem i;
  i.start.executable = "/usr/bin/" + argv[0];
  i.start.argv = std::move(argv);
  i.start.cwd = "/work/project";
  i.decision.action = gate::Action::kAsk;
  i.decision.rule = "no-force-push";
  i.decision.reason = "force pushes need a reviewer";
  i.decision.risk.score = 85;
  i.decision.risk.level = gate::RiskLevel::kCritical;
  i.decision.risk.reasons = {"rewrites the remote's history"};
  i.decision.risk.reversible = false;
  i.reviewers_needed = reviewers;
  return i;
}

// A session's queue and control socket in a private runtime directory, which the cordon
// processes the test runs find through CORDON_RUNTIME_DIR.
class ApprovalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime = tmp / "run";
    ASSERT_EQ(::mkdir(runtime.c_str(), 0700), 0);
    env.set_env["CORDON_RUNTIME_DIR"] = runtime;
  }

  // Servers before the queue they serve; the queue (whose destructor reports its items as
  // cancelled) before the outcomes it reports into.
  void TearDown() override {
    control.reset();
    web.reset();
    queue.reset();
  }

  // `reviewer_ns`: the pid namespace reviewers must be in (default: this process's own).
  void start(std::string reviewer_ns = "") {
    if (reviewer_ns.empty()) {
      auto own = pid_namespace_of(::getpid());
      ASSERT_TRUE(own.ok());
      reviewer_ns = *own;
    }
    queue = std::make_unique<review::ReviewQueue>("sess1", 60s);
    auto path = review::control_socket_path(runtime, "sess1");
    ASSERT_TRUE(path.ok());
    review::ControlServerOptions o;
    o.socket_path = *path;
    o.reviewer_pid_namespace = reviewer_ns;
    o.session_uid = ::getuid();
    if (web) o.link = [this](const std::string& name) { return web->add_reviewer(name); };
    auto server = review::ControlServer::start(*queue, o);
    ASSERT_TRUE(server.ok()) << server.error().describe();
    control = std::move(server).value();
  }

  std::string submit(ReviewItem i) {
    return queue->submit(std::move(i), [this](const ReviewItem& it, const ReviewOutcome& o) {
      std::lock_guard lock(mu);
      outcomes.emplace_back(it.id, o);
      cv.notify_all();
    });
  }

  std::optional<ReviewOutcome> outcome_of(const std::string& id) {
    std::unique_lock lock(mu);
    for (auto& [i, o] : outcomes) {
      if (i == id) return o;
    }
    return std::nullopt;
  }

  TempDir tmp;
  std::string runtime;
  RunOptions env;
  std::unique_ptr<review::WebServer> web;
  std::unique_ptr<review::ReviewQueue> queue;
  std::unique_ptr<review::ControlServer> control;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, ReviewOutcome>> outcomes;
};

TEST_F(ApprovalsTest, SocketIsPrivateAndRemovedOnStop) {
  start();
  struct stat st {};
  ASSERT_EQ(::lstat(control->path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string path = control->path();
  control.reset();
  EXPECT_NE(::lstat(path.c_str(), &st), 0);
}

TEST_F(ApprovalsTest, ListShowApproveDenyThroughTheRealBinary) {
  start();
  const std::string me = review::uid_identity(::getuid());
  const std::string push = submit(item({"git", "push", "--force", "origin", "main"}));
  const std::string destroy = submit(item({"terraform", "destroy"}, 2));
  const std::string rm = submit(item({"rm", "-rf", "build\x1b[2J"}));

  RunOutput list = run_cordon({"approvals", "list"}, env);
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find(push), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("git push --force origin main"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("85 critical"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("0/2"), std::string::npos) << list.out;
  // A command from the box cannot send escape sequences to the reviewer's terminal.
  EXPECT_EQ(list.out.find('\x1b'), std::string::npos);
  EXPECT_NE(list.out.find("'build\\x1b[2J'"), std::string::npos) << list.out;

  RunOutput show = run_cordon({"approvals", "show", push}, env);
  EXPECT_EQ(show.status, 0) << show.err;
  for (const char* want : {"/work/project", "/usr/bin/git", "85 (critical), NOT reversible",
                           "rewrites the remote's history", "no-force-push: force pushes", "0/1"}) {
    EXPECT_NE(show.out.find(want), std::string::npos) << want << "\n" << show.out;
  }

  RunOutput approve =
      run_cordon({"approvals", "approve", push, "--session", "--reason", "checked"}, env);
  EXPECT_EQ(approve.status, 0) << approve.err;
  EXPECT_NE(approve.out.find("approved " + push), std::string::npos) << approve.out;
  auto o = outcome_of(push);
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->approved);
  EXPECT_EQ(o->scope, review::GrantScope::kSession);
  EXPECT_EQ(o->reviewers, std::vector<std::string>{me});
  EXPECT_EQ(o->channel, "socket");
  EXPECT_EQ(o->reason, "checked");
  EXPECT_TRUE(queue->granted(item({"git", "push", "--force", "origin", "main"}).start));

  RunOutput first = run_cordon({"approvals", "approve", destroy}, env);
  EXPECT_EQ(first.status, 2) << first.err;
  EXPECT_NE(first.out.find("another person must approve"), std::string::npos) << first.out;
  RunOutput twice = run_cordon({"approvals", "approve", destroy}, env);
  EXPECT_EQ(twice.status, 125);
  EXPECT_NE(twice.err.find("already approved"), std::string::npos) << twice.err;
  EXPECT_FALSE(outcome_of(destroy));

  RunOutput json = run_cordon({"approvals", "list", "--json"}, env);
  ASSERT_EQ(json.status, 0) << json.err;
  auto items = nlohmann::json::parse(json.out);
  ASSERT_EQ(items.size(), 2u) << json.out;
  EXPECT_EQ(items[0]["id"], destroy);
  EXPECT_EQ(items[0]["approved_by"], nlohmann::json::array({me}));
  EXPECT_EQ(items[0]["reviewers_needed"], 2);
  EXPECT_EQ(items[0]["session"], "sess1");
  EXPECT_FALSE(items[0]["reversible"].get<bool>());

  RunOutput deny = run_cordon({"approvals", "deny", rm, "--reason", "use make clean"}, env);
  EXPECT_EQ(deny.status, 0) << deny.err;
  o = outcome_of(rm);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->approved);
  EXPECT_EQ(o->reason, "use make clean");

  RunOutput missing = run_cordon({"approvals", "approve", rm}, env);
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no such pending item " + rm), std::string::npos) << missing.err;
}

TEST_F(ApprovalsTest, NoRunningSessionAndStaleSocketsAreLeftAlone) {
  // A socket file nobody listens on: a session that died.
  const std::string stale = runtime + "/dead.sock";
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    stale.copy(addr.sun_path, sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  RunOutput list = run_cordon({"approvals", "list"}, env);
  EXPECT_EQ(list.status, 1);
  EXPECT_NE(list.err.find("no running session"), std::string::npos) << list.err;
  EXPECT_TRUE(exists(stale));
  start();
  list = run_cordon({"approvals"}, env);
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("no pending items (1 running session)"), std::string::npos) << list.out;
}

TEST_F(ApprovalsTest, RuntimeDirectoryWithLooseModeIsRefused) {
  ASSERT_EQ(::chmod(runtime.c_str(), 0755), 0);
  RunOutput list = run_cordon({"approvals", "list"}, env);
  EXPECT_EQ(list.status, 125);
  EXPECT_NE(list.err.find("has mode 0755, not 0700"), std::string::npos) << list.err;
}

TEST_F(ApprovalsTest, LinkPrintsAWebPageUrlPerReviewer) {
  auto server = review::WebServer::start(
      *(queue = std::make_unique<review::ReviewQueue>("web-only", 60s)), 0);
  ASSERT_TRUE(server.ok());
  web = std::move(server).value();
  std::unique_ptr<review::ReviewQueue> keep = std::move(queue);  // web serves `keep`
  start();
  RunOutput link = run_cordon({"approvals", "link", "--reviewer", "bob"}, env);
  EXPECT_EQ(link.status, 0) << link.err;
  const std::string prefix = "http://127.0.0.1:" + std::to_string(web->port()) + "/?token=";
  EXPECT_NE(link.out.find("web:bob  " + prefix), std::string::npos) << link.out;
  RunOutput again = run_cordon({"approvals", "link", "--reviewer", "bob"}, env);
  EXPECT_EQ(link.out, again.out);  // one token per name
  RunOutput bad = run_cordon({"approvals", "link", "--reviewer", "a b"}, env);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("must be 1-64"), std::string::npos) << bad.err;
  web.reset();
}

TEST_F(ApprovalsTest, LinkWithoutAWebPageSaysSo) {
  start();
  RunOutput link = run_cordon({"approvals", "link"}, env);
  EXPECT_EQ(link.status, 1);
  EXPECT_NE(link.err.find("has no web page"), std::string::npos) << link.err;
}

TEST_F(ApprovalsTest, WatchPrintsItemsAsTheyArriveAndEnd) {
  start();
  const std::string before = submit(item({"make", "deploy"}));
  // Each step waits for the line the previous one prints, so that watch is connected when
  // the queue changes; the deadlines only turn a broken build into a failure, not a hang.
  const auto in_time = [] { return std::chrono::steady_clock::now() + 30s; };
  RunningCordon watch({"approvals", "watch"}, env);
  ASSERT_TRUE(watch.wait_for_line_containing(before, in_time())) << watch.out();
  const std::string after = submit(item({"kubectl", "delete", "ns", "prod"}));
  ASSERT_TRUE(watch.wait_for_line_containing("kubectl delete ns prod", in_time())) << watch.out();
  queue->cancel(before);
  ASSERT_TRUE(watch.wait_for_line_containing(before + "  ended", in_time())) << watch.out();
  EXPECT_EQ(watch.stop(), 128 + SIGTERM) << "watch ended before it was stopped";
  const size_t first = watch.out().find(before);
  const size_t second = watch.out().find("kubectl delete ns prod");
  const size_t ended = watch.out().find(before + "  ended");
  EXPECT_LT(first, second) << watch.out();
  EXPECT_LT(second, ended) << watch.out();
  EXPECT_EQ(watch.out().find(after + "  ended"), std::string::npos) << watch.out();
}

TEST_F(ApprovalsTest, TheReviewerComesFromCredentialsNeverFromTheRequest) {
  start();
  const std::string id = submit(item({"git", "push", "--force"}));
  auto client = review::ControlClient::connect(control->path());
  ASSERT_TRUE(client.ok());
  review::ControlRequest r{review::ControlOp::kApprove, id, review::GrantScope::kOnce, "",
                           "uid:someone-else"};
  auto reply = client->request(r);
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE((*reply)["ok"].get<bool>()) << reply->dump();
  auto o = outcome_of(id);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->reviewers, std::vector<std::string>{review::uid_identity(::getuid())});
  // Garbage and unknown ops get an error line, and the connection stays usable.
  ASSERT_EQ(::write(client->fd(), "nonsense\n", 9), 9);
  auto bad = client->read_reply(5000);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE((*bad)["ok"].get<bool>());
  auto list = client->request({review::ControlOp::kList});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE((*list)["ok"].get<bool>());
}

// Runs `body` in a forked child; its exit status is the test's verdict (0 pass, 77 skip).
template <class F>
int in_child(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Connects to `path`, sends a list request, and exits 0 when the server refused with `word`
// in its message, 1 when it answered, 2 on any other failure.
int expect_refusal(const std::string& path, const std::string& word) {
  auto client = review::ControlClient::connect(path);
  if (!client.ok()) return 2;
  auto reply = client->request({review::ControlOp::kList}, 5000);
  if (!reply.ok()) return 2;
  if ((*reply)["ok"].get<bool>()) return 1;
  const std::string error = (*reply)["error"].get<std::string>();
  return error.find(word) != std::string::npos ? 0 : 3;
}

TEST_F(ApprovalsTest, AnotherUidIsRefusedEvenWhenTheFileWouldLetItIn) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to run a client as nobody";
  // A directory and socket others may traverse and open, so only the peer check stands.
  const std::string open_dir = tmp / "open";
  ASSERT_EQ(::mkdir(open_dir.c_str(), 0755), 0);
  queue = std::make_unique<review::ReviewQueue>("sess1", 60s);
  review::ControlServerOptions o;
  o.socket_path = open_dir + "/sess1.sock";
  o.session_uid = 1000;  // the session's user; root may connect too, nobody may not
  auto server = review::ControlServer::start(*queue, o);
  ASSERT_TRUE(server.ok()) << server.error().describe();
  control = std::move(server).value();
  ASSERT_EQ(::chmod(o.socket_path.c_str(), 0666), 0);
  const int status = in_child([&] {
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) return 4;
    return expect_refusal(o.socket_path, "refused: uid 65534 may not answer");
  });
  EXPECT_EQ(status, 0) << "0 refused, 1 answered, 2 failed, 3 other message, 4 setuid";
  // Root, as a positive control, is let in.
  auto client = review::ControlClient::connect(o.socket_path);
  ASSERT_TRUE(client.ok());
  auto reply = client->request({review::ControlOp::kList});
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE((*reply)["ok"].get<bool>()) << reply->dump();
}

TEST_F(ApprovalsTest, APeerInTheBoxPidNamespaceIsRefused) {
  // A child makes a new user and pid namespace; its child, the namespace's first process,
  // reports that namespace and then plays the box calling the socket.
  int ns_pipe[2], go_pipe[2];
  ASSERT_EQ(::pipe(ns_pipe), 0);
  ASSERT_EQ(::pipe(go_pipe), 0);
  const std::string path = runtime + "/sess1.sock";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ns_pipe[0]);
    ::close(go_pipe[1]);
    if (::unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) ::_exit(77);
    const pid_t inner = ::fork();
    if (inner == 0) {
      // getpid() is 1 here, but /proc is still the host's: /proc/self names us there.
      char ns[128];
      const ssize_t len = ::readlink("/proc/self/ns/pid", ns, sizeof ns);
      if (len <= 0) ::_exit(5);
      (void)!::write(ns_pipe[1], ns, static_cast<size_t>(len));
      ::close(ns_pipe[1]);
      char go;
      if (::read(go_pipe[0], &go, 1) != 1) ::_exit(6);
      ::_exit(expect_refusal(path, "comes from inside the box"));
    }
    int status = 0;
    ::waitpid(inner, &status, 0);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 9);
  }
  ::close(ns_pipe[1]);
  ::close(go_pipe[0]);
  char buffer[128];
  const ssize_t n = ::read(ns_pipe[0], buffer, sizeof buffer);
  ::close(ns_pipe[0]);
  if (n <= 0) {
    ::close(go_pipe[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
      GTEST_SKIP() << "cannot create a user and pid namespace here";
    }
    FAIL() << "the child did not report its namespace (status " << status << ")";
  }
  const std::string box_ns(buffer, static_cast<size_t>(n));
  auto host_ns = pid_namespace_of(::getpid());
  ASSERT_TRUE(host_ns.ok());
  ASSERT_NE(box_ns, *host_ns);
  start(*host_ns);
  ASSERT_EQ(::write(go_pipe[1], "g", 1), 1);
  ::close(go_pipe[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "0 refused, 1 answered, 2 failed, 3 other message";
  // The same request from the host's namespace is answered.
  EXPECT_EQ(expect_refusal(path, "inside the box"), 1);
}

}  // namespace
}  // namespace cordon::testing
