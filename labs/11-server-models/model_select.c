/*
 * model_select.c - IO multiplexing (IO多路复用) with select(): one process, one thread,
 * every client.
 *
 * Shows: instead of blocking on one client, ask the kernel "which of these fds can I use
 * now?" and serve exactly those, a little each, without ever blocking. Every pass builds
 * two fd sets (who we wait to read from, who we wait to write to), select() keeps the
 * ready ones, and we step each of them. No process or thread per client, no locks; but
 * one slow step (a long computation) would stall every client - the classroom's "IO
 * concurrency cannot handle CPU work".
 * select's limits: an fd_set holds fds below FD_SETSIZE (1024) only, so a client with a
 * higher fd is turned away here; and every call copies and scans all the sets, so the cost
 * grows with the number of clients, ready or not.
 * Observe: echo-server -m select -v: one pid and one thread for every client;
 *     ls /proc/<pid>/task (1 entry), ls /proc/<pid>/fd (one per client)
 * See also: select(2), model_poll.c, model_epoll.c, echo.h (the per-client state machine).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"
#include "server.h"

static void serve(struct server *srv)
{
    static struct echo_conn *conn[FD_SETSIZE]; /* the client on each fd, or NULL */
    int top = srv->fd > srv->stop_fd ? srv->fd : srv->stop_fd; /* the highest fd in use */

    for (;;) {
        fd_set rd, wr;
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        FD_SET(srv->stop_fd, &rd);
        FD_SET(srv->fd, &rd);
        for (int fd = 0; fd <= top; fd++)
            if (conn[fd] != NULL)
                FD_SET(fd, echo_events(conn[fd]) == POLLIN ? &rd : &wr);
        if (select(top + 1, &rd, &wr, NULL, NULL) == -1) {
            if (errno != EINTR)
                die("select");
            /* A signal: was it a stop? The stop pipe says. (Looking now, not at the next
             * select, also suits ThreadSanitizer, which runs a handler only at a call it
             * intercepts - poll() in server_stopping(), but not select().) */
            if (server_stopping(srv))
                break;
            continue;
        }
        if (FD_ISSET(srv->stop_fd, &rd))
            break;
        for (int fd = 0; fd <= top; fd++) {
            if (conn[fd] != NULL && (FD_ISSET(fd, &rd) || FD_ISSET(fd, &wr)) &&
                !echo_step(conn[fd])) {
                echo_close(srv, conn[fd]);
                conn[fd] = NULL;
            }
        }
        if (FD_ISSET(srv->fd, &rd)) { /* new clients: take all that are waiting */
            struct sockaddr_storage peer;
            int fd;
            while ((fd = server_accept(srv, &peer)) != -1) {
                if (fd >= FD_SETSIZE) {
                    fprintf(stderr, "%s: fd %d does not fit in an fd_set (FD_SETSIZE %d): "
                            "client turned away\n", progname(), fd, FD_SETSIZE);
                    close(fd);
                    continue;
                }
                conn[fd] = echo_open(srv, fd, &peer);
                if (fd > top)
                    top = fd;
            }
        }
    }
    for (int fd = 0; fd <= top; fd++) /* stopping: close every client */
        if (conn[fd] != NULL) {
            echo_close(srv, conn[fd]);
            conn[fd] = NULL;
        }
}

const struct model model_select = {
    .name = "select",
    .socktype = SOCK_STREAM,
    .summary = "one process, one thread; select() says which clients are ready",
    .serve = serve,
};
