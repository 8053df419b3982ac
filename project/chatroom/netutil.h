/*
 * netutil.h - the few network chores every chatroom program shares: turning "host" and
 * "port" into an IPv4 socket address, printing one as "1.2.3.4:5678", and a millisecond
 * clock for timeouts.
 */
#ifndef CHAT_NETUTIL_H
#define CHAT_NETUTIL_H

#include <netinet/in.h>

#define ADDR_STRLEN 32 /* "255.255.255.255:65535" and its NUL fit */

/* Fill *a with host (a name or dotted IPv4 address) and port; exits with a message (status
 * 1) if host cannot be resolved. The port must already be checked (0..65535). */
void resolve_ipv4(const char *host, long port, struct sockaddr_in *a);

/* "a.b.c.d:port" in buf (ADDR_STRLEN bytes); returns buf. */
char *addr_str(const struct sockaddr_in *a, char *buf);

/* Milliseconds on the monotonic clock (never jumps when someone sets the date). */
long long now_ms(void);

#endif
