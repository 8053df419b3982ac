# Tests of lab 12: http-server, the multithreaded HTTP server (and http-load, its checker).
# Clients: curl for ordinary requests; bash's /dev/tcp for raw bytes (malformed requests,
# keep-alive, pipelining, slow and silent clients), read back with read_reply below;
# http-load for 200 connections at once; headless Chromium for a real browser.
# bats file_tags=tsan
# shellcheck disable=SC2154,SC2153  # stderr: set by run --separate-stderr; BG_PID by start_bg
load helpers

# Bytes, not characters: read -N counts bytes only in the C locale.
export LC_ALL=C

LAB=labs/12-http-server
README=$TOP/$LAB/README.md
WWW=$TOP/$LAB/www

setup() {
    P=$BIN/$LAB
    trap '' PIPE # writing to a connection the server has closed: EPIPE, not death
    command -v curl >/dev/null || skip "curl is not installed (Debian: apt-get install curl)"
}

# serve [ARGS...]: start http-server on a free port; its log is $LOG, its URL $URL.
serve() {
    LOG=$BATS_TEST_TMPDIR/server.out
    start_server "$LOG" "$P/http-server" -p 0 "$@"
    URL=http://$SERVER_HOST:$SERVER_PORT
}

# connect: a new connection to the server, on the fd whose number is put in $CONN.
connect() {
    exec {CONN}<>"/dev/tcp/$SERVER_HOST/$SERVER_PORT"
}

# send TEXT: write TEXT, byte for byte, on $CONN.
send() {
    printf '%s' "$1" >&"$CONN"
}

# read_reply [head]: read one reply from $CONN: STATUS (the code), HEAD (the status line
# and header lines, without CRs), BODY (Content-Length bytes; none with "head", for a
# reply to HEAD, and never for 304). bash reads a socket one byte at a time, so nothing of the next reply
# is consumed: replies can be read one after another from a pipelined stream.
read_reply() {
    local line len=0 t=$((5 * TIMEOUT_SCALE))
    STATUS='' HEAD='' BODY=''
    IFS= read -r -t "$t" line <&"$CONN" || { fail "no reply (read: $?)"; return 1; }
    line=${line%$'\r'}
    [[ $line =~ ^HTTP/1\.1\ ([0-9]{3})\ [A-Za-z] ]] || { fail "bad status line: '$line'"; return 1; }
    STATUS=${BASH_REMATCH[1]}
    HEAD=$line
    while IFS= read -r -t "$t" line <&"$CONN"; do
        line=${line%$'\r'}
        [[ -z $line ]] && break
        HEAD+=$'\n'$line
        [[ ${line,,} =~ ^content-length:\ ([0-9]+)$ ]] && len=${BASH_REMATCH[1]}
    done
    if [[ ${1:-} != head && $STATUS != 304 ]] && ((len > 0)); then
        IFS= read -r -d '' -N "$len" -t "$t" BODY <&"$CONN" || true
        ((${#BODY} == len)) || { fail "body: ${#BODY} of $len bytes"; return 1; }
    fi
    return 0
}

# header NAME: the value of header NAME in $HEAD (empty if absent).
header() {
    local line
    while IFS= read -r line; do
        [[ ${line,,} == "${1,,}: "* ]] && { printf '%s\n' "${line#*: }"; return 0; }
    done <<<"$HEAD"
    return 0
}

# assert_closed: the server has closed $CONN (read sees end of file, not a time-out).
assert_closed() {
    local x rc=0
    IFS= read -r -N 1 -t $((5 * TIMEOUT_SCALE)) x <&"$CONN" || rc=$?
    ((rc == 1)) || fail "the connection is still open (read: $rc, got '$x')"
}

# assert_open: $CONN is still open and nothing is waiting to be read on it.
assert_open() {
    local x rc=0
    IFS= read -r -N 1 -t 0.3 x <&"$CONN" || rc=$?
    ((rc > 128)) || fail "expected an open, silent connection (read: $rc, got '$x')"
}

# raw TEXT: send TEXT on a new connection and read one reply (see read_reply).
raw() {
    connect
    send "$1"
    read_reply "${2:-}"
}

# settle_threads: serve one request, and wait until the server is back to its idle thread
# count, IDLE_THREADS: the main thread, and in a TSan build the sanitizer's background
# thread as well, which starts with the first pthread_create().
settle_threads() {
    raw $'GET /hello.txt HTTP/1.0\r\n\r\n'
    assert_closed
    exec {CONN}>&- # the server's thread waits for the client's close (close_gracefully)
    IDLE_THREADS=1
    [[ $BIN != */build/tsan* ]] || IDLE_THREADS=2
    wait_until threads_are "$SERVER_PID" "$IDLE_THREADS"
}

thread_count() {
    local -a t=("/proc/$1/task/"*)
    printf '%s\n' "${#t[@]}"
}
threads_are() { [[ $(thread_count "$1") == "$2" ]]; }
threads_at_least() { (($(thread_count "$1") >= $2)); }
threads_below() { (($(thread_count "$1") < $2)); }
fds_are() { [[ $(fd_count "$1") == "$2" ]]; }

# A site for the tricky cases: $SITE/root is the document root, $SITE/secret.txt lies
# outside it, and symbolic links inside point out of it (and within it).
make_site() {
    SITE=$BATS_TEST_TMPDIR/site
    mkdir -p "$SITE/root/sub" "$SITE/root/empty-dir"
    echo "TOP SECRET" >"$SITE/secret.txt"
    echo "hello" >"$SITE/root/hello.txt"
    echo "in sub" >"$SITE/root/sub/file.txt"
    echo "spaced" >"$SITE/root/a b.txt"
    echo "accent" >"$SITE/root/é.txt"
    ln -s ../secret.txt "$SITE/root/link-out"
    ln -s "$SITE" "$SITE/root/dir-out"
    ln -s hello.txt "$SITE/root/link-in"
    mkfifo "$SITE/root/fifo"
}

@test "http-server and http-load: -h exits 0 with the usage, bad usage exits 2" {
    local prog
    for prog in http-server http-load; do
        assert_usage "$P/$prog"
    done
    run -2 --separate-stderr timeout 5 "$P/http-server" -p 70000
    assert_eq "${stderr%%$'\n'*}" "http-server: bad port '70000' (expected a whole number from 0 to 65535)"
    run -2 timeout 5 "$P/http-server" -c 0
    run -2 timeout 5 "$P/http-server" -t
    run -2 timeout 5 "$P/http-server" extra
    run -2 --separate-stderr timeout 5 "$P/http-server" -p 0 -H no-such-host.invalid
    assert_match "$stderr" "^http-server: bad host 'no-such-host\.invalid'"
    # The defaults, one constant each, as -h states them (4096: room for slow clients)
    run -0 timeout 5 "$P/http-server" -h
    assert_line_matches '^  -c max .*\(default 4096\)$'
    assert_line_matches '^  -H host .*\(default 127\.0\.0\.1\)$'
    assert_line_matches '^  -p port .*\(default 8000\)$'
    assert_line_matches '^ .*\(default 10\)$'
    assert_usage "$P/slowloris"
    run -2 timeout 5 "$P/slowloris" -n 5
    run -2 timeout 5 "$P/slowloris" -p 1 -m fast
    run -2 timeout 5 "$P/http-load" /
    run -2 timeout 5 "$P/http-load" -p 1 nopath
    run -1 --separate-stderr timeout 5 "$P/http-server" -p 0 -r "$BATS_TEST_TMPDIR/none"
    assert_eq "$stderr" "http-server: open document root $BATS_TEST_TMPDIR/none: No such file or directory"
}

@test "GET /: 200, the index page byte for byte, with Date, Server, Content-Type, Content-Length" {
    serve
    assert_match "$(head -n1 "$LOG")" '^listening on 127\.0\.0\.1:[0-9]+$'
    local t0 t1 body=$BATS_TEST_TMPDIR/body
    t0=$(date +%s)
    run -0 timeout 10 curl -sS -D "$BATS_TEST_TMPDIR/head" -o "$body" "$URL/"
    t1=$(date +%s)
    cmp "$body" "$WWW/index.html"
    HEAD=$(tr -d '\r' <"$BATS_TEST_TMPDIR/head")
    assert_eq "${HEAD%%$'\n'*}" "HTTP/1.1 200 OK"
    assert_eq "$(header Content-Type)" "text/html; charset=utf-8"
    assert_eq "$(header Content-Length)" "$(stat -c %s "$WWW/index.html")"
    assert_eq "$(header Server)" "posix-labs-http/1.0"
    assert_eq "$(header Connection)" ""
    local d
    d=$(header Date)
    assert_match "$d" '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
    d=$(date -u -d "$d" +%s)
    ((d >= t0 - 1 && d <= t1 + 1)) || fail "Date is $d, not between $t0 and $t1"
    wait_for_line "$LOG" "\"GET / HTTP/1\\.1\" 200 $(stat -c %s "$WWW/index.html")\$" >/dev/null
}

@test "every file of the site, byte for byte, with its Content-Type" {
    serve -q
    local f
    for f in index.html style.css site.js hello.txt img/threads.png docs/index.html; do
        run -0 timeout 10 curl -sS -o "$BATS_TEST_TMPDIR/got" -w '%{http_code} %{content_type}' "$URL/$f"
        case $f in
        *.html) assert_eq "$output" "200 text/html; charset=utf-8" ;;
        *.css) assert_eq "$output" "200 text/css; charset=utf-8" ;;
        *.js) assert_eq "$output" "200 text/javascript; charset=utf-8" ;;
        *.txt) assert_eq "$output" "200 text/plain; charset=utf-8" ;;
        *.png) assert_eq "$output" "200 image/png" ;;
        esac
        cmp "$BATS_TEST_TMPDIR/got" "$WWW/$f"
    done
}

