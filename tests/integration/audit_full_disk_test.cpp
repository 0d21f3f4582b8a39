// The audit trail fails closed when the store cannot be written: a store on a small tmpfs that
// fills up during a session stops the box (security review, finding 1: a full disk turned the
// trail off while the box ran on, and cordon exited 0).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class AuditStoreFull : public BoxTest {
 protected:
  AuditStoreFull() {
    ::mkdir(runtime().c_str(), 0700);
    ::mkdir(store_dir().c_str(), 0700);
    // Room for the store and a session's first rows; the test fills the rest.
    mounted_ = ::mount("tmpfs", store_dir().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                       "size=2m,mode=0700") == 0;
    if (!mounted_) mount_error_ = std::strerror(errno);
  }
  ~AuditStoreFull() override {
    if (mounted_) ::umount2(store_dir().c_str(), MNT_DETACH);
  }
  std::string store_dir() const { return fs::path(audit_store()).parent_path(); }
  // A private runtime directory: no writer of another test's sessions serves these.
  std::string runtime() const { return dir() / "run"; }

  // Writes zeros next to the store until its filesystem refuses more.
  bool fill_the_store_filesystem() {
    const int fd = ::open((store_dir() + "/filler").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    const std::string zeros(64 << 10, '\0');
    while (::write(fd, zeros.data(), zeros.size()) > 0) {
    }
    const bool full = errno == ENOSPC;
    // Pages less than a block: fill those too.
    while (::write(fd, zeros.data(), 1) > 0) {
    }
    ::close(fd);
    return full;
  }

  bool mounted_ = false;
  std::string mount_error_;
};

// The box waits (running `sleep`, each a program start the writer must store) until the store's
// filesystem is full, then starts more programs. The first row the store refuses stops the box:
// the command after it does not run, and cordon exits 125 naming the store and the error.
TEST_F(AuditStoreFull, AFullStoreStopsTheBox) {
  if (!mounted_) GTEST_SKIP() << "cannot mount a tmpfs for the store: " << mount_error_;
  const fs::path ws = workspace();
  RunOutput out;
  RunOptions options;
  options.set_env["CORDON_RUNTIME_DIR"] = runtime();
  std::thread run([&] {
    out =
        sh("touch started; while [ ! -e full ]; do sleep 0.05; done; /bin/true; sleep 1; "
           "touch after",
           {}, options);
  });
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !fs::exists(ws / "started") && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(10ms)) {
  }
  const bool box_ran = fs::exists(ws / "started");
  const bool filled = box_ran && fill_the_store_filesystem();
  ::close(::open((ws / "full").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  run.join();
  ASSERT_TRUE(box_ran) << out.err;
  ASSERT_TRUE(filled) << "the store's tmpfs did not fill up";
  EXPECT_EQ(out.status, 125) << out.err;
  EXPECT_FALSE(fs::exists(ws / "after")) << "the box ran on after its rows could not be stored";
  EXPECT_NE(out.err.find("the audit trail could not be written (" + audit_store() + ": "),
            std::string::npos)
      << out.err;
  EXPECT_NE(out.err.find("database or disk is full"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("the box was stopped"), std::string::npos) << out.err;
}

}  // namespace
}  // namespace cordon::testing
