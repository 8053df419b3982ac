/*
 * chat-client - a member of the chatroom (群聊聊天室), in two processes, as in the classroom:
 * one sends what the user types, the other receives and prints what the room says.
 *
 * Usage: chat-client [-H host] [-p port] [-i heartbeat-seconds] NAME
 *
 * Shows: a UDP client that logs in ("L NAME", answer "OK" or "ERR reason"; UDP may lose
 * either, so with no answer within 1 s it sends L again, twice at most), then forks.
 *   the child (sender, 发送)    reads lines from standard input and sends "C NAME line";
 *                               at "quit" or the end of input it simply exits;
 *   the parent (receiver, 接收) prints what arrives - "alice joined", "alice: hi",
 *                               "alice left", "admin: ..." - and sends "H NAME" every 10 s
 *                               so the server knows we are still here. When the sender has
 *                               ended, it reaps it, sends "Q NAME", waits (at most 2 s) for
 *                               the server's OK, and exits.
 * Why the parent receives, and leaves last: the shell's prompt comes back when the parent
 * exits, so the parent must be the one to go last (the classroom's reason too), after
 * reaping the sender: no orphan, no zombie. It learns that the sender has ended from a pipe
 * only the sender holds open: the pipe's end of file wakes its poll(). Sending Q from the
 * parent, after the sender is gone, also makes the server's OK mean one thing only. If the
 * parent is killed, the kernel sends the sender SIGTERM (PR_SET_PDEATHSIG): no orphan stays
 * behind reading the keyboard.
 *
 * A refused login: at a terminal it asks for another name (for "name taken" and "invalid
 * name"); otherwise - input from a pipe or a file - it prints the reason on stderr and
 * exits 1. Exit status 0 when we left the room properly (quit, end of input, Ctrl-C,
 * SIGTERM), 1 when something failed (no server, refused, dropped by the server). The server
 * ends every datagram with a newline; render_event() strips it. -H takes IPv4 or IPv6.
 *
 * Observe: ps -o pid,ppid,stat,cmd -C chat-client (two processes, parent and child)
 * See also: server.c, PROTOCOL.md, fork(2), pipe(2), prctl(2) (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h> /* Linux: PR_SET_PDEATHSIG */
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "net.h"
#include "protocol.h"

#define LOGIN_TRIES 3      /* L is sent at most this often (the first and two retries) ... */
#define LOGIN_WAIT_MS 1000 /* ... waiting this long for the answer after each */
#define QUIT_WAIT_MS 2000  /* how long to wait for the answer to Q */
#define RECV_SIZE (CHAT_MAX_DGRAM + 2) /* the longest server datagram, its newline, and one
                                          byte more: anything longer shows as too long */

static char server[NET_ADDRSTRLEN]; /* "host:port", for messages */

/* Self-pipe: the parent's SIGINT/SIGTERM handler writes into it, poll() watches it. */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int signo)
{
    int saved = errno;
    unsigned char c = (unsigned char)signo;
    ssize_t ignored = write(sig_pipe[1], &c, 1);
    (void)ignored;
    errno = saved;
}

/* Send "<cmd> <name>[ <text>]" to the server (the socket is connected to it). */
static int send_request(int sock, char cmd, const char *name, const char *text, size_t len)
{
    char msg[CHAT_MAX_DGRAM];
    int n = snprintf(msg, sizeof msg, "%c %s", cmd, name);
    if (n < 0 || (size_t)n >= sizeof msg) {
        errno = EMSGSIZE;
        return -1;
    }
    if (text != NULL) {
        if ((size_t)n + 1 + len > sizeof msg) {
            errno = EMSGSIZE;
            return -1;
        }
        msg[n++] = ' ';
        memcpy(msg + n, text, len);
        n += (int)len;
    }
    return send(sock, msg, (size_t)n, 0) == -1 ? -1 : 0;
}

/* Log in as name: 0 on "OK", 1 on "ERR reason" (reason filled in). Exits if there is no
 * server or no answer. Datagrams that are not the answer are ignored. UDP may lose the L
 * or its answer (a busy server's receive buffer overflows): with no answer within 1 s the
 * same L goes again, twice at most. A repeated L is harmless: the server answers OK again
 * when the name is already ours, from this address. */
