/*
 * shm_anon - memory mapped before fork(): with MAP_SHARED the child's writes are seen by
 * the parent, with MAP_PRIVATE they are not.
 *
 * Usage: shm_anon
 *
 * Shows: an anonymous mapping (MAP_ANONYMOUS: memory with no file and no name behind it)
 * made before fork() is inherited by the child. Twice, the parent maps one int, sets it to
 * 1 and forks; the child sets it to 2 and exits; the parent reads it.
 *   MAP_SHARED:  both processes use the same page: the parent reads 2.
 *   MAP_PRIVATE: the child gets its own copy of the page the moment it writes
 *                (copy-on-write), like every ordinary variable after fork(): the parent
 *                still reads 1.
 * This is how a parent shares memory with its children without any name to clean up - but
 * only with its children: an unrelated process cannot find the memory (shm_open can).
 *
 * Observe: nothing appears in /dev/shm. In /proc/PID/maps the shared mapping shows as
 * "/dev/zero (deleted)" with the s flag, the private one with p.
 * See also: mmap(2) (MAP_ANONYMOUS, MAP_SHARED, MAP_PRIVATE), fork(2); shm_value.c.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS: not in POSIX.1-2008 (Linux and the BSDs have it) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

/* Map one int with FLAGS, set it to 1, let a child set it to 2, and see what the parent reads. */
static void child_writes(int flags, const char *what)
{
    int *value = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    if (value == MAP_FAILED)
        die("mmap %s", what);
    *value = 1;
    printf("%s: the value is %d before fork\n", what, *value);

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        *value = 2;
        printf("  child %ld: set it to %d\n", (long)getpid(), *value);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) == -1) /* the child has written when this returns */
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the child failed");
    printf("  parent %ld: reads %d: %s\n", (long)getpid(), *value,
           *value == 2 ? "the child's write is seen (one page for both processes)"
                       : "the child wrote to its own copy (copy-on-write)");
    if (munmap(value, sizeof(int)) == -1)
        die("munmap");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            printf("usage: shm_anon\n"
                   "Maps an int with MAP_SHARED|MAP_ANONYMOUS, then with MAP_PRIVATE|\n"
                   "MAP_ANONYMOUS, forks, lets the child write to it, and shows whether the\n"
                   "parent sees the child's write.\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    child_writes(MAP_SHARED, "MAP_SHARED|MAP_ANONYMOUS");
    child_writes(MAP_PRIVATE, "MAP_PRIVATE|MAP_ANONYMOUS");
    return 0;
}
