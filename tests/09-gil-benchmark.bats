# Tests of lab 09: gil_bench, the efficiency test (效率测试) with a GIL mode.
# Timings are never asserted (the machine is shared); what every mode computes is, exactly.
# bats file_tags=tsan
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

setup() {
    PROG=$BIN/labs/09-gil-benchmark/gil_bench
    README=$TOP/labs/09-gil-benchmark/README.md
}

# The table row of MODE in $output: "MODE cpu ratio io ratio", numbers checked for shape.
row_re() {
    printf '^%s +[0-9]+\\.[0-9]{3} +[0-9]+\\.[0-9]{2}x +[0-9]+\\.[0-9]{3} +[0-9]+\\.[0-9]{2}x$' "$1"
}

@test "gil_bench -h prints the usage and exits 0" {
    run -0 --separate-stderr timeout 10 "$PROG" -h
    assert_eq "${lines[0]}" "usage: gil_bench [-w WORKERS] [-n LIMIT] [-s INTERVAL] [-r REQUESTS] [-d MS]"
    assert_eq "$stderr" ""
}

@test "gil_bench: bad usage exits 2 with a message on stderr" {
    run -2 --separate-stderr timeout 10 "$PROG" -x
    assert_eq "${stderr_lines[0]}" "gil_bench: unknown option -x"
    assert_eq "${stderr_lines[1]}" "Try 'gil_bench -h' for help."
    assert_eq "$output" ""
    run -2 --separate-stderr timeout 10 "$PROG" -w 0
    assert_eq "${stderr_lines[0]}" "gil_bench: bad number of workers '0' (expected a whole number from 1 to 64)"
    run -2 --separate-stderr timeout 10 "$PROG" -m serial,fibers
    assert_eq "${stderr_lines[0]}" "gil_bench: unknown mode 'fibers' (modes: serial,threads,processes,gil)"
    run -2 --separate-stderr timeout 10 "$PROG" -m ,
    assert_eq "${stderr_lines[0]}" "gil_bench: no mode given (modes: serial,threads,processes,gil)"
    run -2 --separate-stderr timeout 10 "$PROG" -n
    assert_eq "${stderr_lines[0]}" "gil_bench: option -n needs an argument"
    run -2 --separate-stderr timeout 10 "$PROG" extra
    assert_eq "${stderr_lines[0]}" "gil_bench: no arguments expected"
}

@test "gil_bench: a small run matches the README, every mode with the same exact results" {
    run -0 --separate-stderr timeout 30 "$PROG" -w 3 -n 1000 -s 100 -r 2 -d 1
    assert_eq "$stderr" ""
    assert_readme_output "$README" small
    # pi(1000) = 168 primes, 3 workers; io: the answers 2k+1 for k < 3*2 sum to 6^2 = 36.
    assert_eq "${lines[8]}" "results, the same in every mode: cpu 504 (168 primes below 1000, 3 times), io 36"
    local m
    for m in serial threads processes 'threads\+GIL'; do
        assert_line_matches "$(row_re "$m")"
    done
}

@test "gil_bench: the default run has the README's shape and computes pi(10^6) = 78498 ten times" {
    run -0 --separate-stderr timeout 120 "$PROG"
    assert_eq "$stderr" ""
    assert_readme_output "$README" default
    assert_eq "${lines[8]}" "results, the same in every mode: cpu 784980 (78498 primes below 1000000, 10 times), io 10000"
}

@test "gil_bench: larger sums are exact too (pi(10^5) = 9592; io (4*3)^2 = 144)" {
    run -0 --separate-stderr timeout 60 "$PROG" -w 4 -n 100000 -s 1000 -r 3 -d 1
    assert_line_matches '^results, the same in every mode: cpu 38368 \(9592 primes below 100000, 4 times\), io 144$'
}

# bats test_tags=task:1
@test "gil_bench -m runs only the modes asked for, in the table's order" {
    run -0 --separate-stderr timeout 30 "$PROG" -w 2 -n 1000 -r 1 -d 0 -m gil,serial
    assert_eq "${#lines[@]}" 8
    assert_match "${lines[4]}" "$(row_re serial)"
    assert_match "${lines[5]}" "$(row_re 'threads\+GIL')"
}

# bats test_tags=task:2
@test "gil_bench -m processes: only that mode, and without serial the ratio columns say -" {
    # Without serial there is nothing to compare with: the ratio columns say "-".
    run -0 --separate-stderr timeout 30 "$PROG" -w 2 -n 1000 -r 1 -d 0 -m processes
    assert_match "${lines[4]}" '^processes +[0-9]+\.[0-9]{3} +- +[0-9]+\.[0-9]{3} +-$'
    refute_gil_line
}

