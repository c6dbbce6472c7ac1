/*
 * lwg_posix_sys.c - platform services of the POSIX port: monotonic clock,
 * random bytes from getrandom(), log lines to stderr.
 */
#ifndef _GNU_SOURCE /* the test build passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include "port/lwg_port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

uint32_t lwg_port_now_ms(void)
{
    struct timespec ts;

    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int lwg_port_random(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return LWG_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return LWG_OK;
}

void lwg_port_log(int level, const char *line)
{
    static const char *const names[] = { "?", "error", "warn", "info", "trace" };
    const char *name = (level >= 1 && level <= 4) ? names[level] : names[0];

    (void)fprintf(stderr, "lwgrpc %s: %s\n", name, line);
}

void lwg_port_assert_failed(const char *file, int line, const char *expr)
{
    (void)fprintf(stderr, "lwgrpc assert failed: %s:%d: %s\n", file, line, expr);
    abort();
}
