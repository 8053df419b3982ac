# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034  # bats sets output/lines/status; BG_STATUS, SERVER_* are for callers
#
# tests/helpers.bash - the only test library posix-labs uses (bats-core >= 1.5, no plugins).
# Load it first thing in every .bats file:   load helpers
#
# Variables the suite provides (tests/run.sh sets them):
#   BIN    root of the tree of programs under test: the repository for the default build,
#          build/asan or build/tsan for the sanitizer builds. A lab's programs are at
#          "$BIN/labs/NN-name/PROG", a capstone's at "$BIN/project/NAME/PROG".
#   TOP    the repository (sources, fixtures' data, READMEs).
#
# Starting things in the background (never `cmd &` directly):
#   start_bg OUT CMD...         run CMD with stdin from /dev/null, stdout to OUT, stderr to
#                               OUT.err, and every inherited fd above 2 closed; sets BG_PID
#   start_bg_stdin IN OUT CMD.. the same with stdin from IN (a file or a FIFO)
#   stop_bg PID                 SIGTERM, wait up to 2 s, SIGKILL, reap; never fails
#   stop_all                    stop_bg for everything started by this test (the default
#                               teardown calls it; a file that defines its own teardown
#                               must call stop_all itself)
#   wait_exit PID [SECS]        wait for a background process to end; sets BG_STATUS
# Waiting, always bounded (default 5 s, scaled by TIMEOUT_SCALE under sanitizers):
#   wait_for_line FILE ERE [SECS]   print the first line of FILE matching ERE
#   wait_for_line_of PID FILE ERE [SECS]  the same, but fails at once if PID has ended
#   wait_for_file PATH [SECS]       until PATH exists (and is not empty with -s: wait_for_file -s)
#   wait_for_state PID LETTERS [SECS]  until /proc/PID/stat shows one of LETTERS (e.g. Z, S, RS)
#   wait_gone PID [SECS]            until PID has ended: gone from /proc, or a zombie (Z)
#   wait_until [SECS] CMD...        until CMD succeeds
# Reading /proc:
#   proc_state PID, proc_ppid PID, proc_field PID N (N-th field of /proc/PID/stat, 1-based)
#   children_of PID      pids whose parent is PID, one a line
#   kids_of PID          the same, quicker (/proc/PID/task/PID/children) for a program
#                        with one thread
#   zombies_of PID       pids of PID's children that are zombies, one a line
#   fd_count PID         number of open fds of PID
# Servers:
#   start_server OUT CMD...   start_bg, then wait for "listening on HOST:PORT" as the first
#                             line of stdout; sets SERVER_PID, SERVER_HOST, SERVER_PORT
# Assertions (print what differed on failure):
#   assert_eq ACTUAL EXPECTED, assert_contains HAYSTACK NEEDLE, assert_match STRING ERE,
#   assert_line_matches ERE (some line of $output), assert_output_file FILE (the exact
#   $output, compared with a file), fail MSG...
#   assert_readme_output README ID   $output matches the README's expected-output block ID
#                                    (<placeholders> there stand for any text)
#   assert_usage PATH   the program's -h: exit 0, "usage: NAME" first, nothing on stderr;
#                       an unknown option -Z: exit 2, nothing on stdout, the standard
#                       two-line message on stderr
# IPC objects:
#   mqueue_names PREFIX   the POSIX message queues whose names start with PREFIX, one a line
#                         (fails where the queues cannot be listed)
# Valgrind:
#   vg [--parent-fds-only] CMD...    memcheck CMD and its children: no errors, no definite
#                                    leaks, no fd left open at exit (skipped for sanitizer builds)
# Environment from tests/run.sh: POSIXLABS_SUBREAPER, the pid of the subreaper (the
#   reaper fixture) that adopts the orphans tests create.

bats_require_minimum_version 1.5.0

TOP=${TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
BIN=${BIN:-$TOP}
export TOP BIN
# Sanitized programs are slower: every bounded wait gets TIMEOUT_SCALE times longer.
TIMEOUT_SCALE=${TIMEOUT_SCALE:-1}

# `timeout [OPTION...] N CMD...` in a test is coreutils' timeout with N multiplied by
# GRADE_TIMEOUT_SCALE (a whole number, default 1), which make grade sets for slow machines.
timeout() {
    local scale=${GRADE_TIMEOUT_SCALE:-1} opts=()
    if [[ $scale == 1 ]]; then
        command timeout "$@"
        return
    fi
    while [[ ${1:-} == -* ]]; do
        case $1 in
        -k | -s) opts+=("$1" "$2") && shift 2 ;;
        *) opts+=("$1") && shift ;;
        esac
    done
    command timeout "${opts[@]}" "$(awk -v n="${1%s}" -v s="$scale" 'BEGIN { print n * s }')" "${@:2}"
}

