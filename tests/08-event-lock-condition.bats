# Tests of lab 08, labs/08-event-lock-condition: threads, Event, Lock, Condition.
# Threaded code: make check also runs this file against the ThreadSanitizer build.
# bats file_tags=tsan
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

LAB=labs/08-event-lock-condition
README=$TOP/$LAB/README.md
PROGRAMS=(threads_basics race event_demo lock_demo condition_demo producer_consumer pshared_sync)

# Under the TSan build (BIN=.../build/tsan) the deliberately racy `race -m none` must
# be reported by TSan instead of being run for its output.
tsan_build() {
    [[ $BIN == */build/tsan* ]]
}

# The lines of README block ID from the line matching ERE up to the block's end, or up
# to (not including) the next line matching END_ERE.
readme_section() {
    readme_block "$README" "$1" | awk -v from="$2" -v to="${3:-}" '
        $0 ~ from { on = 1; print; next }
        on && to != "" && $0 ~ to { exit }
        on { print }'
}

@test "every program: -h prints its usage and exits 0; bad usage exits 2" {
    local p
    for p in "${PROGRAMS[@]}"; do
        assert_usage "$BIN/$LAB/$p"
        run -2 --separate-stderr timeout 10 "$BIN/$LAB/$p" extra
        assert_eq "${stderr_lines[0]}" "$p: no arguments expected"
    done
}

@test "bad option values are usage errors (exit 2), never silently accepted" {
    local -a cases=(
        "threads_basics -n 0" "threads_basics -n 17" "race -t 0" "race -n 1x"
        "race -m locked" "event_demo -n 0" "event_demo -t 0" "lock_demo -m nope"
        "lock_demo -t -5" "condition_demo -m maybe" "condition_demo -n 17"
        "producer_consumer -p 0" "producer_consumer -c 65" "producer_consumer -s 0"
        "producer_consumer -n 1000001" "pshared_sync -n 0" "race -t"
    )
    local c
    for c in "${cases[@]}"; do
        # shellcheck disable=SC2086  # word splitting of the case is wanted
        set -- $c
        run -2 --separate-stderr timeout 10 "$BIN/$LAB/$1" "${@:2}"
        assert_eq "$output" ""
        assert_match "${stderr_lines[0]}" "^$1: (bad |option -t needs an argument)"
        assert_eq "${stderr_lines[1]}" "Try '$1 -h' for help."
    done
}

@test "threads_basics: one pid, a tid per thread, globals shared; output as in the README" {
    run -0 --separate-stderr timeout 30 "$BIN/$LAB/threads_basics"
    assert_readme_output "$README" threads-basics
    assert_eq "$stderr" ""
    [[ ${lines[0]} =~ ^main:\ pid\ ([0-9]+),\ tid\ ([0-9]+): ]] || fail "line 1: ${lines[0]}"
    local pid=${BASH_REMATCH[1]} i
    assert_eq "${BASH_REMATCH[2]}" "$pid"
    local -A seen=()
    for i in 1 2 3; do
        [[ ${lines[i + 2]} =~ ^main:\ joined\ worker-$i:\ pid\ ([0-9]+),\ tid\ ([0-9]+)\; ]] ||
            fail "line $((i + 3)): ${lines[i + 2]}"
        assert_eq "${BASH_REMATCH[1]}" "$pid"
        [[ ${BASH_REMATCH[2]} != "$pid" && -z ${seen[${BASH_REMATCH[2]}]:-} ]] ||
            fail "worker-$i's tid ${BASH_REMATCH[2]} is the pid or another worker's"
        seen[${BASH_REMATCH[2]}]=1
    done
}

