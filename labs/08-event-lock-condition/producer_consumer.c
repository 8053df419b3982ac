/*
 * producer_consumer - the producer-consumer pattern (生产者消费者模式) with a bounded buffer.
 *
 * Usage: producer_consumer [-p PRODUCERS] [-c CONSUMERS] [-n ITEMS] [-s SLOTS]
 *
 * Shows: P producer threads put items into a buffer of SLOTS places (a ring, first in
 * first out); C consumer threads take them out. One mutex protects the buffer; producers
 * wait on `not_full` while it is full, consumers on `not_empty` while it is empty. The
 * buffer decouples the two sides (neither knows how many of the other there are, or how
 * fast they are) and bounds the memory in between: a fast producer is held back instead
 * of piling up items.
 * Producer p makes items numbered p*ITEMS .. p*ITEMS+ITEMS-1, so the program can check the
 * result: every item consumed exactly once (counted item by item), the same checksum (the
 * sum of the item numbers) on both sides, and each producer's items seen in the order it made
 * them by every consumer (the buffer is first in, first out).
 * When the producers are done, main closes the buffer; a consumer leaves when the buffer
 * is closed and empty.
 *
 * Observe: `-s 1` makes producers and consumers take turns; `-p 1 -c 4` leaves consumers
 * idle; the "waited" counts show who had to wait for whom.
 * See also: condition_demo.c; pthread_cond_wait(3p); notes/threads.md ("design patterns").
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "die.h"

#define MAX_THREADS 64
#define MAX_SLOTS 1024

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t not_full;  /* producers wait here while count == size */
    pthread_cond_t not_empty; /* consumers wait here while count == 0 */
    long slot[MAX_SLOTS];
    int size;                 /* slots in use: the bound */
    int head, count;          /* the oldest item is slot[head]; count items in all */
    bool closed;              /* no more items will come */
    int most;                 /* the largest count seen */
    long producer_waits, consumer_waits; /* how often each side had to wait */
} buf = {.mutex = PTHREAD_MUTEX_INITIALIZER,
         .not_full = PTHREAD_COND_INITIALIZER,
         .not_empty = PTHREAD_COND_INITIALIZER};

static long nitems = 10000; /* per producer */
static int nproducers = 2;
static unsigned char *times_seen; /* times_seen[item]: one byte per item */

