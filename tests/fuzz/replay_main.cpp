// The driver a fuzz target links when it is not built for libFuzzer (the GCC builds, and so
// the ASan + UBSan suite): it runs every file of the target's corpus, then a fixed number of
// mutations of them, reproducible from the seed. Not a fuzzer (no coverage feedback); it makes
// every CI run replay the corpus and the findings kept there, and try some inputs near them.
//
// Usage: <target> [--mutations N] [--seed S] DIR|FILE...
// An input that breaks an invariant or crashes is written to ./<target>.finding.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace {

using Bytes = std::vector<uint8_t>;

// Bytes that end or split the fields of the protocols under test.
constexpr std::string_view kSeparators[] = {"\r\n", "\n", "\r",   "\0",   ":", "[",  "]", "%", "@",
                                            "\\",   ".",  "\xff", "\x80", " ", "\t", "=", "\""};

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The input being run, for the crash handler: a finding must be kept to be fixed.
const Bytes* g_current = nullptr;
char g_finding_path[4096] = "";

// Writes the input that broke an invariant (or crashed) to the finding file. Only
// async-signal-safe calls: it runs in a signal handler or the sanitizers' death callback.
void keep_finding() {
  if (g_current == nullptr || g_finding_path[0] == '\0') return;
  const int fd = ::open(g_finding_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)!::write(fd, g_current->data(), g_current->size());
  ::close(fd);
  constexpr char kNote[] = "the input is kept in ";
  (void)!::write(2, kNote, sizeof kNote - 1);
  (void)!::write(2, g_finding_path, std::strlen(g_finding_path));
  (void)!::write(2, "\n", 1);
  g_current = nullptr;
}

void on_fatal_signal(int sig) {
  keep_finding();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void run(const Bytes& input) {
  g_current = &input;
  LLVMFuzzerTestOneInput(input.data(), input.size());
  g_current = nullptr;
}

Bytes mutate(const std::vector<Bytes>& corpus, std::mt19937_64& rng) {
  auto below = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  Bytes out = corpus[below(corpus.size())];
  const int edits = 1 + static_cast<int>(below(4));
  for (int e = 0; e < edits; ++e) {
    const size_t at = below(out.size() + 1);
    switch (below(6)) {
      case 0:  // flip a bit
        if (!out.empty()) out[below(out.size())] ^= static_cast<uint8_t>(1u << below(8));
        break;
      case 1:  // a byte of any value
        out.insert(out.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
        break;
      case 2: {  // cut a run
        const size_t n = std::min(out.size() - std::min(at, out.size()), 1 + below(16));
        out.erase(out.begin() + static_cast<long>(at), out.begin() + static_cast<long>(at + n));
        break;
      }
      case 3: {  // repeat a run
        if (at >= out.size()) break;
        const size_t n = std::min(out.size() - at, 1 + below(32));
        Bytes run(out.begin() + static_cast<long>(at), out.begin() + static_cast<long>(at + n));
        out.insert(out.begin() + static_cast<long>(at), run.begin(), run.end());
        break;
      }
      case 4: {  // a separator
        const std::string_view s = kSeparators[below(std::size(kSeparators))];
        out.insert(out.begin() + static_cast<long>(at), s.begin(), s.end());
        break;
      }
      default: {  // the tail of another input
        const Bytes& other = corpus[below(corpus.size())];
        const size_t from = below(other.size() + 1);
        out.resize(at);
        out.insert(out.end(), other.begin() + static_cast<long>(from), other.end());
        break;
      }
    }
  }
  return out;
}

}  // namespace

// The sanitizers report through this hook before they exit (weak: absent without them).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

int main(int argc, char** argv) {
  long mutations = 0;
  uint64_t seed = 1;
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
      mutations = std::atol(argv[++i]);
    } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      paths.emplace_back(argv[i]);
    }
  }
  std::vector<std::filesystem::path> files;
  for (const auto& path : paths) {
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  // Named after the program (fuzz_<target>), in the working directory (ctest: the build tree).
  std::snprintf(g_finding_path, sizeof g_finding_path, "%s.finding",
                std::filesystem::path(argv[0]).filename().c_str());
  for (const int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_fatal_signal);
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(keep_finding);
  if (files.empty()) {
    std::fprintf(stderr, "no corpus files: a replay that runs nothing proves nothing\n");
    return 2;
  }
  std::vector<Bytes> corpus;
  for (const auto& file : files) {
    corpus.push_back(read_file(file));
    run(corpus.back());
  }
  std::mt19937_64 rng(seed);
  for (long i = 0; i < mutations; ++i) run(mutate(corpus, rng));
  std::printf("%zu corpus inputs and %ld mutations (seed %llu): every invariant held\n",
              corpus.size(), mutations, static_cast<unsigned long long>(seed));
  return 0;
}
