/*
 * size_main.c - the minimal program `make size` links against the runtime
 * for each cross target and sample configuration (see toolchain/size.mk).
 *
 * Two images are linked from this file, both with --gc-sections and with
 * liblwgrpc.a as --whole-archive (so every object is loaded, and garbage
 * collection keeps exactly what is reachable from main):
 *   image.elf     main() reaches the runtime's entry points listed below
 *                 and places one of each main object (a connection, ...).
 *   baseline.elf  built with -DLWG_SIZE_BASELINE: the same program with the
 *                 same C start-up code, port stubs and a root table of the
 *                 same length, but nothing of the runtime.
 * image - baseline = what lwgrpc costs: its code and constant data, the C
 * library code it pulls in, and the objects placed here.
 *
 * ENTRY POINTS ARE LISTED BY NAME, NOT CALLED.  Each name in LWG_SIZE_ROOTS
 * becomes a weak reference to that symbol: if the runtime defines it, the
 * linker keeps it and everything it calls; if not (the API is still being
 * written), the reference is 0 and the link still succeeds.  So this file
 * keeps compiling and linking while the API grows and changes, and it needs
 * no signatures.  When you add a public entry point (an init, the link
 * operations, a call/stream function), add its name to the list; the size
 * report (build/size.md) lists which names were found.  A name that is also
 * declared by an included header is fine: only the symbol is referenced.
 *
 * Objects: when a header exists, one object of its main type is placed in
 * .bss so the RAM a real application needs shows up in the image.  The type
 * names are the agreed ones (lwg_h2_conn in transport/lwg_h2.h, lwg_channel
 * and lwg_server in core/); toolchain/size_sizeof.c reports their sizeof.
 */
#include <stddef.h>
#include <stdint.h>

#include "port/lwg_port.h"

#if defined(__has_include)
#if __has_include("transport/lwg_h2.h")
#include "transport/lwg_h2.h"
#define LWG_SIZE_HAVE_H2 1
#endif
#if __has_include("core/lwg_channel.h")
#include "core/lwg_channel.h"
#define LWG_SIZE_HAVE_CHANNEL 1
#endif
#if __has_include("core/lwg_server.h")
#include "core/lwg_server.h"
#define LWG_SIZE_HAVE_SERVER 1
#endif
#endif

/* ---- runtime entry points, by symbol name -------------------------------
 * HTTP/2 engine (transport/lwg_h2.h): connection life cycle, the calls a
 * driver pumps, streams, client and server side.
 * gRPC (core/, not written yet: the names are placeholders to correct when
 * it lands): channel and calls for the client, server and handlers.
 * Names that do not exist (yet) cost nothing. */
#define LWG_SIZE_ROOTS(X)       \
    X(lwg_h2_conn_init)         \
    X(lwg_h2_recv)              \
    X(lwg_h2_output)            \
    X(lwg_h2_output_done)       \
    X(lwg_h2_tick)              \
    X(lwg_h2_next_timeout)      \
    X(lwg_h2_wants_close)       \
    X(lwg_h2_transport_closed)  \
    X(lwg_h2_conn_error)        \
    X(lwg_h2_stream_open)       \
    X(lwg_h2_can_open)          \
    X(lwg_h2_active_streams)    \
    X(lwg_h2_stream_find)       \
    X(lwg_h2_submit_headers)    \
    X(lwg_h2_submit_data)       \
    X(lwg_h2_data_reserve)      \
    X(lwg_h2_data_commit)       \
    X(lwg_h2_submit_rst)        \
    X(lwg_h2_consume)           \
    X(lwg_h2_submit_ping)       \
    X(lwg_h2_submit_goaway)     \
    X(lwg_channel_init)         \
    X(lwg_channel_poll)         \
    X(lwg_call_start)           \
    X(lwg_call_send)            \
    X(lwg_call_recv)            \
    X(lwg_call_close_send)      \
    X(lwg_call_cancel)          \
    X(lwg_server_init)          \
    X(lwg_server_poll)

#ifndef LWG_SIZE_BASELINE
/* `extern char lwg_size_root_NAME[]` whose assembler name is NAME: a
 * data-typed weak reference, so it never clashes with a header's
 * prototype for NAME (which has a different C identifier). */
#define LWG_SIZE_DECLARE(name) \
    extern char lwg_size_root_##name[] __asm__(#name) __attribute__((weak));
LWG_SIZE_ROOTS(LWG_SIZE_DECLARE)
#define LWG_SIZE_ADDR(name) (const void *)lwg_size_root_##name,

#if LWG_SIZE_HAVE_H2
static lwg_h2_conn size_conn;
#define LWG_SIZE_OBJ_H2 (const void *)&size_conn,
#endif
#if LWG_SIZE_HAVE_CHANNEL
static lwg_channel size_channel;
#define LWG_SIZE_OBJ_CHANNEL (const void *)&size_channel,
#endif
#if LWG_SIZE_HAVE_SERVER
static lwg_server size_server;
#define LWG_SIZE_OBJ_SERVER (const void *)&size_server,
#endif
#else
/* baseline: a table of the same length, all null */
#define LWG_SIZE_ADDR(name) (const void *)0,
#if LWG_SIZE_HAVE_H2
#define LWG_SIZE_OBJ_H2 (const void *)0,
#endif
#if LWG_SIZE_HAVE_CHANNEL
#define LWG_SIZE_OBJ_CHANNEL (const void *)0,
#endif
#if LWG_SIZE_HAVE_SERVER
#define LWG_SIZE_OBJ_SERVER (const void *)0,
#endif
#endif

#ifndef LWG_SIZE_OBJ_H2
#define LWG_SIZE_OBJ_H2
#endif
#ifndef LWG_SIZE_OBJ_CHANNEL
#define LWG_SIZE_OBJ_CHANNEL
#endif
#ifndef LWG_SIZE_OBJ_SERVER
#define LWG_SIZE_OBJ_SERVER
#endif

/* ---- port stubs: enough to link, in both images (so they cancel out) ----
 * Weak, so a library that carries a real port (the host build) wins. */
static volatile uint32_t size_clock;

__attribute__((weak)) uint32_t lwg_port_now_ms(void)
{
    return size_clock;
}

__attribute__((weak)) int lwg_port_random(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len-- > 0)
        *p++ = (uint8_t)size_clock;
    return LWG_OK;
}

__attribute__((weak)) void lwg_port_log(int level, const char *line)
{
    (void)level;
    (void)line;
}

__attribute__((weak)) void lwg_port_assert_failed(const char *file, int line,
                                                  const char *expr)
{
    (void)file;
    (void)line;
    (void)expr;
    for (;;) {
    }
}

/* Read through a volatile table so nothing here can be optimised away. */
static const void *volatile size_roots[] = {
    LWG_SIZE_ROOTS(LWG_SIZE_ADDR)
    LWG_SIZE_OBJ_H2
    LWG_SIZE_OBJ_CHANNEL
    LWG_SIZE_OBJ_SERVER
    (const void *)lwg_port_now_ms,
    (const void *)lwg_port_random,
    (const void *)lwg_port_log,
    (const void *)lwg_port_assert_failed,
};

int main(void)
{
    uintptr_t acc = 0;

    for (size_t i = 0; i < sizeof size_roots / sizeof size_roots[0]; i++)
        acc += (uintptr_t)size_roots[i];
    return (int)(acc & 1u);
}
