# Tests of the bench/ harness: the renderer on fixed data (exact statistics and output),
# and one quick run of every benchmark (tiny sizes, results in a temp dir, not
# bench/results). Nothing here depends on how fast anything runs.
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

setup() {
    RENDER=$TOP/bench/render.awk
    RUN=$TOP/bench/run.sh
}

# xml_ok FILE: FILE is well-formed XML (xmllint, else python3's parser, else skip).
xml_ok() {
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1"
    else
        skip "neither xmllint nor python3 is installed to check the SVG"
    fi
}

fixed_data() {
    cat <<'DATA'
# title: demo & <test>
# unit: ms
# better: lower
# note: first note
grp,base,30
grp,fast,10
grp,base,10
grp,fast,5
# title: ignored: the first title counts
# note: first note
grp,base,20
grp,fast,20
grp,fast,6
other,only,2.5
DATA
}

render() {
    awk -v fmt="$1" -v name=demo -v machine="test machine" -v runs=3 -f "$RENDER" "$BATS_TEST_TMPDIR/data.csv"
}

@test "render.awk: median (odd and even counts), min-max, spread and ratio, as Markdown" {
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render md
    # base: 10 20 30 -> median 20, spread 10/20 = 50%; fast: 5 6 10 20 -> median (6+10)/2
    # = 8, spread (20-8)/8 = 150%; 20/8 = 2.50x; only: one value, no spread
    cat >"$BATS_TEST_TMPDIR/want.md" <<'MD'
# Benchmark demo: demo & <test>

Machine: test machine. Each value is the median of 3 runs, with the min-max beside it and the spread (± the larger distance from the median to the min or the max, in % of the median); lower is better. "vs" compares the median with the first row of its group.

| grp | median (ms) | min-max (ms) | spread | vs base |
|---|---:|---:|---:|---:|
| base | 20.0 | 10.0-30.0 | ±50% | 1.00x |
| fast | 8.00 | 5.00-20.0 | ±150% | 2.50x |

| other | median (ms) | min-max (ms) | spread | vs only |
|---|---:|---:|---:|---:|
| only | 2.50 | 2.50-2.50 | - | 1.00x |

- first note

![demo: a bar chart of the medians, group by group](demo.svg)
MD
    assert_output_file "$BATS_TEST_TMPDIR/want.md"
    assert_eq "$stderr" ""
}

@test "render.awk: the terminal table has the spread and text bars scaled within each group" {
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render text
    assert_eq "${lines[0]}" "== demo: demo & <test>"
    assert_eq "${lines[1]}" "test machine; 3 runs each, lower is better"
    assert_match "${lines[2]}" '^grp +median ms +min-max +spread +vs base$'
    assert_match "${lines[3]}" '^  base +20\.0 +10\.0-30\.0 +\+-50% +1\.00x  #{30}$'
    assert_match "${lines[4]}" '^  fast +8\.00 +5\.00-20\.0 +\+-150% +2\.50x  #{12}$'
    assert_match "${lines[6]}" '^  only +2\.50 +2\.50-2\.50 +- +1\.00x  #{30}$'
    assert_eq "${lines[7]}" "note: first note"
    assert_eq "${#lines[@]}" 8
}

@test "render.awk: the spread is the larger distance from the median, in % of it" {
    printf 'g,a,100\ng,a,104\ng,a,97\ng,b,1000\ng,b,1000\ng,c,0.5\ng,c,0.5\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render md
    assert_line_matches '^\| a \| 100 \| 97\.0-104 \| ±4\.0% \| 1\.00x \|$'
    assert_line_matches '^\| b \| 1000 \| 1000-1000 \| ±0\.0% \| 0\.10x \|$'
    assert_line_matches '^\| c \| 0\.500 \| 0\.500-0\.500 \| ±0\.0% \| 200\.00x \|$'
    run -0 --separate-stderr render text
    assert_match "${lines[3]}" '^  a +100 +97\.0-104 +\+-4\.0% '
}

# Rows with errors: a 4th field, summed over the runs; 3-field rows count 0.
error_data() {
    cat <<'DATA'
# title: a load with failures
# unit: req/s
# better: higher
load 10,server,1000
load 10,server,1100,0
load 10,other,900,0
load 10,other,950,0
load 100,server,800,3
load 100,server,820,2
load 100,other,700,0
load 100,other,760
DATA
}

