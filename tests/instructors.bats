#!/usr/bin/env bats
# shellcheck disable=SC2154  # stderr: set by run --separate-stderr
# tests/instructors.bats - the instructor kit (instructors/): the answer key has an entry
# for every exercise and review question of every lab and capstone README, and none for
# an item that no longer exists; and instructors/check-key.sh, which checks that, catches
# a question added without an answer, stale/duplicate/empty entries and broken links, and
# counts items right (nested sub-items, code blocks, lazy numbering, two-digit numbers).
# The checker works on any tree (-r ROOT -k KEYDIR), so the failing cases run on copies in
# $BATS_TEST_TMPDIR: the READMEs themselves are never touched.

load helpers

CHECK=$TOP/instructors/check-key.sh

# copy_tree: the READMEs and the key, copied to $R (links in the key are not checked there:
# -n, the files they point to are not copied).
copy_tree() {
    R=$BATS_TEST_TMPDIR/r
    local f rel
    for f in "$TOP"/labs/*/README.md "$TOP"/project/*/README.md; do
        rel=${f#"$TOP"/}
        mkdir -p "$R/${rel%/README.md}"
        cp "$f" "$R/$rel"
    done
    mkdir -p "$R/instructors"
    cp -r "$TOP/instructors/answers" "$R/instructors/"
}

# add_item FILE SECTION TEXT: append a numbered item TEXT at the end of the list in the
# section "## SECTION" of FILE (before the next "## " heading).
add_item() {
    awk -v sec="## $2" -v text="$3" '
        in_sec && /^## / { print text; print ""; in_sec = 0; done = 1 }
        index($0, sec) == 1 { in_sec = 1 }
        { print }
        END { if (in_sec && !done) print text }' "$1" >"$1.new" && mv "$1.new" "$1"
}

@test "the answer key is complete: every exercise and review question of every README, nothing stale" {
    run --separate-stderr -0 timeout 60 "$CHECK"
    assert_eq "$stderr" ""
    assert_match "$output" '^check-key: the answer key is complete: [0-9]+ exercises, [0-9]+ review questions in [0-9]+ READMEs$'
    # The count of READMEs is every lab and capstone that has one.
    local n
    n=$(find "$TOP/labs" "$TOP/project" -mindepth 2 -maxdepth 2 -name README.md | wc -l)
    assert_match "$output" " in $n READMEs\$"
}

@test "a review question added to a lab README without an answer fails, naming it; its answer fixes it" {
    copy_tree
    local readme=$R/labs/04-pipe/README.md
    local n
    n=$("$CHECK" --count "$readme" | cut -d' ' -f2)
    add_item "$readme" "Review questions" "$((n + 1)). A question added today, with no answer yet?"
    run -1 timeout 60 "$CHECK" -n -r "$R"
    assert_line_matches "^missing: no answer for 04-pipe Q$((n + 1)) "
    assert_eq "${#lines[@]}" 2
    assert_match "${lines[1]}" '^check-key: the answer key is NOT complete'
    printf '\n### 04-pipe Q%d\nThe answer.\n' "$((n + 1))" >>"$R/instructors/answers/04-pipe.md"
    run -0 timeout 60 "$CHECK" -n -r "$R"
}

@test "an exercise added to a capstone README without an answer fails, naming it" {
    copy_tree
    local readme=$R/project/chatroom/README.md
    local n
    n=$("$CHECK" --count "$readme" | cut -d' ' -f1)
    add_item "$readme" "Exercises" "$((n + 1)). **New.** Do something new."
    run -1 timeout 60 "$CHECK" -n -r "$R"
    assert_line_matches "^missing: no answer for chatroom E$((n + 1)) "
}

@test "answers for items that do not exist, twice the same answer, an empty answer: each fails, named" {
    copy_tree
    local key=$R/instructors/answers/02-orphan.md n
    n=$("$CHECK" --count "$R/labs/02-orphan/README.md" | cut -d' ' -f2)
    printf '\n### 02-orphan Q%d\nAn answer to nothing.\n' "$((n + 1))" >>"$key"
    printf '\n### 99-gone E1\nA lab that is gone.\n' >>"$key"
    run -1 timeout 60 "$CHECK" -n -r "$R"
    assert_line_matches "^stale: 02-orphan Q$((n + 1)) is answered in .*02-orphan.md:[0-9]+ but the README has no such item$"
    assert_line_matches '^stale: 99-gone E1 '
    rm -rf "$R"
    copy_tree
    printf '\n### 02-orphan Q1\nA second answer.\n' >>"$key"
    printf '\n### 02-orphan Q2 - nothing under it\n\n## More\n' >>"$key"
    run -1 timeout 60 "$CHECK" -n -r "$R"
    assert_line_matches '^duplicate: 02-orphan Q1 is answered more than once: '
    assert_line_matches '^duplicate: 02-orphan Q2 '
    assert_line_matches '^empty: 02-orphan Q2 \(.*02-orphan.md:[0-9]+\) has no answer$'
}

@test "items: nested sub-items, bullets, code blocks, paragraphs, lazy and two-digit numbering" {
    local r=$BATS_TEST_TMPDIR/t
    mkdir -p "$r/labs/99-x" "$r/instructors/answers"
    cat >"$r/labs/99-x/README.md" <<'EOF'
# Lab 99 — a test sheet
## Exercises
A paragraph; 1. in the middle of a line is no item.
1. First exercise,
   continued on a second line.
   1. a nested sub-item
   2. another one
   ```sh
   1. inside a code block in the item
   ```
2) Second exercise (with a parenthesis).
- a bullet between items
3. Third exercise.
```text
1. inside a code block at the top level
```
### A sub-heading does not end the section
4. Fourth exercise.
## Review questions
1. lazy
1. lazy
1. lazy
## Files
1. not in a section that counts
EOF
    run -0 "$CHECK" --items "$r/labs/99-x/README.md"
    assert_eq "$output" "$(printf '99-x E%s\n' 1 2 3 4; printf '99-x Q%s\n' 1 2 3)"
    run -0 "$CHECK" --count "$r/labs/99-x/README.md"
    assert_eq "$output" "4 3"
    # ten and more: two-digit numbers are items too
    { echo "## Review questions"; for i in $(seq 1 12); do echo "$i. question $i"; done; } \
        >"$r/labs/99-x/README.md"
    run -0 "$CHECK" --count "$r/labs/99-x/README.md"
    assert_eq "$output" "0 12"
    # a list that starts again at 1 after 2 would make ids ambiguous: an error
    printf '## Exercises\n1. a\n2. b\n\nSome text.\n\n1. c\n' >"$r/labs/99-x/README.md"
    printf '### 99-x E%s\nx\n\n' 1 2 3 >"$r/instructors/answers/99-x.md"
    run -1 "$CHECK" -r "$r"
    assert_line_matches '^error: labs/99-x/README.md line 7: the E list starts again at 1'
}

