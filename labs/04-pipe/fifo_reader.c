/*
 * fifo_reader - the reading side of a named pipe (FIFO) between unrelated processes.
 *
 * Usage: fifo_reader [-c] PATH
 *
 * Shows: a FIFO (命名管道) is a pipe with a name in the file system (`ls -l` shows type p),
 * so two processes that are not parent and child can find it: one opens it for reading, the
 * other for writing. The data never touches the disk. open() for reading waits until some
 * process opens the FIFO for writing (and the other way round): the two meet there. Then
 * the reader reads lines until end of file: read() returns 0 when every writer has closed.
 * With -c the reader makes the FIFO itself (mkfifo) and removes it when it is done.
 * The other side: fifo_writer PATH [MESSAGE...], from another terminal.
 *
 * Observe: ls -l PATH (prw-------); while it waits in open(): ps -o pid,stat,wchan:20,cmd
 * (state S); cat /proc/PID/fd after open (the FIFO's path).
 * See also: mkfifo(3), fifo(7), open(2) (O_NONBLOCK on a FIFO); fifo_writer.c; notes/ipc.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "lineio.h"

/* With -c, the FIFO we made: removed on every way out through exit(), die() included. */
static const char *fifo_to_remove;

static void remove_fifo(void)
{
    if (fifo_to_remove != NULL && unlink(fifo_to_remove) == -1)
        fprintf(stderr, "%s: unlink %s: %s\n", progname(), fifo_to_remove, strerror(errno));
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int create = 0;
    int opt;
    while ((opt = getopt(argc, argv, ":ch")) != -1) {
        switch (opt) {
        case 'c':
            create = 1;
            break;
        case 'h':
            printf("usage: fifo_reader [-c] PATH\n"
                   "Opens the FIFO at PATH for reading (waiting for a writer) and prints every\n"
                   "line it reads until end of file. The writer: fifo_writer PATH [MESSAGE...]\n"
                   "  -c  make the FIFO first (mkfifo, mode 0600) and remove it at the end\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (argc - optind != 1)
        usage_error("expected one PATH");
    const char *path = argv[optind];
    long me = (long)getpid();

    if (create) {
        if (mkfifo(path, 0600) == -1)
            die("mkfifo %s", path);
        fifo_to_remove = path;
        if (atexit(remove_fifo) != 0)
            fatal("atexit failed");
        printf("fifo_reader %ld: made the FIFO %s\n", me, path);
    } else {
        struct stat st;
        if (stat(path, &st) == -1)
            die("stat %s", path);
        if (!S_ISFIFO(st.st_mode))
            fatal("%s is not a FIFO (make one with: mkfifo %s, or use -c)", path, path);
    }

    printf("fifo_reader %ld: opening %s for reading; open() waits for a writer\n", me, path);
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        die("open %s", path);
    printf("fifo_reader %ld: open() returned: a writer has opened it too\n", me);

    char line[LINE_MAX_LEN + 1];
    int r;
    while ((r = read_line(fd, line, sizeof line)) == 1)
        printf("fifo_reader %ld: got '%s'\n", me, line);
    if (r == -1)
        die("read %s", path);
    printf("fifo_reader %ld: end of file: no writer has it open any more\n", me);
    if (close(fd) == -1)
        die("close");
    if (create) {
        fifo_to_remove = NULL; /* done here, visibly; atexit is for the error paths */
        if (unlink(path) == -1)
            die("unlink %s", path);
        printf("fifo_reader %ld: removed %s\n", me, path);
    }
    return 0;
}
