/*
 * netutil.c - address resolution and formatting, and a monotonic clock (see netutil.h).
 */
#include "netutil.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "die.h"

void resolve_ipv4(const char *host, long port, struct sockaddr_in *a)
{
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET; /* IPv4 only: see the README's exercises for IPv6 */
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0)
        fatal("cannot resolve host '%s': %s", host, gai_strerror(rc));
    memcpy(a, res->ai_addr, sizeof *a);
    a->sin_port = htons((uint16_t)port);
    freeaddrinfo(res);
}

char *addr_str(const struct sockaddr_in *a, char *buf)
{
    char ip[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip) == NULL)
        snprintf(ip, sizeof ip, "?");
    snprintf(buf, ADDR_STRLEN, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
    return buf;
}

long long now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
