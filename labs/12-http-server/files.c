/*
 * files.c - the file-serving part of http-server: no escape from the document root.
 *
 * The request parser has already removed every "." and ".." segment, so a path like
 * "/img/logo.png" can only go down from the root. What is left is symbolic links: a link
 * www/evil -> /etc would lead out. Checking with realpath() first and opening afterwards
 * is a race (the link can be swapped in between: a TOCTOU bug), so this file opens the
 * path one component at a time, each relative to the directory opened before it, with
 * O_NOFOLLOW: a symbolic link anywhere in the path fails with ELOOP instead of being
 * followed, and the answer is 403. (Links that stay inside the root are refused too: the
 * price of the simple rule. Linux's openat2() with RESOLVE_BENEATH allows those.)
 *
 * Every file is opened with O_NONBLOCK, so that a FIFO placed in the root cannot block
 * a thread in open(); fstat() then refuses anything that is not a regular file.
 * See also: openat(2), fstat(2), sendfile(2) (Linux-specific), symlink(7).
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h> /* Linux: sendfile() */
#include <sys/stat.h>
#include <unistd.h>

#include "request.h"

/* The status for a failed open: which errors mean "not here" and which "not for you". */
static int open_status(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
        return 404;
    case ELOOP:  /* O_NOFOLLOW met a symbolic link (Linux) */
    case EMLINK: /* the same on FreeBSD */
    case EACCES:
    case EPERM:
        return 403;
    default: /* EMFILE, ENOMEM, EIO, ... */
        return 500;
    }
}

/* What a static site needs (a browser refuses a JavaScript module or a WebAssembly file
 * sent as application/octet-stream). */
static const struct {
    const char *ext, *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},  {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"}, {"json", "application/json"},
    {"map", "application/json"},           {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},  {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},    {"xml", "application/xml"},
    {"png", "image/png"},                  {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},                {"gif", "image/gif"},
    {"svg", "image/svg+xml"},              {"ico", "image/x-icon"},
    {"webp", "image/webp"},                {"avif", "image/avif"},
    {"wasm", "application/wasm"},          {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},                  {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},                 {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},                  {"woff", "font/woff"},
    {"woff2", "font/woff2"},               {"ttf", "font/ttf"},
    {"otf", "font/otf"},                   {"zip", "application/zip"},
};

const char *content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash + 1 : name, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* Open name in the directory dirfd, never following a symbolic link. */
static int open_beneath(int dirfd, const char *name, int flags)
{
    return openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | flags);
}

int file_open(int rootfd, const char *path, struct file *f)
{
    char rel[REQ_TARGET_MAX + 2];
    size_t len = strlen(path);
    if (path[0] != '/' || len >= sizeof rel)
        return 404;
    memcpy(rel, path + 1, len); /* "img/logo.png", "docs/", "" (with the NUL) */
    int named_as_dir = len == 1 || path[len - 1] == '/';
    if (named_as_dir && len > 1)
        rel[len - 2] = '\0'; /* "docs/" -> "docs" */

    /* Walk down the directories: "a/b/c.css" opens a, then b inside a, then c.css in b. */
    int dirfd = rootfd, fd;
    char *name = rel;
    char *slash;
    while ((slash = strchr(name, '/')) != NULL) {
        *slash = '\0';
        fd = open_beneath(dirfd, name, O_DIRECTORY);
        int status = fd == -1 ? open_status(errno) : 200;
        /* With O_DIRECTORY, Linux reports a symbolic link as ENOTDIR, like a file: tell
         * them apart, so that every symlink gets the same answer. */
        struct stat st;
        if (fd == -1 && errno == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
            status = 403;
        if (dirfd != rootfd)
            close(dirfd);
        if (fd == -1)
            return status;
        dirfd = fd;
        name = slash + 1;
    }
    /* The last component: a file, or a directory to look for index.html in. */
    const char *served = name;
    struct stat st;
    if (*name == '\0') { /* the root itself */
        fd = open_beneath(rootfd, ".", O_DIRECTORY);
    } else {
        fd = open_beneath(dirfd, name, 0);
    }
    int err = errno;
    if (dirfd != rootfd)
        close(dirfd);
    if (fd == -1)
        return open_status(err);
    if (fstat(fd, &st) == -1)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        if (!named_as_dir) {
            close(fd);
            return 301; /* "/docs" -> "/docs/", so that relative links resolve inside it */
        }
        int index = open_beneath(fd, "index.html", 0);
        err = errno;
        close(fd);
        if (index == -1)
            return open_status(err);
        fd = index;
        served = "index.html";
        if (fstat(fd, &st) == -1)
            goto fail;
    } else if (named_as_dir) {
        close(fd);
        return 404; /* "/style.css/": a file is not a directory */
    }
    if (!S_ISREG(st.st_mode)) { /* a FIFO, a socket, a device */
        close(fd);
        return 404;
    }
    f->fd = fd;
    f->size = st.st_size;
    f->mtime = st.st_mtim; /* POSIX.1-2008: the modification time in nanoseconds */
    f->type = content_type(served);
    return 200;

fail:
    close(fd);
    return 500;
}

int file_send(int sock, int fd, off_t offset, off_t size)
{
    off_t end = offset + size;
    while (offset < end) {
        /* Linux sends at most about 2 GiB per call; the loop also resumes a partial send. */
        size_t chunk = end - offset > INT_MAX ? INT_MAX : (size_t)(end - offset);
        ssize_t n = sendfile(sock, fd, &offset, chunk);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1; /* EPIPE, ECONNRESET, EAGAIN (SO_SNDTIMEO expired), ... */
        }
        if (n == 0) { /* the file is shorter than fstat() said: it was truncated */
            errno = EIO;
            return -1;
        }
    }
    return 0;
}

int file_read(int fd, char *buf, off_t offset, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, offset + (off_t)got);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) { /* truncated since fstat() */
            errno = EIO;
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}
