/*
 * sem_permits - a semaphore with N units lets at most N processes in at once: N permits,
 * M workers. This is the classroom's Semaphore(num).
 *
 * Usage: sem_permits [-n NAME] [-p PERMITS] [-w WORKERS] [-v]
 *
 * Shows: the semaphore /posixlabs-07-PID-permits starts at PERMITS (default 3). Each of
 * WORKERS worker processes (default 8) takes a unit with sem_wait() before it goes "in" and
 * gives it back with sem_post() when it comes "out": while PERMITS workers are in, the next
 * one blocks in sem_wait(). Each worker counts itself in a table in shared memory: how many
 * are in now, the most that ever were, and how many ran. That table is a critical resource
 * (临界资源) of its own, so every update of it happens under a second semaphore,
 * /posixlabs-07-PID-mutex, with value 1 (a lock). At the end: the most at once was exactly
 * PERMITS, and every worker ran.
 *
 * One more thing makes "exactly" certain: the first workers stay in until the room has been
 * full once (the one that fills it opens a third semaphore, the gate, for the others).
 * Without that, on a busy machine each worker could come and go before the next one starts;
 * the most at once would be 1 - correct, but it would show nothing.
 *
 * Observe: -v prints each in and out, with how many are in, in the order they happened
 * (printed while holding the mutex). ls -l /dev/shm shows the three semaphores as
 * sem.posixlabs-07-PID-*.
 * See also: sem_overview(7), sem_open(3), sem_wait(3), sem_post(3); sem_counter.c.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS: not in POSIX.1-2008 (Linux and the BSDs have it) */
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

#define MAX_WORKERS 32

struct table { /* in shared memory; every field only with the mutex held */
    int inside;   /* workers in now */
    int most;     /* the most that were ever in at once */
    int ran;      /* workers that have been in */
    int was_full; /* the room has been full once: the gate is open */
};

static sem_t *permits, *mutex, *gate;
static struct table *t;
static int verbose;

static void lock(void)
{
    if (sem_wait(mutex) == -1)
        die_child("sem_wait mutex");
}

static void unlock(void)
{
    if (sem_post(mutex) == -1)
        die_child("sem_post mutex");
}

/* Count the caller in (call it with the mutex held): the table's inside, most and ran.
 * Returns 1 if the worker must hold on until the room has been full once (then it waits on
 * the gate), 0 if it may go at once. The worker that fills the room opens the gate. */
static int count_in(int id, int npermits)
{
    t->inside++;
    if (t->inside > t->most)
        t->most = t->inside;
    t->ran++;
    int hold = !t->was_full;
    if (t->inside == npermits && !t->was_full) { /* we fill the room: open the gate */
        t->was_full = 1;
        hold = 0;
        for (int i = 0; i < npermits - 1; i++) /* for the npermits - 1 workers holding */
            if (sem_post(gate) == -1)
                die_child("sem_post gate");
    }
    if (verbose)
        printf("worker %d: in,  %d inside\n", id, t->inside);
    return hold;
}

/* Count the caller out (call it with the mutex held). */
static void count_out(int id)
{
    t->inside--;
    if (verbose)
        printf("worker %d: out, %d inside\n", id, t->inside);
}

static noreturn void worker(int id, int npermits)
{
    /* task 2 begin: worker */
    if (sem_wait(permits) == -1) /* acquire(): blocks while npermits workers are in */
        die_child("sem_wait permits");

    lock(); /* the table is shared: every update under the mutex */
    int hold = count_in(id, npermits);
    unlock();

    if (hold && sem_wait(gate) == -1) /* the "work": stay in until the room was full */
        die_child("sem_wait gate");

    lock();
    count_out(id);
    unlock();
    if (sem_post(permits) == -1) /* release(): the next worker may come in */
        die_child("sem_post permits");
    _exit(0);
    /* task 2 end */
}

/* sem_open NAME with VALUE, and remove it on every way out. */
static sem_t *new_semaphore(const char *base, const char *suffix, unsigned value)
{
    char name[IPC_NAME_SIZE];
    snprintf(name, sizeof name, "%.200s-%s", base, suffix);
    sem_t *sem = sem_open(name, O_CREAT | O_EXCL, 0600, value);
    if (sem == SEM_FAILED)
        die("sem_open %s", name);
    remove_at_exit(name, sem_unlink);
    return sem;
}

static void remove_semaphore(sem_t *sem, const char *base, const char *suffix)
{
    char name[IPC_NAME_SIZE];
    snprintf(name, sizeof name, "%.200s-%s", base, suffix);
    if (sem_close(sem) == -1)
        die("sem_close");
    if (sem_unlink(name) == -1)
        die("sem_unlink %s", name);
    forget_at_exit(name);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    long npermits = 3, nworkers = 8;
    int opt;
    while ((opt = getopt(argc, argv, ":n:p:w:vh")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'p':
            npermits = parse_long(optarg, 1, MAX_WORKERS, "number of permits");
            break;
        case 'w':
            nworkers = parse_long(optarg, 1, MAX_WORKERS, "number of workers");
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            printf("usage: sem_permits [-n NAME] [-p PERMITS] [-w WORKERS] [-v]\n"
                   "WORKERS processes each take one of PERMITS units of a semaphore while\n"
                   "they are in; the most in at once, counted in shared memory under a\n"
                   "mutex semaphore, is PERMITS.\n"
                   "  -n NAME     prefix of the semaphores' names (default /posixlabs-07-PID)\n"
                   "  -p PERMITS  the semaphore's value: how many may be in (default 3)\n"
                   "  -w WORKERS  how many worker processes, at least PERMITS, at most %d\n"
                   "              (default 8)\n"
                   "  -v          print every in and out\n"
                   "  -h          this help\n",
                   MAX_WORKERS);
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");
    if (nworkers < npermits)
        usage_error("need at least as many workers as permits (the room must fill)");

    char base[IPC_NAME_SIZE];
    ipc_name(base, given, "07"); /* -n NAME, or /posixlabs-07-PID */

    /* The table: anonymous shared memory, inherited by the workers through fork(). */
    t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED)
        die("mmap");
    permits = new_semaphore(base, "permits", (unsigned)npermits);
    mutex = new_semaphore(base, "mutex", 1);
    gate = new_semaphore(base, "gate", 0);
    printf("sem_permits: permits %ld (the value of %s-permits), worker processes %ld\n",
           npermits, base, nworkers);

    pid_t pids[MAX_WORKERS];
    for (int i = 0; i < nworkers; i++) {
        pids[i] = fork_child();
        if (pids[i] == -1)
            die("fork");
        if (pids[i] == 0)
            worker(i + 1, (int)npermits);
    }
    for (int i = 0; i < nworkers; i++) {
        int status = wait_child(pids[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fatal("worker %d (pid %ld) failed", i + 1, (long)pids[i]);
    }

    /* Every worker has exited: nobody else touches the table now. */
    printf("most inside at once: %d (permits: %ld)\n", t->most, npermits);
    printf("workers that ran: %d of %ld\n", t->ran, nworkers);
    int ok = t->most == npermits && t->ran == nworkers && t->inside == 0;

    remove_semaphore(permits, base, "permits");
    remove_semaphore(mutex, base, "mutex");
    remove_semaphore(gate, base, "gate");
    if (munmap(t, sizeof *t) == -1)
        die("munmap");
    printf("removed the semaphores %s-*\n", base);
    if (!ok)
        fatal("expected %ld at most, %ld that ran, 0 left inside", npermits, nworkers);
    return 0;
}
