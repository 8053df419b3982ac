/*
 * fileops.h - the file library: list, get and put on the server's root directory.
 *
 * This is the classroom's class that wraps the file operations (its do_list, do_get and
 * do_put), without the socket: the session (session.c) talks to the client and calls
 * these. Every name given here must already be valid (proto_valid_name): a single path
 * component, so every operation stays directly inside the root. All of them work relative
 * to the root's directory descriptor (openat, fstatat, renameat): the root is resolved
 * once, at startup, and never again.
 */
#ifndef FILESERVER_FILEOPS_H
#define FILESERVER_FILEOPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct library {
    int dirfd; /* the root directory, opened once */
};

/* The hidden temporary file of an upload; at most one per process (see put_begin). */
struct upload {
    int fd;
    char tmpname[32];
};

/* Open the root, creating it (one level, mode 0755) if it is missing. 0, or -1 (errno). */
int library_open(struct library *lib, const char *root);
void library_close(struct library *lib);

/* The names of the regular, non-hidden files directly in the root, whose names have no
 * control character, sorted bytewise. *names is a malloc'd array of malloc'd strings;
 * free it with library_free_list. 0, or -1 (errno). */
int library_list(struct library *lib, char ***names, size_t *count);
void library_free_list(char **names, size_t count);

/* Open NAME for reading: it must be a regular file, reached without following a symbolic
 * link. *size is its size at that moment. The descriptor, or -1 (errno; ENOENT for
 * anything that is not a regular file). */
int library_get(struct library *lib, const char *name, uint64_t *size);

/* An upload is written to a hidden temporary file, ".upload-<pid>", in the root; only
 * put_commit gives it its name. The name depends only on the pid, so that when a child
 * dies without cleaning up (killed by a signal), the parent, which knows the pid, can
 * remove what it left: library_remove_upload. 0, or -1 (errno). */
int library_put_begin(struct library *lib, struct upload *up);
/* fsync the data, rename the temporary file over NAME, fsync the directory: the file is
 * then durable and visible, complete, in one step. On failure the temporary file is
 * removed. 0, or -1 (errno). */
int library_put_commit(struct library *lib, struct upload *up, const char *name);
/* Close and remove the temporary file (a failed or abandoned upload). */
void library_put_abort(struct library *lib, struct upload *up);
/* Remove the temporary file process PID may have left; 1 if there was one. */
int library_remove_upload(struct library *lib, pid_t pid);

#endif
