/*
 * chat_fanout - the chatroom's fan-out, measured: one sender, R receivers, M messages, and
 * how many datagrams per second reach the receivers - through chat-server, or straight
 * from our own sendto() loop (the machine's raw limit, with no server logic at all).
 *
 * Usage: chat_fanout [-H host] [-p port] [-r receivers] [-m messages] [-W window]
 *                    [-d seconds] [-C] MODE
 *   MODE server: the R receivers log in to the chat-server at host:port (r1, r2, ...), so
 *                does the sender (s); the sender sends "C s <payload>", the server sends
 *                "M s <payload>\n" to every receiver. Start that chat-server with -r 0: its
 *                rate limit (20 messages a second by default) would otherwise measure
 *                itself, not the fan-out.
 *   MODE raw:    no server: the sender itself sendto()s the same "M s <payload>\n" datagram
 *                to every receiver, in a plain loop.
 *   MODE flood:  the rate limit at work: one receiver and the sender log in, and the sender
 *                sends its M messages evenly over -d seconds (default 2), with no flow
 *                control, as a flooder would; prints how many reached the receiver, and
 *                how many a second (with -C, as a "# note:" line). Against a chat-server
 *                with its default limit (20 a second, bursts of 40): about 40 + 20 x d.
 * Datagrams are 64 bytes (the server's M with its newline). The receivers are sockets of this process, drained with poll()
 * and recv(); the sender is a child process. Flow control: the sender may be at most
 * -W messages (default 32) ahead of the last message every receiver has, so no socket
 * buffer overflows when the receivers keep up - any loss then is the server's. The clock
 * runs from the first send to the moment the last message has reached every receiver; a
 * message that has not arrived 5 s after the last progress counts as lost (a generous
 * bound, so that a busy machine's pause is not taken for a loss).
 *
 * Prints "delivered D of E datagrams in S s: N datagrams/s, lost L"; with -C, a CSV row
 * for bench/run.sh ("R receivers,VARIANT,thousands of datagrams/s") and a line
 * "## lost L of E, unexpected U" (which the renderer ignores; run.sh adds them up).
 * Exit status 1 if anything was lost or unexpected.
 * See also: bench/chatroom/run.sh, project/chatroom/server.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

#define DGRAM 64 /* bytes per datagram, as in the reference loop */

static double now_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "<cmd> s <10-digit number>xxxx...\n" - DGRAM bytes in all. The C goes without the
 * newline (DGRAM - 1 bytes): the server's M, which adds it, is then DGRAM bytes too. */
static void make_dgram(char *buf, char cmd, long k)
{
    int n = snprintf(buf, DGRAM + 1, "%c s %010ld", cmd, k);
    memset(buf + n, 'x', (size_t)(DGRAM - 1 - n));
    buf[DGRAM - 1] = '\n';
}

