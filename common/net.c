/*
 * net.c - resolving, listening, address formatting and O_NONBLOCK (see net.h).
 */
/* SO_REUSEPORT (NET_REUSEPORT: Linux, not POSIX): glibc declares it only with its default
 * names. */
#define _DEFAULT_SOURCE
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

static struct addrinfo *lookup(const char *host, const char *port, int socktype, int flags)
{
    struct addrinfo hints, *list;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; /* IPv4 or IPv6, whichever host names */
    hints.ai_socktype = socktype;
    hints.ai_flags = flags;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0)
        usage_error("bad host '%s' or port '%s': %s", host, port, gai_strerror(rc));
    return list;
}

socklen_t net_resolve(const char *host, const char *port, int socktype,
                      struct sockaddr_storage *out)
{
    struct addrinfo *list = lookup(host, port, socktype, 0);
    socklen_t len = list->ai_addrlen;
    memset(out, 0, sizeof *out);
    memcpy(out, list->ai_addr, len);
    freeaddrinfo(list);
    return len;
}

int net_listen(const char *host, const char *port, int socktype, int flags)
{
    struct addrinfo *list = lookup(host, port, socktype, AI_PASSIVE);
    int fd = -1, err = 0;
    for (struct addrinfo *ai = list; ai != NULL && fd == -1; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd == -1) {
            err = errno;
            continue;
        }
        int one = 1;
        if (((flags & NET_REUSEADDR) &&
             setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1) ||
            ((flags & NET_REUSEPORT) &&
             setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == -1) ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
            (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) == -1)) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd == -1) {
        errno = err;
        die("bind %s port %s", host, port);
    }
    if ((flags & NET_NONBLOCK) && set_nonblocking(fd) == -1)
        die("fcntl O_NONBLOCK");
    return fd;
}

char *net_addr_str(const struct sockaddr *sa, socklen_t len, char *buf)
{
    char host[INET6_ADDRSTRLEN], port[8]; /* numeric: "ffff::1", "65535" */
    if (getnameinfo(sa, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        snprintf(buf, NET_ADDRSTRLEN, "?");
    else if (sa->sa_family == AF_INET6)
        snprintf(buf, NET_ADDRSTRLEN, "[%s]:%s", host, port);
    else
        snprintf(buf, NET_ADDRSTRLEN, "%s:%s", host, port);
    return buf;
}

char *net_local_str(int fd, char *buf)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
        die("getsockname");
    return net_addr_str((struct sockaddr *)&ss, len, buf);
}

int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1)
        return -1;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
