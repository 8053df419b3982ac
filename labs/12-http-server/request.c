/*
 * request.c - the HTTP request parser: request line, header lines, percent-decoding and
 * path normalisation. No I/O, no allocation; see request.h for the interface.
 *
 * The grammar is RFC 9112's, checked strictly where being lenient would be unsafe:
 *     request-line = method SP request-target SP HTTP-version
 *     field-line   = field-name ":" OWS field-value OWS
 * with lines ended by CRLF (a bare LF is accepted too, as RFC 9112 2.2 allows). A line
 * that starts with a space (the obsolete folding), a space before the colon, a control
 * character anywhere: 400. These are the ambiguities that request smuggling lives on.
 *
 * Used by: http-server.c (the server), fuzz_request.c (the libFuzzer target).
 */
#include "request.h"

#include <string.h>
#include <strings.h>

#include "die.h" /* todo(): what the handout's stubs call */

/* tchar from RFC 9110 5.6.2: the characters of a method or a header name. */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return 0;
    return 1;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Skip the empty lines a client may send before a request (RFC 9112 2.2). */
static size_t skip_empty_lines(const char *buf, size_t len)
{
    size_t i = 0;
    for (;;) {
        if (i < len && buf[i] == '\n')
            i += 1;
        else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
            i += 2;
        else
            return i;
    }
}

size_t request_head_length(const char *buf, size_t len, size_t *scan)
{
    size_t start = skip_empty_lines(buf, len);
    size_t i = *scan > start ? *scan : start;
    /* The head ends with a line end followed by an empty line: "\n\n" or "\n\r\n". */
    for (; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
        if (i + 2 >= len)
            break; /* the bytes that would decide have not arrived: look here again */
    }
    *scan = i;
    return 0;
}

/* The next line of buf[*pos..end): sets *line and *n (without its CRLF or LF), advances
 * *pos past the line end. Returns 0 when no line end is left. */
static int next_line(const char *buf, size_t end, size_t *pos, const char **line, size_t *n)
{
    const char *p = buf + *pos;
    const char *nl = memchr(p, '\n', end - *pos);
    if (nl == NULL)
        return 0;
    *line = p;
    *n = (size_t)(nl - p);
    if (*n > 0 && p[*n - 1] == '\r')
        (*n)--;
    *pos = (size_t)(nl - buf) + 1;
    return 1;
}

int request_path(char *out, const char *target, size_t len)
{
    if (len > REQ_TARGET_MAX)
        return 400;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= ' ' || c >= 0x7f) /* controls, spaces and raw non-ASCII bytes */
            return 400;
    }
    const char *q = memchr(target, '?', len);
    if (q != NULL)
        len = (size_t)(q - target); /* the query is ignored, and not decoded */
    /* The absolute form "http://host:port/path", which proxies send and servers must
     * accept (RFC 9112 3.2.2): the path is what follows the authority; the host is not
     * checked, since this server has one site only. */
    size_t skip = 0;
    if (len >= 7 && strncasecmp(target, "http://", 7) == 0)
        skip = 7;
    else if (len >= 8 && strncasecmp(target, "https://", 8) == 0)
        skip = 8;
    if (skip > 0) {
        const char *slash = memchr(target + skip, '/', len - skip);
        if (slash == NULL) {
            strcpy(out, "/"); /* "http://host": the root */
            return 0;
        }
        len -= (size_t)(slash - target);
        target = slash;
    }
    if (len == 0 || target[0] != '/')
        return 400; /* "*" (OPTIONS only) and the authority form (CONNECT only) end in 405 */

    /* 1. Percent-decode, once: "%2e" becomes '.', "%2F" becomes '/' (and then separates
     *    segments like any other '/'). The result is never longer than the input. */
    char dec[REQ_TARGET_MAX];
    size_t d = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_value((unsigned char)target[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value((unsigned char)target[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return 400; /* "%", "%4", "%zz" */
            c = (unsigned char)(hi * 16 + lo);
            if (c == '\0')
                return 400; /* a NUL would cut the file name short */
            i += 2;
        }
        dec[d++] = (char)c;
    }

    /* 2. Normalise, segment by segment: skip "" and ".", let ".." remove the segment
     *    before it. A ".." with nothing left to remove would climb out of the root. */
    size_t o = 0;
    out[o++] = '/';
    int ends_with_name = 0; /* did the last segment name a file (no '/' after it)? */
    size_t i = 1;           /* dec[0] is the leading '/' */
    while (i <= d) {
        const char *seg = dec + i;
        const char *slash = memchr(seg, '/', d - i);
        size_t n = slash ? (size_t)(slash - seg) : d - i;
        ends_with_name = 0;
        if (n == 0 || (n == 1 && seg[0] == '.')) {
            /* nothing to add */
        } else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            /* task 1 begin: dot_dot */
            if (o == 1)
                return 403;
            o--; /* drop the '/' after the last segment, then the segment */
            while (out[o - 1] != '/')
                o--;
            /* task 1 end */
        } else {
            memcpy(out + o, seg, n);
            o += n;
            out[o++] = '/';
            ends_with_name = slash == NULL;
        }
        i += n + 1;
    }
    if (ends_with_name)
        o--; /* "/a/b" names a file; "/a/b/", "/a/b/." and "/a/b/c/.." name a directory */
    out[o] = '\0';
    return 0;
}

