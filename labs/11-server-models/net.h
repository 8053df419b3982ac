/*
 * net.h - IPv4 addresses for the lab 11 programs: build one from "-a ADDR -p PORT", print
 * one as "ADDR:PORT". Numeric addresses only (127.0.0.1), no name lookup.
 */
#ifndef LAB11_NET_H
#define LAB11_NET_H

#include <netinet/in.h>

/* "255.255.255.255:65535" and its terminating '\0' */
#define ADDR_STRLEN (INET_ADDRSTRLEN + 6)

/* Fill *sa with host (dotted IPv4) and port; a bad host is a usage error (exit 2). */
void make_addr(struct sockaddr_in *sa, const char *host, long port);

/* "ADDR:PORT" of *sa in buf (ADDR_STRLEN bytes); returns buf. */
char *addr_str(const struct sockaddr_in *sa, char *buf);

#endif