static int login(int sock, const char *name, char *reason, size_t size)
{
    int tries = 0;
    long long deadline = 0;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0 && tries == LOGIN_TRIES)
            fatal("no answer from a chat server at %s (%d tries, %d s apart)", server,
                  LOGIN_TRIES, LOGIN_WAIT_MS / 1000);
        if (left <= 0) {
            if (send_request(sock, 'L', name, NULL, 0) == -1)
                die("send to %s", server);
            tries++;
            deadline = now_ms() + LOGIN_WAIT_MS;
            left = LOGIN_WAIT_MS;
        }
        struct pollfd p = {.fd = sock, .events = POLLIN};
        if (poll(&p, 1, (int)left) == -1 && errno != EINTR)
            die("poll");
        if (!(p.revents & (POLLIN | POLLERR)))
            continue;
        char buf[RECV_SIZE], line[CHAT_RENDER_SIZE];
        ssize_t n = recv(sock, buf, sizeof buf, 0);
        if (n == -1 && errno == ECONNREFUSED)
            fatal("no chat server at %s (connection refused)", server);
        if (n == -1)
            die("recv from %s", server);
        switch (render_event(buf, (size_t)n, line, sizeof line)) {
        case EV_OK:
            return 0;
        case EV_ERROR:
            snprintf(reason, size, "%s", line);
            return 1;
        default:
            break; /* not the answer */
        }
    }
}

/* How much of text[0..len) fits in max bytes without cutting a UTF-8 character in two
 * (a byte 10xxxxxx continues a character). */
static size_t utf8_piece(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n > 0 ? n : max;
}

/* The child: what the user types goes to the room, until "quit" or the end of input.
 * Exits 0, or 1 if something failed. */
static noreturn void sender(int sock, const char *name, int death_w)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    size_t max_text = CHAT_MAX_DGRAM - 3 - strlen(name); /* "C " name " " text */
    while (status == 0 && (n = getline(&line, &cap, stdin)) != -1) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (strcmp(line, "quit") == 0)
            break;
        for (size_t off = 0, piece; off < (size_t)n; off += piece) { /* long lines: pieces */
            piece = utf8_piece(line + off, (size_t)n - off, max_text);
            if (send_request(sock, 'C', name, line + off, piece) == -1) {
                fprintf(stderr, "%s: send to %s: %s\n", progname(), server, strerror(errno));
                status = 1;
                break;
            }
        }
    }
    if (status == 0 && ferror(stdin)) {
        fprintf(stderr, "%s: read standard input: %s\n", progname(), strerror(errno));
        status = 1;
    }
    free(line);
    close(sock);
    close(death_w); /* our end of file tells the parent we are done */
    _exit(status);
}

/* The parent: print what arrives, send heartbeats, and end after the sender. Returns the
 * exit status. */
