/*
 * sem_counter - lab 06's shm_race made exact: the two processes take turns at the shared
 * counter, guarded by a named semaphore (信号量) used as a lock.
 *
 * Usage: sem_counter [-n NAME] [-i N]
 *
 * Shows: the counter lives in the shared memory object /posixlabs-07-PID-counter, as in
 * shm_race. The semaphore /posixlabs-07-PID-mutex starts at 1. Around every increment each
 * process calls sem_wait() (take the one unit: the value goes 1 -> 0; whoever comes
 * second blocks until it is back) and sem_post() (give it back: 0 -> 1, and wake a
 * waiter). So only one process at a time is between the two calls - in the critical
 * section (临界区) - and no update is lost: the total is always 2 * N. That is mutual
 * exclusion (互斥). It costs time: two semaphore operations per increment, and a system call
 * whenever one process has to sleep or wake the other - compare time ./sem_counter with
 * time ../06-shm/shm_race.
 *
 * Observe: while it runs (try -i 1000000000), ls -l /dev/shm shows both objects: the counter
 * posixlabs-07-PID-counter, and the semaphore as sem.posixlabs-07-PID-mutex - named
 * semaphores on Linux are small files in /dev/shm named sem.NAME.
 * See also: sem_overview(7), sem_open(3), sem_wait(3), sem_post(3), sem_unlink(3);
 * labs/06-shm/shm_race.c; notes/ipc.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

#define NPROCS 2

/* Add 1 to *counter n times, every increment a critical section guarded by mutex. */
static void add_exactly(long *counter, sem_t *mutex, long n)
{
    /* task 1 begin: add_exactly */
    for (long i = 0; i < n; i++) {
        if (sem_wait(mutex) == -1) /* enter: 1 -> 0, or wait for the other to leave */
            die_child("sem_wait");
        (*counter)++; /* the critical section: one process at a time */
        if (sem_post(mutex) == -1) /* leave: 0 -> 1, and wake the other if it waits */
            die_child("sem_post");
    }
    /* task 1 end */
}

static noreturn void adder(long *counter, sem_t *mutex, long n, int gate[2])
{
    if (close(gate[1]) == -1)
        die_child("close");
    char c;
    ssize_t got;
    while ((got = read(gate[0], &c, 1)) == -1 && errno == EINTR)
        continue;
    if (got == -1)
        die_child("read");
    if (close(gate[0]) == -1)
        die_child("close");
    add_exactly(counter, mutex, n);
    printf("child %ld: done\n", (long)getpid());
    _exit(0);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    long n = 10000000;
    int opt;
    while ((opt = getopt(argc, argv, ":n:i:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'i':
            n = parse_long(optarg, 1, LONG_MAX / NPROCS, "number of increments");
            break;
        case 'h':
            printf("usage: sem_counter [-n NAME] [-i N]\n"
                   "Two processes add 1 to a counter in shared memory N times each, each\n"
                   "increment between sem_wait and sem_post on a named semaphore: the total\n"
                   "is exact.\n"
                   "  -n NAME  prefix of the names (default /posixlabs-07-PID): NAME-counter is\n"
                   "           the shared memory, NAME-mutex the semaphore; must not exist\n"
                   "  -i N     increments per process (default 10000000)\n"
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

    char base[IPC_NAME_SIZE], shm_name[IPC_NAME_SIZE], sem_name[IPC_NAME_SIZE];
    ipc_name(base, given, "07"); /* -n NAME, or /posixlabs-07-PID */
    snprintf(shm_name, sizeof shm_name, "%.200s-counter", base);
    snprintf(sem_name, sizeof sem_name, "%.200s-mutex", base);

    int fd = shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd == -1)
        die("shm_open %s", shm_name);
    remove_at_exit(shm_name, shm_unlink);
    if (ftruncate(fd, sizeof(long)) == -1)
        die("ftruncate");
    long *counter = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (counter == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)
        die("close");

    /* Value 1: one process at a time. The children inherit it, open, through fork(). */
    sem_t *mutex = sem_open(sem_name, O_CREAT | O_EXCL, 0600, 1);
    if (mutex == SEM_FAILED)
        die("sem_open %s", sem_name);
    remove_at_exit(sem_name, sem_unlink);
    printf("sem_counter: counter in %s; %d processes add 1 to it %ld times each, each time "
           "between sem_wait and sem_post on %s\n",
           shm_name, NPROCS, n, sem_name);

    int gate[2];
    if (pipe(gate) == -1)
        die("pipe");
    pid_t pids[NPROCS];
    for (int i = 0; i < NPROCS; i++) {
        pids[i] = fork_child();
        if (pids[i] == -1)
            die("fork");
        if (pids[i] == 0)
            adder(counter, mutex, n, gate);
    }
    if (close(gate[1]) == -1 || close(gate[0]) == -1) /* open the gate */
        die("close");
    for (int i = 0; i < NPROCS; i++) {
        int status = wait_child(pids[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fatal("child %ld failed", (long)pids[i]);
    }

    long expected = NPROCS * n, total = *counter;
    printf("total: %ld (expected %ld)\n", total, expected);
    printf("lost updates: %ld\n", expected - total);

    if (sem_close(mutex) == -1)
        die("sem_close");
    if (sem_unlink(sem_name) == -1)
        die("sem_unlink %s", sem_name);
    forget_at_exit(sem_name);
    if (munmap(counter, sizeof(long)) == -1)
        die("munmap");
    if (shm_unlink(shm_name) == -1)
        die("shm_unlink %s", shm_name);
    forget_at_exit(shm_name);
    printf("removed %s and %s\n", shm_name, sem_name);
    return 0;
}
