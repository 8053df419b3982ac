# make demo: one short "building" line (a quiet build), then scripts/demo.sh's tour, which
# runs through without a terminal (no pauses), narrates every step, runs the capstones'
# demos in the course's order, and leaves nothing running (the reaper of tests/run.sh fails
# the run if a process is left behind).
load helpers

# Check the tour in $output, from its first line on.
assert_tour() {
    assert_eq "${lines[0]}" "== Lab 01: a zombie process (僵尸进程) appears, and is reaped"
    assert_contains "$output" "== Lab 02: an orphan (孤儿进程) is adopted and reaped by a child subreaper"
    assert_eq "${lines[${#lines[@]} - 3]}" "== That was the tour"
    # Every heading says something: never two in a row with only blank lines between.
    local twice
    twice=$(awk 'NF == 0 { next } /^== / && prev ~ /^== / { print prev; print; exit } { prev = $0 }' <<<"$output")
    [[ -z $twice ]] || fail "two headings in a row:" "$twice"
    # The commands shown are as a student types them from the top: no absolute paths.
    local abs
    abs=$(grep '^\$ ' <<<"$output" | grep -F "$TOP/" || true)
    [[ -z $abs ]] || fail "shown commands with an absolute path:" "$abs"
    # The capstones in the course's order: the file server, then the chatroom.
    local fs chat
    fs=$(grep -n -m1 -i '^== .*file server' <<<"$output" | cut -d: -f1)
    chat=$(grep -n -m1 -i '^== .*chatroom' <<<"$output" | cut -d: -f1)
    [[ ! -x $TOP/project/fileserver/demo.sh ]] || [[ -n $fs ]] || fail "no file server heading"
    [[ ! -x $TOP/project/chatroom/demo.sh ]] || [[ -n $chat ]] || fail "no chatroom heading"
    [[ -z $fs || -z $chat ]] || ((fs < chat)) || fail "the chatroom came before the file server"
}

@test "make demo: one 'building' line, no compiler lines, then the tour" {
    if [[ $BIN == "$TOP" ]]; then
        # The default build (which make test has just made, so this build is quick).
        run -0 --separate-stderr timeout 300 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
            make --no-print-directory -C "$TOP" demo </dev/null
        assert_match "${lines[0]}" '^building… '
        assert_eq "$(grep -c '^building' <<<"$output")" 1
        if grep -E '^ *(CC|LINK|AR) ' <<<"$output"; then
            fail "compiler lines in make demo (above)"
        fi
        output=${output#*$'\n'} # the tour: everything after the building line
        lines=("${lines[@]:1}")
    else
        # A sanitizer build: the tour with its programs (make demo shows the default build).
        run -0 --separate-stderr timeout 300 "$TOP/scripts/demo.sh" "$BIN" </dev/null
    fi
    assert_tour
}
