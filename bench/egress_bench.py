#!/usr/bin/env python3
"""The egress proxy (`cordon proxy`) against squid and tinyproxy: HTTP forward requests/s, CONNECT
tunnel throughput, added latency per request and memory per idle tunnel.

Everything runs on loopback, driven by this script, against one local origin (cordon-bench-origin),
each proxy with the same allowlist (the origin's HTTP port and its sink port, nothing else; a denied
URL must get 403 from each, checked at start). Rounds are interleaved (cordon, squid, tinyproxy,
direct, with the starting one rotating) so that machine noise hits all alike; we report medians
and ratios. Without a cordon binary that has `cordon proxy` (or with --no-cordon) the peers and
the direct baseline still run. --engine adds a diagnostic: cordon's proxy engine without the audit
trail (cordon-bench-engine), relaying by splice and by copy; it is never reported as cordon.

Usage: bench/egress_bench.py [--cordon build/src/cordon] [--bin-dir build/bench] [--runs 5]
                             [--tunnel-seconds 2] [--engine] [--json out.json]
"""
import argparse
import base64
import json
import os
import pwd
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORIGIN_NAME = "origin.test"
TARGETS = ["cordon", "squid", "tinyproxy", "direct", "engine", "engine-copy"]


def die(message):
    sys.exit(f"egress_bench: {message}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            die(f"{what} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    die(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def rss_kib(pid):
    return int(proc_status(pid)["VmRSS"].split()[0])


def cpu_seconds(pid):
    """User + system CPU time of a process and its threads, in seconds (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def helper_cpu(pid):
    """CPU seconds of each of the process's descendants, by pid."""
    times = {kid: cpu_seconds(kid) for kid in children(pid)}
    return {kid: t for kid, t in times.items() if t is not None}


def children(pid):
    """The process's children and their descendants (cordon proxy's audit writer)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except FileNotFoundError:
            continue
        for kid in kids:
            found += [kid] + children(kid)
    return found


def raw_exchange(port, request, timeout=5.0):
    """Sends one request, returns the status code of the response head (0 if none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


class Target:
    """One way to the origin: a proxy (with its process, port and how URLs name the origin)
    or direct."""

    def __init__(self, name, port, host, auth="", proc=None):
        self.name = name
        self.port = port        # where clients connect
        self.host = host        # how this target names the origin: origin.test or 127.0.0.1
        self.auth = auth        # Proxy-Authorization value, or ""
        self.proc = proc

    def is_proxy(self):
        return self.name != "direct"


class Bench:
    def __init__(self, args):
        self.args = args
        self.scratch = tempfile.mkdtemp(prefix="cordon-egress-bench-")
        # squid and tinyproxy drop to another user when started as root: let it reach its files.
        os.chmod(self.scratch, 0o711)
        self.procs = []
        self.bin = lambda tool: os.path.join(args.bin_dir, f"cordon-bench-{tool}")

    def path(self, *parts):
        return os.path.join(self.scratch, *parts)

    def spawn(self, cmd, **kwargs):
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, **kwargs)
        self.procs.append(proc)
        return proc

    def close(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)

    # --- the origin and the three proxies -------------------------------------------------

    def start_origin(self):
        proc = self.spawn([self.bin("origin"), "--body", str(self.args.body)],
                          stdout=subprocess.PIPE, text=True)
        words = proc.stdout.readline().split()
        if len(words) != 4:
            die("cordon-bench-origin did not report its ports")
        self.origin = proc
        self.http_port, self.sink_port = int(words[1]), int(words[3])

    def drop_user(self):
        """The unprivileged user squid and tinyproxy run as when we are root (None otherwise)."""
        if os.getuid() != 0:
            return None
        for name in ("proxy", "nobody"):
            try:
                return pwd.getpwnam(name)
            except KeyError:
                pass
        die("running as root, but there is no 'proxy' or 'nobody' user for squid and tinyproxy")

    def start_squid(self):
        port = free_port()
        root = self.path("squid")
        os.mkdir(root)
        with open(os.path.join(root, "hosts"), "w") as hosts:
            hosts.write(f"127.0.0.1 {ORIGIN_NAME}\n")
        user = self.drop_user()
        lines = [
            f"http_port 127.0.0.1:{port}",
            "visible_hostname cordon-bench",
            # The allowlist: the origin's name and its two ports; everything else is denied.
            f"acl origin_host dstdomain {ORIGIN_NAME}",
            f"acl origin_ports port {self.http_port} {self.sink_port}",
            "http_access allow origin_host origin_ports",
            "http_access deny all",
            # origin.test -> 127.0.0.1 from a hosts file; no DNS server is ever asked.
            f"hosts_file {root}/hosts",
            "dns_nameservers 127.0.0.1",
            "cache deny all",
            "cache_mem 0 MB",
            "access_log none",
            "pinger_enable off",
            f"cache_log {root}/cache.log",
            f"pid_filename {root}/squid.pid",
            f"coredump_dir {root}",
            f"max_filedescriptors {self.args.idle * 2 + 1024}",
            "shutdown_lifetime 0 seconds",
        ]
        if user:
            lines.append(f"cache_effective_user {user.pw_name}")
            os.chown(root, user.pw_uid, user.pw_gid)
        conf = os.path.join(root, "squid.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        proc = self.spawn(["squid", "-N", "-f", conf], stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(root, "stderr"), "w"))
        wait_for_port(port, proc, "squid")
        return Target("squid", port, ORIGIN_NAME, proc=proc)

    def start_tinyproxy(self):
        port = free_port()
        root = self.path("tinyproxy")
        os.mkdir(root)
        # tinyproxy filters by host name (extended regex, anchored) and limits CONNECT by port;
        # it maps no names, so URLs give the origin's address.
        with open(os.path.join(root, "filter"), "w") as f:
            f.write("^127\\.0\\.0\\.1$\n")
        user = self.drop_user()
        lines = [
            f"Port {port}",
            "Listen 127.0.0.1",
            "Timeout 600",
            f"MaxClients {self.args.idle + 1024}",
            f'Filter "{root}/filter"',
            "FilterType ere",
            "FilterDefaultDeny Yes",
            f"ConnectPort {self.sink_port}",
            "LogLevel Error",
            f'LogFile "{root}/tinyproxy.log"',
            f'PidFile "{root}/tinyproxy.pid"',
        ]
        if user:
            lines += [f"User {user.pw_name}", f"Group {user.pw_gid}"]
            os.chown(root, user.pw_uid, user.pw_gid)
        conf = os.path.join(root, "tinyproxy.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        proc = self.spawn(["tinyproxy", "-d", "-c", conf], stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(root, "stderr"), "w"))
        wait_for_port(port, proc, "tinyproxy")
        return Target("tinyproxy", port, "127.0.0.1", proc=proc)

    def cordon_files(self):
        """The policy and token files `cordon proxy` (and the engine diagnostic) read."""
        root = self.path("cordon")
        if os.path.isdir(root):
            return root
        os.mkdir(root)
        h, s = self.http_port, self.sink_port
        with open(os.path.join(root, "egress.toml"), "w") as f:
            f.write(f"""[network]
mode = "proxy"
allow = ["{ORIGIN_NAME}:{h}", "{ORIGIN_NAME}:{s}"]
resolve = {{ "{ORIGIN_NAME}" = "127.0.0.1" }}
allow_cidr = ["127.0.0.1/32:{h}", "127.0.0.1/32:{s}"]

[audit]
store = "{root}/audit/audit.db"
""")
        self.token = secrets.token_hex(24)
        fd = os.open(os.path.join(root, "tokens"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"bench {self.token}\n")
        return root

    def start_cordon(self):
        port = free_port()
        root = self.cordon_files()
        # A runtime directory of its own: `cordon proxy` then starts its own audit writer, a
        # child whose CPU the script counts, instead of taking one another session left waiting.
        runtime = os.path.join(root, "run")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(root, "config"),
                   XDG_STATE_HOME=os.path.join(root, "state"), CORDON_RUNTIME_DIR=runtime)
        proc = self.spawn([os.path.abspath(self.args.cordon), "proxy", "--listen",
                           f"127.0.0.1:{port}", "--config", os.path.join(root, "egress.toml"),
                           "--tokens", os.path.join(root, "tokens")],
                          env=env, stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(root, "stderr"), "w"))
        wait_for_port(port, proc, "cordon proxy")
        auth = "Basic " + base64.b64encode(f"bench:{self.token}".encode()).decode()
        return Target("cordon", port, ORIGIN_NAME, auth=auth, proc=proc)

    def start_engine(self, name, relay):
        """Diagnostic: cordon's engine without the audit trail (cordon-bench-engine)."""
        port = free_port()
        root = self.cordon_files()
        proc = self.spawn([self.bin("engine"), "--listen", f"127.0.0.1:{port}", "--config",
                           os.path.join(root, "egress.toml"), "--tokens",
                           os.path.join(root, "tokens"), "--relay", relay],
                          stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(root, f"{name}.stderr"), "w"))
        wait_for_port(port, proc, name)
        auth = "Basic " + base64.b64encode(f"bench:{self.token}".encode()).decode()
        return Target(name, port, ORIGIN_NAME, auth=auth, proc=proc)

    def cordon_available(self):
        if self.args.no_cordon:
            return False, "--no-cordon"
        if not os.access(self.args.cordon, os.X_OK):
            return False, f"no cordon binary at {self.args.cordon}"
        probe = subprocess.run([self.args.cordon, "proxy", "--help"], capture_output=True)
        if probe.returncode != 0:
            return False, f"{self.args.cordon} has no `proxy` command"
        return True, ""

    # --- checks ------------------------------------------------------------------------------

    def request(self, t, host, port, method="GET", auth=True):
        authority = f"{host}:{port}"
        line = (f"CONNECT {authority} HTTP/1.1" if method == "CONNECT"
                else f"GET http://{authority}/ HTTP/1.1")
        head = f"{line}\r\nHost: {authority}\r\n"
        if auth and t.auth:
            head += f"Proxy-Authorization: {t.auth}\r\n"
        return head + "Connection: close\r\n\r\n"

    def sanity(self, t):
        """The allowlist is applied: the origin is reachable, anything else gets 403."""
        other_host = "127.0.0.2" if t.host == "127.0.0.1" else "denied.test"
        other_port = free_port()  # nothing listens there; the proxy must refuse before dialling
        checks = [
            ("allowed GET", self.request(t, t.host, self.http_port), 200),
            ("allowed CONNECT", self.request(t, t.host, self.sink_port, "CONNECT"), 200),
            ("GET to another host", self.request(t, other_host, self.http_port), 403),
            ("CONNECT to another host",
             self.request(t, other_host, self.sink_port, "CONNECT"), 403),
            ("CONNECT to another port", self.request(t, t.host, other_port, "CONNECT"), 403),
        ]
        if t.name != "tinyproxy":  # tinyproxy's HTTP filter knows hosts, not ports
            checks.append(("GET to another port", self.request(t, t.host, other_port), 403))
        if t.auth:
            checks.append(("GET without a token",
                           self.request(t, t.host, self.http_port, auth=False), 407))
        for what, request, expected in checks:
            got = raw_exchange(t.port, request)
            if got != expected:
                die(f"{t.name}: {what} got {got}, expected {expected}:\n{request}")

    # --- measurements ------------------------------------------------------------------------

    def wrk(self, t, duration):
        script = self.path(f"wrk-{t.name}.lua")
        authority = f"{t.host}:{self.http_port}"
        with open(script, "w") as f:
            f.write(f'wrk.path = "{"http://" + authority + "/" if t.is_proxy() else "/"}"\n')
            f.write(f'wrk.headers["Host"] = "{authority}"\n')
            if t.auth:
                f.write(f'wrk.headers["Proxy-Authorization"] = "{t.auth}"\n')
        port = t.port if t.is_proxy() else self.http_port
        origin_cpu = cpu_seconds(self.origin.pid)
        proxy_cpu = cpu_seconds(t.proc.pid) if t.is_proxy() else 0.0
        helpers = helper_cpu(t.proc.pid) if t.is_proxy() else {}
        out = subprocess.run(["wrk", "-t", str(self.args.wrk_threads), "-c",
                              str(self.args.connections), "-d", f"{duration}s", "-s", script,
                              f"http://127.0.0.1:{port}/"], capture_output=True, text=True)
        origin_cpu = cpu_seconds(self.origin.pid) - origin_cpu
        helpers_cpu = 0.0
        if t.is_proxy():
            proxy_cpu = cpu_seconds(t.proc.pid) - proxy_cpu
            # Helpers alive before and after (a short-lived one is not counted).
            after = helper_cpu(t.proc.pid)
            helpers_cpu = sum(after[k] - v for k, v in helpers.items() if k in after)
        if out.returncode != 0:
            die(f"wrk against {t.name} failed:\n{out.stderr}")
        rate, non2xx, requests, socket_errors = None, 0, 0, 0
        for line in out.stdout.splitlines():
            words = line.split()
            if line.startswith("Requests/sec:"):
                rate = float(words[1])
            elif "Non-2xx or 3xx responses:" in line:
                non2xx = int(words[-1])
            elif "requests in" in line:
                requests = int(words[0])
            elif line.strip().startswith("Socket errors:"):  # tinyproxy: closes after each
                socket_errors = sum(int(w.rstrip(",")) for w in words[3::2])
        if rate is None or non2xx:
            die(f"wrk against {t.name}: {non2xx} non-2xx responses\n{out.stdout}")
        per_req = 1e6 / max(requests, 1)
        return {"rps": rate, "socket_errors": socket_errors,
                "origin_cpu_per_req_us": origin_cpu * per_req,
                # CPU the proxy spent per request, and its helper processes (cordon's audit
                # writer): on two cores every microsecond here is one wrk and the origin lack.
                "proxy_cpu_per_req_us": proxy_cpu * per_req,
                "helper_cpu_per_req_us": helpers_cpu * per_req}

    def latency(self, t):
        authority = f"{t.host}:{self.http_port}"
        cmd = [self.bin("latency"), "--requests", str(self.args.requests), "--warmup", "200",
               "--host", authority]
        if t.is_proxy():
            cmd += ["--connect", f"127.0.0.1:{t.port}", "--target", f"http://{authority}/"]
        else:
            cmd += ["--connect", f"127.0.0.1:{self.http_port}", "--target", "/"]
        if t.auth:
            cmd += ["--auth", t.auth]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            die(f"latency against {t.name} failed: {out.stderr}")
        return json.loads(out.stdout)

    def tunnel_cmd(self, t):
        if not t.is_proxy():
            return ["--sink", f"127.0.0.1:{self.sink_port}"]
        cmd = ["--proxy", f"127.0.0.1:{t.port}", "--target", f"{t.host}:{self.sink_port}"]
        return cmd + (["--auth", t.auth] if t.auth else [])

    def throughput(self, t, direction):
        # 64 MiB transfers, repeated for --tunnel-seconds: every way gets the same time.
        cmd = [self.bin("tunnel"), "throughput", "--bytes", str(64 << 20), "--seconds",
               str(self.args.tunnel_seconds), "--warmup", str(32 << 20), "--direction",
               direction] + self.tunnel_cmd(t)
        before = cpu_seconds(t.proc.pid) if t.is_proxy() else 0.0
        origin_before = cpu_seconds(self.origin.pid)
        client = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = client.stdout.read(), client.stderr.read()
        _, status, usage = os.wait4(client.pid, 0)
        client.returncode = os.waitstatus_to_exitcode(status)
        if client.returncode != 0:
            die(f"tunnel throughput through {t.name} failed: {stderr}")
        proxy = cpu_seconds(t.proc.pid) - before if t.is_proxy() else 0.0
        ends = usage.ru_utime + usage.ru_stime + cpu_seconds(self.origin.pid) - origin_before
        measured = json.loads(stdout)
        gb = (measured["bytes"] + (32 << 20)) / 1e9  # the warm-up went through too
        return {"gbytes_per_s": measured["gbytes_per_s"],
                "proxy_cpu_s_per_gb": proxy / gb,
                # client and origin: what the direct transfer costs, the floor for all
                "ends_cpu_s_per_gb": ends / gb}

    def idle_memory(self, t):
        """RSS of the proxy process before and after --idle tunnels are open and idle."""
        pid = t.proc.pid
        before = rss_kib(pid)
        client = subprocess.Popen([self.bin("tunnel"), "idle", "--count", str(self.args.idle)]
                                  + self.tunnel_cmd(t), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        ready = client.stdout.readline()
        if not ready.startswith("ready"):
            client.wait()
            die(f"{self.args.idle} idle tunnels through {t.name} failed")
        time.sleep(1.0)  # let thread stacks and pools settle
        status = proc_status(pid)
        after = int(status["VmRSS"].split()[0])
        threads = int(status["Threads"])
        client.stdin.close()
        client.wait()
        time.sleep(0.5)
        return {"rss_before_kib": before, "rss_after_kib": after, "threads_while_open": threads,
                "kib_per_tunnel": (after - before) / self.args.idle}


def rotated(items, r):
    return items[r % len(items):] + items[:r % len(items)]


def median_of(rounds, name, key=None):
    values = [x[name] if key is None else x[name][key] for x in rounds]
    return statistics.median(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.join(HERE, "..")
    parser.add_argument("--cordon", default=os.path.join(root, "build", "src", "cordon"))
    parser.add_argument("--bin-dir", default=os.path.join(root, "build", "bench"),
                        help="where cordon-bench-origin, -tunnel and -latency are")
    parser.add_argument("--no-cordon", action="store_true", help="peers and direct only")
    parser.add_argument("--engine", action="store_true",
                        help="diagnostic: also cordon's engine without the audit trail, relaying "
                             "by splice (as cordon proxy) and by copy (cordon-bench-engine)")
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds of each test")
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--body", type=int, default=128, help="origin response body, bytes")
    parser.add_argument("--requests", type=int, default=5000,
                        help="sequential requests per latency run")
    parser.add_argument("--tunnel-seconds", type=float, default=2.0,
                        help="seconds of pushing (and of pulling) per throughput run")
    parser.add_argument("--idle", type=int, default=1000, help="idle tunnels for the memory test")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    for tool in ("squid", "tinyproxy", "wrk"):
        if not shutil.which(tool):
            die(f"{tool} is not installed (scripts/install-deps.sh installs it)")
    for tool in ("origin", "tunnel", "latency") + (("engine",) if args.engine else ()):
        if not os.access(os.path.join(args.bin_dir, f"cordon-bench-{tool}"), os.X_OK):
            die(f"no cordon-bench-{tool} in {args.bin_dir} (ninja -C build cordon-bench-{tool})")
    # Each idle tunnel is two descriptors in the proxy; the proxies inherit this limit.
    want = args.idle * 2 + 4096
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < want and os.getuid() == 0:
        hard = want
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY
                                                else want, hard))

    load_before = os.getloadavg()[0]
    bench = Bench(args)
    try:
        with_cordon, why_not = bench.cordon_available()
        bench.start_origin()
        targets = {}
        if with_cordon:
            targets["cordon"] = bench.start_cordon()
        targets["squid"] = bench.start_squid()
        targets["tinyproxy"] = bench.start_tinyproxy()
        targets["direct"] = Target("direct", bench.http_port, ORIGIN_NAME)
        if args.engine:
            targets["engine"] = bench.start_engine("engine", "splice")
            targets["engine-copy"] = bench.start_engine("engine-copy", "copy")
        names = [n for n in TARGETS if n in targets]
        proxies = [n for n in names if n != "direct"]
        for name in proxies:
            bench.sanity(targets[name])

        # Memory first, on proxies that have served nothing but the checks: a pool that grew in
        # an earlier test would hide what a tunnel costs.
        memory = {name: bench.idle_memory(targets[name]) for name in proxies}

        for name in names:  # warm-up: connections, pools, page cache
            bench.wrk(targets[name], 1)
        rps, lat, up, down = [], [], [], []
        for r in range(args.runs):
            order = rotated(names, r)
            rps.append({n: bench.wrk(targets[n], args.duration) for n in order})
            lat.append({n: bench.latency(targets[n]) for n in order})
            up.append({n: bench.throughput(targets[n], "up") for n in order})
            down.append({n: bench.throughput(targets[n], "down") for n in order})
            print(f"round {r + 1}/{args.runs}: "
                  + ", ".join(f"{n} {rps[-1][n]['rps']:.0f} req/s" for n in names),
                  file=sys.stderr)
        # What each proxy holds after serving every round: a long-running gateway must not grow
        # with the requests it has served.
        rss_end = {name: rss_kib(targets[name].proc.pid) for name in proxies}
    finally:
        bench.close()

    result = {"runs": args.runs, "uid": os.getuid(), "cordon": with_cordon,
              "wrk": {"threads": args.wrk_threads, "connections": args.connections,
                      "duration_s": args.duration},
              "tunnel_seconds": args.tunnel_seconds, "latency_requests": args.requests,
              "idle_tunnels": args.idle, "load_average_before": load_before,
              "load_average_after": os.getloadavg()[0], "targets": {}}
    direct_p50 = median_of(lat, "direct", "p50_us")
    t_direct = {"up": statistics.median(x["direct"]["gbytes_per_s"] for x in up),
                "down": statistics.median(x["direct"]["gbytes_per_s"] for x in down)}
    for n in names:
        entry = {
            "rps_median": median_of(rps, n, "rps"),
            "rps_runs": [x[n]["rps"] for x in rps],
            "wrk_socket_errors": max(x[n]["socket_errors"] for x in rps),
            "origin_cpu_per_req_us": median_of(rps, n, "origin_cpu_per_req_us"),
            "proxy_cpu_per_req_us": median_of(rps, n, "proxy_cpu_per_req_us"),
            "helper_cpu_per_req_us": median_of(rps, n, "helper_cpu_per_req_us"),
            "latency_p50_us": median_of(lat, n, "p50_us"),
            "latency_p90_us": median_of(lat, n, "p90_us"),
            "latency_reconnects": max(x[n]["reconnects"] for x in lat),
            "tunnel_up_gbytes_per_s": statistics.median(x[n]["gbytes_per_s"] for x in up),
            "tunnel_down_gbytes_per_s": statistics.median(x[n]["gbytes_per_s"] for x in down),
            "tunnel_up_proxy_cpu_s_per_gb": statistics.median(
                x[n]["proxy_cpu_s_per_gb"] for x in up),
            "tunnel_down_proxy_cpu_s_per_gb": statistics.median(
                x[n]["proxy_cpu_s_per_gb"] for x in down),
            "tunnel_up_ends_cpu_s_per_gb": statistics.median(
                x[n]["ends_cpu_s_per_gb"] for x in up),
            "tunnel_down_ends_cpu_s_per_gb": statistics.median(
                x[n]["ends_cpu_s_per_gb"] for x in down),
        }
        if n != "direct":
            entry["added_latency_p50_us"] = entry["latency_p50_us"] - direct_p50
            entry["tunnel_up_vs_direct"] = (entry["tunnel_up_gbytes_per_s"]
                                            / t_direct["up"])
            entry["tunnel_down_vs_direct"] = (entry["tunnel_down_gbytes_per_s"]
                                              / t_direct["down"])
            # The same, paired within each round (noise that hits a round hits both).
            entry["added_latency_p50_us_paired"] = statistics.median(
                x[n]["p50_us"] - x["direct"]["p50_us"] for x in lat)
            for way, rounds in (("up", up), ("down", down)):
                entry[f"tunnel_{way}_vs_direct_paired"] = statistics.median(
                    x[n]["gbytes_per_s"] / x["direct"]["gbytes_per_s"] for x in rounds)
            entry["memory"] = memory[n]
            entry["rss_after_rounds_kib"] = rss_end[n]
            entry["requests_served"] = sum(x[n]["rps"] * args.duration for x in rps)
        result["targets"][n] = entry
    if with_cordon:
        c, s = result["targets"]["cordon"], result["targets"]["squid"]
        result["rps_ratio_cordon_squid"] = c["rps_median"] / s["rps_median"]
        result["rps_median_of_paired_ratios"] = statistics.median(
            x["cordon"]["rps"] / x["squid"]["rps"] for x in rps)

    t = result["targets"]
    print(f"egress, {args.runs} interleaved rounds (uid {result['uid']}); wrk -t{args.wrk_threads}"
          f" -c{args.connections} -d{args.duration}s, {args.tunnel_seconds:g} s per tunnel run, "
          f"{args.requests} sequential requests, {args.idle} idle tunnels; load average "
          f"{load_before:.2f} before, {result['load_average_after']:.2f} after")
    print(f"  {'':11} {'req/s':>9} {'p50 µs':>8} {'p90 µs':>8} {'added':>7} {'up GB/s':>8} "
          f"{'÷direct':>7} {'down GB/s':>9} {'÷direct':>7} {'KiB/tunnel':>10}")
    for n in names:
        e = t[n]
        added = f"{e['added_latency_p50_us']:7.1f}" if n != "direct" else f"{'':7}"
        ru = f"{e['tunnel_up_vs_direct']:7.3f}" if n != "direct" else f"{'':7}"
        rd = f"{e['tunnel_down_vs_direct']:7.3f}" if n != "direct" else f"{'':7}"
        mem = f"{e['memory']['kib_per_tunnel']:10.1f}" if n != "direct" else f"{'':10}"
        print(f"  {n:11} {e['rps_median']:9.0f} {e['latency_p50_us']:8.1f} "
              f"{e['latency_p90_us']:8.1f} {added} {e['tunnel_up_gbytes_per_s']:8.3f} {ru} "
              f"{e['tunnel_down_gbytes_per_s']:9.3f} {rd} {mem}")
    print("  CPU per forwarded request (wrk runs): "
          + ", ".join(f"{n} {t[n]['proxy_cpu_per_req_us']:.1f} µs"
                      + (f" + {t[n]['helper_cpu_per_req_us']:.1f} µs in helpers"
                         if t[n]['helper_cpu_per_req_us'] > 0.05 else "")
                      for n in proxies)
          + f"; the origin {t['direct']['origin_cpu_per_req_us']:.1f} µs (direct run)")
    print("  CPU per GB tunnelled, up/down: the proxy "
          + ", ".join(f"{n} {t[n]['tunnel_up_proxy_cpu_s_per_gb']:.2f}/"
                      f"{t[n]['tunnel_down_proxy_cpu_s_per_gb']:.2f} s" for n in proxies)
          + "; client + origin "
          + ", ".join(f"{n} {t[n]['tunnel_up_ends_cpu_s_per_gb']:.2f}/"
                      f"{t[n]['tunnel_down_ends_cpu_s_per_gb']:.2f} s" for n in names))
    print("  resident after every round: "
          + ", ".join(f"{n} {t[n]['rss_after_rounds_kib'] / 1024:.1f} MiB after about "
                      f"{t[n]['requests_served'] / 1000:.0f}k requests" for n in proxies))
    if with_cordon:
        c = t["cordon"]
        print("  goals (of medians; median of paired rounds in brackets):\n"
              "    req/s cordon/squid {:.2f} [{:.2f}], goal >= 2\n"
              "    tunnel cordon/direct {:.2f} [{:.2f}] up, {:.2f} [{:.2f}] down, goal >= 0.8\n"
              "    added p50 {:.0f} µs [{:.0f}], goal <= 100\n"
              "    {:.1f} KiB per idle tunnel, goal <= 64".format(
                  result["rps_ratio_cordon_squid"], result["rps_median_of_paired_ratios"],
                  c["tunnel_up_vs_direct"], c["tunnel_up_vs_direct_paired"],
                  c["tunnel_down_vs_direct"], c["tunnel_down_vs_direct_paired"],
                  c["added_latency_p50_us"], c["added_latency_p50_us_paired"],
                  c["memory"]["kib_per_tunnel"]))
    else:
        print(f"  cordon left out ({why_not})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
