/*
 * shm_array - an array of ints in POSIX shared memory, made from a list or zero-filled.
 * This is the classroom's multiprocessing.Array('i', [1, 2, 3]) and Array('i', 5).
 *
 * Usage: shm_array [-n NAME] VALUE...
 *        shm_array [-n NAME] -z COUNT
 *
 * Shows: the parent creates the object /posixlabs-06-PID with room for the ints, maps it,
 * and copies the VALUEs in - or, with -z, writes nothing at all: ftruncate() fills the new
 * bytes with zeros, so a fresh object is zero-filled for free. A child opens the object by
 * name and learns its size from fstat() (the object knows its size; the child is not told
 * COUNT), prints the elements and adds 100 to each. The parent then prints what the child
 * left there.
 *
 * Observe: the object is a file in /dev/shm (a tmpfs, a file system in memory) of COUNT * 4
 * bytes. Take out the remove_at_exit(), shm_unlink() and forget_at_exit() calls, run it, and
 * look at what is left: ls -l /dev/shm; od -A d -t d4 /dev/shm/posixlabs-06-PID prints the ints.
 * See also: shm_open(3), ftruncate(2), fstat(2), mmap(2); shm_value.c; notes/ipc.md.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ipc_cleanup.h"

#define MAX_COUNT 1000

static void print_ints(const int *a, long count)
{
    for (long i = 0; i < count; i++)
        printf(" %d", a[i]);
    printf("\n");
}

/* The child: open by name, find the size, read, change. */
static noreturn void child(const char *name)
{
    /* task 1 begin: array_child */
    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        die_child("shm_open %s", name);
    struct stat st;
    if (fstat(fd, &st) == -1)
        die_child("fstat");
    long count = (long)(st.st_size / (off_t)sizeof(int));
    int *a = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (a == MAP_FAILED)
        die_child("mmap");
    if (close(fd) == -1)
        die_child("close");
    printf("child %ld: fstat says %lld bytes, so %ld ints:", (long)getpid(),
           (long long)st.st_size, count);
    print_ints(a, count);
    for (long i = 0; i < count; i++)
        a[i] += 100;
    printf("child %ld: added 100 to each\n", (long)getpid());
    if (munmap(a, (size_t)st.st_size) == -1)
        die_child("munmap");
    _exit(0);
    /* task 1 end */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_stop_signals();
    const char *given = NULL;
    long zeros = 0; /* -z COUNT */
    int opt;
    while ((opt = getopt(argc, argv, ":n:z:h")) != -1) {
        switch (opt) {
        case 'n':
            given = check_name(optarg);
            break;
        case 'z':
            zeros = parse_long(optarg, 1, MAX_COUNT, "count");
            break;
        case 'h':
            printf("usage: shm_array [-n NAME] VALUE... | shm_array [-n NAME] -z COUNT\n"
                   "Makes an array of ints in POSIX shared memory from the VALUEs, or COUNT\n"
                   "zeros; a child opens it by name, prints it and adds 100 to each element;\n"
                   "the parent prints the result.\n"
                   "  VALUE     an element, -1000000 to 1000000 (up to %d of them; put --\n"
                   "            before a list that starts with a negative number)\n"
                   "  -z COUNT  COUNT elements, all 0 (what ftruncate gives a new object)\n"
                   "  -n NAME   the object's name (default /posixlabs-06-PID); must not exist\n"
                   "  -h        this help\n",
                   MAX_COUNT);
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    long count = zeros ? zeros : argc - optind;
    if (zeros && optind != argc)
        usage_error("give either VALUEs or -z COUNT, not both");
    if (count == 0)
        usage_error("give the VALUEs, or -z COUNT");
    if (count > MAX_COUNT)
        usage_error("at most %d VALUEs", MAX_COUNT);
    int values[MAX_COUNT];
    for (long i = 0; i < (zeros ? 0 : count); i++)
        values[i] = (int)parse_long(argv[optind + i], -1000000, 1000000, "value");

    char name[IPC_NAME_SIZE];
    ipc_name(name, given, "06"); /* -n NAME, or /posixlabs-06-PID */

    size_t size = (size_t)count * sizeof(int);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd == -1)
        die("shm_open %s", name);
    remove_at_exit(name, shm_unlink);
    if (ftruncate(fd, (off_t)size) == -1) /* the new bytes read as zeros */
        die("ftruncate");
    int *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (a == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)
        die("close");
    for (long i = 0; i < (zeros ? 0 : count); i++)
        a[i] = values[i];
    printf("parent %ld: created %s: %ld ints (%zu bytes), %s:", (long)getpid(), name, count,
           size, zeros ? "zero-filled by ftruncate" : "from the list");
    print_ints(a, count);

    pid_t pid = fork_child();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        child(name);
    int status = wait_child(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the child failed");
    printf("parent %ld: after the child:", (long)getpid());
    print_ints(a, count);

    if (munmap(a, size) == -1)
        die("munmap");
    if (shm_unlink(name) == -1)
        die("shm_unlink %s", name);
    forget_at_exit(name);
    printf("parent %ld: removed %s\n", (long)getpid(), name);
    return 0;
}
