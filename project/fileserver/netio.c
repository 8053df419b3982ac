/*
 * netio.c - buffered lines and file transfers over a connection (see netio.h).
 *
 * The fast paths are Linux's zero-copy calls:
 *   sendfile(sock, file): the kernel hands the file's page-cache pages to TCP; the bytes
 *     never visit user space (read()+write() would copy each byte twice);
 *   splice(sock -> pipe -> file): the received data moves by page reference into a pipe,
 *     and from the pipe into the file with one copy (recv()+write() makes two);
 *   and, for uploads, fallocate() and sync_file_range(): disk space reserved ahead of the
 *     data in large pieces, and the writing to disk started while the rest arrives (see
 *     store_ahead() below).
 * Both are bounded by the same rule as the plain variant: exactly the announced size,
 * never a byte of the next request. The plain read()/write() variant is kept, selectable,
 * so that the benchmark can show what the zero-copy calls save.
 * Observe: strace -f -e trace=sendfile,splice,read,write ./file-server   (then a GET/PUT)
 */
#define _GNU_SOURCE /* splice(), F_SETPIPE_SZ, fallocate(), sync_file_range(): Linux only */
#include "netio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h> /* Linux */
#include <unistd.h>

#include "protocol.h"

volatile sig_atomic_t netio_interrupted;

#define PLAIN_BUFSIZE (256 * 1024) /* the user-space buffer of the plain variant */
#define PIPE_CHUNK (1024 * 1024)   /* what one splice() moves at most (the pipe's size) */
#define SEND_CHUNK (1024 * 1024)   /* sendfile() per call when progress is reported */
#define ALLOC_AHEAD (64 * 1024 * 1024)    /* uploads: disk space reserved ahead of the data */
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

void conn_init(struct conn *c, int fd)
{
    c->fd = fd;
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
        if (n == -1 && retry())
            continue;
        if (n == -1)
            return CONN_ERROR;
        if (n == 0)
            return c->end > c->start ? CONN_PARTIAL_EOF : CONN_EOF;
        c->end += (size_t)n;
    }
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1 && retry())
            continue;
        if (n == -1)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void report(const struct xfer *x, uint64_t done)
{
    if (x->progress)
        x->progress(x->arg, done);
}

enum xfer_result xfer_send_file(int sock, int file, uint64_t size, const struct xfer *x)
{
    uint64_t done = 0;
    while (done < size) {
        if (stopped())
            return XFER_NET_ERROR;
        uint64_t left = size - done;
        ssize_t n;
        if (x->plain) {
            n = pread(file, plain_buf, left < PLAIN_BUFSIZE ? left : PLAIN_BUFSIZE,
                      (off_t)done);
            if (n > 0 && write_all(sock, plain_buf, (size_t)n) == -1)
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
            if (n == -1 && retry())
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
 * - fallocate(FALLOC_FL_KEEP_SIZE) reserves the next ALLOC_AHEAD bytes of disk in one
 *   call, instead of block by block as the writes come. Only ahead of what arrived:
 *   reserving the announced size at once would let a client that announces 1 GiB and then
 *   sends nothing hold 1 GiB of disk until its timeout.
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
    if (a->allocated < size && stored + ALLOC_AHEAD / 2 >= a->allocated) {
        uint64_t len = size - a->allocated < ALLOC_AHEAD ? size - a->allocated : ALLOC_AHEAD;
        (void)fallocate(file, FALLOC_FL_KEEP_SIZE, (off_t)a->allocated, (off_t)len);
        a->allocated += len;
    }
    if (stored - a->flushed >= WRITEBACK_CHUNK) {
        (void)sync_file_range(file, (off_t)a->flushed, (off_t)(stored - a->flushed),
                              SYNC_FILE_RANGE_WRITE);
        a->flushed = stored;
    }
    errno = saved;
}

/* Read up to len bytes of the body from the socket into plain_buf. */
static ssize_t read_body(int sock, size_t len)
{
    ssize_t n;
    do
        n = read(sock, plain_buf, len < PLAIN_BUFSIZE ? len : PLAIN_BUFSIZE);
    while (n == -1 && retry());
    return n;
}

/* Write to the file unless an earlier write failed; remember the first failure. */
static void store(int file, const char *buf, size_t len, int *write_errno)
{
    if (file != -1 && *write_errno == 0 && write_all(file, buf, len) == -1)
        *write_errno = errno;
}

/* The plain variant, and the fallback: read() into a buffer, write() to the file. */
static enum xfer_result recv_plain(int sock, int file, uint64_t size, uint64_t done,
                                   const struct xfer *x, struct ahead *a, int *write_errno)
{
    while (done < size) {
        if (stopped())
            return XFER_NET_ERROR;
        ssize_t n = read_body(sock, size - done < PLAIN_BUFSIZE ? size - done : PLAIN_BUFSIZE);
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
static enum xfer_result recv_splice(int sock, int file, uint64_t size, uint64_t done,
                                    const struct xfer *x, struct ahead *a, int *write_errno)
{
    int p[2];
    if (pipe(p) == -1)
        return recv_plain(sock, file, size, done, x, a, write_errno);
    fcntl(p[1], F_SETPIPE_SZ, PIPE_CHUNK); /* best effort: 64 KiB pipes work too */
    enum xfer_result res = XFER_OK;
    int fallback = 0;
    while (done < size && !fallback && *write_errno == 0) {
        if (stopped()) {
            res = XFER_NET_ERROR;
            break;
        }
        uint64_t left = size - done;
        ssize_t n = splice(sock, NULL, p[1], NULL, left < PIPE_CHUNK ? left : PIPE_CHUNK,
                           SPLICE_F_MOVE);
        if (n == -1 && retry())
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
        res = recv_plain(sock, file, size, done, x, a, write_errno);
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
        return recv_plain(c->fd, file, size, take, x, &a, write_errno);
    return recv_splice(c->fd, file, size, take, x, &a, write_errno);
}
