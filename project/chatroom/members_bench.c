/*
 * chat-members - the member table measured: how long the server takes to find a member by
 * name and by address with members.c's hash indexes, and with the plain linear scan the
 * classroom's list would do.
 *
 * Usage: chat-members [-n members] [-k lookups]
 *
 * Shows: why the server keeps hash indexes. For every datagram but a login, chat-server
 * looks the sender's name up (is it a member, and from this address?); for a login it
 * looks up the name and the address (taken? already logged in?). This program fills a
 * table with N members (default 1000, the room's default cap) named m1..mN at
 * 127.0.0.1:10001..., then looks up K members picked at random (default 200000) four
 * ways, and prints the average time of one lookup in nanoseconds. Each lookup is checked:
 * a wrong answer is a failure (exit 1).
 *
 * Observe: the scan grows with N (try -n 10, -n 100, -n 1000), the hash does not. Then
 * compare both with the cost of what follows a message anyway: one datagram per other
 * member, about 3 us each on loopback (bench/chatroom), so about 3 ms for a room of 1000.
 * See the README's "The member table, measured".
 * See also: members.c, bench/chatroom/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "die.h"
#include "members.h"

/* The classroom's way: walk every member until the name matches. */
static int scan_name(const struct members *t, const char *name)
{
    for (int i = members_first(t); i != -1; i = members_next(t, i))
        if (strcmp(t->slot[i].name, name) == 0)
            return i;
    return -1;
}

static int scan_addr(const struct members *t, const struct sockaddr_storage *a)
{
    for (int i = members_first(t); i != -1; i = members_next(t, i))
        if (same_addr(&t->slot[i].addr, a))
            return i;
    return -1;
}

static double now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum way { HASH_NAME, SCAN_NAME, HASH_ADDR, SCAN_ADDR };

/* Look up the members whose numbers are in pick[0..k), one of four ways; returns the
 * average nanoseconds per lookup. Exits if a lookup finds the wrong slot. */
static double measure(const struct members *t, enum way way, const int *pick, long k,
                      char (*names)[CHAT_MAX_NAME + 1], const struct sockaddr_storage *addrs,
                      const int *slot_of)
{
    long wrong = 0;
    double t0 = now_ns();
    for (long j = 0; j < k; j++) {
        int m = pick[j], i = -1;
        switch (way) {
        case HASH_NAME: i = members_find_name(t, names[m]); break;
        case SCAN_NAME: i = scan_name(t, names[m]); break;
        case HASH_ADDR: i = members_find_addr(t, &addrs[m]); break;
        case SCAN_ADDR: i = scan_addr(t, &addrs[m]); break;
        }
        wrong += i != slot_of[m];
    }
    double t1 = now_ns();
    if (wrong != 0)
        fatal("%ld lookups found the wrong member", wrong);
    return (t1 - t0) / (double)k;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long n = 1000, k = 200000;
    int opt;
    while ((opt = getopt(argc, argv, ":n:k:h")) != -1) {
        switch (opt) {
        case 'n':
            n = parse_long(optarg, 1, 50000, "number of members");
            break;
        case 'k':
            k = parse_long(optarg, 1, 100000000, "number of lookups");
            break;
        case 'h':
            printf("usage: chat-members [-n members] [-k lookups]\n"
                   "Times finding a member by name and by address in chat-server's member\n"
                   "table: its hash indexes against a linear scan of every member.\n"
                   "  -n members  how many members in the table (default 1000)\n"
                   "  -k lookups  lookups of a random member, each way (default 200000)\n"
                   "  -h          this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    struct members t;
    if (members_init(&t, (int)n) == -1)
        fatal("no memory for %ld members", n);
    char (*names)[CHAT_MAX_NAME + 1] = calloc((size_t)n, sizeof *names);
    struct sockaddr_storage *addrs = calloc((size_t)n, sizeof *addrs);
    int *slot_of = calloc((size_t)n, sizeof *slot_of);
    int *pick = calloc((size_t)k, sizeof *pick);
    if (names == NULL || addrs == NULL || slot_of == NULL || pick == NULL)
        fatal("out of memory");
    for (int m = 0; m < n; m++) {
        snprintf(names[m], sizeof names[m], "m%d", m + 1);
        struct sockaddr_in *a = (struct sockaddr_in *)&addrs[m];
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a->sin_port = htons((uint16_t)(10001 + m));
        slot_of[m] = members_add(&t, names[m], &addrs[m], 0);
    }
    /* The same random members for every way (a fixed seed: the same run every time). */
    unsigned long x = 12345;
    for (long j = 0; j < k; j++) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        pick[j] = (int)((x >> 33) % (unsigned long)n);
    }

    static const char *const label[] = {"by name, hash index:", "by name, linear scan:",
                                        "by address, hash index:", "by address, linear scan:"};
    printf("%ld members, %ld lookups of a random member each way:\n", n, k);
    for (int w = HASH_NAME; w <= SCAN_ADDR; w++)
        printf("  %-25s %.0f ns a lookup\n", label[w],
               measure(&t, (enum way)w, pick, k, names, addrs, slot_of));

    members_destroy(&t);
    free(names);
    free(addrs);
    free(slot_of);
    free(pick);
    return 0;
}
