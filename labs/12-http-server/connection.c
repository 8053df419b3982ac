/*
 * connection.c - one connection of http-server: read a request head, answer it, repeat
 * while the connection is persistent; log each request; close gracefully.
 *
 * A reply is a status line, header lines, an empty line and the body (响应行, 响应头,
 * 空行, 响应体). For a file the head is sent with MSG_MORE and the body with sendfile(),
 * so the kernel puts both in the same TCP segments and the file's bytes never pass
 * through this process. Errors have a small HTML page as their body (the classroom's 404
 * case); the page never repeats anything the client sent.
 *
 * Time limits: the socket has SO_RCVTIMEO and SO_SNDTIMEO set to the idle timeout
 * (http-server.c), so recv() returns EAGAIN after that long without a byte - a silent
 * client is closed. A slow one (a byte every few seconds: "slowloris") would reset that
 * timer with every byte, so a request head must also be complete within the idle
 * timeout of its first byte.
 * See also: request.c (the parser), files.c (the files), notes/http.md.
 */
#include "connection.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "request.h"

#define SERVER_NAME "posix-labs-http/1.0"
#define LINGER_MAX (1024 * 1024) /* bytes read and thrown away before a close, at most */
#define SMALL_FILE (16 * 1024)    /* up to this size, read() + one send(); above, sendfile() */

#define PAGE(code, title, text)                                                        \
    "<!DOCTYPE html>\n<html><head><title>" code " " title "</title></head>\n<body><h1>" \
    code " " title "</h1>\n<p>" text "</p></body></html>\n"

