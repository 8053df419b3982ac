# make demo: scripts/demo.sh runs through without a terminal (no pauses), narrates every
# step, runs the capstones' demos in the course's order, and leaves nothing running (the
# reaper of tests/run.sh fails the run if a process is left behind).
load helpers

@test "make demo's tour: every step runs, file server before chatroom, nothing left behind" {
    run -0 timeout 300 "$TOP/scripts/demo.sh" "$BIN" </dev/null
    assert_contains "$output" "== Lab 01: a zombie process (僵尸进程) appears, and is reaped"
    assert_contains "$output" "== Lab 02: an orphan (孤儿进程) is adopted and reaped by a child subreaper"
    assert_contains "$output" "== That was the tour"
    local steps
    steps=$(grep -o '^== Capstone: [a-z]*' <<<"$output" | tr '\n' ' ')
    local want=""
    [[ -x $TOP/project/fileserver/demo.sh ]] && want+="== Capstone: fileserver "
    [[ -x $TOP/project/chatroom/demo.sh ]] && want+="== Capstone: chatroom "
    assert_eq "$steps" "$want"
}