/* Parse the request line "METHOD SP TARGET SP HTTP/x.y" into req; *target and *tlen
 * locate the request target in it. */
static int parse_request_line(struct request *req, const char *s, size_t n,
                              const char **target_out, size_t *tlen_out)
{
    const char *sp1 = memchr(s, ' ', n);
    if (sp1 == NULL)
        return 400;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', n - (size_t)(target - s));
    if (sp2 == NULL)
        return 400;
    const char *version = sp2 + 1;
    size_t mlen = (size_t)(sp1 - s), tlen = (size_t)(sp2 - target);
    size_t vlen = n - (size_t)(version - s);
    if (!is_token(s, mlen) || tlen == 0)
        return 400;
    *target_out = target;
    *tlen_out = tlen;

    if (vlen != 8 || memcmp(version, "HTTP/", 5) != 0 || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return 400;
    if (version[5] != '1')
        return 505; /* HTTP/0.9 had no version; HTTP/2 and 3 do not look like this */
    req->minor = version[7] == '0' ? 0 : 1; /* 1.2 and later 1.x: treat as 1.1 */
    req->keep_alive = req->minor == 1;

    if (tlen > REQ_TARGET_MAX)
        return 414;

    if (mlen == 3 && memcmp(s, "GET", 3) == 0)
        req->method = METHOD_GET;
    else if (mlen == 4 && memcmp(s, "HEAD", 4) == 0)
        req->method = METHOD_HEAD;
    else
        req->method = METHOD_OTHER;
    /* The path is decoded after the headers are checked: a malformed header is a 400
     * whatever the path. */
    return 0;
}

/* Does the comma-separated list value[0..n) contain the token tok (case-insensitive)? */
static int list_has(const char *value, size_t n, const char *tok)
{
    size_t toklen = strlen(tok);
    size_t i = 0;
    while (i < n) {
        while (i < n && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
            i++;
        size_t j = i;
        while (j < n && value[j] != ',')
            j++;
        size_t k = j; /* trim the spaces before the comma */
        while (k > i && (value[k - 1] == ' ' || value[k - 1] == '\t'))
            k--;
        if (k - i == toklen && strncasecmp(value + i, tok, toklen) == 0)
            return 1;
        i = j;
    }
    return 0;
}

/* Keep a header's value: the first one sent wins (a second one is ignored). */
static void keep(struct text *t, const char *v, size_t n)
{
    if (t->s == NULL) {
        t->s = v;
        t->n = n;
    }
}

int request_parse(struct request *req, const char *buf, size_t len)
{
    memset(req, 0, sizeof *req); /* every struct text NULL, no body */
    req->method = METHOD_OTHER;
    req->minor = 1;
    req->content_length = -1;

    size_t pos = skip_empty_lines(buf, len);
    const char *line;
    size_t n;
    if (!next_line(buf, len, &pos, &line, &n))
        return 400;
    req->line = line;
    req->line_len = n;
    const char *target = NULL;
    size_t tlen = 0;
    int status = parse_request_line(req, line, n, &target, &tlen);
    if (status != 0) {
        req->keep_alive = 0;
        return status;
    }
    const char *q = memchr(target, '?', tlen);
    if (q != NULL) {
        req->query.s = q + 1;
        req->query.n = tlen - (size_t)(q + 1 - target);
    }

    int fields = 0, hosts = 0, close = 0, keep_open = 0, encoded = 0;
    while (next_line(buf, len, &pos, &line, &n) && n > 0) {
        if (++fields > REQ_FIELDS_MAX) {
            req->keep_alive = 0;
            return 431;
        }
        const char *colon = memchr(line, ':', n);
        if (colon == NULL || !is_token(line, (size_t)(colon - line)))
            goto bad; /* also catches a leading space (folding) and a space before ':' */
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1, *vend = line + n;
        while (v < vend && (*v == ' ' || *v == '\t'))
            v++;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        size_t vlen = (size_t)(vend - v);
        for (size_t i = 0; i < vlen; i++) {
            unsigned char c = (unsigned char)v[i];
            if ((c < ' ' && c != '\t') || c == 0x7f)
                goto bad; /* a stray CR, a NUL, ... */
        }
#define IS(name) (nlen == sizeof name - 1 && strncasecmp(line, name, nlen) == 0)
        if (IS("Host")) {
            hosts++;
        } else if (IS("Connection")) {
            close |= list_has(v, vlen, "close");
            keep_open |= list_has(v, vlen, "keep-alive");
        } else if (IS("Content-Length")) {
            long long cl = 0;
            if (vlen == 0 || vlen > 15)
                goto bad;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9')
                    goto bad;
                cl = cl * 10 + (v[i] - '0');
            }
            if (req->content_length != -1 && req->content_length != cl)
                goto bad; /* two different lengths: which one frames the body? */
            req->content_length = cl;
        } else if (IS("Transfer-Encoding")) {
            encoded = 1;
            /* Only "chunked", alone: any other coding is a body this server cannot frame. */
            if (vlen == 7 && strncasecmp(v, "chunked", 7) == 0 && !req->chunked)
                req->chunked = 1;
            else
                req->chunked = -1;
        } else if (IS("Expect")) {
            req->expect_continue = vlen == 12 && strncasecmp(v, "100-continue", 12) == 0;
        } else if (IS("Range")) {
            keep(&req->range, v, vlen);
        } else if (IS("If-Range")) {
            keep(&req->if_range, v, vlen);
        } else if (IS("If-None-Match")) {
            keep(&req->if_none_match, v, vlen);
        } else if (IS("If-Modified-Since")) {
            keep(&req->if_modified_since, v, vlen);
        }
#undef IS
    }
    if (pos != len || n != 0)
        goto bad; /* the head must end exactly with its empty line */
    if (hosts > 1 || (hosts == 0 && req->minor == 1))
        goto bad;
    if (encoded && (req->content_length != -1 || req->minor == 0))
        goto bad; /* two framings, or chunked in HTTP/1.0: ambiguous (RFC 9112 6.1) */
    if (req->chunked == -1) {
        req->keep_alive = 0;
        return 501;
    }
    if (req->content_length > REQ_BODY_MAX) {
        req->keep_alive = 0;
        return 413;
    }

    if (req->minor == 1)
        req->keep_alive = !close;
    else
        req->keep_alive = keep_open && !close;
    if (req->method == METHOD_OTHER)
        return 405;
    status = request_path(req->path, target, tlen);
    if (status == 400)
        req->keep_alive = 0;
    return status;

bad:
    req->keep_alive = 0;
    return 400;
}

int request_too_large(const char *buf, size_t len)
{
    size_t start = skip_empty_lines(buf, len);
    const char *s = buf + start;
    size_t n = len - start;
    if (memchr(s, '\n', n) != NULL)
        return 431; /* the request line ended: it is the header lines that are too many */
    const char *sp = memchr(s, ' ', n);
    if (sp != NULL && is_token(s, (size_t)(sp - s))) {
        size_t rest = n - (size_t)(sp + 1 - s);
        const char *sp2 = memchr(sp + 1, ' ', rest);
        size_t tlen = sp2 ? (size_t)(sp2 - (sp + 1)) : rest;
        if (tlen > REQ_TARGET_MAX)
            return 414;
    }
    return 431;
}

/* The chunked decoder's states: where in "SIZE;ext CRLF DATA CRLF ... 0 CRLF trailers CRLF". */
enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_TRAILER_LINE,
       CH_END_LF };
