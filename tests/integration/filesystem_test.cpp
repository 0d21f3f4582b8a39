// The filesystem wall from the host's side: protected paths, placeholders, hidden paths.
#include <sys/stat.h>

#include <cstdio>

#include "integration/fixture.h"

namespace cordon::testing {
namespace {

using FilesystemTest = BoxTest;

TEST_F(FilesystemTest, ProtectedPathsStayReadOnly) {
  ::mkdir((workspace() + "/.git").c_str(), 0755);
  ::mkdir((workspace() + "/.git/hooks").c_str(), 0755);
  write_text(workspace() + "/.git/config", "[core]\n");
  auto r = sh("echo evil > .git/hooks/pre-commit 2>/dev/null && echo hook-written; "
              "echo evil >> .git/config 2>/dev/null && echo config-written; "
              "mv .git .git-moved 2>/dev/null && echo renamed; "
              "echo fine > ok.txt && echo workspace-written");
  EXPECT_EQ(r.out, "workspace-written\n") << r.err;
  EXPECT_EQ(read_text(workspace() + "/.git/config"), "[core]\n");
  EXPECT_FALSE(exists(workspace() + "/.git/hooks/pre-commit"));
}

TEST_F(FilesystemTest, MissingProtectedPathsCannotBeCreatedAndLeaveNoTrace) {
  auto r = sh("echo evil > .envrc 2>/dev/null && echo envrc; "
              "echo '{}' > .mcp.json 2>/dev/null && echo mcp; "
              "mkdir -p .vscode 2>/dev/null; echo x > .vscode/tasks.json 2>/dev/null && echo vscode; "
              "echo done");
  EXPECT_EQ(r.out, "done\n") << r.err;
  EXPECT_FALSE(exists(workspace() + "/.envrc"));
  EXPECT_FALSE(exists(workspace() + "/.mcp.json"));
  EXPECT_FALSE(exists(workspace() + "/.vscode"));
}

TEST_F(FilesystemTest, HookManagersWorktreesAndMoreAgentSettingsAreProtected) {
  // Each ran the box's code on the host in an internal bug hunt, or is read the same way: a
  // husky hook script, sparse checkout's config.worktree, a linked worktree's commondir (names
  // the config git reads there), and editors' and agents' project settings.
  ::mkdir((workspace() + "/.git").c_str(), 0755);
  write_text(workspace() + "/.git/config", "[core]\n");
  ::mkdir((workspace() + "/.git/worktrees").c_str(), 0755);
  ::mkdir((workspace() + "/.git/worktrees/wt").c_str(), 0755);
  write_text(workspace() + "/.git/worktrees/wt/commondir", "../..\n");
  ::mkdir((workspace() + "/.husky").c_str(), 0755);
  write_text(workspace() + "/.husky/pre-commit", "npm test\n");
  auto r =
      sh("echo evil >> .husky/pre-commit 2>/dev/null && echo husky; "
         "echo evil > .husky/pre-push 2>/dev/null && echo husky-new; "
         "echo evil > .git/config.worktree 2>/dev/null && echo config-worktree; "
         "echo ../../../evil > .git/worktrees/wt/commondir 2>/dev/null && echo commondir; "
         "for d in .cursor .zed .gemini; do mkdir -p $d 2>/dev/null; "
         "  echo '{}' > $d/settings.json 2>/dev/null && echo $d; done; "
         "echo '{}' > .devcontainer.json 2>/dev/null && echo devcontainer; "
         "echo x > .pre-commit-config.yaml && echo precommit-absent-writable; "
         "echo done");
  EXPECT_EQ(r.out, "precommit-absent-writable\ndone\n") << r.err;
  EXPECT_EQ(read_text(workspace() + "/.husky/pre-commit"), "npm test\n");
  EXPECT_EQ(read_text(workspace() + "/.git/worktrees/wt/commondir"), "../..\n");
  EXPECT_FALSE(exists(workspace() + "/.cursor"));
  EXPECT_FALSE(exists(workspace() + "/.devcontainer.json"));
}

TEST_F(FilesystemTest, AHooksDirectoryTheConfigMovesIntoTheWorkspaceIsReadOnly) {
  // core.hooksPath = .githooks: the host's next commit runs .githooks/pre-commit (internal bug
  // hunt: a husky-style hooks path ran the box's code).
  ::mkdir((workspace() + "/.git").c_str(), 0755);
  write_text(workspace() + "/.git/config", "[core]\n\thooksPath = .githooks\n");
  ::mkdir((workspace() + "/.githooks").c_str(), 0755);
  write_text(workspace() + "/.githooks/pre-commit", "#!/bin/sh\nmake lint\n");
  auto r =
      sh("echo evil >> .githooks/pre-commit 2>/dev/null && echo written; "
         "echo evil > .githooks/post-checkout 2>/dev/null && echo created; "
         "echo fine > notes.txt && echo ok");
  EXPECT_EQ(r.out, "ok\n") << r.err;
  EXPECT_EQ(read_text(workspace() + "/.githooks/pre-commit"), "#!/bin/sh\nmake lint\n");
  EXPECT_FALSE(exists(workspace() + "/.githooks/post-checkout"));
}

TEST_F(FilesystemTest, AGitRepositoryCannotBeCreatedWhereNoneExisted) {
  auto r = sh("git init -q . 2>/dev/null && echo created; mkdir -p .git/hooks 2>/dev/null; "
              "echo evil > .git/hooks/post-checkout 2>/dev/null && echo hook; echo done");
  EXPECT_EQ(r.out, "done\n") << r.err;
  EXPECT_FALSE(exists(workspace() + "/.git"));
}

TEST_F(FilesystemTest, HiddenPathsStayHiddenBeneathAnExtraBind) {
  const std::string home = dir() / "home";
  ::mkdir(home.c_str(), 0755);
  ::mkdir((home + "/stuff").c_str(), 0755);
  ::mkdir((home + "/stuff/keys").c_str(), 0700);
  write_text(home + "/stuff/keys/id", "SECRET");
  write_text(home + "/stuff/readme", "public");
  std::string policy =
      policy_file("[filesystem]\nread = [\"~/stuff\"]\nhide = [\"~/stuff/keys\"]\n");
  RunOptions opts;
  opts.set_env = {{"HOME", home}};
  auto r = sh("cat ~/stuff/readme; cat ~/stuff/keys/id 2>/dev/null || echo ' hidden'",
              {"--config", policy}, opts);
  EXPECT_EQ(r.out, "public hidden\n") << r.err;
}

TEST_F(FilesystemTest, HiddenPathsStayHiddenBeneathTheSystemDirs) {
  // Only a file that is surely there and that the command does not need: env.
  std::string policy = policy_file("[filesystem]\nhide = [\"/usr/bin/env\"]\n");
  auto r = sh("test -s /usr/bin/env && echo shown || echo hidden", {"--config", policy});
  EXPECT_EQ(r.out, "hidden\n") << r.err;
}

TEST_F(FilesystemTest, TheKernelsSettingsInProcAreReadOnly) {
  // Run as root, the box's root is the host's: file permissions alone would let it name the
  // program the kernel runs on a crash (core_pattern) or change interrupt routing.
  auto r =
      sh("for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe; do "
         "  (: >> $f) 2>/dev/null && echo \"$f writable\"; done; "
         "irq=$(ls -d /proc/irq/[0-9]* | head -1); "
         "(: >> $irq/smp_affinity) 2>/dev/null && echo irq writable; "
         "cat /proc/sys/kernel/ostype; cat /proc/sys/user/max_user_namespaces");
  EXPECT_EQ(r.out, "Linux\n0\n") << r.err;
}

TEST_F(FilesystemTest, NoBoxProcessCanWriteAnothersMemoryThroughProc) {
  // Same uid, no ptrace needed: a writable /proc/PID/mem let one box process rewrite another's
  // argv after the gate had decided it (or a reviewer approved it). /proc is read-only, so the
  // open fails; reading (ps, top, a program's own /proc/self) still works.
  auto r =
      sh("sleep 30 & p=$!; "
         "python3 -c 'import sys; open(\"/proc/%s/mem\" % sys.argv[1], \"r+b\")' $p 2>&1 | "
         "  grep -o 'Read-only file system'; "
         "(echo 5 > /proc/self/oom_score_adj) 2>/dev/null || echo own-refused; "
         "grep -c '^Name:' /proc/$p/status; kill $p");
  EXPECT_EQ(r.out, "Read-only file system\nown-refused\n1\n") << r.err;
}

TEST_F(FilesystemTest, NoSetuidOrSetgidFileCanBeMade) {
  // A setuid file left in the workspace runs as its owner on the host: as root when cordon runs
  // as root (internal bug hunt: python3's os.chmod made a setuid copy of id). Ordinary modes
  // still change.
  // Through python, not chmod(1): the approval gate would hold `chmod 4755` for a reviewer.
  auto r =
      sh("touch f && chmod 755 f && echo chmod-ok; "
         "python3 -c 'import os\n"
         "for mode in (0o4755, 0o2755):\n"
         "  try: os.chmod(\"f\", mode)\n"
         "  except PermissionError: print(oct(mode), \"refused\")\n"
         "try: os.open(\"g\", os.O_CREAT | os.O_WRONLY, 0o6755)\n"
         "except PermissionError: print(\"create refused\")'; "
         "stat -c %a f; test -e g || echo no-g");
  EXPECT_EQ(r.out, "chmod-ok\n0o4755 refused\n0o2755 refused\ncreate refused\n755\nno-g\n")
      << r.err;
}

TEST_F(FilesystemTest, AGitCommondirTheBoxCreatesIsMovedAsideAtTheEnd) {
  // .git stays writable for commits; a commondir would send the host's git to the box's own
  // config and hooks (core.fsmonitor runs on the next `git status`).
  ::mkdir((workspace() + "/.git").c_str(), 0755);
  auto r = sh("mkdir -p evil/hooks && echo ../evil > .git/commondir && echo written");
  EXPECT_EQ(r.out, "written\n") << r.err;
  EXPECT_FALSE(exists(workspace() + "/.git/commondir"));
  EXPECT_NE(r.err.find("moved to " + workspace() + "/.git/commondir.cordon-"), std::string::npos)
      << r.err;
  // One the user had before the session is theirs: left alone.
  write_text(workspace() + "/.git/commondir", "../main/.git\n");
  auto again = sh("true");
  EXPECT_TRUE(exists(workspace() + "/.git/commondir"));
  EXPECT_EQ(again.err.find("commondir"), std::string::npos) << again.err;
}

// A repository with one commit in `path`, made on the host.
void make_repository(const std::string& path) {
  const std::string git = "git -C '" + path + "' -c user.name=t -c user.email=t@example.com ";
  ASSERT_EQ(std::system(("mkdir -p '" + path + "' && " + git + "init -q && echo a > '" + path +
                         "/a' && " + git + "add a && " + git + "commit -qm a")
                            .c_str()),
            0);
}

TEST_F(FilesystemTest, ARepositoryTheBoxEmbedsIsMovedAsideAtTheEnd) {
  // The box cannot write .git/config, but a repository of its own, added to the workspace's
  // index as a gitlink, has a config it wrote: the host's `git status` would recurse into it and
  // run its core.fsmonitor.
  make_repository(workspace());
  make_repository(workspace() + "/theirs");  // embedded by the user before the session
  ASSERT_EQ(std::system(("git -C '" + workspace() + "' add theirs 2>/dev/null").c_str()), 0);
  const std::string marker = dir() / "fsmonitor-ran";
  auto r = sh("git init -q vendor && cd vendor && git config core.fsmonitor 'touch " + marker +
              "; false' && echo x > x && git add x && "
              "git -c user.name=a -c user.email=a@b commit -qm v && cd .. && "
              "git add vendor 2>/dev/null && echo embedded");
  EXPECT_EQ(r.out, "embedded\n") << r.err;
  EXPECT_FALSE(exists(workspace() + "/vendor/.git"));
  EXPECT_NE(r.err.find("its .git was moved to " + workspace() + "/vendor/.git.cordon-"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(exists(workspace() + "/theirs/.git"));
  EXPECT_EQ(r.err.find("theirs"), std::string::npos) << r.err;
  ASSERT_EQ(std::system(("git -C '" + workspace() + "' status >/dev/null 2>&1").c_str()), 0);
  EXPECT_FALSE(exists(marker));
}

// The route of the internal review's finding 3. In a split index, an entry of the shared index
// that changes is written to .git/index without a name (git takes the shared entry's), so a file
// the box turned into a gitlink had no name to the guard, which passed over it: the host's
// `git status` then ran the box's core.fsmonitor.
TEST_F(FilesystemTest, ARepositoryTheBoxEmbedsThroughASplitIndexIsMovedAside) {
  make_repository(workspace());
  const std::string marker = dir() / "fsmonitor-ran";
  auto r =
      sh("G='git -c user.name=a -c user.email=a@b' && echo x > vendor && $G add vendor && "
         "$G commit -qm v && git update-index --split-index && rm vendor && "
         "git init -q vendor && cd vendor && git config core.fsmonitor 'touch " +
         marker +
         "; false' && echo y > y && $G add y && $G commit -qm in && cd .. && "
         "$G add vendor 2>/dev/null && ls .git | grep -c '^sharedindex\\.'");
  ASSERT_EQ(r.out, "1\n") << "no split index was made; nothing is tested\n" << r.err;
  EXPECT_FALSE(exists(workspace() + "/vendor/.git"));
  EXPECT_NE(r.err.find("its .git was moved to " + workspace() + "/vendor/.git.cordon-"),
            std::string::npos)
      << r.err;
  ASSERT_EQ(std::system(("git -C '" + workspace() + "' status >/dev/null 2>&1").c_str()), 0);
  EXPECT_FALSE(exists(marker));
}

// Fail closed: with the shared index gone, the guard cannot name the gitlinks of .git/index, so
// every repository the session did not begin with is moved aside; the user's are left alone.
TEST_F(FilesystemTest, ARepositoryTheBoxEmbedsBehindAnUnreadableIndexIsMovedAside) {
  make_repository(workspace());
  make_repository(workspace() + "/theirs");  // embedded by the user before the session
  ASSERT_EQ(std::system(("git -C '" + workspace() + "' add theirs 2>/dev/null").c_str()), 0);
  make_repository(workspace() + "/mine");  // nested, not embedded
  auto r =
      sh("G='git -c user.name=a -c user.email=a@b' && git update-index --split-index && "
         "git init -q vendor && cd vendor && echo y > y && $G add y && $G commit -qm in && "
         "cd .. && $G add vendor 2>/dev/null && rm .git/sharedindex.* && echo done");
  EXPECT_EQ(r.out, "done\n") << r.err;
  EXPECT_FALSE(exists(workspace() + "/vendor/.git"));
  EXPECT_NE(r.err.find("could not be told by name"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("its .git was moved to " + workspace() + "/vendor/.git.cordon-"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(exists(workspace() + "/theirs/.git"));
  EXPECT_TRUE(exists(workspace() + "/mine/.git"));
}

// The route of the internal review's finding 2: repositories in the workspace without a gitlink
// (a workspace of clones, a clone the workspace's repository ignores) had writable hooks and
// config, which the host's git runs when the user works there.
TEST_F(FilesystemTest, TheConfigAndHooksOfNestedRepositoriesAreReadOnly) {
  make_repository(workspace() + "/proj");
  make_repository(workspace() + "/top");
  write_text(workspace() + "/top/.gitignore", "lib/\n");
  make_repository(workspace() + "/top/lib");
  const std::string config = read_text(workspace() + "/proj/.git/config");
  auto r = sh(
      "for r in proj top/lib; do "
      "(echo evil > $r/.git/hooks/pre-commit) 2>&1 | grep -q 'Read-only file system' && echo hook; "
      "(echo '[core] fsmonitor = evil' >> $r/.git/config) 2>&1 | "
      "grep -q 'Read-only file system' && echo config; "
      "(echo evil > $r/.git/info/attributes) 2>&1 | grep -q 'Read-only file system' && echo info; "
      "echo x > $r/work && echo work; done");
  EXPECT_EQ(r.out, "hook\nconfig\ninfo\nwork\nhook\nconfig\ninfo\nwork\n") << r.err;
  EXPECT_EQ(read_text(workspace() + "/proj/.git/config"), config);
  EXPECT_FALSE(exists(workspace() + "/proj/.git/hooks/pre-commit"));
  EXPECT_FALSE(exists(workspace() + "/top/lib/.git/hooks/pre-commit"));
  EXPECT_TRUE(exists(workspace() + "/top/lib/work"));
}

// The box names the directory that notice quotes, and the notice goes to the user's terminal:
// its control bytes are shown, never sent (raw, this name would set the terminal's title and
// could rewrite the notice itself).
TEST_F(FilesystemTest, TheNoticeOfAnEmbeddedRepositoryShowsItsNamesControlBytes) {
  make_repository(workspace());
  auto r =
      sh("d=\"$(printf 'v\\033]0;pwned\\007')\"; git init -q \"$d\" && cd \"$d\" && "
         "echo x > x && git add x && git -c user.name=a -c user.email=a@b commit -qm v && "
         "cd .. && git add \"$d\" 2>/dev/null && echo embedded");
  EXPECT_EQ(r.out, "embedded\n") << r.err;
  EXPECT_NE(
      r.err.find("its .git was moved to " + workspace() + "/v\\x1b]0;pwned\\x07/.git.cordon-"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
}

// A repository the user had embedded in the workspace's: `git status` on the host runs git in
// it too, so its config and hooks are protected like the workspace's own.
TEST_F(FilesystemTest, TheConfigAndHooksOfTheUsersEmbeddedRepositoriesAreReadOnly) {
  make_repository(workspace());
  make_repository(workspace() + "/theirs");
  ASSERT_EQ(std::system(("git -C '" + workspace() + "' add theirs 2>/dev/null").c_str()), 0);
  const std::string config = read_text(workspace() + "/theirs/.git/config");
  auto r = sh("echo '[core] fsmonitor = evil' >> theirs/.git/config 2>/dev/null && echo config; "
              "echo evil > theirs/.git/hooks/post-checkout 2>/dev/null && echo hook; "
              "echo x > theirs/b && echo work");
  EXPECT_EQ(r.out, "work\n") << r.err;
  EXPECT_EQ(read_text(workspace() + "/theirs/.git/config"), config);
  EXPECT_FALSE(exists(workspace() + "/theirs/.git/hooks/post-checkout"));
}

// git status recurses through the user's embedded repositories too, so a commondir or an
// embedded repository the box adds inside one of them is moved aside like the workspace's own.
TEST_F(FilesystemTest, WhatTheBoxAddsInTheUsersEmbeddedRepositoryIsMovedAside) {
  make_repository(workspace());
  make_repository(workspace() + "/theirs");
  ASSERT_EQ(std::system(("git -C '" + workspace() + "' add theirs 2>/dev/null").c_str()), 0);
  auto r =
      sh("cd theirs && git init -q deeper && echo x > deeper/x && git -C deeper add x && "
         "git -C deeper -c user.name=a -c user.email=a@b commit -qm v && "
         "git add deeper 2>/dev/null && echo ../evil > .git/commondir && echo done");
  EXPECT_EQ(r.out, "done\n") << r.err;
  const std::string theirs = workspace() + "/theirs";
  EXPECT_FALSE(exists(theirs + "/.git/commondir"));
  EXPECT_NE(r.err.find("moved to " + theirs + "/.git/commondir.cordon-"), std::string::npos)
      << r.err;
  EXPECT_FALSE(exists(theirs + "/deeper/.git"));
  EXPECT_NE(r.err.find("its .git was moved to " + theirs + "/deeper/.git.cordon-"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(exists(theirs + "/.git"));
}

// Beyond the guard's limit an embedded repository is neither protected nor checked; the session
// says so instead of passing over it in silence. 64 gitlinks to directories holding a `.git` (the
// guard's test for an embedded repository) make 65 repositories with the workspace's own.
TEST_F(FilesystemTest, EmbeddedRepositoriesBeyondTheGuardsLimitAreNamed) {
  make_repository(workspace());
  std::string index_info;
  for (int i = 0; i < 64; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "r%02d", i);
    ASSERT_EQ(::mkdir((workspace() + "/" + name).c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((workspace() + "/" + name + "/.git").c_str(), 0755), 0);
    index_info += "160000 1111111111111111111111111111111111111111\t" + std::string(name) + "\n";
  }
  write_text(dir() / "index-info", index_info);
  ASSERT_EQ(std::system(("git -C '" + workspace() + "' update-index --index-info < '" +
                         (dir() / "index-info") + "'")
                            .c_str()),
            0);
  auto r = sh("echo ran");
  EXPECT_EQ(r.out, "ran\n") << r.err;
  EXPECT_NE(r.err.find("1 of the repositories embedded in " + workspace() +
                       " were not watched (at most 64 per workspace, its own included; the first "
                       "not watched: " +
                       workspace() + "/r63)"),
            std::string::npos)
      << r.err;
}

TEST_F(FilesystemTest, SecretsInTheRealHomeAreNotVisible) {
  const std::string home = dir() / "home";
  ::mkdir(home.c_str(), 0755);
  ::mkdir((home + "/.ssh").c_str(), 0700);
  write_text(home + "/.ssh/id_ed25519", "SECRET");
  RunOptions opts;
  opts.set_env = {{"HOME", home}};
  auto r = sh("cat ~/.ssh/id_ed25519 2>/dev/null || echo hidden", {}, opts);
  EXPECT_EQ(r.out, "hidden\n") << r.err;
}

TEST_F(FilesystemTest, HostTmpIsNotVisible) {
  write_text(dir() / "host-only", "x");
  auto r = sh("test -e " + (dir() / "host-only") + " && echo visible || echo invisible");
  EXPECT_EQ(r.out, "invisible\n") << r.err;
}

TEST_F(FilesystemTest, ExtraReadOnlyPathIsReadableNotWritable) {
  const std::string extra = dir() / "extra";
  ::mkdir(extra.c_str(), 0755);
  write_text(extra + "/data", "shared");
  std::string policy = policy_file("[filesystem]\nread = [\"" + extra + "\"]\n");
  auto r = sh("cat " + extra + "/data; echo x > " + extra + "/data 2>/dev/null || echo ' ro'",
              {"--config", policy});
  EXPECT_EQ(r.out, "shared ro\n") << r.err;
}

TEST_F(FilesystemTest, PersistentHomeKeepsFilesBetweenSessions) {
  std::string policy = policy_file("[filesystem]\nhome = \"persist\"\n");
  ASSERT_EQ(sh("echo kept > ~/.notes", {"--config", policy}).status, 0);
  auto r = sh("cat ~/.notes", {"--config", policy});
  EXPECT_EQ(r.out, "kept\n") << r.err;
}

}  // namespace
}  // namespace cordon::testing
