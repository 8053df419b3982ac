/*
 * protocol.c - the wire protocol as pure functions (see protocol.h and PROTOCOL.md).
 *
 * Every byte here may come from a hostile peer: lengths are always explicit (a line may
 * hold '\0' bytes, so no str* function is used on it), nothing is written outside the
 * caller's structures, and numbers are checked for overflow digit by digit.
 * The fuzzer (fuzz_request.c) feeds these functions arbitrary bytes.
 */
#include "protocol.h"

#include <string.h>

enum proto_line proto_next_line(const char *buf, size_t len, size_t *line_len, size_t *used)
{
    /* Only the first PROTO_MAX_LINE bytes may hold the '\n'. */
    size_t window = len < PROTO_MAX_LINE ? len : PROTO_MAX_LINE;
    const char *nl = memchr(buf, '\n', window);
    if (nl == NULL)
        return len >= PROTO_MAX_LINE ? LINE_TOO_LONG : LINE_INCOMPLETE;
    size_t n = (size_t)(nl - buf);
    *used = n + 1;
    if (n > 0 && buf[n - 1] == '\r') /* "\r\n" is tolerated (telnet, nc -C) */
        n--;
    *line_len = n;
    return LINE_READY;
}

bool proto_valid_name(const char *name, size_t len)
{
    if (len < 1 || len > PROTO_MAX_NAME || name[0] == '.')
        return false; /* also rules out "." and ".." */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c < 0x20 || c == 0x7f) /* c < 0x20 covers NUL and 0x01-0x1f */
            return false;
    }
    return true;
}

bool proto_parse_size(const char *s, size_t len, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false; /* no sign, no space, no "0x", no junk */
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false; /* v * 10 + d would not fit in 64 bits */
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static void invalid(struct request *req, const char *why)
{
    req->type = REQ_INVALID;
    req->error = why;
}

/* "L" and "Q" are the whole line. "G <name>": the name is the rest of the line.
 * "P <name> <size>": the size is after the LAST space, the name is everything between
 * "P " and that space, so names may contain spaces. The name is checked first, then the
 * size, then the limit. "G" or "P" without a name (or "P" without a space after its
 * name) has an empty name: "invalid name". */
void proto_parse_request(const char *line, size_t len, uint64_t max_size, struct request *req)
{
    memset(req, 0, sizeof *req);
    if (len == 1 && line[0] == 'L') {
        req->type = REQ_LIST;
        return;
    }
    if (len == 1 && line[0] == 'Q') {
        req->type = REQ_QUIT;
        return;
    }
    if (len == 0 || (line[0] != 'G' && line[0] != 'P') || (len > 1 && line[1] != ' ')) {
        invalid(req, "unknown command");
        return;
    }
    const char *rest = len > 2 ? line + 2 : line + len; /* after "G " or "P " */
    size_t rest_len = len > 2 ? len - 2 : 0;
    if (line[0] == 'G') {
        req->type = REQ_GET;
        req->name = rest;
        req->name_len = rest_len;
        if (!proto_valid_name(rest, rest_len))
            invalid(req, "invalid name");
        return;
    }
    /* P: find the last space of the rest. */
    size_t sp = rest_len;
    while (sp > 0 && rest[sp - 1] != ' ')
        sp--;
    if (sp == 0) { /* no space: there is no "<name> <size>" pair */
        invalid(req, "invalid name");
        return;
    }
    req->type = REQ_PUT;
    req->name = rest;
    req->name_len = sp - 1;
    if (!proto_valid_name(req->name, req->name_len))
        invalid(req, "invalid name");
    else if (!proto_parse_size(rest + sp, rest_len - sp, &req->size))
        invalid(req, "invalid size");
    else if (req->size > max_size)
        invalid(req, "too large");
}

void proto_parse_reply(const char *line, size_t len, struct reply *r)
{
    memset(r, 0, sizeof *r);
    r->type = REPLY_BAD;
    if (len == 2 && memcmp(line, "OK", 2) == 0) {
        r->type = REPLY_OK;
    } else if (len > 3 && memcmp(line, "OK ", 3) == 0) {
        if (proto_parse_size(line + 3, len - 3, &r->number))
            r->type = REPLY_OK_NUMBER;
    } else if (len >= 3 && memcmp(line, "ERR", 3) == 0 && (len == 3 || line[3] == ' ')) {
        r->type = REPLY_ERR;
        r->reason = len > 4 ? line + 4 : line + len;
        r->reason_len = len > 4 ? len - 4 : 0;
    }
}
