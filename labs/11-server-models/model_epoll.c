/*
 * model_epoll.c - IO multiplexing (IO多路复用) with epoll: one process, one thread, every
 * client, at a cost that does not grow with the number of idle clients.
 *
 * Shows: with select and poll the whole list of fds crosses into the kernel on every
 * call. epoll keeps the list in the kernel instead (epoll_ctl adds, changes, removes an
 * fd once), and epoll_wait returns only the fds that are ready: 10,000 idle clients cost
 * nothing per call. That is how servers answer the C10K problem. Level-triggered (the
 * default): an fd stays reported for as long as it is ready, like poll.
 * conn[] finds a client's state from its fd (epoll returns the fd we stored with it).
 * Observe: the same as model_select.c; ls -l /proc/<pid>/fd shows the anon_inode:[eventpoll].
 * Linux only (BSD and macOS have kqueue instead).
 * See also: epoll(7), epoll_ctl(2), epoll_wait(2); model_poll.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"
#include "server.h"

static struct echo_conn **conn; /* conn[fd]: the client on fd, or NULL */
static int nconn;               /* conn[] has room for fds 0 .. nconn-1 */

/* Make room in conn[] for fd; 0 if memory is short. */
static int room_for(int fd)
{
    if (fd < nconn)
        return 1;
    int n = nconn ? nconn : 64;
    while (n <= fd)
        n *= 2;
    struct echo_conn **p = realloc(conn, (size_t)n * sizeof *p);
    if (p == NULL)
        return 0;
    for (int i = nconn; i < n; i++)
        p[i] = NULL;
    conn = p;
    nconn = n;
    return 1;
}

static void watch(int ep, int op, int fd, unsigned events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(ep, op, fd, &ev) == -1)
        die("epoll_ctl");
}

static unsigned to_epoll(short events)
{
    return events == POLLIN ? EPOLLIN : EPOLLOUT;
}

static void serve(struct server *srv)
{
    /* task 2 begin: epoll_serve */
    int ep = epoll_create1(0);
    if (ep == -1)
        die("epoll_create1");
    watch(ep, EPOLL_CTL_ADD, srv->stop_fd, EPOLLIN);
    watch(ep, EPOLL_CTL_ADD, srv->fd, EPOLLIN);

    for (int stop = 0; !stop;) {
        struct epoll_event ev[64];
        int n = epoll_wait(ep, ev, 64, -1);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            if (fd == srv->stop_fd) {
                stop = 1;
            } else if (fd == srv->fd) { /* new clients: take all that are waiting */
                struct sockaddr_storage peer;
                int cfd;
                while ((cfd = server_accept(srv, &peer)) != -1) {
                    if (!room_for(cfd)) {
                        server_warn("no memory for a client");
                        close(cfd);
                    } else if ((conn[cfd] = echo_open(srv, cfd, &peer)) != NULL) {
                        watch(ep, EPOLL_CTL_ADD, cfd, EPOLLIN);
                    }
                }
            } else {
                struct echo_conn *c = conn[fd];
                short before = echo_events(c);
                if (!echo_step(c)) {
                    watch(ep, EPOLL_CTL_DEL, fd, 0); /* before close: the fd goes away */
                    echo_close(srv, c);
                    conn[fd] = NULL;
                } else if (echo_events(c) != before) { /* now wants to write, or to read */
                    watch(ep, EPOLL_CTL_MOD, fd, to_epoll(echo_events(c)));
                }
            }
        }
    }
    for (int fd = 0; fd < nconn; fd++) /* stopping: close every client */
        if (conn[fd] != NULL)
            echo_close(srv, conn[fd]);
    free(conn);
    conn = NULL;
    nconn = 0;
    if (close(ep) == -1)
        die("close");
    /* task 2 end */
}

const struct model model_epoll = {
    .name = "epoll",
    .socktype = SOCK_STREAM,
    .summary = "one process, one thread; epoll says which clients are ready",
    .serve = serve,
};
