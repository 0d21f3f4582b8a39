#!/usr/bin/env bash
# End-to-end: `cordon run --review tty` in a real terminal (tmux). The program's output shows in
# the terminal, its held commands are answered at cordon's prompt there: one approved, one
# denied with a reason; the keys typed at the prompt never reach the program.
#
# usage: review_tty.sh CORDON_BINARY PROBE_BINARY      (exit 0 pass, 1 fail, 77 skip)
set -u

cordon=${1:?usage: review_tty.sh CORDON_BINARY PROBE_BINARY}
if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIP: tmux is not installed (apt-get install tmux)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cordon-e2e-review-tty.XXXXXX") || exit 1
workspace=$tmp/workspace
mkdir "$workspace" "$tmp/run" "$tmp/config" "$tmp/config/cordon"
chmod 700 "$tmp/run"
printf '[audit]\nstore = "%s/audit.db"\n' "$tmp" > "$tmp/config/cordon/config.toml"
cat > "$tmp/policy.toml" <<'EOF'
[gate]
timeout = "60s"
[[gate.rule]]
name = "touching-danger"
program = "touch"
any_arg = ["danger*"]
action = "ask"
reason = "danger files need a human"
EOF
socket=$tmp/tmux.sock
session=cordon-review-tty
tm() { tmux -S "$socket" "$@"; }
cleanup() {
  tm kill-server >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
printf 'set -g status off\nset -g history-limit 5000\n' > "$tmp/tmux.conf"

# The box's program reads its stdin after the answers: the reviewer's keys must not be there.
cat > "$tmp/pane.sh" <<EOF
cd "$workspace" || exit 1
XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" CORDON_RUNTIME_DIR="$tmp/run" \\
  "$cordon" run -q --network none --review tty --config "$tmp/policy.toml" -- /bin/sh -c \\
  'touch danger1; echo first=\$?; touch danger2; echo second=\$?; bash -c "read -t 2 keys; echo keys=[\\\$keys]"'
echo "cordon-status=\$?"
sleep 30
EOF

fail=0
wait_for() {  # wait_for REGEX SECONDS
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    tm capture-pane -p -J -S -5000 -t "$session" | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  echo "FAIL: no line matching '$1' in $2 s; the pane shows:"
  tm capture-pane -p -J -S -5000 -t "$session"
  return 1
}
# wait_count REGEX N SECONDS: until N lines of the pane match.
wait_count() {
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    (($(tm capture-pane -p -J -S -5000 -t "$session" | grep -Ec -- "$1") >= $2)) && return 0
    sleep 0.1
  done
  echo "FAIL: fewer than $2 lines matching '$1' in $3 s; the pane shows:"
  tm capture-pane -p -J -S -5000 -t "$session"
  return 1
}
type_line() {
  tm send-keys -t "$session" -l -- "$1"
  tm send-keys -t "$session" Enter
}

tm -f "$tmp/tmux.conf" new-session -d -s "$session" -x 120 -y 40 "bash --norc --noprofile $tmp/pane.sh" || exit 1
wait_for "touch danger1" 20 && wait_for "\[a\]pprove once" 5 || exit 1
type_line a
wait_for "reason\? " 5 || exit 1
type_line ""
wait_for "touch danger2" 20 && wait_count "\[a\]pprove once" 2 5 || exit 1
type_line d
wait_count "reason\? " 2 5 || exit 1
type_line "not this one"
# Typed while the program reads its stdin: relayed, they would show as keys=[leak].
sleep 0.3
type_line leak
wait_for "cordon-status=" 20 || exit 1
pane=$(tm capture-pane -p -J -S -5000 -t "$session")
check() {  # check NAME REGEX
  if grep -Eq -- "$2" <<<"$pane"; then echo "ok: $1"; else echo "FAIL: $1 (no '$2')"; fail=1; fi
}
# The program's output and cordon's prompt share the terminal: a line may start after "? ".
check "the approved command ran" "(^|\? )first=0$"
check "the denied command was refused" "(^|\? )second=126$"
check "the reason reached the program's stderr" "denied by tty:[a-z0-9_-]+: not this one"
check "the reviewer's keys never reached the program" "^keys=\[\]$"
check "cordon exits with the program's status" "^cordon-status=0$"
[ -e "$workspace/danger1" ] && echo "ok: danger1 exists" || { echo "FAIL: danger1 missing"; fail=1; }
[ ! -e "$workspace/danger2" ] && echo "ok: danger2 does not" || { echo "FAIL: danger2 exists"; fail=1; }
if [ "$fail" -ne 0 ]; then
  echo "the pane:"
  echo "$pane"
fi
exit "$fail"