#define CH_LINE_MAX 4096 /* bytes of a size line with its extensions, and of the trailers */

long chunked_body(struct chunked *c, const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && !c->done) {
        unsigned char b = (unsigned char)buf[i];
        if (c->state == CH_DATA) { /* the bulk: skip a whole run of data bytes at once */
            size_t take = (size_t)c->size < len - i ? (size_t)c->size : len - i;
            i += take;
            c->size -= (long long)take;
            if (c->size == 0)
                c->state = CH_DATA_CR;
            continue;
        }
        i++;
        if (++c->line > CH_LINE_MAX)
            return -400;
        switch (c->state) {
        case CH_SIZE: {
            int d = hex_value(b);
            if (d >= 0) {
                c->size = c->size * 16 + d;
                c->digits++;
                if (c->total + c->size > REQ_BODY_MAX)
                    return -413;
                break;
            }
            if (c->digits == 0)
                return -400;
            if (b == ';' || b == ' ' || b == '\t')
                c->state = CH_EXT;
            else if (b == '\r')
                c->state = CH_SIZE_LF;
            else if (b == '\n')
                goto size_done;
            else
                return -400;
            break;
        }
        case CH_EXT: /* chunk extensions: ignored */
            if (b == '\n')
                goto size_done;
            break;
        case CH_SIZE_LF:
            if (b != '\n')
                return -400;
        size_done:
            c->total += c->size;
            c->line = 0;
            c->digits = 0;
            c->state = c->size == 0 ? CH_TRAILER : CH_DATA;
            break;
        case CH_DATA_CR:
            if (b == '\r')
                c->state = CH_DATA_LF;
            else if (b == '\n')
                c->state = CH_SIZE, c->line = 0;
            else
                return -400;
            break;
        case CH_DATA_LF:
            if (b != '\n')
                return -400;
            c->state = CH_SIZE;
            c->line = 0;
            break;
        case CH_TRAILER: /* the start of a trailer line, or of the final empty line */
            if (b == '\n')
                c->done = 1;
            else
                c->state = b == '\r' ? CH_END_LF : CH_TRAILER_LINE;
            break;
        case CH_TRAILER_LINE:
            if (b == '\n')
                c->state = CH_TRAILER;
            break;
        case CH_END_LF:
            if (b != '\n')
                return -400;
            c->done = 1;
            break;
        }
    }
    return (long)i;
}