# bats test_tags=task:1
@test "gil_bench -m serial,gil: threads under the GIL compute exactly what serial does" {
    run -0 --separate-stderr timeout 60 "$PROG" -w 4 -n 100000 -s 1000 -r 3 -d 1 -m serial,gil
    assert_eq "$stderr" ""
    assert_eq "${#lines[@]}" 8
    assert_match "${lines[4]}" "$(row_re serial)"
    assert_match "${lines[5]}" "$(row_re 'threads\+GIL')"
    assert_eq "${lines[6]}" "results, the same in every mode: cpu 38368 (9592 primes below 100000, 4 times), io 144"
    assert_match "${lines[7]}" '^the GIL \(fair hand-off\) changed hands [0-9]+ times in the cpu task, [0-9]+ in the io task$'
}

# bats test_tags=task:2,points:2
@test "gil_bench -m serial,processes: one process per worker, every result back through the pipe" {
    run -0 --separate-stderr timeout 60 "$PROG" -w 4 -n 100000 -r 3 -d 1 -m serial,processes
    assert_eq "$stderr" ""
    assert_eq "${#lines[@]}" 7
    assert_match "${lines[4]}" "$(row_re serial)"
    assert_match "${lines[5]}" "$(row_re processes)"
    assert_eq "${lines[6]}" "results, the same in every mode: cpu 38368 (9592 primes below 100000, 4 times), io 144"
    # 64 children write into one pipe at once: every record arrives whole (pi(1000) = 168;
    # io: the answers 2k+1 for k < 64 sum to 64^2).
    run -0 --separate-stderr timeout 60 "$PROG" -w 64 -n 1000 -r 1 -d 0 -m serial,processes
    assert_eq "$stderr" ""
    assert_eq "${lines[6]}" "results, the same in every mode: cpu 10752 (168 primes below 1000, 64 times), io 4096"
    assert_eq "$(zombies_of $$)" ""
}

has_children() {
    (($(children_of "$1" | wc -l) == $2))
}

refute_gil_line() {
    local l
    for l in "${lines[@]}"; do
        [[ $l != "the GIL"* ]] || fail "unexpected GIL line: $l"
    done
}

@test "gil_bench -C prints one CSV row per task and mode, for bench/" {
    run -0 --separate-stderr timeout 30 "$PROG" -C -w 2 -n 1000 -r 1 -d 0
    assert_eq "$stderr" ""
    assert_eq "${#lines[@]}" 8
    local i want=("cpu,serial" "cpu,threads" "cpu,processes" "cpu,threads+GIL"
        "io,serial" "io,threads" "io,processes" "io,threads+GIL")
    for i in "${!want[@]}"; do
        assert_match "${lines[$i]}" "^${want[$i]//+/\\+},[0-9]+\\.[0-9]{6}$"
    done
}

# bats test_tags=task:1,points:2
@test "gil_bench: the fair GIL hands off at every switch; -U uses a plain mutex" {
    # 2 workers, 20000 numbers each, a switch every 100: at least the hand-offs that
    # happen once both threads are waiting; the exact count depends on thread start-up.
    run -0 --separate-stderr timeout 60 "$PROG" -w 2 -n 20000 -s 100 -r 2 -d 1 -m gil
    [[ ${lines[-1]} =~ ^the\ GIL\ \(fair\ hand-off\)\ changed\ hands\ ([0-9]+)\ times\ in\ the\ cpu\ task,\ ([0-9]+)\ in\ the\ io\ task$ ]] ||
        fail "bad GIL line: ${lines[-1]}"
    ((BASH_REMATCH[1] > 0)) || fail "the fair GIL never changed hands"
    run -0 --separate-stderr timeout 60 "$PROG" -w 2 -n 20000 -s 100 -r 2 -d 1 -m gil -U
    assert_match "${lines[-1]}" '^the GIL \(plain mutex\) changed hands [0-9]+ times in the cpu task, [0-9]+ in the io task$'
    assert_line_matches '^results, the same in every mode: cpu 4524 \(2262 primes below 20000, 2 times\), io 16$'
}

@test "gil_bench: the io task really blocks - peers sleep, the worker waits in read (state S)" {
    # serial io: 3 workers x 100 requests x 200 ms = 60 s of waiting on the peers; we look,
    # then end it (the peers see end-of-file, or SIGPIPE, and exit on their own).
    start_bg "$BATS_TEST_TMPDIR/out" "$PROG" -w 3 -n 10 -r 100 -d 200 -m serial
    wait_for_line "$BATS_TEST_TMPDIR/out" '^io task:' >/dev/null
    wait_until 10 has_children "$BG_PID" 3
    local p peers
    peers=$(children_of "$BG_PID")
    for p in $peers; do
        wait_for_state "$p" S # in read(), waiting for a request, or in nanosleep()
    done
    wait_for_state "$BG_PID" S # in read(), waiting for an answer: not spinning (R)
    stop_bg "$BG_PID" || true # (under set -e, the wait inside returns the signal status)
    for p in $peers; do
        wait_gone "$p"
    done
}