@test "render.awk: an errors column when a row has one, failing cells marked FAILED" {
    error_data >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render text
    assert_match "${lines[2]}" '^load 10 +median req/s +min-max +spread +errors +vs server$'
    assert_match "${lines[3]}" '^  server +1050 +1000-1100 +\+-4\.8% +0 +1\.00x  #{30}$'
    assert_match "${lines[4]}" '^  other +925 +900-950 +\+-2\.7% +0 +0\.88x  #+$'
    assert_match "${lines[6]}" '^  server +810 +800-820 +\+-1\.2% +5 +1\.00x  #{30}  FAILED$'
    assert_match "${lines[7]}" '^  other +730 +700-760 +\+-4\.1% +0 +0\.90x  #+$'
    assert_eq "${lines[8]}" "FAILED: load 100 / server: 5 errors over 3 runs"
    run -0 --separate-stderr render md
    assert_line_matches '^\| load 100 \| median \(req/s\) \| min-max \(req/s\) \| spread \| errors \| vs server \|$'
    assert_line_matches '^\|---\|---:\|---:\|---:\|---:\|---:\|$'
    assert_line_matches '^\| server \| 1050 \| 1000-1100 \| ±4\.8% \| 0 \| 1\.00x \|$'
    assert_line_matches '^\| server \| 810 \| 800-820 \| ±1\.2% \| \*\*5 FAILED\*\* \| 1\.00x \|$'
    assert_line_matches '^\*\*FAILED\*\*: load 100 / server \(5 errors\)\.$'
    assert_line_matches 'a cell with errors is a failure'
    render svg >"$BATS_TEST_TMPDIR/e.svg"
    xml_ok "$BATS_TEST_TMPDIR/e.svg"
    run -0 grep -c 'stroke="#c00000"' "$BATS_TEST_TMPDIR/e.svg"
    assert_eq "$output" 1
    run -0 grep -F '>FAILED: 5 errors</text>' "$BATS_TEST_TMPDIR/e.svg"
    run -0 grep -F '>810 req/s ±1.2% (1.00x)</text>' "$BATS_TEST_TMPDIR/e.svg"
    run -0 grep -c ', 0 errors</text>' "$BATS_TEST_TMPDIR/e.svg"
    assert_eq "$output" 3
    run -0 text_overflow "$BATS_TEST_TMPDIR/e.svg"
    assert_eq "$output" ""
    # No errors at all: a 4th field of 0 everywhere still shows the column, all zero.
    printf 'g,a,1,0\ng,b,2,0\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render text
    assert_match "${lines[2]}" ' errors +vs a$'
    run -1 grep -q FAILED <<<"$output"
}

@test "render.awk: a bad errors field is a bad row" {
    printf 'g,a,1,0\ng,b,2,x\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -1 --separate-stderr render md
    assert_eq "$stderr" "render.awk: bad row 2: g,b,2,x"
    printf 'g,a,1,-1\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -1 --separate-stderr render md
    assert_eq "$stderr" "render.awk: bad row 1: g,a,1,-1"
    printf 'g,a,1,0,0\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -1 --separate-stderr render md
    assert_eq "$stderr" "render.awk: bad row 1: g,a,1,0,0"
}

@test "render.awk: the SVG is well-formed XML, with the labels escaped" {
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    render svg >"$BATS_TEST_TMPDIR/demo.svg"
    xml_ok "$BATS_TEST_TMPDIR/demo.svg"
    run -0 grep -c '<rect class="bar"' "$BATS_TEST_TMPDIR/demo.svg"
    assert_eq "$output" 3
    run -0 grep -F 'demo &amp; &lt;test&gt;' "$BATS_TEST_TMPDIR/demo.svg"
    run -0 grep -F '>20.0 ms ±50% (1.00x)</text>' "$BATS_TEST_TMPDIR/demo.svg"
    run -0 grep -F '>2.50 ms (1.00x)</text>' "$BATS_TEST_TMPDIR/demo.svg"
}

