/*
 * bench_util.h - small helpers shared by the lwgrpc benchmark programs
 * (bench/lwg/bench_server.c, bench/lwg/bench_client.c): the examples'
 * --name=value flag helpers (examples/example_util.h) and a monotonic clock
 * in nanoseconds.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

#include "examples/example_util.h"

#define bench_flag        ex_flag
#define bench_check_flags ex_check_flags

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* BENCH_UTIL_H */
