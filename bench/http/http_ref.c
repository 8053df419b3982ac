/*
 * http_ref - the reference for bench/http's small-file rows: the least work an HTTP/1.1
 * server can do per request on this machine. Each of T threads runs an epoll loop of its
 * own on a listening socket of its own (SO_REUSEPORT: the kernel spreads the connections
 * over them), reads whatever arrives, and for every request head in it (every "\r\n\r\n")
 * sends one canned reply from memory: a fixed head of the usual size and SIZE bytes of
 * body. No parsing, no file, no log, no time limit, no thread wake-up per request: what is
 * left is epoll_wait(), recv() and send(), the floor under any server that answers over
 * TCP. No server answers small files faster than this one on the same machine; bench/http
 * shows how close http-server and nginx come to it.
 *
 * Usage: http_ref [-p port] [-t threads] [-s size]
 *
 * Not a server to copy: it answers anything that ends in a blank line, including garbage,
 * with the same 200. Stops on SIGINT or SIGTERM, closing every connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "die.h"
#include "net.h"

#define MAX_THREADS 64
#define MAX_BODY (1 << 20)

static char *reply;      /* the canned reply: head and body */
static size_t reply_len;
static int wake_pipe[2]; /* SIGINT/SIGTERM write a byte: every loop sees it readable */
static unsigned char *matched; /* per connection fd: how much of "\r\n\r\n" has been seen */
static unsigned char *is_open; /* per fd: a connection this program must close at the end */
static long max_fds;

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    ssize_t ignored = write(wake_pipe[1], "x", 1);
    (void)ignored;
    errno = saved;
}

/* Send all of reply, waiting (poll) when the socket buffer is full. 0, or -1: drop it. */
static int send_reply(int fd)
{
    for (size_t off = 0; off < reply_len;) {
        ssize_t w = send(fd, reply + off, reply_len - off, MSG_NOSIGNAL);
        if (w >= 0) {
            off += (size_t)w;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        struct pollfd p = {fd, POLLOUT, 0};
        if (poll(&p, 1, 10000) <= 0)
            return -1; /* 10 s without room: a client that stopped reading */
    }
    return 0;
}

static void drop(int fd)
{
    is_open[fd] = 0;
    close(fd); /* also takes it out of the epoll set: nobody else holds this socket */
}

/* Read what fd has; answer each complete request head. 0, or -1 when the connection ends. */
static int serve(int fd, char *buf, size_t size)
{
    ssize_t r = recv(fd, buf, size, 0);
    if (r == 0)
        return -1;
    if (r == -1)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    unsigned m = matched[fd];
    for (ssize_t i = 0; i < r; i++) {
        char want = (m % 2 == 0) ? '\r' : '\n'; /* "\r\n\r\n": state m, the bytes matched */
        if (buf[i] == want)
            m++;
        else
            m = buf[i] == '\r' ? 1 : 0;
        if (m == 4) {
            m = 0;
            if (send_reply(fd) == -1)
                return -1;
        }
    }
    matched[fd] = (unsigned char)m;
    return 0;
}

static void *loop(void *arg)
{
    int lfd = *(int *)arg, ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep == -1)
        die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
        die("epoll_ctl");
    ev.data.fd = wake_pipe[0]; /* level-triggered and never drained: wakes every loop */
    if (epoll_ctl(ep, EPOLL_CTL_ADD, wake_pipe[0], &ev) == -1)
        die("epoll_ctl");
    static _Thread_local char buf[16384];
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == wake_pipe[0]) {
                close(ep);
                return NULL;
            }
            if (fd != lfd) {
                if (serve(fd, buf, sizeof buf) == -1)
                    drop(fd);
                continue;
            }
            int c, one = 1;
            while ((c = accept(lfd, NULL, NULL)) != -1) {
                if (c >= max_fds) { /* cannot happen under RLIMIT_NOFILE; be sure */
                    close(c);
                    continue;
                }
                matched[c] = 0;
                is_open[c] = 1;
                struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                if (set_nonblocking(c) == -1 ||
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1 ||
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) == -1)
                    drop(c);
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED && errno != EMFILE && errno != ENFILE)
                die("accept");
        }
    }
}

