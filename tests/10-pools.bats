# Tests of lab 10: process_pool, thread_pool (pools fed through a queue) and pool_cost.
# Which worker runs which task varies from run to run; the tests check what cannot vary:
# every result, their order, that only the pool's workers ever run tasks, and the
# processes, threads and file descriptors the system shows.
# bats file_tags=tsan
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

setup() {
    LAB=$BIN/labs/10-pools
    README=$TOP/labs/10-pools/README.md
}

# "0 1 4 9 ... (n-1)^2"
squares() {
    local i s=""
    for ((i = 0; i < $1; i++)); do
        s+="${s:+ }$((i * i))"
    done
    printf '%s\n' "$s"
}

# stopped_or_ended PID: PID is stopped (state T), or has ended
stopped_or_ended() { _state_in "$1" T || _ended "$1"; }

has_children() {
    (($(children_of "$1" | wc -l) == $2))
}

@test "the three programs print their usage with -h and exit 2 on bad usage" {
    local p
    for p in process_pool thread_pool pool_cost; do
        assert_usage "$LAB/$p"
        run -2 --separate-stderr timeout 10 "$LAB/$p" -w 0
        assert_eq "${stderr_lines[0]}" "$p: bad number of workers '0' (expected a whole number from 1 to 64)"
        run -2 --separate-stderr timeout 10 "$LAB/$p" stray
        assert_eq "${stderr_lines[0]}" "$p: no arguments expected"
    done
}

# bats test_tags=task:1,points:2
@test "process_pool: matches the README; only the pool's workers run tasks, results in order" {
    run -0 --separate-stderr timeout 30 "$LAB/process_pool"
    assert_eq "$stderr" ""
    assert_readme_output "$README" process_pool
    local -a pids
    read -r -a pids <<<"${lines[0]#pool: 3 worker processes, forked once: }"
    assert_eq "${#pids[@]}" 3
    assert_eq "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" 3
    local i total=0
    for i in 0 1 2 3 4 5 6 7; do
        [[ ${lines[$((i + 2))]} =~ ^get:\ square\($i\)\ =\ $((i * i)),\ run\ by\ worker\ ([0-2])\ \(pid\ ([0-9]+)\)$ ]] ||
            fail "bad get line: ${lines[$((i + 2))]}"
        assert_eq "${BASH_REMATCH[2]}" "${pids[${BASH_REMATCH[1]}]}"
    done
    assert_eq "${lines[10]}" "map: square over 0 .. 7 = $(squares 8)"
    for i in 0 1 2; do
        [[ ${lines[$((i + 11))]} =~ ^worker\ $i\ \(pid\ ${pids[$i]}\)\ ran\ ([0-8])\ of\ the\ 8\ apply_async\ tasks$ ]] ||
            fail "bad worker line: ${lines[$((i + 11))]}"
        total=$((total + BASH_REMATCH[1]))
    done
    assert_eq "$total" 8
}

# bats test_tags=task:1
@test "process_pool: the workers are forked once, hold only their ends of the channels" {
    # The parent is stopped (SIGSTOP) while we look, so it cannot finish meanwhile; its
    # workers, with nothing left to do, wait in recv() for a task.
    start_bg "$BATS_TEST_TMPDIR/out" "$LAB/process_pool" -w 3 -n 6 -t 200
    wait_for_line_of "$BG_PID" "$BATS_TEST_TMPDIR/out" '^apply_async: ' >/dev/null
    kill -STOP "$BG_PID"
    wait_for_state "$BG_PID" T
    local -a pids
    read -r -a pids <<<"$(head -n1 "$BATS_TEST_TMPDIR/out" | sed 's/^pool: 3 worker processes, forked once: //')"
    assert_eq "$(children_of "$BG_PID" | sort -n | tr '\n' ' ')" "$(printf '%s\n' "${pids[@]}" | sort -n | tr '\n' ' ')"
    # stdin, stdout, stderr + one end of the task queue + one end of the result pipe:
    # had anyone kept the other ends, the workers would never see end-of-file.
    assert_eq "$(fd_count "$BG_PID")" 5
    local p
    for p in "${pids[@]}"; do
        assert_eq "$(fd_count "$p")" 5
    done
    assert_eq "$(zombies_of "$BG_PID")" ""
    kill -CONT "$BG_PID"
    wait_exit "$BG_PID" 30
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n1 "$BATS_TEST_TMPDIR/out")" "close, join: 3 workers exited and were reaped; 12 tasks, 3 forks"
    for p in "${pids[@]}"; do
        [[ ! -e /proc/$p ]] || fail "worker $p is still there"
    done
}

