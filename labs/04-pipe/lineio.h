/*
 * lineio.h - lines over a pipe, a FIFO or a socket, with plain read(2) and write(2).
 *
 * A pipe carries bytes, not messages: a reader may get part of what was written, or two
 * writes at once. So the programs of this lab send text as lines ending in '\n' and
 * read them back up to the '\n'. Used by pipe_simplex, pipe_duplex and the fifo programs.
 */
#ifndef POSIXLABS_LINEIO_H
#define POSIXLABS_LINEIO_H

#include <stddef.h>

/* The longest line send_line() sends (without its '\n'). */
#define LINE_MAX_LEN 1000

/* Send text followed by '\n' in one write(2) (looping only if the write is partial).
 * Returns 0, or -1 with errno set (EMSGSIZE if text is longer than LINE_MAX_LEN). */
int send_line(int fd, const char *text);

/* Read one line into buf (size bytes), without its '\n', '\0'-terminated. Returns 1 for a
 * line, 0 at end of file (read() returned 0 before any byte of a new line), -1 on error with
 * errno set: EMSGSIZE if the line does not fit in size - 1 bytes. A last line without '\n'
 * counts as a line. */
int read_line(int fd, char *buf, size_t size);

#endif
