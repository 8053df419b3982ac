/*
 * netio.h - moving bytes over a connection: a buffered line reader, conn_write, and the
 * two file transfers (file -> socket with sendfile, socket -> file with splice), each
 * with a plain read()/write() variant to compare with.
 *
 * TCP is a byte stream: one read() may return half a line, or a line and the start of a
 * file body ("sticky packets", 粘包). The reader below keeps what it has read in a buffer
 * and hands out one line at a time; a body that follows a line is taken first from that
 * buffer, then from the socket - exactly as many bytes as announced, never more.
 */
#ifndef FILESERVER_NETIO_H
#define FILESERVER_NETIO_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONN_BUFSIZE 65536

/* A program that wants a signal to interrupt a transfer sets this in its handler
 * (installed without SA_RESTART); otherwise an interrupted call is simply retried. */
extern volatile sig_atomic_t netio_interrupted;

/* A connection. With idle_ms >= 0 its socket must be non-blocking (O_NONBLOCK), and every
 * function below that moves bytes over it gives up with ETIMEDOUT once the peer has let
 * idle_ms pass without a byte moving - a deadline on progress, the same for a request
 * line, an upload and a download. With idle_ms -1 the socket blocks: no deadline. */
struct conn {
    int fd;
    int idle_ms;
    size_t start, end; /* the unread bytes are buf[start..end) */
    char buf[CONN_BUFSIZE];
};

enum conn_status {
    CONN_LINE,        /* a line: *line (not '\0'-terminated), *len */
    CONN_EOF,         /* the peer closed the connection between two lines */
    CONN_PARTIAL_EOF, /* the peer closed it in the middle of a line */
    CONN_TOO_LONG,    /* more than PROTO_MAX_LINE bytes without a '\n' */
    CONN_ERROR,       /* read failed: errno (ETIMEDOUT: the peer sent nothing for idle_ms) */
};

void conn_init(struct conn *c, int fd, int idle_ms);
/* The next line. It stays valid until the next call on c. */
enum conn_status conn_read_line(struct conn *c, const char **line, size_t *len);

/* Send all of buf, however many write() calls it takes. 0, or -1 (errno; ETIMEDOUT: the
 * peer read nothing for idle_ms). */
int conn_write(struct conn *c, const void *buf, size_t len);

/* Called after each chunk of a transfer with the number of bytes moved so far. */
typedef void progress_fn(void *arg, uint64_t done);

struct xfer {
    int plain;             /* 1: read()/write() through a buffer, not sendfile()/splice() */
    int upload;            /* receiving a new file that the caller will fsync afterwards */
    progress_fn *progress; /* may be NULL */
    void *arg;
};

enum xfer_result {
    XFER_OK,
    XFER_EOF,       /* receiving: the peer closed the connection before the last byte */
    XFER_SHORT,     /* sending: the file ended before the announced size (it shrank) */
    XFER_NET_ERROR, /* the connection failed: errno (ETIMEDOUT: no progress; EPIPE: gone) */
};

/* Send exactly size bytes of file (from offset 0) over c. */
enum xfer_result xfer_send_file(struct conn *c, int file, uint64_t size, const struct xfer *x);

/* Receive exactly size bytes from c (its buffered bytes first) into file; file -1 discards
 * them. With x->upload, disk space is reserved a little ahead of the data (never more
 * than 8 MiB beyond what arrived) and the writing to disk is started every few MiB, so
 * that the caller's fsync() afterwards finds little left. If writing to the file fails,
 * *write_errno gets the error and the rest of the body is still read and discarded, so
 * that the stream stays in step; otherwise it is 0. */
enum xfer_result xfer_recv_file(struct conn *c, int file, uint64_t size, const struct xfer *x,
                                int *write_errno);

#endif
