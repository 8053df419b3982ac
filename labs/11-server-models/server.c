/*
 * server.c - the core every echo-server model shares (see server.h): the socket, the stop
 * pipe and the signals, waiting, accepting, children, logging.
 *
 * Nothing in here knows how clients are served: that is the model's business.
 * See also: socket(7), tcp(7), udp(7), poll(2), accept(2), pipe(2), sigaction(2);
 * the self-pipe trick in notes/servers.md ("stopping a server").
 */
#define _GNU_SOURCE /* gettid(2): the kernel's id of the calling thread, for the -v log */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h" /* common/: net_listen, net_addr_str, set_nonblocking */

/* Where the stop handler writes: set once in server_open, before the handler exists. */
static int stop_wfd = -1;

/* SIGINT/SIGTERM: leave the signal's number in the stop pipe. write(2) is
 * async-signal-safe; the write end is non-blocking, so a flood of signals cannot block. */
static void on_stop(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    ssize_t ignored = write(stop_wfd, &byte, 1);
    (void)ignored;
    errno = saved;
}

/* O_NONBLOCK added to fd's flags (common/net.c reads them first), or die. */
static void nonblocking(int fd)
{
    if (set_nonblocking(fd) == -1)
        die("fcntl O_NONBLOCK");
}

static void set_handler(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = flags;
    if (sigaction(sig, &sa, NULL) == -1)
        die("sigaction");
}

void server_open(struct server *srv, int socktype, const char *host, const char *port)
{
    /* socket, bind and (TCP) listen with a backlog of SOMAXCONN: connections the kernel
     * completes and queues until accept() takes them. SO_REUSEADDR: rebind the port at
     * once after a restart, even with old connections in TIME_WAIT. Non-blocking:
     * readiness can be stale by the time we act (another process accepted the
     * connection, or the client reset it), and then accept() must not block. */
    srv->fd = net_listen(host, port, socktype, NET_REUSEADDR | NET_NONBLOCK);

    int p[2];
    if (pipe(p) == -1)
        die("pipe");
    srv->stop_fd = p[0];
    srv->stop_wfd = stop_wfd = p[1];
    nonblocking(p[0]); /* server_close reads it without waiting */
    nonblocking(p[1]);
    /* No SA_RESTART: a call blocked when the signal comes (waitpid in the prefork parent)
     * returns EINTR, and the caller looks at the stop pipe. */
    set_handler(SIGINT, on_stop, 0);
    set_handler(SIGTERM, on_stop, 0);
    /* A write to a connection the client has closed raises SIGPIPE, whose default action
     * kills the whole server. Ignored, the write fails with EPIPE instead. */
    set_handler(SIGPIPE, SIG_IGN, 0);
}

int server_close(struct server *srv)
{
    /* The stop has happened; signals from now on change nothing. */
    set_handler(SIGINT, SIG_IGN, 0);
    set_handler(SIGTERM, SIG_IGN, 0);
    unsigned char sig = 0;
    if (read(srv->stop_fd, &sig, 1) == -1 && errno != EAGAIN)
        die("read stop pipe");
    if (srv->fd != -1 && close(srv->fd) == -1)
        die("close");
    if (close(srv->stop_fd) == -1 || close(srv->stop_wfd) == -1)
        die("close stop pipe");
    srv->fd = srv->stop_fd = srv->stop_wfd = -1;
    return sig;
}

/* A failure that is a bug, not a circumstance: leave, with _exit in a child. */
#define SERVER_DIE(srv, ...) ((srv)->in_child ? die_child(__VA_ARGS__) : die(__VA_ARGS__))

int server_wait(const struct server *srv, int fd, short events)
{
    struct pollfd p[2] = {{.fd = srv->stop_fd, .events = POLLIN}, {.fd = fd, .events = events}};
    for (;;) {
        if (poll(p, 2, -1) == -1) {
            if (errno == EINTR) /* a signal: look again (the stop pipe tells if it was one of ours) */
                continue;
            SERVER_DIE(srv, "poll");
        }
        if (p[0].revents != 0)
            return 0;
        if (p[1].revents & POLLNVAL)
            SERVER_DIE(srv, "poll: fd %d is not open", fd);
        if (p[1].revents != 0) /* ready, or POLLHUP/POLLERR: the next call will say */
            return 1;
    }
}

int server_stopping(const struct server *srv)
{
    struct pollfd p = {.fd = srv->stop_fd, .events = POLLIN};
    int n;
    while ((n = poll(&p, 1, 0)) == -1 && errno == EINTR)
        ;
    if (n == -1)
        SERVER_DIE(srv, "poll");
    return n > 0;
}

int server_accept(const struct server *srv, struct sockaddr_storage *peer)
{
    socklen_t len = sizeof *peer;
    int fd = accept(srv->fd, (struct sockaddr *)peer, &len);
    if (fd == -1) {
        switch (errno) {
        case EAGAIN:       /* nothing after all: another process took it, or ... */
        case ECONNABORTED: /* ... the client gave up before we accepted */
        case EINTR:
        case EPROTO: /* Linux passes a new connection's network errors on: try again */
        case ENETDOWN:
        case ENETUNREACH:
        case EHOSTUNREACH:
        case EHOSTDOWN:
        case ENONET:
        case ENOPROTOOPT:
        case EOPNOTSUPP:
            return -1;
        case EMFILE: /* out of file descriptors or memory: pass, or we would spin */
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            server_warn("accept");
            poll(NULL, 0, 100);
            return -1;
        default:
            SERVER_DIE(srv, "accept");
        }
    }
    nonblocking(fd); /* Linux: accepted sockets do not inherit O_NONBLOCK */
    return fd;
}

void server_child_init(struct server *srv)
{
    srv->in_child = 1;
    set_handler(SIGINT, SIG_DFL, 0);
    set_handler(SIGTERM, SIG_DFL, 0);
    set_handler(SIGCHLD, SIG_DFL, 0);
    if (close(srv->stop_wfd) == -1)
        die_child("close stop pipe");
    srv->stop_wfd = -1;
}

void server_child_exit(struct server *srv, int status)
{
    if (srv->fd != -1)
        close(srv->fd);
    close(srv->stop_fd);
    _exit(status);
}

void log_client(const struct server *srv, const struct sockaddr_storage *peer,
                const char *fmt, ...)
{
    if (!srv->verbose)
        return;
    char a[NET_ADDRSTRLEN], msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One printf, one line: stdout is line-buffered, so lines from several threads and
     * processes do not mix. */
    printf("client %s: %s (pid %ld, thread %ld)\n",
           net_addr_str((const struct sockaddr *)peer, sizeof *peer, a), msg, (long)getpid(),
           (long)gettid());
}

void server_warn(const char *fmt, ...)
{
    int saved = errno;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s: %s\n", progname(), msg, strerror(saved));
    errno = saved;
}
