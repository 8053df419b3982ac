#!/usr/bin/env bash
# scripts/grade.sh - grade the exercises (the student track): build each folder with tasks,
# run its tests, and score every task by the tests that pass.
#
# Usage: scripts/grade.sh [LAB...]     (make grade [LAB=04]; make grade in a lab folder)
#   LAB: 04, 04-pipe, labs/04-pipe, fileserver, ...; default: every folder with tasks.
# Environment: GRADE_TIMEOUT_SCALE=N  (a whole number, default 1) multiplies every time
#              bound of the tests, for slow machines. GRADE_OUT=DIR: where the results go
#              (default build/grade).
#
# What it reads: the manifest - which test belongs to which task, for how many points.
# In a handout it is grade-manifest.tsv, written with the handout; the checksums in it
# reveal a changed test file or grader (reported, and in grade.json). In the instructor's
# repository it is made afresh from the tests' tags (scripts/handout.sh --manifest).
# A test missing from the tests counts as failed; a tag a student removes changes nothing.
#
# Output: per folder a table (task, what it asks, points) and each failing test with its
# first failure line and the task's hint; the last line is exactly "Total: X/Y points".
# Files: build/grade/grade.json (per folder, task and test), build/grade/summary.tsv
# (FOLDER TASK EARNED POSSIBLE), build/grade/FOLDER.tap and .build.log (the raw runs).
# Exit status: 0 when grading ran (whatever the score), 2 on bad usage.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
out=${GRADE_OUT:-$top/build/grade}
mkdir -p "$out"

scale=${GRADE_TIMEOUT_SCALE:-1}
[[ $scale =~ ^[1-9][0-9]*$ ]] ||
    { echo "grade: GRADE_TIMEOUT_SCALE must be a whole number from 1 up, not '$scale'" >&2; exit 2; }
export GRADE_TIMEOUT_SCALE=$scale
export TIMEOUT_SCALE=$((${TIMEOUT_SCALE:-1} * scale))
export BATS_TEST_TIMEOUT=$((120 * scale)) # a backstop: every command is bounded itself

manifest=$top/grade-manifest.tsv
if [[ ! -f $manifest ]]; then
    manifest=$out/manifest.tsv
    scripts/handout.sh --manifest >"$manifest" || { echo "grade: no manifest" >&2; exit 1; }
fi