@test "threads_basics -H: /proc/PID/task holds every thread, named; they end with the process" {
    local fifo=$BATS_TEST_TMPDIR/stdin out=$BATS_TEST_TMPDIR/out w
    mkfifo "$fifo"
    start_bg_stdin "$fifo" "$out" "$BIN/$LAB/threads_basics" -H -n 4
    local pid=$BG_PID
    exec {w}>"$fifo" # the program's stdin stays open until we close this
    wait_for_line "$out" '^main: holding until stdin is closed$' 20

    # main + 4 workers + the daemon; ThreadSanitizer adds its own background thread.
    local extra=0 t
    tsan_build && extra=1
    local -a tasks=("/proc/$pid/task/"*)
    assert_eq "${#tasks[@]}" $((6 + extra))
    assert_eq "$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")" $((6 + extra))
    assert_eq "$(cat "/proc/$pid/task/$pid/comm")" threads_basics
    local -A name_of=()
    local names=()
    for t in "${tasks[@]}"; do
        name_of[${t##*/}]=$(cat "$t/comm")
        names+=("${name_of[${t##*/}]}")
    done
    local sorted expected="daemon threads_basics worker-1 worker-2 worker-3 worker-4"
    tsan_build && expected="daemon threads_basics threads_basics worker-1 worker-2 worker-3 worker-4"
    sorted=$(printf '%s\n' "${names[@]}" | sort | paste -sd' ')
    assert_eq "$sorted" "$expected"
    assert_eq "$(fd_count "$pid")" 3

    exec {w}>&-
    wait_exit "$pid" 20
    assert_eq "$BG_STATUS" 0
    assert_eq "$(cat "$out.err")" ""
    # The tids the workers reported are the tasks that carried their names.
    local i line tid
    for i in 1 2 3 4; do
        line=$(grep "^main: joined worker-$i: " "$out") || fail "no line for worker-$i"
        [[ $line =~ pid\ $pid,\ tid\ ([0-9]+)\; ]] || fail "bad line: $line"
        tid=${BASH_REMATCH[1]}
        assert_eq "${name_of[$tid]:-none}" "worker-$i"
    done
    assert_eq "$(grep -c '^main: joined worker-' "$out")" 4
    assert_eq "$(zombies_of $$)" ""
}

# bats test_tags=task:1,points:2
@test "race: the locked total is exact, the unlocked one never too high (README)" {
    tsan_build && skip "TSan stops at the deliberate race; see the TSan test below"
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/race"
    assert_readme_output "$README" race
    assert_eq "$stderr" ""
    [[ ${lines[1]} =~ ^no\ mutex:\ \ \ total\ ([0-9]+),\ lost\ (-?[0-9]+)$ ]] || fail "${lines[1]}"
    local total=${BASH_REMATCH[1]} lost=${BASH_REMATCH[2]}
    assert_eq $((total + lost)) 4000000
    ((total <= 4000000 && lost >= 0)) || fail "more increments than were made: $total"

    run -0 --separate-stderr timeout 60 "$BIN/$LAB/race" -m none -t 2 -n 1000
    assert_eq "${#lines[@]}" 2
    assert_match "${lines[1]}" '^no mutex:   total [0-9]+, lost [0-9]+$'
}

# bats test_tags=task:1
@test "race -m mutex: exact for other thread and increment counts (also under TSan)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/race" -m mutex -t 3 -n 200000
    assert_eq "$output" "race: 3 threads each add 1 to a shared counter 200000 times: expected total 600000
with mutex: total 600000, lost 0"
    assert_eq "$stderr" ""
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/race" -m mutex -t 1 -n 7
    assert_eq "${lines[1]}" "with mutex: total 7, lost 0"
}

# Only for the TSan build: tests/run.sh leaves tests tagged tsan-only out of other builds.
# bats test_tags=tsan-only
@test "race -m none under ThreadSanitizer: the data race is reported" {
    tsan_build || fail "only for the TSan build (BIN=.../build/tsan): run.sh should have left it out"
    run -66 --separate-stderr timeout 60 "$BIN/$LAB/race" -m none -n 10000
    assert_eq "${lines[0]}" "race: 4 threads each add 1 to a shared counter 10000 times: expected total 40000"
    assert_contains "$stderr" "WARNING: ThreadSanitizer: data race"
    assert_contains "$stderr" "Location is global 'unlocked_counter'"
    assert_match "$stderr" "SUMMARY: ThreadSanitizer: data race [^ ]*race\.c:[0-9:]+ in add_unlocked"
}

# bats test_tags=task:2,points:2
@test "event_demo: set, clear, is_set, wait, and a time-out never shorter than asked (README)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/event_demo"
    assert_readme_output "$README" event-demo
    assert_eq "$stderr" ""
    [[ ${lines[10]} =~ after\ ([0-9]+)\ ms ]] || fail "${lines[10]}"
    ((BASH_REMATCH[1] >= 200)) || fail "timed out after ${BASH_REMATCH[1]} ms < 200 ms"

    run -0 --separate-stderr timeout 60 "$BIN/$LAB/event_demo" -n 5 -t 30
    [[ ${lines[10]} =~ ^main:\ wait\(30\ ms\)\ returned\ false\ after\ ([0-9]+)\ ms:\ timed\ out$ ]] ||
        fail "${lines[10]}"
    ((BASH_REMATCH[1] >= 30)) || fail "timed out after ${BASH_REMATCH[1]} ms < 30 ms"
    assert_eq "${#lines[@]}" 18
    assert_eq "$(grep -c '^main: joined waiter [1-5]: its wait() returned true$' <<<"$output")" 5
}

