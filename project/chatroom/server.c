/*
 * chat-server - the chatroom (群聊聊天室) server: one UDP socket, one member table, and the
 * administrator's console, all served by one process waiting in poll().
 *
 * Usage: chat-server [-H host] [-p port] [-m max-members] [-t timeout-seconds]
 *
 * Shows: a UDP server that forwards (转发) what one member says to every other member; how
 * it knows its members by name *and* address, so that no one can speak, leave or send a
 * heartbeat for someone else; how a datagram that is too long is detected (MSG_TRUNC)
 * instead of being acted on cut short; how silent members time out; and I/O multiplexing
 * (IO多路复用): poll() waits for a datagram, a line from the administrator on standard
 * input, a signal, or the next timeout, whichever comes first. The protocol is in
 * PROTOCOL.md.
 *
 * Why poll and not the classroom's second process for the administrator? The classroom's
 * server forked a child that read the keyboard and sent each line to its own parent
 * through the socket, because one process could not block in recvfrom() and input() at
 * once. poll() lets one process wait on both, so the member table has a single owner, the
 * administrator's lines need no special "this datagram is from myself" rule (which anyone
 * able to forge the server's address could abuse), and there is no child to reap.
 *
 * Standard output carries one line, "listening on HOST:PORT"; standard error one line per
 * event (join, message, leave, drop, refuse, admin, shutdown). SIGINT/SIGTERM tell every
 * member "A server shutting down" and exit 0.
 *
 * Observe: ss -uanp | grep chat-server; strace -e trace=poll,recvmsg,sendto ./chat-server
 * See also: udp(7), recvmsg(2) (MSG_TRUNC), poll(2), members.c, protocol.c, client.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "die.h"
#include "members.h"
#include "netutil.h"
#include "protocol.h"

#define ADMIN_MAX (CHAT_MAX_DGRAM - 2) /* "A " + text fits in one datagram */
#define BATCH 64 /* datagrams handled per wake-up before looking at the other fds again */

struct server {
    int sock;
    struct members room;
    long timeout_s;
    char admin[ADMIN_MAX]; /* the administrator's line so far */
    size_t admin_len;
};

/* The self-pipe trick: the signal handler writes the signal's number into a pipe that
 * poll() watches, so a signal can never slip in between a check of a flag and poll(). */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int signo)
{
    int saved = errno;
    unsigned char c = (unsigned char)signo;
    ssize_t ignored = write(sig_pipe[1], &c, 1);
    (void)ignored; /* the pipe is full only if signals are already pending: fine */
    errno = saved;
}

