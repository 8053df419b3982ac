# Tests of the ipc and spawn benchmarks' programs (bench/ipc/ipc_bench, used by bench/ipc and
# bench/ipc-lat, and bench/spawn/spawn_bench) with tiny sizes: their output format, exactly;
# that they check the data they move (a corrupted byte must fail the run); usage; and that
# nothing is left behind (no IPC name, no process, no fd). Nothing here depends on timing.
# bats file_tags=tsan
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

setup() {
    IPC=$BIN/bench/ipc/ipc_bench
    SPAWN=$BIN/bench/spawn/spawn_bench
    IPC_README=$TOP/bench/ipc/README.md
    SPAWN_README=$TOP/bench/spawn/README.md
    MECHS=(pipe socketpair mqueue shm tcp udp)
    # A second CPU for the "2 CPUs" placement, if there is one.
    OTHER=0
    (($(getconf _NPROCESSORS_ONLN) >= 2)) && OTHER=1
    return 0
}

# The message queues whose names ipc_bench uses, one a line (fails where they cannot be
# listed).
bench_queues() {
    mqueue_names posixlabs-ipcbench-
}

# $output with each row's value (a number with 3 decimals) replaced by '#'.
masked() {
    # shellcheck disable=SC2016  # $NF is awk's
    awk -F, -v OFS=, '$NF ~ /^[0-9]+\.[0-9][0-9][0-9]$/ { $NF = "#" } { print }' <<<"$output"
}

has_child() {
    [[ -n $(children_of "$1") ]]
}

# Nothing of ipc_bench's in /dev/shm or among the message queues.
assert_no_ipc_names() {
    local left
    left=$(find /dev/shm -maxdepth 1 -name '*posixlabs-ipcbench-*' 2>/dev/null)
    assert_eq "$left" ""
    if left=$(bench_queues); then
        assert_eq "$left" ""
    fi
}

@test "ipc_bench and spawn_bench: -h prints the usage, bad usage exits 2" {
    run -0 --separate-stderr timeout 10 "$IPC" -h
    assert_eq "${lines[0]}" "usage: ipc_bench [-l] [-s SIZE] [-t MIB] [-n ROUNDTRIPS] [-c CPU,CPU] [-E] [-C] [MECH...]"
    assert_eq "$stderr" ""
    run -0 --separate-stderr timeout 10 "$SPAWN" -h
    assert_eq "${lines[0]}" "usage: spawn_bench [-n OPS] [-r BATCHES] [-m MIB] [-x PROGRAM] [-C] [METHOD...]"
    assert_eq "$stderr" ""

    local -a bad=(
        "-q|ipc_bench: unknown option -q"
        "-s|ipc_bench: option -s needs an argument"
        "-s 4|ipc_bench: bad message size '4' (expected a whole number from 8 to 1048576)"
        "-c 0|ipc_bench: -c wants two CPUs, like 0,1"
        "-c 0,999|ipc_bench: bad CPU '999' (expected a whole number from 0 to $(($(getconf _NPROCESSORS_ONLN) - 1)))"
        "-l -s 64|ipc_bench: -s is for bandwidth; the latency test sends 1-byte messages"
        "-l memcpy|ipc_bench: memcpy has no latency to measure: it is for bandwidth"
        "carrier-pigeon|ipc_bench: unknown mechanism 'carrier-pigeon'"
    )
    local b args
    for b in "${bad[@]}"; do
        read -r -a args <<<"${b%%|*}"
        run -2 --separate-stderr timeout 10 "$IPC" "${args[@]}"
        assert_eq "${stderr_lines[0]}" "${b#*|}"
        assert_eq "${stderr_lines[1]}" "Try 'ipc_bench -h' for help."
        assert_eq "$output" ""
    done
    run -2 --separate-stderr timeout 10 "$SPAWN" -n 0
    assert_eq "${stderr_lines[0]}" "spawn_bench: bad operations per batch '0' (expected a whole number from 1 to 1000000)"
    run -2 --separate-stderr timeout 10 "$SPAWN" vfork
    assert_eq "${stderr_lines[0]}" "spawn_bench: unknown method 'vfork'"
    assert_eq "${stderr_lines[1]}" "Try 'spawn_bench -h' for help."
}

