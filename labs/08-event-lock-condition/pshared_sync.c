/*
 * pshared_sync - a mutex and an Event shared by two processes: the classroom's
 * multiprocessing.Lock and multiprocessing.Event, in C.
 *
 * Usage: pshared_sync [-n INCREMENTS]
 *
 * Shows: a pthread mutex or condition variable is a small struct in memory. Put it in
 * shared memory (共享内存) and give it the attribute PTHREAD_PROCESS_SHARED, and two
 * processes can use it exactly as two threads would. Here the parent creates the shared
 * memory with shm_open(), removes the name at once (the open fd keeps the memory alive,
 * and nothing is left in /dev/shm even if the program is killed), and maps it; the child
 * made by fork() inherits the mapping. Then:
 *  - Event: the child waits; the parent writes a message into the shared memory and calls
 *    set(); the child reads the message.
 *  - Lock: both processes add 1 to a shared counter INCREMENTS times, each addition with
 *    the shared mutex held; the total is exact.
 *
 * Observe: while it runs, `ls /dev/shm` shows no posixlabs-08-* name; with a large -n,
 * `grep posixlabs /proc/$(pgrep -n pshared_sync)/maps` shows the mapping as "(deleted)".
 * See also: pthread_mutexattr_setpshared(3p), shm_open(3), mmap(2); event.h;
 * the shared-memory lab; notes/threads.md.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "event.h"

struct shared {
    pthread_mutex_t lock; /* PTHREAD_PROCESS_SHARED; protects counter */
    long counter;
    Event ready;          /* set by the parent when `message` is written */
    char message[64];
};

static void add(struct shared *sh, long n)
{
    for (long i = 0; i < n; i++) {
        int rc = pthread_mutex_lock(&sh->lock);
        if (rc != 0)
            die_en(rc, "pthread_mutex_lock");
        sh->counter++;
        if ((rc = pthread_mutex_unlock(&sh->lock)) != 0)
            die_en(rc, "pthread_mutex_unlock");
    }
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long n = 100000;
    int opt;
    while ((opt = getopt(argc, argv, ":n:h")) != -1) {
        switch (opt) {
        case 'n':
            n = parse_long(optarg, 1, 100000000, "number of increments");
            break;
        case 'h':
            printf("usage: pshared_sync [-n INCREMENTS]\n"
                   "A parent and its child share a mutex and an Event (PTHREAD_PROCESS_SHARED)\n"
                   "in shared memory: the child waits for the parent's message, then both add\n"
                   "1 to a shared counter INCREMENTS times under the mutex.\n"
                   "  -n INCREMENTS  additions per process, 1-100000000 (default 100000)\n"
                   "  -h             this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    char name[64];
    snprintf(name, sizeof name, "/posixlabs-08-%ld", (long)getpid());
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd == -1)
        die("shm_open %s", name);
    /* Remove the name at once: the open fd, and then the mapping, keep the memory alive,
     * and no exit path - not even a crash - can leave /dev/shm/posixlabs-08-* behind. */
    if (shm_unlink(name) == -1)
        die("shm_unlink %s", name);
    if (ftruncate(fd, sizeof(struct shared)) == -1)
        die("ftruncate");
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (sh == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1) /* the mapping stays without the fd */
        die("close");
    printf("parent: opened shared memory %s, unlinked the name, mapped the memory\n", name);

    /* The memory is new and zero-filled; initialise what lives in it. */
    pthread_mutexattr_t attr;
    int rc;
    if ((rc = pthread_mutexattr_init(&attr)) != 0)
        die_en(rc, "pthread_mutexattr_init");
    if ((rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)) != 0)
        die_en(rc, "pthread_mutexattr_setpshared");
    if ((rc = pthread_mutex_init(&sh->lock, &attr)) != 0)
        die_en(rc, "pthread_mutex_init");
    if ((rc = pthread_mutexattr_destroy(&attr)) != 0)
        die_en(rc, "pthread_mutexattr_destroy");
    event_init(&sh->ready, true);
    printf("parent: a mutex and an Event in it, both PTHREAD_PROCESS_SHARED\n");

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        /* The child. (event_wait() reports an impossible error with exit(), not _exit():
         * harmless here, as stdout is line-buffered and holds nothing from the parent.) */
        event_wait(&sh->ready);
        printf("child:  wait() returned; the message is \"%s\"\n", sh->message);
        add(sh, n);
        _exit(0);
    }

    printf("parent: forked child %ld, which waits for the event\n", (long)pid);
    snprintf(sh->message, sizeof sh->message, "hello from %ld", (long)getpid());
    printf("parent: wrote the message, then set()\n");
    event_set(&sh->ready);
    add(sh, n);

    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the child failed (raw wait status %d)", status);
    printf("parent: the child has exited; counter = %ld (expected 2 x %ld = %ld)\n",
           sh->counter, n, 2 * n);
    bool ok = sh->counter == 2 * n;

    event_destroy(&sh->ready);
    if ((rc = pthread_mutex_destroy(&sh->lock)) != 0)
        die_en(rc, "pthread_mutex_destroy");
    if (munmap(sh, sizeof *sh) == -1)
        die("munmap");
    return ok ? 0 : 1;
}
