/*
 * members.h - the server's member table: who is in the room, from which address, and
 * since when silent.
 *
 * The server asks three questions for every datagram, and one when a timer runs out:
 *   is this name taken?                  members_find_name   (hash on the name)
 *   is this address a member already?    members_find_addr   (hash on IP and port)
 *   who must get this broadcast?         every member, walked with members_first/next
 *   who has been silent the longest?     members_oldest      (the head of a list kept in
 *                                                              order of last activity)
 * Each answer costs O(1) (the walk O(members)), whether 3 or 1000 people are in the room.
 * The table is a fixed array of slots, allocated once for the room's capacity; a slot's
 * index identifies a member until it leaves. No I/O here.
 */
#ifndef CHAT_MEMBERS_H
#define CHAT_MEMBERS_H

#include <netinet/in.h>

#include "protocol.h"

struct member {
    char name[CHAT_MAX_NAME + 1];
    struct sockaddr_storage addr; /* where it logged in from (IPv4 or IPv6); every request
                                     must come from here */
    long long last_ms;       /* when it last sent a valid datagram (monotonic clock) */
    long long tokens;        /* the rate limit's bucket, in thousandths of a message */
    long long tokens_ms;     /* when the bucket was last filled up */
    long long slowed_ms;     /* when it was last told "ERR slow down" (0: never) */
    int older, newer;        /* the activity list, oldest first (-1 ends it); a free slot
                                uses `newer` to link the free list */
    int next_name, next_addr; /* the next slot in the same hash bucket, or -1 */
};

struct members {
    struct member *slot; /* cap slots */
    int cap, count;
    int *by_name, *by_addr; /* bucket heads (slot indexes, -1 empty), nbuckets each */
    unsigned nbuckets;      /* a power of two, at least 2 * cap: chains stay short */
    int oldest, newest;     /* ends of the activity list */
    int free;               /* the first free slot, or -1 when the room is full */
};

/* Make an empty table for up to cap members. Returns 0, or -1 if out of memory. */
int members_init(struct members *t, int cap);
void members_destroy(struct members *t);

/* The slot of the member called name (NUL-terminated) / at address a, or -1. */
int members_find_name(const struct members *t, const char *name);
int members_find_addr(const struct members *t, const struct sockaddr_storage *a);

/* Add a member (the caller has checked that neither the name nor the address is in use).
 * It becomes the most recently active. Returns its slot, or -1 if the room is full. */
int members_add(struct members *t, const char *name, const struct sockaddr_storage *a,
                long long now_ms);

/* Remove the member in slot i; the slot is free again. */
void members_remove(struct members *t, int i);

/* The member in slot i was heard from at now_ms: it moves to the newest end of the list. */
void members_touch(struct members *t, int i, long long now_ms);

/* 1 if the two addresses are the same: same family (IPv4 or IPv6), address and port. */
int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* Walking every member, oldest first:
 *     for (int i = members_first(t); i != -1; i = members_next(t, i)) ...
 * (do not add or remove members during the walk). members_first is also the member that
 * has been silent the longest, the first to time out. */
static inline int members_first(const struct members *t)
{
    return t->oldest;
}
static inline int members_next(const struct members *t, int i)
{
    return t->slot[i].newer;
}

#endif
