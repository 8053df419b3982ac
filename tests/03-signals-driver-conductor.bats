# Lab 03: signals - the driver and the conductor, kill/raise, alarm/pause, dispositions.
# shellcheck disable=SC2154  # stderr: set by run --separate-stderr
load helpers

LAB=labs/03-signals-driver-conductor
README=$TOP/$LAB/README.md

setup() {
    P=$BIN/$LAB
    OUT=$BATS_TEST_TMPDIR/bus.out
    DRIVER="" CONDUCTOR="" PGID=""
}

# A failed test may leave the bus running: while the driver is still our unreaped child,
# its pid - and so the group id - cannot have been reused, and killing the group is safe.
teardown() {
    if [[ -n $DRIVER ]] && kill -0 "$DRIVER" 2>/dev/null; then
        kill -KILL -- "-$PGID" 2>/dev/null
    fi
    stop_all
}

# start_bus: start driver_conductor in a process group of its own (-g), so that a signal
# to the group never reaches bats; wait for its start line (printed once both processes
# are ready) and set DRIVER, CONDUCTOR and PGID from it, checked against /proc.
start_bus() {
    start_bg "$OUT" "$P/driver_conductor" -g
    local line
    line=$(wait_for_line_of "$BG_PID" "$OUT" '^driver [0-9]+, conductor [0-9]+, process group [0-9]+: all aboard$') ||
        return 1
    [[ $line =~ ^driver\ ([0-9]+),\ conductor\ ([0-9]+),\ process\ group\ ([0-9]+): ]]
    DRIVER=${BASH_REMATCH[1]} CONDUCTOR=${BASH_REMATCH[2]} PGID=${BASH_REMATCH[3]}
    assert_eq "$DRIVER" "$BG_PID"
    assert_eq "$PGID" "$DRIVER"
    assert_eq "$(proc_ppid "$CONDUCTOR")" "$DRIVER"
    assert_eq "$(proc_field "$CONDUCTOR" 5)" "$PGID"
    # and not the group bats runs in:
    [[ $(proc_field "$DRIVER" 5) != "$(proc_field $$ 5)" ]]
}

# count_lines FILE TEXT: how many lines of FILE are exactly TEXT.
count_lines() {
    grep -cFx -- "$2" "$1" || true
}

# wait_for_count FILE TEXT N: until N lines of FILE are exactly TEXT.
wait_for_count() {
    wait_until _count_is "$@" || fail "wanted $3 x '$2' in $1; it holds:" "$(cat "$1")"
}
_count_is() {
    [[ $(count_lines "$1" "$2") == "$3" ]]
}

