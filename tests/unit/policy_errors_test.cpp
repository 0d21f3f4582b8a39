// Every validation error of a policy file: kPolicy, "FILE:LINE: what is wrong", and a hint.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

struct BadCase {
  const char* name;
  const char* toml;
  int line;
  const char* message;  // a part of the message after "bad.toml:LINE: "
  const char* hint;     // a part of the hint
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class PolicyErrors : public testing::TestWithParam<BadCase> {};

TEST_P(PolicyErrors, NamesFileLineAndHint) {
  const BadCase& c = GetParam();
  auto r = apply_toml(builtin_profile(Profile::kWorkspaceWrite), c.toml, "bad.toml", true);
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.code(), Errc::kPolicy);
  // "bad.toml:2: ..." (syntax errors add the column: "bad.toml:2:12: ...").
  std::string prefix = "bad.toml:" + std::to_string(c.line) + ":";
  EXPECT_EQ(e.message().rfind(prefix, 0), 0u) << e.message();
  EXPECT_NE(e.message().find(c.message), std::string::npos) << e.message();
  EXPECT_NE(e.hint().find(c.hint), std::string::npos) << e.hint();
}

const BadCase kCases[] = {
    // How long a writer waits for the next session: a duration up to an hour, or "none".
    {"WriterLingerTooLong", "[audit]\nwriter_linger = \"2h\"\n", 2,
     "audit.writer_linger must be at most 1h", "writer_linger = \"10s\""},
    {"WriterLingerNotADuration", "[audit]\nwriter_linger = \"soon\"\n", 2, "writer_linger", "2h"},
    // Unknown keys and tables, with the closest known key.
    {"UnknownTopLevelKey", "\n\nprofil = \"production\"\n", 3,
     "unknown key \"profil\" at the top level", "did you mean \"profile\"?"},
    {"UnknownTable", "[resource]\nmemory = \"4G\"\n", 1, "unknown key \"resource\"",
     "did you mean \"resources\"?"},
    {"UnknownSectionKey", "[resources]\nmemroy = \"4G\"\n", 2,
     "unknown key \"memroy\" in [resources]", "did you mean \"memory\"?"},
    {"KeyAboveItsTable", "memory = \"4G\"\n", 1, "unknown key \"memory\" at the top level",
     "did you mean \"memory\" in [resources]?"},
    {"UnknownKeyListsKnownOnes", "[gate]\nquorum = 2\n", 2, "unknown key \"quorum\" in [gate]",
     "[gate] keys: ask_at, reviewers"},
    {"UnknownNestedTable", "[filesystem.extra]\nx = 1\n", 1,
     "unknown key \"extra\" in [filesystem]", "[filesystem] keys:"},
    // Wrong types.
    {"SectionNotATable", "filesystem = 3\n", 1, "filesystem must be a table, not an integer",
     "[filesystem]"},
    {"StringExpected", "[filesystem]\nworkspace = true\n", 2,
     "filesystem.workspace must be a string, not a boolean", "workspace = "},
    {"ArrayExpected", "[filesystem]\nread = \"/nix\"\n", 2,
     "filesystem.read must be an array of strings, not a string", "read = ["},
    {"ArrayOfStringsExpected", "[filesystem]\nread = [\n  \"/nix\",\n  42,\n]\n", 4,
     "filesystem.read entries must be strings, not an integer", "read = ["},
    {"SizeExpected", "[resources]\nmemory = true\n", 2, "resources.memory must be a size",
     "memory = \"4G\""},
    {"CountExpected", "[resources]\npids = \"many\"\n", 2,
     "resources.pids must be an integer or \"none\", not a string", "pids = 512"},
    {"CpusExpected", "[resources]\ncpus = \"two\"\n", 2, "resources.cpus must be a number",
     "cpus = 1.5"},
    {"ReviewersExpected", "[gate]\nreviewers = \"2\"\n", 2, "gate.reviewers must be an integer",
     "reviewers = 2"},
    {"EnvSetExpected", "[environment]\nset = [\"FOO=bar\"]\n", 2,
     "environment.set must be a table of strings", "{ FOO = \"bar\" }"},
    {"EnvSetValueExpected", "[environment.set]\nFOO = 1\n", 2,
     "environment.set.FOO must be a string, not an integer", "FOO = \"...\""},
    {"PortsExpected", "[network]\nloopback_ports = [true]\n", 2,
     "loopback_ports entries must be strings or integers", "\"8000-8100\""},
    // Bad enum values list the accepted ones.
    {"BadProfile", "profile = \"yolo\"\n", 1, "profile cannot be \"yolo\"",
     "read-only, workspace-write, customer-data, production, financial"},
    {"BadWorkspace", "[filesystem]\nworkspace = \"rw\"\n", 2,
     "filesystem.workspace cannot be \"rw\"", "read-write, read-only"},
    {"BadHome", "[filesystem]\nhome = \"real\"\n", 2, "cannot be \"real\"", "tmpfs, persist"},
    {"BadLandlock", "[filesystem]\nlandlock = \"off\"\n", 2, "cannot be \"off\"",
     "required, best-effort"},
    {"BadFallback", "[resources]\nmemory_fallback = \"none\"\n", 2, "cannot be \"none\"",
     "per-process, fail"},
    {"BadMode", "[network]\nmode = \"open\"\n", 2, "network.mode cannot be \"open\"",
     "none, proxy"},
    {"BadAskAt", "[gate]\nask_at = \"never\"\n", 2, "gate.ask_at cannot be \"never\"",
     "low, medium, high, critical, everything"},
    // Sizes and durations.
    {"BadSize", "[filesystem]\ntmp_size = \"512MB\"\n", 2,
     "filesystem.tmp_size: invalid size \"512MB\"", "\"512M\""},
    {"BadMemorySize", "[resources]\nmemory = \"4 GB\"\n", 2, "invalid size \"4 GB\"", "\"4G\""},
    {"NegativeSize", "[resources]\nmemory = -1\n", 2, "resources.memory cannot be negative",
     "memory = \"4G\""},
    {"BadDuration", "[resources]\ntimeout = \"2 hours\"\n", 2,
     "resources.timeout: invalid duration \"2 hours\"", "\"90s\""},
    {"ZeroTimeout", "[resources]\ntimeout = \"0s\"\n", 2, "resources.timeout cannot be zero",
     "\"none\""},
    // Minimums.
    {"MemoryTooSmall", "[resources]\nmemory = \"16M\"\n", 2,
     "resources.memory is below the minimum of 32M", "\"none\""},
    {"PidsTooFew", "[resources]\npids = 8\n", 2, "resources.pids is below the minimum of 16",
     "\"none\""},
    {"PidsZero", "[resources]\npids = 0\n", 2, "resources.pids must be positive", "pids = 512"},
    {"OpenFilesNegative", "[resources]\nopen_files = -5\n", 2,
     "resources.open_files must be positive", "open_files = 4096"},
    {"TmpTooSmall", "[filesystem]\ntmp_size = \"512K\"\n", 2,
     "filesystem.tmp_size is below the minimum of 1M", "tmp_size = \"512M\""},
    {"CpusZero", "[resources]\ncpus = 0\n", 2, "resources.cpus must be a positive number",
     "cpus = 1.5"},
    {"CpusNegative", "[resources]\ncpus = -0.5\n", 2, "must be a positive number", "\"none\""},
    {"CpusTooFew", "[resources]\ncpus = 0.005\n", 2, "below the minimum of 0.01 cores",
     "1 ms per 100 ms"},
    {"CpusInfinite", "[resources]\ncpus = inf\n", 2, "must be a positive number", "cpus = 1.5"},
    {"ReviewersThree", "[gate]\nreviewers = 3\n", 2, "gate.reviewers must be 1 or 2, not 3",
     "two distinct reviewers"},
    {"ReviewersZero", "[gate]\nreviewers = 0\n", 2, "must be 1 or 2, not 0", "any one reviewer"},
    // Host paths (read, write, hide).
    {"RelativeRead", "[filesystem]\nread = [\"bin\"]\n", 2,
     "filesystem.read: path \"bin\" is relative", "absolute path"},
    {"RelativeHide", "[filesystem]\nhide = [\"~user/x\"]\n", 2,
     "filesystem.hide: path \"~user/x\" is relative", "\"~/.cache/pip\""},
    {"DotDotWrite", "[filesystem]\nwrite = [\"~/cache/../.ssh\"]\n", 2,
     "filesystem.write: path \"~/cache/../.ssh\" contains a \"..\" component", "absolute path"},
    {"DotDotHide", "[filesystem]\nhide = [\n  \"/ok\",\n  \"/a/..\",\n]\n", 4,
     "contains a \"..\" component", "absolute path"},
    {"ReadRoot", "[filesystem]\nread = [\"/\"]\n", 2, "\"/\" would show the whole host",
     "name the directories"},
    {"ReadRootSpelledOddly", "[filesystem]\nread = [\"//./\"]\n", 2, "would show the whole host",
     "name the directories"},
    {"WriteHome", "[filesystem]\nwrite = [\"~\"]\n", 2, "would show the whole home directory",
     "name the directories"},
    {"ReadHomeSlash", "[filesystem]\nread = [\"~/\"]\n", 2, "whole home directory",
     "\"~/.cache/pip\""},
    {"HideRoot", "[filesystem]\nhide = [\"/\"]\n", 2, "\"/\" would hide the whole system",
     "secret files"},
    {"WriteSystemDir", "[filesystem]\nwrite = [\"/usr/local/lib\"]\n", 2,
     "\"/usr/local/lib\" is in the system directory /usr", "read"},
    {"WriteEtc", "[filesystem]\nwrite = [\"/etc\"]\n", 2, "system directory /etc", "host runs"},
    {"WriteLib64", "[filesystem]\nwrite = [\"/lib64/x\"]\n", 2, "system directory /lib64",
     "host runs"},
    {"WriteProc", "[filesystem]\nwrite = [\"/proc/sys\"]\n", 2, "system directory /proc",
     "host runs"},
    {"WriteDev", "[filesystem]\nwrite = [\"/dev/shm\"]\n", 2, "system directory /dev", "host runs"},
    {"WriteBoot", "[filesystem]\nwrite = [\"/boot\"]\n", 2, "system directory /boot", "host runs"},
    {"ReadBuiltinHidden", "[filesystem]\nread = [\"/nix\", \"~/.ssh\"]\n", 2,
     "filesystem.read: \"~/.ssh\" is hidden (by \"~/.ssh\"): a path cannot be both shown and "
     "hidden",
     "built-in secret path"},
    {"WriteBeneathBuiltinHidden", "[filesystem]\n\nwrite = [\"~/.aws/cli/cache\"]\n", 3,
     "is hidden (by \"~/.aws\")", "never shown in a box"},
    {"ReadBeneathOwnHide",
     "[filesystem]\nhide = [\"~/.config/secret\"]\nread = [\n  \"~/.config/secret/x\",\n]\n", 4,
     "is hidden (by \"~/.config/secret\")", "remove it from filesystem.read or remove"},
    {"ReadHiddenSocket", "[filesystem]\nread = [\"/run/user/1000\"]\n", 2,
     "is hidden (by \"/run/user\")", "built-in"},
    // Protected paths are workspace-relative.
    {"ProtectAbsolute", "[filesystem]\nprotect = [\"/etc/passwd\"]\n", 2,
     "filesystem.protect: path \"/etc/passwd\" is not relative to the workspace",
     "relative to the workspace root"},
    {"ProtectHome", "[filesystem]\nprotect = [\"~/x\"]\n", 2, "is not relative to the workspace",
     "\"deploy/\""},
    {"ProtectDotDot", "[filesystem]\nprotect = [\"deploy/../../x\"]\n", 2,
     "contains a \"..\" component", "relative to the workspace root"},
    {"ProtectWholeWorkspace", "[filesystem]\nprotect = [\"./\"]\n", 2, "names the whole workspace",
     "workspace = \"read-only\""},
    // Environment names.
    {"BadPassName", "[environment]\npass = [\"OK\", \"1BAD\"]\n", 2,
     "environment.pass: invalid environment variable pattern \"1BAD\"", "\"MY_*\""},
    {"PassTwoStars", "[environment]\npass = [\"MY_**\"]\n", 2,
     "invalid environment variable pattern", "one \"*\""},
    {"PassInnerStar", "[environment]\npass = [\"A*B\"]\n", 2,
     "invalid environment variable pattern", "prefix"},
    {"PassEverything", "[environment]\npass = [\"*\"]\n", 2,
     "\"*\" would pass the whole host environment", "ANTHROPIC_API_KEY"},
    {"BadSetName", "[environment.set]\n\"MY-VAR\" = \"x\"\n", 2,
     "environment.set: invalid environment variable name \"MY-VAR\"", "letters, digits"},
    // Network.
    {"PortZero", "[network]\nloopback_ports = [\"0\"]\n", 2,
     "network.loopback_ports: invalid loopback port \"0\"", "1-65535"},
    {"PortTooHigh", "[network]\nloopback_ports = [65536]\n", 2, "invalid loopback port \"65536\"",
     "1-65535"},
    {"PortNotANumber", "[network]\nloopback_ports = [\"http\"]\n", 2, "invalid loopback port",
     "\"8000-8100\""},
    {"PortRangeOpen", "[network]\nloopback_ports = [\"8000-\"]\n", 2, "invalid loopback port",
     "inclusive range"},
    {"PortRangeReversed", "[network]\nloopback_ports = [\"3000\", \"9000-8000\"]\n", 2,
     "loopback port range \"9000-8000\" is reversed", "inclusive range"},
    {"EmptyAllowRule", "[network]\nallow = [\"\"]\n", 2, "network.allow: empty rule", "host:port"},
    {"BadAllowRule", "[network]\nallow = [\n  \"api.example.com\",\n  \"a..b\",\n]\n", 4,
     "network.allow: invalid host rule \"a..b\"", "*.example.com"},
    {"AllowRuleWithPath", "[network]\nallow = [\"api.example.com/v1\"]\n", 2,
     "network.allow: invalid host rule \"api.example.com/v1\"", "api.example.com"},
    {"AllowRuleBadPort", "[network]\nallow = [\"api.example.com:9000-8000\"]\n", 2, "is reversed",
     "inclusive range"},
    {"BadDenyRule", "[network]\ndeny = [\"*.com\"]\n", 2,
     "network.deny: invalid host rule \"*.com\"", "*.example.com"},
    {"EmptyDenyRule", "[network]\ndeny = [\"\"]\n", 2, "network.deny: empty rule", "host:port"},
    {"DenyNotStrings", "[network]\ndeny = [443]\n", 2,
     "network.deny entries must be strings, not an integer", "deny = ["},
    {"BadAllowCidr", "[network]\nallow_cidr = [\"10.0.0.1/8\"]\n", 2,
     "network.allow_cidr: invalid allow_cidr \"10.0.0.1/8\"", "10.1.2.3/32:5432"},
    {"AllowCidrEverything", "[network]\nallow_cidr = [\"0.0.0.0/0\"]\n", 2,
     "would exempt every address", "10.0.0.0/8"},
    {"BadForward", "[network]\nforward = [\"5432=db.example.com\"]\n", 2,
     "network.forward: invalid forward \"5432=db.example.com\"", "LISTEN_PORT=HOST:PORT"},
    {"ForwardPortTwice",
     "[network]\nallow = [\"*.example.com:5432\"]\nforward = [\n  \"5432=db.example.com:5432\",\n"
     "  \"5432=db2.example.com:5432\",\n]\n",
     5, "already forwarded by \"5432=db.example.com:5432\"", "own listen port"},
    {"ForwardNotAllowed", "[network]\nforward = [\"5432=db.example.com:5432\"]\n", 2,
     "network: forward to db.example.com:5432 is refused: no allow rule matches "
     "db.example.com:5432",
     "[network] allow"},
    {"ForwardOnLoopbackPort",
     "[network]\nallow = [\"db.example.com:5432\"]\nloopback_ports = [5432]\nforward = "
     "[\"5432=db.example.com:5432\"]\n",
     4, "which network.loopback_ports also gives to the box's own programs", "another listen port"},
    {"ForwardOnCordonsHttpProxyPort",
     "[network]\nallow = [\"db.example.com:5432\"]\nforward = [\"3128=db.example.com:5432\"]\n", 3,
     "listens on port 3128, where cordon serves its HTTP proxy inside the box",
     "3128, 1080 and 3129 are cordon's"},
    // ... nor may the box's own programs be given one (in proxy mode, where cordon listens).
    {"LoopbackPortIsCordonsHttpProxy", "[network]\nloopback_ports = [\"3000\", 3128]\n", 2,
     "network.loopback_ports lists port 3128, where cordon serves its HTTP proxy inside the box",
     "box programs cannot listen on it"},
    {"LoopbackPortIsCordonsSocks", "[network]\nmode = \"proxy\"\n\nloopback_ports = [\"1080\"]\n",
     4, "lists port 1080, where cordon serves its SOCKS5 proxy", "mode = \"none\""},
    {"ForwardOnCordonsTransparentPort",
     "[network]\nallow = [\"db.example.com:5432\"]\nforward = [\"3129=db.example.com:5432\"]\n", 3,
     "where cordon serves its transparent listener", "another listen port"},
    {"ResolveNotATable", "[network]\nresolve = [\"db.example.com\"]\n", 2,
     "network.resolve must be a table of name = address, not an array", "db.example.com"},
    {"ResolveBadAddress", "[network]\nresolve = { \"db.example.com\" = \"10.0.0.0x1\" }\n", 2,
     "network.resolve: \"db.example.com\" = \"10.0.0.0x1\": not an IPv4 dotted quad",
     "without brackets"},
    {"ResolveBracketedAddress", "[network]\nresolve = { \"db.example.com\" = \"[2001:db8::5]\" }\n",
     2, "not an IPv4 dotted quad or IPv6 address", "without brackets"},
    {"ResolveUnquotedName", "[network]\nresolve = { db.example.com = \"10.0.0.1\" }\n", 2,
     "network.resolve: \"db\" must map to an address string, not a table", "quote the name"},
    {"ResolveBadName", "[network.resolve]\n\"a..b\" = \"203.0.113.5\"\n", 2,
     "network.resolve: invalid host \"a..b\": empty label", "db.example.com"},
    {"ResolveAddressKey", "[network]\nresolve = { \"203.0.113.5\" = \"203.0.113.6\" }\n", 2,
     "\"203.0.113.5\" is an address", "db.example.com"},
    {"ResolveSameNameTwice",
     "[network.resolve]\n\"db.example.com\" = \"203.0.113.5\"\n\"DB.example.com.\" = "
     "\"203.0.113.6\"\n",
     3, "pins the same name as line 2", "case-insensitively"},
    {"AllowCidrWithNoNetwork", "[network]\nmode = \"none\"\nallow_cidr = [\"10.0.0.0/8\"]\n", 2,
     "network.allow_cidr has ranges but network.mode = \"none\"", "mode = \"proxy\""},
    {"ForwardWithNoNetwork",
     "[network]\nallow = []\nforward = [\"5432=db.example.com:5432\"]\nmode = \"none\"\n", 4,
     "network.forward has forwards but network.mode = \"none\"", "mode = \"proxy\""},
    {"PinWithNoNetwork",
     "[network]\nmode = \"none\"\nresolve = { \"a.example.com\" = \"203.0.113.1\" }\n", 2,
     "network.resolve has pins but network.mode = \"none\"", "mode = \"proxy\""},
    {"AllowWithNoNetwork", "[network]\nallow = [\"api.example.com\"]\n\nmode = \"none\"\n", 4,
     "network.allow has rules but network.mode = \"none\"", "mode = \"proxy\""},
    // Reserved and misplaced keys.
    {"CredentialsKey", "[credentials]\n\nvault = \"x\"\n", 3,
     "credentials.vault: [credentials] is reserved; its keys arrive with the credentials issue",
     "remove the [credentials] section"},
    {"TrustedWorkspacesOutsideUserFile", "trusted_workspaces = [\"~/src/p\"]\n", 1,
     "trusted_workspaces is only read from your user config file", "user config file"},
    // Control bytes in a path: a NUL ends it at the syscall ("/etc\0" is "/etc").
    {"WriteWithANul", "[filesystem]\nwrite = [\"/etc\\u0000\"]\n", 2,
     "contains the control byte \\x00", "control bytes"},
    {"ReadWithAnEscape", "[filesystem]\nread = [\"/srv/\\u001b[31mx\"]\n", 2,
     "contains the control byte \\x1b", "control bytes"},
    {"HideWithANewline", "[filesystem]\nhide = [\"/tmp/a\\nb\"]\n", 2,
     "contains the control byte \\x0a", "control bytes"},
    {"ProtectWithANul", "[filesystem]\nprotect = [\"a\\u0000b\"]\n", 2,
     "contains the control byte \\x00", "relative to the workspace root"},
    {"ProtectWithADelete", "[filesystem]\nprotect = [\"a\\u007fb\"]\n", 2,
     "contains the control byte \\x7f", "control bytes"},
    {"AuditStoreWithABell", "[audit]\nstore = \"/var/a\\u0007.db\"\n", 2,
     "audit.store: path \"/var/a\a.db\" contains the control byte \\x07", "control bytes"},
    {"AuditKeyWithATab", "[audit]\n\nkey = \"~/k\\t.pem\"\n", 3, "contains the control byte \\x09",
     "control bytes"},
    {"GateRuleCwdWithAControlByte",
     "[[gate.rule]]\nname = \"x\"\ncwd = \"deploy\\u0001\"\naction = \"deny\"\n", 3,
     "gate.rule.cwd: path \"deploy\x01\" contains the control byte \\x01", "control bytes"},
    {"GateRuleProgramWithAControlByte",
     "[[gate.rule]]\nname = \"x\"\nprogram = [\"git\", \"/bin/\\u001bx\"]\naction = \"deny\"\n", 3,
     "contains the control byte \\x1b", "control bytes"},
    {"GateRulePathsWithAControlByte",
     "[[gate.rule]]\nname = \"x\"\npaths = [\"a\\u0000\"]\naction = \"deny\"\n", 3,
     "contains the control byte \\x00", "control bytes"},
    // Whole components: "/lib64/x" is in a system directory ("/libfoo" is not, below).
    {"WriteInLib64", "[filesystem]\nwrite = [\"/lib64/x\"]\n", 2,
     "is in the system directory /lib64", "read"},
    // Limits the kernel would refuse, refused at load instead (a refused cgroup write used to
    // drop the memory total to a per-process limit).
    {"PidsAboveTheKernelsMaximum", "[resources]\npids = 4194305\n", 2,
     "resources.pids = 4194305 is above the maximum of 4194304", "pids = 4096"},
    {"PidsAtInt64Max", "[resources]\npids = 9223372036854775807\n", 2,
     "is above the maximum of 4194304", "\"none\""},
    {"OpenFilesAboveNrOpen", "[resources]\nopen_files = 4294967296\n", 2,
     "resources.open_files = 4294967296 is above the maximum of", "open_files = 8192"},
    {"CpusAboveAMillion", "[resources]\ncpus = 1e10\n", 2,
     "resources.cpus is above the maximum of 1000000 cores", "cpus = 4"},
    {"CpusHuge", "[resources]\ncpus = 1e300\n", 2, "above the maximum of 1000000 cores",
     "\"none\""},
    // Durations whose milliseconds would overflow later ("timed out after 0.4s").
    {"TimeoutThatOverflowsInMilliseconds", "[resources]\ntimeout = \"18446744073709552s\"\n", 2,
     "resources.timeout = \"18446744073709552s\" is above the maximum of \"366d\"",
     "timeout = \"8h\""},
    {"TimeoutAboveAYear", "[resources]\ntimeout = \"367d\"\n", 2,
     "is above the maximum of \"366d\"", "\"none\""},
    // The audit store and its key in one file: one written over the other.
    {"AuditStoreIsTheKey", "[audit]\nstore = \"/tmp/a.db\"\nkey = \"/tmp/a.db\"\n", 3,
     "would share the file /tmp/a.db", "files of their own"},
    {"AuditKeyIsTheStoresLog", "[audit]\nkey = \"~/s.db-wal\"\nstore = \"~/s.db\"\n", 2,
     "would share the file ~/s.db-wal", "files of their own"},
    // TOML syntax errors carry the column too.
    {"SyntaxError", "[gate]\nreviewers = \n", 2, "", "not valid TOML"},
    {"DuplicateKey", "[gate]\nreviewers = 1\nreviewers = 2\n", 3, "", "not valid TOML"},
    // Table headers that break a precondition of toml++'s key parser (policy/toml.h): refused
    // with their line, never an abort (in the Debug and ASan builds that run this suite).
    {"TripleBracketHeader", "# x\n[[[gate.rule]]\nname = \"a\"\n", 2, "expected bare key",
     "not valid TOML"},
    {"HeaderWithoutAName", "[gate]\nreviewers = 1\n[[=\n", 3, "", "not valid TOML"},
};

