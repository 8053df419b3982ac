/*
 * fuzz_request - a libFuzzer target for the request parser (request.c).
 *
 * Usage: make fuzz [FUZZ_SECONDS=60]     (builds with clang -fsanitize=fuzzer,address,undefined)
 *
 * Shows: libFuzzer calls LLVMFuzzerTestOneInput with millions of generated inputs, mutating
 * the ones that reach new code (starting from the seeds in fuzz/fuzz_request/). ASan and
 * UBSan catch any out-of-bounds access or undefined behaviour; the checks below catch
 * the parser breaking its own promises, which no sanitizer can see: a path served with a
 * ".." segment, a "//", a NUL, or no leading '/'. A failed check aborts, and libFuzzer
 * saves the input as build/fuzz/labs/12-http-server/crash-*.
 * The input is fed as the server feeds it: the head is found in the bytes, then parsed;
 * a full buffer without a head goes to request_too_large().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

/* A served path must be absolute and normalised: no "", "." or ".." segment. */
static void check_path(const char *p)
{
    size_t n = strlen(p);
    check(n >= 1 && n <= REQ_TARGET_MAX + 1 && p[0] == '/');
    check(strstr(p, "//") == NULL);
    const char *seg = p + 1;
    while (*seg != '\0') {
        size_t len = strcspn(seg, "/");
        check(!(len == 1 && seg[0] == '.') && !(len == 2 && seg[0] == '.' && seg[1] == '.'));
        seg += len;
        if (*seg == '/')
            seg++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > REQ_HEAD_MAX)
        size = REQ_HEAD_MAX;
    /* A copy of exactly size bytes: ASan then catches a read one byte past the end. */
    char *buf = malloc(size ? size : 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);

    /* Found in one go, or byte by byte as a slow client sends it: the same answer. */
    size_t scan = 0, head = request_head_length(buf, size, &scan), step = 0;
    scan = 0;
    for (size_t have = 0; have <= size && step == 0; have++)
        step = request_head_length(buf, have, &scan);
    check(head == step);

    struct request req;
    if (head > 0) {
        check(head <= size);
        int status = request_parse(&req, buf, head);
        check(status == 0 || status == 400 || status == 403 || status == 405 ||
              status == 413 || status == 414 || status == 431 || status == 501 ||
              status == 505);
        if (status == 0) {
            check(req.method == METHOD_GET || req.method == METHOD_HEAD);
            check_path(req.path);
        }
        if (status == 400 || status == 413 || status == 414 || status == 431 || status == 501 ||
            status == 505)
            check(!req.keep_alive);
        if (req.keep_alive)
            check(req.content_length <= REQ_BODY_MAX && (req.chunked == 0 || req.content_length == -1));
        if (req.line != NULL)
            check(req.line >= buf && req.line + req.line_len <= buf + head);
    } else if (size == REQ_HEAD_MAX) {
        int status = request_too_large(buf, size);
        check(status == 414 || status == 431);
    }

    /* The body decoder, the Range and the date parsers on their own, on the raw input. */
    struct chunked ch = {0};
    long used = chunked_body(&ch, buf, size);
    check(used == -400 || used == -413 || (used >= 0 && (size_t)used <= size));
    long long first, last;
    if (request_range(buf, size, 1000, &first, &last) == 206)
        check(first >= 0 && first <= last && last < 1000);
    long long secs;
    (void)request_date(buf, size, &secs);

    /* The path functions on their own, on the raw input as a target. */
    char path[REQ_TARGET_MAX + 2];
    if (request_path(path, buf, size) == 0)
        check_path(path);
    free(buf);
    return 0;
}
