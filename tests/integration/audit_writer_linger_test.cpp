// A session's audit writer waits for the user's next session once its own has ended in order,
// and the next `cordon run` takes it (audit/writer_rendezvous.h): real sessions, a private
// runtime directory per test.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The process listening on the unix socket at `path`, from /proc/net/unix and /proc/*/fd; -1
// when nobody listens there.
pid_t listener_at(const std::string& path) {
  std::ifstream table("/proc/net/unix");
  std::string line, inode;
  std::getline(table, line);  // header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string num, refs, protocol, flags, type, state, node, name;
    fields >> num >> refs >> protocol >> flags >> type >> state >> node >> name;
    if (name == path && flags == "00010000") inode = node;  // __SO_ACCEPTCON: listening
  }
  if (inode.empty()) return -1;
  const std::string target = "socket:[" + inode + "]";
  DIR* proc = ::opendir("/proc");
  pid_t found = -1;
  while (dirent* e = proc ? ::readdir(proc) : nullptr) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = ::opendir(fds.c_str());
    while (dirent* f = dir ? ::readdir(dir) : nullptr) {
      char link[64] = {};
      if (::readlink((fds + "/" + f->d_name).c_str(), link, sizeof link - 1) > 0 &&
          target == link) {
        found = pid;
      }
    }
    if (dir) ::closedir(dir);
  }
  if (proc) ::closedir(proc);
  return found;
}

bool alive(pid_t pid) {
  return ::access(("/proc/" + std::to_string(pid)).c_str(), F_OK) == 0;
}

class WriterLinger : public BoxTest {
 protected:
  WriterLinger() { ::mkdir(runtime().c_str(), 0700); }
  std::string runtime() const { return dir() / "run"; }
  std::string rendezvous() const { return runtime() + "/audit-writer.rendezvous"; }

  RunOutput session(const std::string& script, std::vector<std::string> flags = {}) {
    RunOptions o;
    o.set_env["CORDON_RUNTIME_DIR"] = runtime();
    return sh(script, flags, o);
  }
  // The writer waiting at the rendezvous, once it waits (it signs its session's end first).
  pid_t waiting_writer() {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
      if (pid_t pid = listener_at(rendezvous()); pid > 0) return pid;
    }
    return -1;
  }
  static bool gone_within(pid_t pid, std::chrono::seconds limit) {
    for (auto deadline = std::chrono::steady_clock::now() + limit;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
      if (!alive(pid)) return true;
    }
    return false;
  }
  json sessions_in(const std::string& store) {
    auto r = cordon({"audit", "sessions", "--json", "--store", store});
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  void expect_verifies(const std::string& store) {
    auto r = cordon({"audit", "verify", "--store", store});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
  }
};

TEST_F(WriterLinger, TheNextSessionIsServedByTheWriterThatWaits) {
  ASSERT_EQ(session("true").status, 0);
  const pid_t writer = waiting_writer();
  ASSERT_GT(writer, 0) << "the first session's writer waits for the next";
  // The second session says its writer is not to wait: the waiting one served it if it ends.
  const std::string no_wait = policy_file("[audit]\nwriter_linger = \"none\"\n");
  RunOutput second = session("echo two", {"--config", no_wait});
  ASSERT_EQ(second.status, 0) << second.err;
  // Well inside the 10 s the default lets an untaken writer wait.
  EXPECT_TRUE(gone_within(writer, 3s)) << "the writer that waited served the second session";
  EXPECT_EQ(listener_at(rendezvous()), -1);
  EXPECT_FALSE(std::filesystem::exists(rendezvous()));
  const json list = sessions_in(audit_store());
  ASSERT_EQ(list.size(), 2u) << list.dump();
  for (const auto& s : list) EXPECT_EQ(s["outcome"], "exit 0") << list.dump();
  expect_verifies(audit_store());
}

// The audit trail fails closed: a writer that dies during a session (killed here; a crash in
// the field) stops the box. The waiting writer's pid is known, which is why these tests live
// with the linger tests.
struct SessionWithoutItsWriter {
  RunOutput out;
  bool box_ran = false;
  std::chrono::steady_clock::duration took{};
};

