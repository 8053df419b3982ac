/*
 * members.c - the member table (see members.h): a fixed array of slots, two hash indexes
 * with chaining (by name, by address), and a doubly linked list in order of last activity.
 *
 * Why not a plain array scanned for every datagram? With 1000 members a scan is 1000
 * string compares per datagram; a hash finds the member in one or two. The broadcast still
 * walks everyone - that is the job - but looking a member up no longer costs as much as
 * the broadcast itself, and heartbeats (100 a second from 1000 members) stay cheap. The
 * activity list makes timeouts cheap too: the member silent the longest is always at its
 * head, so the server knows exactly how long it may sleep, and expiring is O(1) per member
 * dropped. (The classroom kept its users in a dict or list; this is the same idea with
 * the lookups spelled out.)
 */
#include "members.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: a simple, decent hash for short keys. */
static uint32_t fnv1a(const void *data, size_t n, uint32_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}
#define FNV_BASIS 2166136261u

static unsigned name_bucket(const struct members *t, const char *name)
{
    return fnv1a(name, strlen(name), FNV_BASIS) & (t->nbuckets - 1);
}

/* The bytes of the IP address and of the port inside a: what identifies a sender. */
static void addr_parts(const struct sockaddr_storage *a, const void **ip, size_t *ip_len,
                       const void **port)
{
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
        *ip = &a6->sin6_addr;
        *ip_len = sizeof a6->sin6_addr;
        *port = &a6->sin6_port;
    } else {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
        *ip = &a4->sin_addr;
        *ip_len = sizeof a4->sin_addr;
        *port = &a4->sin_port;
    }
}

static unsigned addr_bucket(const struct members *t, const struct sockaddr_storage *a)
{
    const void *ip, *port;
    size_t ip_len;
    addr_parts(a, &ip, &ip_len, &port);
    uint32_t h = fnv1a(ip, ip_len, FNV_BASIS);
    return fnv1a(port, sizeof(in_port_t), h) & (t->nbuckets - 1);
}

int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    const void *ip_a, *ip_b, *port_a, *port_b;
    size_t len_a, len_b;
    if (a->ss_family != b->ss_family)
        return 0;
    addr_parts(a, &ip_a, &len_a, &port_a);
    addr_parts(b, &ip_b, &len_b, &port_b);
    return memcmp(ip_a, ip_b, len_a) == 0 && memcmp(port_a, port_b, sizeof(in_port_t)) == 0;
}

int members_init(struct members *t, int cap)
{
    memset(t, 0, sizeof *t);
    if (cap < 1)
        return -1;
    t->nbuckets = 1;
    while (t->nbuckets < 2u * (unsigned)cap)
        t->nbuckets *= 2;
    t->slot = calloc((size_t)cap, sizeof *t->slot);
    t->by_name = malloc(t->nbuckets * sizeof *t->by_name);
    t->by_addr = malloc(t->nbuckets * sizeof *t->by_addr);
    if (t->slot == NULL || t->by_name == NULL || t->by_addr == NULL) {
        members_destroy(t);
        return -1;
    }
    for (unsigned b = 0; b < t->nbuckets; b++)
        t->by_name[b] = t->by_addr[b] = -1;
    t->cap = cap;
    t->oldest = t->newest = -1;
    for (int i = 0; i < cap; i++) /* every slot on the free list, in order */
        t->slot[i].newer = i + 1 < cap ? i + 1 : -1;
    t->free = 0;
    return 0;
}

void members_destroy(struct members *t)
{
    free(t->slot);
    free(t->by_name);
    free(t->by_addr);
    memset(t, 0, sizeof *t);
}

int members_find_name(const struct members *t, const char *name)
{
    for (int i = t->by_name[name_bucket(t, name)]; i != -1; i = t->slot[i].next_name)
        if (strcmp(t->slot[i].name, name) == 0)
            return i;
    return -1;
}

int members_find_addr(const struct members *t, const struct sockaddr_storage *a)
{
    for (int i = t->by_addr[addr_bucket(t, a)]; i != -1; i = t->slot[i].next_addr)
        if (same_addr(&t->slot[i].addr, a))
            return i;
    return -1;
}

/* The activity list: unlink slot i / append it at the newest end. */
static void list_unlink(struct members *t, int i)
{
    struct member *m = &t->slot[i];
    if (m->older != -1)
        t->slot[m->older].newer = m->newer;
    else
        t->oldest = m->newer;
    if (m->newer != -1)
        t->slot[m->newer].older = m->older;
    else
        t->newest = m->older;
}

static void list_append(struct members *t, int i)
{
    struct member *m = &t->slot[i];
    m->older = t->newest;
    m->newer = -1;
    if (t->newest != -1)
        t->slot[t->newest].newer = i;
    else
        t->oldest = i;
    t->newest = i;
}

int members_add(struct members *t, const char *name, const struct sockaddr_storage *a,
                long long now_ms)
{
    int i = t->free;
    if (i == -1)
        return -1;
    struct member *m = &t->slot[i];
    t->free = m->newer;

    size_t n = strlen(name);
    if (n > CHAT_MAX_NAME)
        n = CHAT_MAX_NAME;
    memcpy(m->name, name, n);
    m->name[n] = '\0';
    m->addr = *a;
    m->last_ms = now_ms;

    unsigned b = name_bucket(t, m->name);
    m->next_name = t->by_name[b];
    t->by_name[b] = i;
    b = addr_bucket(t, a);
    m->next_addr = t->by_addr[b];
    t->by_addr[b] = i;
    list_append(t, i);
    t->count++;
    return i;
}

void members_remove(struct members *t, int i)
{
    struct member *m = &t->slot[i];
    /* Unlink from both hash chains: find the link that points at i, make it skip i. */
    int *link = &t->by_name[name_bucket(t, m->name)];
    while (*link != i)
        link = &t->slot[*link].next_name;
    *link = m->next_name;
    link = &t->by_addr[addr_bucket(t, &m->addr)];
    while (*link != i)
        link = &t->slot[*link].next_addr;
    *link = m->next_addr;

    list_unlink(t, i);
    memset(m, 0, sizeof *m);
    m->newer = t->free; /* onto the free list */
    t->free = i;
    t->count--;
}

void members_touch(struct members *t, int i, long long now_ms)
{
    t->slot[i].last_ms = now_ms;
    if (t->newest != i) {
        list_unlink(t, i);
        list_append(t, i);
    }
}
