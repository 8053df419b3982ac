/*
 * sem_value - the operations on a semaphore, one by one: the classroom's acquire(),
 * release() and get_value().
 *
 * Usage: sem_value [-n NAME] [-v VALUE] [-t MS]
 *
 * Shows: a named semaphore /posixlabs-07-PID created with VALUE units (default 2).
 *   sem_wait()      acquire(): take a unit; if there is none, block until there is one.
 *   sem_post()      release(): give a unit back (and wake a process blocked in sem_wait).
 *   sem_getvalue()  get_value(): the units left now.
 *   sem_trywait()   acquire(block=False): take a unit if there is one, else fail with
 *                   EAGAIN at once.
 *   sem_timedwait() acquire(timeout=...): wait for a unit until a deadline (an absolute
 *                   CLOCK_REALTIME time), then fail with ETIMEDOUT.
 * The program takes all VALUE units, shows that sem_trywait and sem_timedwait then fail,
 * releases one, takes it with sem_timedwait at once, and gives everything back.
 *
 * Observe: a named semaphore on Linux is a small file in /dev/shm, sem.posixlabs-07-PID:
 * run it with -t 60000 and ls -l /dev/shm while it waits. Ctrl-C or kill interrupts the
 * wait (EINTR); the program removes the semaphore (sem_unlink) and dies of the signal.
 * A value never goes below 0: on Linux sem_getvalue() says 0 while processes wait.
 * See also: sem_overview(7), sem_open(3), sem_wait(3), sem_post(3), sem_getvalue(3),
 * sem_unlink(3); notes/ipc.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "ipc_cleanup.h"

static sem_t *sem;

static int value(void)
{
    int v;
    if (sem_getvalue(sem, &v) == -1)
        die("sem_getvalue");
    return v;
}

/* sem_timedwait with a stop signal handled; returns 0, or -1 with errno ETIMEDOUT. */
static int timed_acquire(long ms, long *waited)
{
    /* task 3 begin: timed_acquire */
    /* The deadline is absolute, on CLOCK_REALTIME: now + MS (common/deadline.h). */
    struct timespec deadline = deadline_after_ms(CLOCK_REALTIME, ms);
    long long start = now_ms();
    int rc;
    while ((rc = sem_timedwait(sem, &deadline)) == -1 && errno == EINTR)
        if (stop_signal) /* Ctrl-C or kill: remove the semaphore and go */
            die_of_signal();
    int saved = errno;
    *waited = (long)(now_ms() - start);
    if (rc == -1 && saved != ETIMEDOUT)
        die_en(saved, "sem_timedwait");
    errno = saved;
    return rc;
    /* task 3 end */
}

static void release(void)
{
    if (sem_post(sem) == -1)
        die("sem_post");
    printf("sem_post (release): value %d\n", value());
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    long initial = 2, ms = 200;
    int opt;
    while ((opt = getopt(argc, argv, ":n:v:t:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'v':
            initial = parse_long(optarg, 0, 10, "value");
            break;
        case 't':
            ms = parse_long(optarg, 1, 3600000, "timeout in milliseconds");
            break;
        case 'h':
            printf("usage: sem_value [-n NAME] [-v VALUE] [-t MS]\n"
                   "Creates a named semaphore with VALUE units and shows sem_wait, sem_post,\n"
                   "sem_getvalue, sem_trywait (EAGAIN) and sem_timedwait (ETIMEDOUT).\n"
                   "  -n NAME   the semaphore's name (default /posixlabs-07-PID); must not exist\n"
                   "  -v VALUE  its first value, 0-10 (default 2)\n"
                   "  -t MS     how long sem_timedwait waits, in milliseconds (default 200)\n"
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

    char name[IPC_NAME_SIZE];
    ipc_name(name, given, "07"); /* -n NAME, or /posixlabs-07-PID */

    sem = sem_open(name, O_CREAT | O_EXCL, 0600, (unsigned)initial);
    if (sem == SEM_FAILED)
        die("sem_open %s", name);
    remove_at_exit(name, sem_unlink);
    printf("created semaphore %s (the file /dev/shm/sem.%s) with value %ld\n", name, name + 1,
           initial);
    printf("sem_getvalue (get_value): %d\n", value());

    /* Take every unit: sem_wait does not block while there is one. */
    for (long i = 0; i < initial; i++) {
        while (sem_wait(sem) == -1) {
            if (errno != EINTR)
                die("sem_wait");
            if (stop_signal)
                die_of_signal();
        }
        printf("sem_wait (acquire): value %d\n", value());
    }

    if (sem_trywait(sem) == 0)
        fatal("sem_trywait took a unit that should not be there");
    if (errno != EAGAIN)
        die("sem_trywait");
    printf("sem_trywait (acquire(block=False)): EAGAIN (%s): no unit left, and no waiting\n",
           strerror(EAGAIN));

    printf("sem_timedwait (acquire(timeout=%g)), timeout %ld ms ...\n", (double)ms / 1000, ms);
    long waited;
    if (timed_acquire(ms, &waited) == 0)
        fatal("sem_timedwait took a unit that should not be there");
    printf("ETIMEDOUT after %ld ms: no unit came\n", waited);

    release();
    if (timed_acquire(ms, &waited) == -1)
        die("sem_timedwait");
    printf("sem_timedwait: got the unit at once, value %d\n", value());
    for (long i = 0; i < initial; i++)
        release();

    if (sem_close(sem) == -1)
        die("sem_close");
    if (sem_unlink(name) == -1)
        die("sem_unlink %s", name);
    forget_at_exit(name);
    printf("removed %s\n", name);
    return 0;
}
