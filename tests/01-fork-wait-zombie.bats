# Lab 01: fork, wait and zombies.
# shellcheck disable=SC2154  # stderr: set by run --separate-stderr
load helpers

LAB=labs/01-fork-wait-zombie
README=$TOP/$LAB/README.md

setup() {
    P=$BIN/$LAB
}

@test "fork_basics: two returns, the child's pid and ppid, separate memory" {
    run -0 --separate-stderr timeout 10 "$P/fork_basics"
    assert_eq "$stderr" ""
    assert_readme_output "$README" fork_basics
    [[ ${lines[0]} =~ ^before\ fork:\ pid=([0-9]+) ]]
    local parent=${BASH_REMATCH[1]}
    [[ ${lines[1]} =~ pid=([0-9]+),\ ppid=([0-9]+)$ ]]
    local child=${BASH_REMATCH[1]}
    assert_eq "${BASH_REMATCH[2]}" "$parent"
    assert_contains "${lines[3]}" "fork() returned $child, pid=$parent,"
    assert_eq "${lines[4]}" "parent: child $child has exited; value is still 100"
}

# bats test_tags=task:1
@test "exit_status: a normal exit, decoded (status N is N*256 raw)" {
    run -0 timeout 10 "$P/exit_status" 3
    assert_readme_output "$README" "exit_status 3"
    local n
    for n in 0 1 255; do
        run -0 timeout 10 "$P/exit_status" "$n"
        assert_match "${lines[0]}" "raw status $((n * 256)) "
        assert_eq "${lines[1]}" "parent: WIFEXITED: child exited normally with status $n"
    done
}

# bats test_tags=task:1
@test "exit_status -s: death by a signal, by name or number" {
    run -0 timeout 10 "$P/exit_status" -s TERM
    assert_readme_output "$README" "exit_status -s TERM"
    run -0 timeout 10 "$P/exit_status" -s SIGKILL
    assert_eq "${lines[1]}" "parent: WIFSIGNALED: child was killed by signal 9 (SIGKILL)"
    run -0 timeout 10 "$P/exit_status" -s 10
    assert_eq "${lines[1]}" "parent: WIFSIGNALED: child was killed by signal 10 (SIGUSR1)"
}

@test "exit_status: bad usage exits 2 with a clear message" {
    run -2 --separate-stderr timeout 10 "$P/exit_status" 256
    assert_eq "${stderr}" "exit_status: bad exit status '256' (expected a whole number from 0 to 255)
Try 'exit_status -h' for help."
    run -2 --separate-stderr timeout 10 "$P/exit_status" -s STOP
    assert_eq "${stderr%%$'\n'*}" "exit_status: unknown or non-terminating signal 'STOP'"
    run -2 timeout 10 "$P/exit_status"
    run -2 timeout 10 "$P/exit_status" 1 2
    run -2 timeout 10 "$P/exit_status" -s
}

@test "zombie: the child is in state Z until SIGUSR1, then gone" {
    start_bg "$BATS_TEST_TMPDIR/out" "$P/zombie"
    local parent=$BG_PID line child
    line=$(wait_for_line "$BATS_TEST_TMPDIR/out" '^parent [0-9]+: reaping it on SIGUSR1')
    line=$(grep -m1 '^child ' "$BATS_TEST_TMPDIR/out")
    [[ $line =~ ^child\ ([0-9]+): ]]
    child=${BASH_REMATCH[1]}
    # The operating system's view, not just the program's word for it:
    assert_eq "$(proc_state "$child")" Z
    assert_eq "$(proc_ppid "$child")" "$parent"
    assert_eq "$(zombies_of "$parent")" "$child"
    kill -USR1 "$parent"
    wait_exit "$parent"
    assert_eq "$BG_STATUS" 0
    [[ ! -e /proc/$child ]]
    output=$(cat "$BATS_TEST_TMPDIR/out")
    assert_readme_output "$README" zombie
    assert_eq "$(cat "$BATS_TEST_TMPDIR/out.err")" ""
}

@test "zombie: SIGTERM reaps it too; -t reaps it after the timeout" {
    start_bg "$BATS_TEST_TMPDIR/out" "$P/zombie"
    wait_for_line "$BATS_TEST_TMPDIR/out" '^parent [0-9]+: reaping it' >/dev/null
    kill -TERM "$BG_PID"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 0
    run grep -c -e 'got SIGTERM$' -e 'exit status 7$' -e 'the zombie is no more$' "$BATS_TEST_TMPDIR/out"
    assert_eq "$output" 3

    run -0 timeout 10 "$P/zombie" -t 1
    assert_match "${lines[4]}" '^parent [0-9]+: reaping it on SIGUSR1 \(kill -USR1 [0-9]+\) or in 1 s$'
    assert_match "${lines[5]}" '^parent [0-9]+: 1 s passed$'
    assert_match "${lines[7]}" 'the zombie is no more$'
}