/* A whole number of at most 18 decimal digits at s[*i..n), advancing *i; -1 if none. */
static long long decimal(const char *s, size_t n, size_t *i)
{
    long long v = 0;
    size_t start = *i;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9' && *i - start < 18)
        v = v * 10 + (s[(*i)++] - '0');
    return *i == start || (*i < n && s[*i] >= '0' && s[*i] <= '9') ? -1 : v;
}

int request_range(const char *v, size_t n, long long size, long long *first, long long *last)
{
    /* task 4 begin: request_range */
    if (n < 6 || strncasecmp(v, "bytes=", 6) != 0 || memchr(v, ',', n) != NULL)
        return 0; /* another unit, or several ranges: the whole file */
    size_t i = 6;
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    long long a = -1, b = -1;
    if (i < n && v[i] == '-') { /* "-n": the last n bytes */
        i++;
        long long suffix = decimal(v, n, &i);
        if (suffix < 0 || i != n)
            return 0;
        if (suffix == 0 || size == 0)
            return 416;
        a = suffix > size ? 0 : size - suffix;
        b = size - 1;
    } else {
        a = decimal(v, n, &i);
        if (a < 0 || i >= n || v[i] != '-')
            return 0;
        i++;
        if (i < n) {
            b = decimal(v, n, &i);
            if (b < 0 || b < a)
                return 0; /* "5-2" is malformed: ignored, like any bad Range */
        }
        if (i != n)
            return 0;
        if (a >= size)
            return 416;
        if (b < 0 || b >= size)
            b = size - 1;
    }
    *first = a;
    *last = b;
    return 206;
    /* task 4 end */
}

int request_date(const char *v, size_t n, long long *secs)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    /* "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes, every field at a fixed place. */
    if (n != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
        v[16] != ' ' || v[19] != ':' || v[22] != ':' || memcmp(v + 25, " GMT", 4) != 0)
        return -1;
    int f[5]; /* day, year, hour, minute, second: where each starts, how many digits */
    static const int at[5] = {5, 12, 17, 20, 23}, width[5] = {2, 4, 2, 2, 2};
    for (int k = 0; k < 5; k++) {
        f[k] = 0;
        for (int j = 0; j < width[k]; j++) {
            char c = v[at[k] + j];
            if (c < '0' || c > '9')
                return -1;
            f[k] = f[k] * 10 + (c - '0');
        }
    }
    int mon = -1;
    for (int m = 0; m < 12; m++)
        if (memcmp(v + 8, months + 3 * m, 3) == 0)
            mon = m;
    int day = f[0], year = f[1];
    if (mon < 0 || day < 1 || day > 31 || f[2] > 23 || f[3] > 59 || f[4] > 60)
        return -1;
    /* Days since 1970-01-01 of year-mon-day (the proleptic Gregorian calendar): count
     * from March, so that the leap day is the last day of the "year". */
    int y = year - (mon < 2), m = (mon + 10) % 12; /* March = 0 */
    long long era_days = 365LL * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1;
    long long days = era_days - 719468; /* the same count for 1970-01-01 */
    *secs = days * 86400 + f[2] * 3600 + f[3] * 60 + f[4];
    return 0;
}
