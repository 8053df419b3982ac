# Tests of labs/05-mqueue: POSIX message queues.
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

LAB=labs/05-mqueue
PROGS=(mq_producer_consumer mq_nonblock mq_timeout mq_info)

setup() {
    P=$BIN/$LAB
    README=$TOP/$LAB/README.md
    # A name of our own for tests that pass -n: unique per run and per test.
    QNAME=/posixlabs-05-t$$-$BATS_TEST_NUMBER
}

# The message queues of this lab that exist now, one name a line (fails where they cannot
# be listed).
lab_queues() {
    mqueue_names posixlabs-05-
}

# Succeeds if the queue NAME exists (mq_info -o opens it without creating it).
queue_exists() {
    timeout 10 "$P/mq_info" -o "$1" >/dev/null 2>&1
}

# Fails if the queue NAME still exists.
queue_gone() {
    if queue_exists "$1"; then
        fail "message queue $1 was left behind"
        return 1
    fi
}

# Start mq_timeout blocked in mq_timedreceive for a minute; sets BG_PID and NAME.
start_waiting_mq_timeout() {
    local out=$BATS_TEST_TMPDIR/mq_timeout.out line
    start_bg "$out" "$P/mq_timeout" -t 60000 "$@"
    line=$(wait_for_line_of "$BG_PID" "$out" '^created ') || return 1
    [[ $line =~ ^created\ (/[^,]+), ]] || { fail "bad first line: $line"; return 1; }
    NAME=${BASH_REMATCH[1]}
    wait_for_line_of "$BG_PID" "$out" '^mq_timedreceive from the empty queue' >/dev/null || return 1
    # Asleep in mq_timedreceive: a signal sent now interrupts the call.
    wait_for_state "$BG_PID" S
}

@test "every program: -h exits 0 with its usage, bad usage exits 2" {
    local p
    for p in "${PROGS[@]}"; do
        assert_usage "$P/$p"
        run -2 --separate-stderr timeout 5 "$P/$p" extra
        assert_eq "${stderr_lines[0]}" "$p: no arguments expected"
        run -2 --separate-stderr timeout 5 "$P/$p" -n no-slash
        assert_eq "${stderr_lines[0]}" \
            "$p: bad name 'no-slash' (expected '/' then 1 to 200 characters, no other '/')"
        run -2 --separate-stderr timeout 5 "$P/$p" -n /a/b
        assert_match "${stderr_lines[0]}" "^$p: bad name '/a/b'"
    done
    run -2 --separate-stderr timeout 5 "$P/mq_nonblock" -m 11
    assert_eq "${stderr_lines[0]}" \
        "mq_nonblock: bad maximum number of messages '11' (expected a whole number from 1 to 10)"
    run -2 --separate-stderr timeout 5 "$P/mq_info" -s 8193
    assert_match "${stderr_lines[0]}" "^mq_info: bad message size '8193'"
    run -2 --separate-stderr timeout 5 "$P/mq_timeout" -t 0
    assert_match "${stderr_lines[0]}" "^mq_timeout: bad timeout in milliseconds '0'"
    run -2 --separate-stderr timeout 5 "$P/mq_timeout" -t
    assert_eq "${stderr_lines[0]}" "mq_timeout: option -t needs an argument"
}

# bats test_tags=task:1,points:2
@test "mq_producer_consumer: highest priority first, FIFO within a priority, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/mq_producer_consumer"
    assert_readme_output "$README" mq_producer_consumer
    assert_eq "$stderr" ""
    # Three processes: the queue is named after the parent; producer and consumer differ.
    [[ ${lines[0]} =~ ^parent\ ([0-9]+):\ created\ queue\ /posixlabs-05-([0-9]+)\  ]]
    local parent=${BASH_REMATCH[1]}
    assert_eq "${BASH_REMATCH[2]}" "$parent"
    [[ ${lines[1]} =~ ^producer\ ([0-9]+): ]]
    local producer=${BASH_REMATCH[1]}
    [[ ${lines[10]} =~ ^consumer\ ([0-9]+): ]]
    local consumer=${BASH_REMATCH[1]}
    [[ $producer != "$parent" && $consumer != "$parent" && $consumer != "$producer" ]] ||
        fail "parent $parent, producer $producer, consumer $consumer: not three processes"
    assert_eq "$(printf '%s\n' "${lines[@]}" | grep -c "^producer $producer: sent ")" 8
    assert_eq "$(printf '%s\n' "${lines[@]}" | grep -c "^consumer $consumer: got ")" 8
    assert_eq "${lines[19]}" "parent $parent: removed queue /posixlabs-05-$parent"
    queue_gone "/posixlabs-05-$parent"
    assert_eq "$(zombies_of $$)" ""
}