# The folders to grade.
mapfile -t all < <(awk -F'\t' '$1 == "unit" { print $2 }' "$manifest")
units=()
if (($# == 0)); then
    units=("${all[@]}")
fi
for want in "$@"; do
    want=${want%/}
    found=0
    for u in "${all[@]}"; do
        b=${u##*/}
        if [[ $u == "$want" || $b == "$want" || $b == "$want"-* ]]; then
            units+=("$u")
            found=1
        fi
    done
    ((found)) || { echo "grade: no folder with tasks matches '$want' (have: ${all[*]##*/})" >&2; exit 2; }
done

join_by() { # SEP ITEM... -> the items with SEP between them
    local sep=$1 first=1 x
    shift
    for x; do
        ((first)) || printf '%s' "$sep"
        printf '%s' "$x"
        first=0
    done
}

json_str() { # a JSON string literal
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/}
    s=${s//$'\n'/\\n}
    printf '"%s"' "$(printf '%s' "$s" | tr -d '\000-\037')"
}

# Files that grading trusts and that differ from the manifest's checksums.
changed=()
while IFS=$'\t' read -r kind hash file; do
    [[ $kind == sha256 ]] || continue
    if [[ ! -f $file ]] || [[ $(sha256sum "$file" | cut -d' ' -f1) != "$hash" ]]; then
        changed+=("$file")
    fi
done <"$manifest"

make -s tests/fixtures >"$out/fixtures.build.log" 2>&1 ||
    { cat "$out/fixtures.build.log" >&2; echo "grade: cannot build tests/fixtures" >&2; exit 1; }

total=0 possible=0
json_units=()
: >"$out/summary.tsv"
for u in "${units[@]}"; do
    key=${u//\//_}
    label=$(awk -F'\t' -v u="$u" '$1 == "unit" && $2 == u { print $3 }' "$manifest")
    testfile=$(awk -F'\t' -v u="$u" '$1 == "unit" && $2 == u { print $4 }' "$manifest")
    declare -A title=() hint=() earned=() worth=() result=() first=() todo=()
    tasks=() tests=() ttask=() tpoints=()
    while IFS=$'\t' read -r kind unit n a b; do
        [[ $unit == "$u" ]] || continue
        case $kind in
        task)
            tasks+=("$n")
            title[$n]=$a
            hint[$n]=$b
            earned[$n]=0
            worth[$n]=0
            ;;
        test)
            tests+=("$b")
            ttask+=("$n")
            tpoints+=("$a")
            worth[$n]=$((${worth[$n]:-0} + a))
            ;;
        esac
    done <"$manifest"

    # Build; a folder that does not build scores nothing.
    built=1
    if ! make -s -C "$u" >"$out/$key.build.log" 2>&1; then
        built=0
    fi
    : >"$out/$key.tap"
    if ((built)) && ((${#tests[@]} > 0)); then
        # shellcheck disable=SC2016  # a sed script, not a shell expansion
        regex=$(printf '%s\n' "${tests[@]}" | sed 's/[][\.*^$(){}?+|/]/\\&/g' | paste -sd'|')
        BIN=$top TOP=$top tests/run.sh --filter "^($regex)\$" "$testfile" >"$out/$key.tap" 2>&1
    fi
    # The TAP stream: "ok N NAME", "ok N NAME # skip ...", "not ok N NAME", then "# " lines.
    while IFS=$'\t' read -r st name line1 todoline; do
        result[$name]=$st
        first[$name]=$line1
        todo[$name]=$todoline
    done < <(awk '
        function flush() { if (name != "") printf "%s\t%s\t%s\t%s\n", st, name, first, todo; name = "" }
        /^(not )?ok [0-9]+ / {
            flush()
            st = ($1 == "ok") ? "passed" : "failed"
            name = $0
            sub(/^(not )?ok [0-9]+ /, "", name)
            if (st == "passed" && sub(/ # skip.*$/, "", name)) st = "skipped"
            if (sub(/ # timeout after [0-9]+s$/, "", name)) st = "failed"
            first = ""; todo = ""; skipline = 1
            next
        }
        name != "" && /^# / {
            l = substr($0, 3)
            gsub(/\t/, " ", l); sub(/^ +/, "", l)
            if (l ~ /^\(?(in test file|from function) /) next
            if (first == "" && l != "") first = l
            if (todo == "" && l ~ /TODO: task [0-9]+ of /) todo = l
        }
        END { flush() }' "$out/$key.tap")

    printf '\n%s (%s)\n' "$label" "$u"
    if ((!built)); then
        printf '  does not build (make -C %s): every task scores 0\n' "$u"
        sed 's/^/    /' "$out/$key.build.log" | head -n 8
    fi
    fails=()
    json_tests=()
    for i in "${!tests[@]}"; do
        name=${tests[$i]} n=${ttask[$i]} pts=${tpoints[$i]}
        st=${result[$name]:-missing}
        ((built)) || st=failed
        case $st in
        passed | skipped) earned[$n]=$((earned[$n] + pts)) ;;
        missing)
            first[$name]="not run: no test of that name in $testfile"
            fails+=("$i")
            ;;
        *) fails+=("$i") ;;
        esac
        ((built)) || first[$name]="the folder does not build"
        json_tests+=("$(printf '{"task": %s, "name": %s, "points": %s, "status": %s, "first_failure": %s}' \
            "$n" "$(json_str "$name")" "$pts" "$(json_str "$st")" "$(json_str "${first[$name]:-}")")")
    done
    printf '  %-4s  %-60s  %s\n' task what points
    utotal=0 upossible=0
    json_tasks=()
    for n in "${tasks[@]}"; do
        printf '  %-4s  %-60s  %s/%s\n' "$n" "${title[$n]}" "${earned[$n]}" "${worth[$n]}"
        utotal=$((utotal + earned[$n]))
        upossible=$((upossible + worth[$n]))
        printf '%s\t%s\t%s\t%s\n' "$u" "$n" "${earned[$n]}" "${worth[$n]}" >>"$out/summary.tsv"
        json_tasks+=("$(printf '{"task": %s, "title": %s, "earned": %s, "possible": %s}' \
            "$n" "$(json_str "${title[$n]}")" "${earned[$n]}" "${worth[$n]}")")
    done
    for i in "${fails[@]}"; do
        name=${tests[$i]} n=${ttask[$i]}
        printf '  FAILED (task %s) %s\n' "$n" "$name"
        printf '      %s\n' "${first[$name]:-no failure line}"
        [[ -n ${todo[$name]:-} && ${todo[$name]} != "${first[$name]:-}" ]] && printf '      %s\n' "${todo[$name]}"
        printf '      hint: %s\n' "${hint[$n]}"
    done
    printf '  %s: %s/%s points\n' "$label" "$utotal" "$upossible"
    total=$((total + utotal))
    possible=$((possible + upossible))
    json_units+=("$(printf '{"folder": %s, "name": %s, "built": %s, "earned": %s, "possible": %s,\n   "tasks": [%s],\n   "tests": [\n    %s]}' \
        "$(json_str "$u")" "$(json_str "$label")" "$( ((built)) && echo true || echo false)" \
        "$utotal" "$upossible" "$(join_by ', ' "${json_tasks[@]}")" \
        "$(join_by $',\n    ' "${json_tests[@]}")")")
    unset title hint earned worth result first todo
done

changed_json=()
for f in "${changed[@]}"; do
    changed_json+=("$(json_str "$f")")
done
{
    printf '{"posix_labs_grade": 1,\n "date": %s,\n "manifest": %s,\n "manifest_sha256": %s,\n' \
        "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(json_str "${manifest#"$top"/}")" \
        "$(json_str "$(sha256sum "$manifest" | cut -d' ' -f1)")"
    printf ' "changed_files": [%s],\n "earned": %s,\n "possible": %s,\n "labs": [\n  %s\n ]\n}\n' \
        "$(join_by ', ' "${changed_json[@]}")" "$total" "$possible" \
        "$(join_by $',\n  ' "${json_units[@]}")"
} >"$out/grade.json"

echo
if ((${#changed[@]} > 0)); then
    echo "WARNING: these files differ from the handout's (grade-manifest.tsv): ${changed[*]}"
fi
echo "manifest sha256 $(sha256sum "$manifest" | cut -d' ' -f1); results in ${out#"$top"/}/grade.json"
echo "Total: $total/$possible points"