@test "Content-Type by extension (any case); application/octet-stream otherwise" {
    local root=$BATS_TEST_TMPDIR/types ext
    mkdir -p "$root"
    for ext in html css js json txt png jpg gif svg ico bin HTML Png mjs wasm mp4 webm webp woff2 \
        pdf xml csv md; do
        echo x >"$root/f.$ext"
    done
    echo x >"$root/noext"
    serve -q -r "$root"
    local -A want=([html]="text/html; charset=utf-8" [css]="text/css; charset=utf-8"
        [js]="text/javascript; charset=utf-8" [json]=application/json
        [txt]="text/plain; charset=utf-8" [png]=image/png [jpg]=image/jpeg [gif]=image/gif
        [svg]=image/svg+xml [ico]=image/x-icon [bin]=application/octet-stream
        [HTML]="text/html; charset=utf-8" [Png]=image/png
        [mjs]="text/javascript; charset=utf-8" [wasm]=application/wasm [mp4]=video/mp4
        [webm]=video/webm [webp]=image/webp [woff2]=font/woff2 [pdf]=application/pdf
        [xml]=application/xml [csv]="text/csv; charset=utf-8" [md]="text/markdown; charset=utf-8")
    for ext in "${!want[@]}"; do
        run -0 timeout 10 curl -sS -o /dev/null -w '%{content_type}' "$URL/f.$ext"
        assert_eq "$output" "${want[$ext]}"
    done
    run -0 timeout 10 curl -sS -o /dev/null -w '%{content_type}' "$URL/noext"
    assert_eq "$output" application/octet-stream
}

@test "HEAD: the same head as GET, and no body (the next reply follows the head directly)" {
    serve
    raw $'HEAD /style.css HTTP/1.1\r\nHost: t\r\n\r\n' head
    assert_eq "$STATUS" 200
    assert_eq "$(header Content-Length)" "$(stat -c %s "$WWW/style.css")"
    assert_eq "$(header Content-Type)" "text/css; charset=utf-8"
    local head_reply=$HEAD
    send $'GET /style.css HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 200
    assert_eq "$(sed 1,2d <<<"$HEAD")" "$(sed 1,2d <<<"$head_reply")" # all but status and Date
    assert_eq "$BODY" "$(cat "$WWW/style.css")"$'\n'
    send $'HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply head
    assert_eq "$STATUS" 404
    send $'GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 200
    assert_closed
    wait_for_line "$LOG" '"HEAD /style\.css HTTP/1\.1" 200 0$' >/dev/null
}

