/*
 * mq_timeout - mq_timedreceive() and mq_timedsend(): wait for a message, or for room, but
 * not for ever. This is the classroom's timeout= argument of q.get() and q.put().
 *
 * Usage: mq_timeout [-n NAME] [-t MS]
 *
 * Shows: a queue with room for one message. Receiving from it while it is empty waits MS
 * milliseconds (default 200), then fails with ETIMEDOUT (Python: q.get(timeout=...) raises
 * queue.Empty). After one message is sent it is full, and a timed send waits MS and fails
 * with ETIMEDOUT too (queue.Full). A timed receive then gets the message at once: the
 * timeout only matters when the call would have to wait.
 * The timeout is an absolute time on CLOCK_REALTIME ("until 12:00:00.200"), not a
 * duration: if a signal interrupts the call, calling it again with the same deadline does
 * not wait any longer in total.
 *
 * Observe: while it waits (run it with -t 60000), it is asleep: ps -o pid,stat,wchan,cmd
 * shows state S. Ctrl-C (SIGINT) or kill (SIGTERM) interrupts the wait with EINTR; the
 * program then removes the queue and dies of the signal.
 * See also: mq_timedreceive(3), mq_timedsend(3), common/deadline.h; mq_nonblock.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "ipc_cleanup.h"

#define MSG_SIZE 64

/* 1. Receive from the empty queue, 2. fill it (it has room for one message) and send once
 * more: each call gives up with ETIMEDOUT after MS milliseconds, and says so. */
static void time_out_both_ways(mqd_t q, long ms)
{
    /* task 2 begin: time_out_both_ways */
    /* 1. Receive from the empty queue: nothing comes within the timeout. */
    char buf[MSG_SIZE];
    printf("mq_timedreceive from the empty queue, timeout %ld ms ...\n", ms);
    /* The deadline is absolute, on CLOCK_REALTIME: now + MS (common/deadline.h). */
    struct timespec deadline = deadline_after_ms(CLOCK_REALTIME, ms);
    long long start = now_ms();
    ssize_t len;
    while ((len = mq_timedreceive(q, buf, sizeof buf, NULL, &deadline)) == -1 && errno == EINTR)
        if (stop_signal) /* Ctrl-C or kill: clean up and go */
            die_of_signal();
    if (len >= 0)
        fatal("mq_timedreceive: a message came - did another process send one?");
    if (errno != ETIMEDOUT)
        die("mq_timedreceive");
    printf("ETIMEDOUT after %ld ms: nothing came (Python: q.get(timeout=%g) raises "
           "queue.Empty)\n",
           (long)(now_ms() - start), (double)ms / 1000);

    /* 2. Fill it, then send once more: no room is made within the timeout. */
    if (mq_send(q, "first", 5, 0) == -1)
        die("mq_send");
    printf("mq_send \"first\": ok, the queue is full now\n");
    printf("mq_timedsend \"second\" to the full queue, timeout %ld ms ...\n", ms);
    deadline = deadline_after_ms(CLOCK_REALTIME, ms);
    start = now_ms();
    int rc;
    while ((rc = mq_timedsend(q, "second", 6, 0, &deadline)) == -1 && errno == EINTR)
        if (stop_signal)
            die_of_signal();
    if (rc == 0)
        fatal("mq_timedsend: there was room - did another process receive?");
    if (errno != ETIMEDOUT)
        die("mq_timedsend");
    printf("ETIMEDOUT after %ld ms: no room was made (Python: q.put(x, timeout=%g) raises "
           "queue.Full)\n",
           (long)(now_ms() - start), (double)ms / 1000);
    /* task 2 end */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    long ms = 200;
    int opt;
    while ((opt = getopt(argc, argv, ":n:t:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 't':
            ms = parse_long(optarg, 1, 3600000, "timeout in milliseconds");
            break;
        case 'h':
            printf("usage: mq_timeout [-n NAME] [-t MS]\n"
                   "Times out receiving from an empty message queue and sending to a full one\n"
                   "(mq_timedreceive, mq_timedsend: ETIMEDOUT).\n"
                   "  -n NAME  the queue's name (default /posixlabs-05-PID); must not exist\n"
                   "  -t MS    how long each call waits, in milliseconds (default 200)\n"
                   "  -h       this help\n");
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

    struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = MSG_SIZE};
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    if (q == (mqd_t)-1)
        die("mq_open %s", name);
    remove_at_exit(name, mq_unlink);
    printf("created %s, room for 1 message\n", name);

    time_out_both_ways(q, ms);

    /* 3. A message is waiting: the timed receive returns at once. */
    char buf[MSG_SIZE];
    struct timespec deadline = deadline_after_ms(CLOCK_REALTIME, ms);
    ssize_t len = mq_timedreceive(q, buf, sizeof buf, NULL, &deadline);
    if (len == -1)
        die("mq_timedreceive");
    printf("mq_timedreceive: got \"%.*s\" at once\n", (int)len, buf);

    if (mq_close(q) == -1)
        die("mq_close");
    if (mq_unlink(name) == -1)
        die("mq_unlink %s", name);
    forget_at_exit(name);
    printf("removed %s\n", name);
    return 0;
}
