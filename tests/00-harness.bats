# Tests of the test harness itself: tests/helpers.bash and the reaper fixture.
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

@test "start_bg closes every inherited fd above 2" {
    exec 7</dev/null 9</dev/null
    start_bg "$BATS_TEST_TMPDIR/sleep.out" sleep 30
    exec 7<&- 9<&-
    wait_for_state "$BG_PID" S
    local fds=(/proc/"$BG_PID"/fd/*)
    assert_eq "${fds[*]##*/}" "0 1 2"
    assert_eq "$(fd_count "$BG_PID")" 3
}

@test "proc_state and proc_ppid read /proc/PID/stat, even with spaces in the name" {
    cp "$(command -v sleep)" "$BATS_TEST_TMPDIR/a b)c"
    start_bg "$BATS_TEST_TMPDIR/s.out" "$BATS_TEST_TMPDIR/a b)c" 30
    wait_for_state "$BG_PID" S
    assert_eq "$(proc_ppid "$BG_PID")" "$$"
    kill -STOP "$BG_PID"
    wait_for_state "$BG_PID" T
    kill -KILL "$BG_PID"
    wait_gone "$BG_PID"
    assert_eq "$(zombies_of $$)" ""
}

@test "wait_for_line fails with the file's contents when the line never comes" {
    printf 'one\ntwo\n' >"$BATS_TEST_TMPDIR/f"
    run -0 wait_for_line "$BATS_TEST_TMPDIR/f" '^tw' 1
    assert_eq "$output" two
    run -1 wait_for_line "$BATS_TEST_TMPDIR/f" '^three' 1
    assert_contains "$output" "timed out waiting for /^three/"
}

@test "the reaper adopts and reaps orphans, and reports what is left running" {
    # The grandchild is orphaned when the subshell ends; the reaper must reap it
    # while bash is still running, or bash would spin here until the time-out.
    # shellcheck disable=SC2016  # expanded by the inner bash
    run -0 timeout 10 "$BIN/tests/fixtures/reaper" bash -c '
        (true & echo $! >"$0"); orphan=$(cat "$0")
        while [[ -e /proc/$orphan ]]; do :; done' "$BATS_TEST_TMPDIR/orphan.pid"
    run -1 --separate-stderr "$BIN/tests/fixtures/reaper" bash -c 'sleep 60 & disown; exit 0'
    assert_match "${stderr_lines[0]}" '^reaper: left running by the suite: [0-9]+ \(sleep\) \(state [RS]\)$'
    assert_eq "${stderr_lines[1]}" "reaper: 1 process(es) were left running (see above)"
}

@test "the reaper passes the command's exit status on" {
    run -3 "$BIN/tests/fixtures/reaper" bash -c 'exit 3'
    run -143 "$BIN/tests/fixtures/reaper" bash -c 'kill -TERM $$'
    run -2 --separate-stderr "$BIN/tests/fixtures/reaper"
    assert_eq "$stderr" "reaper: missing COMMAND
Try 'reaper -h' for help."
}

@test "assert_readme_output matches a README block, placeholders standing for any text" {
    cat >"$BATS_TEST_TMPDIR/README.md" <<'MD'
Some text.
<!-- expected-output: demo -->
```text
parent <pid>: child <pid> exited [status 3] *
done in <ms> ms?
```
MD
    output=$'parent 12: child 13 exited [status 3] *\ndone in 4.5 ms?'
    assert_readme_output "$BATS_TEST_TMPDIR/README.md" demo
    output=$'parent 12: child 13 exited [status 4] *\ndone in 4.5 ms?'
    run -1 assert_readme_output "$BATS_TEST_TMPDIR/README.md" demo
    assert_contains "$output" "line 1 differs"
    output=$'parent 12: child 13 exited [status 3] x\ndone in 4.5 ms?'
    run -1 assert_readme_output "$BATS_TEST_TMPDIR/README.md" demo
    run -1 assert_readme_output "$BATS_TEST_TMPDIR/README.md" nosuchblock
}
