# Tests of labs/06-shm: POSIX shared memory.
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

LAB=labs/06-shm
PROGS=(shm_value shm_array shm_anon shm_race)
NAMED=(shm_value shm_array shm_race) # the programs that make a named object

setup() {
    P=$BIN/$LAB
    README=$TOP/$LAB/README.md
    # A name of our own for tests that pass -n: unique per run and per test.
    SNAME=/posixlabs-06-t$$-$BATS_TEST_NUMBER
}

teardown() {
    stop_all
    rm -f "/dev/shm${SNAME}"
    return 0
}

# The shared memory objects of this lab that exist now (on Linux, files in /dev/shm).
lab_objects() {
    find /dev/shm -maxdepth 1 -name 'posixlabs-06-*' -printf '%f\n' | sort
}

# Fails if the object NAME (/posixlabs-06-...) still exists.
object_gone() {
    if [[ -e /dev/shm$1 ]]; then
        fail "shared memory object $1 was left behind"
        return 1
    fi
}

# Start shm_race with a count that keeps it busy for seconds; sets BG_PID, NAME, KIDS.
start_busy_shm_race() {
    local out=$BATS_TEST_TMPDIR/shm_race.out line
    start_bg "$out" "$P/shm_race" -i 1000000000000
    line=$(wait_for_line_of "$BG_PID" "$out" '^shm_race: counter in ') || return 1
    [[ $line =~ ^shm_race:\ counter\ in\ (/[^\;]+)\; ]] || { fail "bad line: $line"; return 1; }
    NAME=${BASH_REMATCH[1]}
    # Both children are started and counting.
    wait_until _two_children || return 1
    ! _ended "$BG_PID" || { fail "shm_race has ended: $(cat "$out.err")"; return 1; }
    mapfile -t KIDS < <(kids_of "$BG_PID")
    wait_for_state "$BG_PID" S # asleep in waitpid: a signal now interrupts it
}
_two_children() {
    _ended "$BG_PID" && return 0 # no use waiting: start_busy_shm_race fails at once
    (($(kids_of "$BG_PID" | wc -l) == 2))
}

@test "every program: -h exits 0 with its usage, bad usage exits 2" {
    local p
    for p in "${PROGS[@]}"; do
        assert_usage "$P/$p"
    done
    for p in shm_value shm_anon shm_race; do
        run -2 --separate-stderr timeout 5 "$P/$p" extra
        assert_eq "${stderr_lines[0]}" "$p: no arguments expected"
    done
    for p in "${NAMED[@]}"; do
        run -2 --separate-stderr timeout 5 "$P/$p" -n no-slash 1
        assert_eq "${stderr_lines[0]}" \
            "$p: bad name 'no-slash' (expected '/' then 1 to 200 characters, no other '/')"
    done
    run -2 --separate-stderr timeout 5 "$P/shm_array"
    assert_eq "${stderr_lines[0]}" "shm_array: give the VALUEs, or -z COUNT"
    run -2 --separate-stderr timeout 5 "$P/shm_array" -z 3 1
    assert_eq "${stderr_lines[0]}" "shm_array: give either VALUEs or -z COUNT, not both"
    run -2 --separate-stderr timeout 5 "$P/shm_array" 1 x
    assert_eq "${stderr_lines[0]}" \
        "shm_array: bad value 'x' (expected a whole number from -1000000 to 1000000)"
    run -2 --separate-stderr timeout 5 "$P/shm_array" -z 0
    assert_match "${stderr_lines[0]}" "^shm_array: bad count '0'"
    run -2 --separate-stderr timeout 5 "$P/shm_race" -i 0
    assert_match "${stderr_lines[0]}" "^shm_race: bad number of increments '0'"
    run -2 --separate-stderr timeout 5 "$P/shm_value" -v 1e3
    assert_match "${stderr_lines[0]}" "^shm_value: bad value '1e3'"
}

