/*
 * files.h - serve static files from a document root (网站根目录): open a request's path
 * without ever leaving the root, pick the Content-Type, send the bytes with sendfile().
 *
 *     struct file f;
 *     int status = file_open(rootfd, "/img/logo.png", &f);   200: f.fd, f.size, f.type
 *     ... send the reply's head, then: file_send(sock, f.fd, f.size); close(f.fd);
 *
 * See files.c for how the root is enforced (openat + O_NOFOLLOW, one component at a time).
 */
#ifndef HTTP_FILES_H
#define HTTP_FILES_H

#include <sys/types.h>
#include <time.h>

struct file {
    int fd;                /* open for reading; the caller closes it */
    off_t size;            /* bytes, from fstat() of the open file */
    struct timespec mtime; /* when it was last modified (Last-Modified, ETag) */
    const char *type;      /* the Content-Type for its name's extension */
};

/* Open the file for a normalised request path (request.h: starts with '/', no "." or ".."
 * segments) under the directory rootfd. A directory serves its index.html.
 * Returns 200 (f is filled), 301 (a directory named without its trailing '/'), 403 (a
 * symlink, or no permission), 404 (no such file, or not a regular file) or 500. */
int file_open(int rootfd, const char *path, struct file *f);

/* The Content-Type for a file name, by its extension (case-insensitive). */
const char *content_type(const char *name);

/* Send size bytes of the file fd, from offset, to the socket sock with sendfile():
 * the kernel copies from the page cache to the socket, the bytes never enter this process.
 * Returns 0, or -1 with errno set (the client went away, the send timed out, the file
 * shrank: the reply is broken and the connection must be closed). */
int file_send(int sock, int fd, off_t offset, off_t size);

/* Read exactly size bytes of the file fd, from offset, into buf. Returns 0, or -1 with
 * errno set (EIO if the file is shorter: it was truncated). */
int file_read(int fd, char *buf, off_t offset, size_t size);

#endif
