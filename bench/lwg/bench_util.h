/*
 * bench_util.h - small helpers shared by the lwgrpc benchmark programs
 * (bench/lwg/bench_server.c, bench/lwg/bench_client.c): --name=value
 * flags and a monotonic clock in nanoseconds.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The value of --name=VALUE (or "--name VALUE"), or dflt. */
static inline const char *bench_flag(int argc, char **argv, const char *name,
                                     const char *dflt)
{
    size_t n = strlen(name);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
            continue;
        if (a[2 + n] == '=')
            return a + 3 + n;
        if (a[2 + n] == '\0' && i + 1 < argc)
            return argv[i + 1];
    }
    return dflt;
}

/* Exit with usage when an argument is not one of the known flags. */
static inline void bench_check_flags(int argc, char **argv, const char *const *known,
                                     const char *usage)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int found = 0;
        for (const char *const *k = known; *k != NULL && !found; k++) {
            size_t n = strlen(*k);
            if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, *k, n) == 0 &&
                (a[2 + n] == '=' || a[2 + n] == '\0')) {
                found = 1;
                if (a[2 + n] == '\0')
                    i++;
            }
        }
        if (!found) {
            fprintf(stderr, "unknown argument %s\nusage: %s\n", a, usage);
            exit(2);
        }
    }
}

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* BENCH_UTIL_H */
