/*
 * netio.c - buffered lines and file transfers over a connection (see netio.h).
 *
 * The fast paths are Linux's zero-copy calls:
 *   sendfile(sock, file): the kernel hands the file's page-cache pages to TCP; the bytes
 *     never visit user space (read()+write() would copy each byte twice);
 *   splice(sock -> pipe -> file): the received data moves by page reference into a pipe,
 *     and from the pipe into the file with one copy (recv()+write() makes two);
 *   and, for uploads, fallocate() and sync_file_range(): disk space reserved a little
 *     ahead of the data, and the writing to disk started while the rest arrives (see
 *     store_ahead() below).
 * Both are bounded by the same rule as the plain variant: exactly the announced size,
 * never a byte of the next request. The plain read()/write() variant is kept, selectable,
 * so that the benchmark can show what the zero-copy calls save.
 *
 * The deadline on progress: the server's socket is non-blocking. Every call that finds
 * nothing to do (EAGAIN: no byte to read, no room to write) waits in poll() for at most
 * the connection's idle_ms, and a poll() that times out ends the transfer (ETIMEDOUT).
 * So the clock restarts only when a byte really moves: a client that stops reading a
 * download is dropped idle_ms after the socket's buffers filled up, however big the file.
 * (SO_SNDTIMEO would not do: it bounds one call, and a sendfile() that moved a few bytes
 * before waiting its full timeout starts the next wait from zero.)
 * Observe: strace -f -e trace=sendfile,splice,read,write ./file-server   (then a GET/PUT)
 */
#define _GNU_SOURCE /* splice(), F_SETPIPE_SZ, fallocate(), sync_file_range(): Linux only */
#include "netio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/sendfile.h> /* Linux */
#include <unistd.h>

#include "protocol.h"

volatile sig_atomic_t netio_interrupted;

#define PLAIN_BUFSIZE (256 * 1024) /* the user-space buffer of the plain variant */
#define PIPE_CHUNK (1024 * 1024)   /* what one splice() moves at most (the pipe's size) */
#define SEND_CHUNK (1024 * 1024)   /* sendfile() per call when progress is reported */
#define RESERVE_AHEAD (8 * 1024 * 1024)   /* uploads: disk reserved beyond the data, at most */
#define WRITEBACK_CHUNK (8 * 1024 * 1024) /* uploads: start writing back every 8 MiB stored */

static char plain_buf[PLAIN_BUFSIZE];

/* EINTR: retry, unless the program asked for signals to interrupt us. */
static int retry(void)
{
    return errno == EINTR && !netio_interrupted;
}

/* Checked before each chunk of a transfer: a signal that arrived while no system call was
 * blocked (between two calls) must stop the transfer too, not only one that interrupted a
 * call. Sets errno to EINTR, as an interrupted call would have. */
static int stopped(void)
{
    if (!netio_interrupted)
        return 0;
    errno = EINTR;
    return 1;
}

/* A call on a non-blocking fd found nothing to do (EAGAIN): wait until fd is ready for
 * events, at most idle_ms. 0: ready, try again; -1: errno ETIMEDOUT (the peer moved no
 * byte for idle_ms), or EINTR (interrupted, see retry), or poll()'s error. */
static int await(int fd, short events, int idle_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n;
    do
        n = poll(&p, 1, idle_ms);
    while (n == -1 && retry());
    if (n == 0)
        errno = ETIMEDOUT;
    return n > 0 ? 0 : -1;
}

/* After a call failed: 1 if it should be made again (interrupted; or nothing to do yet,
 * and fd became ready within the idle time), 0 if it really failed (errno says why). */
static int again(int fd, short events, int idle_ms)
{
    if (retry())
        return 1;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
        return 0;
    return await(fd, events, idle_ms) == 0;
}

void conn_init(struct conn *c, int fd, int idle_ms)
{
    c->fd = fd;
    c->idle_ms = idle_ms;
    c->start = c->end = 0;
}

enum conn_status conn_read_line(struct conn *c, const char **line, size_t *len)
{
    for (;;) {
        size_t used;
        switch (proto_next_line(c->buf + c->start, c->end - c->start, len, &used)) {
        case LINE_READY:
            *line = c->buf + c->start;
            c->start += used;
            return CONN_LINE;
        case LINE_TOO_LONG:
            return CONN_TOO_LONG;
        case LINE_INCOMPLETE:
            break;
        }
        if (c->start > 0) { /* make room: move the partial line to the front */
            memmove(c->buf, c->buf + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
        }
        ssize_t n = read(c->fd, c->buf + c->end, sizeof c->buf - c->end);
        if (n == -1 && again(c->fd, POLLIN, c->idle_ms))
            continue;
        if (n == -1)
            return CONN_ERROR;
        if (n == 0)
            return c->end > c->start ? CONN_PARTIAL_EOF : CONN_EOF;
        c->end += (size_t)n;
    }
}

/* Write all of buf to fd, however many write() calls it takes. 0, or -1 (errno). */
static int write_all(int fd, const void *buf, size_t len, int idle_ms)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1 && again(fd, POLLOUT, idle_ms))
            continue;
        if (n == -1)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int conn_write(struct conn *c, const void *buf, size_t len)
{
    return write_all(c->fd, buf, len, c->idle_ms);
}