@test "lock_demo: trylock EBUSY, relock EDEADLK, the deadlock times out, ordering fixes it (README)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/lock_demo"
    assert_readme_output "$README" lock-demo
    assert_eq "$stderr" ""
    # Each part on its own prints exactly its section of the README block (trylock and
    # ordered: in the two tests below).
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/lock_demo" -m relock
    assert_eq "$output" "$(readme_section lock-demo '^-- relock' '^-- ')"
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/lock_demo" -m deadlock -t 50
    assert_eq "$output" "$(readme_section lock-demo '^-- deadlock' '^-- ' | sed 's/a 500 ms/a 50 ms/')"
    assert_eq "$stderr" ""
}

# bats test_tags=task:2
@test "lock_demo -m trylock: EBUSY at once, then lock() once main unlocks - the Events order it (README)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/lock_demo" -m trylock
    assert_eq "$output" "$(readme_section lock-demo '^-- trylock' '^-- ')"
    assert_eq "$stderr" ""
}

# bats test_tags=task:3,points:2
@test "lock_demo -m ordered: both threads take lock1 first, both get lock2: no deadlock (README)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/lock_demo" -m ordered
    assert_eq "$output" "$(readme_section lock-demo '^-- ordered' '^-- ')"
    assert_eq "$stderr" ""
}

