/*
 * echo-client - talk to an echo server: send lines, print what comes back.
 *
 * Usage: echo-client [-u] [-a ADDR] [-p PORT] [-t SECONDS] [MESSAGE...]
 *
 * Shows: a TCP client (or with -u a UDP one): connect, then for each line send it and
 * wait for its echo before the next. Scripted: each MESSAGE argument is a line, or lines
 * come from standard input (a file, a pipe). Interactive: at a terminal it prompts "> ";
 * Ctrl-D ends. Every echo must equal what was sent, byte for byte, or it fails.
 * -t bounds each wait for an echo: against a busy iterative server the echo does not
 * come while another client holds the server, and -t turns that into an error.
 * Observe: run two at once against echo-server -m iterative, then -m fork.
 * See also: connect(2), poll(2) (the bounded wait), echo-load; notes/servers.md.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "die.h"
#include "net.h"

#define DGRAM_MAX 65507 /* the largest UDP payload over IPv4 */

static int udp;
static long wait_ms = -1; /* -t in ms; -1: wait as long as it takes */

/* Wait until fd is readable, at most -t: fails with a message when the time is up. */
static void await_echo(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n;
    while ((n = poll(&p, 1, (int)wait_ms)) == -1 && errno == EINTR)
        ;
    if (n == -1)
        die("poll");
    if (n == 0)
        fatal("no echo within %ld s", wait_ms / 1000);
}

/* Send one line (msg and its newline) and check that the same bytes come back. */
static void send_line(int fd, const char *msg, size_t len)
{
    char *out = malloc(len + 1), *in = malloc(udp ? DGRAM_MAX + 1 : len + 1);
    if (out == NULL || in == NULL)
        fatal("out of memory");
    memcpy(out, msg, len);
    out[len++] = '\n';
    if (udp && len > DGRAM_MAX)
        fatal("a line of %zu bytes does not fit in a UDP datagram", len);
    for (size_t sent = 0; sent < len;) { /* a stream socket may take part of it */
        ssize_t n = send(fd, out + sent, len - sent, MSG_NOSIGNAL);
        if (n == -1)
            die("send");
        sent += (size_t)n;
    }
    size_t got = 0;
    while (got < len) { /* TCP: the echo may come in pieces; UDP: one datagram */
        await_echo(fd);
        ssize_t n = recv(fd, in + got, udp ? DGRAM_MAX + 1 : len - got, 0);
        if (n == -1)
            die("recv");
        if (n == 0)
            fatal("the server closed the connection");
        got += (size_t)n;
        if (udp)
            break;
    }
    if (got != len || memcmp(in, out, len) != 0)
        fatal("the echo differs from what was sent");
    fwrite(in, 1, len, stdout);
    free(out);
    free(in);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1";
    long port = 7007;
    int opt;
    while ((opt = getopt(argc, argv, ":ua:p:t:h")) != -1) {
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
        case 't':
            wait_ms = 1000 * parse_long(optarg, 1, 3600, "timeout");
            break;
        case 'h':
            printf("usage: echo-client [-u] [-a ADDR] [-p PORT] [-t SECONDS] [MESSAGE...]\n"
                   "Sends each MESSAGE, or else each line of standard input, to an echo\n"
                   "server, waits for its echo and prints it.\n"
                   "  -u          UDP (one datagram per line) instead of TCP\n"
                   "  -a ADDR     the server's address, IPv4 or IPv6 (default 127.0.0.1)\n"
                   "  -p PORT     the server's port (default 7007)\n"
                   "  -t SECONDS  fail if an echo takes longer (default: wait for ever)\n"
                   "  -h          this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    struct sockaddr_storage addr;
    char a[NET_ADDRSTRLEN], p[8];
    snprintf(p, sizeof p, "%ld", port);
    socklen_t alen = net_resolve(host, p, udp ? SOCK_DGRAM : SOCK_STREAM, &addr);

    int fd = socket(addr.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    /* For UDP, connect() only fixes the peer: send() goes there, and recv() takes
     * datagrams from there alone. */
    if (connect(fd, (struct sockaddr *)&addr, alen) == -1)
        die("connect %s", net_addr_str((struct sockaddr *)&addr, alen, a));

    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            send_line(fd, argv[i], strlen(argv[i]));
    } else {
        int prompt = isatty(STDIN_FILENO);
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        for (;;) {
            if (prompt) {
                printf("> ");
                fflush(stdout);
            }
            if ((len = getline(&line, &cap, stdin)) == -1)
                break;
            if (len > 0 && line[len - 1] == '\n')
                len--;
            send_line(fd, line, (size_t)len);
        }
        if (ferror(stdin))
            die("read stdin");
        free(line);
        if (prompt)
            printf("\n");
    }
    if (close(fd) == -1)
        die("close");
    return 0;
}