static void usage(void)
{
    printf("usage: http_ref [-p port] [-t threads] [-s size]\n"
           "The floor under any HTTP server on this machine (bench/http's reference): T\n"
           "epoll loops answer every request head with one canned reply from memory.\n"
           "  -p port     port on 127.0.0.1, 0 for any free one (default 0)\n"
           "  -t threads  event loops, each with its own listening socket (default: one\n"
           "              per online CPU)\n"
           "  -s size     bytes of body in the reply (default 1024)\n"
           "  -h          this help\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long port = 0, threads = sysconf(_SC_NPROCESSORS_ONLN), size = 1024;
    int opt;
    while ((opt = getopt(argc, argv, ":p:t:s:h")) != -1) {
        switch (opt) {
        case 'p':
            port = parse_long(optarg, 0, 65535, "port");
            break;
        case 't':
            threads = parse_long(optarg, 1, MAX_THREADS, "threads");
            break;
        case 's':
            size = parse_long(optarg, 0, MAX_BODY, "size");
            break;
        case 'h':
            usage();
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;

    /* The head carries what a file server's does (date, type, length, validators), so that
     * the bytes on the wire are those of a real reply. */
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nServer: http_ref\r\n"
                      "Date: Tue, 08 Dec 2026 00:00:00 GMT\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: %ld\r\n"
                      "Last-Modified: Tue, 08 Dec 2026 00:00:00 GMT\r\n"
                      "ETag: \"0-0\"\r\nAccept-Ranges: bytes\r\n\r\n",
                      size);
    reply_len = (size_t)hl + (size_t)size;
    reply = malloc(reply_len);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
        die("getrlimit");
    if (rl.rlim_cur != rl.rlim_max) { /* as many connections as the hard limit allows */
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
            die("setrlimit");
    }
    max_fds = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1 << 20) ? 1 << 20 : (long)rl.rlim_cur;
    matched = calloc((size_t)max_fds, 1);
    is_open = calloc((size_t)max_fds, 1);
    if (reply == NULL || matched == NULL || is_open == NULL)
        die("malloc");
    memcpy(reply, head, (size_t)hl);
    memset(reply + hl, 'x', (size_t)size);

    if (pipe(wake_pipe) == -1)
        die("pipe");
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");

    /* A listening socket per loop, all on one port (the first one's, chosen by the kernel
     * for -p 0), each with SO_REUSEPORT: the kernel spreads the connections over them. */
    int lfds[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    char portstr[8], where[NET_ADDRSTRLEN];
    snprintf(portstr, sizeof portstr, "%ld", port);
    const int flags = NET_NONBLOCK | NET_REUSEADDR | NET_REUSEPORT;
    lfds[0] = net_listen("127.0.0.1", portstr, SOCK_STREAM, flags);
    net_local_str(lfds[0], where);
    snprintf(portstr, sizeof portstr, "%s", strrchr(where, ':') + 1);
    for (long i = 1; i < threads; i++)
        lfds[i] = net_listen("127.0.0.1", portstr, SOCK_STREAM, flags);
    printf("listening on %s\n", where);
    for (long i = 0; i < threads; i++) {
        int rc = pthread_create(&tids[i], NULL, loop, &lfds[i]);
        if (rc != 0)
            die_en(rc, "pthread_create");
    }
    for (long i = 0; i < threads; i++) {
        int rc = pthread_join(tids[i], NULL);
        if (rc != 0)
            die_en(rc, "pthread_join");
        close(lfds[i]);
    }
    for (long fd = 0; fd < max_fds; fd++)
        if (is_open[fd])
            close((int)fd);
    close(wake_pipe[0]);
    close(wake_pipe[1]);
    free(reply);
    free(matched);
    free(is_open);
    return 0;
}