BG_PIDS=()

fail() {
    printf '%s\n' "$@" >&2
    return 1
}

assert_eq() {
    [[ "$1" == "$2" ]] || fail "expected: '$2'" "actual:   '$1'"
}

assert_contains() {
    [[ "$1" == *"$2"* ]] || fail "expected to contain: '$2'" "actual: '$1'"
}

assert_match() {
    [[ "$1" =~ $2 ]] || fail "expected to match: /$2/" "actual: '$1'"
}

assert_line_matches() {
    local l
    for l in "${lines[@]}"; do
        [[ $l =~ $1 ]] && return 0
    done
    fail "no line matches /$1/; output was:" "$output"
}

# assert_usage PATH: the conventions every program follows (CONTRIBUTING.md, "A program"):
# -h prints the usage line first and exits 0; an unknown option exits 2, prints nothing
# on stdout, and "NAME: unknown option -Z" and "Try 'NAME -h' for help." on stderr.
assert_usage() {
    local name=${1##*/} secs=$((5 * TIMEOUT_SCALE))
    run -0 --separate-stderr timeout "$secs" "$1" -h
    assert_match "${lines[0]}" "^usage: $name( |$)"
    assert_eq "$stderr" ""
    run -2 --separate-stderr timeout "$secs" "$1" -Z
    assert_eq "$output" ""
    assert_eq "$stderr" "$name: unknown option -Z
Try '$name -h' for help."
}

# mqueue_names PREFIX: the message queues whose names start with PREFIX, one a line. Linux
# shows the queues as files of an mqueue file system; when /dev/mqueue is not mounted, one
# is mounted in a private mount namespace just to list it (which needs root). Fails if
# neither works.
mqueue_names() {
    local all dir=$BATS_TEST_TMPDIR/mqueue
    if mountpoint -q /dev/mqueue 2>/dev/null; then
        all=$(ls -A /dev/mqueue) || return 1
    else
        mkdir -p "$dir"
        # shellcheck disable=SC2016  # expanded by the inner sh
        all=$(unshare -m sh -c 'mount -t mqueue none "$1" && ls -A "$1"' sh "$dir" 2>/dev/null) ||
            return 1
    fi
    printf '%s\n' "$all" | grep "^$1" || true
}

# assert_output_file FILE: $output must equal FILE's contents exactly (shows a diff).
assert_output_file() {
    local d
    d=$(diff -u "$1" <(printf '%s\n' "$output")) && return 0
    fail "output differs from $1:" "$d"
}

# _deadline SECS -> the value of SECONDS after which a wait gives up (scaled).
_deadline() {
    echo $((SECONDS + ${1:-5} * TIMEOUT_SCALE))
}

# Run "$@" in the background with stdin from $1, stdout to $2, stderr to $2.err.
# bats reads its results through pipes on fd 3 and above; a child that inherits one keeps
# bats waiting for it after the last test, so every fd above 2 is closed first.
_spawn() {
    local in=$1 out=$2
    shift 2
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec $fd>&-" 2>/dev/null
            fi
        done
        exec "$@"
    ) <"$in" >"$out" 2>"$out.err" &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

start_bg() {
    local out=$1
    shift
    _spawn /dev/null "$out" "$@"
}

start_bg_stdin() {
    local in=$1 out=$2
    shift 2
    _spawn "$in" "$out" "$@"
}

# wait_exit PID [SECS]: wait for a background process of ours to end and reap it;
# BG_STATUS is its exit status. Fails (and leaves it running) on timeout.
wait_exit() {
    local pid=$1 deadline
    deadline=$(_deadline "${2:-5}")
    while kill -0 "$pid" 2>/dev/null && [[ $(proc_state "$pid") != Z ]]; do
        ((SECONDS < deadline)) || { fail "process $pid did not exit within ${2:-5} s"; return 1; }
        sleep 0.02
    done
    BG_STATUS=0
    wait "$pid" 2>/dev/null || BG_STATUS=$?
    return 0
}

stop_bg() {
    local pid=$1 n=100
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null
    while ((n-- > 0)) && kill -0 "$pid" 2>/dev/null && [[ $(proc_state "$pid") != Z ]]; do
        sleep 0.02
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    return 0
}

stop_all() {
    local pid
    for pid in "${BG_PIDS[@]}"; do
        stop_bg "$pid"
    done
    BG_PIDS=()
    return 0
}

teardown() {
    stop_all
}

wait_until() {
    local secs=5
    if [[ $1 =~ ^[0-9]+$ ]]; then
        secs=$1
        shift
    fi
    local deadline
    deadline=$(_deadline "$secs")
    until "$@"; do
        ((SECONDS < deadline)) || { fail "timed out after ${secs} s waiting for: $*"; return 1; }
        sleep 0.02
    done
}

wait_for_line() {
    local file=$1 re=$2 deadline line
    deadline=$(_deadline "${3:-5}")
    while :; do
        if line=$(grep -Em1 -- "$re" "$file" 2>/dev/null); then
            printf '%s\n' "$line"
            return 0
        fi
        if ((SECONDS >= deadline)); then
            fail "timed out waiting for /$re/ in $file; it holds:" "$(cat "$file" 2>/dev/null)" \
                "stderr:" "$(cat "$file.err" 2>/dev/null)"
            return 1
        fi
        sleep 0.02
    done
}

# wait_for_line_of PID FILE ERE [SECS]: wait_for_line for a line that process PID writes;
# fails at once if PID ends without writing it (a program that fails fast fails fast here).
wait_for_line_of() {
    local pid=$1 file=$2 re=$3 deadline line
    deadline=$(_deadline "${4:-5}")
    while :; do
        if line=$(grep -Em1 -- "$re" "$file" 2>/dev/null); then
            printf '%s\n' "$line"
            return 0
        fi
        if _ended "$pid" && ! grep -Eq -- "$re" "$file" 2>/dev/null; then
            fail "process $pid ended without writing /$re/ to $file; it holds:" \
                "$(cat "$file" 2>/dev/null)" "stderr:" "$(cat "$file.err" 2>/dev/null)"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            fail "timed out waiting for /$re/ in $file; it holds:" "$(cat "$file" 2>/dev/null)" \
                "stderr:" "$(cat "$file.err" 2>/dev/null)"
            return 1
        fi
        sleep 0.02
    done
}

wait_for_file() {
    local test=-e
    if [[ $1 == -s ]]; then
        test=-s
        shift
    fi
    wait_until "${2:-5}" test "$test" "$1"
}

# /proc/PID/stat is "pid (comm) state ppid pgrp session tty_nr ..."; comm may hold
# spaces and parentheses, so the fields are counted after the last ')'.
proc_field() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    local -a f
    read -r -a f <<<"$rest"
    # field 3 (state) is f[0]
    printf '%s\n' "${f[$2 - 3]}"
}

