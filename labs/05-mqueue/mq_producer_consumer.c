/*
 * mq_producer_consumer - two processes exchange messages through a POSIX message queue
 * (消息队列): the highest priority first, first in first out within one priority.
 *
 * Usage: mq_producer_consumer [-n NAME]
 *
 * Shows: the parent creates the queue /posixlabs-05-PID. A producer child opens it by name
 * and sends eight messages with priorities 0, 5 and 9, then exits: the messages stay in the
 * queue, which belongs to the kernel, not to the process that wrote them. Then a consumer
 * child opens the queue by name and receives: priority 9 first, the two 5s in the order
 * they were sent, then the 0s in order, "stop" (priority 0, sent last) last. "stop" tells
 * the consumer to finish. The parent removes the queue (mq_unlink) at the end, and on
 * Ctrl-C or kill too.
 *
 * This is the classroom's multiprocessing.Queue: q.put() is mq_send(), q.get() is
 * mq_receive(), Queue(maxsize) is mq_attr.mq_maxmsg. A Python Queue has no priorities.
 *
 * Observe: the consumer starts only after the producer has exited, so every message is in
 * the queue before the first is received, and the order you see is the queue's order. Start
 * the consumer first (see the README's exercises) and the order depends on timing.
 * See also: mq_overview(7), mq_open(3), mq_send(3), mq_receive(3); notes/ipc.md.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

#define MSG_SIZE 64 /* the largest message the queue takes, in bytes */

static const struct {
    const char *text;
    unsigned prio; /* 0 is the lowest; Linux allows up to 32767 */
} messages[] = {
    {"job 1", 0},  {"job 2", 0},    {"urgent A", 5}, {"job 3", 0},
    {"alarm!", 9}, {"urgent B", 5}, {"job 4", 0},    {"stop", 0},
};
#define NMESSAGES ((long)(sizeof messages / sizeof messages[0]))

/* A child opens the queue by its name, as an unrelated process would; the descriptor it
 * inherited from the parent (PARENT_Q) it does not need, so it closes that first. */
static noreturn void producer(const char *name, mqd_t parent_q)
{
    /* task 1 begin: producer */
    if (mq_close(parent_q) == -1)
        die_child("producer: mq_close");
    mqd_t q = mq_open(name, O_WRONLY); /* no O_CREAT: the parent made it */
    if (q == (mqd_t)-1)
        die_child("producer: mq_open %s", name);
    for (long i = 0; i < NMESSAGES; i++) {
        if (mq_send(q, messages[i].text, strlen(messages[i].text), messages[i].prio) == -1)
            die_child("producer: mq_send");
        printf("producer %ld: sent \"%s\" with priority %u\n", (long)getpid(), messages[i].text,
               messages[i].prio);
    }
    if (mq_close(q) == -1)
        die_child("producer: mq_close");
    _exit(0);
    /* task 1 end */
}

static noreturn void consumer(const char *name, mqd_t parent_q)
{
    /* task 1 begin: consumer */
    if (mq_close(parent_q) == -1)
        die_child("consumer: mq_close");
    mqd_t q = mq_open(name, O_RDONLY);
    if (q == (mqd_t)-1)
        die_child("consumer: mq_open %s", name);
    /* mq_receive() wants a buffer of at least mq_msgsize bytes (else EMSGSIZE), even when
     * the message waiting is shorter. */
    char buf[MSG_SIZE];
    for (;;) {
        unsigned prio;
        ssize_t len = mq_receive(q, buf, sizeof buf, &prio); /* blocks while it is empty */
        if (len == -1)
            die_child("consumer: mq_receive");
        printf("consumer %ld: got \"%.*s\" with priority %u\n", (long)getpid(), (int)len, buf,
               prio);
        if (len == 4 && memcmp(buf, "stop", 4) == 0)
            break;
    }
    if (mq_close(q) == -1)
        die_child("consumer: mq_close");
    _exit(0);
    /* task 1 end */
}

/* Wait for a child from fork_child(); it must have succeeded. */
static void wait_success(pid_t pid, const char *what)
{
    int status = wait_child(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the %s (pid %ld) failed", what, (long)pid);
}

static long messages_waiting(mqd_t q)
{
    struct mq_attr attr;
    if (mq_getattr(q, &attr) == -1)
        die("mq_getattr");
    return attr.mq_curmsgs;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    int opt;
    while ((opt = getopt(argc, argv, ":n:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'h':
            printf("usage: mq_producer_consumer [-n NAME]\n"
                   "A producer process sends messages with priorities to a POSIX message queue\n"
                   "and exits; a consumer process then receives them: highest priority first,\n"
                   "in the order sent within a priority.\n"
                   "  -n NAME  the queue's name (default /posixlabs-05-PID); it must not exist\n"
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

    /* Room for every message, so the producer never waits (10 is Linux's default limit). */
    struct mq_attr attr = {.mq_maxmsg = NMESSAGES, .mq_msgsize = MSG_SIZE};
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDONLY, 0600, &attr);
    if (q == (mqd_t)-1)
        die("mq_open %s", name);
    remove_at_exit(name, mq_unlink);
    printf("parent %ld: created queue %s (maxmsg %ld, msgsize %ld)\n", (long)getpid(), name,
           (long)attr.mq_maxmsg, (long)attr.mq_msgsize);

    pid_t pid = fork_child();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        producer(name, q);
    wait_success(pid, "producer");
    printf("parent %ld: the producer has exited; %ld messages wait in the queue\n",
           (long)getpid(), messages_waiting(q));
    pid = fork_child();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        consumer(name, q);
    wait_success(pid, "consumer");
    printf("parent %ld: the consumer has exited; %ld messages are left\n", (long)getpid(),
           messages_waiting(q));

    if (mq_close(q) == -1)
        die("mq_close");
    if (mq_unlink(name) == -1) /* the name goes now; the queue when nobody has it open */
        die("mq_unlink %s", name);
    forget_at_exit(name);
    printf("parent %ld: removed queue %s\n", (long)getpid(), name);
    return 0;
}
