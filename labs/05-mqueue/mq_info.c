/*
 * mq_info - mq_getattr(): a queue's size limits and how many messages it holds now. These
 * are the classroom's q.qsize(), q.full() and q.empty().
 *
 * Usage: mq_info [-n NAME] [-m MAXMSG] [-s MSGSIZE]
 *        mq_info -o NAME
 *
 * Shows: first the system's limits on message queues (/proc/sys/fs/mqueue) and this user's
 * (RLIMIT_MSGQUEUE). Then it creates a queue for MAXMSG messages (default 3) of up to
 * MSGSIZE bytes (default 128), puts messages in until it is full and takes them out until
 * it is empty, printing mq_curmsgs after each step: qsize() is mq_curmsgs, full() is
 * mq_curmsgs == mq_maxmsg, empty() is mq_curmsgs == 0. With -o it opens an existing queue,
 * made by another program, and prints its attributes without changing or removing it.
 *
 * Observe: the limits are enforced by mq_open(): a larger mq_maxmsg or mq_msgsize than
 * msg_max/msgsize_max gives EINVAL (root, with CAP_SYS_RESOURCE, may exceed them), more
 * than queues_max queues gives ENOSPC, and more bytes than RLIMIT_MSGQUEUE for one user
 * gives EMFILE: try (ulimit -q 300; ./mq_info).
 * See also: mq_getattr(3), mq_overview(7) ("/proc interfaces"), getrlimit(2); notes/ipc.md.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

/* One number from a file in /proc/sys/fs/mqueue. */
static long proc_limit(const char *file)
{
    char path[128];
    snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", file);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("open %s", path);
    long value;
    if (fscanf(f, "%ld", &value) != 1)
        fatal("%s: expected a number", path);
    if (fclose(f) == EOF)
        die("close %s", path);
    return value;
}

static void show_limits(void)
{
    printf("limits in /proc/sys/fs/mqueue: msg_max %ld, msgsize_max %ld, queues_max %ld\n",
           proc_limit("msg_max"), proc_limit("msgsize_max"), proc_limit("queues_max"));
    struct rlimit rl;
    if (getrlimit(RLIMIT_MSGQUEUE, &rl) == -1) /* Linux-specific, like the /proc files */
        die("getrlimit");
    if (rl.rlim_cur == RLIM_INFINITY)
        printf("RLIMIT_MSGQUEUE (ulimit -q): unlimited\n");
    else
        printf("RLIMIT_MSGQUEUE (ulimit -q): %llu bytes for all the queues of this user\n",
               (unsigned long long)rl.rlim_cur);
}

/* mq_getattr() and the classroom's three questions. */
static void show_size(mqd_t q, const char *what)
{
    struct mq_attr a;
    if (mq_getattr(q, &a) == -1)
        die("mq_getattr");
    printf("%-17s curmsgs %ld of %ld  (qsize() %ld, empty() %s, full() %s)\n", what,
           (long)a.mq_curmsgs, (long)a.mq_maxmsg, (long)a.mq_curmsgs,
           a.mq_curmsgs == 0 ? "True" : "False",
           a.mq_curmsgs == a.mq_maxmsg ? "True" : "False");
}

/* -o NAME: look at a queue someone else made. */
static int inspect(const char *name)
{
    mqd_t q = mq_open(name, O_RDONLY); /* no O_CREAT: it must exist */
    if (q == (mqd_t)-1)
        die("mq_open %s", name);
    struct mq_attr a;
    if (mq_getattr(q, &a) == -1)
        die("mq_getattr");
    printf("%s: maxmsg %ld, msgsize %ld, curmsgs %ld\n", name, (long)a.mq_maxmsg,
           (long)a.mq_msgsize, (long)a.mq_curmsgs);
    if (mq_close(q) == -1)
        die("mq_close");
    return 0;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL, *other = NULL;
    long maxmsg = 3, msgsize = 128;
    int opt;
    while ((opt = getopt(argc, argv, ":n:m:s:o:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'm':
            maxmsg = parse_long(optarg, 1, 10, "maximum number of messages");
            break;
        case 's':
            msgsize = parse_long(optarg, 8, 8192, "message size");
            break;
        case 'o':
            other = check_name(optarg);
            break;
        case 'h':
            printf("usage: mq_info [-n NAME] [-m MAXMSG] [-s MSGSIZE] | mq_info -o NAME\n"
                   "Shows the message queue limits, then fills and empties a queue, printing\n"
                   "its attributes (mq_getattr) after each step.\n"
                   "  -n NAME     the queue's name (default /posixlabs-05-PID); must not exist\n"
                   "  -m MAXMSG   how many messages it holds, 1-10 (default 3)\n"
                   "  -s MSGSIZE  the largest message in bytes, 8-8192 (default 128)\n"
                   "  -o NAME     only print the attributes of the existing queue NAME\n"
                   "  -h          this help\n"
                   "The ranges are Linux's default limits (msg_max 10, msgsize_max 8192).\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");
    if (other != NULL)
        return inspect(other);

    char name[IPC_NAME_SIZE];
    ipc_name(name, given, "05"); /* -n NAME, or /posixlabs-05-PID */

    show_limits();
    struct mq_attr attr = {.mq_maxmsg = maxmsg, .mq_msgsize = msgsize};
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    if (q == (mqd_t)-1)
        die("mq_open %s", name);
    remove_at_exit(name, mq_unlink);
    printf("created %s: maxmsg %ld, msgsize %ld\n", name, maxmsg, msgsize);
    show_size(q, "at first:");

    char msg[32], what[48];
    for (long i = 1; i <= maxmsg; i++) {
        int len = snprintf(msg, sizeof msg, "item %ld", i);
        if (mq_send(q, msg, (size_t)len, 0) == -1)
            die("mq_send");
        snprintf(what, sizeof what, "put \"%s\":", msg);
        show_size(q, what);
    }
    char *buf = malloc((size_t)msgsize); /* mq_receive needs room for mq_msgsize bytes */
    if (buf == NULL)
        die("malloc");
    for (long i = 1; i <= maxmsg; i++) {
        ssize_t len = mq_receive(q, buf, (size_t)msgsize, NULL);
        if (len == -1)
            die("mq_receive");
        snprintf(what, sizeof what, "get \"%.*s\":", (int)len, buf);
        show_size(q, what);
    }
    free(buf);

    if (mq_close(q) == -1)
        die("mq_close");
    if (mq_unlink(name) == -1)
        die("mq_unlink %s", name);
    forget_at_exit(name);
    printf("removed %s\n", name);
    return 0;
}