static const struct status {
    int code;
    const char *reason, *page;
} statuses[] = {
    {200, "OK", ""},
    {301, "Moved Permanently",
     PAGE("301", "Moved Permanently", "This page has moved to the address in the Location header.")},
    {400, "Bad Request", PAGE("400", "Bad Request", "The server could not understand the request.")},
    {403, "Forbidden", PAGE("403", "Forbidden", "You may not see this page.")},
    {404, "Not Found", PAGE("404", "Not Found", "Sorry, there is no such page on this server.")},
    {405, "Method Not Allowed",
     PAGE("405", "Method Not Allowed", "This server answers GET and HEAD only.")},
    {414, "URI Too Long", PAGE("414", "URI Too Long", "The address is longer than this server accepts.")},
    {431, "Request Header Fields Too Large",
     PAGE("431", "Request Header Fields Too Large",
          "The request's header section is larger than this server accepts.")},
    {500, "Internal Server Error",
     PAGE("500", "Internal Server Error", "Something went wrong on the server.")},
    {501, "Not Implemented",
     PAGE("501", "Not Implemented", "This server cannot read a request body sent in chunks.")},
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

/* The Date header's value, an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), written by
 * hand rather than with strftime() so that no locale can change the English names. The
 * string only changes once a second: each thread keeps its own copy (_Thread_local: no
 * lock, no sharing) and rebuilds it when the second has changed. */
static const char *http_date(void)
{
    static _Thread_local time_t cached_at = -1;
    static _Thread_local char text[32];
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    if (now != cached_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
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
}

/* Answer one parsed request (status 0: serve req->path). Returns 0, or -1 if the reply
 * could not be sent: then the connection is broken and must be closed at once. */
static int respond(int sock, const struct request *req, int status, const char *peer,
                   const struct site *site)
{
    char out[1024 + SMALL_FILE]; /* a head and a small file, or a head (with a Location of
                                    up to 3 x 2 KiB) and a page */
    int head_only = req->method == METHOD_HEAD;
    long long sent = 0;
    int rc;
    struct file f;
    if (status == 0)
        status = file_open(site->rootfd, req->path, &f);
    const struct status *st = find_status(status);

    if (status == 200) {
        size_t n = format_head(out, sizeof out, st, f.type, (long long)f.size, req, "");
        if (head_only) {
            rc = send_all(sock, out, n, 0);
        } else if (f.size <= SMALL_FILE) {
            /* A small file: read it behind the head and send both with one send(). */
            rc = file_read(f.fd, out + n, (size_t)f.size);
            if (rc == 0)
                rc = send_all(sock, out, n + (size_t)f.size, 0);
            sent = rc == 0 ? (long long)f.size : 0;
        } else {
            /* MSG_MORE: "more is coming" - the head waits to share a segment with the body */
            rc = send_all(sock, out, n, MSG_MORE);
            if (rc == 0)
                rc = file_send(sock, f.fd, f.size);
            sent = rc == 0 ? (long long)f.size : 0;
        }
        close(f.fd);
    } else {
        char extra[3 * (REQ_TARGET_MAX + 2) + 32];
        extra[0] = '\0';
        if (status == 405) {
            snprintf(extra, sizeof extra, "Allow: GET, HEAD\r\n");
        } else if (status == 301) {
            char where[3 * (REQ_TARGET_MAX + 2)];
            encode_path(where, sizeof where, req->path);
            snprintf(extra, sizeof extra, "Location: %s/\r\n", where);
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
    if (!site->quiet)
        log_request(peer, req->line ? req->line : "", req->line_len, status, sent);
    return rc;
}

/* Close our side politely: send FIN (shutdown SHUT_WR), then read and throw away what the
 * client may still be sending, until it closes too. Closing at once with unread bytes
 * in the socket would make the kernel send RST, and a client that receives RST may
 * lose the reply it had not read yet - the very 400 that told it why. */
static void close_gracefully(int sock)
{
    char junk[4096];
    size_t total = 0;
    if (shutdown(sock, SHUT_WR) == -1)
        return; /* already disconnected */
    while (total < LINGER_MAX) {
        ssize_t n = recv(sock, junk, sizeof junk, 0);
        if (n > 0)
            total += (size_t)n;
        else if (n == -1 && errno == EINTR)
            continue;
        else
            break; /* the client closed (0), or stayed silent for the idle timeout */
    }
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

long serve_connection(int sock, const char *peer, const struct site *site)
{
    char buf[REQ_HEAD_MAX]; /* the head being read, and what follows it (pipelining) */
    size_t have = 0;
    long answered = 0;
    for (;;) {
        /* 1. Read until a whole request head is in buf. */
        size_t scan = 0, head;
        struct timespec first_byte;
        int timing = 0;
        while ((head = request_head_length(buf, have, &scan)) == 0) {
            if (have == sizeof buf) { /* 8 KiB and still no empty line */
                struct request big = {.line = buf, .line_len = have};
                if (respond(sock, &big, request_too_large(buf, have), peer, site) == 0)
                    close_gracefully(sock);
                return answered + 1;
            }
            if (have > 0 && !timing) {
                clock_gettime(CLOCK_MONOTONIC, &first_byte);
                timing = 1;
            } else if (timing && seconds_since(&first_byte) >= site->idle_secs) {
                if (!site->quiet)
                    printf("%s closed: request head not complete after %d s\n", peer,
                           site->idle_secs);
                return answered;
            }
            ssize_t n = recv(sock, buf + have, sizeof buf - have, 0);
            if (n > 0) {
                have += (size_t)n;
            } else if (n == 0) {
                return answered; /* the client closed the connection */
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!site->quiet)
                    printf("%s closed: idle for %d s\n", peer, site->idle_secs);
                return answered;
            } else if (errno != EINTR) {
                return answered; /* ECONNRESET, or shut down by the server's exit */
            }
        }

        /* 2. Parse it and answer it. */
        struct request req;
        int status = request_parse(&req, buf, head);
        if (respond(sock, &req, status, peer, site) == -1)
            return answered;
        answered++;
        if (!req.keep_alive) {
            close_gracefully(sock);
            return answered;
        }
        /* 3. Keep what came after this head: the next request, already sent (pipelined). */
        memmove(buf, buf + head, have - head);
        have -= head;
    }
}