@test "ipc_bench bandwidth: the README's table, every mechanism, and no IPC name left" {
    run -0 --separate-stderr timeout 60 "$IPC" -s 4096 -t 1 -c "0,$OTHER"
    assert_eq "$stderr" ""
    assert_readme_output "$IPC_README" bandwidth
    local m
    for m in memcpy "${MECHS[@]}"; do
        assert_line_matches "^$m +[0-9]+ +[0-9]+\.[0-9]{3}x$"
    done
    assert_no_ipc_names
}

@test "ipc_bench bandwidth -C: the rows, and a note for each mechanism that cannot carry 64 KiB" {
    run -0 --separate-stderr timeout 60 "$IPC" -C -s 64 -t 1 -c 0,0
    assert_eq "$stderr" ""
    local want="" m
    for m in memcpy "${MECHS[@]}"; do
        want+="64 B same CPU,$m,#"$'\n'
    done
    assert_eq "$(masked)" "${want%$'\n'}"

    run -0 --separate-stderr timeout 60 "$IPC" -C -s 65536 -t 1 -c "0,$OTHER"
    local place="same CPU"
    ((OTHER == 1)) && place="2 CPUs"
    assert_eq "$(masked)" "64 KiB $place,memcpy,#
64 KiB $place,pipe,#
64 KiB $place,socketpair,#
# note: mqueue: no 64 KiB messages: over this system's mqueue msgsize_max ($(cat /proc/sys/fs/mqueue/msgsize_max) bytes)
64 KiB $place,shm,#
64 KiB $place,tcp,#
# note: udp: no 64 KiB messages: a UDP datagram holds at most 65507 bytes"
    # Asked for by name, a mechanism that cannot carry the size is an error, not a note.
    run -1 --separate-stderr timeout 10 "$IPC" -s 65536 -t 1 udp
    assert_eq "${stderr_lines[-1]}" "ipc_bench: udp: 64 KiB messages: a UDP datagram holds at most 65507 bytes"
}

@test "ipc_bench latency: the README's table, and the -C rows" {
    run -0 --separate-stderr timeout 60 "$IPC" -l -n 1000
    assert_eq "$stderr" ""
    assert_readme_output "$IPC_README" latency
    run -0 --separate-stderr timeout 60 "$IPC" -l -C -n 200 -c "0,$OTHER"
    local place="same CPU" want="" m
    ((OTHER == 1)) && place="2 CPUs"
    for m in "${MECHS[@]}"; do
        want+="$place,$m,#"$'\n'
    done
    assert_eq "$(masked)" "${want%$'\n'}"
    assert_no_ipc_names
}

@test "ipc_bench checks the data: one corrupted byte fails every mechanism, both ways" {
    local m
    for m in "${MECHS[@]}"; do
        # bandwidth: 1 MiB / 64 B = 16384 messages, a warm-up of 2048: message 1024 is hit
        run -1 --separate-stderr timeout 20 "$IPC" -E -s 64 -t 1 "$m"
        assert_eq "${stderr_lines[-1]}" "ipc_bench: data check failed: $m: the bytes of message 1024 differ from those sent"
        # latency: round trip 8 of the 16 warm-up round trips comes back changed
        run -1 --separate-stderr timeout 20 "$IPC" -E -l -n 100 "$m"
        assert_eq "${stderr_lines[-1]}" "ipc_bench: data check failed: $m: round trip 8 came back as 0x38, not 0x39"
    done
    assert_eq "$(zombies_of "$POSIXLABS_SUBREAPER")" ""
    assert_no_ipc_names
}

@test "ipc_bench killed in the middle: its child goes too, and no IPC name is left" {
    local m child
    for m in shm mqueue; do
        start_bg "$BATS_TEST_TMPDIR/out" "$IPC" -l -n 100000000 "$m"
        wait_until 10 has_child "$BG_PID"
        child=$(children_of "$BG_PID")
        kill -KILL "$BG_PID"
        wait_exit "$BG_PID"
        assert_eq "$BG_STATUS" 137
        # The child was blocked in sem_wait or mq_receive: PR_SET_PDEATHSIG ends it.
        wait_gone "$child"
        assert_no_ipc_names
    done
}

@test "ipc_bench under valgrind: no memory error, no leak, no fd left open (parent and child)" {
    vg "$IPC" -s 4096 -t 1 -c "0,$OTHER"
    vg "$IPC" -l -n 200 -c "0,$OTHER"
    vg "$IPC" -s 65536 -t 1 shm pipe
}

