#!/usr/bin/env bash
# cordon as an unprivileged user: `cordon verify` passes for every built-in profile and `cordon
# run` works. As root, the test creates the user `cordon-e2e`; run as a normal user, it tests
# that user.
# Usage: unprivileged.sh CORDON_BINARY PROBE_BINARY
set -euo pipefail
cordon="$(readlink -f "$1")"
probe="$(readlink -f "$2")"

as_user() { bash -c "$1"; }
if [ "$(id -u)" -eq 0 ]; then
  user=cordon-e2e
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  # The user must be able to reach the build tree (read and execute only).
  dir="$(dirname "$cordon")"
  while [ "$dir" != "/" ]; do chmod o+x "$dir" 2>/dev/null || true; dir="$(dirname "$dir")"; done
  chmod o+rx "$cordon" "$probe" "$(dirname "$cordon")/cordon-audit" \
    "$(dirname "$cordon")/cordon-audit-writer"
  # A login-like environment of the user's own: nothing of root's (XDG_*, TMPDIR, ...) leaks in.
  user_home="$(getent passwd "$user" | cut -d: -f6)"
  as_user() {
    runuser -u "$user" -- env -i HOME="$user_home" USER="$user" LOGNAME="$user" SHELL=/bin/bash \
      PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 bash -c "$1"
  }
fi

# Ubuntu 23.10+ restricts unprivileged user namespaces with AppArmor. The fix cordon's error
# message gives users is a profile for the cordon binary; the test installs the same one.
restriction=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
if [ "$(id -u)" -eq 0 ] && [ -r "$restriction" ] && [ "$(cat "$restriction")" = 1 ]; then
  if ! command -v apparmor_parser >/dev/null; then
    echo "skip: AppArmor restricts user namespaces here and apparmor_parser is missing"
    exit 77
  fi
  printf 'abi <abi/4.0>,\ninclude <tunables/global>\nprofile cordon-e2e %s flags=(unconfined) {\n  userns,\n}\n' \
    "$cordon" > /etc/apparmor.d/cordon-e2e
  apparmor_parser -r /etc/apparmor.d/cordon-e2e
fi

fail=0
runner=as_user  # how check runs its command
check() {  # check NAME EXPECTED-REGEX COMMAND
  local name="$1" expected="$2" cmd="$3" out
  out="$("$runner" "$cmd" 2>&1)" || true
  if printf '%s' "$out" | grep -Eq "$expected"; then
    echo "ok: $name"
  else
    echo "FAIL: $name"; fail=1
    # A verify table is hundreds of lines: its failing rows and its tail say what broke.
    if [ "$(printf '%s\n' "$out" | wc -l)" -gt 40 ]; then
      printf '%s\n' "$out" | grep -E 'FAIL|error|cordon:' | head -20 | sed 's/^/    /'
      echo "    ... (last lines)"
      printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
    else
      printf '%s\n' "$out" | sed 's/^/    /'
    fi
  fi
}

setup='set -e; cd; rm -rf cordon-e2e-ws; mkdir -p cordon-e2e-ws; cd cordon-e2e-ws'
check "runs as the same uid, unprivileged" "^uid=[1-9][0-9]* ok$" \
  "$setup; echo \"uid=\$('$cordon' run -q -- id -u) ok\""
check "system is read-only" "refused" \
  "$setup; '$cordon' run -q -- sh -c 'touch /usr/x 2>/dev/null && echo wrote || echo refused'"
check "workspace is writable" "^hello$" \
  "$setup; '$cordon' run -q -- sh -c 'echo hello > f'; cat f"
check "no capabilities" "CapEff:	0000000000000000" \
  "$setup; '$cordon' run -q -- grep CapEff /proc/self/status"
# A delegated cgroup v2 subtree, as systemd's Delegate=yes gives a user: root hands the user a
# cgroup of the v2 hierarchy and starts the user's shell in it. cordon makes the box's cgroup
# there (on this kind of machine the v2 hierarchy has no memory or pids controller, so it is a
# cgroup for the box's lifecycle and cgroup.kill, limits by rlimits), the init is born in it
# (clone3 CLONE_INTO_CGROUP), and nothing is left behind.
v2_root=""
for dir in /sys/fs/cgroup /sys/fs/cgroup/unified; do
  if [ "$(stat -f -c %T "$dir" 2>/dev/null)" = cgroup2fs ]; then v2_root="$dir"; break; fi
done
if [ "$(id -u)" -eq 0 ] && [ -n "$v2_root" ] && mkdir "$v2_root/cordon-e2e-$$" 2>/dev/null; then
  deleg="$v2_root/cordon-e2e-$$"
  chown "$user" "$deleg" "$deleg/cgroup.procs" "$deleg/cgroup.threads" \
    "$deleg/cgroup.subtree_control"
  # A subshell moves itself into the subtree; the user's shell and cordon are born there.
  in_deleg() { (echo "$BASHPID" > "$deleg/cgroup.procs" && as_user "$1"); }
  runner=in_deleg
  check "cgroup v2, delegated: the box's cgroup is there and the init is born in it" \
    "^v2 born$" \
    "$setup; out=\$('$cordon' -vv run --network none -- true 2>&1); \
     v2=\$(printf '%s' \"\$out\" | grep -q 'resources.*cgroup v2' && echo v2); \
     born=\$(printf '%s' \"\$out\" | grep -q 'born in the box.s cgroup' && echo born); \
     echo \"\$v2 \$born\""
  check "cgroup v2, delegated: the box's processes are there while it runs, then nothing is" \
    "^seen yes, left 0$" \
    "$setup; '$cordon' run -q --network none -- sleep 2 & pid=\$!; seen=no; \
     for i in \$(seq 100); do \
       cat '$deleg'/cordon-*/cgroup.procs 2>/dev/null | grep -q . && { seen=yes; break; }; \
       sleep 0.05; done; wait \$pid; echo \"seen \$seen, left \$(ls '$deleg' | grep -c '^cordon-')\""
  runner=as_user
  # The audit writer that waits for the user's next session was born in the subtree too.
  for pid in $(cat "$deleg/cgroup.procs"); do echo "$pid" > "$v2_root/cgroup.procs" || true; done
  rmdir "$deleg" 2>/dev/null || echo "note: $deleg not removed"
