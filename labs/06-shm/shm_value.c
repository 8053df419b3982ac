/*
 * shm_value - one number in POSIX shared memory (共享内存), written by one process and read
 * by another. This is the classroom's multiprocessing.Value.
 *
 * Usage: shm_value [-n NAME] [-v VALUE]
 *
 * Shows: the parent creates the shared memory object /posixlabs-06-PID (shm_open), gives it
 * the size of one long (ftruncate: a new object has size 0), maps it into its memory (mmap
 * with MAP_SHARED) and writes VALUE (default 5000) there with an ordinary assignment. A
 * child opens the object by its name, maps it, reads the value and writes a new one (the
 * old one plus 1000). After the child has exited, the parent reads the child's value - and
 * reads it again: reading does not use it up, unlike receiving from a queue, and each write
 * simply replaces what was there.
 *
 * Observe: the child inherits the parent's mapping through fork() and could use it as it
 * is; it opens the object by name instead, as an unrelated program would. The two mappings
 * may be at different addresses: the memory is the same. While it runs, the object is the
 * file /dev/shm/posixlabs-06-PID.
 * See also: shm_overview(7), shm_open(3), ftruncate(2), mmap(2); shm_array.c; notes/ipc.md.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

/* shm_open + mmap of an existing object of SIZE bytes; the fd is not needed afterwards. */
static long *map_by_name(const char *name, size_t size)
{
    int fd = shm_open(name, O_RDWR, 0); /* no O_CREAT: it must exist */
    if (fd == -1)
        die_child("shm_open %s", name);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die_child("mmap");
    if (close(fd) == -1) /* the mapping stays valid after close */
        die_child("close");
    return p;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    long value = 5000;
    int opt;
    while ((opt = getopt(argc, argv, ":n:v:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'v':
            value = parse_long(optarg, -1000000000, 1000000000, "value");
            break;
        case 'h':
            printf("usage: shm_value [-n NAME] [-v VALUE]\n"
                   "The parent writes VALUE into a POSIX shared memory object; a child opens it\n"
                   "by name, reads it and writes VALUE + 1000; the parent reads that.\n"
                   "  -n NAME   the object's name (default /posixlabs-06-PID); must not exist\n"
                   "  -v VALUE  the first value (default 5000)\n"
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
    ipc_name(name, given, "06"); /* -n NAME, or /posixlabs-06-PID */

    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd == -1)
        die("shm_open %s", name);
    remove_at_exit(name, shm_unlink);
    if (ftruncate(fd, sizeof(long)) == -1) /* a new object is 0 bytes long */
        die("ftruncate");
    long *shared = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shared == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)
        die("close");
    *shared = value; /* shared memory is just memory: no write() */
    printf("parent %ld: created %s (%zu bytes) and wrote %ld\n", (long)getpid(), name,
           sizeof(long), *shared);

    pid_t pid = fork_child();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        long *mine = map_by_name(name, sizeof(long));
        printf("child %ld: opened %s by name and read %ld\n", (long)getpid(), name, *mine);
        *mine += 1000;
        printf("child %ld: wrote %ld over it\n", (long)getpid(), *mine);
        _exit(0);
    }
    int status = wait_child(pid); /* also orders the accesses: the child is done */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the child failed");
    long first = *shared, second = *shared;
    printf("parent %ld: read %ld, and again: %ld (reading does not use it up)\n",
           (long)getpid(), first, second);

    if (munmap(shared, sizeof(long)) == -1)
        die("munmap");
    if (shm_unlink(name) == -1)
        die("shm_unlink %s", name);
    forget_at_exit(name);
    printf("parent %ld: removed %s\n", (long)getpid(), name);
    return 0;
}
