#!/usr/bin/env bash
# instructors/check-key.sh - keep the answer key complete: every exercise and review
# question of every lab and capstone README has exactly one entry in the key, and the key
# has no entry for an item that no longer exists.
#
# Ids, derived on both sides without editing the READMEs:
#   README  labs/04-pipe/README.md, the 3rd item of "## Exercises"        -> 04-pipe E3
#           project/chatroom/README.md, the 5th item of "## Review questions" -> chatroom Q5
#   key     a heading "### 04-pipe E3" (text may follow: "### 04-pipe E3 - short title")
#           in any instructors/answers/*.md, followed by a non-empty answer.
# An item is a numbered list item ("1." or "1)") indented by at most 2 spaces inside the
# section (up to the next "## " or "# " heading). Nested sub-items (indented further),
# bullets, paragraphs and fenced code blocks are not items. Items are counted in order,
# so "1. 1. 1." (lazy numbering) gives E1, E2, E3 as Markdown renders them; a list that
# starts again at 1 after other numbers is an error (the ids would be ambiguous).
# Relative links in the key must point to files that exist.
#
# Usage: check-key.sh [-n] [-r ROOT] [-k KEYDIR]   check (ROOT: the repository, default the
#                                             one this script is in; KEYDIR: ROOT/instructors/
#                                             answers; -n: do not check the key's links)
#        check-key.sh --items README          print the ids of README's items, one a line
#        check-key.sh --count README          print "EXERCISES QUESTIONS"
# Exit status: 0 complete, 1 something missing, stale, empty or broken (each named on
# stdout), 2 bad usage.
set -uo pipefail

# items UNIT README [NAME]: "UNIT E1", "UNIT Q1", ... in README order; "error: ..." lines
# (naming the file NAME) for a restarted list.
items() {
    awk -v unit="$1" -v file="${3:-$2}" '
        /^[ \t]*(```|~~~)/ { fence = !fence; next }
        fence { next }
        /^##? / {
            sec = ""
            if ($0 ~ /^## +Exercises/) sec = "E"
            else if ($0 ~ /^## +Review questions/) sec = "Q"
            next
        }
        sec != "" && match($0, /^ ? ?[0-9]+[.)]([ \t]|$)/) {
            num = $0; sub(/^ */, "", num); sub(/[.)].*/, "", num); num += 0
            n[sec]++
            if (num == 1 && n[sec] > 1 && last[sec] != 1)
                printf "error: %s line %d: the %s list starts again at 1 (ids would be ambiguous)\n", file, NR, sec
            last[sec] = num
            printf "%s %s%d\n", unit, sec, n[sec]
        }' "$2"
}

unit_of() { # labs/04-pipe/README.md -> 04-pipe
    local d
    d=$(dirname "$1")
    basename "$d"
}

case ${1:-} in
--items)
    [[ $# == 2 && -f $2 ]] || { echo "usage: check-key.sh --items README" >&2; exit 2; }
    items "$(unit_of "$2")" "$2"
    exit 0
    ;;
--count)
    [[ $# == 2 && -f $2 ]] || { echo "usage: check-key.sh --count README" >&2; exit 2; }
    items "$(unit_of "$2")" "$2" | awk '$2 ~ /^E/ { e++ } $2 ~ /^Q/ { q++ } END { print e + 0, q + 0 }'
    exit 0
    ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keydir=
links=1
while getopts ':nr:k:h' opt; do
    case $opt in
    n) links=0 ;;
    r) root=$OPTARG ;;
    k) keydir=$OPTARG ;;
    h) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: check-key.sh [-n] [-r ROOT] [-k KEYDIR] | --items README | --count README" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
(($# == 0)) || { echo "check-key.sh: unexpected argument $1" >&2; exit 2; }
keydir=${keydir:-$root/instructors/answers}
[[ -d $keydir ]] || { echo "check-key.sh: no key folder $keydir" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -f "$tmp"/*; rmdir "$tmp"' EXIT
: >"$tmp/want"
for readme in "$root"/labs/*/README.md "$root"/project/*/README.md; do
    [[ -f $readme ]] || continue
    items "$(unit_of "$readme")" "$readme" "${readme#"$root"/}" >>"$tmp/want"
done
shopt -s nullglob
keys=("$keydir"/*.md)
# The key's entries: "UNIT ID<TAB>FILE:LINE<TAB>number of non-blank lines of its answer".
awk '
    FNR == 1 { flush() }
    /^#(#(#)?)? / { flush() }
    /^### +[^ ]+ +[EQ][0-9]+([ \t]|$)/ {
        split($0, f, /[ \t]+/)
        where = FILENAME; if (index(where, root "/") == 1) where = substr(where, length(root) + 2)
        id = f[2] " " f[3]; where = where ":" FNR; body = 0; next
    }
    id != "" && NF { body++ }
    function flush() { if (id != "") print id "\t" where "\t" body; id = "" }
    END { flush() }' root="$root" "${keys[@]}" /dev/null >"$tmp/have"

bad=0
report() { echo "$*"; bad=1; }
while read -r line; do
    report "$line"
done < <(grep '^error: ' "$tmp/want")
grep -v '^error: ' "$tmp/want" | sort >"$tmp/want.ids"
cut -f1 "$tmp/have" | sort >"$tmp/have.ids"
while read -r id; do
    report "missing: no answer for $id (add a heading '### $id' to a file in ${keydir#"$root"/})"
done < <(comm -23 <(sort -u "$tmp/want.ids") <(sort -u "$tmp/have.ids"))
while read -r id; do
    report "stale: $id is answered in $(awk -F'\t' -v id="$id" '$1 == id { print $2 }' "$tmp/have" | head -n1) but the README has no such item"
done < <(comm -13 <(sort -u "$tmp/want.ids") <(sort -u "$tmp/have.ids"))
while read -r id; do
    report "duplicate: $id is answered more than once: $(awk -F'\t' -v id="$id" '$1 == id { printf "%s ", $2 }' "$tmp/have")"
done < <(uniq -d "$tmp/have.ids")
while IFS=$'\t' read -r id where body; do
    ((body > 0)) || report "empty: $id ($where) has no answer"
done <"$tmp/have"
# Relative links: [text](path) with no scheme and no leading #.
((links)) || keys=()
for k in "${keys[@]}"; do
    while IFS=: read -r ln target; do
        target=${target%%#*}
        [[ -n $target ]] || continue
        [[ -e $(dirname "$k")/$target ]] ||
            report "broken link: ${k#"$root"/}:$ln: $target"
    done < <(grep -no '](\([^)# ]*\)[^)]*)' "$k" | sed -E 's/^([0-9]+):\]\(([^)# ]*).*$/\1:\2/' |
        grep -vE ':[a-z]+:' || true)
done

nq=$(grep -c ' Q[0-9]*$' "$tmp/want.ids")
ne=$(grep -c ' E[0-9]*$' "$tmp/want.ids")
nr=$(cut -d' ' -f1 "$tmp/want.ids" | sort -u | wc -l)
if ((bad)); then
    echo "check-key: the answer key is NOT complete ($ne exercises, $nq review questions in $nr READMEs)"
    exit 1
fi
echo "check-key: the answer key is complete: $ne exercises, $nq review questions in $nr READMEs"