# assert_sigs PID FIELD "IN..." "OUT...": /proc/PID/status FIELD (SigIgn, SigCgt, ...) is a
# hex mask with bit N-1 set for signal N; the signals IN must be in it, the signals OUT not.
assert_sigs() {
    local mask sig
    mask=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status") || return 1
    [[ -n $mask ]] || { fail "no $2 in /proc/$1/status"; return 1; }
    for sig in $3; do
        (((16#$mask >> (sig - 1)) & 1)) || { fail "$2 of $1 is $mask: signal $sig is not in it"; return 1; }
    done
    for sig in $4; do
        (((16#$mask >> (sig - 1)) & 1)) && { fail "$2 of $1 is $mask: signal $sig is in it"; return 1; }
    done
    return 0
}

# The end of every trip: the conductor's last line, then the driver's, exit status 0,
# nothing left behind.
assert_trip_ended() {
    wait_exit "$DRIVER"
    assert_eq "$BG_STATUS" 0
    assert_eq "$(cat "$OUT.err")" ""
    output=$(cat "$OUT")
    assert_readme_output "$README" driver_conductor
    # Exit order: the conductor got off (exited) first; the driver reaped it, then left.
    assert_eq "${output##*$'\n'}" "driver: the conductor got off (exit status 0), now the driver gets off"
    [[ ! -e /proc/$CONDUCTOR ]] || fail "the conductor $CONDUCTOR is still there"
}

# bats test_tags=task:2
@test "driver_conductor: a signal to one process moves only that one; the other's are ignored" {
    start_bus
    # The other's signals, sent first: ignored, no line, nobody stops or dies.
    kill -INT "$DRIVER"
    kill -QUIT "$DRIVER"
    kill -TSTP "$CONDUCTOR" # default action would stop it: it would never answer below
    kill -INT "$CONDUCTOR"
    wait_for_line "$OUT" "^driver: let's go!$" >/dev/null
    kill -QUIT "$CONDUCTOR"
    wait_for_line "$OUT" '^driver: speeding up, fasten your seat belts$' >/dev/null
    kill -TSTP "$DRIVER"
    assert_trip_ended
}

# bats test_tags=task:2
@test "driver_conductor: a signal to the whole process group (like Ctrl-C) moves only the right one" {
    start_bus
    kill -INT -- "-$PGID"
    wait_for_line "$OUT" "^driver: let's go!$" >/dev/null
    kill -QUIT -- "-$PGID"
    wait_for_line "$OUT" '^driver: speeding up, fasten your seat belts$' >/dev/null
    kill -TSTP -- "-$PGID"
    assert_trip_ended
}

# bats test_tags=task:2
@test "driver_conductor: every signal works every time, one line each" {
    start_bus
    local i
    for i in 1 2 3; do
        kill -INT -- "-$PGID"
        wait_for_count "$OUT" "driver: let's go!" "$i"
        kill -QUIT "$CONDUCTOR"
        wait_for_count "$OUT" "driver: speeding up, fasten your seat belts" "$i"
    done
    assert_eq "$(count_lines "$OUT" "conductor: SIGINT, so SIGUSR1 to the driver")" 3
    assert_eq "$(count_lines "$OUT" "conductor: SIGQUIT, so SIGUSR2 to the driver")" 3
    kill -TSTP -- "-$PGID"
    wait_exit "$DRIVER"
    assert_eq "$BG_STATUS" 0
    assert_eq "$(wc -l <"$OUT")" 16
}

# bats test_tags=task:2
@test "driver_conductor: /proc shows who ignores and who catches what" {
    start_bus
    # The driver ignores SIGINT (2) and SIGQUIT (3), catches SIGUSR1 (10), SIGUSR2 (12),
    # SIGTERM (15) and SIGTSTP (20).
    assert_sigs "$DRIVER" SigIgn "2 3" "10 12 15 20"
    assert_sigs "$DRIVER" SigCgt "10 12 15 20" "2 3"
    # The conductor ignores SIGTSTP (20), catches SIGINT (2), SIGQUIT (3) and SIGUSR1 (10).
    assert_sigs "$CONDUCTOR" SigIgn "20" "2 3 10"
    assert_sigs "$CONDUCTOR" SigCgt "2 3 10" "20"
    # Both sleep in sigsuspend(), with nothing blocked meanwhile.
    wait_for_state "$DRIVER" S
    wait_for_state "$CONDUCTOR" S
    assert_sigs "$DRIVER" SigBlk "" "2 3 10 12 15 20"
    assert_sigs "$CONDUCTOR" SigBlk "" "2 3 10 12 15 20"
    # The readiness pipe is closed on both sides: stdin, stdout, stderr are all that is left.
    assert_eq "$(fd_count "$DRIVER")" 3
    assert_eq "$(fd_count "$CONDUCTOR")" 3
    kill -TSTP "$DRIVER"
    wait_exit "$DRIVER"
    assert_eq "$BG_STATUS" 0
}

# bats test_tags=task:2
@test "driver_conductor: SIGTERM to the driver sends the conductor home first, exit status 1" {
    start_bus
    kill -TERM "$DRIVER"
    wait_exit "$DRIVER"
    assert_eq "$BG_STATUS" 1
    assert_eq "$(sed 1d "$OUT")" "driver: SIGTERM, the trip is cancelled: SIGTERM to the conductor
driver: the conductor got off (killed by signal 15), now the driver gets off"
    [[ ! -e /proc/$CONDUCTOR ]]
}

@test "kill_raise: to myself, to one process, to my group; signal 0 checks" {
    run -0 --separate-stderr timeout 10 "$P/kill_raise"
    assert_eq "$stderr" ""
    assert_readme_output "$README" kill_raise
    [[ ${lines[0]} =~ ^parent\ ([0-9]+): ]]
    local parent=${BASH_REMATCH[1]} child
    [[ ${lines[2]} =~ started\ child\ ([0-9]+)\ in\ my\ process\ group\ ([0-9]+)$ ]]
    child=${BASH_REMATCH[1]}
    assert_eq "${BASH_REMATCH[2]}" "$parent" # it leads a group of its own
    # Every SIGUSR1 came from the parent: si_pid tells the handler who sent it.
    assert_eq "${lines[1]}" "parent $parent: the handler ran before raise() returned: SIGUSR1 from pid $parent (me)"
    assert_eq "${lines[5]}" "child $child: got SIGUSR1 from pid $parent"
    assert_eq "${lines[7]}" "child $child: got SIGUSR1 from pid $parent"
    assert_eq "${lines[8]}" "parent $parent: got SIGUSR1 from pid $parent (me), held pending until I unblocked it"
    assert_eq "${lines[10]}" "parent $parent: child $child was killed by signal 15 (Terminated)"
    assert_eq "${lines[11]}" "parent $parent: kill($child, 0) failed: No such process (ESRCH): the child is gone"
}

# bats test_tags=task:1,points:2
@test "alarm_pause: a second alarm replaces the first; pause() returns after the handler" {
    run -0 --separate-stderr timeout 10 "$P/alarm_pause"
    assert_eq "$stderr" ""
    assert_readme_output "$README" alarm_pause
    # alarm(1) returns the seconds left of alarm(10), rounded: 10 unless the machine
    # stalled for more than half a second between two system calls.
    [[ ${lines[1]} =~ ^alarm\(1\)\ returned\ (9|10): ]]
}

@test "alarm_pause -d: SIGALRM's default action kills the process (status 128+14)" {
    run -142 --separate-stderr timeout 10 "$P/alarm_pause" -d
    assert_readme_output "$README" "alarm_pause -d"
    assert_eq "$stderr" ""
}

@test "dispositions: SIG_DFL, SIG_IGN, a handler; SIGKILL and SIGSTOP refuse all three" {
    run -0 --separate-stderr timeout 10 "$P/dispositions"
    assert_eq "$stderr" ""
    assert_readme_output "$README" dispositions
}

@test "every program has -h (exit 0, usage on stdout) and rejects a bad option (exit 2)" {
    local prog
    for prog in driver_conductor kill_raise alarm_pause dispositions; do
        assert_usage "$P/$prog"
        run -2 --separate-stderr timeout 5 "$P/$prog" extra
        assert_eq "$stderr" "$prog: no arguments expected
Try '$prog -h' for help."
    done
}

@test "valgrind: no memory errors, leaks or leaked fds" {
    # kill_raise's child is ended by SIGTERM with its end of the pipe open, by design.
    vg --parent-fds-only "$P/kill_raise"
    vg "$P/alarm_pause"
    vg "$P/dispositions"
}

@test "sigmask: its own masks decoded bit by bit" {
    run -0 --separate-stderr timeout 10 "$BIN/labs/03-signals-driver-conductor/sigmask"
    assert_eq "$stderr" ""
    assert_readme_output "$TOP/labs/03-signals-driver-conductor/README.md" sigmask
    assert_usage "$BIN/labs/03-signals-driver-conductor/sigmask"
}

@test "sigmask -p: another process's masks, read from /proc/PID/status" {
    local P=$BIN/labs/03-signals-driver-conductor
    start_bg "$BATS_TEST_TMPDIR/out" bash -c "trap '' USR2 TERM; exec sleep 60"
    local pid=$BG_PID
    wait_until 5 grep -qx sleep "/proc/$pid/comm"
    run -0 --separate-stderr timeout 10 "$P/sigmask" -p "$pid"
    assert_eq "$stderr" ""
    # SIGUSR2 (12) and SIGTERM (15) ignored: bits 11 and 14 at least; nothing caught.
    local ign
    ign=$(awk '$1 == "SigIgn:" { print $2 }' "/proc/$pid/status")
    assert_eq "${lines[1]}" "SigIgn: $ign =${lines[1]#*=}"
    assert_match "${lines[1]}" ' SIGUSR2( |.*)SIGTERM( |$)'
    assert_eq "${lines[2]}" "SigCgt: 0000000000000000 = (none)"
    assert_eq "$((16#$ign & (1 << 11 | 1 << 14)))" $((1 << 11 | 1 << 14))
    stop_bg "$pid"
    run -1 --separate-stderr timeout 10 "$P/sigmask" -p "$pid"
    assert_eq "$stderr" "sigmask: fopen /proc/$pid/status: No such file or directory"
    run -2 timeout 10 "$P/sigmask" -p 0
    run -2 timeout 10 "$P/sigmask" -p x
    run -2 timeout 10 "$P/sigmask" extra
}

@test "sigmask: valgrind" {
    vg "$BIN/labs/03-signals-driver-conductor/sigmask"
}