class WriterDies : public WriterLinger {
 protected:
  // Runs `script` (which touches "started" first) in a session whose writer is killed once the
  // box has started.
  SessionWithoutItsWriter run_and_kill_the_writer(const std::string& script) {
    SessionWithoutItsWriter s;
    EXPECT_EQ(session("true").status, 0);
    const pid_t writer = waiting_writer();
    EXPECT_GT(writer, 0);
    if (writer <= 0) return s;
    const auto started = std::filesystem::path(workspace()) / "started";
    const auto begun = std::chrono::steady_clock::now();
    std::thread run([&] { s.out = session(script); });
    for (auto deadline = begun + 10s;
         !std::filesystem::exists(started) && std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(10ms)) {
    }
    s.box_ran = std::filesystem::exists(started);
    if (s.box_ran) ::kill(writer, SIGKILL);
    run.join();
    s.took = std::chrono::steady_clock::now() - begun;
    return s;
  }
  void expect_stopped(const SessionWithoutItsWriter& s) {
    ASSERT_TRUE(s.box_ran) << s.out.err;
    EXPECT_NE(s.out.status, 0);
    EXPECT_NE(s.out.err.find("the audit writer stopped during the session"), std::string::npos)
        << s.out.err;
    EXPECT_LT(s.took, 6s) << "the box ran to its end";
  }
};

// A start after the writer died does not run.
TEST_F(WriterDies, TheNextDecisionDoesNotTakeEffect) {
  const auto s = run_and_kill_the_writer("touch started; sleep 2; /bin/true; touch after; sleep 8");
  expect_stopped(s);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(workspace()) / "after"))
      << "a start after the writer died ran";
}

// A box that emits nothing meanwhile is stopped too: the supervisor watches the writer's socket.
TEST_F(WriterDies, AnIdleBoxIsStopped) {
  expect_stopped(run_and_kill_the_writer("touch started; exec sleep 8"));
}

TEST_F(WriterLinger, AWriterNobodyTakesEndsAfterItsLinger) {
  const std::string short_wait = policy_file("[audit]\nwriter_linger = \"1s\"\n");
  ASSERT_EQ(session("true", {"--config", short_wait}).status, 0);
  const pid_t writer = waiting_writer();
  ASSERT_GT(writer, 0);
  EXPECT_TRUE(gone_within(writer, 10s));
  EXPECT_FALSE(std::filesystem::exists(rendezvous()));
  expect_verifies(audit_store());
}

TEST_F(WriterLinger, NoLingerMeansTheWriterEndsWithItsSession) {
  const std::string no_wait = policy_file("[audit]\nwriter_linger = \"none\"\n");
  ASSERT_EQ(session("true", {"--config", no_wait}).status, 0);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(listener_at(rendezvous()), -1);
  EXPECT_FALSE(std::filesystem::exists(rendezvous()));
}