@test "shm_value: the child's write is read by the parent, twice, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/shm_value"
    assert_readme_output "$README" shm_value
    assert_eq "$stderr" ""
    [[ ${lines[0]} =~ ^parent\ ([0-9]+):\ created\ /posixlabs-06-([0-9]+)\  ]]
    local parent=${BASH_REMATCH[1]}
    assert_eq "${BASH_REMATCH[2]}" "$parent"
    [[ ${lines[1]} =~ ^child\ ([0-9]+): ]]
    [[ ${BASH_REMATCH[1]} != "$parent" ]] || fail "the child has the parent's pid"
    object_gone "/posixlabs-06-$parent"
    assert_eq "$(zombies_of $$)" ""

    run -0 --separate-stderr timeout 10 "$P/shm_value" -v -41 -n "$SNAME"
    assert_match "${lines[0]}" "^parent [0-9]+: created $SNAME \(8 bytes\) and wrote -41$"
    assert_match "${lines[1]}" "^child [0-9]+: opened $SNAME by name and read -41$"
    assert_match "${lines[2]}" "^child [0-9]+: wrote 959 over it$"
    assert_match "${lines[3]}" "^parent [0-9]+: read 959, and again: 959 "
    object_gone "$SNAME"
}

# bats test_tags=task:1,points:2
@test "shm_array: from a list and zero-filled, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/shm_array" 1 2 3 4 5
    assert_readme_output "$README" shm_array-list
    assert_eq "$stderr" ""
    [[ ${lines[0]} =~ ^parent\ ([0-9]+):\ created\ (/posixlabs-06-[0-9]+): ]]
    assert_eq "${BASH_REMATCH[2]}" "/posixlabs-06-${BASH_REMATCH[1]}"
    object_gone "${BASH_REMATCH[2]}"

    run -0 --separate-stderr timeout 10 "$P/shm_array" -z 5
    assert_readme_output "$README" shm_array-zeros
    assert_eq "$stderr" ""

    run -0 --separate-stderr timeout 10 "$P/shm_array" -n "$SNAME" -- -100 0 7
    assert_match "${lines[0]}" "^parent [0-9]+: created $SNAME: 3 ints \(12 bytes\), from the list: -100 0 7$"
    assert_match "${lines[1]}" "^child [0-9]+: fstat says 12 bytes, so 3 ints: -100 0 7$"
    assert_match "${lines[3]}" "^parent [0-9]+: after the child: 0 100 107$"
    object_gone "$SNAME"

    run -0 --separate-stderr timeout 10 "$P/shm_array" -z 1000
    assert_match "${lines[1]}" "^child [0-9]+: fstat says 4000 bytes, so 1000 ints: 0 0 0 "
    # Exactly 1000 values, each 100 (compared after the prefix: a pid like 10011 would
    # also contain " 100").
    assert_match "${lines[3]}" "^parent [0-9]+: after the child: 100 "
    assert_eq "${lines[3]#*: after the child: }" "$(yes 100 | head -n 1000 | paste -sd ' ')"
}

@test "shm_value, shm_array, shm_race: an existing object is left alone (O_EXCL)" {
    # On Linux a POSIX shared memory object is a file in /dev/shm: make one by hand.
    printf 'not yours' >"/dev/shm$SNAME"
    local p args
    for p in "${NAMED[@]}"; do
        args=()
        [[ $p != shm_array ]] || args=(1 2 3)
        run -1 --separate-stderr timeout 10 "$P/$p" -n "$SNAME" "${args[@]}"
        assert_eq "$output" ""
        assert_eq "$stderr" "$p: shm_open $SNAME: File exists"
        assert_eq "$(cat "/dev/shm$SNAME")" "not yours"
    done
}

