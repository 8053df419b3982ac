/*
 * echo-load - load an echo server: C clients at once, N messages each, every byte checked.
 *
 * Usage: echo-load [-u] [-a ADDR] [-p PORT] [-c CLIENTS] [-n MESSAGES] [-s BYTES]
 *                  [-t SECONDS] [-q]
 *
 * Shows: what a server model does under load. Each client connects, sends a message,
 * waits for the whole echo, checks every byte of it, and only then sends the next one
 * (a closed loop: at most C messages in flight). Message m of client c is a pattern
 * made from (c, m), so a byte from another client or another message is caught too.
 * At the end: the requests (messages echoed) per second over the whole run, connects
 * included, and the latency of a message - from its first byte sent to the last byte of
 * its echo - at the median (p50), the 99th percentile (p99) and the worst.
 * One thread drives every client with poll() and non-blocking sockets, so C can be large
 * (at most `ulimit -n` minus a few). With -u each client is a UDP socket sending one
 * datagram per message, and a datagram without an echo after 200 ms is sent again.
 * Observe: the same load against -m iterative, fork, thread, epoll: compare p99.
 * See also: echo-server, bench/servers; poll(2), connect(2) (EINPROGRESS).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "net.h"

#define TCP_MAX (1L << 20) /* the largest message: 1 MiB over TCP, ... */
#define UDP_MAX 65507L     /* ... one datagram over UDP */
#define RESEND_MS 200      /* UDP: send again after this long without an echo */

struct client {
    int connecting; /* TCP connect() in progress */
    long msg;       /* the message in flight, 0 .. nmsgs (nmsgs: all done) */
    size_t sent;    /* bytes of it sent ... */
    size_t got;     /* ... and of its echo received and checked */
    double t0;      /* when it was first sent */
    double resend;  /* UDP: when to send it again */
};

static long nclients = 10, nmsgs = 100, size = 64;
static int udp;
static struct sockaddr_storage server;
static socklen_t server_len;
static struct client *cl;
static struct pollfd *pfd; /* pfd[i].fd is client i's socket, -1 once it is done */
static double *lat;        /* the latency of every message echoed, in seconds */
static long nlat, ndone, resent;
static unsigned char scratch[65536];

static double now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Byte j of message m of client c: a hash, different for every client and message. */
static unsigned char pattern(long c, long m, size_t j)
{
    uint32_t x = (uint32_t)c * 0x9E3779B1u + (uint32_t)m * 0x85EBCA77u + (uint32_t)j * 0xC2B2AE3Du;
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    return (unsigned char)x;
}

