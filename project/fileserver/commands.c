/*
 * commands.c - the client's side of the protocol: connect, list, get, put, quit.
 * file-client (client.c) calls these from its menu and from its command line.
 *
 * What to observe:
 *   - every reply is read through the same line reader as the server's requests; a body
 *     is exactly the size its status line announced (netio.c);
 *   - a download lands atomically: into a hidden temporary file next to DEST, renamed to
 *     DEST only once complete - an interrupted download leaves nothing (Ctrl-C included);
 *   - names are checked with the protocol's own rule (no '/', no control character, not
 *     starting with '.'): a name never leads out of the destination directory;
 *   - on a terminal, transfers of 1 MiB or more show a progress bar with the rate.
 * See also: client.c, PROTOCOL.md, rename(2), mkstemp(3), isatty(3).
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "net.h"
#include "netio.h"
#include "protocol.h"

#define PROGRESS_MIN (1024 * 1024) /* smaller transfers are over before a bar is useful */

static struct conn conn;
static struct xfer xfer;

void complain(const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "%s: %s\n", progname(), msg);
}

/* ---- the progress bar ----------------------------------------------------------------- */
struct progress {
    const char *label;
    uint64_t total;
    struct timespec start, last;
};

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void draw(void *arg, uint64_t done)
{
    struct progress *p = arg;
    if (done < p->total && since(&p->last) < 0.1)
        return; /* at most ten frames a second */
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    double secs = since(&p->start), mib = 1024.0 * 1024.0;
    int pct = (int)(100.0 * (double)done / (double)p->total), width = 24;
    char bar[32];
    memset(bar, '#', (size_t)(pct * width / 100));
    memset(bar + pct * width / 100, '.', (size_t)(width - pct * width / 100));
    bar[width] = '\0';
    char rate[32] = ""; /* the rate means something only after a moment */
    if (secs >= 0.2 || done == p->total)
        snprintf(rate, sizeof rate, "%8.1f MiB/s", (double)done / mib / secs);
    fprintf(stderr, "\r%-20.20s [%s] %3d%% %8.1f / %.1f MiB %14s", p->label, bar, pct,
            (double)done / mib, (double)p->total / mib, rate);
    if (done == p->total)
        fputc('\n', stderr);
}

/* Show a bar for this transfer if stderr is a terminal and it is big enough. */
static void progress_start(struct progress *p, const char *label, uint64_t total)
{
    xfer.progress = NULL;
    if (total < PROGRESS_MIN || !isatty(STDERR_FILENO))
        return;
    p->label = label;
    p->total = total;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last.tv_sec = 0; /* draw the first frame at once */
    p->last.tv_nsec = 0;
    xfer.progress = draw;
    xfer.arg = p;
}

/* ---- talking to the server ------------------------------------------------------------- */
/* A blocking TCP socket connected to host:port (IPv4 or IPv6). A host that does not
 * resolve is bad usage (exit 2, in net_resolve); a refused connection, a failure (exit 1). */