// The writer keeps its signer process between sessions: each session's end is signed by the
// same `cordon-audit checkpoint --serve`, answered before the writer waits again.
TEST_F(WriterLinger, TheSignerStaysWithTheWriterAndSignsEachSessionsEnd) {
  ASSERT_EQ(session("true").status, 0);
  const pid_t writer = waiting_writer();
  ASSERT_GT(writer, 0);
  const std::vector<pid_t> signers = children_named(writer, "cordon-audit");
  ASSERT_EQ(signers.size(), 1u) << "the writer keeps one signer";
  ASSERT_EQ(session("echo two").status, 0);
  ASSERT_EQ(waiting_writer(), writer);
  EXPECT_EQ(children_named(writer, "cordon-audit"), signers) << "the same signer";
  auto r = cordon({"audit", "verify", "--json", "--store", audit_store()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const json report = json::parse(r.out, nullptr, false);
  EXPECT_EQ(report["unsigned_tail"], 0) << r.out;
  EXPECT_EQ(report["sessions"], 2) << r.out;
}

// `cordon approvals` looks for sessions in the same directory; it must not take the writer.
TEST_F(WriterLinger, ApprovalsLeaveTheWaitingWriterAlone) {
  ASSERT_EQ(session("true").status, 0);
  const pid_t writer = waiting_writer();
  ASSERT_GT(writer, 0);
  RunOptions o;
  o.set_env["CORDON_RUNTIME_DIR"] = runtime();
  RunOutput list = cordon({"approvals", "list"}, o);
  EXPECT_NE(list.err.find("no running session"), std::string::npos) << list.out << list.err;
  EXPECT_EQ(listener_at(rendezvous()), writer);
}

// After an upgrade replaced its program, a waiting writer serves no further session: the next
// cordon starts a writer of its own, and the old one, handed back unused, exits.
TEST_F(WriterLinger, AWriterWhoseProgramWasReplacedServesNoMore) {
  // A private installation of cordon and its companions, whose writer the test replaces.
  const std::filesystem::path from = std::filesystem::path(CORDON_BINARY).parent_path();
  const std::filesystem::path bin = dir() / "bin";
  std::filesystem::create_directory(bin);
  for (const char* program : {"cordon", "cordon-audit-writer", "cordon-audit"}) {
    std::filesystem::copy_file(from / program, bin / program);
  }
  RunOptions o;
  o.set_env["XDG_CONFIG_HOME"] = dir() / "config";
  o.set_env["XDG_STATE_HOME"] = dir() / "state";
  o.set_env["CORDON_RUNTIME_DIR"] = runtime();
  const std::vector<std::string> run = {bin / "cordon", "run", "-q",  "--workspace",
                                        workspace(),    "--",  "true"};
  ASSERT_EQ(run_program(run, o).status, 0);
  const pid_t writer = waiting_writer();
  ASSERT_GT(writer, 0);
  // The upgrade: a new file at the writer's path.
  std::filesystem::remove(bin / "cordon-audit-writer");
  std::filesystem::copy_file(from / "cordon-audit-writer", bin / "cordon-audit-writer");
  RunOutput second = run_program(run, o);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_TRUE(gone_within(writer, 3s)) << "the old writer, handed back, exits";
  EXPECT_EQ(sessions_in(audit_store()).size(), 2u);
  expect_verifies(audit_store());
}

// The waiting writer opens the store the next session names; each trail stays whole.
TEST_F(WriterLinger, TheWaitingWriterServesASessionWithAnotherStore) {
  ASSERT_EQ(session("true").status, 0);
  const pid_t writer = waiting_writer();
  ASSERT_GT(writer, 0);
  const std::string other = dir() / "other/audit.db";
  const std::string elsewhere =
      policy_file("[audit]\nstore = \"" + other + "\"\nwriter_linger = \"none\"\n");
  ASSERT_EQ(session("true", {"--config", elsewhere}).status, 0);
  EXPECT_TRUE(gone_within(writer, 3s)) << "the waiting writer served it";
  EXPECT_EQ(sessions_in(audit_store()).size(), 1u);
  EXPECT_EQ(sessions_in(other).size(), 1u);
  expect_verifies(audit_store());
  expect_verifies(other);
}

// A cordon that stops on a bad policy after taking the waiting writer stores nothing, and the
// writer waits again for the next session.
TEST_F(WriterLinger, ABadPolicyHandsTheWaitingWriterBackUnused) {
  ASSERT_EQ(session("true").status, 0);
  const pid_t writer = waiting_writer();
  ASSERT_GT(writer, 0);
  RunOutput bad = session("true", {"--config", policy_file("[filesystem]\nbogus = 1\n")});
  EXPECT_EQ(bad.status, 125) << bad.err;
  EXPECT_EQ(waiting_writer(), writer);
  EXPECT_EQ(sessions_in(audit_store()).size(), 1u);
  expect_verifies(audit_store());
}

}  // namespace
}  // namespace cordon::testing
