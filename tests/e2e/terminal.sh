#!/usr/bin/env bash
# End-to-end: the box's terminal seen through a real terminal emulator (tmux): size, resize,
# Ctrl-C, job control, a full-screen program, the exit status and the restored tty mode.
#
# usage: terminal.sh CORDON_BINARY PROBE_BINARY      (exit 0 pass, 1 fail, 77 skip)
set -u

cordon=${1:?usage: terminal.sh CORDON_BINARY PROBE_BINARY}
# The probe is not needed here; the argument keeps every e2e script callable the same way.

if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIP: tmux is not installed (apt-get install tmux)"
  exit 77
fi
if [[ ! -x $cordon ]]; then
  echo "FAIL: $cordon is not an executable"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cordon-e2e-terminal.XXXXXX") || exit 1
workspace=$tmp/workspace
mkdir "$workspace"
socket=$tmp/tmux.sock
session=cordon-e2e

tm() { tmux -S "$socket" "$@"; }

cleanup() {
  tm kill-server >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

# A private tmux server and config: nothing from the user's tmux leaks in.
cat >"$tmp/tmux.conf" <<'EOF'
set -g status off
set -g history-limit 5000
EOF

# The pane runs cordon and reports, after it exits, its status and whether the pane's terminal
# mode came back unchanged (cordon puts it in raw mode while relaying).
cat >"$tmp/pane.sh" <<'EOF'
cordon=$1
workspace=$2
cd "$workspace" || exit 1
before=$(stty -g)
"$cordon" run --workspace "$workspace" -- bash --norc --noprofile
status=$?
after=$(stty -g)
if [ "$before" = "$after" ]; then echo "tty:restored"; else echo "tty:changed"; fi
echo "status:$status"
exec sleep 3600
EOF

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# The pane's text: visible screen plus history, wrapped lines joined.
screen() { tm capture-pane -p -J -S -5000 -t "$session"; }
visible() { tm capture-pane -p -t "$session"; }
dump() {
  echo "---- pane ----"
  screen | sed -e '/^$/d' | tail -n 40
  echo "--------------"
}

# wait_for REGEX SECONDS: polls the pane until a line matches (extended regex).
wait_for() {
  local regex=$1 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    if screen | grep -Eq -- "$regex"; then return 0; fi
    sleep 0.1
  done
  screen | grep -Eq -- "$regex"
}

# The last non-empty line of the visible screen is our prompt.
at_prompt() { [[ $(visible | sed -e '/^[[:space:]]*$/d' | tail -n 1) == "E2E>" ]]; }
wait_prompt() {
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    if at_prompt; then return 0; fi
    sleep 0.1
  done
  at_prompt
}

type_line() {
  tm send-keys -t "$session" -l -- "$1"
  tm send-keys -t "$session" Enter
}

# run_capture COMMAND: runs COMMAND in the box's shell and prints its output lines, found
# between two marker lines. A marker never equals the typed command line, which holds it too.
# Called in $(...), so the marker's uniqueness cannot come from a counter in this shell.
run_capture() {
  local id="${EPOCHREALTIME/[.,]/}$RANDOM"
  local begin="BEGIN${id}X" end="END${id}X"
  type_line "echo $begin; $1; echo $end"
  if ! wait_for "^$end\$" 15; then
    echo "(no output for: $1)" >&2
    return 1
  fi
  screen | awk -v b="$begin" -v e="$end" '$0 == b {on = 1; next} $0 == e {on = 0} on'
}

still_running() {
  if screen | grep -q '^status:'; then
    fail "cordon exited early"
    dump
    exit 1
  fi
}

# ---- start: a 100x30 pane running cordon ------------------------------------------------------
if ! tm -f "$tmp/tmux.conf" new-session -d -s "$session" -x 100 -y 30 \
  "bash $(printf '%q' "$tmp/pane.sh") $(printf '%q' "$cordon") $(printf '%q' "$workspace")"; then
  echo "FAIL: tmux new-session"
  exit 1
fi
tm set-option -t "$session" window-size manual >/dev/null 2>&1
tm resize-window -t "$session" -x 100 -y 30 >/dev/null 2>&1

# bash's default prompt (bash-5.2$) or cordon's early exit.
if ! wait_for '(\$|#)[[:space:]]*$|^status:' 30; then
  fail "no shell prompt from the box within 30s"
  dump
  exit 1
fi
still_running
type_line "PS1='E2E''> '"
if ! wait_prompt 10; then
  fail "could not set the prompt in the box"
  dump
  exit 1
fi

# ---- 1. size at start ----------------------------------------------------------------------
size=$(run_capture 'tput cols; tput lines' | tr '\n' ' ')
if [[ $size == "100 30 " ]]; then
  pass "initial size 100x30"
else
  fail "initial size: tput says '$size', want '100 30 '"
  dump
fi

# ---- 2. resize ------------------------------------------------------------------------------
tm resize-window -t "$session" -x 120 -y 40
got=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  got=$(run_capture 'tput cols; tput lines' | tr '\n' ' ')
  [[ $got == "120 40 " ]] && break
  sleep 0.3
done
if [[ $got == "120 40 " ]]; then
  pass "resize to 120x40 reached the box"
else
  fail "after resize tput says '$got', want '120 40 '"
  dump
fi

# ---- 3. Ctrl-C interrupts the foreground program, not cordon --------------------------------
wait_prompt 5
type_line "sleep 30"
sleep 0.7
start=$SECONDS
tm send-keys -t "$session" C-c
if wait_prompt 5 && ((SECONDS - start < 5)); then
  pass "C-c interrupted sleep 30"
else
  fail "C-c did not bring the prompt back within 5s"
  dump
fi
still_running
if [[ $(run_capture 'echo alive') == alive ]]; then
  pass "the box's shell survived C-c"
else
  fail "the box's shell did not answer after C-c"
  dump
fi

# ---- 4. job control -------------------------------------------------------------------------
type_line "sleep 30 &"
wait_prompt 5
jobs_out=$(run_capture 'jobs')
if grep -Eq 'Running +sleep 30' <<<"$jobs_out"; then
  pass "background job listed by jobs"
else
  fail "jobs shows '$jobs_out', want a running 'sleep 30'"
  dump
fi
type_line "fg"
sleep 0.7
if at_prompt; then
  fail "fg returned at once (no job control in the box?)"
  dump
fi
start=$SECONDS
tm send-keys -t "$session" C-c
if wait_prompt 5 && ((SECONDS - start < 5)); then
  pass "fg then C-c"
else
  fail "C-c on the foregrounded job did not bring the prompt back"
  dump
fi
jobs_out=$(run_capture 'jobs')
if [[ -z $jobs_out ]]; then
  pass "no jobs left"
else
  fail "jobs still lists '$jobs_out'"
fi

# Ctrl-Z stops the foreground job and gives the prompt back.
type_line "sleep 30"
sleep 0.7
tm send-keys -t "$session" C-z
if wait_prompt 5 && grep -Eq 'Stopped +sleep 30' <<<"$(run_capture 'jobs')"; then
  pass "C-z stopped the foreground job"
else
  fail "C-z did not stop sleep 30"
  dump
fi
type_line 'kill -9 %1'
wait_prompt 5
run_capture 'wait' >/dev/null

# ---- 5. a full-screen program ---------------------------------------------------------------
still_running
if [[ -r /etc/passwd ]] && command -v less >/dev/null 2>&1; then
  type_line "less /etc/passwd"
  # less takes the whole screen: file text at the top, its status line at the bottom row.
  if wait_for '^root:' 10 && [[ $(visible | tail -n 1) =~ (END)|/etc/passwd|^: ]]; then
    pass "less drew the full screen"
  else
    fail "less did not draw the screen"
    dump
  fi
  tm send-keys -t "$session" q
  if wait_prompt 5; then
    pass "q quit less"
  else
    fail "the prompt did not come back after q in less"
    dump
  fi
else
  type_line "vi"
  sleep 1
  tm send-keys -t "$session" Escape
  tm send-keys -t "$session" -l ':q!'
  tm send-keys -t "$session" Enter
  if wait_prompt 5; then
    pass "vi started and quit"
  else
    fail "the prompt did not come back after :q! in vi"
    dump
  fi
fi

# ---- 6. exit status and the restored terminal ------------------------------------------------
still_running
type_line "exit 3"
if wait_for '^status:[0-9]+' 20; then
  status=$(screen | sed -n 's/^status:\([0-9][0-9]*\).*/\1/p' | tail -n 1)
  if [[ $status == 3 ]]; then
    pass "cordon exited with the shell's status 3"
  else
    fail "cordon exited with status $status, want 3"
    dump
  fi
else
  fail "cordon did not exit after 'exit 3'"
  dump
fi
if screen | grep -q '^tty:restored'; then
  pass "the pane's terminal mode was restored"
else
  fail "the pane's terminal mode was not restored after cordon exited"
fi

if ((failures > 0)); then
  echo "terminal e2e: $failures check(s) failed"
  exit 1
fi
echo "terminal e2e: all checks passed"
exit 0