@test "the 404 page: a small HTML page that says so (the README's example)" {
    serve
    run -0 timeout 10 curl -si "$URL/no-such-page.html"
    output=${output//$'\r'/}
    assert_readme_output "$README" "curl 404"
    run -0 timeout 10 curl -s -o /dev/null -w '%{http_code}' "$URL/img/none.png"
    assert_eq "$output" 404
}

# bats test_tags=task:2,points:2
@test "directories: /docs -> 301 /docs/, which serves its index.html; no index.html: 404" {
    make_site
    cp "$WWW/index.html" "$SITE/root/sub/index.html"
    serve -r "$SITE/root"
    raw $'GET /sub HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 301
    assert_eq "$(header Location)" /sub/
    assert_contains "$BODY" "301 Moved Permanently"
    send $'GET /sub/ HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 200
    assert_eq "$BODY" "$(cat "$WWW/index.html")"$'\n'
    send $'GET / HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 404 # the root has no index.html
    send $'GET /empty-dir/ HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 404
    send $'GET /hello.txt/ HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 404 # a file is not a directory
    send $'GET /fifo HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 404 # not a regular file (and opening it did not block)
    send $'GET /%73ub/./file.txt?x=/../y HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 200
    assert_eq "$BODY" $'in sub\n'
    run -0 timeout 10 curl -sS -L -o /dev/null -w '%{http_code} %{url_effective}' "$URL/sub"
    assert_eq "$output" "200 $URL/sub/"
    # The query string goes along with the redirect.
    raw $'GET /sub?lang=zh&x=/../y HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS $(header Location)" "301 /sub/?lang=zh&x=/../y"
    raw $'GET /sub? HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$(header Location)" "/sub/?"
    run -0 timeout 10 curl -sS -L -o /dev/null -w '%{http_code} %{url_effective}' "$URL/sub?a=1"
    assert_eq "$output" "200 $URL/sub/?a=1"
    # The Location is built from the normalised path, percent-encoded: "//evil.example"
    # cannot become a redirect to another site.
    mkdir -p "$SITE/root/evil.example" "$SITE/root/a b"
    raw $'GET //evil.example HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$(header Location)" /evil.example/
    raw $'GET /a%20b HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$(header Location)" /a%20b/
}

@test "percent-decoding once; the query is ignored" {
    make_site
    serve -q -r "$SITE/root"
    local target
    for target in /hello.txt /%68ello.txt /hello%2Etxt '/hello.txt?a=1&b=/../x' \
        /./hello.txt //hello.txt http://t/hello.txt; do
        raw "GET $target HTTP/1.1"$'\r\nHost: t\r\nConnection: close\r\n\r\n'
        [[ $STATUS == 200 && $BODY == $'hello\n' ]] || fail "$target: $STATUS '$BODY'"
    done
    raw $'GET /a%20b.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS $BODY" $'200 spaced\n'
    raw $'GET /%C3%A9.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS $BODY" $'200 accent\n'
    raw $'GET /hello.txt%3Fa=1 HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 404 # an encoded '?' is part of the name
    raw $'GET /%2568ello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 404 # decoded once: the name is "%68ello.txt"
}

# bats test_tags=task:1
@test "a .. that stays inside the root removes the segment before it, in any encoding" {
    make_site
    serve -q -r "$SITE/root"
    local target
    for target in /sub/../hello.txt /sub/..%2fhello.txt; do
        raw "GET $target HTTP/1.1"$'\r\nHost: t\r\nConnection: close\r\n\r\n'
        [[ $STATUS == 200 && $BODY == $'hello\n' ]] || fail "$target: $STATUS '$BODY'"
    done
}

# bats test_tags=task:1,points:3
@test "no escape from the root: .. in every encoding, and symlinks, never give the file" {
    make_site
    serve -r "$SITE/root"
    local -a cases=(
        403 /../secret.txt 403 /%2e%2e/secret.txt 403 /%2E%2E/secret.txt
        403 /.%2e/secret.txt 403 /%2e./secret.txt 403 /..%2fsecret.txt
        403 /%2e%2e%2fsecret.txt 403 /%2e%2e%2Fsecret.txt 403 /sub/../../secret.txt
        403 /sub/%2e%2e/%2e%2e/secret.txt 403 /sub/..%2f..%2fsecret.txt 403 /./../secret.txt
        403 //../secret.txt 403 /.. 403 /%2e%2e 403 /../../../../../../etc/passwd
        403 http://t/../secret.txt 403 '/..?/secret.txt'
        404 /%252e%252e/secret.txt 404 /..%5csecret.txt 404 /...
        400 /..%00/secret.txt 400 /secret.txt%00.html 400 /%2e%2e%00
        403 /link-out 403 /dir-out/secret.txt 403 /dir-out/root/hello.txt 403 /link-in
    )
    local i want target
    for ((i = 0; i < ${#cases[@]}; i += 2)); do
        want=${cases[i]} target=${cases[i + 1]}
        raw "GET $target HTTP/1.1"$'\r\nHost: t\r\nConnection: close\r\n\r\n'
        [[ $STATUS == "$want" ]] || fail "GET $target: $STATUS, expected $want"
        [[ $BODY != *SECRET* && $BODY != *root:* ]] || fail "GET $target: the secret leaked"
        assert_closed
    done
    # curl, too, when told not to squash the dots itself
    run -0 timeout 10 curl -s --path-as-is -w '%{http_code}' "$URL/../secret.txt"
    assert_eq "${output: -3}" 403
    [[ $output != *SECRET* ]]
}

# bats test_tags=task:2
@test "405 for any other well-formed method, with Allow: GET, HEAD; the connection stays open" {
    serve
    local m
    connect
    for m in POST PUT DELETE OPTIONS PATCH BREW get; do
        send "$m / HTTP/1.1"$'\r\nHost: t\r\n\r\n'
        read_reply
        assert_eq "$STATUS" 405
        assert_eq "$(header Allow)" "GET, HEAD"
        assert_contains "$BODY" "405 Method Not Allowed"
    done
    assert_open
    send $'OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 405
    # A request with a body: the body is read and thrown away, the connection stays open.
    send $'POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello'
    read_reply
    assert_eq "$STATUS $(header Connection)" "405 "
    assert_open
    send $'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 200
    run -0 timeout 10 curl -s -o /dev/null -w '%{http_code}' -d 'a=1' "$URL/"
    assert_eq "$output" 405
}

@test "400 for a malformed request line or header, then the connection is closed" {
    serve
    local -a bad=(
        $'GET /\r\n\r\n'
        $'GET  / HTTP/1.1\r\nHost: t\r\n\r\n'
        $'GET / HTTP/1.1 \r\nHost: t\r\n\r\n'
        $'GET / http/1.1\r\nHost: t\r\n\r\n'
        $'GET / HTTP/1.1x\r\nHost: t\r\n\r\n'
        $'G(T / HTTP/1.1\r\nHost: t\r\n\r\n'
        $'GET nopath HTTP/1.1\r\nHost: t\r\n\r\n'
        $'GET /a\x7fb HTTP/1.1\r\nHost: t\r\n\r\n'
        $'GET /\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n'
        $'GET / HTTP/1.1\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: t\r\nX-A : b\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: t\r\nX-A: b\r\n  folded\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: t\r\nX-A: b\x01c\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: t\r\nX-A: b\rc\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n'
        $'GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'
        $'GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n'
        $'GET /a% HTTP/1.1\r\nHost: t\r\n\r\n'
        $'GET /%00 HTTP/1.1\r\nHost: t\r\n\r\n'
    )
    local req
    for req in "${bad[@]}"; do
        raw "$req"
        [[ $STATUS == 400 ]] || fail "expected 400 for $(printf '%q' "$req"), got $STATUS"
        assert_eq "$(header Connection)" close
        assert_contains "$BODY" "400 Bad Request"
        assert_closed
    done
    # A NUL byte in the request line itself
    connect
    printf 'GET /a\0b HTTP/1.1\r\nHost: t\r\n\r\n' >&"$CONN"
    read_reply
    assert_eq "$STATUS" 400
    assert_closed
    # HTTP/1.0 needs no Host; bare LF line ends are accepted; empty lines before a request too
    raw $'GET /hello.txt HTTP/1.0\r\n\r\n'
    assert_eq "$STATUS" 200
    raw $'GET /hello.txt HTTP/1.1\nHost: t\n\n'
    assert_eq "$STATUS" 200
    raw $'\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 200
}

@test "505 for HTTP/2.0 and 0.9-style versions, 501 for a coding other than chunked; HTTP/1.2 is 1.1" {
    serve
    raw $'GET / HTTP/2.0\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS $(header Connection)" "505 close"
    assert_closed
    raw $'GET / HTTP/0.9\r\n\r\n'
    assert_eq "$STATUS" 505
    raw $'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'
    assert_eq "$STATUS $(header Connection)" "501 close"
    assert_closed
    raw $'GET /hello.txt HTTP/1.2\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS $(header Connection)" "200 "
    assert_open
}

@test "414 for a request target over 2048 bytes; 2048 bytes is not too long" {
    serve
    local a2047 a9000
    a2047=$(printf 'a%.0s' $(seq 2047))
    a9000=$(printf 'a%.0s' $(seq 9000))
    raw "GET /$a2047 HTTP/1.1"$'\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 404 # 2048 bytes: allowed (and the name is too long for the file system)
    raw "GET /${a2047}a HTTP/1.1"$'\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS $(header Connection)" "414 close"
    assert_contains "$BODY" "414 URI Too Long"
    assert_closed
    raw "GET /$a9000 HTTP/1.1"$'\r\nHost: t\r\n\r\n' # longer than the whole head may be
    assert_eq "$STATUS" 414
    assert_closed
    wait_for_line "$LOG" '"GET /aaaa.*\.\.\." 414 ' >/dev/null # the log shows it cut short
}

@test "431 for a head over 8 KiB or over 100 header lines; exactly at the limits is fine" {
    serve
    # "GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-Pad: " + pad + "\r\nConnection: close\r\n\r\n"
    local fixed=$((25 + 9 + 7 + 2 + 19 + 2)) pad
    pad=$(printf 'p%.0s' $(seq $((8192 - fixed))))
    local req="GET /hello.txt HTTP/1.1"$'\r\nHost: t\r\nX-Pad: '"$pad"$'\r\nConnection: close\r\n\r\n'
    assert_eq "${#req}" 8192
    raw "$req"
    assert_eq "$STATUS" 200
    raw "${req/X-Pad: /X-Pad: p}"
    assert_eq "$STATUS $(header Connection)" "431 close"
    assert_closed
    # Far over: the server reads 8 KiB, answers, and drains the rest before closing, so
    # the reply is not lost to a reset.
    raw "GET / HTTP/1.1"$'\r\nHost: t\r\nX-Pad: '"$pad$pad$pad$pad$pad$pad"$'\r\n\r\n'
    assert_eq "$STATUS" 431
    local h100=$'Host: t\r\n' i
    for ((i = 1; i <= 98; i++)); do
        h100+="X-N$i: $i"$'\r\n'
    done
    raw "GET /hello.txt HTTP/1.1"$'\r\n'"$h100"$'Connection: close\r\n\r\n'
    assert_eq "$STATUS" 200 # 100 header lines
    raw "GET /hello.txt HTTP/1.1"$'\r\n'"$h100"$'X-101: x\r\nConnection: close\r\n\r\n'
    assert_eq "$STATUS" 431 # 101
    assert_closed
}

@test "keep-alive: HTTP/1.1 stays open until Connection: close; HTTP/1.0 only when asked" {
    serve
    connect
    local i
    for i in 1 2 3; do
        send $'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
        read_reply
        assert_eq "$STATUS $(header Connection)" "200 "
    done
    assert_open
    send $'GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
    read_reply
    assert_eq "$STATUS $(header Connection)" "200 close"
    assert_closed
    # One connection, four requests: the log shows the same client port four times.
    wait_until test "$(grep -c '"GET /hello.txt HTTP/1.1" 200' "$LOG")" -eq 4
    assert_eq "$(grep '"GET /hello.txt' "$LOG" | cut -d' ' -f1 | sort -u | wc -l)" 1

    raw $'GET /hello.txt HTTP/1.0\r\n\r\n'
    assert_eq "$STATUS $(header Connection)" "200 close"
    assert_closed
    raw $'GET /hello.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'
    assert_eq "$STATUS $(header Connection)" "200 keep-alive"
    send $'GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
    read_reply
    assert_eq "$STATUS $(header Connection)" "404 keep-alive"
    assert_open
    send $'GET / HTTP/1.0\r\n\r\n'
    read_reply
    assert_eq "$STATUS $(header Connection)" "200 close"
    assert_closed
    # curl reuses one connection for two URLs
    run -0 timeout 10 curl -sS -o /dev/null -o /dev/null "$URL/style.css" "$URL/site.js"
    wait_for_line "$LOG" '"GET /site\.js HTTP/1\.1" 200' >/dev/null
    assert_eq "$(grep -E '"GET /(style\.css|site\.js) ' "$LOG" | cut -d' ' -f1 | sort -u | wc -l)" 1
}

@test "pipelining: 300 requests sent at once on one connection are answered in order" {
    serve -q -t 60 # bash reads the replies a byte at a time: slow on a busy machine
    local reqs="" i
    for ((i = 1; i <= 300; i++)); do
        case $((i % 3)) in
        0) reqs+="GET /hello.txt?n=$i HTTP/1.1"$'\r\nHost: t\r\n\r\n' ;;
        1) reqs+="HEAD /style.css?n=$i HTTP/1.1"$'\r\nHost: t\r\n\r\n' ;;
        2) reqs+="GET /nope$i HTTP/1.1"$'\r\nHost: t\r\n\r\n' ;;
        esac
    done
    ((${#reqs} > 8192)) # more than the server's buffer: requests straddle its reads
    connect
    send "$reqs"
    local hello
    hello=$(cat "$WWW/hello.txt")$'\n'
    for ((i = 1; i <= 300; i++)); do
        case $((i % 3)) in
        0) read_reply && [[ $STATUS == 200 && $BODY == "$hello" ]] || fail "reply $i: $STATUS" ;;
        1) read_reply head && [[ $STATUS == 200 ]] || fail "reply $i: $STATUS" ;;
        2) read_reply && [[ $STATUS == 404 ]] || fail "reply $i: $STATUS" ;;
        esac
    done
    assert_open
}

# bats test_tags=task:2
@test "request bodies on any method are read and thrown away: Content-Length or chunked, up to 1 MiB" {
    serve
    connect
    # A GET with a body, and the next request pipelined right behind the body.
    send $'GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\nignore!GET /nope HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS $BODY" "200 $(cat "$WWW/hello.txt")"$'\n'
    read_reply
    assert_eq "$STATUS" 404
    # Chunked, with an extension and a trailer, then a pipelined request.
    send $'POST /form HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\nHEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS $(header Connection)" "405 "
    read_reply head
    assert_eq "$STATUS" 200
    assert_open
    # Exactly 1 MiB is fine (curl sends it with Expect: 100-continue: the server says go on),
    # and the connection is used again for the next request.
    head -c 1048576 /dev/zero >"$BATS_TEST_TMPDIR/1m"
    run -0 timeout 10 curl -sS -o /dev/null -w '%{http_code} %{num_connects}\n' \
        --data-binary "@$BATS_TEST_TMPDIR/1m" "$URL/" \
        --next -o /dev/null -w '%{http_code} %{num_connects}\n' "$URL/hello.txt"
    assert_eq "$output" $'405 1\n200 0'
    # One byte more: 413 and the connection is closed, whether announced or found chunked.
    raw $'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1048577\r\n\r\nxx'
    assert_eq "$STATUS $(header Connection)" "413 close"
    assert_closed
    connect
    send $'PUT /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n'
    read_reply
    assert_eq "$STATUS $(header Connection)" "413 close"
    assert_closed
    # A malformed chunk, and two framings at once: 400 and closed.
    raw $'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'
    assert_eq "$STATUS $(header Connection)" "400 close"
    assert_closed
    raw $'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n'
    assert_eq "$STATUS $(header Connection)" "400 close"
    assert_closed
}

# bats test_tags=task:4,points:3
@test "Range: one range 206 with Content-Range, unsatisfiable 416 bytes */SIZE, several: 200 whole; curl -C - resumes" {
    local root=$BATS_TEST_TMPDIR/ranges
    mkdir -p "$root"
    printf '0123456789abcdefghijklmnopqrstuvwxyz' >"$root/abc.txt" # 36 bytes
    head -c 100000 /dev/urandom >"$root/big.bin"                  # over 16 KiB: sendfile()
    serve -r "$root"
    connect
    send $'GET /abc.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS $(header Accept-Ranges)" "200 bytes"
    local whole=0123456789abcdefghijklmnopqrstuvwxyz
    local -a cases=(
        "bytes=0-3" "206 bytes 0-3/36 0123" "bytes=30-" "206 bytes 30-35/36 uvwxyz"
        "bytes=-4" "206 bytes 32-35/36 wxyz" "bytes=34-99" "206 bytes 34-35/36 yz"
        "bytes=-99" "206 bytes 0-35/36 $whole"
        "bytes=36-" "416 bytes */36" "bytes=-0" "416 bytes */36"
        "bytes=0-1,4-5" "200  $whole" "bytes=5-2" "200  $whole" "lines=0-1" "200  $whole"
    )
    local i got
    for ((i = 0; i < ${#cases[@]}; i += 2)); do
        send "GET /abc.txt HTTP/1.1"$'\r\nHost: t\r\nRange: '"${cases[i]}"$'\r\n\r\n'
        read_reply
        got="$STATUS $(header Content-Range) $BODY"
        [[ $STATUS != 416 ]] || got="$STATUS $(header Content-Range)"
        assert_eq "$got" "${cases[i + 1]}" || fail "with Range: ${cases[i]}"
        assert_eq "$(header Content-Length)" "${#BODY}"
    done
    send $'HEAD /abc.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3\r\n\r\n'
    read_reply head
    assert_eq "$STATUS $(header Content-Length)" "200 36" # Range applies to GET only
    # If-Range with another validator: the file has changed, so the whole of it.
    send $'GET /abc.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3\r\nIf-Range: "other"\r\n\r\n'
    read_reply
    assert_eq "$STATUS ${#BODY}" "200 36"
    assert_open
    # A download that broke off, resumed: curl asks for the rest (Range) and gets 206.
    head -c 30000 "$root/big.bin" >"$BATS_TEST_TMPDIR/part"
    run -0 timeout 10 curl -sS -C - -o "$BATS_TEST_TMPDIR/part" -w '%{http_code}' "$URL/big.bin"
    assert_eq "$output" 206
    cmp "$BATS_TEST_TMPDIR/part" "$root/big.bin"
    run -0 timeout 10 curl -sS -r 50000-50009 -o "$BATS_TEST_TMPDIR/ten" "$URL/big.bin"
    cmp "$BATS_TEST_TMPDIR/ten" <(tail -c +50001 "$root/big.bin" | head -c 10)
    wait_for_line "$LOG" '"GET /big\.bin HTTP/1\.1" 206 70000$' >/dev/null
}

# bats test_tags=task:3,points:2
@test "Last-Modified and a strong ETag; If-None-Match or If-Modified-Since: 304 (If-None-Match wins)" {
    local root=$BATS_TEST_TMPDIR/cond
    mkdir -p "$root"
    echo hello >"$root/a.txt"
    touch -d '2020-02-29 12:34:56 UTC' "$root/a.txt"
    serve -r "$root"
    connect
    send $'GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS $(header Last-Modified)" "200 Sat, 29 Feb 2020 12:34:56 GMT"
    local etag
    etag=$(header ETag)
    assert_match "$etag" '^"[0-9a-f]+-[0-9a-f]+"$' # strong: no W/
    local -a cases=(
        "If-None-Match: $etag" 304
        "If-None-Match: \"nope\", W/$etag" 304
        "If-None-Match: *" 304
        "If-None-Match: \"nope\"" 200
        "If-Modified-Since: Sat, 29 Feb 2020 12:34:56 GMT" 304
        "If-Modified-Since: Sun, 01 Mar 2020 00:00:00 GMT" 304
        "If-Modified-Since: Sat, 29 Feb 2020 12:34:55 GMT" 200
        "If-Modified-Since: yesterday" 200
        $'If-None-Match: "nope"\r\nIf-Modified-Since: Sun, 01 Mar 2020 00:00:00 GMT' 200
        $'If-Modified-Since: Sat, 29 Feb 2020 12:34:55 GMT\r\nIf-None-Match: '"$etag" 304
    )
    local i
    for ((i = 0; i < ${#cases[@]}; i += 2)); do
        send "GET /a.txt HTTP/1.1"$'\r\nHost: t\r\n'"${cases[i]}"$'\r\n\r\n'
        read_reply
        assert_eq "$STATUS" "${cases[i + 1]}" || fail "with ${cases[i]}"
        assert_eq "$(header ETag)" "$etag"
    done
    # 304 has no body: the next reply follows its head directly.
    send $'GET /a.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: '"$etag"$'\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 304
    read_reply
    assert_eq "$STATUS $BODY" $'200 hello\n'
    # A changed file gets a new ETag.
    echo hello >"$root/a.txt"
    send $'GET /a.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: '"$etag"$'\r\n\r\n'
    read_reply
    assert_eq "$STATUS" 200
    [[ $(header ETag) != "$etag" ]] || fail "the ETag did not change"
}

@test "the head deadline: a head trickled one byte at a time is closed -t seconds after its first byte" {
    serve -t 2
    connect
    # A byte every 1.8 s: each arrives before an idle timeout of 2 s would end the wait,
    # but the head as a whole must be complete 2 s after its first byte.
    local t0 x rc=0 i
    t0=$(date +%s%N)
    for ((i = 0; i < 4 && rc != 1; i++)); do
        send "GET /"
        rc=0
        IFS= read -r -N 1 -t 1.8 x <&"$CONN" || rc=$?
    done
    ((rc == 1)) || fail "not closed after 7 s"
    local ms=$((($(date +%s%N) - t0) / 1000000))
    ((ms >= 1900 && ms < 3000)) || fail "closed after $ms ms, not 2 s after the first byte"
    wait_for_line "$LOG" '^127\.0\.0\.1:[0-9]+ closed: request head not complete after 2 s$' >/dev/null
}

# trickle_until_closed LIMIT_MS: send a byte every 0.2 s on $CONN until the server has
# closed its socket (its thread count is back to $IDLE_THREADS); MS: how long it took.
trickle_until_closed() {
    local t0 x
    t0=$(date +%s%N)
    MS=0
    until threads_are "$SERVER_PID" "$IDLE_THREADS"; do
        ((MS < $1)) || return 1
        send x 2>/dev/null || true
        IFS= read -r -N 1 -t 0.2 x <&"$CONN" || true
        MS=$((($(date +%s%N) - t0) / 1000000))
    done
}

@test "after a reply that closes, the server reads for at most 2 s or 64 KiB, then closes" {
    serve
    settle_threads
    # A client that keeps sending after a closing reply: cut off after 2 s.
    raw $'GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
    assert_eq "$STATUS" 200
    trickle_until_closed 6000 || fail "still reading after 6 s"
    ((MS >= 1500 && MS < 3500)) || fail "the linger lasted $MS ms, not 2 s"
    exec {CONN}>&-
    # A client that sends 100 KiB behind a closing request, then stays: cut off at 64 KiB,
    # long before the idle timeout (10 s).
    local pad
    pad=$(head -c 102400 /dev/zero | tr '\0' x)
    connect
    send $'GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'"$pad" 2>/dev/null ||
        true # the server may close (and reset) before all of it is written
    wait_until 1 threads_are "$SERVER_PID" "$IDLE_THREADS"
}

# slow_clients MODE: hold 1000 connections to the server with slowloris (MODE trickle or
# idle), wait until the server has a thread for each, then time a new client's GET.
slow_clients() {
    local out=$BATS_TEST_TMPDIR/slowloris.out
    start_bg "$out" "$P/slowloris" -p "$SERVER_PORT" -n 1000 -m "$1" -i 1000
    local attacker=$BG_PID
    wait_for_line "$out" '^holding 1000 connections$' $((30 * TIMEOUT_SCALE)) >/dev/null
    # Most of them have a thread (far more than the 512 a smaller cap would allow; a few
    # may be between a close at the head deadline and slowloris's next connection).
    wait_until $((30 * TIMEOUT_SCALE)) threads_at_least "$SERVER_PID" 900
    run -0 timeout 10 curl -sS -m 5 -o "$BATS_TEST_TMPDIR/got" -w '%{http_code} %{time_total}' "$URL/hello.txt"
    cmp "$BATS_TEST_TMPDIR/got" "$WWW/hello.txt"
    assert_eq "${output% *}" 200
    awk -v s="${output#* }" -v k="$TIMEOUT_SCALE" 'BEGIN { exit !(s < 1 * k) }' ||
        fail "the GET took ${output#* } s with 1000 $1 connections open"
    kill -TERM "$attacker"
    wait_exit "$attacker" 10
    assert_eq "$BG_STATUS" 0
    wait_until 30 threads_below "$SERVER_PID" 10 # each thread ends with its client
}

@test "1000 connections trickling request heads: a new client's GET is answered within 1 s (defaults)" {
    serve -q
    slow_clients trickle
}

@test "1000 idle keep-alive connections: a new client's GET is answered within 1 s (defaults)" {
    serve -q
    slow_clients idle
}

@test "idle timeout: a silent client, and a slow one, are closed after -t seconds" {
    serve -t 1
    connect # says nothing
    assert_closed
    wait_for_line "$LOG" '^127\.0\.0\.1:[0-9]+ closed: idle for 1 s$' >/dev/null
    # After a reply, too: keep-alive does not mean for ever.
    raw $'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 200
    assert_closed
    # A byte every 0.2 s keeps the socket busy but the head never completes ("slowloris"):
    # it must be complete within the timeout of its first byte. The read between bytes
    # waits for the server's close, which ends the loop.
    connect
    local req=$'GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ' x rc i
    for ((i = 0; i < 300; i++)); do
        send "${req:i%${#req}:1}" 2>/dev/null || break
        rc=0
        IFS= read -r -N 1 -t 0.2 x <&"$CONN" || rc=$?
        ((rc == 1)) && break # closed by the server
    done
    ((i < 300)) || fail "the slow client was never closed"
    wait_for_line "$LOG" '^127\.0\.0\.1:[0-9]+ closed: request head not complete after 1 s$' >/dev/null
}

@test "connection cap: with -c 2 a third connection waits until one of the two closes" {
    serve -c 2 -t 60
    settle_threads
    local base=$IDLE_THREADS a b
    raw $'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    a=$CONN
    raw $'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    b=$CONN
    wait_for_line "$LOG" '^connection cap reached \(2\): new connections wait$' >/dev/null
    connect # the third
    send $'GET /style.css HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_open # no reply: the connection waits in the listen queue, not accepted
    assert_eq "$(thread_count "$SERVER_PID")" $((base + 2))
    exec {a}>&- # close the first connection: its thread ends, the third one gets a slot
    read_reply
    assert_eq "$STATUS" 200
    assert_eq "$BODY" "$(cat "$WWW/style.css")"$'\n'
    assert_eq "$(thread_count "$SERVER_PID")" $((base + 2))
    CONN=$b
    assert_open
}

@test "200 concurrent connections: 200 threads at once, every reply byte-exact, then none left" {
    serve -q
    settle_threads
    local base_threads=$IDLE_THREADS base_fds fifo=$BATS_TEST_TMPDIR/go out=$BATS_TEST_TMPDIR/load.out w
    base_fds=$(fd_count "$SERVER_PID")
    mkfifo "$fifo"
    start_bg_stdin "$fifo" "$out" "$P/http-load" -p "$SERVER_PORT" -c 200 -n 5 -w \
        -f "$WWW/index.html" /
    local load=$BG_PID
    exec {w}>"$fifo"
    wait_for_line "$out" '^connected 200$' 20 >/dev/null
    # The operating system's view: a thread and a socket per connection, all at once.
    wait_until 20 threads_are "$SERVER_PID" $((base_threads + 200))
    assert_eq "$(fd_count "$SERVER_PID")" $((base_fds + 200))
    echo go >&"$w"
    exec {w}>&-
    wait_exit "$load" 60
    assert_eq "$BG_STATUS" 0
    assert_eq "$(cat "$out.err")" ""
    output=$(cat "$out")
    assert_readme_output "$README" http-load
    # Every connection closed by the client: every thread gone, every socket closed.
    wait_until 20 threads_are "$SERVER_PID" "$base_threads"
    wait_until 20 fds_are "$SERVER_PID" "$base_fds"
    assert_eq "$(zombies_of "$SERVER_PID")" ""
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID"
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n1 "$LOG")" "served 1001 requests on 201 connections"
}

@test "SIGTERM and SIGINT: stop accepting, close the open connections, exit 0" {
    serve -t 3600
    settle_threads
    local base=$IDLE_THREADS a b
    raw $'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    a=$CONN
    connect # connected, silent
    b=$CONN
    wait_until threads_are "$SERVER_PID" $((base + 2))
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID" 10 # far sooner than the idle timeout of an hour
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n2 "$LOG")" "got SIGTERM: closing 2 open connections
served 2 requests on 3 connections"
    CONN=$a assert_closed
    CONN=$b assert_closed
    run ! timeout 5 bash -c "exec 3<>/dev/tcp/$SERVER_HOST/$SERVER_PORT" 2>/dev/null
    assert_eq "$(cat "$LOG.err")" ""

    serve
    kill -INT "$SERVER_PID"
    wait_exit "$SERVER_PID" 10
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n2 "$LOG")" "got SIGINT: closing 0 open connections
served 0 requests on 0 connections"
}

@test "the README's session: the server's log for the README's curl commands" {
    serve
    timeout 10 curl -s "$URL/hello.txt" >/dev/null
    timeout 10 curl -s "$URL/no-such-page.html" >/dev/null
    timeout 10 curl -sI "$URL/img/threads.png" >/dev/null
    timeout 10 curl -s --path-as-is "$URL/../../etc/passwd" >/dev/null
    timeout 10 curl -s -o /dev/null "$URL/docs"
    wait_for_line "$LOG" '"GET /docs HTTP/1\.1" 301' >/dev/null
    kill -INT "$SERVER_PID"
    wait_exit "$SERVER_PID" 10
    assert_eq "$BG_STATUS" 0
    output=$(cat "$LOG")
    assert_readme_output "$README" http-server
}

@test "a browser (headless Chromium) loads the page, its stylesheet, its image and its script" {
    local chromium
    chromium=$(command -v chromium || command -v chromium-browser) ||
        skip "Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it"
    serve
    local out=$BATS_TEST_TMPDIR/dom profile=$BATS_TEST_TMPDIR/chromium-profile
    mkdir -p "$profile"
    # setsid: Chromium's helper processes share its session, so the test can wait for the
    # last of them to be gone. Running as root needs --no-sandbox.
    start_bg "$out" setsid "$chromium" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --disable-crash-reporter --user-data-dir="$profile" \
        --dump-dom "$URL/"
    local browser=$BG_PID
    wait_exit "$browser" 120
    assert_eq "$BG_STATUS" 0
    wait_until 30 no_session_left "$browser"
    # What the page's script saw once everything had loaded:
    run grep -F '<p id="check">' "$out"
    assert_eq "$output" '<p id="check">check: stylesheet loaded, image 160x60, script loaded</p>'
    # And what the server saw: every file requested, and sent whole.
    local f
    for f in / /style.css /img/threads.png /site.js; do
        local size
        size=$(stat -c %s "$WWW${f/%\//\/index.html}")
        wait_for_line "$LOG" "\"GET ${f//./\\.} HTTP/1\\.1\" 200 $size\$" >/dev/null
    done
}

# no_session_left SID: no process is left in session SID.
no_session_left() {
    local d
    for d in /proc/[0-9]*; do
        [[ $(proc_field "${d#/proc/}" 6 2>/dev/null) == "$1" ]] &&
            [[ $(proc_state "${d#/proc/}") != Z ]] && return 1
    done
    return 0
}

@test "valgrind: http-server serves every kind of reply and shuts down with no error, leak or fd left" {
    [[ $BIN != */build/* ]] || skip "valgrind does not run sanitized programs"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    make_site
    # vg runs its command in the foreground: here it runs in a background subshell (with
    # bats' fds closed, as start_bg does), while this test talks to the server under it.
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
        done
        rc=0
        vg "$P/http-server" -p 0 -r "$SITE/root" >"$BATS_TEST_TMPDIR/vg.result" 2>&1 || rc=$?
        echo "$rc" >"$BATS_TEST_TMPDIR/vg.status"
    ) </dev/null &
    local runner=$!
    BG_PIDS+=("$runner")
    wait_until 30 compgen -G "$BATS_TEST_TMPDIR/vg.*/top" >/dev/null
    local dir
    dir=$(dirname "$(compgen -G "$BATS_TEST_TMPDIR/vg.*/top")")
    local line
    line=$(wait_for_line "$dir/stdout" '^listening on ' 30)
    SERVER_HOST=127.0.0.1 SERVER_PORT=${line##*:}
    local server
    server=$(cat "$dir/top")
    BG_PIDS+=("$server")
    raw $'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 200
    send $'HEAD /sub/file.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /sub HTTP/1.1\r\nHost: t\r\n\r\n'
    read_reply head
    read_reply
    assert_eq "$STATUS" 301
    local req
    for req in $'GET /nope HTTP/1.1\r\nHost: t\r\n\r\n' $'GET /../secret.txt HTTP/1.1\r\nHost: t\r\n\r\n' \
        $'GET /link-out HTTP/1.1\r\nHost: t\r\n\r\n' $'POST / HTTP/1.1\r\nHost: t\r\n\r\n' \
        $'GET / HTTP/1.1\r\n\r\n' $'GET / HTTP/3.0\r\n\r\n'; do
        raw "$req"
    done
    raw "GET /$(printf 'a%.0s' $(seq 3000)) HTTP/1.1"$'\r\nHost: t\r\n\r\n'
    assert_eq "$STATUS" 414
    connect # left open: the shutdown must close it
    kill -TERM "$server"
    wait_until 60 test -s "$BATS_TEST_TMPDIR/vg.status"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/vg.status")" 0 || {
        cat "$BATS_TEST_TMPDIR/vg.result" >&2
        return 1
    }
    assert_match "$(tail -n1 "$dir/stdout")" '^served [0-9]+ requests on [0-9]+ connections$'

    serve -q
    vg "$P/http-load" -p "$SERVER_PORT" -c 5 -n 3 -f "$WWW/index.html" /
}
