/*
 * fuzz_request.c - libFuzzer target for the protocol module (protocol.c): the code that
 * reads a hostile client's bytes (and a hostile server's, in the client).
 *
 * The input is treated as a byte stream off the network: it is cut into lines with
 * proto_next_line, exactly as the server's reader does, and each line is parsed as a
 * request and as a status line. Besides the sanitizers' checks (no read or write out of
 * bounds, no undefined behaviour), the target checks the promises the server relies on,
 * recomputed here independently:
 *   - a line is never longer than PROTO_MAX_LINE bytes with its '\n', and ends at one;
 *   - a GET or PUT name lies inside the line and is a single safe path component;
 *   - a PUT size is at most the upload limit, and its decimal text is exactly the digits
 *     after the last space;
 *   - an invalid request always carries one of the four reasons of the protocol.
 * Run: make fuzz FUZZ_SECONDS=60   (seeds in fuzz/fuzz_request/)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define LIMIT 1000000 /* the upload limit the parser is given */

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_request: check failed: %s (line %d)\n", #cond, __LINE__);   \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* The name rule, written again from PROTOCOL.md without looking at protocol.c. */
static int safe_name(const char *s, size_t n)
{
    if (n == 0 || n > 255 || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == '\0' || (unsigned char)s[i] < 32 || s[i] == 127)
            return 0;
    return 1;
}

static void check_request(const char *line, size_t len)
{
    struct request r;
    proto_parse_request(line, len, LIMIT, &r);
    switch (r.type) {
    case REQ_LIST:
    case REQ_QUIT:
        CHECK(len == 1);
        break;
    case REQ_GET:
        CHECK(len >= 3 && memcmp(line, "G ", 2) == 0);
        CHECK(r.name == line + 2 && r.name_len == len - 2);
        CHECK(safe_name(r.name, r.name_len));
        break;
    case REQ_PUT: {
        CHECK(len >= 5 && memcmp(line, "P ", 2) == 0);
        CHECK(r.name == line + 2 && r.name + r.name_len < line + len);
        CHECK(safe_name(r.name, r.name_len));
        CHECK(r.size <= LIMIT);
        const char *digits = r.name + r.name_len + 1; /* after the last space */
        size_t nd = (size_t)(line + len - digits);
        CHECK(digits[-1] == ' ' && nd > 0 && memchr(digits, ' ', nd) == NULL);
        uint64_t v = 0;
        for (size_t i = 0; i < nd; i++) {
            CHECK(digits[i] >= '0' && digits[i] <= '9');
            v = v * 10 + (uint64_t)(digits[i] - '0'); /* <= LIMIT: cannot overflow */
            CHECK(v <= LIMIT);
        }
        CHECK(v == r.size);
        break;
    }
    case REQ_INVALID:
        CHECK(r.error != NULL);
        CHECK(strcmp(r.error, "unknown command") == 0 || strcmp(r.error, "invalid name") == 0 ||
              strcmp(r.error, "invalid size") == 0 || strcmp(r.error, "too large") == 0);
        break;
    }
}

static void check_reply(const char *line, size_t len)
{
    struct reply r;
    proto_parse_reply(line, len, &r);
    if (r.type == REPLY_OK)
        CHECK(len == 2);
    if (r.type == REPLY_OK_NUMBER)
        CHECK(len > 3 && memcmp(line, "OK ", 3) == 0);
    if (r.type == REPLY_ERR)
        CHECK(r.reason >= line && r.reason + r.reason_len == line + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    size_t off = 0;
    while (off < size) {
        size_t len, used;
        enum proto_line st = proto_next_line(buf + off, size - off, &len, &used);
        if (st == LINE_TOO_LONG) {
            CHECK(size - off >= PROTO_MAX_LINE);
            CHECK(memchr(buf + off, '\n', PROTO_MAX_LINE) == NULL);
            break;
        }
        if (st == LINE_INCOMPLETE) {
            CHECK(size - off < PROTO_MAX_LINE && memchr(buf + off, '\n', size - off) == NULL);
            break;
        }
        CHECK(used >= 1 && used <= PROTO_MAX_LINE && len < used && buf[off + used - 1] == '\n');
        CHECK(len + 1 == used || (len + 2 == used && buf[off + len] == '\r'));
        CHECK(memchr(buf + off, '\n', len) == NULL);
        check_request(buf + off, len);
        check_reply(buf + off, len);
        off += used;
    }
    return 0;
}
