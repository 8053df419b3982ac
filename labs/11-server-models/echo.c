/*
 * echo.c - the echo service of echo.h: every byte a client sends comes back, exactly.
 *
 * The bytes are never looked at, so there is nothing a client can send to confuse the
 * server: no line length, no encoding, no command. What a hostile client can still do is
 * send without reading; echo_step() then stops reading from it until its echo has gone.
 * See also: read(2), write(2), socket(7) (non-blocking sockets, EAGAIN).
 */
#include "echo.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct echo_conn *echo_open(const struct server *srv, int fd,
                           const struct sockaddr_storage *peer)
{
    struct echo_conn *c = malloc(sizeof *c);
    if (c == NULL) {
        server_warn("no memory for a client");
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->peer = *peer;
    c->len = c->off = 0;
    c->echoed = 0;
    c->err = 0;
    log_client(srv, peer, "connected");
    return c;
}

short echo_events(const struct echo_conn *c)
{
    return c->len > 0 ? POLLOUT : POLLIN;
}

/* EAGAIN: not ready after all (a stale readiness); EINTR: a signal. Both: try later. */
static int again(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

int echo_step(struct echo_conn *c)
{
    if (c->len == 0) { /* nothing pending: take what the client sent */
        ssize_t n = read(c->fd, c->buf, sizeof c->buf);
        if (n == 0) /* end of file: the client has closed its side */
            return 0;
        if (n == -1) {
            if (again(errno))
                return 1;
            c->err = errno; /* ECONNRESET and the like: the client is gone */
            return 0;
        }
        c->len = (size_t)n;
        c->off = 0;
    }
    /* Send back what is pending. The socket may take only part of it (its buffer is
     * full when the client does not read): the rest waits for POLLOUT. Most of the time
     * it all goes at once, so a read is followed by its write without another wait. */
    ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);
    if (n == -1) {
        if (again(errno))
            return 1;
        c->err = errno; /* EPIPE (SIGPIPE is ignored), ECONNRESET: the client is gone */
        return 0;
    }
    c->off += (size_t)n;
    c->echoed += (unsigned long long)n;
    if (c->off == c->len)
        c->len = c->off = 0;
    return 1;
}

void echo_close(const struct server *srv, struct echo_conn *c)
{
    if (c->err != 0)
        log_client(srv, &c->peer, "closed, %llu bytes echoed (%s)", c->echoed, strerror(c->err));
    else
        log_client(srv, &c->peer, "closed, %llu bytes echoed", c->echoed);
    if (close(c->fd) == -1)
        server_warn("close");
    free(c);
}

void echo_session(const struct server *srv, int fd, const struct sockaddr_storage *peer)
{
    struct echo_conn *c = echo_open(srv, fd, peer);
    if (c == NULL)
        return;
    while (server_wait(srv, fd, echo_events(c)) && echo_step(c))
        ;
    echo_close(srv, c);
}
