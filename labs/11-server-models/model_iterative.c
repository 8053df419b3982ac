/*
 * model_iterative.c - the iterative server (循环服务器): one client at a time.
 *
 * Shows: accept a client, serve it until it leaves, accept the next. The simplest model,
 * and the cheapest: one process, one thread, no locking. But while one client holds the
 * connection, every other one waits - its connection is complete (the kernel queued it in
 * the listen backlog) but nobody reads from it. Fits short requests that finish at once;
 * the classroom: "UDP suits the loop better than TCP" (model_udp.c).
 * Observe: echo-server -m iterative -v; connect two echo-clients; the second one's echo
 * comes only when the first one quits.
 * See also: model_udp.c, model_fork.c; notes/servers.md ("the iterative server").
 */
#include <poll.h>
#include <sys/socket.h>

#include "echo.h"
#include "server.h"

static void serve(struct server *srv)
{
    while (server_wait(srv, srv->fd, POLLIN)) {
        struct sockaddr_storage peer;
        int fd = server_accept(srv, &peer);
        if (fd != -1)
            echo_session(srv, fd, &peer); /* the next client waits until this one is done */
    }
}

const struct model model_iterative = {
    .name = "iterative",
    .socktype = SOCK_STREAM,
    .summary = "one client at a time, in one process",
    .serve = serve,
};
