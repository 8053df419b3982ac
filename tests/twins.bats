#!/usr/bin/env bats
# tests/twins.bats - the Chinese sheets (README.zh.md, PROTOCOL.zh.md) are twins of the
# English ones: every sheet has its twin, and scripts/twin-check.sh, which checks that the
# two have the same sections, commands, code and expected-output blocks, exercises,
# review questions and tasks, passes on the repository and fails on each kind of drift.
# (The expected-output blocks of both languages are also checked against the programs by
# assert_readme_output, in each lab's own tests.) The failing cases run on copies in
# $BATS_TEST_TMPDIR: the sheets themselves are never touched.
# shellcheck disable=SC2154,SC2016  # output: set by bats' run; backquotes are Markdown here

load helpers

CHECK=$TOP/scripts/twin-check.sh

# pair EN: copy EN and its twin to $BATS_TEST_TMPDIR as en.md / en.zh.md ($EN, $ZH).
pair() {
    EN=$BATS_TEST_TMPDIR/README.md ZH=$BATS_TEST_TMPDIR/README.zh.md
    cp "$TOP/$1" "$EN"
    cp "$TOP/${1%.md}.zh.md" "$ZH"
    run -0 "$CHECK" "$EN" "$ZH"
}

@test "twins: every sheet has a Chinese twin that agrees with it" {
    run "$CHECK" --all "$TOP"
    echo "$output"
    assert_eq "$status" 0
    assert_eq "$output" ""
    # The sheets it checks: the top README, 12 labs, 2 capstones, 2 protocols.
    local n
    n=$(find "$TOP" -path "$TOP/build" -prune -o -name '*.zh.md' -print | grep -cE '/(README|PROTOCOL)\.zh\.md$')
    assert_eq "$n" 17
}

@test "twins: the glossary exists and names the C words Python hid" {
    local g=$TOP/notes/glossary.md term
    [[ -f $g ]] || fail "notes/glossary.md is missing"
    for term in 文件描述符 系统调用 非阻塞 数据竞争 信号屏蔽字 监听 端口 僵尸进程; do
        grep -q "$term" "$g" || fail "the glossary lacks $term"
    done
}

@test "twins: a missing twin fails" {
    local R=$BATS_TEST_TMPDIR/r
    mkdir -p "$R/labs/04-pipe"
    cp "$TOP/labs/04-pipe/README.md" "$R/labs/04-pipe/"
    run -1 "$CHECK" --all "$R"
    assert_contains "$output" "labs/04-pipe/README.md: no Chinese twin"
}

@test "twins: a section, an exercise or a review question in one language only fails" {
    pair labs/04-pipe/README.md
    printf '\n## Extra section\nText.\n' >>"$EN"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "only here: heading 2"

    pair labs/04-pipe/README.md
    # one more exercise in English: after the first item of "## Exercises"
    awk '/^## Exercises/ { s = 1 } s && /^1\. / && !done { print "1. A new exercise."; done = 1 } { print }' \
        "$TOP/labs/04-pipe/README.md" >"$EN"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "only here: item E"

    pair labs/04-pipe/README.md
    awk '/^## 复习题/ { s = 1 } s && /^1\. / && !done { print "1. 新问题？"; done = 1 } { print }' \
        "$TOP/labs/04-pipe/README.zh.md" >"$ZH"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "README.zh.md: only here: item Q"
}

@test "twins: a changed command, code line or expected-output block in one language fails" {
    pair labs/04-pipe/README.md
    sed -i '0,/^\.\/pipe_simplex/s//.\/pipe_simplex -x/' "$ZH"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "README.zh.md: only here: | ./pipe_simplex -x"

    pair labs/04-pipe/README.md
    sed -i 's/(read end) and fd <fd> (write end)$/(READ END) and fd <fd> (write end)/' "$EN"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "README.md: only here: | parent <pid>: pipe() gave fd <fd> (READ END)"

    pair labs/04-pipe/README.md
    sed -i '/<!-- expected-output: pipe_limits -->/d' "$ZH"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "README.md: only here: marker <!-- expected-output: pipe_limits -->"

    # an inline command in one sheet only
    pair labs/04-pipe/README.md
    printf '\nRun `make demo-only-here` too.\n' >>"$ZH"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" 'command not in the English sheet: `make demo-only-here`'

    # a comment in a sh block may be translated: still twins
    pair labs/04-pipe/README.md
    sed -i 's/^\(\.\/pipe_limits\)$/\1  # 测量管道的容量/' "$ZH"
    run -0 "$CHECK" "$EN" "$ZH"
}

@test "twins: a task's points or the language links differing fails" {
    pair labs/04-pipe/README.md
    sed -i 's/^\(### 任务 1：.*\)（[0-9]* 分）$/\1（9 分）/' "$ZH"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "README.zh.md: only here: task 1 points 9"

    pair labs/04-pipe/README.md
    sed -i 's/\[English\](README.md)/English/' "$ZH"
    run -1 "$CHECK" "$EN" "$ZH"
    assert_contains "$output" "no link back"
}

@test "twins: assert_readme_output checks the Chinese sheet's block too" {
    local d=$BATS_TEST_TMPDIR/lab
    mkdir -p "$d"
    printf '# T\n<!-- expected-output: x -->\n```text\nhello <pid>\n```\n' >"$d/README.md"
    printf '# T\n<!-- expected-output: x -->\n```text\nhallo <pid>\n```\n' >"$d/README.zh.md"
    local msg
    output="hello 42"
    msg=$(assert_readme_output "$d/README.md" x 2>&1) && fail "the Chinese block's difference was not seen"
    assert_contains "$msg" "README.zh.md block 'x'"
    cp "$d/README.md" "$d/README.zh.md"
    assert_readme_output "$d/README.md" x
}

@test "twins: twin-check.sh usage" {
    run -2 "$CHECK"
    assert_contains "$output" "usage: twin-check.sh"
    run -0 "$CHECK" -h
    assert_contains "$output" "Usage: twin-check.sh"
}

@test "twins: every relative link of every sheet (both languages) and of the glossary resolves" {
    # (links outside fenced code blocks; a block may show a link as an example)
    local f dir target bad=0
    while read -r f; do
        dir=$(dirname "$f")
        while read -r target; do
            target=${target%%#*}
            [[ -z $target || $target == *://* || $target == mailto:* ]] && continue
            [[ -e $dir/$target ]] || { echo "$f: broken link: $target"; bad=1; }
        done < <(awk '/^[ \t]*(```|~~~)/ { fence = !fence; next } !fence' "$f" |
            grep -oE '\]\([^) ]+\)' | sed 's/^](//; s/)$//')
    done < <(find "$TOP" -path "$TOP/build" -prune -o \( -name 'README*.md' -o -name 'PROTOCOL*.md' -o -name glossary.md \) -print)
    assert_eq "$bad" 0
}
