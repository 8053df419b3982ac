/*
 * shm_race - two processes add 1 to a counter in shared memory, N times each, without any
 * synchronisation. The total is often less than 2 * N: updates are lost.
 *
 * Usage: shm_race [-n NAME] [-i N]
 *
 * Shows: `(*counter)++` looks like one step but is three: load the value into a register,
 * add 1, store it back. If both processes load the same value, say 41, both store 42: two
 * additions, but the counter went up by one. That is a lost update, and the code that
 * touches the shared counter is a critical section (临界区) that needs mutual exclusion
 * (互斥). How many updates are lost depends on timing: how often the two processes run at
 * the same moment on two cores, or are switched in the middle of the three steps on one.
 * Some runs lose none. The program prints the total and the number expected; lab 07's
 * sem_counter makes it exact with a semaphore.
 *
 * Both children wait at a "starting gate" (a pipe whose write end the parent closes once
 * both exist) so that they really run at the same time. The counter is `volatile` so that
 * the compiler does one load and one store per iteration as written, instead of adding N
 * at once: volatile does not make anything atomic or safe.
 *
 * Observe: run it a few times, and with -i 1000 (each child is done before the other one
 * starts: nothing is lost) and -i 100000000. taskset -c 0 ./shm_race runs both on one core:
 * updates are still lost, and in big chunks - a process switched out between its load and
 * its store later stores a stale value over everything the other one did meanwhile.
 * See also: shm_open(3), mmap(2); labs/07-semaphore/sem_counter.c; notes/ipc.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

#define NPROCS 2

static noreturn void adder(volatile long *counter, long n, int gate[2])
{
    /* task 2 begin: adder */
    if (close(gate[1]) == -1) /* else our own write end would keep the gate shut */
        die_child("close");
    char c;
    ssize_t got;
    while ((got = read(gate[0], &c, 1)) == -1 && errno == EINTR)
        continue;
    if (got == -1) /* 0 is end of file: the parent has opened the gate */
        die_child("read");
    if (close(gate[0]) == -1)
        die_child("close");
    for (long i = 0; i < n; i++)
        (*counter)++; /* load, add 1, store: three steps, no lock */
    printf("child %ld: done\n", (long)getpid());
    _exit(0);
    /* task 2 end */
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
            printf("usage: shm_race [-n NAME] [-i N]\n"
                   "Two processes add 1 to a counter in POSIX shared memory N times each,\n"
                   "without synchronisation, and the total is printed: updates get lost.\n"
                   "  -n NAME  the object's name (default /posixlabs-06-PID); must not exist\n"
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

    char name[IPC_NAME_SIZE];
    ipc_name(name, given, "06"); /* -n NAME, or /posixlabs-06-PID */

    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd == -1)
        die("shm_open %s", name);
    remove_at_exit(name, shm_unlink);
    if (ftruncate(fd, sizeof(long)) == -1) /* one long, and it starts at 0 */
        die("ftruncate");
    volatile long *counter =
        mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (counter == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)
        die("close");
    printf("shm_race: counter in %s; %d processes add 1 to it %ld times each, without "
           "synchronisation\n",
           name, NPROCS, n);

    int gate[2];
    if (pipe(gate) == -1)
        die("pipe");
    pid_t pids[NPROCS];
    for (int i = 0; i < NPROCS; i++) {
        pids[i] = fork_child(); /* the children inherit the shared mapping */
        if (pids[i] == -1)
            die("fork");
        if (pids[i] == 0)
            adder(counter, n, gate);
    }
    if (close(gate[1]) == -1 || close(gate[0]) == -1) /* open the gate: both read EOF */
        die("close");
    for (int i = 0; i < NPROCS; i++) {
        int status = wait_child(pids[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fatal("child %ld failed", (long)pids[i]);
    }

    long expected = NPROCS * n, total = *counter;
    printf("total: %ld (expected %ld)\n", total, expected);
    printf("lost updates: %ld\n", expected - total);

    if (munmap((void *)counter, sizeof(long)) == -1)
        die("munmap");
    if (shm_unlink(name) == -1)
        die("shm_unlink %s", name);
    forget_at_exit(name);
    printf("removed %s\n", name);
    return 0;
}
