#!/usr/bin/env python3
"""Start-up time of `cordon run -- /bin/true` against bubblewrap running an equivalent box.

Both run in the same process, interleaved (cordon, bwrap, cordon, ...) so that machine noise hits
both alike; we report medians and the median ratio. The bubblewrap box has the same namespaces
(user, mount, pid, net, ipc, uts, cgroup), read-only system dirs, a read-write workspace, a tmpfs
/tmp, a fresh /proc and /dev, a new session and no capabilities. cordon additionally builds its
seccomp filter, Landlock ruleset, cgroup, rlimits, hidden-path masks and protected paths.

Usage: bench/startup.py [--cordon build/src/cordon] [--runs 60] [--json out.json]
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

from bench_session import DEFAULT_CORDON, ScratchSession, time_once


def bwrap_command(workspace):
    cmd = ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
           "--unshare-uts", "--unshare-cgroup", "--die-with-parent", "--new-session",
           "--cap-drop", "ALL"]
    for d in ["/usr", "/etc", "/opt"]:
        if os.path.isdir(d) and not os.path.islink(d):
            cmd += ["--ro-bind", d, d]
    for d in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]:
        if os.path.islink(d):
            cmd += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            cmd += ["--ro-bind", d, d]
    cmd += ["--tmpfs", "/tmp", "--bind", workspace, workspace, "--proc", "/proc", "--dev", "/dev",
            "--chdir", workspace, "/bin/true"]
    return cmd


def peak_rss_kib(cmd, env):
    """Peak resident set (VmHWM, KiB) of the supervisor process itself: the command runs
    `sleep 0.6` instead of /bin/true and we read its /proc status while the box is up."""
    cmd = cmd[:-1] + ["/bin/sleep", "0.6"]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.4)
    peak = 0
    with open(f"/proc/{proc.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    proc.wait()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cordon", default=DEFAULT_CORDON)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    if not shutil.which("bwrap"):
        sys.exit("bubblewrap is not installed (scripts/install-deps.sh installs it)")

    session = ScratchSession("cordon-bench-")
    scratch, workspace, env = session.dir, session.workspace, session.env
    cordon = [os.path.abspath(args.cordon), "run", "-q", "--workspace", workspace, "--",
              "/bin/true"]
    bwrap = bwrap_command(workspace)

    for _ in range(5):  # warm the page cache for both
        time_once(cordon, env)
        session.wait_for_signature()
        time_once(bwrap, env)
    c, signed, b = [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        c.append(time_once(cordon, env))
        session.wait_for_signature()
        signed.append(time.perf_counter() - start)
        b.append(time_once(bwrap, env))
    ratios = [x / y for x, y in zip(c, b)]
    result = {
        "runs": args.runs,
        "cordon_median_ms": statistics.median(c) * 1000,
        "cordon_signed_median_ms": statistics.median(signed) * 1000,
        "bwrap_median_ms": statistics.median(b) * 1000,
        "ratio_of_medians": statistics.median(c) / statistics.median(b),
        "median_of_pair_ratios": statistics.median(ratios),
        "cordon_peak_rss_kib": peak_rss_kib(cordon, env),
        "bwrap_peak_rss_kib": peak_rss_kib(bwrap, env),
        "uid": os.getuid(),
    }
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"start-up, {args.runs} interleaved runs each (uid {result['uid']}):")
    print(f"  cordon run -- /bin/true   median {result['cordon_median_ms']:7.2f} ms"
          f"   peak RSS {result['cordon_peak_rss_kib']} KiB")
    print(f"  ... until its audit checkpoint is signed (after cordon exits) "
          f"median {result['cordon_signed_median_ms']:7.2f} ms")
    print(f"  bwrap equivalent box      median {result['bwrap_median_ms']:7.2f} ms"
          f"   peak RSS {result['bwrap_peak_rss_kib']} KiB")
    print(f"  ratio cordon/bwrap: {result['ratio_of_medians']:.3f} (of medians), "
          f"{result['median_of_pair_ratios']:.3f} (median of paired ratios); goal <= 1.0")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