# variant_fills SVG: "variant fill" for every bar, in order.
variant_fills() {
    sed -n 's/.*<rect class="bar" data-variant="\([^"]*\)".* fill="\([^"]*\)".*/\1 \2/p' "$1"
}

@test "render.awk: one colour per variant in every group, and a legend of them" {
    # The variants come in a different order in each group; "c" only in the second.
    printf 'g1,a,1\ng1,b,2\ng2,b,3\ng2,c,4\ng2,a,5\ng3,a,6\n' >"$BATS_TEST_TMPDIR/data.csv"
    render svg >"$BATS_TEST_TMPDIR/c.svg"
    xml_ok "$BATS_TEST_TMPDIR/c.svg"
    run -0 variant_fills "$BATS_TEST_TMPDIR/c.svg"
    assert_eq "${#lines[@]}" 6
    # shellcheck disable=SC2016  # awk's $1, $2
    run -0 awk '{ if (($1 in f) && f[$1] != $2) bad = 1; f[$1] = $2 }
        END { for (v in f) for (w in f) if (v != w && f[v] == f[w]) bad = 1
              for (v in f) n++; print n, (bad ? "mixed" : "ok") }' <<<"$output"
    assert_eq "$output" "3 ok"
    # The legend: a swatch per variant, in order of first appearance, with its bars' colour.
    run -0 grep -c '<rect class="key"' "$BATS_TEST_TMPDIR/c.svg"
    assert_eq "$output" 3
    local v fill
    for v in a b c; do
        fill=$(variant_fills "$BATS_TEST_TMPDIR/c.svg" | awk -v v="$v" '$1 == v { print $2; exit }')
        grep -A1 '<rect class="key"' "$BATS_TEST_TMPDIR/c.svg" | grep -A1 "fill=\"$fill\"" |
            grep -q ">$v</text>" || fail "no legend entry for $v in $fill"
    done
    run -0 sed -n 's/.*<rect class="key".* fill="\([^"]*\)".*/\1/p' "$BATS_TEST_TMPDIR/c.svg"
    assert_eq "$output" "$(variant_fills "$BATS_TEST_TMPDIR/c.svg" | awk '!seen[$1]++ { print $2 }')"
}

@test "render.awk: the machine and the date in the SVG's footer, below the bars" {
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    awk -v fmt=svg -v name=demo -v runs=3 -f "$RENDER" \
        -v machine="Some CPU, 2 cores, Linux 6.1; 2026-12-07 23:50 UTC, load average 0.10 0.20 0.30 at start" \
        "$BATS_TEST_TMPDIR/data.csv" >"$BATS_TEST_TMPDIR/f.svg"
    xml_ok "$BATS_TEST_TMPDIR/f.svg"
    local last_bar cpu date
    last_bar=$(grep -n '<rect class="bar"' "$BATS_TEST_TMPDIR/f.svg" | tail -n1 | cut -d: -f1)
    cpu=$(grep -n '>Measured on: Some CPU, 2 cores, Linux 6.1</text>' "$BATS_TEST_TMPDIR/f.svg" | cut -d: -f1)
    date=$(grep -n '>2026-12-07 23:50 UTC, load average 0.10 0.20 0.30 at start</text>' "$BATS_TEST_TMPDIR/f.svg" | cut -d: -f1)
    [[ -n $cpu && -n $date ]] || fail "no machine or date in the footer"
    ((last_bar < cpu && cpu < date)) || fail "the footer is not below the bars"
}

# text_overflow SVG: every <text> whose estimated extent (the estimate render.awk uses:
# 0.62 x the font size per byte, 0.68 bold) passes the left edge or the SVG's width.
text_overflow() {
    awk '
        /<svg / { match($0, /width="[0-9]+"/); W = substr($0, RSTART + 7, RLENGTH - 8) + 0 }
        /<text / {
            s = $0
            match(s, / x="[0-9.]+"/); x = substr(s, RSTART + 4, RLENGTH - 5) + 0
            size = 12
            if (match(s, /font-size="[0-9]+"/)) size = substr(s, RSTART + 11, RLENGTH - 12) + 0
            w = (s ~ /font-weight="bold"/) ? 0.68 : 0.62
            t = s; sub(/^.*<text[^>]*>/, "", t); sub(/<\/text>.*$/, "", t)
            gsub(/&amp;|&lt;|&gt;|&quot;/, "_", t)
            len = length(t) * size * w
            if (s ~ /text-anchor="end"/) { if (x - len < 0) print "left: " s }
            else if (x + len > W) print "right (width " W "): " s
        }' "$1"
}