/* One line on stderr for each event. */
static void event(const char *fmt, ...) PL_PRINTF(1, 2);
static void event(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

static const char *members_word(int n)
{
    return n == 1 ? "member" : "members";
}

/* Send one datagram; a failure is logged, never fatal: one bad address must not stop the
 * room. */
static void send_to(struct server *s, const struct sockaddr_in *to, const char *msg, size_t len)
{
    if (sendto(s->sock, msg, len, 0, (const struct sockaddr *)to, sizeof *to) == -1) {
        char a[ADDR_STRLEN];
        event("sendto %s: %s", addr_str(to, a), strerror(errno));
    }
}

/* Send msg to every member except slot `except` (-1: everyone); returns how many. */
static int broadcast(struct server *s, int except, const char *msg, size_t len)
{
    int n = 0;
    for (int i = members_first(&s->room); i != -1; i = members_next(&s->room, i)) {
        if (i == except)
            continue;
        send_to(s, &s->room.slot[i].addr, msg, len);
        n++;
    }
    return n;
}

static void refuse(struct server *s, const struct sockaddr_in *from, char cmd, const char *why)
{
    char reply[64], a[ADDR_STRLEN];
    int len = snprintf(reply, sizeof reply, "ERR %s", why);
    send_to(s, from, reply, (size_t)len);
    if (cmd != 0)
        event("refuse %c from %s: %s", cmd, addr_str(from, a), why);
    else
        event("refuse datagram from %s: %s", addr_str(from, a), why);
}

static void login(struct server *s, const struct request *req, const struct sockaddr_in *from)
{
    const char *why = NULL;
    int i = -1;
    if (members_find_name(&s->room, req->name) != -1)
        why = "name taken";
    else if (members_find_addr(&s->room, from) != -1)
        why = "already logged in";
    else if ((i = members_add(&s->room, req->name, from, now_ms())) == -1)
        why = "room full";
    if (why != NULL) {
        refuse(s, from, 'L', why);
        return;
    }
    char msg[CHAT_MAX_NAME + 3], a[ADDR_STRLEN];
    int len = snprintf(msg, sizeof msg, "J %s", req->name);
    broadcast(s, i, msg, (size_t)len);
    event("join %s from %s (%d %s)", req->name, addr_str(from, a), s->room.count,
          members_word(s->room.count));
    send_to(s, from, "OK", 2); /* last: once it has its OK, everyone else has been told */
}

/* C, Q and H: only from the address the name logged in from. */
static void member_request(struct server *s, const struct request *req,
                           const struct sockaddr_in *from)
{
    int i = members_find_name(&s->room, req->name);
    if (i == -1 || !same_addr(&s->room.slot[i].addr, from)) {
        refuse(s, from, req->cmd, "not logged in");
        return;
    }
    char msg[CHAT_MAX_DGRAM + 1];
    int len, n;
    switch (req->cmd) {
    case 'C':
        members_touch(&s->room, i, now_ms());
        /* "M name text" is exactly as long as the "C name text" that brought it */
        len = snprintf(msg, sizeof msg, "M %s %s", req->name, req->text);
        n = broadcast(s, i, msg, (size_t)len);
        event("message from %s: %zu bytes to %d %s", req->name, req->text_len, n,
              members_word(n));
        break;
    case 'Q':
        members_remove(&s->room, i);
        len = snprintf(msg, sizeof msg, "X %s", req->name);
        broadcast(s, -1, msg, (size_t)len);
        event("leave %s (%d %s)", req->name, s->room.count, members_word(s->room.count));
        send_to(s, from, "OK", 2); /* last, as for L */
        break;
    case 'H':
        members_touch(&s->room, i, now_ms()); /* still here: nothing else to do */
        break;
    }
}

static void handle_datagram(struct server *s, const char *buf, size_t len, int truncated,
                            const struct sockaddr_in *from)
{
    struct request req;
    /* A truncated datagram was longer than our buffer: never act on what is left of it. */
    enum req_status st = truncated ? REQ_TOO_LONG : parse_request(buf, len, &req);
    switch (st) {
    case REQ_TOO_LONG:
        refuse(s, from, 0, "message too long");
        break;
    case REQ_UNKNOWN:
        refuse(s, from, 0, "unknown command");
        break;
    case REQ_BAD_NAME: /* a bad name cannot be anyone's: "not logged in" for C, Q, H */
        refuse(s, from, req.cmd, req.cmd == 'L' ? "invalid name" : "not logged in");
        break;
    case REQ_OK:
        if (req.cmd == 'L')
            login(s, &req, from);
        else
            member_request(s, &req, from);
        break;
    }
}

/* Read what the socket holds, up to BATCH datagrams, without blocking. */
static void read_datagrams(struct server *s)
{
    char buf[CHAT_MAX_DGRAM]; /* one byte more would arrive cut short: MSG_TRUNC tells */
    for (int k = 0; k < BATCH; k++) {
        struct sockaddr_in from;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
        struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from,
                            .msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = recvmsg(s->sock, &mh, MSG_DONTWAIT);
        if (n == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                event("recvmsg: %s", strerror(errno));
            return;
        }
        if (mh.msg_namelen != sizeof from || from.sin_family != AF_INET)
            continue; /* cannot happen on an AF_INET socket; nobody to answer anyway */
        handle_datagram(s, buf, (size_t)n, (mh.msg_flags & MSG_TRUNC) != 0, &from);
    }
}

/* The administrator's line (管理员喊话): "A <text>" to every member - every line, an empty
 * one too (the protocol says every line typed is sent). */
static void admin_says(struct server *s)
{
    char msg[CHAT_MAX_DGRAM + 1] = "A ";
    sanitize(msg + 2, s->admin, s->admin_len);
    int n = broadcast(s, -1, msg, 2 + s->admin_len);
    event("admin: %zu bytes to %d %s", s->admin_len, n, members_word(n));
    s->admin_len = 0;
}

/* Standard input is readable: take what is there, line by line. Returns 0 at end of input
 * (or on an error), when standard input should not be watched any more. */
static int read_admin(struct server *s)
{
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == -1 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0) {
        if (s->admin_len > 0)
            admin_says(s); /* a last line without a newline */
        if (n == 0)
            event("standard input closed: the administrator is silent; the room goes on");
        else
            event("standard input: %s; the administrator is silent", strerror(errno));
        return 0;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            admin_says(s);
            continue;
        }
        if (s->admin_len == sizeof s->admin) /* an over-long line goes out in pieces */
            admin_says(s);
        s->admin[s->admin_len++] = buf[i];
    }
    return 1;
}

