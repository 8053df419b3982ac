/*
 * filetype - the seven Linux file types (文件类型), from st_mode & S_IFMT, like ls -l.
 *
 * Usage: filetype             make one file of each type in a temporary directory, and show
 *                             each type's letter and bits (then remove them)
 *        filetype PATH...     show the type of each PATH (lstat: a symlink is a symlink)
 *
 * Shows: everything is a file, of one of seven types, which ls -l shows as the first
 * letter of the mode: - regular, d directory, l symbolic link, p FIFO (named pipe, this
 * lab), s socket (lab 11), c character device, b block device. lstat() returns st_mode,
 * one int: its type bits (st_mode & S_IFMT) and its permission bits (st_mode & 07777),
 * so st_mode == type | permissions. The program makes a regular file, a directory, a
 * symlink (symlink), a FIFO (mkfifo) and a socket (bind on an AF_UNIX address), uses
 * /dev/null as the character device and the first block device in /dev - a container
 * usually has none, and then says so on the b line.
 *
 * Observe: ls -l the same paths (filetype PATH... prints the same letter as ls -l), and
 * ls -l /dev | cut -c1 | sort | uniq -c.
 * See also: inode(7) (S_IFMT and the S_IS... macros), lstat(2), mkfifo(3), unix(7).
 */
#define _XOPEN_SOURCE 700 /* S_IFLNK and S_IFSOCK are XSI in POSIX.1-2008 (S_ISLNK is not) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h> /* major(), minor(): glibc, not POSIX */
#include <sys/un.h>
#include <unistd.h>

#include "die.h"

static char dir[] = "/tmp/filetype-XXXXXX";
static const char *const made[] = {"file", "dir", "link", "fifo", "sock"};

static void usage(void)
{
    printf("usage: filetype [PATH...]\n"
           "Shows the file type bits (st_mode & S_IFMT) and the ls -l letter of each PATH;\n"
           "without PATH, makes one file of each of the seven types and shows them.\n"
           "  PATH  a file to classify with lstat (a symlink is shown as a symlink)\n"
           "  -h    this help\n");
}

/* The ls -l letter and a name for a type. */
static char letter(mode_t m, const char **name)
{
    switch (m & S_IFMT) {
    case S_IFREG:  *name = "regular file";      return '-';
    case S_IFDIR:  *name = "directory";         return 'd';
    case S_IFLNK:  *name = "symbolic link";     return 'l';
    case S_IFIFO:  *name = "FIFO (named pipe)"; return 'p';
    case S_IFSOCK: *name = "socket";            return 's';
    case S_IFCHR:  *name = "character device";  return 'c';
    case S_IFBLK:  *name = "block device";      return 'b';
    default:       *name = "unknown";           return '?';
    }
}

/* One line: letter, st_mode = type | permissions, name, path [device numbers]. */
static void show(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == -1)
        die("lstat %s", path);
    const char *name;
    char c = letter(st.st_mode, &name);
    printf("%c  0%06o = 0%06o | %04o  %-18s %s", c, (unsigned)st.st_mode,
           (unsigned)(st.st_mode & S_IFMT), (unsigned)(st.st_mode & 07777), name, path);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        printf(" (major %u, minor %u)", major(st.st_rdev), minor(st.st_rdev));
    printf("\n");
}

/* The first block device directly in /dev, into buf; 0 if there is none. */
static int find_block_device(char *buf, size_t size)
{
    DIR *d = opendir("/dev");
    if (d == NULL)
        die("opendir /dev");
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        struct stat st;
        snprintf(buf, size, "/dev/%s", e->d_name);
        found = lstat(buf, &st) == 0 && S_ISBLK(st.st_mode);
    }
    if (closedir(d) == -1)
        die("closedir /dev");
    return found;
}

static void cleanup(void)
{
    char path[64];
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, made[i]);
        (void)(i == 1 ? rmdir(path) : unlink(path)); /* those not made yet: ENOENT */
    }
    if (rmdir(dir) == -1)
        perror("filetype: rmdir");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            usage();
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            show(argv[i]);
        return 0;
    }

    umask(022); /* the same permission bits on every machine */
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    if (atexit(cleanup) != 0)
        fatal("atexit failed");
    char path[5][64];
    for (int i = 0; i < 5; i++)
        snprintf(path[i], sizeof path[i], "%s/%s", dir, made[i]);
    FILE *f = fopen(path[0], "w");
    if (f == NULL)
        die("fopen %s", path[0]);
    if (fclose(f) != 0)
        die("fclose %s", path[0]);
    if (mkdir(path[1], 0777) == -1)
        die("mkdir %s", path[1]);
    if (symlink("file", path[2]) == -1)
        die("symlink %s", path[2]);
    if (mkfifo(path[3], 0666) == -1)
        die("mkfifo %s", path[3]);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path[4]);
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    if (sock == -1)
        die("socket");
    if (bind(sock, (struct sockaddr *)&addr, sizeof addr) == -1)
        die("bind %s", path[4]);
    if (close(sock) == -1) /* the socket file stays until it is unlinked */
        die("close");

    for (int i = 0; i < 5; i++)
        show(path[i]);
    show("/dev/null");
    char blk[300];
    if (find_block_device(blk, sizeof blk))
        show(blk);
    else
        printf("b  0%06o = 0%06o | ????  %-18s none in /dev (a container usually has none)\n",
               (unsigned)S_IFBLK, (unsigned)S_IFBLK, "block device");
    return 0;
}
