# Lab 02: orphans, daemons and nice values.
# shellcheck disable=SC2154  # stderr: set by run --separate-stderr
load helpers

LAB=labs/02-orphan
README=$TOP/$LAB/README.md

setup() {
    P=$BIN/$LAB
}

# pid of the process named in "<word> <pid>: ..." at the start of line $1
pid_of_line() {
    [[ $1 =~ ^[a-z]+\ ([0-9]+): ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}

# bats test_tags=task:1,points:2
@test "orphan: adopted by the subreaper above it, then reaped" {
    run -0 --separate-stderr timeout 10 "$P/orphan"
    assert_readme_output "$README" orphan
    assert_eq "$stderr" ""
    local top parent child
    top=$(pid_of_line "${lines[0]}")
    child=$(pid_of_line "${lines[1]}")
    parent=$(pid_of_line "${lines[2]}")
    assert_eq "${lines[1]}" "child $child: my parent is $parent"
    assert_eq "${lines[3]}" "child $child: my parent has exited; my parent is now $top (the subreaper)"
    [[ $top != "$parent" ]]
    [[ ! -e /proc/$child ]]
}

# bats test_tags=task:1
@test "orphan -c: the parent changes to the nearest subreaper, and no zombie is left" {
    [[ -n ${POSIXLABS_SUBREAPER:-} ]] ||
        skip "run through tests/run.sh (make test): it provides the subreaper that adopts"
    run -0 --separate-stderr timeout 20 "$P/orphan" -c
    assert_eq "$stderr" ""
    local child parent
    child=$(pid_of_line "${lines[0]}")
    parent=$(pid_of_line "${lines[1]}")
    assert_eq "${lines[0]}" "child $child: my parent is $parent"
    assert_eq "${lines[2]}" "child $child: my parent has exited; my parent is now $POSIXLABS_SUBREAPER (reaper)"
    assert_eq "${lines[3]}" "child $child: exiting"
    # A subreaper that reaps at once may or may not be seen holding a zombie first.
    assert_match "${lines[-1]}" "^top [0-9]+: orphan $child was reaped by its adopter after [0-9.]+ s: no zombie left$"
    [[ ! -e /proc/$child ]]
}

# bats test_tags=task:2,points:2
@test "daemonize: new session, no terminal, / and umask 0, fds to /dev/null, survives its starter" {
    local pidfile=$BATS_TEST_TMPDIR/d.pid log=$BATS_TEST_TMPDIR/d.log
    run -0 --separate-stderr timeout 10 "$P/daemonize" -p "$pidfile" -l "$log" -i 1
    assert_eq "$stderr" ""
    local d
    d=$(cat "$pidfile")
    BG_PIDS+=("$d") # so that teardown stops it, whatever happens below
    output=${output//"$pidfile"/<pidfile>}
    assert_readme_output "$README" daemonize
    assert_eq "$output" "daemonize: daemon $d is running; stop it with: kill \$(cat <pidfile>)"
    # The starter has exited (run returned); the daemon lives on.
    kill -0 "$d"
    local sid tty
    sid=$(proc_field "$d" 6)
    tty=$(proc_field "$d" 7)
    [[ $sid != "$d" ]] || fail "the daemon is a session leader: it forked only once"
    [[ $sid != "$(proc_field $$ 6)" ]] || fail "the daemon is still in our session"
    assert_eq "$(proc_field "$d" 5)" "$sid" # process group = the (gone) session leader's
    assert_eq "$tty" 0                      # no controlling terminal
    [[ $(proc_ppid "$d") != "$$" ]]
    assert_eq "$(readlink "/proc/$d/cwd")" /
    assert_eq "$(awk '/^Umask:/ {print $2}' "/proc/$d/status")" 0000
    local fd
    for fd in 0 1 2; do
        assert_eq "$(readlink "/proc/$d/fd/$fd")" /dev/null
    done
    wait_for_line "$log" "daemon $d: alive\$" >/dev/null
}

# bats test_tags=task:2
@test "daemonize: one instance per pid file; SIGHUP is logged; SIGTERM stops it cleanly" {
    local pidfile=$BATS_TEST_TMPDIR/d.pid log=$BATS_TEST_TMPDIR/d.log
    run -0 timeout 10 "$P/daemonize" -p "$pidfile" -l "$log" -i 60
    local d
    d=$(cat "$pidfile")
    BG_PIDS+=("$d")
    run -1 --separate-stderr timeout 10 "$P/daemonize" -p "$pidfile" -l "$log"
    assert_eq "$stderr" "daemonize: daemon: another instance holds the pid file lock: File exists"
    assert_eq "$(cat "$pidfile")" "$d"
    kill -HUP "$d"
    wait_for_line "$log" "daemon $d: got SIGHUP" >/dev/null
    kill -TERM "$(cat "$pidfile")"
    wait_gone "$d"
    wait_for_line "$log" "daemon $d: got SIGTERM, stopping\$" >/dev/null
    [[ ! -e $pidfile ]] || fail "the pid file was not removed"
    run grep -c "daemon $d: started\$" "$log"
    assert_eq "$output" 1
}

@test "daemonize: bad usage exits 2" {
    run -2 --separate-stderr timeout 5 "$P/daemonize"
    assert_eq "$stderr" "daemonize: give -p PIDFILE (and no other arguments)
Try 'daemonize -h' for help."
    run -2 timeout 5 "$P/daemonize" -p x -i 0
    run -2 timeout 5 "$P/daemonize" -p x extra
}

@test "nice_demo: the nice-10 child gets a clearly smaller share of one CPU" {
    run -0 --separate-stderr timeout 30 "$P/nice_demo"
    assert_eq "$stderr" ""
    assert_readme_output "$README" nice_demo
    local a b
    a=$(awk 'NR == 2 {print $6}' <<<"$output")
    b=$(awk 'NR == 3 {print $6}' <<<"$output")
    # The weights predict 9.3 : 1; anything above 3 : 1 shows the weights at work, while
    # equal shares (a broken demo) would be 1 : 1.
    ((a > 3 * b)) || fail "nice 0 did $a loops, nice 10 did $b: not the expected shares"
    ((b > 0)) || fail "the nice-10 child did no work at all: that would be starvation"
}

@test "nice_demo: equal nice values share equally; bad values are refused" {
    run -0 timeout 30 "$P/nice_demo" -n 0 -t 300
    assert_eq "${lines[4]}" "the weights predict   1024 : 1024 = 1.0 : 1"
    run -2 timeout 5 "$P/nice_demo" -n 20
    run -2 timeout 5 "$P/nice_demo" -t 5
}

@test "every program has -h (exit 0, usage on stdout) and rejects a bad option (exit 2)" {
    local prog
    for prog in orphan daemonize nice_demo; do
        assert_usage "$P/$prog"
    done
}

@test "valgrind: no memory errors, leaks or leaked fds, in parents and children" {
    vg "$P/orphan"
    vg "$P/nice_demo" -t 100
}
