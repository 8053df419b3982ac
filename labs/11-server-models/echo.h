/*
 * echo.h - the service: what echo-server says to a client (everything it sent, back).
 *
 * One connection is a tiny state machine over a non-blocking socket: with nothing pending
 * it wants to read (POLLIN); once it has read something it wants to write it back
 * (POLLOUT) until all of it has gone, and only then reads again. So a client that sends
 * without reading is never buffered without bound: the server stops reading from it
 * (back-pressure, 背压) and the kernel's buffers make the client wait.
 *
 * The blocking-style models (iterative, fork, thread, prefork) run a whole conversation
 * with echo_session(); the multiplexing models (select, poll, epoll) drive many
 * connections themselves with echo_events() and echo_step().
 */
#ifndef LAB11_ECHO_H
#define LAB11_ECHO_H

#include <netinet/in.h>
#include <stddef.h>

#include "server.h"

#define ECHO_BUFSZ 16384

struct echo_conn {
    int fd;
    struct sockaddr_storage peer;
    size_t len, off;             /* buf[off .. len) is read but not yet sent back */
    unsigned long long echoed;   /* bytes sent back so far */
    int err;                     /* errno that ended the connection, 0 for a clean close */
    char buf[ECHO_BUFSZ];
};

/* Start serving fd (a connected, non-blocking socket): NULL, with fd closed and a warning,
 * if memory is short. */
struct echo_conn *echo_open(const struct server *srv, int fd,
                           const struct sockaddr_storage *peer);

/* What the connection waits for next: POLLIN or POLLOUT. */
short echo_events(const struct echo_conn *c);

/* Make progress without blocking: read, or send back what is pending. Returns 1 while the
 * connection goes on, 0 when it is over (the client closed it, or an error). */
int echo_step(struct echo_conn *c);

/* Close the connection and free it. */
void echo_close(const struct server *srv, struct echo_conn *c);

/* A whole conversation with one client, for the blocking-style models: wait, step, until
 * the client leaves or a stop is requested; then close fd. */
void echo_session(const struct server *srv, int fd, const struct sockaddr_storage *peer);

#endif
