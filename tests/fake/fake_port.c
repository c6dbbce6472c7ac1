/* fake_port.c - see fake_port.h. */
#include "fake_port.h"
#include "port/lwg_port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t fake_now;
static uint32_t rng_state = 0x12345678u;
static unsigned log_lines;
static char last_log[256];

void fake_port_set_now(uint32_t now_ms) { fake_now = now_ms; }
void fake_port_advance(uint32_t ms) { fake_now += ms; }
void fake_port_seed(uint32_t seed) { rng_state = seed ? seed : 1u; }
unsigned fake_port_log_lines(void) { return log_lines; }
const char *fake_port_last_log(void) { return last_log; }

uint32_t lwg_port_now_ms(void) { return fake_now; }

int lwg_port_random(void *buf, size_t len)
{
    uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        /* xorshift32: deterministic so failures reproduce */
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 17;
        rng_state ^= rng_state << 5;
        p[i] = (uint8_t)rng_state;
    }
    return LWG_OK;
}

void lwg_port_log(int level, const char *line)
{
    log_lines++;
    snprintf(last_log, sizeof last_log, "%s", line);
    if (getenv("LWG_TEST_LOG"))
        fprintf(stderr, "log%d: %s\n", level, line);
}

void lwg_port_assert_failed(const char *file, int line, const char *expr)
{
    fprintf(stderr, "assert failed: %s:%d: %s\n", file, line, expr);
    abort();
}
