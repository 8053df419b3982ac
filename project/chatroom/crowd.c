/*
 * chat-crowd - a whole room of members in one process, to check the server at scale:
 * every member must get exactly the datagrams it should, none lost, none extra.
 *
 * Usage: chat-crowd [-H host] [-p port] [-n members] [-w ms] [-b]
 *
 * Opens one UDP socket per member (m1, m2, ..., mN) and plays three phases, one step at a
 * time: each member joins ("OK" for it, "J mK" for everyone already in); each member says
 * one line ("M mK hello from mK" for everyone else, nothing back to the speaker); each
 * member leaves, in a shuffled order ("OK" for it, "X mK" for everyone still in). A step
 * ends when every expected datagram has arrived; anything else that arrives - an echo to
 * the speaker, a duplicate, a stray notice - is counted as unexpected, and a step that is
 * not complete within -w ms (default 5000) counts what is missing as lost and stops the
 * run. Stepping keeps the test about the server, not about socket buffers: at most one
 * datagram per member is in flight.
 *
 * Every datagram from the server must end with one newline (PROTOCOL.md); one that does
 * not is unexpected.
 *
 * Prints four lines (counts of joins, messages, leaves, then "lost: L, unexpected: U");
 * exit status 0 if nothing was lost or unexpected, 1 otherwise.
 *
 * -b (burst): instead, all N members send their L at once, back to back, and each must get
 * "OK" (its first datagram) within -w ms: what a server must survive when a whole class
 * logs in at the same moment. Prints "burst: N logins at once, K answered OK, U
 * unanswered"; exit status 0 if every login was answered OK.
 * See also: chat-probe (one member, scripted), bench/chatroom (throughput).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "net.h"

#define WANT_SIZE 64

struct crowd {
    int n;
    struct pollfd *pfd; /* pfd[i].fd: member i's socket, connected to the server */
    char (*want)[WANT_SIZE]; /* what member i must get next in this step ("" if nothing) */
    long wait_ms;
    long lost, unexpected;
};

/* Send one datagram from member i. */
static void send_from(struct crowd *c, int i, const char *msg)
{
    if (send(c->pfd[i].fd, msg, strlen(msg), 0) == -1)
        die("send from m%d", i + 1);
}

/* Receive until every want[] has arrived; returns how many did, or -1 if the step timed
 * out (the missing ones are counted as lost). */
static long finish_step(struct crowd *c, long pending)
{
    long got = 0;
    long long deadline = now_ms() + c->wait_ms;
    while (got < pending) {
        long long left = deadline - now_ms();
        int r = left > 0 ? poll(c->pfd, (nfds_t)c->n, (int)left) : 0;
        if (r == -1 && errno != EINTR)
            die("poll");
        if (r == 0) {
            c->lost += pending - got;
            return -1;
        }
        for (int i = 0; i < c->n && r > 0; i++) {
            if (!(c->pfd[i].revents & POLLIN))
                continue;
            char buf[2048];
            ssize_t len = recv(c->pfd[i].fd, buf, sizeof buf - 1, MSG_DONTWAIT);
            if (len == -1) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    die("recv by m%d", i + 1);
                continue;
            }
            int ended = len > 0 && buf[len - 1] == '\n'; /* the newline every one ends with */
            buf[ended ? len - 1 : len] = '\0';
            if (ended && c->want[i][0] != '\0' && strcmp(buf, c->want[i]) == 0) {
                c->want[i][0] = '\0';
                got++;
            } else if (c->unexpected++ < 5) {
                fprintf(stderr, "%s: m%d got unexpected \"%.60s\" (expected \"%s\")\n",
                        progname(), i + 1, buf, c->want[i]);
            }
        }
    }
    return got;
}

