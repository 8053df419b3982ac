/*
 * chat-server - the chatroom (群聊聊天室) server: one UDP socket, one member table, and the
 * administrator's console, all served by one process waiting in poll().
 *
 * Usage: chat-server [-H host] [-p port] [-m max-members] [-t timeout-seconds]
 *                    [-r rate] [-b burst]
 *
 * Shows: a UDP server that forwards (转发) what one member says to every other member; how
 * it knows its members by name *and* address, so that no one can speak, leave or send a
 * heartbeat for someone else; how a datagram that is too long is detected (MSG_TRUNC)
 * instead of being acted on cut short; how silent members time out; and I/O multiplexing
 * (IO多路复用): poll() waits for a datagram, a line from the administrator on standard
 * input, a signal, or the next timeout, whichever comes first. The protocol is in
 * PROTOCOL.md.
 *
 * And how a server bounds what one client can cost the others: a member may say at most
 * -r messages a second (bursts of -b), the rest is dropped (a token bucket, 令牌桶);
 * refused datagrams are logged at most 10 lines a second, then counted; the receive
 * buffer is made large and drained in one go, so that a burst of 1000 logins is answered
 * in full. Without these, one member's flood is fanned out to everyone, and a stream of
 * forged datagrams fills the disk with log lines.
 *
 * Why poll and not the classroom's second process for the administrator? The classroom's
 * server forked a child that read the keyboard and sent each line to its own parent
 * through the socket, because one process could not block in recvfrom() and input() at
 * once. poll() lets one process wait on both, so the member table has a single owner, the
 * administrator's lines need no special "this datagram is from myself" rule (which anyone
 * able to forge the server's address could abuse), and there is no child to reap.
 *
 * Standard output carries one line, "listening on HOST:PORT" (IPv6: "[::1]:PORT"); standard
 * error one line per event (join, message, leave, drop, refuse, admin, shutdown), each
 * written at once (stderr is unbuffered). SIGINT/SIGTERM tell every member
 * "A server shutting down" and exit 0.
 *
 * Observe: ss -uanp | grep chat-server; strace -e trace=poll,recvmsg,sendto ./chat-server
 * See also: udp(7), recvmsg(2) (MSG_TRUNC), poll(2), socket(7) (SO_RCVBUF), members.c,
 * protocol.c, client.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "members.h"
#include "net.h"
#include "protocol.h"

#define ADMIN_MAX (CHAT_MAX_DGRAM - 2) /* "A " + text fits in one datagram */
#define BATCH 4096 /* datagrams handled per wake-up before looking at the other fds again */
#define RCVBUF (4 << 20) /* the receive buffer we ask for: room for thousands of datagrams */
#define REFUSED_LINES 10 /* refused datagrams logged one by one in a second, at most */
#define DEFAULT_RATE 20  /* messages a member may say a second ... */
#define DEFAULT_BURST 40 /* ... and at once, after a silence */
#define DEFAULT_TIMEOUT 30
#define DEFAULT_MAX 1000

/* The log of refused datagrams, limited: a second starts with the first refusal; up to
 * REFUSED_LINES refusals in it are logged one by one, the rest only counted. When a second
 * ends with refusals counted, "suppressed N refused datagrams" is logged and the next
 * second counts only (the flood goes on); a second that ends with none ends the flood. */
struct refusals {
    int active;       /* a second is running */
    int flooding;     /* this second only counts */
    long long since;  /* when it started (ms) */
    int lines;        /* refusals logged one by one in it */
    long suppressed;  /* refusals counted, not logged, in it */
};

