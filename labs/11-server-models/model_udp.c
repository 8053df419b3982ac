/*
 * model_udp.c - the iterative UDP server: one datagram at a time.
 *
 * Shows: UDP has no connections, so there is nothing for one client to hold: every
 * datagram is a request of its own, answered at once with sendto() to whoever sent it.
 * That is why the classroom says the loop model suits UDP: many clients take turns
 * datagram by datagram, and none waits for another to leave. The price is UDP's: a
 * datagram may be lost (a full receive buffer drops it), and nobody resends it but the
 * client.
 * Observe: echo-server -m udp -v; echo-client -u hello; two clients at once both answered.
 * See also: recvfrom(2), sendto(2), udp(7); model_iterative.c.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "server.h"

/* The largest UDP payload over IPv4 is 65507 bytes: nothing a client sends is cut. */
#define DGRAM_MAX 65536

static void serve(struct server *srv)
{
    static char buf[DGRAM_MAX];
    while (server_wait(srv, srv->fd, POLLIN)) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(srv->fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                server_warn("recvfrom");
            continue;
        }
        /* A full send buffer (EAGAIN) drops the echo, as the network may: UDP promises
         * nothing, and the client resends. */
        if (sendto(srv->fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len) == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                server_warn("sendto");
            continue;
        }
        log_client(srv, &peer, "%zd bytes echoed", n);
    }
}

const struct model model_udp = {
    .name = "udp",
    .socktype = SOCK_DGRAM,
    .summary = "iterative UDP: one datagram at a time, in one process",
    .serve = serve,
};
