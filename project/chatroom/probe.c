/*
 * chat-probe - a tiny scriptable UDP end, for tests and experiments (a `nc -u` that can
 * send any byte and never waits for ever).
 *
 * Usage: chat-probe [-H host] [-p port] [-n count] [-w ms] [-s] [-x]
 *
 * Sends each line of standard input as one datagram (without its newline), and prints each
 * datagram that arrives as one line. In input lines \n, \r, \t, \\ and \xHH stand for
 * those bytes (a backslash before anything else stands for itself); in output, a control
 * byte is printed as \xHH and a backslash as \\, so every byte that arrived can be seen -
 * except the one newline that ends each datagram from the chat-server, which ends the
 * line instead (with -x, exactly: it shows as \x0a too).
 *
 * A member (default): the socket is connected to the server at host:port, so only the
 * server's datagrams arrive. Server side (-s): binds host:port, prints
 * "listening on HOST:PORT" first, and sends each input line to whoever sent the last
 * datagram - for playing the server to a chat-client.
 *
 * When to stop: with -n, as soon as count datagrams have arrived (exit 1 if they have not
 * within -w ms after the end of input); without -n, once the input has ended and nothing
 * has arrived for -w ms (default 1000).
 *
 * Examples: echo 'L alice' | ./chat-probe -p 9999 -n 1        prints OK
 *           printf 'C alice a\\x1bb\n' | ./chat-probe -p 9999   sends "C alice a", ESC, "b"
 * See also: chat-crowd (many members at once), tests/chatroom.bats.
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

#define MAX_IN 70000 /* the longest input line (UDP's limit is 65507 bytes of payload) */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode the escapes of line[0..len) in place; returns the new length. */
static size_t unescape(char *line, size_t len)
{
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (c == '\\' && i + 1 < len) {
            char e = line[i + 1];
            if (e == 'n' || e == 'r' || e == 't' || e == '\\') {
                c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\\';
                i++;
            } else if (e == 'x' && i + 3 < len && hexval(line[i + 2]) >= 0 &&
                       hexval(line[i + 3]) >= 0) {
                c = (char)(hexval(line[i + 2]) * 16 + hexval(line[i + 3]));
                i += 3;
            }
        }
        line[out++] = c;
    }
    return out;
}

/* Print a datagram as one line, control bytes and backslashes escaped; unless exact, the
 * one newline that ends it is not shown (it ends the line). */
