/*
 * connection.c - one connection of http-server: read a request head, read and discard its
 * body, answer, repeat while the connection is persistent; log each request; close
 * gracefully.
 *
 * A reply is a status line, header lines, an empty line and the body (响应行, 响应头,
 * 空行, 响应体). For a file the head is sent with MSG_MORE and the body with sendfile(),
 * so the kernel puts both in the same TCP segments and the file's bytes never pass
 * through this process. Errors have a small HTML page as their body (the classroom's 404
 * case); the page never repeats anything the client sent. A file's reply also carries its
 * validators (Last-Modified, ETag), so a browser can revalidate its cached copy and get
 * 304, and a Range request gets just the bytes asked for (206): a download can resume.
 *
 * Time limits, each a deadline that no trickle of bytes can push back: a connection with
 * no request under way is closed after the idle timeout (-t) without a byte; a request
 * head must be complete within the same time of its first byte - a client sending a byte
 * every few seconds ("slowloris") would otherwise hold its thread for ever. After a reply
 * that closes the connection, the server reads what the client still sends for at most
 * LINGER_MS or LINGER_MAX bytes. The wait for a new request is a plain blocking recv(),
 * which the socket's SO_RCVTIMEO (the idle timeout) ends: one system call per request on
 * a busy connection. Every other wait is a poll() with the time left, then recv().
 * See also: request.c (the parser), files.c (the files), notes/http.md.
 */
#include "connection.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "files.h"
#include "request.h"

#define SERVER_NAME "posix-labs-http/1.0"
#define LINGER_MS 2000          /* after a closing reply, read what still comes this long, */
#define LINGER_MAX (64 * 1024)  /* or this many bytes, at most */
#define SMALL_FILE (16 * 1024)  /* up to this size, read() + one send(); above, sendfile() */
#define BODY_READ 4096          /* a request body is read (and dropped) this much at a time */

#define PAGE(code, title, text)                                                        \
    "<!DOCTYPE html>\n<html><head><title>" code " " title "</title></head>\n<body><h1>" \
    code " " title "</h1>\n<p>" text "</p></body></html>\n"

static const struct status {
    int code;
    const char *reason, *page;
} statuses[] = {
    {200, "OK", ""},
    {206, "Partial Content", ""},
    {301, "Moved Permanently",
     PAGE("301", "Moved Permanently", "This page has moved to the address in the Location header.")},
    {304, "Not Modified", ""},
    {400, "Bad Request", PAGE("400", "Bad Request", "The server could not understand the request.")},
    {403, "Forbidden", PAGE("403", "Forbidden", "You may not see this page.")},
    {404, "Not Found", PAGE("404", "Not Found", "Sorry, there is no such page on this server.")},
    {405, "Method Not Allowed",
     PAGE("405", "Method Not Allowed", "This server answers GET and HEAD only.")},
    {413, "Content Too Large",
     PAGE("413", "Content Too Large", "The request's body is larger than this server accepts.")},
    {414, "URI Too Long", PAGE("414", "URI Too Long", "The address is longer than this server accepts.")},
    {431, "Request Header Fields Too Large",
     PAGE("431", "Request Header Fields Too Large",
          "The request's header section is larger than this server accepts.")},
    {416, "Range Not Satisfiable",
     PAGE("416", "Range Not Satisfiable", "The file has no bytes in the range asked for.")},
    {500, "Internal Server Error",
     PAGE("500", "Internal Server Error", "Something went wrong on the server.")},
    {501, "Not Implemented",
     PAGE("501", "Not Implemented", "This server cannot read a request body in that transfer coding.")},
    {505, "HTTP Version Not Supported",
     PAGE("505", "HTTP Version Not Supported", "This server speaks HTTP/1.0 and HTTP/1.1.")},
};

static const struct status *find_status(int code)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].code == code)
            return &statuses[i];
    return find_status(500);
}

static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into text[32], written by hand rather
 * than with strftime() so that no locale can change the English names. */