@test "render.awk: no text of the SVG goes beyond its width, however long the lines" {
    local long
    long=$(printf 'word%.0s ' {1..60})
    {
        echo "# title: a very long title that would not fit in 760 pixels at 14 px bold, by a long way, going on and on"
        echo "# unit: k datagrams/s"
        echo "# better: higher"
        echo "# note: $long"
        echo "# note: a_single_token_far_too_long_to_wrap_at_any_space_$(printf 'x%.0s' {1..120})"
        echo "a group with a long name,a variant with a very long name indeed (pinned),123456.7,0"
        echo "a group with a long name,short,1.5,12345"
        echo "g,short,0.001"
    } >"$BATS_TEST_TMPDIR/data.csv"
    awk -v fmt=svg -v name=longest -v runs=1 -f "$RENDER" -v machine="$long; $long" \
        "$BATS_TEST_TMPDIR/data.csv" >"$BATS_TEST_TMPDIR/w.svg"
    xml_ok "$BATS_TEST_TMPDIR/w.svg"
    run -0 text_overflow "$BATS_TEST_TMPDIR/w.svg"
    assert_eq "$output" ""
    # The long lines were wrapped, not widened: every word of the note is there.
    run -0 grep -o 'word' "$BATS_TEST_TMPDIR/w.svg"
    assert_eq "${#lines[@]}" 180
    # The fixtures too, and a plain chart keeps its 760 px.
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    render svg >"$BATS_TEST_TMPDIR/demo.svg"
    run -0 text_overflow "$BATS_TEST_TMPDIR/demo.svg"
    assert_eq "$output" ""
    grep -q '<svg [^>]* width="760"' "$BATS_TEST_TMPDIR/demo.svg" || fail "not 760 px wide"
}

@test "render.awk: higher-is-better ratios, and a bad row is an error" {
    printf '# better: higher\n# unit: req/s\ng,a,100\ng,b,250\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render md
    assert_line_matches '^\| b \| 250 \| 250-250 \| - \| 2\.50x \|$'
    printf 'g,a,100\ng,b,fast\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -1 --separate-stderr render md
    assert_eq "$stderr" "render.awk: bad row 2: g,b,fast"
    : >"$BATS_TEST_TMPDIR/data.csv"
    run -1 --separate-stderr render md
    assert_eq "$stderr" "render.awk: no data rows"
}

# fake_bench DIR: a copy of the harness in DIR/bench with one benchmark, "fake", whose
# rows come from $FAKE_ROWS (a file) and whose run.sh has a "# duration:" line.
fake_bench() {
    mkdir -p "$1/bench/fake"
    cp "$RUN" "$RENDER" "$1/bench/"
    cat >"$1/bench/fake/run.sh" <<'SH'
#!/usr/bin/env bash
# duration: 300 s a run, class 20 s (BENCH_SCALE=class)
echo "# title: fake ($BENCH_SCALE)"
cat "$FAKE_ROWS"
SH
    chmod +x "$1/bench/fake/run.sh"
}