static int again(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* TCP: send as much of the current message as the socket takes now. */
static void send_some(long i)
{
    struct client *c = &cl[i];
    while (c->sent < (size_t)size) {
        size_t k = (size_t)size - c->sent;
        if (k > sizeof scratch)
            k = sizeof scratch;
        for (size_t j = 0; j < k; j++)
            scratch[j] = pattern(i, c->msg, c->sent + j);
        ssize_t n = send(pfd[i].fd, scratch, k, MSG_NOSIGNAL);
        if (n == -1) {
            if (again(errno))
                return;
            die("client %ld: send", i);
        }
        c->sent += (size_t)n;
    }
}

/* UDP: send the current message as one datagram. A full buffer loses it, as the network
 * may; it goes again after RESEND_MS. */
static void send_dgram(long i)
{
    struct client *c = &cl[i];
    for (long j = 0; j < size; j++)
        scratch[j] = pattern(i, c->msg, (size_t)j);
    if (send(pfd[i].fd, scratch, (size_t)size, 0) == -1 && !again(errno) && errno != ENOBUFS)
        die("client %ld: send", i);
    c->sent = (size_t)size;
    c->resend = now() + RESEND_MS / 1000.0;
}

static void start_message(long i)
{
    struct client *c = &cl[i];
    c->sent = c->got = 0;
    c->t0 = now();
    if (udp)
        send_dgram(i);
    else
        send_some(i);
}

/* The echo of the current message is complete: note its latency, go on to the next. */
static void message_done(long i)
{
    struct client *c = &cl[i];
    lat[nlat++] = now() - c->t0;
    if (++c->msg < nmsgs) {
        start_message(i);
        return;
    }
    if (close(pfd[i].fd) == -1)
        die("close");
    pfd[i].fd = -1; /* poll() skips negative fds */
    ndone++;
}

/* Is buf[0 .. n) exactly message m of client i? */
static int is_message(long i, long m, const unsigned char *buf, ssize_t n)
{
    if (n != size)
        return 0;
    for (long j = 0; j < n; j++)
        if (buf[j] != pattern(i, m, (size_t)j))
            return 0;
    return 1;
}

static void receive(long i)
{
    struct client *c = &cl[i];
    ssize_t n = recv(pfd[i].fd, scratch, udp ? (size_t)size + 1 : sizeof scratch, 0);
    if (n == -1) {
        if (again(errno))
            return;
        die("client %ld: recv", i);
    }
    if (udp) {
        if (is_message(i, c->msg, scratch, n)) {
            message_done(i);
            return;
        }
        /* A late echo of a message sent twice? Then it is an earlier one: ignore it. */
        for (long m = c->msg - 1; m >= 0 && m >= c->msg - 16; m--)
            if (is_message(i, m, scratch, n))
                return;
        fatal("client %ld, message %ld: a datagram of %zd bytes came back that is not the "
              "echo of any message sent", i, c->msg, n);
    }
    if (n == 0)
        fatal("client %ld: the server closed the connection after %ld of %ld messages", i,
              c->msg, nmsgs);
    for (ssize_t k = 0; k < n; k++) {
        if (c->got == (size_t)size)
            fatal("client %ld, message %ld: more bytes came back than were sent", i, c->msg);
        unsigned char want = pattern(i, c->msg, c->got);
        if (scratch[k] != want)
            fatal("client %ld, message %ld, byte %zu: sent 0x%02x, got 0x%02x back", i, c->msg,
                  c->got, want, scratch[k]);
        c->got++;
    }
    if (c->got == (size_t)size)
        message_done(i);
}

static void open_client(long i)
{
    char a[NET_ADDRSTRLEN];
    int fd = socket(server.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (fd == -1)
        die("client %ld: socket", i);
    if (set_nonblocking(fd) == -1)
        die("fcntl O_NONBLOCK");
    pfd[i].fd = fd;
    /* Non-blocking, connect() returns at once: EINPROGRESS, and POLLOUT says when it is
     * done. So all the clients connect at the same time. */
    if (connect(fd, (struct sockaddr *)&server, server_len) == 0)
        start_message(i);
    else if (errno == EINPROGRESS)
        cl[i].connecting = 1;
    else
        die("client %ld: connect %s", i,
            net_addr_str((struct sockaddr *)&server, server_len, a));
}

static void connected(long i)
{
    char a[NET_ADDRSTRLEN];
    int err;
    socklen_t len = sizeof err;
    if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
        die("getsockopt SO_ERROR");
    if (err != 0) {
        errno = err;
        die("client %ld: connect %s", i,
            net_addr_str((struct sockaddr *)&server, server_len, a));
    }
    cl[i].connecting = 0;
    start_message(i);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile of the sorted lat[], in microseconds (nearest rank). */
static double percentile(double p)
{
    long k = (long)(p / 100 * (double)nlat + 0.999999);
    if (k < 1)
        k = 1;
    return lat[k - 1] * 1e6;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1";
    long port = 7007, limit = 60;
    int quiet = 0, opt;
    while ((opt = getopt(argc, argv, ":ua:p:c:n:s:t:qh")) != -1) {
        switch (opt) {
        case 'u':
            udp = 1;
            break;
        case 'a':
            host = optarg;
            break;
        case 'p':
            port = parse_long(optarg, 1, 65535, "port");
            break;
        case 'c':
            nclients = parse_long(optarg, 1, 10000, "number of clients");
            break;
        case 'n':
            nmsgs = parse_long(optarg, 1, 1000000, "number of messages");
            break;
        case 's':
            size = parse_long(optarg, 1, TCP_MAX, "message size");
            break;
        case 't':
            limit = parse_long(optarg, 1, 3600, "time limit");
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            printf("usage: echo-load [-u] [-a ADDR] [-p PORT] [-c CLIENTS] [-n MESSAGES] "
                   "[-s BYTES] [-t SECONDS] [-q]\n"
                   "Loads an echo server with CLIENTS clients at once, each sending MESSAGES\n"
                   "messages one after another and checking every byte of every echo; prints\n"
                   "the requests per second and the latency (p50, p99, max).\n"
                   "  -u          UDP datagrams instead of TCP connections\n"
                   "  -a ADDR     the server's address, IPv4 or IPv6 (default 127.0.0.1)\n"
                   "  -p PORT     the server's port (default 7007)\n"
                   "  -c CLIENTS  clients at once (default 10)\n"
                   "  -n MESSAGES messages per client (default 100)\n"
                   "  -s BYTES    bytes per message (default 64; UDP at most %ld)\n"
                   "  -t SECONDS  give up after SECONDS (default 60)\n"
                   "  -q          print only: requests/s p50 p99 (microseconds), for scripts\n"
                   "  -h          this help\n",
                   UDP_MAX);
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");
    if (udp && size > UDP_MAX)
        usage_error("a UDP message holds at most %ld bytes", UDP_MAX);
    if (nclients * nmsgs > 10000000)
        usage_error("CLIENTS x MESSAGES is at most 10000000");
    char p[8];
    snprintf(p, sizeof p, "%ld", port);
    server_len = net_resolve(host, p, udp ? SOCK_DGRAM : SOCK_STREAM, &server);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
        die("getrlimit");
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)nclients + 8 > rl.rlim_cur)
        fatal("%ld clients need more file descriptors than the limit of %ld (ulimit -n)",
              nclients, (long)rl.rlim_cur);
    cl = calloc((size_t)nclients, sizeof *cl);
    pfd = calloc((size_t)nclients, sizeof *pfd);
    lat = malloc((size_t)(nclients * nmsgs) * sizeof *lat);
    if (cl == NULL || pfd == NULL || lat == NULL)
        fatal("out of memory");

    char a[NET_ADDRSTRLEN];
    if (!quiet)
        printf("echo-load: %ld client%s x %ld message%s of %ld byte%s, %s to %s\n", nclients,
               nclients == 1 ? "" : "s", nmsgs, nmsgs == 1 ? "" : "s", size,
               size == 1 ? "" : "s", udp ? "udp" : "tcp", net_addr_str((struct sockaddr *)&server, server_len, a));
    double start = now(), deadline = start + (double)limit;
    for (long i = 0; i < nclients; i++)
        open_client(i);
    while (ndone < nclients) {
        double t = now(), wake = deadline;
        if (t >= deadline)
            fatal("gave up after %ld s: %ld of %ld messages echoed", limit, nlat,
                  nclients * nmsgs);
        for (long i = 0; i < nclients; i++) {
            if (pfd[i].fd == -1)
                continue;
            if (cl[i].connecting)
                pfd[i].events = POLLOUT;
            else if (udp)
                pfd[i].events = POLLIN;
            else
                pfd[i].events = POLLIN | (cl[i].sent < (size_t)size ? POLLOUT : 0);
            if (udp && cl[i].resend < wake)
                wake = cl[i].resend;
        }
        int ms = wake > t ? (int)((wake - t) * 1000) + 1 : 0;
        if (poll(pfd, (nfds_t)nclients, ms) == -1) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        for (long i = 0; i < nclients; i++) {
            short r = pfd[i].revents;
            if (pfd[i].fd == -1 || r == 0)
                continue;
            if (cl[i].connecting)
                connected(i);
            else if (r & (POLLIN | POLLHUP | POLLERR))
                receive(i);
            if (pfd[i].fd != -1 && !udp && (r & POLLOUT) && !cl[i].connecting)
                send_some(i);
        }
        if (udp) { /* no echo in time: send that datagram again */
            t = now();
            for (long i = 0; i < nclients; i++)
                if (pfd[i].fd != -1 && t >= cl[i].resend) {
                    resent++;
                    send_dgram(i);
                }
        }
    }
    double elapsed = now() - start;

    qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
    double rps = (double)nlat / elapsed;
    if (quiet) {
        printf("%.0f %.1f %.1f\n", rps, percentile(50), percentile(99));
    } else {
        printf("all %ld echoes came back byte for byte in %.3f s\n", nlat, elapsed);
        if (udp)
            printf("datagrams sent again after %d ms without an echo: %ld\n", RESEND_MS, resent);
        printf("requests/s: %.0f\n", rps);
        printf("latency: p50 %.0f us, p99 %.0f us, max %.0f us\n", percentile(50),
               percentile(99), lat[nlat - 1] * 1e6);
    }
    free(cl);
    free(pfd);
    free(lat);
    return 0;
}