/* Drop every member silent for the timeout; returns how long poll() may sleep (ms, or -1
 * for "until something happens" when the room is empty). */
static int expire(struct server *s)
{
    long long now = now_ms(), limit = (long long)s->timeout_s * 1000;
    int i;
    while ((i = members_first(&s->room)) != -1) {
        long long idle = now - s->room.slot[i].last_ms;
        if (idle < limit) /* the oldest is not due, so nobody is */
            return (int)(limit - idle); /* at most 86400000: fits an int */
        char msg[CHAT_MAX_NAME + 3];
        int len = snprintf(msg, sizeof msg, "X %s", s->room.slot[i].name);
        members_remove(&s->room, i);
        int n = broadcast(s, -1, msg, (size_t)len);
        event("drop %s: silent for %ld s, told %d %s", msg + 2, s->timeout_s, n,
              members_word(n));
    }
    return -1;
}

static int open_socket(const char *host, long port)
{
    struct sockaddr_in a;
    resolve_ipv4(host, port, &a);
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    if (sock == -1)
        die("socket");
    /* No SO_REUSEADDR here, unlike our TCP servers. For TCP it only skips TIME_WAIT after a
     * restart; UDP has no TIME_WAIT, and on Linux SO_REUSEADDR lets a second UDP socket bind
     * the same port - a second chat-server would start silently, stealing datagrams from
     * the first. Without it the second one fails with "Address already in use". */
    if (bind(sock, (struct sockaddr *)&a, sizeof a) == -1)
        die("bind %s:%ld", host, port);
    socklen_t alen = sizeof a;
    if (getsockname(sock, (struct sockaddr *)&a, &alen) == -1) /* the port -p 0 got */
        die("getsockname");
    char buf[ADDR_STRLEN];
    printf("listening on %s\n", addr_str(&a, buf));
    fflush(stdout);
    return sock;
}

static void usage(void)
{
    printf("usage: chat-server [-H host] [-p port] [-m max-members] [-t timeout-seconds]\n"
           "The chatroom's UDP server: forwards what each member says to the others, the\n"
           "administrator's lines (standard input) to everyone; see PROTOCOL.md.\n"
           "  -H host     address to bind (default 127.0.0.1)\n"
           "  -p port     port to bind (default 9999; 0 picks a free one)\n"
           "  -m max      most members at once (default 1000)\n"
           "  -t seconds  drop a member silent for this long (default 30)\n"
           "  -h          this help\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1";
    long port = 9999, max = 1000;
    struct server s = {.timeout_s = 30};
    int opt;
    while ((opt = getopt(argc, argv, ":H:p:m:t:h")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            port = parse_long(optarg, 0, 65535, "port");
            break;
        case 'm':
            max = parse_long(optarg, 1, 100000, "number of members");
            break;
        case 't':
            s.timeout_s = parse_long(optarg, 1, 86400, "timeout in seconds");
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

    int stdin_open = fcntl(STDIN_FILENO, F_GETFD) != -1; /* started with stdin closed? */
    if (pipe(sig_pipe) == -1)
        die("pipe");
    for (int k = 0; k < 2; k++)
        if (fcntl(sig_pipe[k], F_SETFL, O_NONBLOCK) == -1)
            die("fcntl O_NONBLOCK");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_signal;
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
    sa.sa_handler = SIG_IGN; /* a closed stderr pipe must not kill the room */
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction SIGPIPE");
    if (members_init(&s.room, (int)max) == -1)
        fatal("no memory for %ld members", max);
    s.sock = open_socket(host, port);

    int signo = 0;
    while (signo == 0) {
        struct pollfd pfd[3] = {
            {.fd = sig_pipe[0], .events = POLLIN},
            {.fd = s.sock, .events = POLLIN},
            {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}, /* -1: not watched */
        };
        int timeout = expire(&s);
        if (poll(pfd, 3, timeout) == -1) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (pfd[0].revents & POLLIN) {
            unsigned char c;
            if (read(sig_pipe[0], &c, 1) == 1)
                signo = c;
        }
        if (pfd[1].revents & POLLIN)
            read_datagrams(&s);
        if (pfd[2].revents & POLLNVAL)
            stdin_open = 0;
        else if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
            stdin_open = read_admin(&s);
    }

    static const char bye[] = "A server shutting down";
    int n = broadcast(&s, -1, bye, sizeof bye - 1);
    event("shutting down on %s: told %d %s", signo == SIGINT ? "SIGINT" : "SIGTERM", n,
          members_word(n));
    members_destroy(&s.room);
    close(s.sock);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return 0;
}
