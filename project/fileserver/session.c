/*
 * session.c - what a child of the file server does: serve one client's requests, one
 * after another, until it quits, leaves, stalls or breaks the connection.
 *
 * The loop is the classroom's: receive a request, decide whether it can be done, answer
 * OK or ERR, then do it. What makes it safe against a hostile client:
 *   - lines come from a buffered reader that never lets a line grow past 1024 bytes;
 *   - the request is parsed by protocol.c (no I/O, fuzzed) before anything is touched;
 *   - bodies are length-prefixed: exactly <size> bytes, never a byte more;
 *   - the idle timeout is a deadline on progress: the socket is non-blocking, and each
 *     wait for the client (poll, in netio.c) lasts at most -t seconds, so a client that
 *     sends nothing, stalls mid-upload or stops reading a download for that long is
 *     dropped - within -t seconds of the last byte that moved, whatever the transfer;
 *   - an upload reserves disk only a little ahead of what arrived (netio.c): a client that
 *     announces 1 GiB and stalls holds at most 8 MiB of disk beyond what it sent;
 *   - an upload that does not complete is removed (fileops.c); if the child is killed
 *     instead, its parent removes it (server.c).
 * The child has no signal handler of its own: SIGTERM from the parent ends it at once,
 * even in the middle of a blocking call.
 */
#include "session.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "net.h"
#include "netio.h"
#include "protocol.h"

#define LINGER_MS 2000 /* lingering_close: at most this long */
#define LINGER_BYTES (1024 * 1024)

void log_event(const char *peer, const char *fmt, ...)
{
    char line[1024], when[32] = "?";
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    int n = snprintf(line, sizeof line, "%s %s [%ld] ", when, peer, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len); /* one write: one whole line */
    (void)ignored;
}

/* A client's bytes, quoted for the log: controls, '"' and '\' escaped, cut at 200 bytes,
 * so that a hostile name can neither forge a log line nor drive the terminal. */
static const char *quote(const char *s, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < len && o + 8 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 200) {
            o += (size_t)snprintf(out + o, outlen - o, "...");
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

struct session {
    const struct server_config *cfg;
    struct library *lib;
    struct conn conn;
    const char *peer;
    struct xfer xfer;
    const char *why; /* why a transfer broke the session, for the "closed" line */
};

/* Send a status line; 0, or -1 if the connection is broken. */
static int reply(struct session *s, const char *fmt, ...) PL_PRINTF(2, 3);
static int reply(struct session *s, const char *fmt, ...)
{
    char line[PROTO_MAX_LINE];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    return conn_write(&s->conn, line, (size_t)n);
}

static void copy_name(char *dst, const struct request *r)
{
    memcpy(dst, r->name, r->name_len); /* valid: 1-255 bytes, no '\0' */
    dst[r->name_len] = '\0';
}

/* L: "OK <n>", then the n names, one a line. Returns 0 to go on, -1 to end the session. */
static int do_list(struct session *s)
{
    char **names;
    size_t count;
    if (library_list(s->lib, &names, &count) == -1) {
        log_event(s->peer, "L: ERR cannot list the files: %s", strerror(errno));
        return reply(s, "ERR cannot list the files: %s", strerror(errno));
    }
    size_t len = 32;
    for (size_t i = 0; i < count; i++)
        len += strlen(names[i]) + 1;
    char *buf = malloc(len);
    if (buf == NULL) {
        library_free_list(names, count);
        log_event(s->peer, "L: ERR out of memory");
        return reply(s, "ERR out of memory");
    }
    size_t head = (size_t)snprintf(buf, len, "OK %zu\n", count), o = head;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(names[i]);
        memcpy(buf + o, names[i], n);
        buf[o + n] = '\n';
        o += n + 1;
    }
    library_free_list(names, count);
    int rc = conn_write(&s->conn, buf, o);
    free(buf);
    log_event(s->peer, "L: OK %zu (%zu bytes)", count, o - head);
    return rc;
}

/* G: "OK <size>" and the bytes, or "ERR no such file". */
static int do_get(struct session *s, const struct request *r, const char *what)
{
    /* task 2 begin: do_get */
    char name[PROTO_MAX_NAME + 1];
    copy_name(name, r);
    uint64_t size;
    int fd = library_get(s->lib, name, &size);
    if (fd == -1) {
        const char *why = errno == ENOENT || errno == ELOOP || errno == ENOTDIR
                              ? "no such file" : strerror(errno);
        log_event(s->peer, "%s: ERR %s", what, why);
        return reply(s, "ERR %s", why);
    }
    if (reply(s, "OK %llu", (unsigned long long)size) == -1) {
        close(fd);
        return -1;
    }
    enum xfer_result res = xfer_send_file(&s->conn, fd, size, &s->xfer);
    int saved = errno;
    close(fd);
    if (res == XFER_OK) {
        log_event(s->peer, "%s: OK %llu (%llu bytes)", what, (unsigned long long)size,
                  (unsigned long long)size);
        return 0;
    }
    /* The size is announced: after a failure half-way the stream cannot be saved. */
    s->why = res == XFER_SHORT ? "the file shrank during the transfer"
             : saved == ETIMEDOUT ? "idle timeout" : strerror(saved);
    log_event(s->peer, "%s: OK %llu, then the transfer failed: %s", what,
              (unsigned long long)size, s->why);
    return -1;
    /* task 2 end */
}