/* -b: every member sends L at once; each must get OK first. Returns how many did. */
static long burst(struct crowd *c)
{
    char msg[WANT_SIZE];
    for (int k = 0; k < c->n; k++) {
        snprintf(msg, sizeof msg, "L m%d", k + 1);
        send_from(c, k, msg);
    }
    long answered = 0, ok = 0;
    long long deadline = now_ms() + c->wait_ms;
    while (answered < c->n) {
        long long left = deadline - now_ms();
        int r = left > 0 ? poll(c->pfd, (nfds_t)c->n, (int)left) : 0;
        if (r == -1 && errno != EINTR)
            die("poll");
        if (r == 0)
            break;
        for (int i = 0; i < c->n; i++) {
            if (!(c->pfd[i].revents & POLLIN))
                continue;
            char buf[2048];
            ssize_t len = recv(c->pfd[i].fd, buf, sizeof buf, MSG_DONTWAIT);
            if (len == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                die("recv by m%d", i + 1);
            if (len == -1)
                continue;
            c->pfd[i].fd = -c->pfd[i].fd - 1; /* answered: poll() skips it from now on */
            answered++;
            if (len == 3 && memcmp(buf, "OK\n", 3) == 0)
                ok++;
            else if (c->unexpected++ < 5)
                fprintf(stderr, "%s: m%d got \"%.*s\" for its L\n", progname(), i + 1,
                        (int)(len > 60 ? 60 : len), buf);
        }
    }
    for (int i = 0; i < c->n; i++) /* every socket polled again, for closing */
        if (c->pfd[i].fd < 0)
            c->pfd[i].fd = -c->pfd[i].fd - 1;
    return ok;
}

static long gcd(long a, long b)
{
    return b == 0 ? a : gcd(b, a % b);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1", *port = "9999";
    long n = 200;
    struct crowd c = {.wait_ms = 5000};
    int opt, burst_mode = 0;
    while ((opt = getopt(argc, argv, ":H:p:n:w:bh")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            parse_long(optarg, 1, 65535, "port");
            port = optarg;
            break;
        case 'n':
            n = parse_long(optarg, 2, 1000, "number of members");
            break;
        case 'w':
            c.wait_ms = parse_long(optarg, 1, 600000, "wait in milliseconds");
            break;
        case 'b':
            burst_mode = 1;
            break;
        case 'h':
            printf("usage: chat-crowd [-H host] [-p port] [-n members] [-w ms] [-b]\n"
                   "N members join, each says one line, all leave; checks that each gets\n"
                   "exactly what it should. Exit 0 if nothing was lost or unexpected.\n"
                   "  -H host     the server (default 127.0.0.1)\n"
                   "  -p port     the server's port (default 9999)\n"
                   "  -n members  how many (2 to 1000, default 200)\n"
                   "  -w ms       longest wait for one step (default 5000)\n"
                   "  -b          burst: all log in at once; each must get OK within -w ms\n"
                   "  -h          this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    struct sockaddr_storage server;
    socklen_t slen = net_resolve(host, port, SOCK_DGRAM, &server); /* a bad host: exit 2 */
    c.n = (int)n;
    c.pfd = calloc((size_t)n, sizeof *c.pfd);
    c.want = calloc((size_t)n, sizeof *c.want);
    int *in = calloc((size_t)n, sizeof *in); /* in[i]: member i is in the room */
    if (c.pfd == NULL || c.want == NULL || in == NULL)
        fatal("out of memory");
    for (int i = 0; i < c.n; i++) {
        c.pfd[i].fd = socket(server.ss_family, SOCK_DGRAM, 0);
        if (c.pfd[i].fd == -1)
            die("socket for member %d", i + 1);
        if (connect(c.pfd[i].fd, (struct sockaddr *)&server, slen) == -1)
            die("connect");
        c.pfd[i].events = POLLIN;
    }
    if (burst_mode) {
        long ok = burst(&c);
        for (int i = 0; i < c.n; i++)
            close(c.pfd[i].fd);
        printf("burst: %d logins at once, %ld answered OK, %ld unanswered\n", c.n, ok,
               c.n - ok - (c.unexpected > 0 ? c.unexpected : 0));
        free(c.pfd);
        free(c.want);
        free(in);
        return ok == c.n ? 0 : 1;
    }

    long joins = 0, jn = 0, jn_want = 0, said = 0, delivered = 0, del_want = 0;
    long leaves = 0, xn = 0, xn_want = 0;
    int ok = 1;
    char msg[WANT_SIZE];
    for (int k = 0; k < c.n && ok; k++) { /* joins */
        snprintf(msg, sizeof msg, "L m%d", k + 1);
        send_from(&c, k, msg);
        snprintf(c.want[k], WANT_SIZE, "OK");
        for (int i = 0; i < k; i++)
            snprintf(c.want[i], WANT_SIZE, "J m%d", k + 1);
        long got = finish_step(&c, k + 1);
        ok = got >= 0;
        joins += ok;
        jn += ok ? k : 0;
        jn_want += k;
        in[k] = ok;
    }
    for (int k = 0; k < c.n && ok; k++) { /* messages */
        snprintf(msg, sizeof msg, "C m%d hello from m%d", k + 1, k + 1);
        send_from(&c, k, msg);
        said++;
        for (int i = 0; i < c.n; i++)
            if (i != k)
                snprintf(c.want[i], WANT_SIZE, "M m%d hello from m%d", k + 1, k + 1);
        long got = finish_step(&c, c.n - 1);
        ok = got >= 0;
        delivered += ok ? got : 0;
        del_want += c.n - 1;
    }
    long step = 7; /* leave in the order 0, s, 2s, ... (mod n): a shuffle that hits every one */
    while (gcd(step, n) != 1)
        step++;
    for (long j = 0, left = c.n; j < c.n && ok; j++) { /* leaves */
        int k = (int)(j * step % n);
        snprintf(msg, sizeof msg, "Q m%d", k + 1);
        send_from(&c, k, msg);
        snprintf(c.want[k], WANT_SIZE, "OK");
        in[k] = 0;
        left--;
        for (int i = 0; i < c.n; i++)
            if (in[i])
                snprintf(c.want[i], WANT_SIZE, "X m%d", k + 1);
        long got = finish_step(&c, left + 1);
        ok = got >= 0;
        leaves += ok;
        xn += ok ? left : 0;
        xn_want += left;
    }
    /* Anything still arriving now is extra: an echo, a duplicate. */
    for (int i = 0; i < c.n; i++) {
        char buf[2048];
        while (recv(c.pfd[i].fd, buf, sizeof buf, MSG_DONTWAIT) >= 0)
            c.unexpected++;
        close(c.pfd[i].fd);
    }
    printf("joins:    %ld of %d OK, %ld of %ld join notices\n", joins, c.n, jn, jn_want);
    printf("messages: %ld sent, %ld of %ld delivered\n", said, delivered, del_want);
    printf("leaves:   %ld of %d OK, %ld of %ld leave notices\n", leaves, c.n, xn, xn_want);
    printf("lost: %ld, unexpected: %ld\n", c.lost, c.unexpected);
    free(c.pfd);
    free(c.want);
    free(in);
    return c.lost == 0 && c.unexpected == 0 && ok ? 0 : 1;
}
