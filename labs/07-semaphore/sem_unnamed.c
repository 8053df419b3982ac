/*
 * sem_unnamed - unnamed semaphores (sem_init with pshared = 1) in shared memory: a parent
 * and a child take strict turns, ping - pong.
 *
 * Usage: sem_unnamed [-r ROUNDS]
 *
 * Shows: an unnamed semaphore has no name and no file: it is a sem_t in memory, set up with
 * sem_init(). To work between processes it must sit in memory both can reach - here an
 * anonymous MAP_SHARED mapping made before fork() - and be initialised with pshared = 1.
 * Two of them, both starting at 0, make the processes alternate: the parent posts "ping"
 * and waits on "pong"; the child waits on "ping", answers, and posts "pong". A semaphore
 * at 0 is a signal not yet given: sem_wait() blocks until the other side's sem_post().
 * This is synchronisation (同步: doing things in an agreed order), where sem_counter used a
 * semaphore for mutual exclusion (互斥: one at a time). At the end the parent destroys
 * both with sem_destroy() - there is nothing to unlink.
 *
 * Observe: the output alternates strictly, every run; nothing appears in /dev/shm. With
 * pshared = 0 the semaphores are meant for the threads of one process, and a wake-up may
 * never reach the other process (see the README's exercises).
 * See also: sem_init(3), sem_destroy(3), sem_overview(7), mmap(2); sem_value.c.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS: not in POSIX.1-2008 (Linux and the BSDs have it) */
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

struct shared {
    sem_t ping; /* posted by the parent: "your turn" */
    sem_t pong; /* posted by the child: "done, your turn" */
    int ball;   /* the data handed over, written only by whoever has the turn */
};

/* sem_wait, but a stop signal (SIGINT, SIGTERM) in the parent ends the program cleanly. */
static void wait_turn(sem_t *sem)
{
    while (sem_wait(sem) == -1) {
        if (errno != EINTR)
            die("sem_wait");
        if (stop_signal)
            die_of_signal(); /* stops and reaps the child too */
    }
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    long rounds = 3;
    int opt;
    while ((opt = getopt(argc, argv, ":r:h")) != -1) {
        switch (opt) {
        case 'r':
            rounds = parse_long(optarg, 1, 1000000, "number of rounds");
            break;
        case 'h':
            printf("usage: sem_unnamed [-r ROUNDS]\n"
                   "A parent and a child take turns through two unnamed semaphores\n"
                   "(sem_init with pshared = 1) in an anonymous shared mapping.\n"
                   "  -r ROUNDS  how many ping-pong rounds (default 3)\n"
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

    struct shared *s =
        mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED)
        die("mmap");
    if (sem_init(&s->ping, 1, 0) == -1 || sem_init(&s->pong, 1, 0) == -1) /* pshared = 1 */
        die("sem_init");
    printf("parent %ld: two unnamed semaphores (sem_init, pshared = 1) in a shared mapping\n",
           (long)getpid());

    pid_t pid = fork_child();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        for (long r = 1; r <= rounds; r++) {
            if (sem_wait(&s->ping) == -1) /* wait for the parent's turn to end */
                die_child("sem_wait ping");
            printf("  child %ld: pong %d\n", (long)getpid(), s->ball);
            if (sem_post(&s->pong) == -1)
                die_child("sem_post pong");
        }
        _exit(0);
    }

    for (long r = 1; r <= rounds; r++) {
        s->ball = (int)r;
        printf("parent %ld: ping %d\n", (long)getpid(), s->ball);
        if (sem_post(&s->ping) == -1) /* the child's turn */
            die("sem_post ping");
        wait_turn(&s->pong); /* and back */
    }
    int status = wait_child(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the child failed");
    if (sem_destroy(&s->ping) == -1 || sem_destroy(&s->pong) == -1) /* nobody uses them now */
        die("sem_destroy");
    if (munmap(s, sizeof *s) == -1)
        die("munmap");
    printf("parent %ld: the child has exited; both semaphores destroyed\n", (long)getpid());
    return 0;
}
