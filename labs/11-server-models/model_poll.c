/*
 * model_poll.c - IO multiplexing (IO多路复用) with poll(): one process, one thread, every
 * client.
 *
 * Shows: the select model again, with poll()'s better interface: an array of
 * {fd, events wanted, events that happened}, as long as we like (no FD_SETSIZE), that is
 * not rebuilt on every pass - we only update the events a client wants. Still, each call
 * hands the whole array to the kernel and we scan it all afterwards: the cost grows with
 * the number of clients, ready or not (see model_epoll.c).
 * Slots 0 and 1 are the stop pipe and the listening socket; clients follow. A client that
 * leaves is replaced by the last one, so the array stays packed.
 * Observe: the same as model_select.c; strace -e trace=poll shows the array go in.
 * See also: poll(2), model_select.c, model_epoll.c, echo.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"
#include "server.h"

struct set {
    struct pollfd *pfd;     /* what poll() watches: [0] stop pipe, [1] listener, clients */
    struct echo_conn **conn; /* conn[i] is the client on pfd[i] (NULL for 0 and 1) */
    size_t n, cap;
};

/* Add a slot; 0 (and nothing added) if memory is short. */
static int add(struct set *s, int fd, short events, struct echo_conn *c)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        struct pollfd *pfd = realloc(s->pfd, cap * sizeof *pfd);
        if (pfd == NULL)
            return 0;
        s->pfd = pfd;
        struct echo_conn **conn = realloc(s->conn, cap * sizeof *conn);
        if (conn == NULL)
            return 0;
        s->conn = conn;
        s->cap = cap;
    }
    s->pfd[s->n] = (struct pollfd){.fd = fd, .events = events};
    s->conn[s->n] = c;
    s->n++;
    return 1;
}

static void serve(struct server *srv)
{
    /* task 1 begin: poll_serve */
    struct set s = {0};
    if (!add(&s, srv->stop_fd, POLLIN, NULL) || !add(&s, srv->fd, POLLIN, NULL))
        die("realloc");
    for (;;) {
        if (poll(s.pfd, s.n, -1) == -1) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (s.pfd[0].revents != 0)
            break;
        for (size_t i = 2; i < s.n;) {
            struct echo_conn *c = s.conn[i];
            if (s.pfd[i].revents != 0 && !echo_step(c)) {
                echo_close(srv, c);
                s.n--; /* the last slot moves here, and is looked at next */
                s.pfd[i] = s.pfd[s.n];
                s.conn[i] = s.conn[s.n];
                continue;
            }
            s.pfd[i].events = echo_events(c);
            i++;
        }
        if (s.pfd[1].revents != 0) { /* new clients: take all that are waiting */
            struct sockaddr_storage peer;
            int fd;
            while ((fd = server_accept(srv, &peer)) != -1) {
                struct echo_conn *c = echo_open(srv, fd, &peer);
                if (c != NULL && !add(&s, fd, echo_events(c), c)) {
                    server_warn("no memory for a client");
                    echo_close(srv, c);
                }
            }
        }
    }
    for (size_t i = 2; i < s.n; i++) /* stopping: close every client */
        echo_close(srv, s.conn[i]);
    free(s.pfd);
    free(s.conn);
    /* task 1 end */
}

const struct model model_poll = {
    .name = "poll",
    .socktype = SOCK_STREAM,
    .summary = "one process, one thread; poll() says which clients are ready",
    .serve = serve,
};