static void report(const struct xfer *x, uint64_t done)
{
    if (x->progress)
        x->progress(x->arg, done);
}

enum xfer_result xfer_send_file(struct conn *c, int file, uint64_t size, const struct xfer *x)
{
    int sock = c->fd;
    uint64_t done = 0;
    while (done < size) {
        if (stopped())
            return XFER_NET_ERROR;
        uint64_t left = size - done;
        ssize_t n;
        if (x->plain) {
            n = pread(file, plain_buf, left < PLAIN_BUFSIZE ? left : PLAIN_BUFSIZE,
                      (off_t)done);
            if (n > 0 && write_all(sock, plain_buf, (size_t)n, c->idle_ms) == -1)
                return XFER_NET_ERROR;
            if (n == -1 && retry())
                continue;
            if (n == -1)
                return XFER_SHORT; /* the file could not be read */
        } else {
            /* sendfile() advances off itself; it moves at most about 2 GiB per call. */
            size_t chunk = x->progress ? SEND_CHUNK : 0x40000000;
            off_t off = (off_t)done;
            n = sendfile(sock, file, &off, left < chunk ? left : chunk);
            if (n == -1 && again(sock, POLLOUT, c->idle_ms))
                continue;
            if (n == -1)
                return errno == EIO ? XFER_SHORT : XFER_NET_ERROR;
        }
        if (n == 0)
            return XFER_SHORT; /* end of file before size bytes: it was truncated */
        done += (uint64_t)n;
        report(x, done);
    }
    return XFER_OK;
}

/* Uploads (x->upload) get two hints to the kernel while the body arrives. Both are only
 * hints, so their errors are ignored (and errno kept): the writes and the caller's fsync()
 * report whatever really fails, and a file system without them simply goes on.
 * - fallocate(FALLOC_FL_KEEP_SIZE) reserves disk a few MiB at a time, ahead of the writes,
 *   instead of block by block as they come: whenever less than RESERVE_AHEAD / 2 is left
 *   reserved beyond what arrived, one call tops it up to RESERVE_AHEAD beyond it. So an
 *   upload never holds more than RESERVE_AHEAD (8 MiB) of disk beyond the bytes its client
 *   has sent. Reserving the announced size at once - or far ahead - would let a client
 *   that announces 1 GiB and then stalls, or trickles a byte at a time, hold that much disk
 *   for as long as it keeps the connection: a few such clients fill the disk for everyone.
 * - sync_file_range(SYNC_FILE_RANGE_WRITE) starts writing the last WRITEBACK_CHUNK bytes to
 *   the disk, without waiting. The upload must be on the disk before its final OK (fsync);
 *   left to that fsync, the whole file would be written only at the end, with the network
 *   idle. Started early, the disk writes while the next bytes arrive.
 * bench/fileserver measured what each buys (bench/fileserver/README.md). */
struct ahead {
    uint64_t allocated; /* bytes of the file reserved so far */
    uint64_t flushed;   /* bytes whose writeback was started */
};

static void store_ahead(const struct xfer *x, int file, struct ahead *a, uint64_t stored,
                        uint64_t size)
{
    if (!x->upload || file == -1)
        return;
    int saved = errno;
    if (a->allocated < size && a->allocated < stored + RESERVE_AHEAD / 2) {
        uint64_t end = size - stored < RESERVE_AHEAD ? size : stored + RESERVE_AHEAD;
        if (end > a->allocated)
            (void)fallocate(file, FALLOC_FL_KEEP_SIZE, (off_t)a->allocated,
                            (off_t)(end - a->allocated));
        a->allocated = end;
    }
    if (stored - a->flushed >= WRITEBACK_CHUNK) {
        (void)sync_file_range(file, (off_t)a->flushed, (off_t)(stored - a->flushed),
                              SYNC_FILE_RANGE_WRITE);
        a->flushed = stored;
    }
    errno = saved;
}

