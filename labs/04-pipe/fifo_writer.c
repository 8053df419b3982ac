/*
 * fifo_writer - the writing side of a named pipe (FIFO) between unrelated processes.
 *
 * Usage: fifo_writer PATH [MESSAGE...]      (default: two messages of its own)
 *
 * Shows: the writer finds the FIFO by its name, like a file. open() for writing waits until
 * a reader has the FIFO open (a FIFO with no reader would be useless: a write to it would
 * raise SIGPIPE). Then each MESSAGE goes in as one line, in one write(2); a write of at most
 * PIPE_BUF bytes is atomic, so lines from several writers never mix. Closing the last write
 * end gives the reader end of file.
 * The other side: fifo_reader [-c] PATH.
 *
 * Observe: start the writer first and the reader second: now the writer waits in open().
 * Start two writers against one reader: what does the reader see?
 * See also: fifo(7), open(2), pipe(7) (PIPE_BUF); fifo_reader.c; notes/ipc.md.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "lineio.h"

static char *default_messages[] = {"hello through the FIFO", "bye"};

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            printf("usage: fifo_writer PATH [MESSAGE...]\n"
                   "Opens the FIFO at PATH for writing (waiting for a reader) and writes each\n"
                   "MESSAGE (default: two of its own) as a line. The reader: fifo_reader PATH\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind >= argc)
        usage_error("expected a PATH");
    const char *path = argv[optind++];
    char **messages = default_messages;
    int count = 2;
    if (optind < argc) {
        messages = &argv[optind];
        count = argc - optind;
    }
    for (int i = 0; i < count; i++)
        if (strlen(messages[i]) > LINE_MAX_LEN)
            usage_error("message %d is longer than %d bytes", i + 1, LINE_MAX_LEN);

    /* Without this check, a regular file at PATH would simply be written into. */
    struct stat st;
    if (stat(path, &st) == -1)
        die("stat %s", path);
    if (!S_ISFIFO(st.st_mode))
        fatal("%s is not a FIFO (make one with: mkfifo %s)", path, path);

    long me = (long)getpid();
    printf("fifo_writer %ld: opening %s for writing; open() waits for a reader\n", me, path);
    int fd = open(path, O_WRONLY);
    if (fd == -1)
        die("open %s", path);
    printf("fifo_writer %ld: open() returned: a reader has opened it too\n", me);
    for (int i = 0; i < count; i++) {
        if (send_line(fd, messages[i]) == -1)
            die("write %s", path);
        printf("fifo_writer %ld: sent '%s'\n", me, messages[i]);
    }
    if (close(fd) == -1)
        die("close");
    printf("fifo_writer %ld: closed my end: the reader sees end of file\n", me);
    return 0;
}
