/*
 * request.h - parse the head of an HTTP/1.x request (请求): the request line (请求行) and
 * the header lines (请求头), up to the empty line (空行) that ends them.
 *
 * No I/O and no allocation: the functions look only at the bytes they are given, so the
 * server (http-server.c) and the fuzzer (fuzz_request.c) share them, and every byte from
 * the network is treated as hostile here, in one place.
 *
 *     size_t scan = 0, n;
 *     while ((n = request_head_length(buf, have, &scan)) == 0)
 *         ... read more into buf, have += ...; if have == REQ_HEAD_MAX: request_too_large()
 *     struct request req;
 *     int status = request_parse(&req, buf, n);   0: serve req.path; else reply with status
 *
 * Limits (the spec's): the head is at most REQ_HEAD_MAX bytes and REQ_FIELDS_MAX header
 * lines (431 beyond), the request target at most REQ_TARGET_MAX bytes (414 beyond).
 * See also: notes/http.md (the request format), the RFCs 9110 (semantics) and 9112 (HTTP/1.1).
 */
#ifndef HTTP_REQUEST_H
#define HTTP_REQUEST_H

#include <stddef.h>

enum {
    REQ_HEAD_MAX = 8192,   /* bytes in the request line and header lines, line ends included */
    REQ_FIELDS_MAX = 100,  /* header lines */
    REQ_TARGET_MAX = 2048, /* bytes in the request target (the path and the query) */
    REQ_BODY_MAX = 1024 * 1024, /* a request body is read and thrown away up to this size */
};

enum method { METHOD_GET, METHOD_HEAD, METHOD_OTHER };

/* Some bytes of the request, in place: not NUL-terminated; s is NULL if absent. */
struct text {
    const char *s;
    size_t n;
};

struct request {
    enum method method;
    int minor;       /* HTTP/1.<minor>: 0, or 1 for 1.1 and later 1.x */
    int keep_alive;  /* may the connection stay open after the reply? (长连接) */
    const char *line; /* the request line as received, for the log: not NUL-terminated, */
    size_t line_len;  /* and possibly hostile - escape it before printing */
    /* The target's path: percent-decoded once, the query cut off, "." and ".." segments
     * resolved and "//" collapsed. Always starts with '/'; ends with '/' when it names a
     * directory explicitly ("/", "/docs/"). NUL-terminated, never contains a NUL. */
    char path[REQ_TARGET_MAX + 2];
    /* The body that follows the head: content_length bytes (-1: no Content-Length), or
     * chunked (Transfer-Encoding: chunked, read with chunked_body()); expect_continue: the
     * client waits for "100 Continue" before it sends the body. */
    long long content_length;
    int chunked, expect_continue;
    /* Header values the reply depends on, as received (not NUL-terminated; NULL if absent),
     * and the query string (after '?', NULL if none), kept for a redirect. */
    struct text query, range, if_range, if_none_match, if_modified_since;
};

/* Length of the complete request head at the start of buf[0..len) - the request line,
 * the header lines and the empty line, after any empty lines before the request - or 0 if
 * the empty line has not arrived yet. Lines may end with CRLF or a bare LF. *scan keeps
 * how far the search got (set it to 0 for a new request): a client sending one byte at a
 * time does not make the server scan the same bytes again and again. */
size_t request_head_length(const char *buf, size_t len, size_t *scan);

/* Parse a complete head of len bytes (as found by request_head_length). Fills *req and
 * returns 0 for a GET or HEAD to serve, or else the HTTP status to answer with:
 *   400 malformed request line or header, no Host in HTTP/1.1, two Hosts, a bad
 *       Content-Length, a bad %-escape or a NUL (%00) in the path
 *   403 a path that would leave the document root ("/../x", "/%2e%2e/x")
 *   405 a well-formed method other than GET and HEAD
 *   414 a request target over REQ_TARGET_MAX bytes
 *   400 also: both Content-Length and Transfer-Encoding, or chunked in HTTP/1.0 (the
 *       framing of the body would be ambiguous: the stuff of request smuggling)
 *   413 a Content-Length over REQ_BODY_MAX
 *   431 over REQ_FIELDS_MAX header lines
 *   501 a Transfer-Encoding other than chunked (a body this server cannot frame)
 *   505 an HTTP version other than 1.x
 * req->line is set whenever a first line was found; req->keep_alive is 0 after 400, 413,
 * 414, 431, 501 and 505 (the connection is closed). Any other request may have a body
 * (content_length, chunked): the server reads and discards it, then answers. */
int request_parse(struct request *req, const char *buf, size_t len);

/* A chunked body (RFC 9112 7.1): "SIZE-in-hex[;ext]\r\n", SIZE bytes, "\r\n", again,
 * until a chunk of size 0, optional trailer lines, and an empty line. Start with
 * struct chunked c = {0}; feed it the bytes as they come with chunked_body(), which
 * returns how many of them belong to the body (the rest is the next request), or -400
 * (malformed) or -413 (more than REQ_BODY_MAX bytes of data). c.done is set at its end. */
struct chunked {
    int state, done;
    long long size;  /* the chunk size being read, then the bytes left of its data */
    long long total; /* data bytes so far */
    size_t line;     /* bytes of the current size or trailer line (bounded) */
    int digits;      /* hex digits of the current size line */
};
long chunked_body(struct chunked *c, const char *buf, size_t len);

/* A Range header's value (RFC 9110 14.2) against a file of size bytes: 206 with
 * *first..*last (inclusive) for one satisfiable range "bytes=a-b", "bytes=a-" or
 * "bytes=-n"; 416 if it can never be satisfied; 0 - serve the whole file - for anything
 * else (several ranges, another unit, a malformed value). */
int request_range(const char *v, size_t n, long long size, long long *first, long long *last);

/* Parse an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into seconds since the Epoch.
 * Returns 0, or -1 if it is not one (the header is then ignored, as RFC 9110 says). */
int request_date(const char *v, size_t n, long long *secs);

/* The status for a head that has filled the whole buffer (REQ_HEAD_MAX bytes) without its
 * empty line: 414 if it is the request target that is too long, otherwise 431. */
int request_too_large(const char *buf, size_t len);

/* Percent-decode the path part of a request target (the bytes before any '?'; for an
 * absolute-form target "http://host/p", the "/p") and normalise it into
 * out[REQ_TARGET_MAX + 2], as described for request.path above. Returns 0, 400 (a control
 * character, space or raw non-ASCII byte anywhere in the target, a bad escape, a NUL, no
 * leading '/', too long) or 403 (the path would leave the root). */
int request_path(char *out, const char *target, size_t len);

#endif