@test "condition_demo: notify, notify_all, and if (items -1, every run) against while (README)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/condition_demo"
    assert_readme_output "$README" condition-demo
    assert_eq "$stderr" ""
    local i
    for i in 1 2 3 4 5; do
        run -0 --separate-stderr timeout 60 "$BIN/$LAB/condition_demo" -m if
        assert_eq "$output" "$(readme_section condition-demo "^-- \`if\`" '^-- ')"
        run -0 --separate-stderr timeout 60 "$BIN/$LAB/condition_demo" -m while
        assert_eq "$output" "$(readme_section condition-demo "^-- \`while\`")"
    done
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/condition_demo" -m notify -n 6
    assert_eq "${#lines[@]}" 8
    assert_eq "${lines[1]}" "main: 6 consumers wait for an item"
    assert_eq "${lines[7]}" "main: item 6, notify(): a consumer took it; 0 still waiting"
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/condition_demo" -m notify_all -n 16
    assert_eq "${lines[2]}" "main: 16 items taken; items = 0"
}

# check_pc P C N S: run producer_consumer and check every count and checksum exactly.
check_pc() {
    local p=$1 c=$2 n=$3 s=$4 total sum i took=0
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/producer_consumer" -p "$p" -c "$c" -n "$n" -s "$s"
    assert_eq "$stderr" ""
    total=$((p * n))
    sum=$((total * (total - 1) / 2))
    assert_eq "${#lines[@]}" $((c + 6))
    assert_eq "${lines[0]}" "producer_consumer: producers $p ($n items each), consumers $c, buffer $s slots"
    for ((i = 1; i <= c; i++)); do
        [[ ${lines[i]} =~ ^consumer\ $i:\ took\ ([0-9]+)\ items$ ]] || fail "${lines[i]}"
        took=$((took + BASH_REMATCH[1]))
    done
    assert_eq "$took" "$total"
    assert_eq "${lines[c + 1]}" "produced $total items, checksum $sum"
    assert_eq "${lines[c + 2]}" "consumed $total items, checksum $sum"
    assert_eq "${lines[c + 3]}" "every item consumed exactly once: yes (0 missing, 0 more than once)"
    assert_eq "${lines[c + 4]}" "each producer's items reached every consumer in order: yes"
    [[ ${lines[c + 5]} =~ ^the\ buffer\ held\ at\ most\ ([0-9]+)\ of\ $s\ items\; ]] || fail "${lines[c + 5]}"
    ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= s)) || fail "the bound $s was broken: ${BASH_REMATCH[1]}"
}

# bats test_tags=task:4,points:2
@test "producer_consumer: every item exactly once, checksums equal, order kept (README)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/producer_consumer"
    assert_readme_output "$README" producer-consumer
    check_pc 2 3 10000 8
}

# bats test_tags=task:4
@test "producer_consumer: other shapes - one slot, more consumers, more producers" {
    check_pc 1 1 1 1
    check_pc 3 1 500 1
    check_pc 1 5 3000 2
    check_pc 4 4 5000 16
    check_pc 8 2 1000 3
}

# bats test_tags=task:2
@test "pshared_sync: the child waits for the parent's Event; the shared counter is exact (README)" {
    run -0 --separate-stderr timeout 60 "$BIN/$LAB/pshared_sync"
    assert_readme_output "$README" pshared-sync
    assert_eq "$stderr" ""
    [[ ${lines[0]} =~ /posixlabs-08-([0-9]+), ]] || fail "${lines[0]}"
    local parent=${BASH_REMATCH[1]}
    [[ ${lines[2]} =~ forked\ child\ ([0-9]+), ]] || fail "${lines[2]}"
    [[ ${BASH_REMATCH[1]} != "$parent" ]] || fail "the child has the parent's pid"
    assert_eq "${lines[4]}" "child:  wait() returned; the message is \"hello from $parent\""
    [[ ! -e /dev/shm/posixlabs-08-$parent ]] || fail "/dev/shm/posixlabs-08-$parent was left behind"

    run -0 --separate-stderr timeout 60 "$BIN/$LAB/pshared_sync" -n 30000
    assert_eq "${lines[5]}" "parent: the child has exited; counter = 60000 (expected 2 x 30000 = 60000)"
    assert_eq "$(zombies_of $$)" ""
}

# vg CMD...: run CMD under valgrind's memcheck with --track-fds; fail on a memory error,
# a definite leak, or an fd left open that was not inherited.
vg() {
    local log=$BATS_TEST_TMPDIR/vg.log rc=0
    rm -f "$log".*
    timeout 120 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --track-fds=yes --trace-children=yes --log-file="$log.%p" "$@" >/dev/null || rc=$?
    if grep -qs "I can't recover" "$log".*; then
        skip "this valgrind cannot read the binaries' debug info (clang's DWARF 5?)"
    fi
    if ((rc != 0)); then
        fail "valgrind $* exited $rc:" "$(cat "$log".*)"
        return 1
    fi
    if cat "$log".* | grep -A1 '^==[0-9]*== Open file descriptor' | grep -v -- '^--' | paste - - |
        grep -v 'inherited from parent' | grep -q .; then
        fail "fd leak in $*:" "$(cat "$log".*)"
        return 1
    fi
}

@test "valgrind: no memory errors, no definite leaks, no fd leaks (default build only)" {
    [[ $BIN == "$TOP" ]] || skip "valgrind runs on the default build only"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    vg "$BIN/$LAB/threads_basics"
    vg "$BIN/$LAB/race" -n 2000
    vg "$BIN/$LAB/event_demo" -t 20
    vg "$BIN/$LAB/lock_demo" -t 50
    vg "$BIN/$LAB/condition_demo"
    vg "$BIN/$LAB/producer_consumer" -n 500
    vg "$BIN/$LAB/pshared_sync" -n 2000
}

@test "thread_object: Python's Thread in C - target/args, name, subclass, is_alive, join(timeout), daemon" {
    run -0 --separate-stderr timeout 10 "$BIN/$LAB/thread_object"
    assert_eq "$stderr" ""
    # ThreadSanitizer's own background thread carries the process's name.
    tsan_build && output=${output/thread_object thread_object daemon/thread_object daemon}
    assert_readme_output "$README" thread_object
    [[ ${lines[0]} =~ ^greeter:\ pid\ ([0-9]+)\ .*tid\ ([0-9]+), ]]
    [[ ${BASH_REMATCH[1]} != "${BASH_REMATCH[2]}" ]] || fail "the greeter's tid is main's pid"
    [[ ${lines[4]} =~ after\ ([0-9]+)\ ms ]]
    ((BASH_REMATCH[1] >= 100 && BASH_REMATCH[1] < 2000)) ||
        fail "join(timeout=100 ms) took ${BASH_REMATCH[1]} ms"
    assert_usage "$BIN/$LAB/thread_object"
    run -2 timeout 10 "$BIN/$LAB/thread_object" extra
}

@test "thread_object -H: the sleeper is a named task in /proc/PID/task while it runs" {
    local fifo=$BATS_TEST_TMPDIR/stdin out=$BATS_TEST_TMPDIR/out w
    mkfifo "$fifo"
    start_bg_stdin "$fifo" "$out" "$BIN/$LAB/thread_object" -H
    local pid=$BG_PID
    exec {w}>"$fifo"
    wait_for_line "$out" '^main: holding' 20
    local line tid names expected="sleeper thread_object"
    line=$(grep -m1 '^main: sleeper (tid' "$out")
    [[ $line =~ tid\ ([0-9]+) ]]
    tid=${BASH_REMATCH[1]}
    assert_eq "$(cat "/proc/$pid/task/$tid/comm")" sleeper
    tsan_build && expected="sleeper thread_object thread_object"
    names=$(cat "/proc/$pid/task/"*/comm | sort | paste -sd' ')
    assert_eq "$names" "$expected"
    exec {w}>&-
    wait_exit "$pid" 20
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n1 "$out")" "main: returning; exit() ends the daemon thread with the process"
}

@test "thread_object: valgrind (default build only)" {
    [[ $BIN == "$TOP" ]] || skip "valgrind runs on the default build only"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    vg "$BIN/$LAB/thread_object"
}