@test "spawn_bench: the README's table, the -C rows, and no child left" {
    run -0 --separate-stderr timeout 60 "$SPAWN" -n 20 -r 3
    assert_eq "$stderr" ""
    assert_readme_output "$SPAWN_README" spawn
    run -0 --separate-stderr timeout 60 "$SPAWN" -C -n 3 -r 1
    assert_eq "$(masked)" "create and reap,fork+_exit+waitpid,#
create and reap,posix_spawn+waitpid,#
create and reap,fork+exec+waitpid,#
create and reap,pthread_create+join,#
create and reap,thread pool task,#
create and reap,process pool task,#"
    run -0 --separate-stderr timeout 60 "$SPAWN" -C -m 16 -n 3 -r 1 fork posix_spawn
    assert_eq "$(masked)" "parent with 16 MiB,fork+_exit+waitpid,#
parent with 16 MiB,posix_spawn+waitpid,#"
    assert_eq "$(zombies_of "$POSIXLABS_SUBREAPER")" ""
}

@test "spawn_bench checks every child: a program that is not there fails the run" {
    run -1 --separate-stderr timeout 10 "$SPAWN" -n 1 -r 1 -x /no/such/program posix_spawn
    assert_eq "$stderr" "spawn_bench: posix_spawn /no/such/program: No such file or directory"
    run -1 --separate-stderr timeout 10 "$SPAWN" -n 1 -r 1 -x /no/such/program fork+exec
    assert_eq "${stderr_lines[0]}" "spawn_bench: execv /no/such/program: No such file or directory"
    assert_match "${stderr_lines[1]}" '^spawn_bench: child [0-9]+ failed \(wait status 0x100\)$'
    # -x names the program for posix_spawn and fork+exec: /bin/false exits 1.
    run -1 --separate-stderr timeout 10 "$SPAWN" -n 1 -r 1 -x /bin/false posix_spawn
    assert_match "$stderr" '^spawn_bench: child [0-9]+ failed \(wait status 0x100\)$'
}

@test "spawn_bench under valgrind: no memory error, no leak, no fd left open" {
    vg "$SPAWN" -n 2 -r 1 fork pthread threadpool
    # Lab 10's pool workers leave by _exit() with the pool's socket and pipe still open (the
    # kernel closes them): only the parent's fds are checked there.
    vg --parent-fds-only "$SPAWN" -n 2 -r 1 procpool
    vg "$SPAWN" -n 2 -r 1 -m 4 fork
}

@test "bench/ipc, bench/ipc-lat, bench/spawn run.sh: every row of a quick run" {
    local out
    out=$(BENCH_QUICK=1 timeout 120 "$TOP/bench/ipc/run.sh") || fail "bench/ipc/run.sh failed"
    # 3 sizes x (1 or 2) placements: memcpy + 6 (64 B, 4 KiB) or 4 (64 KiB) mechanisms
    local n=$(((OTHER + 1) * (7 + 7 + 5)))
    assert_eq "$(grep -cE '^(64 B|4 KiB|64 KiB) (same CPU|2 CPUs),(memcpy|pipe|socketpair|mqueue|shm|tcp|udp),[0-9.]+$' <<<"$out")" "$n"
    if command -v taskset >/dev/null; then
        assert_eq "$(grep -cE '^reference (same CPU|2 CPUs),(pipe_ref write\+read|ipc_bench pipe 64 KiB),[0-9.]+$' <<<"$out")" "$((2 * (OTHER + 1)))"
    fi
    out=$(BENCH_QUICK=1 timeout 120 "$TOP/bench/ipc-lat/run.sh") || fail "bench/ipc-lat/run.sh failed"
    assert_eq "$(grep -cE '^(same CPU|2 CPUs),(pipe|socketpair|mqueue|shm|tcp|udp),[0-9.]+$' <<<"$out")" "$((6 * (OTHER + 1)))"
    if grep -q '^reference' <<<"$out"; then
        assert_eq "$(grep -cE '^reference same CPU,(perf bench sched pipe|ipc_bench pipe),[0-9.]+$' <<<"$out")" 2
    fi
    out=$(BENCH_QUICK=1 timeout 120 "$TOP/bench/spawn/run.sh") || fail "bench/spawn/run.sh failed"
    assert_eq "$(grep -cE '^create and reap,[a-z_+ ]+,[0-9.]+$' <<<"$out")" 6
    assert_eq "$(grep -cE '^parent with (1|100|1024) MiB,(fork\+_exit|posix_spawn)\+waitpid,[0-9.]+$' <<<"$out")" 6
    assert_no_ipc_names
}