@test "bench/run.sh: says how long it will take, from a benchmark's duration line" {
    local d=$BATS_TEST_TMPDIR/h
    fake_bench "$d"
    printf 'g,a,1\n' >"$BATS_TEST_TMPDIR/rows"
    FAKE_ROWS=$BATS_TEST_TMPDIR/rows run -0 --separate-stderr "$d/bench/run.sh" -r 1 -o "$d/out"
    assert_eq "${lines[0]}" "bench: 1 benchmark, 1 run each, scale full: about 5 minutes on a 2-core machine (fake about 5 minutes)"
    assert_line_matches '^== fake: fake \(full\)$'
    assert_line_matches '^bench: done in [0-9]+ s$'
    FAKE_ROWS=$BATS_TEST_TMPDIR/rows run -0 --separate-stderr "$d/bench/run.sh" -c -o "$d/out"
    assert_eq "${lines[0]}" "bench: 1 benchmark, 2 runs each, scale class: 40 s on a 2-core machine (fake 40 s)"
    assert_line_matches '^== fake: fake \(class\)$'
    assert_line_matches '\(class run: about a tenth of the work per measurement\); 2 runs each'
    # A benchmark that does not read BENCH_SCALE runs full size in a class run, and says so;
    # with no duration line and not in run.sh's table, it counts 10 s a run.
    mkdir "$d/bench/plain"
    printf '#!/bin/sh\necho g,a,1\n' >"$d/bench/plain/run.sh"
    chmod +x "$d/bench/plain/run.sh"
    FAKE_ROWS=$BATS_TEST_TMPDIR/rows run -0 --separate-stderr "$d/bench/run.sh" -c -o "$d/out"
    assert_eq "${lines[0]}" "bench: 2 benchmarks, 2 runs each, scale class: 60 s on a 2-core machine (fake 40 s, plain 20 s)"
    assert_eq "${lines[1]}" "bench: plain: no class scale (BENCH_SCALE) in run.sh: full size"
    BENCH_SCALE=huge run -2 --separate-stderr "$d/bench/run.sh" -o "$d/out"
    assert_eq "$stderr" "run.sh: BENCH_SCALE must be full or class"
}

@test "bench/run.sh: a benchmark that reports errors is named, and the exit status is 1" {
    local d=$BATS_TEST_TMPDIR/e
    fake_bench "$d"
    printf 'g,a,1,0\ng,b,2,3\n' >"$BATS_TEST_TMPDIR/rows"
    FAKE_ROWS=$BATS_TEST_TMPDIR/rows run -1 --separate-stderr "$d/bench/run.sh" -r 2 -o "$d/out"
    assert_eq "$stderr" "run.sh: errors reported (failed requests, timeouts, starved clients or lost messages: see FAILED in their tables): fake (6)"
    assert_line_matches '^  b .* 6 .*FAILED$'
    [[ -s $d/out/fake.md && -s $d/out/fake.svg ]] || fail "no results written"
    # Old 3-field rows and zero errors: all well.
    printf 'g,a,1\ng,b,2,0\n' >"$BATS_TEST_TMPDIR/rows"
    FAKE_ROWS=$BATS_TEST_TMPDIR/rows run -0 --separate-stderr "$d/bench/run.sh" -r 2 -o "$d/out"
    assert_eq "$stderr" ""
}

@test "bench/run.sh: -h, -l, and a name that is not a benchmark" {
    run -0 --separate-stderr "$RUN" -h
    assert_match "${lines[0]}" '^Usage: bench/run.sh '
    run -0 --separate-stderr "$RUN" -l
    assert_line_matches '^gil$'
    assert_line_matches '^pools$'
    run -2 --separate-stderr "$RUN" -q -o "$BATS_TEST_TMPDIR/out" no-such-bench
    assert_eq "$stderr" "run.sh: no benchmark 'no-such-bench' (no executable bench/no-such-bench/run.sh)"
}

