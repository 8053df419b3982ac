#!/usr/bin/env bash
# scripts/handout.sh - the students' handout: this repository with every exercise region
# replaced by a stub (CONTRIBUTING.md, "Exercises").
#
# Usage: scripts/handout.sh [-o DIR]         write DIR/posix-labs/ and DIR/posix-labs.tar.gz
#                                            (default DIR: build/handout; make handout)
#        scripts/handout.sh --units          the folders with tasks (a tasks.txt), one a line
#        scripts/handout.sh --check          check every folder's markers against its tasks.txt
#        scripts/handout.sh --stub FILE [N]  print FILE as the handout has it; with N, task N's
#                                            regions stay the reference (the grader's proof)
#        scripts/handout.sh --distinct UNIT  every region's distinctive lines (TASK, NAME, LINE)
#        scripts/handout.sh --manifest       the grading manifest (scripts/grade.sh reads it)
#
# The handout holds every tracked file except instructors/, .ci/, .tools/, build/,
# bench/results/ and tests/grade.bats (the grader's own proof), plus grade-manifest.tsv:
# the tests and points of every task, and the checksums of the files that grading trusts.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
awkprog=$top/scripts/regions.awk

# The folders that take part: a lab or capstone joins by having a tasks.txt.
units() {
    local t
    for t in labs/*/tasks.txt project/*/tasks.txt; do
        [[ -f $t ]] && printf '%s\n' "${t%/tasks.txt}"
    done
    return 0
}

