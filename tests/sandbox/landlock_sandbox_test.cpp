// Sandbox tests for Landlock: a forked child restricts itself and reports what it could still do.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "sandbox/run_in_child.h"
#include "box/capabilities.h"
#include "box/landlock.h"

namespace cordon::box {
namespace {

using cordon::testing::run_in_child;

namespace fs = std::filesystem;

// What the restricted child observed: 0 for success, else the errno of the attempt.
struct LandlockReport {
  int add_raw_file_rule;
  int no_new_privs;
  int restrict_self;
  int create_in_b;          // read-write dir: control, must work
  int read_in_a;            // read-only dir: control, must work
  int create_in_a;          // EACCES
  int write_existing_a;     // EACCES
  int read_hostname;        // no rule at all: EACCES
  int read_file_rule;       // a rule on a regular file: must work
  int read_file_sibling;    // beside that file, no rule: EACCES
  int write_raw_file_rule;  // read-write rule added raw on a regular file: must work
  int truncate_raw_file_rule;
  int connect_allowed;   // ABI 4+
  int connect_denied;    // ABI 4+: EACCES
  int bind_loopback;     // bind is not handled: must work
  int kill_self;         // ABI 6+: control
  int kill_parent;       // ABI 6+: EPERM
  int abstract_own;      // ABI 6+: control, a socket inside the domain
  int abstract_outside;  // ABI 6+: EPERM
};

int err_of(int rc) { return rc < 0 ? errno : 0; }
int neg_err(int rc) { return rc < 0 ? -rc : 0; }

int open_errno(const std::string& path, int flags, mode_t mode = 0600) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

int read_errno(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[16];
  int rc = ::read(fd, buf, sizeof(buf)) < 0 ? errno : 0;
  ::close(fd);
  return rc;
}

int connect_tcp_errno(uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = err_of(::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
  ::close(s);
  return rc;
}

// A loopback listener with an ephemeral port; returns the fd, port in *port.
int tcp_listener(uint16_t* port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(s, 8) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(s);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return s;
}

socklen_t abstract_addr(const std::string& name, sockaddr_un* addr) {
  *addr = {};
  addr->sun_family = AF_UNIX;
  std::memcpy(addr->sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
}

int abstract_listener(const std::string& name) {
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  sockaddr_un addr;
  socklen_t len = abstract_addr(name, &addr);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(s, 8) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

int abstract_connect_errno(const std::string& name) {
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  sockaddr_un addr;
  socklen_t len = abstract_addr(name, &addr);
  int rc = err_of(::connect(s, reinterpret_cast<sockaddr*>(&addr), len));
  ::close(s);
  return rc;
}

bool write_file(const std::string& path, const char* text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, text, std::strlen(text)) == static_cast<ssize_t>(std::strlen(text));
  ::close(fd);
  return ok;
}


class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/cordon-landlock-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    root_ = tmpl;
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

TEST(LandlockSandbox, AbiIsReported) {
  int abi = landlock_abi();
  if (abi == 0) GTEST_SKIP() << "no landlock on this kernel";
  EXPECT_GE(abi, 1);
}

TEST(LandlockSandbox, CreatesRulesetsForEveryAbiUpToTheKernels) {
  // Each ABI passes its own ruleset_attr size and rights; the kernel must accept all of them.
  int kernel_abi = landlock_abi();
  if (kernel_abi == 0) GTEST_SKIP() << "no landlock on this kernel";
  TempTree tree;
  std::string file = tree.root() + "/f";
  ASSERT_TRUE(write_file(file, "x"));
  for (int abi = 1; abi <= kernel_abi; ++abi) {
    SCOPED_TRACE(abi);
    auto ruleset = LandlockRuleset::create(abi);
    ASSERT_TRUE(ruleset.ok()) << ruleset.error().describe();
    EXPECT_EQ(ruleset->abi(), abi);
    EXPECT_GE(ruleset->fd(), 0);
    for (PathAccess a : {PathAccess::kReadOnly, PathAccess::kReadExecute, PathAccess::kReadWrite,
                         PathAccess::kDevices}) {
      auto dir_rule = ruleset->allow_path(tree.root(), a);
      EXPECT_TRUE(dir_rule.ok()) << dir_rule.error().describe();
      // Directory rights on a regular file would be EINVAL: allow_path masks them.
      auto file_rule = ruleset->allow_path(file, a);
      EXPECT_TRUE(file_rule.ok()) << file_rule.error().describe();
    }
    auto tcp = ruleset->allow_tcp_connect(8080);
    EXPECT_TRUE(tcp.ok()) << tcp.error().describe();
  }
}

TEST(LandlockSandbox, AllowPathRefusesSymlinksAndMissingPaths) {
  if (landlock_abi() == 0) GTEST_SKIP() << "no landlock on this kernel";
  TempTree tree;
  std::string link = tree.root() + "/link";
  ASSERT_EQ(::symlink("/etc", link.c_str()), 0);
  auto ruleset = LandlockRuleset::create(landlock_abi());
  ASSERT_TRUE(ruleset.ok()) << ruleset.error().describe();

  auto control = ruleset->allow_path(tree.root(), PathAccess::kReadOnly);
  EXPECT_TRUE(control.ok()) << control.error().describe();

  auto on_link = ruleset->allow_path(link, PathAccess::kReadWrite);
  ASSERT_FALSE(on_link.ok());
  EXPECT_EQ(on_link.error().code(), Errc::kInvalidInput);
  EXPECT_NE(on_link.error().message().find(link), std::string::npos);
  EXPECT_FALSE(on_link.error().hint().empty());

  auto missing = ruleset->allow_path(tree.root() + "/nope", PathAccess::kReadOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Errc::kNotFound);
  EXPECT_EQ(missing.error().sys_errno(), ENOENT);
}

TEST(LandlockSandbox, CreateWithoutAbiFailsClosed) {
  auto ruleset = LandlockRuleset::create(0);
  ASSERT_FALSE(ruleset.ok());
  EXPECT_EQ(ruleset.error().code(), Errc::kUnsupported);
  EXPECT_FALSE(ruleset.error().hint().empty());
}

TEST(LandlockSandbox, RestrictedChildKeepsOnlyAllowedAccess) {
  const int abi = landlock_abi();
  if (abi == 0) GTEST_SKIP() << "no landlock on this kernel";

  TempTree tree;
  const std::string a = tree.root() + "/a";  // read-only
  const std::string b = tree.root() + "/b";  // read-write
  const std::string c = tree.root() + "/c";  // no rule; holds files with their own rules
  ASSERT_EQ(::mkdir(a.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(b.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(c.c_str(), 0755), 0);
  ASSERT_TRUE(write_file(a + "/existing", "a"));
  ASSERT_TRUE(write_file(c + "/allowed", "c"));
  ASSERT_TRUE(write_file(c + "/sibling", "c"));
  ASSERT_TRUE(write_file(c + "/raw", "raw content"));
  const char* hostname = "/etc/hostname";
  if (::access(hostname, R_OK) != 0) hostname = "/etc/passwd";
  ASSERT_EQ(read_errno(hostname), 0) << "control: " << hostname << " readable before Landlock";

  // Loopback listeners made before the fork, outside the child's domain.
  uint16_t allowed_port = 0, denied_port = 0;
  int allowed_listener = tcp_listener(&allowed_port);
  int denied_listener = tcp_listener(&denied_port);
  ASSERT_GE(allowed_listener, 0) << "loopback listener: " << std::strerror(errno);
  ASSERT_GE(denied_listener, 0) << "loopback listener: " << std::strerror(errno);
  const std::string abstract_name = "cordon-landlock-test-" + std::to_string(::getpid());
  int abstract_fd = abstract_listener(abstract_name);
  ASSERT_GE(abstract_fd, 0) << "abstract listener: " << std::strerror(errno);
  ASSERT_EQ(connect_tcp_errno(denied_port), 0) << "control: both ports reachable unrestricted";
  ASSERT_EQ(abstract_connect_errno(abstract_name), 0) << "control: abstract socket reachable";

  // Parent side, as the supervisor would: create the ruleset and add rules by path.
  auto ruleset = LandlockRuleset::create(abi);
  ASSERT_TRUE(ruleset.ok()) << ruleset.error().describe();
  auto r1 = ruleset->allow_path(a, PathAccess::kReadOnly);
  ASSERT_TRUE(r1.ok()) << r1.error().describe();
  auto r2 = ruleset->allow_path(b, PathAccess::kReadWrite);
  ASSERT_TRUE(r2.ok()) << r2.error().describe();
  auto r3 = ruleset->allow_path(c + "/allowed", PathAccess::kReadOnly);
  ASSERT_TRUE(r3.ok()) << r3.error().describe();
  auto r4 = ruleset->allow_tcp_connect(allowed_port);
  ASSERT_TRUE(r4.ok()) << r4.error().describe();

  // Child side: one more rule from an already-open fd, then enforce, then probe.
  int raw_fd = ::open((c + "/raw").c_str(), O_PATH | O_CLOEXEC);
  ASSERT_GE(raw_fd, 0);
  const int ruleset_fd = ruleset->fd();
  int status = 0;
  auto report = run_in_child<LandlockReport>(
      [&](LandlockReport& r) {
        // kReadWrite carries directory rights; the raw call must mask them for a file.
        r.add_raw_file_rule = neg_err(landlock_add_path_raw(
            ruleset_fd, raw_fd, landlock_path_access(PathAccess::kReadWrite, abi)));
        r.no_new_privs = neg_err(set_no_new_privs());
        r.restrict_self = neg_err(landlock_restrict_raw(ruleset_fd));
        if (r.restrict_self != 0) return;
        r.create_in_b = open_errno(b + "/new", O_WRONLY | O_CREAT | O_EXCL);
        r.read_in_a = read_errno(a + "/existing");
        r.create_in_a = open_errno(a + "/new", O_WRONLY | O_CREAT | O_EXCL);
        r.write_existing_a = open_errno(a + "/existing", O_WRONLY);
        r.read_hostname = read_errno(hostname);
        r.read_file_rule = read_errno(c + "/allowed");
        r.read_file_sibling = read_errno(c + "/sibling");
        r.write_raw_file_rule = open_errno(c + "/raw", O_WRONLY | O_APPEND);
        r.truncate_raw_file_rule = open_errno(c + "/raw", O_WRONLY | O_TRUNC);
        r.connect_allowed = connect_tcp_errno(allowed_port);
        r.connect_denied = connect_tcp_errno(denied_port);
        uint16_t own_port = 0;
        int own = tcp_listener(&own_port);
        r.bind_loopback = own >= 0 ? 0 : errno;
        r.kill_self = err_of(::kill(::getpid(), 0));
        r.kill_parent = err_of(::kill(::getppid(), 0));
        const std::string own_name = abstract_name + "-child";
        int own_abstract = abstract_listener(own_name);
        r.abstract_own = own_abstract >= 0 ? abstract_connect_errno(own_name) : errno;
        r.abstract_outside = abstract_connect_errno(abstract_name);
      },
      &status);
  ::close(raw_fd);
  ::close(allowed_listener);
  ::close(denied_listener);
  ::close(abstract_fd);

  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  ASSERT_EQ(report.add_raw_file_rule, 0) << std::strerror(report.add_raw_file_rule);
  ASSERT_EQ(report.no_new_privs, 0);
  ASSERT_EQ(report.restrict_self, 0) << std::strerror(report.restrict_self);

  // Controls: what the rules allow still works.
  EXPECT_EQ(report.create_in_b, 0) << std::strerror(report.create_in_b);
  EXPECT_EQ(report.read_in_a, 0) << std::strerror(report.read_in_a);
  EXPECT_EQ(report.read_file_rule, 0) << std::strerror(report.read_file_rule);
  EXPECT_EQ(report.write_raw_file_rule, 0) << std::strerror(report.write_raw_file_rule);
  EXPECT_EQ(report.bind_loopback, 0)
      << "bind must stay unhandled: " << std::strerror(report.bind_loopback);
  if (abi >= 3) {
    EXPECT_EQ(report.truncate_raw_file_rule, 0) << std::strerror(report.truncate_raw_file_rule);
  }

  // Walls.
  EXPECT_EQ(report.create_in_a, EACCES);
  EXPECT_EQ(report.write_existing_a, EACCES);
  EXPECT_EQ(report.read_hostname, EACCES);
  EXPECT_EQ(report.read_file_sibling, EACCES);
  EXPECT_TRUE(fs::exists(b + "/new"));
  EXPECT_FALSE(fs::exists(a + "/new"));

  if (abi >= 4) {
    EXPECT_EQ(report.connect_allowed, 0) << std::strerror(report.connect_allowed);
    EXPECT_EQ(report.connect_denied, EACCES);
  } else {
    std::cout << "[   NOTE   ] Landlock ABI " << abi << " < 4: TCP connect not checked\n";
  }
  if (abi >= 6) {
    EXPECT_EQ(report.kill_self, 0) << std::strerror(report.kill_self);
    EXPECT_EQ(report.kill_parent, EPERM);
    EXPECT_EQ(report.abstract_own, 0) << std::strerror(report.abstract_own);
    EXPECT_EQ(report.abstract_outside, EPERM);
  } else {
    std::cout << "[   NOTE   ] Landlock ABI " << abi << " < 6: scoping not checked\n";
  }
}

TEST(LandlockSandbox, TcpConnectIsLimitedToAllowedPorts) {
  const int abi = landlock_abi();
  if (abi < 4) GTEST_SKIP() << "Landlock ABI " << abi << " has no TCP rights (needs 4)";
  uint16_t allowed_port = 0, denied_port = 0;
  int l1 = tcp_listener(&allowed_port);
  int l2 = tcp_listener(&denied_port);
  ASSERT_GE(l1, 0);
  ASSERT_GE(l2, 0);
  auto ruleset = LandlockRuleset::create(abi);
  ASSERT_TRUE(ruleset.ok()) << ruleset.error().describe();
  auto rule = ruleset->allow_tcp_connect(allowed_port);
  ASSERT_TRUE(rule.ok()) << rule.error().describe();
  const int ruleset_fd = ruleset->fd();

  struct Report {
    int restrict_self, allowed, denied;
  };
  int status = 0;
  auto report = run_in_child<Report>(
      [&](Report& r) {
        r.restrict_self = neg_err(set_no_new_privs());
        if (r.restrict_self == 0) r.restrict_self = neg_err(landlock_restrict_raw(ruleset_fd));
        r.allowed = connect_tcp_errno(allowed_port);
        r.denied = connect_tcp_errno(denied_port);
      },
      &status);
  ::close(l1);
  ::close(l2);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  ASSERT_EQ(report.restrict_self, 0) << std::strerror(report.restrict_self);
  EXPECT_EQ(report.allowed, 0) << std::strerror(report.allowed);
  EXPECT_EQ(report.denied, EACCES);
}

TEST(LandlockSandbox, SignalsOutsideTheDomainAreScoped) {
  const int abi = landlock_abi();
  if (abi < 6) GTEST_SKIP() << "Landlock ABI " << abi << " has no scoping (needs 6)";
  auto ruleset = LandlockRuleset::create(abi);
  ASSERT_TRUE(ruleset.ok()) << ruleset.error().describe();
  const int ruleset_fd = ruleset->fd();
  struct Report {
    int restrict_self, kill_self, kill_parent;
  };
  int status = 0;
  auto report = run_in_child<Report>(
      [&](Report& r) {
        r.restrict_self = neg_err(set_no_new_privs());
        if (r.restrict_self == 0) r.restrict_self = neg_err(landlock_restrict_raw(ruleset_fd));
        r.kill_self = err_of(::kill(::getpid(), 0));
        r.kill_parent = err_of(::kill(::getppid(), 0));  // signal 0: checked, never delivered
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  ASSERT_EQ(report.restrict_self, 0) << std::strerror(report.restrict_self);
  EXPECT_EQ(report.kill_self, 0);
  EXPECT_EQ(report.kill_parent, EPERM);
}

}  // namespace
}  // namespace cordon::box