/* Read up to len bytes of the body from the socket into plain_buf. */
static ssize_t read_body(int sock, size_t len, int idle_ms)
{
    ssize_t n;
    do
        n = read(sock, plain_buf, len < PLAIN_BUFSIZE ? len : PLAIN_BUFSIZE);
    while (n == -1 && again(sock, POLLIN, idle_ms));
    return n;
}

/* Write to the file unless an earlier write failed; remember the first failure. */
static void store(int file, const char *buf, size_t len, int *write_errno)
{
    if (file != -1 && *write_errno == 0 && write_all(file, buf, len, -1) == -1)
        *write_errno = errno;
}

/* The plain variant, and the fallback: read() into a buffer, write() to the file. */
static enum xfer_result recv_plain(struct conn *c, int file, uint64_t size, uint64_t done,
                                   const struct xfer *x, struct ahead *a, int *write_errno)
{
    while (done < size) {
        if (stopped())
            return XFER_NET_ERROR;
        uint64_t left = size - done;
        ssize_t n = read_body(c->fd, left < PLAIN_BUFSIZE ? left : PLAIN_BUFSIZE, c->idle_ms);
        if (n == -1)
            return XFER_NET_ERROR;
        if (n == 0)
            return XFER_EOF;
        store(file, plain_buf, (size_t)n, write_errno);
        done += (uint64_t)n;
        store_ahead(x, file, a, done, size);
        report(x, done);
    }
    return XFER_OK;
}

/* Move the bytes left in the pipe with read() and store() (after a splice() failed). */
static void drain_pipe(int pfd, ssize_t inpipe, int file, int *write_errno)
{
    ssize_t m;
    while (inpipe > 0 && (m = read(pfd, plain_buf, PLAIN_BUFSIZE)) > 0) {
        store(file, plain_buf, (size_t)m, write_errno);
        inpipe -= m;
    }
}

/* The zero-copy variant: socket -> pipe -> file with splice(). A file system that cannot
 * splice (EINVAL) gets the plain loop instead; so does a file that refuses a write (disk
 * full, file too large): then the plain loop only discards, to keep the stream in step. */
static enum xfer_result recv_splice(struct conn *c, int file, uint64_t size, uint64_t done,
                                    const struct xfer *x, struct ahead *a, int *write_errno)
{
    int p[2];
    if (pipe(p) == -1)
        return recv_plain(c, file, size, done, x, a, write_errno);
    fcntl(p[1], F_SETPIPE_SZ, PIPE_CHUNK); /* best effort: 64 KiB pipes work too */
    enum xfer_result res = XFER_OK;
    int fallback = 0;
    while (done < size && !fallback && *write_errno == 0) {
        if (stopped()) {
            res = XFER_NET_ERROR;
            break;
        }
        uint64_t left = size - done;
        ssize_t n = splice(c->fd, NULL, p[1], NULL, left < PIPE_CHUNK ? left : PIPE_CHUNK,
                           SPLICE_F_MOVE);
        if (n == -1 && again(c->fd, POLLIN, c->idle_ms))
            continue;
        if (n == -1 && errno == EINVAL) {
            fallback = 1;
            break;
        }
        if (n <= 0) {
            res = n == 0 ? XFER_EOF : XFER_NET_ERROR;
            break;
        }
        for (ssize_t inpipe = n; inpipe > 0;) { /* now empty the pipe into the file */
            ssize_t m = splice(p[0], NULL, file, NULL, (size_t)inpipe, SPLICE_F_MOVE);
            if (m == -1 && retry())
                continue;
            if (m > 0) {
                inpipe -= m;
                continue;
            }
            if (m == -1 && errno == EINVAL)
                fallback = 1;
            else
                *write_errno = m == 0 ? EIO : errno;
            drain_pipe(p[0], inpipe, file, write_errno);
            break;
        }
        done += (uint64_t)n;
        store_ahead(x, file, a, done, size);
        report(x, done);
    }
    int saved = errno;
    close(p[0]);
    close(p[1]);
    errno = saved;
    if (res == XFER_OK && done < size)
        res = recv_plain(c, file, size, done, x, a, write_errno);
    return res;
}

enum xfer_result xfer_recv_file(struct conn *c, int file, uint64_t size, const struct xfer *x,
                                int *write_errno)
{
    *write_errno = 0;
    /* First what the line reader already holds: a body often arrives with its request. */
    size_t have = c->end - c->start;
    size_t take = have < size ? have : (size_t)size;
    struct ahead a = {0, 0};
    store_ahead(x, file, &a, 0, size);
    store(file, c->buf + c->start, take, write_errno);
    c->start += take;
    if (take > 0)
        report(x, take);
    if (x->plain || file == -1)
        return recv_plain(c, file, size, take, x, &a, write_errno);
    return recv_splice(c, file, size, take, x, &a, write_errno);
}