@test "a broken relative link in the key fails, naming the file and line" {
    local r=$BATS_TEST_TMPDIR/t
    mkdir -p "$r/labs/99-x" "$r/instructors/answers"
    printf '## Exercises\n1. a\n' >"$r/labs/99-x/README.md"
    printf '### 99-x E1\nSee [it](../../labs/99-x/README.md), [web](https://example.org/x).\n' \
        >"$r/instructors/answers/99-x.md"
    run -0 "$CHECK" -r "$r"
    printf 'And [gone](../../labs/99-x/gone.c#L3).\n' >>"$r/instructors/answers/99-x.md"
    run -1 "$CHECK" -r "$r"
    assert_line_matches '^broken link: instructors/answers/99-x.md:3: \.\./\.\./labs/99-x/gone\.c$'
    run -0 "$CHECK" -n -r "$r"
}

@test "check-key.sh and timings.sh: -h exits 0, bad usage exits 2" {
    run -0 "$CHECK" -h
    assert_line_matches '^Usage: check-key.sh'
    run -2 "$CHECK" -Z
    run -2 "$CHECK" --count
    run -0 "$TOP/instructors/timings.sh" -h
    assert_line_matches '^usage: timings.sh'
    run -2 "$TOP/instructors/timings.sh" -Z
}
