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

@test "render.awk: median (odd and even counts), min-max and ratio, as Markdown" {
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render md
    # base: 10 20 30 -> median 20; fast: 5 6 10 20 -> median (6+10)/2 = 8; 20/8 = 2.50x
    cat >"$BATS_TEST_TMPDIR/want.md" <<'MD'
# Benchmark demo: demo & <test>

Machine: test machine. Each value is the median of 3 runs, with the min-max beside it; lower is better. "vs" compares the median with the first row of its group.

| grp | median (ms) | min-max (ms) | vs base |
|---|---:|---:|---:|
| base | 20.0 | 10.0-30.0 | 1.00x |
| fast | 8.00 | 5.00-20.0 | 2.50x |

| other | median (ms) | min-max (ms) | vs only |
|---|---:|---:|---:|
| only | 2.50 | 2.50-2.50 | 1.00x |

- first note

![demo](demo.svg)
MD
    assert_output_file "$BATS_TEST_TMPDIR/want.md"
    assert_eq "$stderr" ""
}

@test "render.awk: the terminal table has text bars scaled within each group" {
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render text
    assert_eq "${lines[0]}" "== demo: demo & <test>"
    assert_eq "${lines[1]}" "test machine; 3 runs each, lower is better"
    assert_match "${lines[2]}" '^grp +median ms +min-max +vs base$'
    assert_match "${lines[3]}" '^  base +20\.0 +10\.0-30\.0 +1\.00x  #{30}$'
    assert_match "${lines[4]}" '^  fast +8\.00 +5\.00-20\.0 +2\.50x  #{12}$'
    assert_match "${lines[6]}" '^  only +2\.50 +2\.50-2\.50 +1\.00x  #{30}$'
    assert_eq "${lines[7]}" "note: first note"
}

@test "render.awk: the SVG is well-formed XML, with the labels escaped" {
    fixed_data >"$BATS_TEST_TMPDIR/data.csv"
    render svg >"$BATS_TEST_TMPDIR/demo.svg"
    xml_ok "$BATS_TEST_TMPDIR/demo.svg"
    run -0 grep -c '<rect x=' "$BATS_TEST_TMPDIR/demo.svg"
    assert_eq "$output" 3
    run -0 grep -F 'demo &amp; &lt;test&gt;' "$BATS_TEST_TMPDIR/demo.svg"
}

@test "render.awk: higher-is-better ratios, and a bad row is an error" {
    printf '# better: higher\n# unit: req/s\ng,a,100\ng,b,250\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -0 --separate-stderr render md
    assert_line_matches '^\| b \| 250 \| 250-250 \| 2\.50x \|$'
    printf 'g,a,100\ng,b,fast\n' >"$BATS_TEST_TMPDIR/data.csv"
    run -1 --separate-stderr render md
    assert_eq "$stderr" "render.awk: bad row 2: g,b,fast"
    : >"$BATS_TEST_TMPDIR/data.csv"
    run -1 --separate-stderr render md
    assert_eq "$stderr" "render.awk: no data rows"
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
        assert_line_matches "^-> $out/$name.md, $name.svg, $name.csv$"
        [[ -s $out/$name.csv && -s $out/$name.md && -s $out/$name.svg ]] || fail "$name: missing results"
        assert_eq "$(head -n1 "$out/$name.md" | cut -d: -f1)" "# Benchmark $name"
        grep -q '(quick run: tiny sizes, not a measurement)' "$out/$name.md" ||
            fail "$name.md lacks the quick-run stamp"
        grep -qE '^\|---\|---:\|---:\|---:\|$' "$out/$name.md" || fail "$name.md has no table"
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
    grep -q '^| process pool | [0-9.]* | [0-9.]*-[0-9.]* | [0-9.]*x |$' "$out/pools.md" ||
        fail "no process pool row in pools.md"
}

@test "bench/http: four groups, http-server in each, nginx first when installed" {
    local out=$BATS_TEST_TMPDIR/out
    run -0 --separate-stderr timeout 120 "$RUN" -q -o "$out" http
    run -0 grep -cE '^1 [KM]iB (10|100) conns,http-server,[0-9.]+$' "$out/http.csv"
    assert_eq "$output" 4
    if command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; then
        run -0 grep -cE '^1 [KM]iB (10|100) conns,nginx,[0-9.]+$' "$out/http.csv"
        assert_eq "$output" 4
    fi
}
