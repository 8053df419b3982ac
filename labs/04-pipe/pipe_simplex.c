/*
 * pipe_simplex - a one-way pipe: the parent writes, the child reads until end of file.
 *
 * Usage: pipe_simplex [MESSAGE...]      (default: three messages of its own)
 *
 * Shows: pipe() gives two file descriptors, a read end and a write end, of one buffer in
 * the kernel (管道). Made before fork(), both ends are in both processes; each closes the end
 * it does not use. The parent writes one line per message and closes its write end; the
 * child reads line by line. read() blocks while the pipe is empty, and returns 0 - end of
 * file - only once *every* write end is closed. That is why the child must close its own
 * copy of the write end: with it open, the child would wait for itself forever.
 * The classroom's Pipe(duplex=False) is this: one end only reads, the other only writes.
 *
 * Observe: ls -l /proc/PID/fd while it runs (pipe:[inode] on both ends: the same inode);
 * strace -f -e trace=pipe2,read,write,close ./pipe_simplex
 * See also: pipe(2), pipe(7), read(2) ("end of file"); pipe_duplex.c; notes/ipc.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "lineio.h"

static const char *default_messages[] = {"hello, child", "a pipe carries bytes in order",
                                         "bye"};

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            printf("usage: pipe_simplex [MESSAGE...]\n"
                   "The parent writes each MESSAGE (default: three of its own) as a line into a\n"
                   "pipe and closes it; the child reads lines until end of file.\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    const char **messages = default_messages;
    int count = 3;
    if (optind < argc) {
        messages = (const char **)&argv[optind];
        count = argc - optind;
    }
    for (int i = 0; i < count; i++)
        if (strlen(messages[i]) > LINE_MAX_LEN)
            usage_error("message %d is longer than %d bytes", i + 1, LINE_MAX_LEN);

    int fds[2]; /* fds[0]: the read end, fds[1]: the write end */
    if (pipe(fds) == -1)
        die("pipe");
    printf("parent %ld: pipe() gave fd %d (read end) and fd %d (write end)\n", (long)getpid(),
           fds[0], fds[1]);

    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        /* task 1 begin: simplex_child */
        if (close(fds[1]) == -1) /* or read() would never return 0: we would be a writer */
            die_child("close");
        char line[LINE_MAX_LEN + 1];
        int r;
        while ((r = read_line(fds[0], line, sizeof line)) == 1)
            printf("child %ld: read '%s'\n", (long)getpid(), line);
        if (r == -1)
            die_child("read");
        printf("child %ld: read() returned 0: end of file, every write end is closed\n",
               (long)getpid());
        if (close(fds[0]) == -1)
            die_child("close");
        _exit(0);
        /* task 1 end */
    }

    if (close(fds[0]) == -1) /* the parent only writes */
        die("close");
    /* Printed before the first write, so before anything the child can print. */
    printf("parent %ld: writing %d lines, then closing the write end\n", (long)getpid(), count);
    for (int i = 0; i < count; i++)
        if (send_line(fds[1], messages[i]) == -1)
            die("write");
    if (close(fds[1]) == -1)
        die("close");

    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("child %ld failed (status 0x%x)", (long)child, status);
    printf("parent %ld: child %ld read everything and exited with status 0\n", (long)getpid(),
           (long)child);
    return 0;
}