# Check that every child the program started is reaped, in the order they were started.
check_reap_order() {
    local -a started reaped
    mapfile -t started < <(printf '%s\n' "$output" | sed -nE 's/.*(started child|forked worker) ([0-9]+).*/\2/p')
    mapfile -t reaped < <(printf '%s\n' "$output" | sed -nE 's/.*reaped (child|orphan worker) ([0-9]+).*/\2/p')
    assert_eq "${#started[@]}" 3
    assert_eq "${reaped[*]}" "${started[*]}"
}

# bats test_tags=task:2,points:2
@test "reap wait" {
    run -0 timeout 20 "$P/reap" wait
    assert_readme_output "$README" "reap wait"
    check_reap_order
}

@test "reap waitpid" {
    run -0 timeout 20 "$P/reap" waitpid
    assert_match "${lines[3]}" '^parent [0-9]+: waitpid\(pid\) reaped child [0-9]+ \(status 1\)$'
    assert_match "${lines[6]}" '^parent [0-9]+: children left: 0, zombies among them: 0 \(counted in /proc\)$'
    check_reap_order
}

@test "reap nohang" {
    run -0 timeout 20 "$P/reap" nohang
    assert_readme_output "$README" "reap nohang"
    check_reap_order
}

# bats test_tags=task:3,points:2
@test "reap sigchld" {
    run -0 timeout 20 "$P/reap" sigchld
    assert_readme_output "$README" "reap sigchld"
    check_reap_order
}

# bats test_tags=task:3
@test "reap sigchld: many children ending at once are all reaped" {
    run -0 timeout 20 "$P/reap" -n 20 -d 0 sigchld
    assert_eq "$(grep -c 'the SIGCHLD handler reaped child' <<<"$output")" 20
    assert_match "${lines[-1]}" 'children left: 0, zombies among them: 0'
}

@test "reap ignore" {
    run -0 timeout 20 "$P/reap" ignore
    assert_readme_output "$README" "reap ignore"
}

@test "reap double-fork: the parent reaps its child at once, the orphans are adopted" {
    run -0 timeout 20 "$P/reap" double-fork
    assert_readme_output "$README" "reap double-fork"
    check_reap_order
    local top=${lines[0]#reap }
    top=${top%%:*}
    assert_match "${lines[6]}" "^reap $top: reaped the parent [0-9]+ \(status 0\)$"
}

@test "reap: bad usage exits 2" {
    run -2 --separate-stderr timeout 10 "$P/reap" nosuch
    assert_eq "$stderr" "reap: unknown METHOD 'nosuch'
Try 'reap -h' for help."
    run -2 timeout 10 "$P/reap"
    run -2 timeout 10 "$P/reap" -n 0 wait
    run -2 timeout 10 "$P/reap" -n 33 wait
}

@test "proc_states: R, S, T, S, Z, gone" {
    run -0 --separate-stderr timeout 30 "$P/proc_states"
    assert_readme_output "$README" proc_states
    assert_eq "$stderr" ""
}

@test "every program has -h (exit 0, usage on stdout) and rejects a bad option (exit 2)" {
    local prog
    for prog in fork_basics exit_status zombie reap proc_states; do
        assert_usage "$P/$prog"
    done
}

@test "valgrind: no memory errors, leaks or leaked fds, in parents and children" {
    vg "$P/fork_basics"
    vg "$P/exit_status" 3
    vg "$P/zombie" -t 1
    # reap's workers keep their end of a pipe open until _exit closes it: that is how the
    # next worker learns that this one has ended.
    vg --parent-fds-only "$P/reap" -d 10 sigchld
    vg --parent-fds-only "$P/reap" -d 10 double-fork
    vg "$P/proc_states"
}

@test "wait_bits: a status decoded with >> and & - exit, death by signal, stop" {
    run -0 --separate-stderr timeout 10 "$P/wait_bits"
    assert_eq "$stderr" ""
    assert_readme_output "$README" wait_bits
    run -0 timeout 10 "$P/wait_bits" 255
    assert_eq "${lines[0]}" "_exit(255): raw 0xff00  >>8&0xff=255 &0x7f=0   &0x80=0  -> exited with 255"
    run -0 timeout 10 "$P/wait_bits" 0
    assert_eq "${lines[0]}" "_exit(0):   raw 0x0000  >>8&0xff=0   &0x7f=0   &0x80=0  -> exited with 0"
    assert_usage "$P/wait_bits"
    run -2 --separate-stderr timeout 10 "$P/wait_bits" 256
    assert_eq "${stderr%%$'\n'*}" "wait_bits: bad exit code '256' (expected a whole number from 0 to 255)"
    run -2 timeout 10 "$P/wait_bits" 1 2
}

@test "wait_bits: valgrind, and no child left behind (the stopped one is killed and reaped)" {
    vg "$P/wait_bits"
    start_bg "$BATS_TEST_TMPDIR/out" "$P/wait_bits"
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 0
    assert_eq "$(grep -c 'raw 0x' "$BATS_TEST_TMPDIR/out")" 3
    # The stopped child was killed and reaped: no process named wait_bits is left anywhere.
    assert_eq "$(ps -eo stat=,comm= | awk '$2 == "wait_bits"')" ""
}