static void lock(void)
{
    int rc = pthread_mutex_lock(&buf.mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
}

static void unlock(void)
{
    int rc = pthread_mutex_unlock(&buf.mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_unlock");
}

static void wait_on(pthread_cond_t *cond)
{
    int rc = pthread_cond_wait(cond, &buf.mutex);
    if (rc != 0)
        die_en(rc, "pthread_cond_wait");
}

static void wake(pthread_cond_t *cond, bool all)
{
    int rc = all ? pthread_cond_broadcast(cond) : pthread_cond_signal(cond);
    if (rc != 0)
        die_en(rc, all ? "pthread_cond_broadcast" : "pthread_cond_signal");
}

static void put(long item)
{
    /* task 4 begin: put */
    lock();
    if (buf.count == buf.size)
        buf.producer_waits++;
    while (buf.count == buf.size)
        wait_on(&buf.not_full);
    buf.slot[(buf.head + buf.count) % buf.size] = item;
    buf.count++;
    if (buf.count > buf.most)
        buf.most = buf.count;
    wake(&buf.not_empty, false); /* one item: one consumer can use it */
    unlock();
    /* task 4 end */
}

/* Take the oldest item into *item; false when the buffer is closed and empty. */
static bool get(long *item)
{
    /* task 4 begin: get */
    lock();
    if (buf.count == 0 && !buf.closed)
        buf.consumer_waits++;
    while (buf.count == 0 && !buf.closed)
        wait_on(&buf.not_empty);
    bool got = buf.count > 0;
    if (got) {
        *item = buf.slot[buf.head];
        buf.head = (buf.head + 1) % buf.size;
        buf.count--;
        wake(&buf.not_full, false); /* one free slot: one producer can use it */
    }
    unlock();
    return got;
    /* task 4 end */
}

static void close_buffer(void)
{
    lock();
    buf.closed = true;
    wake(&buf.not_empty, true); /* every waiting consumer must see it */
    unlock();
}

static void *producer_main(void *arg)
{
    long p = (long)(size_t)arg;
    for (long i = 0; i < nitems; i++)
        put(p * nitems + i);
    return NULL;
}

struct consumer {
    long count;                    /* items taken */
    long long sum;                 /* and their sum */
    long last[MAX_THREADS];        /* per producer: the last sequence number seen */
    bool in_order;
};

static void *consumer_main(void *arg)
{
    struct consumer *c = arg;
    long item;
    c->in_order = true;
    for (int p = 0; p < nproducers; p++)
        c->last[p] = -1;
    while (get(&item)) {
        c->count++;
        c->sum += item;
        times_seen[item]++; /* no lock: each item reaches one consumer only (we check) */
        long p = item / nitems, seq = item % nitems;
        if (seq <= c->last[p])
            c->in_order = false;
        c->last[p] = seq;
    }
    return NULL;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int nconsumers = 3, opt;
    buf.size = 8;
    while ((opt = getopt(argc, argv, ":p:c:n:s:h")) != -1) {
        switch (opt) {
        case 'p':
            nproducers = (int)parse_long(optarg, 1, MAX_THREADS, "number of producers");
            break;
        case 'c':
            nconsumers = (int)parse_long(optarg, 1, MAX_THREADS, "number of consumers");
            break;
        case 'n':
            nitems = parse_long(optarg, 1, 1000000, "items per producer");
            break;
        case 's':
            buf.size = (int)parse_long(optarg, 1, MAX_SLOTS, "buffer size");
            break;
        case 'h':
            printf("usage: producer_consumer [-p PRODUCERS] [-c CONSUMERS] [-n ITEMS] "
                   "[-s SLOTS]\n"
                   "Producer threads put numbered items into a bounded buffer, consumer\n"
                   "threads take them out; then it checks that every item was consumed\n"
                   "exactly once, the checksums agree and each producer's order was kept.\n"
                   "  -p PRODUCERS  producer threads, 1-%d (default 2)\n"
                   "  -c CONSUMERS  consumer threads, 1-%d (default 3)\n"
                   "  -n ITEMS      items per producer, 1-1000000 (default 10000)\n"
                   "  -s SLOTS      places in the buffer, 1-%d (default 8)\n"
                   "  -h            this help\n",
                   MAX_THREADS, MAX_THREADS, MAX_SLOTS);
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    long total = nproducers * nitems;
    times_seen = calloc((size_t)total, 1);
    if (times_seen == NULL)
        die("calloc");
    printf("producer_consumer: producers %d (%ld items each), consumers %d, buffer %d slots\n",
           nproducers, nitems, nconsumers, buf.size);

    pthread_t producers[MAX_THREADS], consumers[MAX_THREADS];
    struct consumer stats[MAX_THREADS] = {0};
    int rc;
    for (int i = 0; i < nconsumers; i++)
        if ((rc = pthread_create(&consumers[i], NULL, consumer_main, &stats[i])) != 0)
            die_en(rc, "pthread_create");
    for (long p = 0; p < nproducers; p++)
        if ((rc = pthread_create(&producers[p], NULL, producer_main, (void *)(size_t)p)) != 0)
            die_en(rc, "pthread_create");
    for (int p = 0; p < nproducers; p++)
        if ((rc = pthread_join(producers[p], NULL)) != 0)
            die_en(rc, "pthread_join");
    close_buffer(); /* all items are in: consumers may leave once it is empty */
    long consumed = 0;
    long long sum = 0, expected_sum = (long long)total * (total - 1) / 2; /* 0 + 1 + ... */
    bool in_order = true;
    for (int i = 0; i < nconsumers; i++) {
        if ((rc = pthread_join(consumers[i], NULL)) != 0)
            die_en(rc, "pthread_join");
        printf("consumer %d: took %ld items\n", i + 1, stats[i].count);
        consumed += stats[i].count;
        sum += stats[i].sum;
        in_order = in_order && stats[i].in_order;
    }

    long missing = 0, twice = 0;
    for (long i = 0; i < total; i++) {
        missing += times_seen[i] == 0;
        twice += times_seen[i] > 1;
    }
    bool ok = consumed == total && missing == 0 && twice == 0 && in_order &&
              sum == expected_sum;
    printf("produced %ld items, checksum %lld\n", total, expected_sum);
    printf("consumed %ld items, checksum %lld\n", consumed, sum);
    printf("every item consumed exactly once: %s (%ld missing, %ld more than once)\n",
           missing == 0 && twice == 0 ? "yes" : "NO", missing, twice);
    printf("each producer's items reached every consumer in order: %s\n",
           in_order ? "yes" : "NO");
    printf("the buffer held at most %d of %d items; producers waited %ld times, "
           "consumers %ld times\n",
           buf.most, buf.size, buf.producer_waits, buf.consumer_waits);
    free(times_seen);
    return ok ? 0 : 1;
}
