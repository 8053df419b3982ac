/*
 * fileops.c - the file library: list, get, put on the root directory (see fileops.h).
 *
 * The safety of the server on the file side is here, in four habits:
 *   - names are single path components (checked by the caller), used only relative to the
 *     root's directory descriptor: no path is ever built from a client's bytes;
 *   - O_NOFOLLOW: a symbolic link in the root is never followed, so a link to /etc/passwd
 *     serves nothing;
 *   - the type is checked with fstat on the opened descriptor, not by path before opening
 *     (between a check by path and the open, the file could be swapped: a TOCTOU race);
 *     O_NONBLOCK on that open, so that a FIFO in the root cannot block the server;
 *   - uploads go to a hidden temporary file, renamed over the real name only when complete
 *     and flushed: rename() is atomic, so readers see the old file or the new one, never
 *     a mix, and a failed upload leaves nothing visible.
 * Observe: strace -f -e trace=openat,newfstatat,renameat,fsync,unlinkat ./file-server
 */
#include "fileops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"

int library_open(struct library *lib, const char *root)
{
    if (mkdir(root, 0755) == -1 && errno != EEXIST)
        return -1;
    lib->dirfd = open(root, O_RDONLY | O_DIRECTORY);
    return lib->dirfd == -1 ? -1 : 0;
}

void library_close(struct library *lib)
{
    if (lib->dirfd != -1)
        close(lib->dirfd);
    lib->dirfd = -1;
}

/* Listed: not hidden, no control character, a regular file (a symbolic link is not). */
static int listable(int dirfd, const char *name)
{
    /* task 1 begin: listable */
    if (name[0] == '.')
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
        return 0; /* removed since readdir saw it */
    return S_ISREG(st.st_mode);
    /* task 1 end */
}

/* strcmp compares bytes as unsigned char: a bytewise order, the same in every locale. */
static int by_bytes(const void *a, const void *b)
{
    /* task 1 begin: by_bytes */
    return strcmp(*(char *const *)a, *(char *const *)b);
    /* task 1 end */
}

void library_free_list(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

int library_list(struct library *lib, char ***names, size_t *count)
{
    /* A fresh descriptor for the directory stream: closedir() closes it, and the stream
     * starts at the beginning however often the root is listed. */
    int fd = openat(lib->dirfd, ".", O_RDONLY | O_DIRECTORY);
    if (fd == -1)
        return -1;
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        return -1;
    }
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    /* errno = 0 before every readdir(), the skipped entries' too: a file removed since
     * readdir() saw it leaves ENOENT behind, which must not read as readdir's error. */
    for (errno = 0; (e = readdir(dir)) != NULL; errno = 0) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue; /* the directory itself and its parent */
        if (!listable(lib->dirfd, e->d_name))
            continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            char **nv = realloc(v, ncap * sizeof *nv);
            if (nv == NULL)
                goto fail;
            v = nv;
            cap = ncap;
        }
        if ((v[n] = strdup(e->d_name)) == NULL)
            goto fail;
        n++;
    }
    if (errno != 0) /* readdir returns NULL at the end and on an error: errno tells */
        goto fail;
    closedir(dir);
    if (n > 1)
        qsort(v, n, sizeof *v, by_bytes);
    *names = v;
    *count = n;
    return 0;
fail:;
    int saved = errno;
    library_free_list(v, n);
    closedir(dir);
    errno = saved;
    return -1;
}

int library_get(struct library *lib, const char *name, uint64_t *size)
{
    /* task 2 begin: library_get */
    int fd = openat(lib->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (fd == -1)
        return -1; /* ELOOP for a symbolic link */
    struct stat st;
    if (fstat(fd, &st) == -1) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) { /* a directory, a FIFO, a device, a socket */
        close(fd);
        errno = ENOENT;
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
    /* task 2 end */
}

static void upload_name(char *buf, size_t len, pid_t pid)
{
    snprintf(buf, len, ".upload-%ld", (long)pid);
}

int library_put_begin(struct library *lib, struct upload *up)
{
    /* task 3 begin: put_begin */
    upload_name(up->tmpname, sizeof up->tmpname, getpid());
    /* A file of that name can only be the leftover of a dead process with our pid. */
    if (unlinkat(lib->dirfd, up->tmpname, 0) == -1 && errno != ENOENT)
        return -1;
    up->fd = openat(lib->dirfd, up->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
    return up->fd == -1 ? -1 : 0;
    /* task 3 end */
}

void library_put_abort(struct library *lib, struct upload *up)
{
    /* task 3 begin: put_abort */
    if (up->fd == -1)
        return;
    close(up->fd);
    up->fd = -1;
    unlinkat(lib->dirfd, up->tmpname, 0);
    /* task 3 end */
}

int library_put_commit(struct library *lib, struct upload *up, const char *name)
{
    /* task 3 begin: put_commit */
    /* Durable before visible: the data reaches the disk first, then the name. */
    int rc = fsync(up->fd);
    int saved = errno;
    if (close(up->fd) == -1 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    up->fd = -1;
    if (rc == 0 && renameat(lib->dirfd, up->tmpname, lib->dirfd, name) == -1) {
        rc = -1;
        saved = errno;
    }
    if (rc == -1) {
        unlinkat(lib->dirfd, up->tmpname, 0);
        errno = saved;
        return -1;
    }
    return fsync(lib->dirfd); /* the directory entry itself: the rename */
    /* task 3 end */
}

int library_remove_upload(struct library *lib, pid_t pid)
{
    char name[32];
    upload_name(name, sizeof name, pid);
    return unlinkat(lib->dirfd, name, 0) == 0;
}