INSTANTIATE_TEST_SUITE_P(Policy, PolicyErrors, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(PolicyErrorsSyntax, MessageHasLineAndColumn) {
  auto r = apply_toml(builtin_profile(Profile::kWorkspaceWrite), "a = 1\nb = \"unterminated\n",
                      "x.toml", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("x.toml:2:", 0), 0u) << r.error().message();
  std::string rest = r.error().message().substr(std::string("x.toml:2:").size());
  ASSERT_FALSE(rest.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(rest[0]))) << r.error().message();
}

TEST(PolicyErrorsCombination, AllowFromLowerLayerThenModeNone) {
  Policy lower = apply_toml(builtin_profile(Profile::kWorkspaceWrite),
                            "[network]\nallow = [\"api.example.com\"]\n", "user.toml", true)
                     .value();
  auto r = apply_toml(lower, "\n[network]\nmode = \"none\"\n", "ws.toml", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("ws.toml:3: network.allow has rules", 0), 0u)
      << r.error().message();
}

TEST(PolicyErrorsCombination, HideOverALowerLayersReadPath) {
  Policy lower = apply_toml(builtin_profile(Profile::kWorkspaceWrite),
                            "[filesystem]\nread = [\"/data/shared\"]\n", "user.toml", true)
                     .value();
  auto r = apply_toml(lower, "[filesystem]\nhide = [\"/data\"]\n", "cfg.toml", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message().rfind("cfg.toml:2: filesystem.hide: \"/data\" hides \"/data/shared\"", 0),
      0u)
      << r.error().message();
  EXPECT_NE(r.error().message().find("user.toml:2"), std::string::npos);
}