static int receiver(int sock, const char *name, pid_t child, int death_r, long hb_ms)
{
    /* task 5 begin: receiver */
    int sender_alive = 1, acked = 0, failed = 0, gone = 0;
    long long now = now_ms(), next_hb = now + hb_ms, leave_by = 0;
    while (sender_alive || !(acked || gone || now >= leave_by)) {
        long long wait = (sender_alive ? next_hb : leave_by) - now;
        struct pollfd pfd[3] = {{.fd = sig_pipe[0], .events = POLLIN},
                                {.fd = sock, .events = POLLIN},
                                {.fd = sender_alive ? death_r : -1, .events = POLLIN}};
        if (poll(pfd, 3, wait > 0 ? (int)wait : 0) == -1 && errno != EINTR)
            die("poll");
        if (pfd[0].revents & POLLIN) { /* SIGINT or SIGTERM: leave, sender first */
            unsigned char c;
            if (read(sig_pipe[0], &c, 1) == 1 && sender_alive)
                kill(child, SIGTERM);
        }
        if (pfd[2].revents & (POLLIN | POLLHUP)) { /* the sender has ended: we leave */
            int st;
            if (waitpid(child, &st, 0) == -1)
                die("waitpid");
            sender_alive = 0;
            failed = WIFEXITED(st) && WEXITSTATUS(st) != 0;
            if (!gone && send_request(sock, 'Q', name, NULL, 0) == -1) {
                fprintf(stderr, "%s: send to %s: %s\n", progname(), server, strerror(errno));
                gone = 1;
            }
            leave_by = now_ms() + QUIT_WAIT_MS;
        }
        if (pfd[1].revents & (POLLIN | POLLERR)) {
            char buf[RECV_SIZE], line[CHAT_RENDER_SIZE];
            ssize_t n = recv(sock, buf, sizeof buf, 0);
            enum event_kind ev = n >= 0 ? render_event(buf, (size_t)n, line, sizeof line)
                                        : EV_IGNORE;
            if (n == -1 && errno == ECONNREFUSED) {
                fprintf(stderr, "%s: the chat server at %s has gone\n", progname(), server);
                gone = 1;
            } else if (n == -1 && errno != EINTR) {
                die("recv from %s", server);
            } else if (ev == EV_SHOW) {
                printf("%s\n", line);
            } else if (ev == EV_OK && !sender_alive) { /* the answer to our Q */
                acked = 1;
            } else if (ev == EV_ERROR) {
                fprintf(stderr, "%s: the server says: %s\n", progname(), line);
                if (strcmp(line, "not logged in") == 0) /* dropped after a silence? */
                    gone = 1;
            }
            if (gone && sender_alive)
                kill(child, SIGTERM);
        }
        now = now_ms();
        if (sender_alive && !gone && now >= next_hb) { /* 心跳: "still here" */
            if (send_request(sock, 'H', name, NULL, 0) == -1) {
                fprintf(stderr, "%s: send to %s: %s\n", progname(), server, strerror(errno));
                gone = errno == ECONNREFUSED;
                if (gone)
                    kill(child, SIGTERM);
            }
            next_hb = now + hb_ms;
        }
    }
    if (!acked && !gone)
        fprintf(stderr, "%s: the server did not confirm that we left\n", progname());
    return acked && !failed && !gone ? 0 : 1;
    /* task 5 end */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1", *port = "9999";
    long hb_s = 10;
    int opt;
    while ((opt = getopt(argc, argv, ":H:p:i:h")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            parse_long(optarg, 1, 65535, "port");
            port = optarg;
            break;
        case 'i':
            hb_s = parse_long(optarg, 1, 3600, "heartbeat interval in seconds");
            break;
        case 'h':
            printf("usage: chat-client [-H host] [-p port] [-i heartbeat-seconds] NAME\n"
                   "Joins the chatroom as NAME: sends each line you type, prints what the\n"
                   "others say; 'quit' or end of input leaves. See PROTOCOL.md.\n"
                   "  -H host     the server, IPv4 or IPv6 (default 127.0.0.1)\n"
                   "  -p port     the server's port (default 9999)\n"
                   "  -i seconds  send a heartbeat this often (default 10)\n"
                   "  -h          this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (argc - optind != 1)
        usage_error("give one NAME to join as");

    struct sockaddr_storage addr;
    socklen_t alen = net_resolve(host, port, SOCK_DGRAM, &addr); /* a bad host: exit 2 */
    net_addr_str((struct sockaddr *)&addr, alen, server);
    int sock = socket(addr.ss_family, SOCK_DGRAM, 0);
    if (sock == -1)
        die("socket");
    /* connect() on UDP: send() needs no address, and only the server's datagrams arrive */
    if (connect(sock, (struct sockaddr *)&addr, alen) == -1)
        die("connect %s", server);

    int interactive = isatty(STDIN_FILENO);
    char name[CHAT_MAX_DGRAM], reason[CHAT_RENDER_SIZE];
    snprintf(name, sizeof name, "%s", argv[optind]);
    while (login(sock, name, reason, sizeof reason) != 0) {
        int retry = interactive &&
                    (strcmp(reason, "name taken") == 0 || strcmp(reason, "invalid name") == 0);
        if (!retry) {
            fprintf(stderr, "%s: login refused: %s\n", progname(), reason);
            close(sock);
            return 1;
        }
        printf("%s; another name: ", reason);
        fflush(stdout);
        if (fgets(name, sizeof name, stdin) == NULL) {
            printf("\n");
            close(sock);
            return 1;
        }
        name[strcspn(name, "\n")] = '\0';
    }
    if (interactive)
        printf("joined as %s; type a line to send it, quit (or Ctrl-D) to leave\n", name);

    /* Signals are blocked across fork(), so that neither process runs a handler meant for
     * the other: the child restores the defaults before unblocking. */
    int death[2];
    if (pipe(death) == -1 || pipe(sig_pipe) == -1)
        die("pipe");
    if (set_nonblocking(sig_pipe[1]) == -1)
        die("fcntl O_NONBLOCK");
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &block, &old) == -1)
        die("sigprocmask");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_signal;
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");

    pid_t parent = getpid();
    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        sa.sa_handler = SIG_DFL;
        if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
            die_child("sigaction");
        if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
            die_child("sigprocmask");
        if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0L, 0L, 0L) == -1)
            die_child("prctl PR_SET_PDEATHSIG");
        if (getppid() != parent) /* the parent died before prctl: nobody to send for */
            _exit(1);
        close(death[0]);
        close(sig_pipe[0]);
        close(sig_pipe[1]);
        sender(sock, name, death[1]);
    }
    close(death[1]);
    if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
        die("sigprocmask");
    int status = receiver(sock, name, child, death[0], hb_s * 1000);
    close(death[0]);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    close(sock);
    return status;
}
