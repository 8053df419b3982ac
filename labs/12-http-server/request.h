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
};

enum method { METHOD_GET, METHOD_HEAD, METHOD_OTHER };

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
 *   431 over REQ_FIELDS_MAX header lines
 *   501 a Transfer-Encoding (a body this server cannot frame)
 *   505 an HTTP version other than 1.x
 * req->line is set whenever a first line was found; req->keep_alive is 0 after 400, 414,
 * 431, 501 and 505 (the connection is closed), and for a request with a body (the server
 * does not read bodies, so it cannot find where the next request starts). */
int request_parse(struct request *req, const char *buf, size_t len);

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
