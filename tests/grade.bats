# The student track's proof: make handout, make grade (CONTRIBUTING.md, "Exercises").
# The handout scores 0 for every task, the reference full marks, and putting one task's
# reference regions back into the handout raises exactly that task's points - for every
# task of every folder with a tasks.txt. The handout holds no solution line.
#
# The work is done once, in setup_file, in parallel (the tests mostly wait on programs):
# one handout, built once; each restore is a copy of it with one task's files regenerated,
# graded on that folder alone (the stubs fail fast, so only the restored task takes time).
# The tests below check the results. Under make check (BIN is a sanitizer tree) the whole
# file is skipped: it builds and grades trees of its own, with the default build.
# shellcheck disable=SC2154  # output, lines: set by bats' run
load helpers

JOBS=6 # concurrent gradings: they mostly sleep on the programs under test

# grade_tree DIR NAME [LAB...]: grade DIR (a handout copy) into $W/NAME.out, results in
# $W/NAME/ (summary.tsv, grade.json).
grade_tree() {
    local dir=$1 name=$2
    shift 2
    local rc=0 start=$SECONDS
    GRADE_OUT=$W/$name command timeout 600 "$dir/scripts/grade.sh" "$@" >"$W/$name.out" 2>&1 || rc=$?
    echo "$name: $((SECONDS - start)) s" >>"$W/seconds"
    echo "exit $rc" >>"$W/$name.out"
}