/* P: "OK" (go ahead), the bytes into a hidden file, then "OK" once it is in place. */
static int do_put(struct session *s, const struct request *r, const char *what)
{
    char name[PROTO_MAX_NAME + 1];
    copy_name(name, r);
    struct upload up;
    if (library_put_begin(s->lib, &up) == -1) {
        log_event(s->peer, "%s: ERR cannot create the file: %s", what, strerror(errno));
        return reply(s, "ERR cannot create the file: %s", strerror(errno));
    }
    if (reply(s, "OK") == -1) {
        library_put_abort(s->lib, &up);
        return -1;
    }
    int werr;
    enum xfer_result res = xfer_recv_file(&s->conn, up.fd, r->size, &s->xfer, &werr);
    if (res != XFER_OK) {
        int saved = errno;
        library_put_abort(s->lib, &up); /* nothing of it stays */
        s->why = res == XFER_EOF ? "the client left in the middle of an upload"
                 : saved == ETIMEDOUT ? "idle timeout" : strerror(saved);
        log_event(s->peer, "%s: upload abandoned, nothing stored: %s", what, s->why);
        return -1;
    }
    if (werr != 0) {
        library_put_abort(s->lib, &up);
        log_event(s->peer, "%s: ERR cannot write the file: %s", what, strerror(werr));
        return reply(s, "ERR cannot write the file: %s", strerror(werr));
    }
    if (library_put_commit(s->lib, &up, name) == -1) {
        log_event(s->peer, "%s: ERR cannot store the file: %s", what, strerror(errno));
        return reply(s, "ERR cannot store the file: %s", strerror(errno));
    }
    log_event(s->peer, "%s: OK (%llu bytes)", what, (unsigned long long)r->size);
    return reply(s, "OK");
}

/* Handle one request line. Returns 0 to go on, 1 after Q, -1 when the connection broke. */
static int handle(struct session *s, const char *line, size_t len)
{
    struct request r;
    char what[1200], q[1100];
    proto_parse_request(line, len, s->cfg->max_upload, &r);
    switch (r.type) {
    case REQ_LIST:
        return do_list(s);
    case REQ_GET:
        snprintf(what, sizeof what, "G %s", quote(r.name, r.name_len, q, sizeof q));
        return do_get(s, &r, what);
    case REQ_PUT:
        snprintf(what, sizeof what, "P %s %llu", quote(r.name, r.name_len, q, sizeof q),
                 (unsigned long long)r.size);
        return do_put(s, &r, what);
    case REQ_QUIT:
        log_event(s->peer, "Q: OK");
        return reply(s, "OK") == -1 ? -1 : 1;
    case REQ_INVALID:
        break;
    }
    log_event(s->peer, "%s: ERR %s", quote(line, len, q, sizeof q), r.error);
    return reply(s, "ERR %s", r.error);
}

/* Close after telling the client everything: shutdown() sends our last bytes and a FIN;
 * then what the client still sends is read and dropped for a moment (at most LINGER_MS
 * in all, however the client trickles). Closing a socket with unread bytes makes the
 * kernel send a reset, which may destroy our last reply (an "ERR line too long", an "OK"
 * to Q) before the client has read it. */
static void lingering_close(int fd)
{
    if (shutdown(fd, SHUT_WR) == 0) {
        long long end = now_ms() + LINGER_MS;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char scrap[4096];
        ssize_t n = 1;
        size_t total = 0;
        for (long long left = LINGER_MS; n > 0 && total < LINGER_BYTES && left > 0;
             left = end - now_ms()) {
            if (poll(&p, 1, (int)left) <= 0)
                break; /* the time is up (or poll failed: we are closing anyway) */
            if ((n = read(fd, scrap, sizeof scrap)) > 0)
                total += (size_t)n;
        }
    }
    close(fd);
}

void session_run(const struct server_config *cfg, struct library *lib, int sock,
                 const char *peer)
{
    static struct session s; /* static: the 64 KiB buffer stays off the stack */
    s.cfg = cfg;
    s.lib = lib;
    s.peer = peer;
    s.xfer.plain = cfg->plain;
    s.xfer.upload = 1; /* every upload goes into a new file, fsync'd before its final OK */
    /* Non-blocking, so that netio.c can bound each wait for the client (see netio.h). */
    if (set_nonblocking(sock) == -1)
        die_child("fcntl O_NONBLOCK");
    conn_init(&s.conn, sock, cfg->idle_seconds * 1000);
    /* Status lines go out at once: without TCP_NODELAY, Nagle's algorithm holds a small
     * body sent right after "OK <size>" until the client's delayed ACK (about 40 ms). */
    int one = 1;
    if (setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
        die_child("setsockopt TCP_NODELAY");
    log_event(peer, "connected");

    const char *line, *why = NULL;
    size_t len;
    int linger = 0;
    while (why == NULL) {
        switch (conn_read_line(&s.conn, &line, &len)) {
        case CONN_LINE: {
            int rc = handle(&s, line, len);
            if (rc == 1) {
                why = "quit";
                linger = 1;
            } else if (rc == -1) {
                why = s.why ? s.why : "connection broken";
            }
            break;
        }
        case CONN_EOF:
            why = "the client closed the connection";
            break;
        case CONN_PARTIAL_EOF:
            why = "the client left in the middle of a request";
            break;
        case CONN_TOO_LONG:
            log_event(peer, "(a line of over %d bytes): ERR line too long", PROTO_MAX_LINE);
            reply(&s, "ERR line too long");
            why = "line too long";
            linger = 1;
            break;
        case CONN_ERROR:
            why = errno == ETIMEDOUT ? "idle timeout" : strerror(errno);
            break;
        }
    }
    log_event(peer, "closed: %s", why);
    if (linger)
        lingering_close(sock);
    else
        close(sock);
    library_close(lib);
    _exit(0);
}
