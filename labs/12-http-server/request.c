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
            if (o == 1)
                return 403;
            o--; /* drop the '/' after the last segment, then the segment */
            while (out[o - 1] != '/')
                o--;
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

int request_parse(struct request *req, const char *buf, size_t len)
{
    req->method = METHOD_OTHER;
    req->minor = 1;
    req->keep_alive = 0;
    req->line = NULL;
    req->line_len = 0;
    req->path[0] = '\0';

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

    int fields = 0, hosts = 0, close = 0, keep = 0, has_body = 0, chunked = 0;
    long long content_length = -1;
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
        if (nlen == 4 && strncasecmp(line, "Host", 4) == 0) {
            hosts++;
        } else if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0) {
            close |= list_has(v, vlen, "close");
            keep |= list_has(v, vlen, "keep-alive");
        } else if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            long long cl = 0;
            if (vlen == 0 || vlen > 15)
                goto bad;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9')
                    goto bad;
                cl = cl * 10 + (v[i] - '0');
            }
            if (content_length != -1 && content_length != cl)
                goto bad; /* two different lengths: which one frames the body? */
            content_length = cl;
            has_body = cl > 0;
        } else if (nlen == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
            chunked = 1;
        }
    }
    if (pos != len || n != 0)
        goto bad; /* the head must end exactly with its empty line */
    if (hosts > 1 || (hosts == 0 && req->minor == 1))
        goto bad;
    if (chunked) {
        req->keep_alive = 0;
        return 501;
    }

    if (req->minor == 1)
        req->keep_alive = !close;
    else
        req->keep_alive = keep && !close;
    if (has_body)
        req->keep_alive = 0;
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