static void print_datagram(const char *buf, size_t len, int exact)
{
    if (!exact && len > 0 && buf[len - 1] == '\n')
        len--;
    static char out[4 * 65536 + 2];
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)sprintf(out + o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '\n';
    fwrite(out, 1, o, stdout); /* stdout is line-buffered: one line goes out at once */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1", *port = "9999";
    long count = -1, wait_ms = 1000;
    int server_side = 0, exact = 0, opt;
    while ((opt = getopt(argc, argv, ":H:p:n:w:sxh")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            parse_long(optarg, 0, 65535, "port");
            port = optarg;
            break;
        case 'n':
            count = parse_long(optarg, 1, 1000000, "count");
            break;
        case 'w':
            wait_ms = parse_long(optarg, 0, 600000, "wait in milliseconds");
            break;
        case 's':
            server_side = 1;
            break;
        case 'x':
            exact = 1;
            break;
        case 'h':
            printf("usage: chat-probe [-H host] [-p port] [-n count] [-w ms] [-s] [-x]\n"
                   "Sends each input line as one UDP datagram, prints each datagram that\n"
                   "arrives as a line (escapes: \\n \\r \\t \\\\ \\xHH both ways), the\n"
                   "newline that ends it not shown.\n"
                   "  -H host   the server (default 127.0.0.1); with -s, the address to bind\n"
                   "  -p port   the server's port (default 9999); with -s, the port to bind\n"
                   "  -n count  stop once count datagrams have arrived (exit 1 if they do\n"
                   "            not within -w ms after the end of input)\n"
                   "  -w ms     without -n: stop when input has ended and nothing has\n"
                   "            arrived for this long (default 1000)\n"
                   "  -s        server side: bind, print 'listening on HOST:PORT', send\n"
                   "            input lines to whoever sent the last datagram\n"
                   "  -x        exact: show a datagram's last newline too, as \\x0a\n"
                   "  -h        this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    struct sockaddr_storage peer;
    socklen_t peer_len = 0;
    int have_peer = !server_side, sock;
    if (server_side) {
        sock = net_listen(host, port, SOCK_DGRAM, 0);
        char a[NET_ADDRSTRLEN];
        printf("listening on %s\n", net_local_str(sock, a));
    } else {
        peer_len = net_resolve(host, port, SOCK_DGRAM, &peer); /* a bad host: exit 2 */
        sock = socket(peer.ss_family, SOCK_DGRAM, 0);
        if (sock == -1)
            die("socket");
        if (connect(sock, (struct sockaddr *)&peer, peer_len) == -1)
            die("connect %s port %s", host, port);
    }

    char *line = malloc(MAX_IN + 1);
    static char buf[65536];
    if (line == NULL)
        fatal("out of memory");
    size_t line_len = 0;
    long got = 0;
    int input_open = 1;
    long long deadline = 0; /* once the input has ended */
    while (count < 0 || got < count) {
        long long now = now_ms();
        if (!input_open && now >= deadline)
            break;
        struct pollfd pfd[2] = {{.fd = sock, .events = POLLIN},
                                {.fd = input_open ? STDIN_FILENO : -1, .events = POLLIN}};
        if (poll(pfd, 2, input_open ? -1 : (int)(deadline - now)) == -1)
            die("poll");
        if (pfd[0].revents & POLLIN) {
            struct sockaddr_storage from;
            socklen_t flen = sizeof from;
            ssize_t n = recvfrom(sock, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
            if (n >= 0) {
                print_datagram(buf, (size_t)n, exact);
                got++;
                if (server_side) {
                    peer = from;
                    peer_len = flen;
                    have_peer = 1;
                }
                if (!input_open && count < 0) /* quiet for wait_ms: from now on */
                    deadline = now_ms() + wait_ms;
            } else if (errno != EINTR) {
                fprintf(stderr, "chat-probe: recv: %s\n", strerror(errno));
            }
        }
        if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(STDIN_FILENO, line + line_len, MAX_IN + 1 - line_len);
            if (n == -1 && errno != EINTR)
                die("read standard input");
            if (n == 0) {
                input_open = 0;
                deadline = now_ms() + wait_ms;
                if (line_len > 0) /* a last line without a newline */
                    line[line_len++] = '\n';
            }
            if (n > 0)
                line_len += (size_t)n;
            char *nl;
            while ((nl = memchr(line, '\n', line_len)) != NULL) {
                size_t len = unescape(line, (size_t)(nl - line));
                if (!have_peer)
                    fprintf(stderr, "chat-probe: no datagram has arrived yet: no one to "
                                    "send to\n");
                else if ((server_side ? sendto(sock, line, len, 0, (struct sockaddr *)&peer,
                                               peer_len)
                                      : send(sock, line, len, 0)) == -1)
                    fprintf(stderr, "chat-probe: send: %s\n", strerror(errno));
                size_t used = (size_t)(nl - line) + 1;
                memmove(line, nl + 1, line_len - used);
                line_len -= used;
            }
            if (line_len > MAX_IN)
                fatal("an input line is longer than %d bytes", MAX_IN);
        }
    }
    free(line);
    close(sock);
    if (count >= 0 && got < count) {
        fprintf(stderr, "chat-probe: %ld of %ld datagrams arrived within %ld ms\n", got, count,
                wait_ms);
        return 1;
    }
    return 0;
}