static int connect_to(const char *host, const char *port)
{
    struct sockaddr_storage sa;
    socklen_t len = net_resolve(host, port, SOCK_STREAM, &sa);
    int fd = socket(sa.ss_family, SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    if (connect(fd, (struct sockaddr *)&sa, len) == -1)
        die("connect to %s port %s", host, port);
    int one = 1; /* the request line goes out at once (see session.c) */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
        die("setsockopt TCP_NODELAY");
    return fd;
}

/* Read a status line into *r. DONE, or BROKEN (said why). The reason of an ERR points
 * into the reader's buffer: use it before the next read. */
static int read_reply(struct reply *r)
{
    const char *line;
    size_t len;
    switch (conn_read_line(&conn, &line, &len)) {
    case CONN_LINE:
        proto_parse_reply(line, len, r);
        if (r->type != REPLY_BAD)
            return DONE;
        complain("protocol error: the server sent '%.*s'", (int)(len < 80 ? len : 80), line);
        return BROKEN;
    case CONN_EOF:
    case CONN_PARTIAL_EOF:
        complain("the server closed the connection");
        return BROKEN;
    case CONN_TOO_LONG:
        complain("protocol error: a status line of over %d bytes", PROTO_MAX_LINE);
        return BROKEN;
    case CONN_ERROR:
        break;
    }
    complain("reading from the server: %s", strerror(errno));
    return BROKEN;
}

/* Send a request and read its status line. If the send fails, the server may still have
 * said why before it closed (like "ERR server busy"), so the reply is read anyway. */
static int request(const char *req, size_t len, struct reply *r)
{
    int sent = conn_write(&conn, req, len);
    int saved = errno;
    if (read_reply(r) == BROKEN) {
        if (sent == -1)
            complain("sending to the server: %s", strerror(saved));
        return BROKEN;
    }
    return DONE;
}

/* An ERR where OK was expected (or the other way round). After "server busy" and "line
 * too long" the server closes the connection; after any other ERR it stays usable. */
static int refused(const char *what, const struct reply *r)
{
    if (r->type == REPLY_ERR) {
        complain("%s: %.*s", what, (int)r->reason_len, r->reason);
        if ((r->reason_len == 11 && memcmp(r->reason, "server busy", 11) == 0) ||
            (r->reason_len == 13 && memcmp(r->reason, "line too long", 13) == 0))
            return BROKEN;
        return FAILED;
    }
    complain("%s: protocol error: unexpected status line", what);
    return BROKEN;
}

int cmd_list(void)
{
    struct reply r;
    if (request("L\n", 2, &r) == BROKEN)
        return BROKEN;
    if (r.type != REPLY_OK_NUMBER)
        return refused("list", &r);
    for (uint64_t i = 0; i < r.number; i++) {
        const char *line;
        size_t len;
        if (conn_read_line(&conn, &line, &len) != CONN_LINE) {
            complain("list: the listing ended early");
            return BROKEN;
        }
        if (proto_valid_name(line, len)) /* a hostile server cannot drive the terminal */
            printf("%.*s\n", (int)len, line);
        else
            complain("list: skipped an invalid name from the server");
    }
    if (r.number == 0)
        printf("(no files)\n");
    return DONE;
}

/* Where a download goes. A regular file is written atomically: into a hidden temporary
 * file next to it, renamed over it once complete. Something else that already exists -
 * /dev/null, a FIFO, a terminal - and "-" (stdout) are written to directly. */
struct sink {
    int fd;
    int atomic;
    char path[4096];
    char tmp[4096 + 32];
};

static int open_sink(const char *name, const char *dest, struct sink *k)
{
    struct stat st;
    int exists = dest != NULL && stat(dest, &st) == 0;
    k->atomic = 0;
    if (dest != NULL && strcmp(dest, "-") == 0) {
        snprintf(k->path, sizeof k->path, "(stdout)");
        k->fd = STDOUT_FILENO;
        return 0;
    }
    if (exists && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        snprintf(k->path, sizeof k->path, "%s", dest);
        k->fd = open(dest, O_WRONLY);
        return k->fd == -1 ? -1 : 0;
    }
    if (dest == NULL)
        snprintf(k->path, sizeof k->path, "%s", name);
    else if (exists && S_ISDIR(st.st_mode))
        snprintf(k->path, sizeof k->path, "%s/%s", dest, name); /* name: no '/' in it */
    else
        snprintf(k->path, sizeof k->path, "%s", dest);
    const char *slash = strrchr(k->path, '/');
    snprintf(k->tmp, sizeof k->tmp, "%.*s.file-client-XXXXXX",
             slash ? (int)(slash - k->path + 1) : 0, k->path);
    k->atomic = 1;
    k->fd = mkstemp(k->tmp);
    return k->fd == -1 ? -1 : 0;
}

/* Finish a download: give the temporary file its name (or remove it if !ok). */
static int close_sink(struct sink *k, int ok)
{
    int rc = 0;
    if (k->atomic && ok) {
        mode_t mask = umask(0); /* mkstemp made it 0600; give it the usual 0666 & ~umask */
        umask(mask);
        if (fchmod(k->fd, 0666 & ~mask) == -1)
            rc = -1;
    }
    if (k->fd != STDOUT_FILENO && close(k->fd) == -1)
        rc = -1;
    if (k->atomic && ok && rc == 0 && rename(k->tmp, k->path) == -1)
        rc = -1;
    if (k->atomic && (!ok || rc == -1)) {
        int saved = errno;
        unlink(k->tmp); /* nothing of a failed download stays */
        errno = saved;
    }
    return rc;
}

int cmd_get(const char *name, const char *dest)
{
    if (!proto_valid_name(name, strlen(name))) {
        complain("%s: invalid name", name);
        return FAILED;
    }
    char req[PROTO_MAX_LINE];
    int reqlen = snprintf(req, sizeof req, "G %s\n", name);
    struct reply r;
    if (request(req, (size_t)reqlen, &r) == BROKEN)
        return BROKEN;
    if (r.type != REPLY_OK_NUMBER)
        return refused(name, &r);
    struct sink k;
    int werr;
    if (open_sink(name, dest, &k) == -1) { /* the body is on its way: read it, stay in step */
        complain("%s: cannot write %s: %s", name, k.path, strerror(errno));
        return xfer_recv_file(&conn, -1, r.number, &xfer, &werr) == XFER_OK ? FAILED : BROKEN;
    }
    struct progress bar;
    progress_start(&bar, name, r.number);
    enum xfer_result res = xfer_recv_file(&conn, k.fd, r.number, &xfer, &werr);
    int saved = errno;
    if (close_sink(&k, res == XFER_OK && werr == 0) == -1 && werr == 0)
        werr = errno;
    if (res != XFER_OK) {
        complain("%s: download failed: %s; nothing saved", name,
                 netio_interrupted ? "interrupted" : res == XFER_EOF
                                                     ? "the server closed the connection"
                                                     : strerror(saved));
        return BROKEN;
    }
    if (werr != 0) {
        complain("%s: cannot write %s: %s", name, k.path, strerror(werr));
        return FAILED;
    }
    if (k.fd != STDOUT_FILENO)
        printf("got %s: %llu bytes, saved as %s\n", name, (unsigned long long)r.number, k.path);
    return DONE;
}

int cmd_put(const char *file, const char *name)
{
    if (name == NULL) {
        const char *slash = strrchr(file, '/');
        name = slash ? slash + 1 : file;
    }
    if (!proto_valid_name(name, strlen(name))) {
        complain("%s: invalid name", name);
        return FAILED;
    }
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        complain("%s: %s", file, fd == -1 ? strerror(errno) : "not a regular file");
        if (fd != -1)
            close(fd);
        return FAILED;
    }
    uint64_t size = (uint64_t)st.st_size;
    char req[PROTO_MAX_LINE + 32];
    int reqlen = snprintf(req, sizeof req, "P %s %llu\n", name, (unsigned long long)size);
    struct reply r;
    if (request(req, (size_t)reqlen, &r) == BROKEN) {
        close(fd);
        return BROKEN;
    }
    if (r.type != REPLY_OK) {
        close(fd);
        return refused(name, &r);
    }
    struct progress bar;
    progress_start(&bar, name, size);
    enum xfer_result res = xfer_send_file(&conn, fd, size, &xfer);
    int saved = errno;
    close(fd);
    if (res != XFER_OK) { /* the server removes what it received */
        complain("%s: upload failed: %s", name,
                 netio_interrupted ? "interrupted" : res == XFER_SHORT
                                                     ? "the file shrank while it was sent"
                                                     : strerror(saved));
        return BROKEN;
    }
    if (read_reply(&r) == BROKEN)
        return BROKEN;
    if (r.type != REPLY_OK)
        return refused(name, &r);
    printf("put %s: %llu bytes, stored by the server\n", name, (unsigned long long)size);
    return DONE;
}

int cmd_quit(int quiet)
{
    struct reply r;
    if (quiet) { /* a courtesy only: if the server has gone already, fine */
        const char *line;
        size_t len;
        if (conn_write(&conn, "Q\n", 2) == 0)
            conn_read_line(&conn, &line, &len);
        return DONE;
    }
    if (request("Q\n", 2, &r) == BROKEN)
        return BROKEN;
    return r.type == REPLY_OK ? DONE : refused("quit", &r);
}

void client_open(const char *host, const char *port, int plain)
{
    conn_init(&conn, connect_to(host, port), -1); /* blocking: no deadline, the user decides */
    xfer.plain = plain;
}

void client_close(void)
{
    close(conn.fd);
}