# "lab 04" for labs/04-pipe, "fileserver" for project/fileserver: how the TODOs name it.
unit_label() {
    local base=${1##*/}
    case $1 in
    labs/*) printf 'lab %s\n' "${base%%-*}" ;;
    *) printf '%s\n' "$base" ;;
    esac
}

# The unit's source files with a region marker in them.
marked_files() {
    grep -lE '^[[:space:]]*/\* task [0-9]+ begin: ' "$1"/*.c "$1"/*.h 2>/dev/null || true
}

regions() { # MODE UNIT [FILE...] [-v keep=N]
    local mode=$1 unit=$2
    shift 2
    awk -v mode="$mode" -v tasks="$unit/tasks.txt" -v unit="$(unit_label "$unit")" -f "$awkprog" "$@"
}

check() {
    local unit bad=0 files
    while read -r unit; do
        mapfile -t files < <(marked_files "$unit")
        if ((${#files[@]} == 0)); then
            echo "$unit: tasks.txt but no region marker in any .c or .h file" >&2
            bad=1
            continue
        fi
        regions check "$unit" "${files[@]}" >/dev/null || bad=1
        # Every task carries points: at least one test is tagged with it.
        local n title test_file=tests/${unit##*/}.bats
        while IFS=$'\t' read -r n title; do
            grep -qE "^# bats test_tags=(.*,)?task:$n(,|$)" "$test_file" 2>/dev/null ||
                { echo "$unit: task $n ($title): no test in $test_file is tagged task:$n" >&2; bad=1; }
        done < <(regions check "$unit" "${files[@]}" 2>/dev/null)
    done < <(units)
    return "$bad"
}

# The task a tagged test belongs to, and its points, from the test file's tags:
# "# bats test_tags=task:2,points:3" before `@test "NAME" {` (points default to 1).
tagged_tests() { # FILE -> TASK<TAB>POINTS<TAB>NAME
    awk '
        /^# bats test_tags=/ {
            task = ""; points = 1
            n = split(substr($0, 18), t, ",")
            for (i = 1; i <= n; i++) {
                gsub(/ /, "", t[i])
                if (t[i] ~ /^task:[0-9]+$/) task = substr(t[i], 6)
                if (t[i] ~ /^points:[0-9]+$/) points = substr(t[i], 8)
            }
            next
        }
        /^@test / {
            if (task != "") {
                name = $0
                sub(/^@test +"/, "", name)
                sub(/" *\{ *$/, "", name)
                printf "%s\t%s\t%s\n", task, points, name
            }
            task = ""
        }' "$1"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

manifest() {
    local unit files n title f
    printf '# posix-labs grading manifest, written by scripts/handout.sh: do not edit.\n'
    printf '# unit FOLDER LABEL TESTFILE / task FOLDER N TITLE HINT / test FOLDER N POINTS NAME /\n'
    printf '# sha256 HASH FILE (a file grading trusts; a changed one is reported)\n'
    while read -r unit; do
        f=tests/${unit##*/}.bats
        printf 'unit\t%s\t%s\t%s\n' "$unit" "$(unit_label "$unit")" "$f"
        mapfile -t files < <(marked_files "$unit")
        while IFS=$'\t' read -r n title; do
            local hint
            hint=$(awk -v n="$n" '/^task [0-9]+: / { t = $2 + 0 } t == n && /^hint: / {
                printf "%s%s", sep, substr($0, 7); sep = " " }' "$unit/tasks.txt")
            printf 'task\t%s\t%s\t%s\t%s\n' "$unit" "$n" "$title" "$hint"
        done < <(regions check "$unit" "${files[@]}")
        tagged_tests "$f" | while IFS=$'\t' read -r n points title; do
            printf 'test\t%s\t%s\t%s\t%s\n' "$unit" "$n" "$points" "$title"
        done
    done < <(units)
    for f in tests/helpers.bash tests/run.sh tests/fixtures/reaper.c scripts/grade.sh scripts/find-bats.sh \
        $(units | sed 's|.*/|tests/|; s|$|.bats|'); do
        printf 'sha256\t%s\t%s\n' "$(sha "$f")" "$f"
    done
}

handout() {
    local out=$1 dest list f unit
    check || { echo "handout: fix the regions above first" >&2; exit 1; }
    git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
        { echo "handout: run it in a git checkout of posix-labs (it lists the tracked files)" >&2; exit 1; }
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    dest=$out/posix-labs
    rm -rf "$dest" "$out/posix-labs.tar.gz"
    mkdir -p "$dest"
    list=$(mktemp)
    trap 'rm -f "$list"' RETURN
    git ls-files --cached --others --exclude-standard | sort -u | while read -r f; do
        [[ -f $f ]] || continue
        case $f in
        instructors/* | .ci/* | .tools/* | build/* | bench/results/* | .git/* | tests/grade.bats) ;;
        *) printf '%s\n' "$f" ;;
        esac
    done >"$list"
    tar -cf - -T "$list" | tar -xf - -C "$dest"
    while read -r unit; do
        while read -r f; do
            regions stub "$unit" "$f" >"$dest/$f"
        done < <(marked_files "$unit")
    done < <(units)
    manifest >"$dest/grade-manifest.tsv"
    tar -C "$out" -czf "$out/posix-labs.tar.gz" posix-labs
    sha "$dest/grade-manifest.tsv" >"$out/posix-labs.manifest.sha256"
    echo "handout: $dest ($(wc -l <"$list") files, tasks in $(units | wc -l) folders)"
    echo "handout: $out/posix-labs.tar.gz"
    echo "handout: grade-manifest.tsv sha256 $(cat "$out/posix-labs.manifest.sha256") (kept in $out/posix-labs.manifest.sha256)"
}

case ${1:-} in
--units) units ;;
--check) check && echo "handout: regions and tasks of $(units | wc -l) folders are consistent" ;;
--stub)
    f=${2:?usage: handout.sh --stub FILE [N]}
    f=${f#"$top"/}
    regions stub "$(dirname "$f")" "keep=${3:-0}" "$f"
    ;;
--distinct)
    u=${2:?usage: handout.sh --distinct UNIT}
    u=${u%/}
    mapfile -t all < <(ls "$u"/*.c "$u"/*.h 2>/dev/null)
    regions distinct "$u" "${all[@]}"
    ;;
--manifest) manifest ;;
-o) handout "${2:?usage: handout.sh -o DIR}" ;;
'') handout build/handout ;;
*)
    sed -n '3,11p' "$0" >&2
    exit 2
    ;;
esac