else
  echo "skip: cgroup v2, delegated (needs root and a writable cgroup2 mount)"
fi

# Egress as the user: the capture and the proxy need no privilege beyond the box's own
# namespaces. A real origin on the host's loopback, allowed by name and an explicit allow_cidr.
origin_dir="$(mktemp -d)"; chmod 755 "$origin_dir"; echo "hello through cordon" > "$origin_dir/hello.txt"
python3 -m http.server --bind 127.0.0.1 0 --directory "$origin_dir" > "$origin_dir/log" 2>&1 &
origin_pid=$!
for _ in $(seq 50); do grep -q 'port' "$origin_dir/log" && break; sleep 0.1; done
origin_port="$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$origin_dir/log" | head -1)"
egress_policy="$origin_dir/egress.toml"
printf '[network]\nallow = ["origin.test:%s"]\nallow_cidr = ["127.0.0.1/32:%s"]\nresolve = { "origin.test" = "127.0.0.1" }\n' \
  "$origin_port" "$origin_port" > "$egress_policy"
chmod 644 "$egress_policy"
check "egress: an allowed host through the proxy" "^hello through cordon$" \
  "$setup; '$cordon' run -q -c '$egress_policy' -- curl -sS http://origin.test:$origin_port/hello.txt"
check "egress: transparent capture and the DNS stub" "^hello through cordon$" \
  "$setup; '$cordon' run -q -c '$egress_policy' -- curl -sS --noproxy '*' http://origin.test:$origin_port/hello.txt"
check "egress: a denied host gets 403" "403 Forbidden" \
  "$setup; '$cordon' run -q -c '$egress_policy' -- curl -sS -i http://other.test:$origin_port/"
kill "$origin_pid" 2>/dev/null || true
# The approval gate traces the box as the unprivileged user: a deny rule, and an ask answered
# through the user's own control socket.
gate_policy="$origin_dir/gate.toml"
printf '[gate]\ntimeout = "20s"\n[[gate.rule]]\nname = "no-boom"\nprogram = "echo"\nargs = ["boom"]\naction = "deny"\n[[gate.rule]]\nname = "held"\nprogram = "touch"\nany_arg = ["held*"]\naction = "ask"\n' > "$gate_policy"
chmod 644 "$gate_policy"
check "gate: a denied start exits 126 with the rule on stderr" "^126 .*rule: no-boom" \
  "$setup; '$cordon' run -q --network none -c '$gate_policy' -- /bin/sh -c '/bin/echo boom 2>/tmp/e; echo \$? \$(cat /tmp/e)'"
# An execute-only copy cannot be compared with the system's programs by an unprivileged
# supervisor: it does not run (root would read it and judge it as the program it copies).
check "gate: an execute-only copy outside the system is refused" "^126 .*cannot be compared" \
  "$setup; '$cordon' run -q --network none -c '$gate_policy' -- /bin/sh -c 'cp /bin/echo /tmp/x; chmod 111 /tmp/x; /tmp/x hi 2>/tmp/e; echo \$? \$(cat /tmp/e)'"
check "gate: a held start runs once the user approves it" "^approved-ran$" \
  "$setup; ('$cordon' run -q --network none -c '$gate_policy' -- /bin/sh -c 'touch held1 && echo approved-ran') & for i in \$(seq 100); do id=\$('$cordon' approvals list --json 2>/dev/null | sed -n 's/.*\"id\": *\"\\([0-9a-f]*\\)\".*/\\1/p' | head -1); [ -n \"\$id\" ] && break; sleep 0.1; done; '$cordon' approvals approve \"\$id\" >/dev/null; wait"
rm -rf "$origin_dir"
for profile in read-only workspace-write customer-data production financial; do
  check "verify --profile $profile" "attacks, [0-9]+ passed, 0 failed" \
    "$setup; '$cordon' verify --profile $profile --probe '$probe'"
done
# The user's own audit trail: in their state directory, private, verifiable, signed by their key.
check "audit store is the user's, private" "^-rw------- .*audit.db$" \
  "ls -l \"\${XDG_STATE_HOME:-\$HOME/.local/state}/cordon/audit.db\""
check "audit key is private" "^-rw------- .*audit-key.pem$" \
  "ls -l \"\${XDG_CONFIG_HOME:-\$HOME/.config}/cordon/audit-key.pem\""
check "audit verify passes on the user's store" "chain intact.*" \
  "'$cordon' audit verify"
check "audit lists the sessions above" "financial +exit 0 .*cordon-probe" \
  "'$cordon' audit sessions -n 3"
exit "$fail"
