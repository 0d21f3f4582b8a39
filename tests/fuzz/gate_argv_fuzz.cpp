// Fuzzes the gate's readers of a box-chosen argv that decide which program is judged: the
// dynamic loader's command line (`ld.so [OPTIONS] PROGRAM ARGS`), git's dashed builtins
// (`git-push -f`), and the globs rules match argv with.
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "gate/git_dashed.h"
#include "gate/glob.h"
#include "gate/loader_command.h"
#include "gate/program_start.h"

namespace {

namespace gate = cordon::gate;

void check_escaped_glob_matches_itself(const std::string& text) {
  if (text.empty()) return;  // an empty pattern is refused by design
  const std::string pattern = gate::escape_glob(text);
  for (const auto kind : {gate::GlobKind::kWord, gate::GlobKind::kPath}) {
    const auto glob = gate::Glob::compile(pattern, kind);
    FUZZ_CHECK(glob.ok());
    FUZZ_CHECK(glob->matches(text));
  }
}

void check_glob(const std::string& pattern, const std::string& text) {
  for (const auto kind : {gate::GlobKind::kWord, gate::GlobKind::kPath}) {
    const auto glob = gate::Glob::compile(pattern, kind);
    if (!glob.ok()) continue;
    (void)glob->matches(text);
    // A pattern without metacharacters is the text it matches, and nothing else.
    if (pattern.find_first_of("*?[\\") == std::string::npos) {
      FUZZ_CHECK(glob->matches(text) == (pattern == text));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cordon::fuzz::InputReader in(data, size);
  const bool loader_first = (in.byte() & 1) != 0;
  std::vector<std::string> argv = in.pieces(32);

  if (loader_first) argv.insert(argv.begin(), "/lib64/ld-linux-x86-64.so.2");
  if (const auto command = gate::parse_loader_command(argv)) {
    // The program may be "" (a bare name: box/loader_start.cpp refuses those), but it always
    // has an argv[0] the rules can read.
    FUZZ_CHECK(!command->argv.empty());
  }

  gate::ProgramStart start{"/usr/bin/git", argv, "/work/proj"};
  if (const auto dashed = gate::git_dashed_start(start)) {
    // Judged as `git <cmd> ...`: one word more, never fewer, and still git.
    FUZZ_CHECK(dashed->argv.size() == argv.size() + 1);
    FUZZ_CHECK(dashed->executable == start.executable);
  }

  if (argv.size() >= 2) {
    check_glob(argv[0], argv[1]);
    check_escaped_glob_matches_itself(argv[1]);
  }
  return 0;
}