@test "bench/run.sh -q: every benchmark runs once and writes its table, Markdown and SVG" {
    local out=$BATS_TEST_TMPDIR/out
    run -0 --separate-stderr timeout 300 "$RUN" -q -o "$out"
    assert_eq "$stderr" ""
    local name
    local -a names
    mapfile -t names < <("$RUN" -l)
    ((${#names[@]} >= 2)) || fail "expected at least the gil and pools benchmarks"
    for name in "${names[@]}"; do
        assert_line_matches "^== $name: "
        assert_line_matches "^-> $out/$name.md, $name.svg, $name.csv \([0-9]+ s, steal time [0-9]+[.][0-9]%\)$"
        [[ -s $out/$name.csv && -s $out/$name.md && -s $out/$name.svg ]] || fail "$name: missing results"
        assert_eq "$(head -n1 "$out/$name.md" | cut -d: -f1)" "# Benchmark $name"
        grep -q '(quick run: tiny sizes, not a measurement)' "$out/$name.md" ||
            fail "$name.md lacks the quick-run stamp"
        grep -qE '^\|---\|(---:\|){4,5}$' "$out/$name.md" || fail "$name.md has no table"
        xml_ok "$out/$name.svg"
    done
}

@test "bench/gil: 4 modes x 2 tasks from gil_bench, and Python's rows only if python3 is there" {
    local out=$BATS_TEST_TMPDIR/out
    BENCH_PYTHON=no-such-python run -0 --separate-stderr timeout 120 "$RUN" -q -o "$out" gil
    run -0 grep -cE '^(cpu|io),(serial|threads|processes|threads\+GIL),[0-9.]+$' "$out/gil.csv"
    assert_eq "$output" 8
    run -1 grep -c '^python' "$out/gil.csv"
    if command -v python3 >/dev/null 2>&1; then
        run -0 --separate-stderr timeout 120 "$RUN" -q -o "$out" gil
        run -0 grep -cE '^python (cpu|io),(serial|threads|processes),[0-9.]+$' "$out/gil.csv"
        assert_eq "$output" 6
        grep -q '^| python cpu | median (s) |' "$out/gil.md" || fail "no python table in gil.md"
    fi
}

@test "bench/pools: fork per task vs process pool, thread per task vs thread pool" {
    local out=$BATS_TEST_TMPDIR/out
    run -0 --separate-stderr timeout 120 "$RUN" -q -o "$out" pools
    # shellcheck disable=SC2016  # $1, $2 are awk's fields
    run -0 --separate-stderr awk -F, '!/^#/ { print $1 "," $2 }' "$out/pools.csv"
    assert_eq "$output" "processes,fork per task
processes,process pool
threads,thread per task
threads,thread pool"
    grep -q '^| process pool | [0-9.]* | [0-9.]*-[0-9.]* | [-±0-9.%]* | [0-9.]*x |$' "$out/pools.md" ||
        fail "no process pool row in pools.md"
    # The steal time while it ran: a note of the table, and in the line that names the files.
    grep -qE '^- steal time while it ran: [0-9]+[.][0-9]% of the CPU time' "$out/pools.md" ||
        fail "no steal time in pools.md"
}

@test "bench/http: four groups, http-server in each, nginx first when installed, the floor in 1 KiB's" {
    local out=$BATS_TEST_TMPDIR/out
    run -0 --separate-stderr timeout 120 "$RUN" -q -o "$out" http
    run -0 grep -cE '^1 [KM]iB (10|100) conns,http-server,[0-9.]+$' "$out/http.csv"
    assert_eq "$output" 4
    # http_ref, the floor, answers every request of the 1 KiB groups (and only those).
    run -0 grep -cE '^1 KiB (10|100|1000) conns,http_ref,[0-9.]+$' "$out/http.csv"
    assert_eq "$output" 3
    run -1 grep -E '^1 MiB [0-9]+ conns,http_ref,' "$out/http.csv"
    if command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; then
        run -0 grep -cE '^1 [KM]iB (10|100) conns,nginx,[0-9.]+$' "$out/http.csv"
        assert_eq "$output" 4
    fi
    # BENCH_HTTP_OTHER: another build measured beside it, in every group.
    BENCH_HTTP_OTHER=$BIN/labs/12-http-server/http-server run -0 --separate-stderr timeout 120 "$RUN" -q -o "$out" http
    run -0 grep -cE '^1 [KM]iB [0-9]+ conns,other,[0-9.]+$' "$out/http.csv"
    assert_eq "$output" 5
    BENCH_HTTP_OTHER=/nonexistent run -1 --separate-stderr timeout 120 "$RUN" -q -o "$out" http
    assert_match "$stderr" "BENCH_HTTP_OTHER: /nonexistent is not a program"
}

@test "bench/fileserver: each row next to its honest limit, and a failing server counted as errors" {
    local out=$BATS_TEST_TMPDIR/out
    run -0 --separate-stderr timeout 120 "$RUN" -q -o "$out" fileserver
    # The limits, measured in the same run: the zero-copy and the copying pair for GET, the
    # disk written as the server writes it (write+writeback+fsync) for PUT, and the plain
    # write+fsync beside it, raw TCP for PUT's network half; every row with 0 errors.
    local g
    for g in 'GET [0-9]+ MiB,zero-copy pair' 'GET [0-9]+ MiB copying,copying pair' \
        'PUT [0-9]+ MiB,write\+writeback\+fsync' 'PUT [0-9]+ MiB,write\+fsync' \
        'PUT [0-9]+ MiB network,raw TCP' 'PUT [0-9]+ MiB,file-server'; do
        grep -qE "^$g,[0-9.]+,0$" "$out/fileserver.csv" || fail "no row /$g/ with 0 errors"
    done
    grep -q '^# note: space: this run needs [0-9]* MiB free' "$out/fileserver.csv" || fail "no space note"
    # A server that takes 2 clients at a time and 4 KiB uploads: the uploads and the clients
    # it turns away are errors, the table says FAILED and run.sh exits 1.
    BENCH_SERVER_ARGS="-c 2 -m 4096" run -1 --separate-stderr timeout 120 "$RUN" -q -o "$out" fileserver
    grep -qE '^PUT [0-9]+ MiB,file-server,[0-9.]+,[1-9][0-9]*$' "$out/fileserver.csv" || fail "PUT's errors not counted"
    grep -qE '^[0-9]+ x GET [0-9]+ MiB,file-server,[0-9.]+,[1-9][0-9]*$' "$out/fileserver.csv" ||
        fail "the refused clients not counted"
    assert_match "$output" "FAILED"
}

@test "bench/http/http_ref: the canned reply, once per request head, pipelined ones too" {
    local ref=$BIN/bench/http/http_ref
    assert_usage "$ref"
    run -2 --separate-stderr "$ref" -s 2000000
    start_server "$BATS_TEST_TMPDIR/ref.out" "$ref" -p 0 -t 2 -s 5
    # Two request heads in one write, the second split from its blank line by nothing:
    # two replies, each a head ending in a blank line and a 5-byte body.
    local conn
    exec {conn}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    printf 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n' >&"$conn"
    local one want
    one=$(printf 'HTTP/1.1 200 OK\r\nServer: http_ref\r\nDate: Tue, 08 Dec 2026 00:00:00 GMT\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\nLast-Modified: Tue, 08 Dec 2026 00:00:00 GMT\r\nETag: "0-0"\r\nAccept-Ranges: bytes\r\n\r\nxxxxx')
    want=$one$one
    run -0 timeout 5 head -c "${#want}" <&"$conn"
    exec {conn}<&-
    assert_eq "$output" "$want"
    # SIGTERM: it closes everything and exits 0.
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID" 5
    assert_eq "$BG_STATUS" 0
}

@test "bench/compare.sh: the same results agree; a median or a ratio moved past the limit is named" {
    local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
    mkdir -p "$a" "$b"
    fixed_data >"$a/demo.csv"
    cp "$a/demo.csv" "$b/demo.csv"
    run -0 "$TOP/bench/compare.sh" "$a" "$b"
    assert_line_matches '^grp / fast +8.00 +8.00 +\+0.0% +2.50x +2.50x +\+0.0%$'
    assert_eq "${lines[-1]}" "compare.sh: all 3 cells within 10% (medians and vs ratios)"
    # base's median 20 -> 22 (+10%: within) -> 23 (+15%: moved; fast's ratio moves with it).
    sed -i 's/^grp,base,20$/grp,base,22/' "$b/demo.csv"
    run -0 "$TOP/bench/compare.sh" "$a" "$b" demo
    sed -i 's/^grp,base,22$/grp,base,23/' "$b/demo.csv"
    run -1 "$TOP/bench/compare.sh" "$a" "$b" demo
    assert_line_matches '^grp / base +20.0 +23.0 +\+15.0% +1.00x +1.00x +\+0.0%  MOVED$'
    assert_contains "$output" "compare.sh: 2 of 3 cells moved more than 10%:
  demo: grp / base (median +15.0%, vs +0.0%)
  demo: grp / fast (median +0.0%, vs +15.0%)"
    run -0 "$TOP/bench/compare.sh" -t 20 "$a" "$b"
    run -2 --separate-stderr "$TOP/bench/compare.sh" "$a"
    run -2 --separate-stderr "$TOP/bench/compare.sh" "$a" "$BATS_TEST_TMPDIR/none"
}
