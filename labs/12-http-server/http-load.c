/*
 * http-load - many HTTP clients at once, each reply checked byte for byte.
 *
 * Usage: http-load [-H host] -p port [-c connections] [-n rounds] [-w] [-f file] PATH
 *
 * Shows: what "concurrent connections" means to a thread-per-connection server. It first
 * opens all the connections, so the server holds them all at the same time (one thread
 * each: see /proc/PID/task). Then, for each round, it sends a GET for PATH on every
 * connection before it reads any reply, so every server thread has work at once; then it
 * reads the replies, one connection after another, and checks each: status 200, a
 * Content-Length, and - with -f - a body equal to the file, byte for byte. The
 * connections are persistent (keep-alive): one connection carries all its rounds.
 * With -w it stops after connecting and waits for a line on stdin before sending, so you
 * (or a test) can look at the server while it holds every connection.
 *
 * Output: "connected N" once connected, then one summary line; exit 0 if every reply
 * was right, 1 at the first wrong or missing one (with what was wrong).
 * See also: http-server.c, wrk(1) (the benchmark tool: speed, not correctness).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "die.h"

static char *expected;    /* the file's bytes (-f), or NULL */
static size_t expected_len;

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("open %s", path);
    struct stat st;
    if (fstat(fileno(f), &st) == -1)
        die("fstat %s", path);
    char *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        die("malloc");
    *len = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f) || *len != (size_t)st.st_size)
        fatal("could not read all of %s", path);
    fclose(f);
    return buf;
}

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {0}, *list;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0)
        fatal("%s:%s: %s", host, port, gai_strerror(rc));
    int fd = -1, err = 0;
    for (struct addrinfo *ai = list; ai != NULL && fd == -1; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd == -1) {
            err = errno;
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd == -1) {
        errno = err;
        die("connect %s:%s", host, port);
    }
    struct timeval tv = {10, 0}; /* a reply that never comes is an error, not a hang */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
        die("setsockopt SO_RCVTIMEO");
    return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            die("send");
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Read one reply from fd and check it; conn and round are for the messages. */
static void check_reply(int fd, int conn, long round)
{
    static char buf[1 << 16];
    size_t have = 0, head = 0;
    while (head == 0) {
        if (have == sizeof buf - 1)
            fatal("connection %d, round %ld: reply head too long", conn, round);
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            die("connection %d, round %ld: recv", conn, round);
        if (n == 0)
            fatal("connection %d, round %ld: the server closed the connection", conn, round);
        have += (size_t)n;
        buf[have] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL)
            head = (size_t)(end - buf) + 4;
    }
    if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0)
        fatal("connection %d, round %ld: reply '%.*s'", conn, round,
              (int)strcspn(buf, "\r\n"), buf);
    long long length = -1;
    for (char *line = strstr(buf, "\r\n"); line != NULL && line < buf + head;
         line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            length = strtoll(line + 17, NULL, 10);
    if (length < 0)
        fatal("connection %d, round %ld: no Content-Length", conn, round);
    if (expected != NULL && (size_t)length != expected_len)
        fatal("connection %d, round %ld: Content-Length %lld, the file has %zu bytes", conn,
              round, length, expected_len);

    /* The body: what came with the head, then the rest. */
    size_t got = have - head;
    if (got > (size_t)length)
        fatal("connection %d, round %ld: %zu bytes more than the reply", conn, round,
              got - (size_t)length);
    if (expected != NULL && memcmp(buf + head, expected, got) != 0)
        fatal("connection %d, round %ld: the body differs from the file", conn, round);
    while (got < (size_t)length) {
        size_t want = (size_t)length - got;
        ssize_t n = recv(fd, buf, want < sizeof buf ? want : sizeof buf, 0);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            die("connection %d, round %ld: recv", conn, round);
        if (n == 0)
            fatal("connection %d, round %ld: closed after %zu of %lld body bytes", conn, round,
                  got, length);
        if (expected != NULL && memcmp(buf, expected + got, (size_t)n) != 0)
            fatal("connection %d, round %ld: the body differs from the file", conn, round);
        got += (size_t)n;
    }
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1", *port = NULL, *file = NULL;
    long conns = 10, rounds = 1;
    int wait_first = 0, opt;
    while ((opt = getopt(argc, argv, ":H:p:c:n:wf:h")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            parse_long(optarg, 1, 65535, "port");
            port = optarg;
            break;
        case 'c':
            conns = parse_long(optarg, 1, 1000, "connections");
            break;
        case 'n':
            rounds = parse_long(optarg, 1, 1000000, "rounds");
            break;
        case 'w':
            wait_first = 1;
            break;
        case 'f':
            file = optarg;
            break;
        case 'h':
            printf("usage: http-load [-H host] -p port [-c connections] [-n rounds] [-w] "
                   "[-f file] PATH\n"
                   "Opens the connections all at once, then on each sends a GET for PATH\n"
                   "per round and checks every reply (200, Content-Length, the body).\n"
                   "  -H host  the server (default 127.0.0.1)\n"
                   "  -p port  the server's port (required)\n"
                   "  -c n     connections, 1..1000 (default 10)\n"
                   "  -n n     rounds: requests per connection (default 1)\n"
                   "  -w       once connected, wait for a line on stdin before sending\n"
                   "  -f file  the body must equal this file, byte for byte\n"
                   "  -h       this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (port == NULL)
        usage_error("-p port is required");
    if (optind != argc - 1)
        usage_error("expected one PATH");
    const char *path = argv[optind];
    if (path[0] != '/' || strpbrk(path, " \r\n") != NULL)
        usage_error("PATH must start with '/' and contain no spaces");
    if (file != NULL)
        expected = read_file(file, &expected_len);

    int *fds = malloc((size_t)conns * sizeof *fds);
    if (fds == NULL)
        die("malloc");
    for (long i = 0; i < conns; i++)
        fds[i] = connect_to(host, port);
    printf("connected %ld\n", conns);
    if (wait_first) {
        char line[16];
        if (fgets(line, sizeof line, stdin) == NULL && ferror(stdin))
            die("read stdin");
    }

    char request[4096];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s:%s\r\n\r\n", path,
                     host, port);
    if (n < 0 || (size_t)n >= sizeof request)
        usage_error("PATH is too long");
    for (long r = 1; r <= rounds; r++) {
        for (long i = 0; i < conns; i++)
            send_all(fds[i], request, (size_t)n);
        for (long i = 0; i < conns; i++)
            check_reply(fds[i], (int)i + 1, r);
    }
    for (long i = 0; i < conns; i++)
        close(fds[i]);
    printf("%ld connections x %ld rounds: %ld replies, all 200 OK%s\n", conns, rounds,
           conns * rounds, expected ? ", every body equal to the file" : "");
    free(fds);
    free(expected);
    return 0;
}