# bats test_tags=task:1,points:2
@test "process_pool: 5000 tasks through a full queue - submit collects results, no deadlock" {
    # 5000 results (24 bytes each) overflow the 64 KiB result pipe while the parent is still
    # submitting: without collecting results while the queue is full, this would hang.
    run -0 --separate-stderr timeout 60 "$LAB/process_pool" -w 2 -n 5000 -t 0
    assert_eq "$stderr" ""
    assert_eq "${#lines[@]}" 5006
    assert_eq "${lines[5002]}" "map: square over 0 .. 4999 = $(squares 5000)"
    assert_eq "${lines[5001]%%,*}" "get: square(4999) = 24990001"
    assert_eq "${lines[-1]}" "close, join: 2 workers exited and were reaped; 10000 tasks, 2 forks"
}

# bats test_tags=task:2,points:2
@test "thread_pool: matches the README; results in order; worker numbers in range" {
    run -0 --separate-stderr timeout 30 "$LAB/thread_pool"
    assert_eq "$stderr" ""
    assert_readme_output "$README" thread_pool
    local i total=0
    for i in 0 1 2 3 4 5 6 7; do
        assert_match "${lines[$((i + 2))]}" "^get: square\\($i\\) = $((i * i)), run by worker [0-2]$"
    done
    assert_eq "${lines[10]}" "map: square over 0 .. 7 = $(squares 8)"
    for i in 0 1 2; do
        [[ ${lines[$((i + 11))]} =~ ^worker\ $i\ ran\ ([0-8])\ of\ the\ 8\ submitted\ tasks$ ]] ||
            fail "bad worker line: ${lines[$((i + 11))]}"
        total=$((total + BASH_REMATCH[1]))
    done
    assert_eq "$total" 8
}