/* Wait (at most 5 s) for "OK" on sock, ignoring anything else. */
static void wait_ok(int sock, const char *who)
{
    char buf[2048];
    for (int tries = 0; tries < 1000; tries++) {
        struct pollfd p = {.fd = sock, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            fatal("no answer to %s's login", who);
        ssize_t n = recv(sock, buf, sizeof buf, 0);
        if (n == 3 && memcmp(buf, "OK\n", 3) == 0)
            return;
        if (n >= 5 && memcmp(buf, "ERR ", 4) == 0)
            fatal("%s's login refused: %.*s", who, (int)n - 5, buf + 4);
    }
    fatal("no OK for %s", who);
}

/* Throw away whatever the receivers hold now (the join notices). */
static void drain(const int *rx, int n)
{
    char buf[2048];
    for (int i = 0; i < n; i++)
        while (recv(rx[i], buf, sizeof buf, MSG_DONTWAIT) >= 0)
            ;
}

/* The sender (a child): M messages, never more than `window` ahead of the credits. */
static noreturn void sender(int raw, int sock, const struct sockaddr_in *to, int nto,
                            long messages, long window, int credit_fd)
{
    char d[DGRAM + 1], buf[256];
    long credits = window;
    for (long k = 0; k < messages; k++) {
        while (credits == 0) {
            ssize_t n = read(credit_fd, buf, sizeof buf);
            if (n <= 0)
                _exit(n == 0 ? 0 : 1); /* the parent has given up */
            credits += n;
        }
        credits--;
        make_dgram(d, raw ? 'M' : 'C', k);
        if (!raw) {
            if (send(sock, d, DGRAM - 1, 0) == -1)
                die_child("send");
            continue;
        }
        for (int i = 0; i < nto; i++)
            if (sendto(sock, d, DGRAM, 0, (const struct sockaddr *)&to[i], sizeof to[i]) == -1)
                die_child("sendto");
    }
    _exit(0);
}

/* MODE flood: the sender (this process) sends `messages` C datagrams evenly spread over
 * `secs` seconds; the receiver counts the M datagrams that reach it, until 1 s after the
 * last send. Prints the result; exit status 0. */
static int flood(int tx, int rx, long messages, long secs, int csv)
{
    char d[DGRAM + 1], buf[2048];
    long delivered = 0, dropped_notices = 0;
    long long gap_ns = secs * 1000000000LL / messages;
    struct timespec next;
    if (clock_gettime(CLOCK_MONOTONIC, &next) == -1)
        die("clock_gettime");
    double t0 = now_s();
    for (long k = 0; k < messages; k++) {
        make_dgram(d, 'C', k);
        if (send(tx, d, DGRAM - 1, 0) == -1)
            die("send");
        while (recv(rx, buf, sizeof buf, MSG_DONTWAIT) > 0) /* keep the receiver empty */
            delivered++;
        while (recv(tx, buf, sizeof buf, MSG_DONTWAIT) > 0) /* "ERR slow down" */
            dropped_notices++;
        next.tv_nsec += gap_ns;
        next.tv_sec += next.tv_nsec / 1000000000;
        next.tv_nsec %= 1000000000;
        int rc;
        while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL)) == EINTR)
            ;
        if (rc != 0)
            die_en(rc, "clock_nanosleep");
    }
    double t1 = now_s();
    for (;;) { /* what is still on its way */
        struct pollfd p = {.fd = rx, .events = POLLIN};
        int r = poll(&p, 1, 1000);
        if (r == -1 && errno != EINTR)
            die("poll");
        if (r <= 0)
            break;
        if (recv(rx, buf, sizeof buf, MSG_DONTWAIT) > 0)
            delivered++;
    }
    double secs_sent = t1 - t0;
    printf("%sflood: sent %ld messages in %.1f s (%.0f a second); %ld delivered (%.1f a "
           "second), 'ERR slow down' %ld times\n",
           csv ? "# note: rate limit: " : "", messages, secs_sent, messages / secs_sent,
           delivered, delivered / secs_sent, dropped_notices);
    return 0;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1";
    long port = 9999, nrx = 100, messages = 2000, window = 32, flood_s = 2;
    int csv = 0, opt;
    while ((opt = getopt(argc, argv, ":H:p:r:m:W:d:Ch")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            port = parse_long(optarg, 1, 65535, "port");
            break;
        case 'r':
            nrx = parse_long(optarg, 1, 999, "number of receivers");
            break;
        case 'm':
            messages = parse_long(optarg, 1, 100000000, "number of messages");
            break;
        case 'W':
            window = parse_long(optarg, 1, 1000, "window");
            break;
        case 'd':
            flood_s = parse_long(optarg, 1, 3600, "seconds");
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: chat_fanout [-H host] [-p port] [-r receivers] [-m messages] "
                   "[-W window] [-d seconds] [-C] server|raw|flood\n"
                   "One sender, R receivers: datagrams delivered per second, through the\n"
                   "chat-server at host:port (server; start it with -r 0, no rate limit) or\n"
                   "by our own sendto() loop (raw). flood: the sender sends its messages\n"
                   "evenly over -d seconds to one receiver through the server, whose rate\n"
                   "limit lets only some through.\n"
                   "  -r  receivers (default 100)     -m  messages (default 2000)\n"
                   "  -W  most messages in flight (default 32)\n"
                   "  -d  flood: seconds (default 2)\n"
                   "  -C  print a CSV row for bench/run.sh\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (argc - optind != 1 || (strcmp(argv[optind], "server") != 0 &&
                               strcmp(argv[optind], "raw") != 0 &&
                               strcmp(argv[optind], "flood") != 0))
        usage_error("give the mode: server, raw or flood");
    int raw = strcmp(argv[optind], "raw") == 0, flooding = strcmp(argv[optind], "flood") == 0;
    if (flooding)
        nrx = 1;
    int R = (int)nrx;

    struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &server.sin_addr) != 1)
        usage_error("host must be an IPv4 address, not '%s'", host);
    int *rx = calloc((size_t)R, sizeof *rx);
    struct sockaddr_in *rx_addr = calloc((size_t)R, sizeof *rx_addr);
    struct pollfd *pfd = calloc((size_t)R, sizeof *pfd);
    long *have = calloc((size_t)window, sizeof *have);
    if (rx == NULL || rx_addr == NULL || pfd == NULL || have == NULL)
        fatal("out of memory");
    for (int i = 0; i < R; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if ((rx[i] = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
            die("socket");
        if (bind(rx[i], (struct sockaddr *)&a, sizeof a) == -1)
            die("bind");
        socklen_t alen = sizeof rx_addr[i];
        if (getsockname(rx[i], (struct sockaddr *)&rx_addr[i], &alen) == -1)
            die("getsockname");
        pfd[i] = (struct pollfd){.fd = rx[i], .events = POLLIN};
    }
    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    if (tx == -1)
        die("socket");
    if (!raw) { /* everyone logs in: the receivers, then the sender */
        char msg[64];
        for (int i = 0; i < R; i++) {
            snprintf(msg, sizeof msg, "L r%d", i + 1);
            if (sendto(rx[i], msg, strlen(msg), 0, (struct sockaddr *)&server, sizeof server) == -1)
                die("sendto %s:%ld", host, port);
            wait_ok(rx[i], msg + 2);
            if (i % 64 == 63)
                drain(rx, i);
        }
        if (connect(tx, (struct sockaddr *)&server, sizeof server) == -1)
            die("connect");
        if (send(tx, "L s", 3, 0) == -1)
            die("send");
        wait_ok(tx, "s");
        drain(rx, R);
    }
    if (flooding) {
        int rc = flood(tx, rx[0], messages, flood_s, csv);
        close(rx[0]);
        close(tx);
        free(rx);
        free(rx_addr);
        free(pfd);
        free(have);
        return rc;
    }

    int credit[2];
    if (pipe(credit) == -1)
        die("pipe");
    struct sigaction sa; /* the sender may finish before its last credits are written */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction SIGPIPE");
    double t0 = now_s(), t1 = t0;
    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        close(credit[1]);
        sender(raw, tx, rx_addr, R, messages, window, credit[0]);
    }
    close(credit[0]);

    long done = 0, delivered = 0, stray = 0;
    char buf[2048], ticks[256];
    memset(ticks, '+', sizeof ticks);
    while (done < messages) {
        int r = poll(pfd, (nfds_t)R, 5000);
        if (r == -1 && errno != EINTR)
            die("poll");
        if (r == 0)
            break; /* 5 s without a datagram: the rest is lost */
        for (int i = 0; i < R; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            ssize_t n;
            while ((n = recv(rx[i], buf, sizeof buf, MSG_DONTWAIT)) >= 0) {
                long k = n == DGRAM && memcmp(buf, "M s ", 4) == 0 && buf[DGRAM - 1] == '\n'
                             ? strtol(buf + 4, NULL, 10)
                             : -1;
                if (k < done || k >= done + window || k >= messages) {
                    stray++;
                    continue;
                }
                delivered++;
                have[k % window]++;
            }
        }
        long completed = 0; /* messages every receiver now has: one credit each */
        while (done < messages && have[done % window] == R) {
            have[done % window] = 0;
            done++;
            completed++;
        }
        if (completed > 0)
            t1 = now_s();
        while (completed > 0) {
            size_t chunk = completed < (long)sizeof ticks ? (size_t)completed : sizeof ticks;
            if (write(credit[1], ticks, chunk) == -1 && errno != EPIPE) /* EPIPE: it is done */
                die("write");
            completed -= (long)chunk;
        }
    }
    close(credit[1]); /* a sender still waiting for credit gives up */
    int st;
    if (waitpid(child, &st, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fatal("the sender failed");

    long expected = messages * R, lost = expected - delivered;
    double secs = t1 > t0 ? t1 - t0 : 1e-9, rate = (double)delivered / secs;
    const char *variant = raw ? "raw sendto loop" : "chat-server";
    if (csv) {
        printf("%d receivers,%s,%.1f\n", R, variant, rate / 1000);
        printf("## lost %ld of %ld, unexpected %ld\n", lost, expected, stray);
    } else {
        printf("%s, %d receivers: delivered %ld of %ld datagrams in %.3f s: %.0f datagrams/s "
               "(%.0f messages/s), lost %ld\n",
               variant, R, delivered, expected, secs, rate, rate / R, lost);
    }
    for (int i = 0; i < R; i++)
        close(rx[i]);
    close(tx);
    free(rx);
    free(rx_addr);
    free(pfd);
    free(have);
    return lost == 0 && stray == 0 ? 0 : 1;
}
