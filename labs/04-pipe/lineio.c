/*
 * lineio.c - see lineio.h.
 */
#include "lineio.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int send_line(int fd, const char *text)
{
    char line[LINE_MAX_LEN + 1];
    size_t len = strlen(text);
    if (len > LINE_MAX_LEN) {
        errno = EMSGSIZE;
        return -1;
    }
    memcpy(line, text, len);
    line[len++] = '\n';
    /* A write to a pipe of at most PIPE_BUF bytes is never partial (it waits for room),
     * but to a socket it may be: loop until everything is written. */
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, line + done, len - done);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

/* One byte per read(): slow, but it never reads past the '\n', so nothing of the next line
 * is taken away from the next call (or from another process reading the same pipe). For
 * bulk data, read big blocks and split them yourself, or use stdio (fdopen + getline). */
int read_line(int fd, char *buf, size_t size)
{
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) { /* end of file: every write end is closed */
            buf[len] = '\0';
            return len > 0 ? 1 : 0; /* a last line without '\n' still counts */
        }
        if (c == '\n') {
            buf[len] = '\0';
            return 1;
        }
        if (len == size - 1) { /* no room left for c and the '\0' */
            errno = EMSGSIZE;
            return -1;
        }
        buf[len++] = c;
    }
}
