#!/usr/bin/env python3
"""Exec-heavy work in a gated box against the same box with the gate off.

Two workloads, each run inside `cordon run` on the default profile, interleaved (gated, off,
gated, ...) so that machine noise hits both alike; we report medians and the ratio of medians:
  loop   a shell loop starting 2,000 programs (/bin/true, each decided by the gate);
  build  `make -j2` of a small C project (40 sources and a link: cc1, as and ld for each);
The box without the gate is the same policy with `[gate] unsafe_disabled = true`. Goal: the
gated box takes at most 1.3x as long.

Usage: bench/gate_bench.py [--cordon build/src/cordon] [--rounds 7] [--json out.json]
"""
import argparse
import json
import os
import shutil
import statistics
import sys

from bench_session import DEFAULT_CORDON, ScratchSession, time_once

LOOP = "i=0; while [ $i -lt 2000 ]; do /bin/true; i=$((i+1)); done"
SOURCES = 40


def write_project(directory):
    os.makedirs(directory)
    for i in range(SOURCES):
        with open(os.path.join(directory, f"unit{i}.c"), "w") as f:
            f.write(f"#include <stdio.h>\nint unit{i}(int x) {{ return x * {i} + {i}; }}\n")
    with open(os.path.join(directory, "main.c"), "w") as f:
        f.write("#include <stdio.h>\n")
        for i in range(SOURCES):
            f.write(f"int unit{i}(int);\n")
        f.write("int main(void) { int s = 0;\n")
        for i in range(SOURCES):
            f.write(f"  s += unit{i}(s);\n")
        f.write('  printf("%d\\n", s); return 0; }\n')
    objs = " ".join(f"unit{i}.o" for i in range(SOURCES))
    with open(os.path.join(directory, "Makefile"), "w") as f:
        f.write(f"app: main.o {objs}\n\tcc -o $@ $^\n%.o: %.c\n\tcc -O1 -c -o $@ $<\n"
                "clean:\n\trm -f app *.o\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cordon", default=DEFAULT_CORDON)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    if not shutil.which("make") or not shutil.which("cc"):
        sys.exit("the build workload needs make and cc (scripts/install-deps.sh installs them)")

    session = ScratchSession("cordon-gate-bench-")
    scratch, workspace, env = session.dir, session.workspace, session.env
    project = os.path.join(workspace, "project")
    write_project(project)
    gate_off = os.path.join(scratch, "gate-off.toml")
    with open(gate_off, "w") as f:
        f.write("[gate]\nunsafe_disabled = true\n")
    cordon = os.path.abspath(args.cordon)

    def timed(cmd):
        elapsed = time_once(cmd, env)
        session.wait_for_signature()  # the audit checkpoint signs outside the timed region
        return elapsed

    def box(command, gated):
        cmd = [cordon, "run", "-q", "--network", "none", "--workspace", workspace]
        if not gated:
            cmd += ["--config", gate_off]
        return cmd + ["--", "/bin/sh", "-c", command]

    workloads = {
        "loop": LOOP,
        "build": f"cd {project} && make -s clean && make -s -j2",
    }
    results = {}
    for name, command in workloads.items():
        timed(box(command, True))  # warm the page cache and the compiler
        timed(box(command, False))
        gated, off = [], []
        for _ in range(args.rounds):
            gated.append(timed(box(command, True)))
            off.append(timed(box(command, False)))
        results[name] = {
            "gated_median_s": statistics.median(gated),
            "off_median_s": statistics.median(off),
            "ratio_of_medians": statistics.median(gated) / statistics.median(off),
        }
    shutil.rmtree(scratch, ignore_errors=True)

    print(f"gate on vs off, {args.rounds} interleaved rounds each (uid {os.getuid()}):")
    for name, r in results.items():
        print(f"  {name:6s} gated {r['gated_median_s'] * 1000:8.1f} ms   off "
              f"{r['off_median_s'] * 1000:8.1f} ms   ratio {r['ratio_of_medians']:.3f}"
              "   (goal <= 1.3)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
