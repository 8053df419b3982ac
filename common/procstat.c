/*
 * procstat.c - implementation of procstat.h (Linux /proc).
 */
#include "procstat.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "die.h"

int proc_stat(pid_t pid, char *state, pid_t *ppid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close = strrchr(buf, ')');
    char s;
    long pp;
    if (close == NULL || sscanf(close + 1, " %c %ld", &s, &pp) != 2) {
        errno = EINVAL;
        return -1;
    }
    if (state != NULL)
        *state = s;
    if (ppid != NULL)
        *ppid = (pid_t)pp;
    return 0;
}

const char *proc_state_name(char state)
{
    switch (state) {
    case 'R':
        return "running";
    case 'S':
        return "sleeping";
    case 'D':
        return "disk sleep";
    case 'T':
        return "stopped";
    case 't':
        return "tracing stop";
    case 'Z':
        return "zombie";
    case 'X':
        return "dead";
    case 'I':
        return "idle";
    default:
        return "unknown";
    }
}

int proc_children(pid_t parent, int *zombies)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        die("opendir /proc");
    int count = 0, z = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0)
            continue; /* not a process directory */
        char state;
        pid_t ppid;
        if (proc_stat((pid_t)pid, &state, &ppid) == -1 || ppid != parent)
            continue; /* gone meanwhile, or someone else's child */
        count++;
        if (state == 'Z')
            z++;
    }
    closedir(d);
    if (zombies != NULL)
        *zombies = z;
    return count;
}

char proc_wait_state(pid_t pid, const char *states, int timeout_ms)
{
    const struct timespec ms = {0, 1000000};
    char state = 0;
    for (int waited = 0;; waited++) {
        if (proc_stat(pid, &state, NULL) == -1)
            state = 0; /* gone */
        if (state == 0 ? states[0] == '\0' : strchr(states, state) != NULL)
            return state;
        if (waited >= timeout_ms)
            return state;
        nanosleep(&ms, NULL);
    }
}
