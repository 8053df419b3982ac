#!/usr/bin/env bash
# scripts/twin-check.sh - check that a Chinese sheet (README.zh.md, PROTOCOL.zh.md) is the
# twin of its English sheet, so that neither can change without the other
# (CONTRIBUTING.md, "Two languages").
#
# Two sheets are twins when they have, outside fenced code blocks and in the same order:
#   headings      the same number at every level, in the same sequence of levels
#   markers       the same <!-- ... --> comment lines (e.g. expected-output ids)
#   exercises     the same number of numbered items under "## Exercises" / "## 练习"
#   questions     the same number under "## Review questions" / "## 复习题"
#   tasks         the same "### Task N" / "### 任务 N" headings under "Your tasks" / "你的任务",
#                 with the same points "(P points)" / "（P 分）"
#   commands      the same set of inline commands (code spans starting with ./, make, cd,
#                 bash, sudo, scripts/, instructors/)
#   language line the English sheet links its twin, the twin links back
# and the same fenced code blocks with the same info strings: ```sh blocks identical up to
# comments (which may be translated), every other block byte for byte (program output and
# code stay as the programs print and read them).
#
# Usage: twin-check.sh EN.md [ZH.md]   (ZH.md defaults to EN.md with .md -> .zh.md)
#        twin-check.sh --all [ROOT]    every sheet of the repository: the top README, each
#                                      lab's and capstone's README, each PROTOCOL.md
# Prints one line per difference. Exit status: 0 twins, 1 differences (or a missing twin),
# 2 bad usage.
set -uo pipefail

usage() { echo "usage: twin-check.sh EN.md [ZH.md] | --all [ROOT]" >&2; exit 2; }

# facts FILE: one line per structural fact, in order, language-neutral.
facts() {
    awk '
        function emit(s) { print s }
        /^[ \t]*(```|~~~)/ {
            if (!fence) {
                fence = 1; info = $0; sub(/^[ \t]*(```|~~~)[ \t]*/, "", info)
                emit("block " (info == "" ? "-" : info)); nblock++
                next
            }
            fence = 0; emit("end-block"); next
        }
        fence {
            line = $0
            if (info == "sh") {
                if (line ~ /^[ \t]*#/) next
                sub(/[ \t]+#.*$/, "", line); sub(/[ \t]+$/, "", line)
                if (line == "") next
            }
            emit("| " line); next
        }
        /^<!--.*-->[ \t]*$/ { emit("marker " $0); next }
        /^#+ / {
            level = $0; sub(/ .*/, "", level)
            emit("heading " length(level))
            if (level == "##") {
                sec = ""
                if ($0 ~ /^## +(Exercises|练习)[ \t]*$/) sec = "E"
                else if ($0 ~ /^## +(Review questions|复习题)[ \t]*$/) sec = "Q"
                else if ($0 ~ /^## +(Your tasks|你的任务)[ \t]*$/) sec = "T"
                emit("section " (sec == "" ? "-" : sec))
            } else if (level == "#") sec = ""
            if (level == "###" && sec == "T") {
                t = $0
                if (match(t, /^### +(Task|任务) +[0-9]+/)) {
                    n = substr(t, RSTART, RLENGTH); sub(/^### +(Task|任务) +/, "", n)
                    p = t
                    if (match(p, /(\(|（)[0-9]+ *(points?|分)(\)|）)[ \t]*$/)) {
                        p = substr(p, RSTART, RLENGTH); gsub(/[^0-9]/, "", p)
                    } else p = "?"
                    emit("task " n " points " p)
                } else emit("task-heading-malformed")
            }
            next
        }
        (sec == "E" || sec == "Q") && /^ ? ?[0-9]+[.)]([ \t]|$)/ { emit("item " sec) }
    ' "$1"
}

# commands FILE: the inline commands, sorted, unique.
commands() {
    awk '
        /^[ \t]*(```|~~~)/ { fence = !fence; next }
        fence { next }
        {
            s = $0
            while (match(s, /`[^`]+`/)) {
                c = substr(s, RSTART + 1, RLENGTH - 2)
                s = substr(s, RSTART + RLENGTH)
                if (c ~ /^(\.\/|make( |$)|cd |bash |sudo |scripts\/|instructors\/)/) print c
            }
        }' "$1" | sort -u
}

# check EN ZH: print the differences, return 1 if any.
check() {
    local en=$1 zh=$2 bad=0 out
    if [[ ! -f $zh ]]; then
        echo "$en: no Chinese twin ($zh)"
        return 1
    fi
    local enbase zhbase
    enbase=$(basename "$en")
    zhbase=$(basename "$zh")
    grep -qF "[中文]($zhbase)" "$en" || { echo "$en: no link to its twin: [中文]($zhbase)"; bad=1; }
    grep -qF "[English]($enbase)" "$zh" || { echo "$zh: no link back: [English]($enbase)"; bad=1; }
    out=$(diff <(facts "$en") <(facts "$zh") | awk -v en="$en" -v zh="$zh" '
        /^[0-9]/ { next }
        /^---/ { next }
        /^</ { sub(/^< /, ""); print en ": only here: " $0; next }
        /^>/ { sub(/^> /, ""); print zh ": only here: " $0; next }' | head -n 20)
    [[ -z $out ]] || { echo "$out"; bad=1; }
    out=$(comm -3 <(commands "$en") <(commands "$zh") | awk -v en="$en" -v zh="$zh" '
        /^\t/ { sub(/^\t/, ""); print zh ": command not in the English sheet: `" $0 "`"; next }
        { print en ": command not in the Chinese sheet: `" $0 "`" }')
    [[ -z $out ]] || { echo "$out"; bad=1; }
    return $bad
}

# sheets ROOT: every English sheet that must have a twin.
sheets() {
    local f
    for f in "$1"/README.md "$1"/labs/[0-9][0-9]-*/README.md "$1"/project/*/README.md \
        "$1"/project/*/PROTOCOL.md; do
        [[ -f $f ]] && echo "$f"
    done
}

case ${1:-} in
-h | --help) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
--all)
    (($# <= 2)) || usage
    root=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
    rc=0
    while read -r en; do
        check "$en" "${en%.md}.zh.md" || rc=1
    done < <(sheets "$root")
    exit $rc
    ;;
'' | -*) usage ;;
esac
(($# <= 2)) || usage
[[ -f $1 ]] || { echo "twin-check.sh: $1: no such file" >&2; exit 2; }
check "$1" "${2:-${1%.md}.zh.md}"