struct server {
    int sock;
    struct members room;
    long timeout_s;
    long rate, burst;   /* the rate limit: messages a second (0: none), and the burst */
    struct refusals refused;
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

/* One line on stderr for each event; stderr is unbuffered, so it is written at once, in
 * the order things happened. */
static void vevent(const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

static void event(const char *fmt, ...) PL_PRINTF(1, 2);
static void event(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vevent(fmt, ap);
    va_end(ap);
}

/* The end of a second of refusals (see struct refusals), if it has come. */
static void refusals_tick(struct refusals *r, long long now)
{
    if (!r->active || now - r->since < 1000)
        return;
    if (r->suppressed > 0) { /* the flood goes on: one line for this second, count on */
        event("suppressed %ld refused datagrams", r->suppressed);
        r->suppressed = 0;
        r->flooding = 1;
        r->lines = 0;
        r->since = now;
    } else { /* a quiet second: the next refusal is logged again */
        r->active = r->flooding = 0;
    }
}

/* Log a refused datagram (or another that changes nothing: a repeated L) - unless
 * REFUSED_LINES have been logged this second: then only count it. Whoever floods the
 * server must not also flood its log (and the disk under it): 200000 forged datagrams
 * would otherwise be 200000 lines. */
static void log_refusal(struct server *s, const char *fmt, ...) PL_PRINTF(2, 3);
static void log_refusal(struct server *s, const char *fmt, ...)
{
    struct refusals *r = &s->refused;
    long long now = now_ms();
    refusals_tick(r, now);
    if (!r->active) {
        r->active = 1;
        r->since = now;
        r->lines = 0;
    }
    if (r->flooding || r->lines >= REFUSED_LINES) {
        r->suppressed++;
        return;
    }
    r->lines++;
    va_list ap;
    va_start(ap, fmt);
    vevent(fmt, ap);
    va_end(ap);
}

static const char *members_word(int n)
{
    return n == 1 ? "member" : "members";
}

static socklen_t addr_len(const struct sockaddr_storage *a)
{
    return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static char *addr_str(const struct sockaddr_storage *a, char *buf)
{
    return net_addr_str((const struct sockaddr *)a, addr_len(a), buf);
}

/* Send one datagram: msg and the newline that ends every datagram the server sends (so
 * that each shows as its own line under nc -u). A failure is logged, never fatal: one bad
 * address must not stop the room. */
static void send_to(struct server *s, const struct sockaddr_storage *to, const char *msg,
                    size_t len)
{
    char dgram[CHAT_MAX_DGRAM + 1];
    if (len > CHAT_MAX_DGRAM)
        len = CHAT_MAX_DGRAM; /* cannot happen: every message is built to fit */
    memcpy(dgram, msg, len);
    dgram[len] = '\n';
    if (sendto(s->sock, dgram, len + 1, 0, (const struct sockaddr *)to, addr_len(to)) == -1) {
        char a[NET_ADDRSTRLEN];
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

/* Answer "ERR why" (unless reply is 0) and log the refusal (limited). */
static void refuse(struct server *s, const struct sockaddr_storage *from, char cmd,
                   const char *why, int reply)
{
    char msg[64], a[NET_ADDRSTRLEN];
    if (reply) {
        int len = snprintf(msg, sizeof msg, "ERR %s", why);
        send_to(s, from, msg, (size_t)len);
    }
    if (cmd != 0)
        log_refusal(s, "refuse %c from %s: %s", cmd, addr_str(from, a), why);
    else
        log_refusal(s, "refuse datagram from %s: %s", addr_str(from, a), why);
}

static void login(struct server *s, const struct request *req,
                  const struct sockaddr_storage *from)
{
    const char *why = NULL;
    char a[NET_ADDRSTRLEN];
    int i = members_find_name(&s->room, req->name);
    if (i != -1 && same_addr(&s->room.slot[i].addr, from)) {
        /* The same L again from the same address: the client's retry, its first OK lost
         * (or late). Answer OK again; the others were told already. It changes nothing,
         * and a client could repeat it at will: logged like a refusal (limited). */
        members_touch(&s->room, i, now_ms());
        log_refusal(s, "join %s again from %s: OK again", req->name, addr_str(from, a));
        send_to(s, from, "OK", 2);
        return;
    }
    if (i != -1)
        why = "name taken";
    else if (members_find_addr(&s->room, from) != -1)
        why = "already logged in";
    else if ((i = members_add(&s->room, req->name, from, now_ms())) == -1)
        why = "room full";
    if (why != NULL) {
        refuse(s, from, 'L', why, 1);
        return;
    }
    struct member *m = &s->room.slot[i];
    m->tokens = s->burst * 1000; /* a full bucket to start with */
    m->tokens_ms = m->last_ms;
    m->slowed_ms = m->last_ms - 1000;
    char msg[CHAT_MAX_NAME + 3];
    int len = snprintf(msg, sizeof msg, "J %s", req->name);
    broadcast(s, i, msg, (size_t)len);
    event("join %s from %s (%d %s)", req->name, addr_str(from, a), s->room.count,
          members_word(s->room.count));
    send_to(s, from, "OK", 2); /* last: once it has its OK, everyone else has been told */
}

/* The rate limit, a token bucket (令牌桶): a member's bucket fills at s->rate messages a
 * second, up to s->burst; each message takes one. An empty bucket: the message is
 * dropped. (Counted in thousandths of a message, so that a millisecond adds a whole
 * number.) Returns 1 if member m may speak now. */
static int may_speak(const struct server *s, struct member *m, long long now)
{
    if (s->rate == 0)
        return 1; /* -r 0: no limit */
    m->tokens += (now - m->tokens_ms) * s->rate; /* rate a second = rate thousandths a ms */
    m->tokens_ms = now;
    if (m->tokens > s->burst * 1000)
        m->tokens = s->burst * 1000;
    if (m->tokens < 1000)
        return 0;
    m->tokens -= 1000;
    return 1;
}

/* C from member i: "M <name> <text>" to every member but the sender (no echo), within
 * the rate limit. */
static void say(struct server *s, int i, const struct request *req,
                const struct sockaddr_storage *from)
{
    /* task 1 begin: say */
    long long now = now_ms();
    struct member *m = &s->room.slot[i];
    members_touch(&s->room, i, now);
    if (!may_speak(s, m, now)) { /* too fast: dropped; told so at most once a second */
        int tell = now - m->slowed_ms >= 1000;
        if (tell)
            m->slowed_ms = now;
        refuse(s, from, 'C', "slow down", tell);
        return;
    }
    /* "M name text" is exactly as long as the "C name text" that brought it */
    char msg[CHAT_MAX_DGRAM + 1];
    int len = snprintf(msg, sizeof msg, "M %s %s", req->name, req->text);
    int n = broadcast(s, i, msg, (size_t)len);
    event("message from %s: %zu bytes to %d %s", req->name, req->text_len, n,
          members_word(n));
    /* task 1 end */
}

/* Q from member i: it leaves; "X <name>" to the others, then OK to it. */
static void leave(struct server *s, int i, const struct request *req,
                  const struct sockaddr_storage *from)
{
    /* task 2 begin: leave */
    members_remove(&s->room, i);
    char msg[CHAT_MAX_NAME + 3];
    int len = snprintf(msg, sizeof msg, "X %s", req->name);
    broadcast(s, -1, msg, (size_t)len);
    event("leave %s (%d %s)", req->name, s->room.count, members_word(s->room.count));
    send_to(s, from, "OK", 2); /* last, as for L */
    /* task 2 end */
}

/* H from member i: still here. */
static void heartbeat(struct server *s, int i)
{
    /* task 3 begin: heartbeat */
    members_touch(&s->room, i, now_ms()); /* nothing else to do */
    /* task 3 end */
}

/* C, Q and H: only from the address the name logged in from. */
static void member_request(struct server *s, const struct request *req,
                           const struct sockaddr_storage *from)
{
    int i = members_find_name(&s->room, req->name);
    if (i == -1 || !same_addr(&s->room.slot[i].addr, from)) {
        refuse(s, from, req->cmd, "not logged in", 1);
        return;
    }
    switch (req->cmd) {
    case 'C':
        say(s, i, req, from);
        break;
    case 'Q':
        leave(s, i, req, from);
        break;
    case 'H':
        heartbeat(s, i);
        break;
    }
}

static void handle_datagram(struct server *s, const char *buf, size_t len, int truncated,
                            const struct sockaddr_storage *from)
{
    struct request req;
    /* A truncated datagram was longer than our buffer: never act on what is left of it. */
    enum req_status st = truncated ? REQ_TOO_LONG : parse_request(buf, len, &req);
    switch (st) {
    case REQ_TOO_LONG:
        refuse(s, from, 0, "message too long", 1);
        break;
    case REQ_UNKNOWN:
        refuse(s, from, 0, "unknown command", 1);
        break;
    case REQ_BAD_NAME: /* a bad name cannot be anyone's: "not logged in" for C, Q, H */
        refuse(s, from, req.cmd, req.cmd == 'L' ? "invalid name" : "not logged in", 1);
        break;
    case REQ_OK:
        if (req.cmd == 'L')
            login(s, &req, from);
        else
            member_request(s, &req, from);
        break;
    }
}

/* Read what the socket holds, until it is empty (EAGAIN) - a burst is drained in one go,
 * not one datagram per poll() - but at most BATCH datagrams, so that a flood cannot keep
 * the administrator and the signals waiting. */
static void read_datagrams(struct server *s)
{
    char buf[CHAT_MAX_DGRAM]; /* one byte more would arrive cut short: MSG_TRUNC tells */
    for (int k = 0; k < BATCH; k++) {
        struct sockaddr_storage from;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
        struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from,
                            .msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = recvmsg(s->sock, &mh, MSG_DONTWAIT);
        if (n == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                event("recvmsg: %s", strerror(errno));
            return;
        }
        if (from.ss_family != AF_INET && from.ss_family != AF_INET6)
            continue; /* cannot happen on an IP socket; nobody to answer anyway */
        handle_datagram(s, buf, (size_t)n, (mh.msg_flags & MSG_TRUNC) != 0, &from);
    }
}

/* The administrator's line (管理员喊话): "A <text>" to every member - every line, an empty
 * one too (the protocol says every line typed is sent). */
static void admin_says(struct server *s)
{
    /* task 4 begin: admin_says */
    char msg[CHAT_MAX_DGRAM + 1] = "A ";
    sanitize(msg + 2, s->admin, s->admin_len);
    int n = broadcast(s, -1, msg, 2 + s->admin_len);
    event("admin: %zu bytes to %d %s", s->admin_len, n, members_word(n));
    s->admin_len = 0;
    /* task 4 end */
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

/* Member i has been silent for the timeout: it is dropped, and the others get
 * "X <name>". */
static void drop(struct server *s, int i)
{
    /* task 3 begin: drop */
    char msg[CHAT_MAX_NAME + 3];
    int len = snprintf(msg, sizeof msg, "X %s", s->room.slot[i].name);
    members_remove(&s->room, i);
    int n = broadcast(s, -1, msg, (size_t)len);
    event("drop %s: silent for %ld s, told %d %s", msg + 2, s->timeout_s, n,
          members_word(n));
    /* task 3 end */
}

/* Drop every member silent for the timeout, and end a second of refusals that is over;
 * returns how long poll() may sleep (ms, or -1 for "until something happens"). */
static int expire(struct server *s)
{
    long long now = now_ms(), limit = (long long)s->timeout_s * 1000;
    refusals_tick(&s->refused, now);
    int wait = s->refused.active ? (int)(s->refused.since + 1000 - now) : -1;
    int i;
    while ((i = members_first(&s->room)) != -1) {
        long long idle = now - s->room.slot[i].last_ms;
        if (idle < limit) { /* the oldest is not due, so nobody is */
            int due = (int)(limit - idle); /* at most 86400000: fits an int */
            return wait == -1 || due < wait ? due : wait;
        }
        drop(s, i);
    }
    return wait;
}

static int open_socket(const char *host, const char *port)
{
    /* No SO_REUSEADDR here (flags 0), unlike our TCP servers. For TCP it only skips
     * TIME_WAIT after a restart; UDP has no TIME_WAIT, and on Linux SO_REUSEADDR lets a
     * second UDP socket bind the same port - a second chat-server would start silently,
     * stealing datagrams from the first. Without it the second one fails with "Address
     * already in use". */
    int sock = net_listen(host, port, SOCK_DGRAM, 0);
    /* A bigger receive buffer: while the server fans one message out, datagrams queue in
     * it; the default (about 200 KB, some 200 small datagrams on loopback) overflows in a
     * burst of logins, and the kernel drops the rest silently. Linux caps the size at
     * /proc/sys/net/core/rmem_max. */
    int size = RCVBUF;
    if (setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == -1)
        die("setsockopt SO_RCVBUF");
    char buf[NET_ADDRSTRLEN];
    printf("listening on %s\n", net_local_str(sock, buf)); /* with the port -p 0 got */
    fflush(stdout);
    return sock;
}

static void usage(void)
{
    printf("usage: chat-server [-H host] [-p port] [-m max-members] [-t timeout-seconds]\n"
           "                   [-r rate] [-b burst]\n"
           "The chatroom's UDP server: forwards what each member says to the others, the\n"
           "administrator's lines (standard input) to everyone; see PROTOCOL.md.\n"
           "  -H host     address to bind, IPv4 or IPv6 (default 127.0.0.1)\n"
           "  -p port     port to bind (default 9999; 0 picks a free one)\n"
           "  -m max      most members at once (default %d)\n"
           "  -t seconds  drop a member silent for this long (default %d)\n"
           "  -r rate     messages a member may say a second, the rest dropped with\n"
           "              'ERR slow down' (default %d; 0: no limit)\n"
           "  -b burst    messages a member may say at once (default %d)\n"
           "  -h          this help\n",
           DEFAULT_MAX, DEFAULT_TIMEOUT, DEFAULT_RATE, DEFAULT_BURST);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1", *port = "9999";
    long max = DEFAULT_MAX;
    struct server s = {.timeout_s = DEFAULT_TIMEOUT, .rate = DEFAULT_RATE,
                       .burst = DEFAULT_BURST};
    int opt;
    while ((opt = getopt(argc, argv, ":H:p:m:t:r:b:h")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            parse_long(optarg, 0, 65535, "port");
            port = optarg;
            break;
        case 'm':
            max = parse_long(optarg, 1, 100000, "number of members");
            break;
        case 't':
            s.timeout_s = parse_long(optarg, 1, 86400, "timeout in seconds");
            break;
        case 'r':
            s.rate = parse_long(optarg, 0, 1000000, "rate");
            break;
        case 'b':
            s.burst = parse_long(optarg, 1, 1000000, "burst");
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
        if (set_nonblocking(sig_pipe[k]) == -1)
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