proc_state() { proc_field "$1" 3; }
proc_ppid() { proc_field "$1" 4; }

_state_in() {
    local s
    s=$(proc_state "$1") || return 1
    [[ $2 == *"$s"* ]]
}

wait_for_state() {
    wait_until "${3:-5}" _state_in "$1" "$2" || {
        fail "process $1 is in state '$(proc_state "$1")', not one of '$2'"
        return 1
    }
}

_ended() {
    local s
    s=$(proc_state "$1") || return 0 # no /proc/PID: gone
    [[ $s == Z ]]
}

wait_gone() {
    wait_until "${2:-5}" _ended "$1"
}

children_of() {
    local d pp
    for d in /proc/[0-9]*; do
        pp=$(proc_ppid "${d#/proc/}") || continue
        [[ $pp == "$1" ]] && printf '%s\n' "${d#/proc/}"
    done
    return 0
}

# kids_of PID: the children of PID, one a line: /proc/PID/task/PID/children is quick
# (Linux 3.5 and later; enough for a program with one thread), children_of scans all of
# /proc.
kids_of() {
    local list=/proc/$1/task/$1/children
    local -a kids=()
    if [[ -r $list ]]; then
        read -r -a kids <"$list" || true # no newline at its end
        if ((${#kids[@]} > 0)); then
            printf '%s\n' "${kids[@]}"
        fi
    else
        children_of "$1"
    fi
}

zombies_of() {
    local c
    for c in $(children_of "$1"); do
        [[ $(proc_state "$c") == Z ]] && printf '%s\n' "$c"
    done
    return 0
}

fd_count() {
    local -a fds=("/proc/$1/fd/"*)
    printf '%s\n' "${#fds[@]}"
}

start_server() {
    local out=$1 line
    shift
    start_bg "$out" "$@"
    SERVER_PID=$BG_PID
    line=$(wait_for_line "$out" '^listening on ' 10) || return 1
    [[ $(head -n1 "$out") == "$line" ]] || { fail "first line of $out is not 'listening on ...'"; return 1; }
    [[ $line =~ ^listening\ on\ (.+):([0-9]+)$ ]] || { fail "bad readiness line: $line"; return 1; }
    SERVER_HOST=${BASH_REMATCH[1]}
    SERVER_PORT=${BASH_REMATCH[2]}
}

# readme_block README ID: print the fenced block that follows the line
# "<!-- expected-output: ID -->" in README (the lab READMEs' "what you should see").
readme_block() {
    awk -v id="$2" '
        $0 == "<!-- expected-output: " id " -->" { armed = 1; next }
        armed && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$1"
}

# assert_readme_output README ID: $output must match that README block line by line.
# In the block, a placeholder in angle brackets - <pid>, <n>, <ms>, <time> - stands for
# any text, so the README shows real output with what varies marked. This keeps the
# documentation from drifting away from what the program prints. The Chinese twin
# (README.zh.md beside README.md) is checked the same way when it exists:
# scripts/twin-check.sh (tests/twins.bats) makes sure it does.
assert_readme_output() {
    _assert_readme_block "$1" "$2" || return 1
    local zh=${1%.md}.zh.md
    [[ ! -f $zh ]] || _assert_readme_block "$zh" "$2"
}

_assert_readme_block() {
    local -a want got
    local block i pat
    block=$(readme_block "$1" "$2")
    [[ -n $block ]] || { fail "no expected-output block '$2' in $1"; return 1; }
    mapfile -t want <<<"$block"
    mapfile -t got <<<"$output"
    if ((${#want[@]} != ${#got[@]})); then
        fail "README $1 block '$2' has ${#want[@]} lines, the output has ${#got[@]}:" \
            "--- README" "$block" "--- output" "$output"
        return 1
    fi
    for i in "${!want[@]}"; do
        pat=${want[$i]}
        pat=${pat//\\/\\\\}
        pat=${pat//\*/\\*}
        pat=${pat//\?/\\?}
        pat=${pat//\[/\\[}
        while [[ $pat =~ ^(.*)\<[a-z][a-z0-9_\ -]*\>(.*)$ ]]; do
            pat=${BASH_REMATCH[1]}'*'${BASH_REMATCH[2]}
        done
        # shellcheck disable=SC2053  # the right-hand side is a pattern on purpose
        if [[ ${got[$i]} != $pat ]]; then
            fail "line $((i + 1)) differs from README $1 block '$2':" \
                "README: ${want[$i]}" "output: ${got[$i]}"
            return 1
        fi
    done
}

# vg [--parent-fds-only] CMD...: run CMD (and every child it forks) under valgrind's
# memcheck; fail on a memory error, a definite leak, or a file descriptor left open at exit
# that the process did not inherit. With --parent-fds-only, children may exit with fds
# still open (for programs whose children rely on _exit closing them, and say so).
# Skips the test for sanitized builds (valgrind and ASan/TSan do not mix) and where
# valgrind is missing. Use as: vg "$P/prog" args   (not under run)
vg() {
    [[ $BIN != */build/* ]] || skip "valgrind does not run sanitized programs"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    local parent_only=0
    if [[ $1 == --parent-fds-only ]]; then
        parent_only=1
        shift
    fi
    local dir=$BATS_TEST_TMPDIR/vg.$RANDOM rc=0 log bad=0 top
    mkdir -p "$dir"
    # exec keeps the pid: valgrind's pid is the pid of the process under test.
    # shellcheck disable=SC2016  # expanded by the inner bash
    timeout $((60 * TIMEOUT_SCALE)) bash -c 'echo $$ >"$0/top"; exec "$@"' "$dir" \
        valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --track-fds=yes --trace-children=yes \
        --log-file="$dir/vg.%p.log" "$@" >"$dir/stdout" 2>"$dir/stderr" || rc=$?
    top=$(cat "$dir/top")
    for log in "$dir"/vg.*.log; do
        grep -q 'ERROR SUMMARY: [1-9]' "$log" && bad=1
        ((parent_only)) && [[ $log != "$dir/vg.$top.log" ]] && continue
        # An fd report is "Open file descriptor N: what" followed, a line or two later, by
        # "<inherited from parent>" for what the process was given at start. Anything else
        # still open at exit - except valgrind's own log - is a leak.
        awk '/Open (file descriptor|AF_[A-Z0-9]+ socket) [0-9]+/ { if (fd && !inh) bad = 1
                 fd = ($0 !~ /vg\.[0-9]+\.log/); inh = 0; next }
             /inherited from parent/ { inh = 1 }
             END { if (fd && !inh) bad = 1; exit bad }' "$log" || bad=1
    done
    if ((rc != 0 || bad)); then
        fail "valgrind: exit status $rc; logs:" "$(grep -v -A1 'inherited from parent' "$dir"/vg.*.log)"
        return 1
    fi
}