TEST(PolicyErrorsLimits, TheLargestAcceptedValuesLoad) {
  auto r = apply_toml(builtin_profile(Profile::kWorkspaceWrite),
                      "[resources]\npids = 4194304\ncpus = 1000000\nopen_files = 1024\n"
                      "timeout = \"366d\"\n",
                      "ok.toml", true);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->resources.pids.value, std::optional<uint64_t>(4194304));
  EXPECT_EQ(r->resources.timeout_seconds.value, std::optional<uint64_t>(366 * 86400));
}

TEST(PolicyErrorsPaths, LibPrefixIsNotASystemDirectory) {
  auto r = apply_toml(builtin_profile(Profile::kWorkspaceWrite),
                      "[filesystem]\nwrite = [\"/libfoo\", \"/lib2/x\"]\n", "ok.toml", true);
  ASSERT_TRUE(r.ok()) << r.error().message();
}

// Symlinks on the way to a read/write path: the checks apply to what the box would show.
class PolicyErrorsSymlinks : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "cordon-links-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string link(const std::string& name, const std::string& target) {
    std::string path = dir_ + "/" + name;
    std::filesystem::create_symlink(target, path);
    return path;
  }
  static Result<Policy> apply(const std::string& key, const std::string& path) {
    return apply_toml(builtin_profile(Profile::kWorkspaceWrite),
                      "[filesystem]\n" + key + " = [\"" + path + "\"]\n", "links.toml", true);
  }
  static void expect_refused(const Result<Policy>& r, const std::string& part) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message().rfind("links.toml:2: ", 0), 0u) << r.error().message();
    EXPECT_NE(r.error().message().find(part), std::string::npos) << r.error().message();
    EXPECT_FALSE(r.error().hint().empty());
  }

  std::string dir_;
};

