/*
 * mq_nonblock - a full and an empty message queue opened with O_NONBLOCK: EAGAIN instead of
 * waiting. These are the classroom's queue.Full and queue.Empty exceptions.
 *
 * Usage: mq_nonblock [-n NAME] [-m MAXMSG]
 *
 * Shows: the queue holds at most MAXMSG messages (default 3, like Queue(3)). The program
 * sends until mq_send() fails with EAGAIN - the queue is full, and O_NONBLOCK says "do not
 * wait for room" - then receives until mq_receive() fails with EAGAIN - the queue is empty.
 * Without O_NONBLOCK the first of those calls would block, and since this single process is
 * the only one that could make room (or send), it would block for ever.
 * Python: q.put(x, block=False) raises queue.Full, q.get(block=False) raises queue.Empty.
 *
 * Observe: O_NONBLOCK belongs to the open queue description (mq_flags in mq_getattr), not to
 * the queue: another process that opens the same name without it still blocks.
 * mq_setattr() switches it on an open descriptor.
 * See also: mq_open(3), mq_send(3), mq_receive(3), mq_setattr(3); mq_timeout.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

#define MSG_SIZE 64

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    long maxmsg = 3;
    int opt;
    while ((opt = getopt(argc, argv, ":n:m:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'm':
            maxmsg = parse_long(optarg, 1, 10, "maximum number of messages");
            break;
        case 'h':
            printf("usage: mq_nonblock [-n NAME] [-m MAXMSG]\n"
                   "Fills a message queue opened with O_NONBLOCK until mq_send fails with\n"
                   "EAGAIN (full), then empties it until mq_receive fails with EAGAIN (empty).\n"
                   "  -n NAME    the queue's name (default /posixlabs-05-PID); must not exist\n"
                   "  -m MAXMSG  how many messages the queue holds, 1-10 (default 3)\n"
                   "  -h         this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    char name[IPC_NAME_SIZE];
    ipc_name(name, given, "05"); /* -n NAME, or /posixlabs-05-PID */

    struct mq_attr attr = {.mq_maxmsg = maxmsg, .mq_msgsize = MSG_SIZE};
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK, 0600, &attr);
    if (q == (mqd_t)-1)
        die("mq_open %s", name);
    remove_at_exit(name, mq_unlink);
    printf("created %s with O_NONBLOCK and maxmsg %ld\n", name, maxmsg);

    /* Send until the queue is full. */
    for (long i = 1;; i++) {
        char msg[MSG_SIZE];
        int len = snprintf(msg, sizeof msg, "msg %ld", i);
        if (mq_send(q, msg, (size_t)len, 0) == 0) {
            printf("put \"%s\": ok\n", msg);
            continue;
        }
        if (errno != EAGAIN)
            die("mq_send");
        printf("put \"%s\": EAGAIN (%s): the queue is full (Python: queue.Full)\n", msg,
               strerror(errno));
        if (i != maxmsg + 1)
            fatal("the queue was full after %ld messages, not %ld", i - 1, maxmsg);
        break;
    }

    /* Receive until the queue is empty. */
    for (;;) {
        char buf[MSG_SIZE];
        ssize_t len = mq_receive(q, buf, sizeof buf, NULL);
        if (len >= 0) {
            printf("get: \"%.*s\"\n", (int)len, buf);
            continue;
        }
        if (errno != EAGAIN)
            die("mq_receive");
        printf("get: EAGAIN (%s): the queue is empty (Python: queue.Empty)\n", strerror(errno));
        break;
    }

    if (mq_close(q) == -1)
        die("mq_close");
    if (mq_unlink(name) == -1)
        die("mq_unlink %s", name);
    forget_at_exit(name);
    printf("removed %s\n", name);
    return 0;
}
