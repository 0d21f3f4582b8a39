#!/usr/bin/env bash
# Fuzzes cordon's parsers and decisions with libFuzzer (tests/fuzz/): each target runs for
# SECONDS (default 60) from a working copy of its committed corpus. A finding (a crash, a
# sanitizer report or a broken invariant) is written to build-fuzz/findings/; copy it into
# tests/fuzz/corpus/<target>/finding-<what> once fixed, and every CI run replays it.
# Needs clang 15 or later (std::source_location) with its libFuzzer runtime; installs clang 16
# through apt-get when none is found.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$source" _fuzz.cpp)"); done
fi

find_clang() {
  for cxx in clang++ clang++-20 clang++-19 clang++-18 clang++-17 clang++-16 clang++-15; do
    command -v "$cxx" >/dev/null || continue
    local major
    major="$("$cxx" -dumpversion | cut -d. -f1)"
    [ "$major" -ge 15 ] || continue
    echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
      "$cxx" -x c++ -fsanitize=fuzzer -o /dev/null - 2>/dev/null || continue
    echo "$cxx"
    return 0
  done
  return 1
}

if ! cxx="$(find_clang)"; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  echo "fuzz: installing clang 16 and its libFuzzer runtime"
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang-16 libclang-rt-16-dev
  cxx="$(find_clang)"
fi
cc="${cxx/clang++/clang}"
echo "== fuzz build ($cxx)"
CC="$cc" CXX="$cxx" cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCORDON_FUZZ=ON -DCORDON_BUILD_BENCH=OFF >/dev/null
ninja -C build-fuzz cordon_fuzz_targets
mkdir -p build-fuzz/findings
status=0
for target in "${targets[@]}"; do
  work="build-fuzz/corpus/$target"
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
  echo "== $target, ${seconds}s"
  if ! build-fuzz/tests/fuzz/fuzz_"$target" -max_total_time="$seconds" -max_len=4096 \
      -timeout=10 -artifact_prefix="build-fuzz/findings/$target-" -print_final_stats=1 \
      "$work" 2>"build-fuzz/$target.log"; then
    echo "fuzz: $target found something: build-fuzz/$target.log, build-fuzz/findings/"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "build-fuzz/$target.log" | tail -1
done
exit $status
