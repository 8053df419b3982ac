/*
 * net.c - the two address helpers of net.h, shared by echo-server, echo-client and echo-load.
 * See also: inet_pton(3), inet_ntop(3), ip(7).
 */
#include "net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "die.h"

void make_addr(struct sockaddr_in *sa, const char *host, long port)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port); /* network byte order (big-endian) on the wire */
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        usage_error("bad address '%s' (expected an IPv4 address such as 127.0.0.1)", host);
}

char *addr_str(const struct sockaddr_in *sa, char *buf)
{
    char ip[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip) == NULL)
        strcpy(ip, "?");
    snprintf(buf, ADDR_STRLEN, "%s:%u", ip, (unsigned)ntohs(sa->sin_port));
    return buf;
}