@test "shm_anon: MAP_SHARED shows the child's write, MAP_PRIVATE does not, as in the README" {
    run -0 --separate-stderr timeout 10 "$P/shm_anon"
    assert_readme_output "$README" shm_anon
    assert_eq "$stderr" ""
    assert_eq "${lines[2]}" "  parent $(sed -n 's/^  parent \([0-9]*\):.*/\1/p' <<<"${lines[5]}"): reads 2: the child's write is seen (one page for both processes)"
    assert_match "${lines[5]}" "^  parent [0-9]+: reads 1: "
}

# bats test_tags=task:2,points:2
@test "shm_race: prints the total and what was expected, and they add up (a race may or may not show)" {
    run -0 --separate-stderr timeout 30 "$P/shm_race"
    assert_readme_output "$README" shm_race
    assert_eq "$stderr" ""
    local total lost
    total=${lines[3]#total: }
    total=${total%% *}
    lost=${lines[4]#lost updates: }
    ((total + lost == 20000000)) || fail "total $total + lost $lost is not 20000000"
    ((total > 0 && total <= 20000000)) || fail "total $total is out of range"
    [[ ${lines[0]} =~ (/posixlabs-06-[0-9]+) ]]
    object_gone "${BASH_REMATCH[1]}"

    run -0 --separate-stderr timeout 10 "$P/shm_race" -i 1000 -n "$SNAME"
    assert_eq "${lines[0]}" "shm_race: counter in $SNAME; 2 processes add 1 to it 1000 times each, without synchronisation"
    assert_match "${lines[1]}" '^child [0-9]+: done$'
    assert_match "${lines[2]}" '^child [0-9]+: done$'
    [[ ${lines[1]} != "${lines[2]}" ]] || fail "the same child twice: ${lines[1]}"
    assert_match "${lines[3]}" '^total: [0-9]+ \(expected 2000\)$'
    object_gone "$SNAME"
}

# bats test_tags=task:2
@test "shm_race: SIGTERM or SIGINT stops both children, removes the object, and it dies of the signal" {
    local out=$BATS_TEST_TMPDIR/shm_race.out kid
    start_busy_shm_race
    assert_eq "$NAME" "/posixlabs-06-$BG_PID"
    [[ -e /dev/shm$NAME ]] || fail "no /dev/shm$NAME while it runs"
    kill -TERM "$BG_PID"
    wait_exit "$BG_PID" 10
    assert_eq "$BG_STATUS" 143
    assert_eq "$(cat "$out.err")" "shm_race: SIGTERM: removed $NAME"
    object_gone "$NAME"
    for kid in "${KIDS[@]}"; do
        wait_gone "$kid" || fail "child $kid is still running"
    done

    start_busy_shm_race
    kill -INT "$BG_PID"
    wait_exit "$BG_PID" 10
    assert_eq "$BG_STATUS" 130
    output=$(cat "$out.err")
    assert_readme_output "$README" shm_race-killed
    assert_eq "$output" "shm_race: SIGINT: removed $NAME"
    object_gone "$NAME"
    for kid in "${KIDS[@]}"; do
        wait_gone "$kid" || fail "child $kid is still running"
    done
}

@test "no shared memory object is left behind by any program, even one killed mid-run" {
    local before after
    before=$(lab_objects)
    run -0 timeout 10 "$P/shm_value"
    run -0 timeout 10 "$P/shm_array" 1 2 3
    run -0 timeout 10 "$P/shm_array" -z 3
    run -0 timeout 10 "$P/shm_anon"
    run -0 timeout 10 "$P/shm_race" -i 1000
    start_busy_shm_race
    assert_contains "$(lab_objects)" "${NAME#/}"
    kill -TERM "$BG_PID"
    wait_exit "$BG_PID" 10
    after=$(lab_objects)
    assert_eq "$after" "$before"
}

@test "valgrind: no memory error and no descriptor left open in any program" {
    vg "$P/shm_value"
    vg "$P/shm_array" 1 2 3
    vg "$P/shm_array" -z 4
    vg "$P/shm_anon"
    vg "$P/shm_race" -i 1000
}