TEST_F(PolicyErrorsSymlinks, WriteThroughALinkToASystemDirectoryIsRefused) {
  std::string etc = link("etclink", "/etc");
  expect_refused(apply("write", etc),
                 "(which resolves to \"/etc\") is in the system directory /etc");
  // A missing path beneath the link resolves through it too.
  expect_refused(apply("write", etc + "/new/dir"), "is in the system directory /etc");
  std::string usr = link("usrlink", "/usr/local");
  expect_refused(apply("write", usr), "is in the system directory /usr");
}

TEST_F(PolicyErrorsSymlinks, ReadThroughALinkToTheRootIsRefused) {
  expect_refused(apply("read", link("rootlink", "/")), "would show the whole host");
}

TEST_F(PolicyErrorsSymlinks, ReadThroughALinkToAHiddenPathIsRefused) {
  expect_refused(apply("read", link("shadowlink", "/etc/shadow")),
                 "(which resolves to \"/etc/shadow\") is hidden (by \"/etc/shadow\")");
}

TEST_F(PolicyErrorsSymlinks, LinksToOrdinaryDirectoriesAreFine) {
  std::filesystem::create_directory(dir_ + "/data");
  std::string data = link("datalink", dir_ + "/data");
  auto r = apply("write", data);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->filesystem.write_paths.value.back(), data);  // kept as written
}

}  // namespace
}  // namespace cordon::policy
