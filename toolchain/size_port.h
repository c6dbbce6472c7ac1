/*
 * size_port.h - what every size-measurement program shares (included once
 * by toolchain/size_main.c and toolchain/mbedtls_size.c): volatile sinks so
 * nothing is optimised away, a driver loop that pumps a link the way a
 * port driver does, and port stubs (clock, random, log, assert) that are
 * in every image, baseline included, so they cancel out.
 */
#ifndef LWG_SIZE_PORT_H
#define LWG_SIZE_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "port/lwg_port.h"

static volatile uint32_t size_sink;
static const uint8_t *volatile size_input;
static volatile size_t size_input_len;
static volatile uint32_t size_clock;

/* Pump a link the way a driver does. */
static inline void size_drive(const lwg_link *link)
{
    size_t n;
    const uint8_t *out;

    (void)link->ops->input(link->ctx, size_input, size_input_len, lwg_port_now_ms());
    out = link->ops->output(link->ctx, &n);
    size_sink += out ? out[0] : 0u;
    link->ops->output_done(link->ctx, n);
    link->ops->tick(link->ctx, lwg_port_now_ms());
    size_sink += link->ops->next_timeout(link->ctx, lwg_port_now_ms());
    if (link->ops->wants_close(link->ctx))
        link->ops->closed(link->ctx, LWG_OK);
}

uint32_t lwg_port_now_ms(void)
{
    return size_clock;
}

int lwg_port_random(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len-- > 0)
        *p++ = (uint8_t)size_clock;
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

#endif /* LWG_SIZE_PORT_H */