@test "mq_producer_consumer -n: uses that name, removes it, and never removes a queue it did not create" {
    run -0 --separate-stderr timeout 10 "$P/mq_producer_consumer" -n "$QNAME"
    assert_match "${lines[0]}" "^parent [0-9]+: created queue $QNAME \(maxmsg 8, msgsize 64\)$"
    assert_match "${lines[19]}" "^parent [0-9]+: removed queue $QNAME$"
    queue_gone "$QNAME"

    # A queue of that name exists already (another program's): O_EXCL fails, and the
    # program must leave that queue alone.
    start_waiting_mq_timeout -n "$QNAME"
    run -1 --separate-stderr timeout 10 "$P/mq_producer_consumer" -n "$QNAME"
    assert_eq "$output" ""
    assert_eq "$stderr" "mq_producer_consumer: mq_open $QNAME: File exists"
    queue_exists "$QNAME"
    kill -TERM "$BG_PID"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 143
    queue_gone "$QNAME"
}

@test "mq_nonblock: EAGAIN on the full and on the empty queue, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/mq_nonblock"
    assert_readme_output "$README" mq_nonblock
    assert_eq "$stderr" ""
    [[ ${lines[0]} =~ ^created\ (/posixlabs-05-[0-9]+)\  ]]
    queue_gone "${BASH_REMATCH[1]}"
}

@test "mq_nonblock -m: full after exactly MAXMSG messages, empty after MAXMSG" {
    local m
    for m in 1 10; do
        run -0 --separate-stderr timeout 10 "$P/mq_nonblock" -m "$m" -n "$QNAME"
        assert_eq "${lines[0]}" "created $QNAME with O_NONBLOCK and maxmsg $m"
        assert_eq "$(printf '%s\n' "${lines[@]}" | grep -c '^put "msg [0-9]*": ok$')" "$m"
        assert_eq "${lines[m + 1]}" "put \"msg $((m + 1))\": EAGAIN (Resource temporarily unavailable): the queue is full (Python: queue.Full)"
        assert_eq "${lines[m + 2]}" 'get: "msg 1"'
        assert_eq "${lines[2 * m + 1]}" "get: \"msg $m\""
        assert_match "${lines[2 * m + 2]}" '^get: EAGAIN .*: the queue is empty'
        assert_eq "${#lines[@]}" $((2 * m + 4))
        queue_gone "$QNAME"
    done
}

# bats test_tags=task:2,points:2
@test "mq_timeout: ETIMEDOUT receiving from an empty queue and sending to a full one, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/mq_timeout"
    assert_readme_output "$README" mq_timeout
    assert_eq "$stderr" ""
    run -0 --separate-stderr timeout 10 "$P/mq_timeout" -t 30 -n "$QNAME"
    assert_eq "${lines[1]}" "mq_timedreceive from the empty queue, timeout 30 ms ..."
    assert_match "${lines[2]}" '^ETIMEDOUT after [0-9]+ ms: nothing came \(Python: q.get\(timeout=0.03\) raises queue.Empty\)$'
    assert_match "${lines[5]}" '^ETIMEDOUT after [0-9]+ ms: no room was made '
    assert_eq "${lines[6]}" 'mq_timedreceive: got "first" at once'
    queue_gone "$QNAME"
}

# bats test_tags=task:2
@test "mq_timeout: SIGTERM or SIGINT while it waits removes the queue, and it dies of the signal" {
    start_waiting_mq_timeout
    local out=$BATS_TEST_TMPDIR/mq_timeout.out
    assert_eq "$NAME" "/posixlabs-05-$BG_PID"
    run -0 timeout 10 "$P/mq_info" -o "$NAME"
    assert_eq "$output" "$NAME: maxmsg 1, msgsize 64, curmsgs 0"
    kill -TERM "$BG_PID"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 143
    output=$(cat "$out.err")
    assert_readme_output "$README" mq_timeout-killed
    assert_eq "$output" "mq_timeout: SIGTERM: removed $NAME"
    queue_gone "$NAME"

    start_waiting_mq_timeout -n "$QNAME"
    kill -INT "$BG_PID"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 130
    assert_eq "$(cat "$out.err")" "mq_timeout: SIGINT: removed $QNAME"
    queue_gone "$QNAME"
}

