/*
 * fp_port.c - linked into every footprint image (so it cancels out):
 * lwgrpc's port functions, stubbed, and with -DFP_BASELINE the empty
 * main() of the baseline image.  The baseline also references snprintf,
 * which the server handlers of both stacks use, so the C library's
 * formatting code is not charged to either.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "port/lwg_port.h"

static volatile uint32_t fp_clock;

uint32_t lwg_port_now_ms(void)
{
    return fp_clock;
}

int lwg_port_random(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len-- > 0)
        *p++ = (uint8_t)fp_clock;
    return LWG_OK;
}

void lwg_port_log(int level, const char *line)
{
    (void)level;
    (void)line;
}

void lwg_port_assert_failed(const char *file, int line, const char *expr)
{
    (void)file;
    (void)line;
    (void)expr;
    for (;;) {
    }
}

/* snprintf and strcpy for every image */
static char fp_text[32];
void fp_common(void);
void fp_common(void)
{
    snprintf(fp_text, sizeof fp_text, "Hello %s", fp_clock ? "a" : "b");
}

#if defined(FP_BASELINE)
int main(void)
{
    fp_common();
    return fp_text[0];
}
#endif