# bats test_tags=task:2
@test "thread_pool: WORKERS + 1 threads from start to end (/proc/PID/task)" {
    # Stopped (SIGSTOP) while we look, twice: after submitting, and during map.
    start_bg "$BATS_TEST_TMPDIR/out" "$LAB/thread_pool" -w 5 -n 10 -t 200
    wait_for_line_of "$BG_PID" "$BATS_TEST_TMPDIR/out" '^submit: ' >/dev/null
    kill -STOP "$BG_PID"
    # (A thread_pool that has failed may end just before it stops: then fail at once.)
    wait_until 5 stopped_or_ended "$BG_PID"
    _state_in "$BG_PID" T || fail "thread_pool $BG_PID is in state '$(proc_state "$BG_PID")', not T"
    local tasks=(/proc/"$BG_PID"/task/*) extra=0
    [[ $BIN != */build/tsan* ]] || extra=1 # TSan runs a background thread of its own
    assert_eq "${#tasks[@]}" $((6 + extra))
    kill -CONT "$BG_PID"
    wait_for_line "$BATS_TEST_TMPDIR/out" '^get: square\(9\)' >/dev/null
    kill -STOP "$BG_PID"
    wait_for_state "$BG_PID" T
    local again=(/proc/"$BG_PID"/task/*)
    assert_eq "${again[*]}" "${tasks[*]}"
    kill -CONT "$BG_PID"
    wait_exit "$BG_PID" 30
    assert_eq "$BG_STATUS" 0
    assert_eq "$(head -n1 "$BATS_TEST_TMPDIR/out")" "pool: 5 worker threads, created once"
    assert_eq "$(grep -c '^get: ' "$BATS_TEST_TMPDIR/out")" 10
    assert_eq "$(tail -n1 "$BATS_TEST_TMPDIR/out")" "close, join: 5 workers joined; 20 tasks, 5 pthread_create calls"
}

@test "pool_cost: four ways, one exact result; the table matches the README's shape" {
    run -0 --separate-stderr timeout 60 "$LAB/pool_cost"
    assert_eq "$stderr" ""
    assert_readme_output "$README" pool_cost
    # sum of i^2 for i < 2000 = 1999 * 2000 * 3999 / 6
    assert_eq "${lines[-1]}" "results: the same all four ways, sum of squares 2664667000"
    run -0 --separate-stderr timeout 60 "$LAB/pool_cost" -n 100 -w 3
    assert_eq "${lines[0]}" "pool_cost: 100 tiny tasks (square(x)), at most 3 at a time, $(getconf _NPROCESSORS_ONLN) cores"
    assert_eq "${lines[-1]}" "results: the same all four ways, sum of squares 328350"
}

@test "pool_cost -C prints the four CSV rows bench/pools reads" {
    run -0 --separate-stderr timeout 60 "$LAB/pool_cost" -C -n 50 -w 2
    assert_eq "$stderr" ""
    assert_eq "${#lines[@]}" 4
    assert_match "${lines[0]}" '^processes,fork per task,[0-9]+\.[0-9]{3}$'
    assert_match "${lines[1]}" '^processes,process pool,[0-9]+\.[0-9]{3}$'
    assert_match "${lines[2]}" '^threads,thread per task,[0-9]+\.[0-9]{3}$'
    assert_match "${lines[3]}" '^threads,thread pool,[0-9]+\.[0-9]{3}$'
}

# bats test_tags=task:3,points:2
@test "process_object: Python's Process in C - target/args, name, subclass, exitcode, is_alive, join(timeout), daemon" {
    run -0 --separate-stderr timeout 10 "$LAB/process_object"
    assert_eq "$stderr" ""
    assert_readme_output "$README" process_object
    [[ ${lines[0]} =~ ^greeter:\ pid\ ([0-9]+), ]]
    assert_eq "${lines[1]}" "main: greeter (pid ${BASH_REMATCH[1]}) joined, exitcode 0"
    [[ ${lines[6]} =~ after\ ([0-9]+)\ ms ]]
    ((BASH_REMATCH[1] >= 100 && BASH_REMATCH[1] < 2000)) ||
        fail "join(timeout=100 ms) took ${BASH_REMATCH[1]} ms"
    assert_usage "$LAB/process_object"
    run -2 timeout 10 "$LAB/process_object" extra
}

# bats test_tags=task:3
@test "process_object -H: the sleeper is a named child (ps -o comm); no zombie, no fd left" {
    local fifo=$BATS_TEST_TMPDIR/stdin out=$BATS_TEST_TMPDIR/out w
    mkfifo "$fifo"
    start_bg_stdin "$fifo" "$out" "$LAB/process_object" -H
    local pid=$BG_PID
    exec {w}>"$fifo"
    wait_for_line_of "$pid" "$out" '^main: holding' 20
    local line child
    line=$(grep -m1 '^main: sleeper (pid' "$out")
    [[ $line =~ pid\ ([0-9]+) ]]
    child=${BASH_REMATCH[1]}
    assert_eq "$(children_of "$pid")" "$child"
    assert_eq "$(cat "/proc/$child/comm")" sleeper
    assert_eq "$(ps -o comm= -p "$child")" sleeper
    assert_eq "$(proc_state "$child")" S
    # main holds stdin, stdout, stderr, the sleeper's sentinel and the release pipe's
    # write end: 5.
    assert_eq "$(fd_count "$pid")" 5
    exec {w}>&-
    wait_exit "$pid" 20
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n1 "$out")" \
        "main: spawner exited (0); its daemonic child was killed by signal 15 when it did"
    ! kill -0 "$child" 2>/dev/null || fail "the sleeper $child is still there"
}

@test "process_object: valgrind (children end with _exit, which closes their pipe ends)" {
    vg --parent-fds-only "$LAB/process_object"
}