# restore UNIT TASK: a copy of the handout with TASK's regions of UNIT back, graded.
restore() {
    local unit=$1 n=$2 dir=$W/tree-${1##*/}-$2 f
    cp -a "$H" "$dir"
    while read -r f; do
        "$TOP/scripts/handout.sh" --stub "$f" "$n" >"$dir/$f"
    done < <(grep -lE '^[[:space:]]*/\* task [0-9]+ begin: ' "$TOP/$unit"/*.c "$TOP/$unit"/*.h 2>/dev/null |
        sed "s|^$TOP/||")
    grade_tree "$dir" "restore-${unit##*/}-$n" "$unit"
    rm -rf "$dir"
}

# grade_units: the folders with tasks, or only those named in GRADE_UNITS (space-separated,
# e.g. GRADE_UNITS="labs/07-semaphore project/chatroom": a quicker proof while writing tasks).
grade_units() {
    if [[ -n ${GRADE_UNITS:-} ]]; then
        "$TOP/scripts/handout.sh" --units | grep -xF -f <(tr ' ' '\n' <<<"$GRADE_UNITS")
    else
        "$TOP/scripts/handout.sh" --units
    fi
}

# pool CMD...: run CMD in the background, at most JOBS at a time.
pool() {
    while (($(jobs -rp | wc -l) >= JOBS)); do
        wait -n || true
    done
    "$@" &
}

setup_file() {
    [[ $BIN == "$TOP" ]] || return 0
    export W=$BATS_FILE_TMPDIR H=$BATS_FILE_TMPDIR/handout/posix-labs
    local start=$SECONDS unit n rc=0
    "$TOP/scripts/handout.sh" -o "$W/handout" >"$W/handout.out" 2>&1 || return 0
    mapfile -t UNITS < <(grade_units)
    # The handout builds under -Werror with gcc (the tree graded below); clang checks the
    # files with stubs (the others are the reference's, which CI builds with clang too).
    make -C "$H" -s tests/fixtures "${UNITS[@]}" >"$W/gcc.out" 2>&1 || rc=$?
    echo "exit $rc" >>"$W/gcc.out"
    rc=0
    for unit in "${UNITS[@]}"; do
        (cd "$H/$unit" && grep -lE '/\* TODO: task [0-9]+ of ' ./*.c | while read -r f; do
            clang -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Werror -D_POSIX_C_SOURCE=200809L \
                -I"$H/common" -fsyntax-only "$f" || echo "$unit/$f: clang failed"
        done)
    done >"$W/clang.out" 2>&1
    grep -q 'clang failed' "$W/clang.out" && rc=1
    echo "exit $rc" >>"$W/clang.out"
    echo "build: $((SECONDS - start)) s" >>"$W/seconds"

    if [[ -n ${GRADE_UNITS:-} ]]; then
        pool grade_tree "$H" handout "${UNITS[@]}"
    else
        pool grade_tree "$H" handout # the whole handout, as a student's `make grade` at the top
    fi
    # The longest gradings first (the capstones, then the later labs), so that no long one
    # starts last and runs alone: the proof takes about the total divided by JOBS.
    local -a longest_first
    mapfile -t longest_first < <(printf '%s\n' "${UNITS[@]}" | sort -r)
    for unit in "${longest_first[@]}"; do
        pool grade_tree "$TOP" "reference-${unit##*/}" "$unit"
        while IFS=$'\t' read -r n _; do
            pool restore "$unit" "$n"
        done < <(awk -F'\t' -v u="$unit" '$1 == "task" && $2 == u { print $3 }' "$H/grade-manifest.tsv")
    done
    # A student who edits a test file (here: drops a test's tag and the test) gains nothing,
    # and the change is reported.
    cp -a "$H" "$W/tampered"
    local first=${UNITS[0]}
    sed -i '/^# bats test_tags=/d' "$W/tampered/tests/${first##*/}.bats"
    pool grade_tree "$W/tampered" tampered "$first"
    wait || true
    mkdir -p "$W/reference"
    for unit in "${UNITS[@]}"; do
        cat "$W/reference-${unit##*/}/summary.tsv" || true
    done >"$W/reference/summary.tsv"
    echo "total: $((SECONDS - start)) s" >>"$W/seconds"
}

setup() {
    [[ $BIN == "$TOP" ]] || skip "the grader's proof builds its own trees (default build only)"
    [[ -f $W/handout.out ]] || fail "setup_file did not run"
}

# summary NAME: the FOLDER TASK EARNED POSSIBLE lines of a grading.
summary() {
    cat "$W/$1/summary.tsv"
}

@test "grade: make handout writes the tree and the tarball, and no instructor's file" {
    cat "$W/handout.out"
    [[ -f $W/handout/posix-labs.tar.gz && -s $W/handout/posix-labs.manifest.sha256 ]]
    local d
    for d in labs notes tests common mk scripts Makefile README.md CONTRIBUTING.md grade-manifest.tsv \
        tests/helpers.bash tests/fixtures/reaper.c; do
        [[ -e $H/$d ]] || fail "$d is missing from the handout"
    done
    run -0 tar -tzf "$W/handout/posix-labs.tar.gz"
    for d in instructors .git .ci .tools build bench/results tests/grade.bats; do
        ! grep -q "^posix-labs/$d\(/\|\$\)" <<<"$output" || fail "$d must not be in the handout"
    done
    # Every tracked lab file is there (figures and new programs included).
    run -0 bash -c "cd '$TOP' && git ls-files labs | while read -r f; do [[ ! -f \$f || -e '$H'/\$f ]] || echo \$f; done"
    assert_eq "$output" ""
    # Both languages: every Chinese sheet (README.zh.md, PROTOCOL.zh.md) and the glossary.
    run -0 bash -c "cd '$TOP' && { git ls-files '*.zh.md'; echo notes/glossary.md; } | while read -r f; do [[ -e '$H'/\$f ]] || echo \$f; done"
    assert_eq "$output" ""
    run -0 find "$H" -name '*.zh.md'
    ((${#lines[@]} >= 17)) || fail "the handout has ${#lines[@]} Chinese sheets"
    # The translated "Your tasks": a task heading in Chinese for every task of lab 04.
    grep -q '^### 任务 2：' "$H/labs/04-pipe/README.zh.md" || fail "lab 04's Chinese sheet has no task 2"
    run -0 tar -tzf "$W/handout/posix-labs.tar.gz"
    assert_line_matches '^posix-labs/labs/01-fork-wait-zombie/reap\.c$'
    assert_line_matches '^posix-labs/labs/04-pipe/tasks\.txt$'
    [[ $(sha256sum "$H/grade-manifest.tsv" | cut -d' ' -f1) == $(cat "$W/handout/posix-labs.manifest.sha256") ]]
}

@test "grade: tasks and regions agree; every task has at least one tagged test" {
    run -0 timeout 30 "$TOP/scripts/handout.sh" --check
    assert_match "$output" "regions and tasks of [0-9]+ folders are consistent"
    local unit
    while read -r unit; do
        # shellcheck disable=SC2016  # an awk program
        run -0 awk -F'\t' -v u="$unit" '$1 == "task" && $2 == u { n++ } END { print n + 0 }' "$H/grade-manifest.tsv"
        ((output >= 2 && output <= 8)) || fail "$unit has $output tasks"
    done < <(grade_units)
}

@test "grade: no region's distinctive line is left in the handout" {
    local unit pats=$BATS_TEST_TMPDIR/pats total=0 files
    while read -r unit; do
        mapfile -t files < <(find "$H/$unit" -type f ! -name '*.o')
        timeout 30 "$TOP/scripts/handout.sh" --distinct "$unit" | cut -f3- >"$pats"
        total=$((total + $(wc -l <"$pats")))
        # Any file of the folder in the handout: a line equal to one of them (blanks trimmed).
        run awk 'FNR == NR { p[$0] = 1; next }
            { t = $0; sub(/^[ \t]+/, "", t); sub(/[ \t]+$/, "", t) }
            t in p { print FILENAME ":" FNR ": " t }' "$pats" "${files[@]}"
        assert_eq "$output" ""
    done < <(grade_units)
    ((total > 20))
}

@test "grade: the handout builds warning-free (-Werror) with gcc and with clang" {
    run cat "$W/gcc.out"
    assert_eq "${lines[-1]}" "exit 0"
    run cat "$W/clang.out"
    assert_eq "${lines[-1]}" "exit 0"
    run ! grep -q 'warning:' "$W/gcc.out" "$W/clang.out"
}

@test "grade: the handout scores 0 for every task, and the stubs say TODO" {
    run cat "$W/handout.out"
    assert_match "${lines[-2]}" '^Total: 0/[1-9][0-9]* points$'
    assert_eq "${lines[-1]}" "exit 0"
    assert_line_matches '^      [a-z_]+: TODO: task 1 of lab 01 \(decode a wait status\)$'
    run awk -F'\t' '$3 != 0 || $4 == 0' "$W/handout/summary.tsv"
    assert_eq "$output" ""
    grep -q '"earned": 0,' "$W/handout/grade.json"
}

@test "grade: the reference scores full marks" {
    local unit
    while read -r unit; do
        run cat "$W/reference-${unit##*/}.out"
        [[ ${lines[-2]} =~ ^Total:\ ([0-9]+)/([0-9]+)\ points$ ]] || fail "$unit: ${lines[-2]}"
        assert_eq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    done < <(grade_units)
    run awk -F'\t' '$3 != $4 || $4 == 0' "$W/reference/summary.tsv"
    assert_eq "$output" ""
    # The same tasks and points as the handout's manifest.
    assert_eq "$(cut -f1,2,4 "$W/reference/summary.tsv")" "$(cut -f1,2,4 "$W/handout/summary.tsv")"
}

@test "grade: every README's \"Your tasks\" names each task with its points" {
    local unit n title possible
    while IFS=$'\t' read -r unit n _ possible; do
        title=$(awk -F'\t' -v u="$unit" -v n="$n" '$1 == "task" && $2 == u && $3 == n { print $4 }' "$H/grade-manifest.tsv")
        grep -qxF "### Task $n: $title ($possible points)" "$TOP/$unit/README.md" ||
            fail "$unit/README.md: no line '### Task $n: $title ($possible points)'"
    done <"$W/reference/summary.tsv"
}

@test "grade: restoring one task's regions raises exactly that task's points, for every task" {
    local unit n u t earned possible bad=0 count=0
    while IFS=$'\t' read -r unit n _ _; do
        count=$((count + 1))
        local name=restore-${unit##*/}-$n
        [[ -f $W/$name/summary.tsv ]] || { echo "$name: no result: $(tail -n 3 "$W/$name.out")"; bad=1; continue; }
        while IFS=$'\t' read -r u t earned possible; do
            [[ $u == "$unit" ]] || continue
            if [[ $t == "$n" && $earned != "$possible" ]] || [[ $t != "$n" && $earned != 0 ]]; then
                echo "$unit task $n restored: task $t scores $earned/$possible"
                bad=1
            fi
        done <"$W/$name/summary.tsv"
        ((bad == 0)) || grep -A3 FAILED "$W/$name.out" || true
    done < <(summary handout)
    ((count >= 2))
    ((bad == 0))
}

@test "grade: a changed test file is reported and gains nothing" {
    local first
    first=$(grade_units | head -n1)
    first=${first##*/}
    run cat "$W/tampered.out"
    assert_line_matches "^WARNING: these files differ from the handout.s \\(grade-manifest\\.tsv\\): tests/$first\\.bats"
    assert_match "${lines[-2]}" '^Total: 0/[1-9][0-9]* points$'
    assert_eq "$(grep -c . "$W/tampered/summary.tsv")" "$(grep -c "^[a-z]*/$first	" "$W/handout/summary.tsv")"
    grep -q "\"changed_files\": \\[\"tests/$first\\.bats" "$W/tampered/grade.json"
    sed 's/^/# /' "$W/seconds" >&3
}

@test "grade: GRADE_TIMEOUT_SCALE stretches a test's timeout; bad values are refused" {
    run -124 timeout 0.2 sleep 1
    GRADE_TIMEOUT_SCALE=10 timeout 0.2 sleep 1
    GRADE_TIMEOUT_SCALE=10 timeout -s KILL 0.2 sleep 1
    run -2 env GRADE_TIMEOUT_SCALE=0.5 "$TOP/scripts/grade.sh"
    assert_match "$output" "GRADE_TIMEOUT_SCALE must be a whole number"
    run -2 "$TOP/scripts/grade.sh" nosuchlab
    assert_match "$output" "no folder with tasks matches 'nosuchlab'"
}