static void format_date(time_t t, char *text)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        strcpy(text, "Thu, 01 Jan 1970 00:00:00 GMT");
        return;
    }
    snprintf(text, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The Date header's value. The string only changes once a second: each thread keeps its
 * own copy (_Thread_local: no lock, no sharing) and rebuilds it when the second changed. */
static const char *http_date(void)
{
    static _Thread_local time_t cached_at = -1;
    static _Thread_local char text[32];
    time_t now = time(NULL);
    if (now != cached_at) {
        format_date(now, text);
        cached_at = now;
    }
    return text;
}

/* Write the head of a reply into out; returns its length. extra: more header lines. */
static size_t format_head(char *out, size_t cap, const struct status *st, const char *type,
                          long long length, const struct request *req, const char *extra)
{
    const char *conn = "";
    if (!req->keep_alive)
        conn = "Connection: close\r\n";
    else if (req->minor == 0)
        conn = "Connection: keep-alive\r\n"; /* HTTP/1.0 closes unless told otherwise */
    int n = snprintf(out, cap,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: " SERVER_NAME "\r\n"
                     "Content-Type: %s\r\nContent-Length: %lld\r\n%s%s\r\n",
                     st->code, st->reason, http_date(), type, length, extra, conn);
    return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/* send() all of buf, or fail. MSG_NOSIGNAL: a client that has gone away gives EPIPE,
 * not a SIGPIPE that would kill the whole server (it is ignored as well, for sendfile). */
static int send_all(int sock, const char *buf, size_t len, int flags)
{
    while (len > 0) {
        ssize_t n = send(sock, buf, len, flags | MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One log line per request: peer "request line" status body-bytes. The request line
 * comes from the network: every byte that is not printable ASCII is shown as \xHH, so a
 * client cannot forge log lines or send escape sequences to the operator's terminal. */
static void log_request(const char *peer, const char *line, size_t len, int status,
                        long long bytes)
{
    char shown[4 * 200 + 4];
    size_t o = 0, n = len > 200 ? 200 : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            shown[o++] = (char)c;
        else
            o += (size_t)snprintf(shown + o, sizeof shown - o, "\\x%02x", c);
    }
    if (n < len)
        o += (size_t)snprintf(shown + o, sizeof shown - o, "...");
    shown[o] = '\0';
    printf("%s \"%s\" %d %lld\n", peer, shown, status, bytes);
}

/* Percent-encode a normalised path for a Location header: only unreserved characters
 * and '/' stay as they are (RFC 3986), so nothing in it can break the header. */
static void encode_path(char *out, size_t cap, const char *path)
{
    /* task 2 begin: encode_path */
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *path != '\0' && o + 4 < cap; path++) {
        unsigned char c = (unsigned char)*path;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    /* task 2 end */
}

/* Does the If-None-Match list v (entity tags, or "*") hold etag? Weak comparison
 * (RFC 9110 13.1.2): a "W/" in front of a tag is ignored. */
static int etag_matches(struct text v, const char *etag)
{
    /* task 3 begin: etag_matches */
    size_t len = strlen(etag), i = 0;
    while (i < v.n) {
        while (i < v.n && (v.s[i] == ' ' || v.s[i] == '\t' || v.s[i] == ','))
            i++;
        if (i < v.n && v.s[i] == '*')
            return 1;
        if (i + 2 <= v.n && v.s[i] == 'W' && v.s[i + 1] == '/')
            i += 2;
        size_t j = i;
        while (j < v.n && v.s[j] != ',')
            j++;
        size_t k = j;
        while (k > i && (v.s[k - 1] == ' ' || v.s[k - 1] == '\t'))
            k--;
        if (k - i == len && memcmp(v.s + i, etag, len) == 0)
            return 1;
        i = j;
    }
    return 0;
    /* task 3 end */
}

static int text_is(struct text t, const char *s)
{
    return t.n == strlen(s) && memcmp(t.s, s, t.n) == 0;
}

/* The reply for the open file f: its validators (Last-Modified, a strong ETag made of the
 * modification time in nanoseconds and the size), then the conditionals and the Range.
 * Returns 200, 206 (*first, *len: the part), 304 or 416; appends header lines to extra. */
static int file_reply(const struct request *req, const struct file *f, char *extra,
                      size_t cap, long long *first, long long *len)
{
    char etag[48], modified[32];
    long long ns = (long long)f->mtime.tv_sec * 1000000000 + f->mtime.tv_nsec;
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", ns, (long long)f->size);
    format_date(f->mtime.tv_sec, modified);
    size_t n = strlen(extra);
    n += (size_t)snprintf(extra + n, cap - n,
                          "Last-Modified: %s\r\nETag: %s\r\nAccept-Ranges: bytes\r\n", modified,
                          etag);
    *first = 0;
    *len = (long long)f->size;

    /* The browser's cached copy is still good: 304. If-None-Match wins when both are sent. */
    long long since;
    if (req->if_none_match.s != NULL) {
        if (etag_matches(req->if_none_match, etag))
            return 304;
    } else if (req->if_modified_since.s != NULL &&
               request_date(req->if_modified_since.s, req->if_modified_since.n, &since) == 0 &&
               (long long)f->mtime.tv_sec <= since) {
        return 304;
    }

    /* A Range, for GET only, and only if the file is the one the client has part of. */
    if (req->method != METHOD_GET || req->range.s == NULL)
        return 200;
    if (req->if_range.s != NULL && !text_is(req->if_range, etag) &&
        !text_is(req->if_range, modified))
        return 200; /* the file changed: the whole of it */
    long long a, b;
    int status = request_range(req->range.s, req->range.n, *len, &a, &b);
    if (status == 416)
        snprintf(extra + n, cap - n, "Content-Range: bytes */%lld\r\n", *len);
    if (status == 206) {
        snprintf(extra + n, cap - n, "Content-Range: bytes %lld-%lld/%lld\r\n", a, b, *len);
        *first = a;
        *len = b - a + 1;
    }
    return status == 0 ? 200 : status;
}

/* Answer one parsed request (status 0: serve req->path). Returns 0, or -1 if the reply
 * could not be sent: then the connection is broken and must be closed at once. */
static int respond(int sock, const struct request *req, int status, const char *peer,
                   const struct site *site)
{
    /* Extra header lines: at most a Location (the path, percent-encoded: 3 bytes a byte,
     * and the query) or the validators and a Content-Range. */
    char extra[4 * (REQ_TARGET_MAX + 2) + 64];
    char out[sizeof extra + 512 + SMALL_FILE]; /* a head, and a small file or a page */
    int head_only = req->method == METHOD_HEAD;
    long long sent = 0, first = 0, len = 0;
    int rc;
    struct file f = {.fd = -1};
    extra[0] = '\0';
    if (status == 0)
        status = file_open(site->rootfd, req->path, &f);
    if (status == 200)
        status = file_reply(req, &f, extra, sizeof extra, &first, &len);
    const struct status *st = find_status(status);

    if (status == 200 || status == 206 || status == 304) {
        size_t n = format_head(out, sizeof out, st, f.type, len, req, extra);
        if (head_only || status == 304) {
            rc = send_all(sock, out, n, 0); /* 304: the Content-Length the 200 would have */
        } else if (len <= SMALL_FILE) {
            /* A small file: read it behind the head and send both with one send(). */
            rc = file_read(f.fd, out + n, (off_t)first, (size_t)len);
            if (rc == 0)
                rc = send_all(sock, out, n + (size_t)len, 0);
            sent = rc == 0 ? len : 0;
        } else {
            /* MSG_MORE: "more is coming" - the head waits to share a segment with the body */
            rc = send_all(sock, out, n, MSG_MORE);
            if (rc == 0)
                rc = file_send(sock, f.fd, (off_t)first, (off_t)len);
            sent = rc == 0 ? len : 0;
        }
    } else {
        if (status == 405) {
            /* task 2 begin: allow */
            snprintf(extra, sizeof extra, "Allow: GET, HEAD\r\n");
            /* task 2 end */
        } else if (status == 301) {
            /* task 2 begin: location */
            /* The slashed directory, and the query as it came (request_path() allowed only
             * printable ASCII in the target, so nothing in it can break the header). */
            char where[3 * (REQ_TARGET_MAX + 2)];
            encode_path(where, sizeof where, req->path);
            snprintf(extra, sizeof extra, "Location: %s/%s%.*s\r\n", where,
                     req->query.s ? "?" : "", (int)req->query.n, req->query.s ? req->query.s : "");
            /* task 2 end */
        }
        size_t page = strlen(st->page);
        size_t n = format_head(out, sizeof out, st, "text/html; charset=utf-8",
                               (long long)page, req, extra);
        if (!head_only && n + page <= sizeof out) {
            memcpy(out + n, st->page, page); /* head and page in one send() */
            n += page;
            sent = (long long)page;
        }
        rc = send_all(sock, out, n, 0);
    }
    if (f.fd != -1)
        close(f.fd);
    if (!site->quiet)
        log_request(peer, req->line ? req->line : "", req->line_len, status, sent);
    return rc;
}

/* recv() into buf, waiting at most until deadline (now_ms() time), or - deadline -1 - for
 * the socket's SO_RCVTIMEO. Returns the bytes read, 0 if the client closed the
 * connection, -1 on an error, -2 if the time is up. */
static ssize_t recv_before(int sock, char *buf, size_t cap, long long deadline)
{
    while (deadline == -1) {
        ssize_t n = recv(sock, buf, cap, 0);
        if (n >= 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            return n;
        if (errno != EINTR)
            return -2; /* SO_RCVTIMEO expired */
    }
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return -2;
        struct pollfd p = {.fd = sock, .events = POLLIN};
        int ready = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (ready == -1 && errno != EINTR)
            return -1;
        if (ready <= 0)
            continue; /* interrupted, or the time is up: the loop's first test decides */
        ssize_t n = recv(sock, buf, cap, 0);
        if (n >= 0 || (errno != EINTR && errno != EAGAIN))
            return n;
    }
}

/* Close our side politely: send FIN (shutdown SHUT_WR), then read and throw away what the
 * client may still be sending, until it closes too - for LINGER_MS and LINGER_MAX bytes
 * at most: a client that keeps sending must not keep the thread. Closing at once with
 * unread bytes in the socket would make the kernel send RST, and a client that receives
 * RST may lose the reply it had not read yet - the very 400 that told it why. */
static void close_gracefully(int sock)
{
    char junk[4096];
    size_t total = 0;
    long long deadline = now_ms() + LINGER_MS;
    if (shutdown(sock, SHUT_WR) == -1)
        return; /* already disconnected */
    while (total < LINGER_MAX) {
        ssize_t n = recv_before(sock, junk, sizeof junk, deadline);
        if (n <= 0)
            break; /* the client closed (0), an error, or the time is up */
        total += (size_t)n;
    }
}

/* Read and throw away the body of req, which starts at buf[head] (*have bytes are in buf,
 * which holds BODY_READ bytes more than the head). What follows the body - a pipelined
 * request - is kept right after the head. Returns 0, 400 (a malformed chunked body), 413
 * (over REQ_BODY_MAX), or -1 if the connection failed or went idle. */
static int discard_body(int sock, const struct request *req, char *buf, size_t head,
                        size_t *have, const struct site *site)
{
    long long left = req->content_length > 0 ? req->content_length : 0;
    struct chunked ch = {0};
    if (left == 0 && !req->chunked)
        return 0;
    if (req->expect_continue && *have == head) {
        static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n"; /* "send the body" */
        if (send_all(sock, go_on, sizeof go_on - 1, 0) == -1)
            return -1;
    }
    size_t at = head; /* buf[head..at) is body, dropped; buf[at..*have) not looked at yet */
    for (;;) {
        size_t avail = *have - at;
        long used = req->chunked ? chunked_body(&ch, buf + at, avail)
                                 : (long)(avail < (size_t)left ? avail : (size_t)left);
        if (used < 0)
            return (int)-used;
        at += (size_t)used;
        left -= req->chunked ? 0 : used;
        if (req->chunked ? ch.done : left == 0)
            break;
        *have = head; /* all of it was body: read more in its place */
        at = head;
        size_t want = BODY_READ;
        if (!req->chunked && (size_t)left < want)
            want = (size_t)left; /* never read past the body */
        ssize_t n = recv_before(sock, buf + head, want, now_ms() + site->idle_secs * 1000LL);
        if (n <= 0)
            return -1;
        *have = head + (size_t)n;
    }
    memmove(buf + head, buf + at, *have - at); /* keep what follows: the next request */
    *have = head + (*have - at);
    return 0;
}

long serve_connection(int sock, const char *peer, const struct site *site)
{
    /* The head being read and what follows it (pipelining), and room to read a body. */
    char buf[REQ_HEAD_MAX + BODY_READ];
    size_t have = 0;
    long answered = 0;
    for (;;) {
        /* 1. Read until a whole request head is in buf: wait at most idle_secs for its
         *    first byte (SO_RCVTIMEO: deadline -1), and then at most idle_secs from that
         *    byte for the whole head. */
        size_t scan = 0, head;
        int started = have > 0;
        long long deadline = started ? now_ms() + site->idle_secs * 1000LL : -1;
        while ((head = request_head_length(buf, have, &scan)) == 0) {
            if (have == REQ_HEAD_MAX) { /* 8 KiB and still no empty line */
                struct request big = {.line = buf, .line_len = have};
                if (respond(sock, &big, request_too_large(buf, have), peer, site) == 0)
                    close_gracefully(sock);
                return answered + 1;
            }
            ssize_t n = recv_before(sock, buf + have, REQ_HEAD_MAX - have, deadline);
            if (n == -2 && !site->quiet)
                printf("%s closed: %s %d s\n", peer,
                       started ? "request head not complete after" : "idle for",
                       site->idle_secs);
            if (n <= 0)
                return answered; /* closed by the client (0), an error, or the time is up */
            if (!started) /* the first byte: from now on the deadline is the head's */
                deadline = now_ms() + site->idle_secs * 1000LL;
            started = 1;
            have += (size_t)n;
        }

        /* 2. Parse it, read its body (if any) and throw that away, answer. */
        struct request req;
        int status = request_parse(&req, buf, head);
        if (req.keep_alive) { /* else the connection closes: the body does not matter */
            int body = discard_body(sock, &req, buf, head, &have, site);
            if (body == -1)
                return answered;
            if (body != 0) {
                status = body;
                req.keep_alive = 0;
            }
        }
        if (respond(sock, &req, status, peer, site) == -1)
            return answered;
        answered++;
        if (!req.keep_alive) {
            close_gracefully(sock);
            return answered;
        }
        /* 3. Keep what came after this request: the next one, already sent (pipelined). */
        memmove(buf, buf + head, have - head);
        have -= head;
    }
}