@test "mq_info: the limits, then qsize/empty/full while filling and emptying, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/mq_info"
    assert_readme_output "$README" mq_info
    assert_eq "$stderr" ""
    local d=/proc/sys/fs/mqueue
    assert_eq "${lines[0]}" "limits in /proc/sys/fs/mqueue: msg_max $(cat $d/msg_max), msgsize_max $(cat $d/msgsize_max), queues_max $(cat $d/queues_max)"
    local q
    q=$(ulimit -q)
    if [[ $q == unlimited ]]; then
        assert_eq "${lines[1]}" "RLIMIT_MSGQUEUE (ulimit -q): unlimited"
    else
        assert_eq "${lines[1]}" "RLIMIT_MSGQUEUE (ulimit -q): $q bytes for all the queues of this user"
    fi

    # The largest queue the default limits allow, for everyone.
    run -0 --separate-stderr timeout 10 "$P/mq_info" -m 10 -s 8192 -n "$QNAME"
    assert_eq "${lines[2]}" "created $QNAME: maxmsg 10, msgsize 8192"
    assert_eq "${lines[13]}" 'put "item 10":    curmsgs 10 of 10  (qsize() 10, empty() False, full() True)'
    assert_eq "${lines[23]}" 'get "item 10":    curmsgs 0 of 10  (qsize() 0, empty() True, full() False)'
    queue_gone "$QNAME"
}

@test "mq_info: over RLIMIT_MSGQUEUE mq_open fails with EMFILE, as in the README" {
    # shellcheck disable=SC2016  # expanded by the inner bash
    run -1 --separate-stderr timeout 10 bash -c 'ulimit -q 300 && exec "$0"' "$P/mq_info"
    output=$stderr
    assert_readme_output "$README" mq_info-rlimit
    assert_eq "${#stderr_lines[@]}" 1
}

@test "mq_info -o: prints an existing queue's attributes, and fails for a missing one" {
    run -1 --separate-stderr timeout 10 "$P/mq_info" -o "$QNAME"
    assert_eq "$output" ""
    assert_eq "$stderr" "mq_info: mq_open $QNAME: No such file or directory"
    start_waiting_mq_timeout -n "$QNAME"
    run -0 --separate-stderr timeout 10 "$P/mq_info" -o "$QNAME"
    assert_eq "$output" "$QNAME: maxmsg 1, msgsize 64, curmsgs 0"
    queue_exists "$QNAME" # -o did not remove it
}

@test "no message queue is left behind by any program, even one killed while it waits" {
    local before after
    before=$(lab_queues) || skip "cannot list message queues here (mount -t mqueue needs root)"
    run -0 timeout 10 "$P/mq_producer_consumer"
    run -0 timeout 10 "$P/mq_nonblock"
    run -0 timeout 10 "$P/mq_timeout" -t 10
    run -0 timeout 10 "$P/mq_info"
    # shellcheck disable=SC2016  # expanded by the inner bash
    run -1 timeout 10 bash -c 'ulimit -q 300 && exec "$0"' "$P/mq_info"
    start_waiting_mq_timeout
    # While it runs, its queue is listed...
    assert_contains "$(lab_queues)" "${NAME#/}"
    kill -INT "$BG_PID"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 130
    # ...and afterwards no queue of this lab is left, and nothing in /dev/shm either.
    after=$(lab_queues)
    assert_eq "$after" "$before"
    assert_eq "$(find /dev/shm -maxdepth 1 -name '*posixlabs-05-*')" ""
}

@test "valgrind: no memory error and no descriptor left open in any program" {
    vg "$P/mq_producer_consumer"
    vg "$P/mq_nonblock"
    vg "$P/mq_timeout" -t 10
    vg "$P/mq_info"
    vg "$P/mq_info" -m 10 -s 8192
}
