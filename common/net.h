/*
 * net.h - the socket chores every server and client of posix-labs shares, so that each
 * program's file keeps only its lesson: resolving "HOST PORT" (IPv4 or IPv6), opening a
 * listening (TCP) or bound (UDP) socket, formatting an address as "HOST:PORT" (IPv6 as
 * "[HOST]:PORT", as in a URL), and adding O_NONBLOCK to a descriptor.
 *
 * A host that does not resolve is bad usage (exit 2), like any other bad option; a socket
 * call that fails is a runtime failure (exit 1), through die().
 * See also: getaddrinfo(3), getnameinfo(3), socket(7), ip(7), ipv6(7).
 */
#ifndef POSIXLABS_NET_H
#define POSIXLABS_NET_H

#include <netinet/in.h>
#include <sys/socket.h>

/* "[" + the longest IPv6 text + "]:65535" + NUL fit, with room to spare */
#define NET_ADDRSTRLEN 64

/* Options for net_listen(). */
enum {
    NET_NONBLOCK = 1,  /* the socket gets O_NONBLOCK */
    NET_REUSEADDR = 2, /* SO_REUSEADDR: restart at once on a port with TIME_WAIT sockets */
    NET_REUSEPORT = 4, /* SO_REUSEPORT (Linux): several sockets listen on one port, and the
                        * kernel spreads the new connections over them */
};

/* Resolve host and port (both numeric or names; port "0" is fine) for socktype
 * (SOCK_STREAM or SOCK_DGRAM) into *out; returns the address's length. The first
 * address getaddrinfo() gives wins. Unresolvable: usage_error("bad host ..."), exit 2. */
socklen_t net_resolve(const char *host, const char *port, int socktype,
                      struct sockaddr_storage *out);

/* A socket of socktype bound to host:port - the first of host's addresses that binds -
 * and, for SOCK_STREAM, listening with a backlog of SOMAXCONN. flags: NET_NONBLOCK,
 * NET_REUSEADDR, NET_REUSEPORT. Bad host: exit 2; socket/bind/listen failure: die(), exit 1. */
int net_listen(const char *host, const char *port, int socktype, int flags);

/* "HOST:PORT" of *sa, numerically, IPv6 as "[HOST]:PORT"; "?" if it cannot be
 * formatted. buf holds NET_ADDRSTRLEN bytes; returns buf. */
char *net_addr_str(const struct sockaddr *sa, socklen_t len, char *buf);

/* The same for the local address of socket fd (getsockname): what a server prints in its
 * "listening on HOST:PORT" line, with the port the kernel chose for -p 0. Dies on error. */
char *net_local_str(int fd, char *buf);

/* Add O_NONBLOCK to fd's file status flags: read them (F_GETFL), then set them with the
 * bit added, never overwrite them. Returns 0, or -1 with errno set. */
int set_nonblocking(int fd);

#endif
