/*
 * fs-probe - a raw test client and a fake server for the file server's tests: the
 * hostile peers that file-client never is.
 *
 * Usage: fs-probe [-H host] -p port [-1] send   send stdin as it is, then read to the end
 *        fs-probe [-k] serve FILE                a fake server for one client
 *
 * send   connects, writes stdin's bytes - in one write(), or with -1 one byte per write()
 *        with TCP_NODELAY, so that each byte may travel in its own segment - then shuts its
 *        sending side down (the server sees end of stream after the last request) and
 *        copies everything the server sends to stdout until the server closes. Writing and
 *        reading go on together (poll), so a big reply never blocks a long request stream.
 * serve  listens on 127.0.0.1, any free port ("listening on HOST:PORT" on stdout), accepts
 *        one client, reads one line from it, answers with FILE's bytes as they are, closes:
 *        a broken or hostile server, to test the client against. With -k it does not
 *        close after its answer but keeps the connection open, silent, until the client
 *        closes it: a server that stalls in the middle of a transfer.
 * Exit status: 0 done, 1 failure, 2 bad usage. Used by tests/fileserver.bats.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"

/* All of fd's bytes, in a malloc'd buffer. */
static char *slurp(int fd, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        die("malloc");
    for (;;) {
        if (n == cap && (buf = realloc(buf, cap *= 2)) == NULL)
            die("realloc");
        ssize_t r = read(fd, buf + n, cap - n);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1)
            die("read");
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return buf;
}

static void write_out(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(STDOUT_FILENO, buf, len);
        if (w == -1)
            die("write stdout");
        buf += w;
        len -= (size_t)w;
    }
}

static int do_send(const char *host, int port, int bytewise)
{
    size_t len, sent = 0;
    char *data = slurp(STDIN_FILENO, &len);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        usage_error("bad IPv4 address '%s'", host);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1)
        die("connect");
    int one = 1;
    if (bytewise && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
        die("setsockopt");
    if (len == 0 && shutdown(fd, SHUT_WR) == -1)
        die("shutdown");
    char buf[65536];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0)};
        if (poll(&p, 1, -1) == -1)
            die("poll");
        if ((p.revents & POLLOUT) && sent < len) {
            ssize_t w = write(fd, data + sent, bytewise ? 1 : len - sent);
            if (w == -1 && errno != EPIPE && errno != ECONNRESET)
                die("write");
            sent = w == -1 ? len : sent + (size_t)w; /* the server closed: stop sending */
            if (sent == len)
                shutdown(fd, SHUT_WR);
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r == -1 && errno == ECONNRESET)
                break; /* a reset after the replies: what was read is what counts */
            if (r == -1)
                die("read");
            if (r == 0)
                break;
            write_out(buf, (size_t)r);
        }
    }
    close(fd);
    free(data);
    return 0;
}

static int do_serve(const char *file, int keep_open)
{
    int in = open(file, O_RDONLY);
    if (in == -1)
        die("open %s", file);
    size_t len;
    char *reply = slurp(in, &len);
    close(in);
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t salen = sizeof sa;
    if (lfd == -1 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof sa) == -1 || listen(lfd, 1) == -1 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) == -1)
        die("listen");
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    int fd = accept(lfd, NULL, NULL);
    if (fd == -1)
        die("accept");
    close(lfd);
    char c;
    ssize_t r;
    while ((r = read(fd, &c, 1)) == 1 && c != '\n')
        ; /* the request line: whatever it is, the answer is the same */
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, reply + off, len - off);
        if (w == -1)
            break; /* the client gave up: fine */
        off += (size_t)w;
    }
    if (!keep_open)
        shutdown(fd, SHUT_WR);
    while (read(fd, &c, 1) == 1) /* until the client closes: it must see all of it */
        ;
    close(fd);
    free(reply);
    return 0;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa = {.sa_handler = SIG_IGN}; /* a closed peer: EPIPE, not death */
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction");
    const char *host = "127.0.0.1";
    int port = -1, bytewise = 0, keep_open = 0, opt;
    while ((opt = getopt(argc, argv, ":H:p:1kh")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            port = (int)parse_long(optarg, 1, 65535, "port");
            break;
        case '1':
            bytewise = 1;
            break;
        case 'k':
            keep_open = 1;
            break;
        case 'h':
            printf("usage: fs-probe [-H host] -p port [-1] send | fs-probe [-k] serve FILE\n"
                   "A raw client (send: stdin to the server, the replies to stdout) and a\n"
                   "fake server (serve: answers one request with FILE), for the tests.\n"
                   "  -1  send one byte per write()\n"
                   "  -k  serve: after the answer, keep the connection open until the client\n"
                   "      closes it\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind < argc && strcmp(argv[optind], "send") == 0 && optind + 1 == argc) {
        if (port == -1)
            usage_error("send needs -p port");
        return do_send(host, port, bytewise);
    }
    if (optind < argc && strcmp(argv[optind], "serve") == 0 && optind + 2 == argc)
        return do_serve(argv[optind + 1], keep_open);
    usage_error("give send or serve FILE");
}
