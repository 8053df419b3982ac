# Tests of labs/07-semaphore: POSIX semaphores.
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

LAB=labs/07-semaphore
PROGS=(sem_counter sem_permits sem_unnamed sem_value)
NAMED=(sem_counter sem_permits sem_value) # the programs that make named objects

setup() {
    P=$BIN/$LAB
    README=$TOP/$LAB/README.md
    # A name of our own for tests that pass -n: unique per run and per test.
    XNAME=/posixlabs-07-t$$-$BATS_TEST_NUMBER
}

teardown() {
    stop_all
    rm -f /dev/shm/posixlabs-07-t$$-* /dev/shm/sem.posixlabs-07-t$$-*
    return 0
}

# The objects of this lab in /dev/shm now: shared memory as NAME, semaphores as sem.NAME.
lab_objects() {
    find /dev/shm -maxdepth 1 -name '*posixlabs-07-*' -printf '%f\n' | sort
}

# Fails if the named semaphore NAME (/...) still exists.
semaphore_gone() {
    if [[ -e /dev/shm/sem.${1#/} ]]; then
        fail "semaphore $1 was left behind (/dev/shm/sem.${1#/})"
        return 1
    fi
}

# Fails if the shared memory object NAME (/...) still exists.
object_gone() {
    if [[ -e /dev/shm/${1#/} ]]; then
        fail "shared memory object $1 was left behind"
        return 1
    fi
}

# Start sem_value waiting a minute in sem_timedwait; sets BG_PID and NAME.
start_waiting_sem_value() {
    local out=$BATS_TEST_TMPDIR/sem_value.out line
    start_bg "$out" "$P/sem_value" -t 60000 "$@"
    line=$(wait_for_line_of "$BG_PID" "$out" '^created semaphore ') || return 1
    [[ $line =~ ^created\ semaphore\ (/[^ ]+)\  ]] || { fail "bad first line: $line"; return 1; }
    NAME=${BASH_REMATCH[1]}
    wait_for_line_of "$BG_PID" "$out" '^sem_timedwait \(acquire\(timeout=60\)\), timeout 60000 ms' >/dev/null ||
        return 1
    wait_until _asleep_or_ended || return 1 # asleep in sem_timedwait: a signal now interrupts it
    ! _ended "$BG_PID" || { fail "sem_value has ended: $(cat "$out.err")"; return 1; }
}
_asleep_or_ended() {
    _ended "$BG_PID" || _state_in "$BG_PID" S # ended: start_waiting_sem_value fails at once
}

# Start sem_counter with a count that keeps it busy for minutes; sets BG_PID, BASE, KIDS.
start_busy_sem_counter() {
    local out=$BATS_TEST_TMPDIR/sem_counter.out line
    start_bg "$out" "$P/sem_counter" -i 1000000000000
    line=$(wait_for_line_of "$BG_PID" "$out" '^sem_counter: counter in ') || return 1
    [[ $line =~ ^sem_counter:\ counter\ in\ (/[^\;]+)-counter\; ]] ||
        { fail "bad line: $line"; return 1; }
    BASE=${BASH_REMATCH[1]}
    # Both children are started and counting.
    wait_until _two_children || return 1
    ! _ended "$BG_PID" || { fail "sem_counter has ended: $(cat "$out.err")"; return 1; }
    mapfile -t KIDS < <(kids_of "$BG_PID")
    wait_for_state "$BG_PID" S # asleep in waitpid: a signal now interrupts it
}
_two_children() {
    _ended "$BG_PID" && return 0 # no use waiting: start_busy_sem_counter fails at once
    (($(kids_of "$BG_PID" | wc -l) == 2))
}

@test "every program: -h exits 0 with its usage, bad usage exits 2" {
    local p
    for p in "${PROGS[@]}"; do
        assert_usage "$P/$p"
        run -2 --separate-stderr timeout 5 "$P/$p" extra
        assert_eq "${stderr_lines[0]}" "$p: no arguments expected"
    done
    for p in "${NAMED[@]}"; do
        run -2 --separate-stderr timeout 5 "$P/$p" -n no-slash
        assert_eq "${stderr_lines[0]}" \
            "$p: bad name 'no-slash' (expected '/' then 1 to 200 characters, no other '/')"
    done
    run -2 --separate-stderr timeout 5 "$P/sem_permits" -p 3 -w 2
    assert_eq "${stderr_lines[0]}" \
        "sem_permits: need at least as many workers as permits (the room must fill)"
    run -2 --separate-stderr timeout 5 "$P/sem_permits" -w 33
    assert_eq "${stderr_lines[0]}" \
        "sem_permits: bad number of workers '33' (expected a whole number from 1 to 32)"
    run -2 --separate-stderr timeout 5 "$P/sem_value" -v 11
    assert_match "${stderr_lines[0]}" "^sem_value: bad value '11'"
    run -2 --separate-stderr timeout 5 "$P/sem_value" -t 0
    assert_match "${stderr_lines[0]}" "^sem_value: bad timeout in milliseconds '0'"
    run -2 --separate-stderr timeout 5 "$P/sem_unnamed" -r 0
    assert_match "${stderr_lines[0]}" "^sem_unnamed: bad number of rounds '0'"
    run -2 --separate-stderr timeout 5 "$P/sem_counter" -i -5
    assert_match "${stderr_lines[0]}" "^sem_counter: bad number of increments '-5'"
}

# bats test_tags=task:1,points:2
@test "sem_counter: the total is exact, as in the README" {
    run -0 --separate-stderr timeout 60 "$P/sem_counter"
    assert_readme_output "$README" sem_counter
    assert_eq "$stderr" ""
    assert_eq "${lines[3]}" "total: 20000000 (expected 20000000)"
    assert_eq "${lines[4]}" "lost updates: 0"
    [[ ${lines[0]} =~ (/posixlabs-07-[0-9]+)-counter ]]
    object_gone "${BASH_REMATCH[1]}-counter"
    semaphore_gone "${BASH_REMATCH[1]}-mutex"
    assert_eq "$(zombies_of $$)" ""

    run -0 --separate-stderr timeout 20 "$P/sem_counter" -i 100000 -n "$XNAME"
    assert_eq "${lines[0]}" "sem_counter: counter in $XNAME-counter; 2 processes add 1 to it 100000 times each, each time between sem_wait and sem_post on $XNAME-mutex"
    assert_eq "${lines[3]}" "total: 200000 (expected 200000)"
    assert_eq "${lines[5]}" "removed $XNAME-counter and $XNAME-mutex"
    object_gone "$XNAME-counter"
    semaphore_gone "$XNAME-mutex"
}

# bats test_tags=task:1
@test "sem_counter: SIGTERM or SIGINT stops both children and removes both objects" {
    local out=$BATS_TEST_TMPDIR/sem_counter.out kid sig status
    for sig in TERM INT; do
        start_busy_sem_counter
        assert_eq "$BASE" "/posixlabs-07-$BG_PID"
        [[ -e /dev/shm/${BASE#/}-counter && -e /dev/shm/sem.${BASE#/}-mutex ]] ||
            fail "the objects are not in /dev/shm while it runs:" "$(ls /dev/shm)"
        kill -"$sig" "$BG_PID"
        wait_exit "$BG_PID" 10
        status=143
        [[ $sig == TERM ]] || status=130
        assert_eq "$BG_STATUS" "$status"
        assert_eq "$(cat "$out.err")" "sem_counter: SIG$sig: removed $BASE-counter
sem_counter: SIG$sig: removed $BASE-mutex"
        object_gone "$BASE-counter"
        semaphore_gone "$BASE-mutex"
        for kid in "${KIDS[@]}"; do
            wait_gone "$kid" || fail "child $kid is still running"
        done
    done
}

@test "sem_counter: an existing object is left alone, and what was made is removed on the way out" {
    # The shared memory name is taken: nothing is created, nothing removed.
    printf 'not yours' >"/dev/shm/${XNAME#/}-counter"
    run -1 --separate-stderr timeout 10 "$P/sem_counter" -n "$XNAME" -i 10
    assert_eq "$output" ""
    assert_eq "$stderr" "sem_counter: shm_open $XNAME-counter: File exists"
    assert_eq "$(cat "/dev/shm/${XNAME#/}-counter")" "not yours"
    rm "/dev/shm/${XNAME#/}-counter"

    # The semaphore name is taken (by a waiting sem_value): the counter, already made, is
    # removed by the atexit handler when sem_open fails; the other program's semaphore stays.
    start_waiting_sem_value -n "$XNAME-mutex"
    run -1 --separate-stderr timeout 10 "$P/sem_counter" -n "$XNAME" -i 10
    assert_eq "$output" ""
    assert_eq "$stderr" "sem_counter: sem_open $XNAME-mutex: File exists
sem_counter: on the way out: removed $XNAME-counter"
    object_gone "$XNAME-counter"
    [[ -e /dev/shm/sem.${XNAME#/}-mutex ]] || fail "the other program's semaphore was removed"
    run -1 --separate-stderr timeout 10 "$P/sem_value" -n "$XNAME-mutex"
    assert_eq "$stderr" "sem_value: sem_open $XNAME-mutex: File exists"
}

# bats test_tags=task:2,points:2
@test "sem_permits: at most PERMITS inside at once, exactly PERMITS at some point, every worker ran" {
    run -0 --separate-stderr timeout 20 "$P/sem_permits"
    assert_readme_output "$README" sem_permits
    assert_eq "$stderr" ""
    assert_eq "${lines[1]}" "most inside at once: 3 (permits: 3)"
    assert_eq "${lines[2]}" "workers that ran: 8 of 8"
    [[ ${lines[0]} =~ (/posixlabs-07-[0-9]+)-permits ]]
    local base=${BASH_REMATCH[1]} s
    for s in permits mutex gate; do
        semaphore_gone "$base-$s"
    done

    local pw p w
    for pw in 1:1 1:4 2:2 4:9 5:32 32:32; do
        p=${pw%:*}
        w=${pw#*:}
        run -0 --separate-stderr timeout 20 "$P/sem_permits" -p "$p" -w "$w" -n "$XNAME"
        assert_eq "${lines[0]}" "sem_permits: permits $p (the value of $XNAME-permits), worker processes $w"
        assert_eq "${lines[1]}" "most inside at once: $p (permits: $p)"
        assert_eq "${lines[2]}" "workers that ran: $w of $w"
        assert_eq "${lines[3]}" "removed the semaphores $XNAME-*"
        assert_eq "$stderr" ""
    done
    assert_eq "$(zombies_of $$)" ""
}

# bats test_tags=task:2
@test "sem_permits -v: the trace of ins and outs never has more than PERMITS inside" {
    local p=3 w=12 line id inside=0 most=0 ins=0 outs=0
    local -A where=()
    run -0 --separate-stderr timeout 20 "$P/sem_permits" -p $p -w $w -v
    assert_eq "${#lines[@]}" $((2 * w + 4))
    for line in "${lines[@]:1:2*w}"; do
        if [[ $line =~ ^worker\ ([0-9]+):\ in,\ \ ([0-9]+)\ inside$ ]]; then
            id=${BASH_REMATCH[1]}
            [[ -z ${where[$id]:-} ]] || fail "worker $id came in twice: $line"
            where[$id]=in
            inside=$((inside + 1))
            ins=$((ins + 1))
        elif [[ $line =~ ^worker\ ([0-9]+):\ out,\ ([0-9]+)\ inside$ ]]; then
            id=${BASH_REMATCH[1]}
            [[ ${where[$id]:-} == in ]] || fail "worker $id went out without being in: $line"
            where[$id]=out
            inside=$((inside - 1))
            outs=$((outs + 1))
        else
            fail "not an in or out line: $line"
        fi
        assert_eq "${BASH_REMATCH[2]}" "$inside"
        ((inside <= p)) || fail "$inside workers inside with $p permits: $line"
        if ((inside > most)); then
            most=$inside
        fi
    done
    assert_eq "$ins $outs $inside $most" "$w $w 0 $p"
    assert_eq "${lines[2 * w + 1]}" "most inside at once: $p (permits: $p)"
    assert_eq "${lines[2 * w + 2]}" "workers that ran: $w of $w"
}

@test "sem_unnamed: parent and child alternate strictly, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/sem_unnamed"
    assert_readme_output "$README" sem_unnamed
    assert_eq "$stderr" ""
    local r=50 i parent child
    run -0 --separate-stderr timeout 20 "$P/sem_unnamed" -r $r
    assert_eq "${#lines[@]}" $((2 * r + 2))
    [[ ${lines[0]} =~ ^parent\ ([0-9]+): ]]
    parent=${BASH_REMATCH[1]}
    [[ ${lines[2]} =~ ^\ \ child\ ([0-9]+): ]]
    child=${BASH_REMATCH[1]}
    for ((i = 1; i <= r; i++)); do
        assert_eq "${lines[2 * i - 1]}" "parent $parent: ping $i"
        assert_eq "${lines[2 * i]}" "  child $child: pong $i"
    done
}

# bats test_tags=task:3,points:2
@test "sem_value: wait, post, getvalue, trywait (EAGAIN), timedwait (ETIMEDOUT), as in the README" {
    run -0 --separate-stderr timeout 10 "$P/sem_value"
    assert_readme_output "$README" sem_value
    assert_eq "$stderr" ""
    [[ ${lines[0]} =~ ^created\ semaphore\ (/posixlabs-07-[0-9]+)\  ]]
    semaphore_gone "${BASH_REMATCH[1]}"

    run -0 --separate-stderr timeout 10 "$P/sem_value" -v 0 -t 20 -n "$XNAME"
    assert_eq "${lines[0]}" "created semaphore $XNAME (the file /dev/shm/sem.${XNAME#/}) with value 0"
    assert_eq "${lines[1]}" "sem_getvalue (get_value): 0"
    assert_match "${lines[2]}" '^sem_trywait \(acquire\(block=False\)\): EAGAIN '
    assert_eq "${lines[3]}" "sem_timedwait (acquire(timeout=0.02)), timeout 20 ms ..."
    assert_match "${lines[4]}" '^ETIMEDOUT after [0-9]+ ms: no unit came$'
    assert_eq "${lines[5]}" "sem_post (release): value 1"
    assert_eq "${lines[6]}" "sem_timedwait: got the unit at once, value 0"
    assert_eq "${lines[7]}" "removed $XNAME"
    semaphore_gone "$XNAME"

    run -0 --separate-stderr timeout 10 "$P/sem_value" -v 10 -t 20
    assert_eq "$(printf '%s\n' "${lines[@]}" | grep -c '^sem_wait (acquire): value ')" 10
    assert_eq "${lines[11]}" "sem_wait (acquire): value 0"
    assert_eq "${lines[-2]}" "sem_post (release): value 10"
}

# bats test_tags=task:3
@test "sem_value: SIGTERM or SIGINT while it waits removes the semaphore, and it dies of the signal" {
    local out=$BATS_TEST_TMPDIR/sem_value.out
    start_waiting_sem_value
    assert_eq "$NAME" "/posixlabs-07-$BG_PID"
    [[ -e /dev/shm/sem.${NAME#/} ]] || fail "no /dev/shm/sem.${NAME#/} while it waits"
    kill -TERM "$BG_PID"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 143
    output=$(cat "$out.err")
    assert_readme_output "$README" sem_value-killed
    assert_eq "$output" "sem_value: SIGTERM: removed $NAME"
    semaphore_gone "$NAME"

    start_waiting_sem_value -n "$XNAME"
    kill -INT "$BG_PID"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 130
    assert_eq "$(cat "$out.err")" "sem_value: SIGINT: removed $XNAME"
    semaphore_gone "$XNAME"
}

@test "no semaphore or shared memory object is left behind by any program, even one killed" {
    local before after
    before=$(lab_objects)
    run -0 timeout 20 "$P/sem_counter" -i 1000
    run -0 timeout 20 "$P/sem_permits"
    run -0 timeout 20 "$P/sem_permits" -v -p 2 -w 5
    run -0 timeout 10 "$P/sem_unnamed"
    run -0 timeout 10 "$P/sem_value" -t 10
    start_waiting_sem_value
    assert_contains "$(lab_objects)" "sem.${NAME#/}"
    kill -INT "$BG_PID"
    wait_exit "$BG_PID"
    start_busy_sem_counter
    kill -TERM "$BG_PID"
    wait_exit "$BG_PID" 10
    after=$(lab_objects)
    assert_eq "$after" "$before"
}

@test "valgrind: no memory error and no descriptor left open in any program" {
    vg "$P/sem_counter" -i 1000
    vg "$P/sem_permits"
    vg "$P/sem_unnamed"
    vg "$P/sem_value" -t 10
}
