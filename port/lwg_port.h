/*
 * lwg_port.h - the port contract: everything lwgrpc needs from a platform.
 *
 * port/ is the only code that touches an operating system or a network
 * stack.  The protocol layers (transport/, core/) are sans-I/O: they take
 * bytes in, hand bytes out, and are told the time.  A port provides two
 * things:
 *
 * 1. Platform services, as plain functions resolved at link time (one port
 *    per image, like lwIP's sys_now()):
 *      lwg_port_now_ms()   monotonic milliseconds; MAY WRAP at 2^32.  All
 *                          time arithmetic in lwgrpc is done with
 *                          lwg_time_diff() so the wrap is harmless.
 *      lwg_port_random()   fill a buffer with unpredictable bytes (stream
 *                          jitter, PING payloads, TLS entropy).
 *      lwg_port_log()      a log sink for one finished line.  Called only
 *                          when LWG_LOG_LEVEL > 0; compiled out otherwise.
 *      lwg_port_assert_failed()  called only when LWG_ASSERTS is 1.
 *    port/posix implements them with clock_gettime, getrandom and stderr;
 *    tests/fake implements them with a clock the test sets.
 *
 * 2. A byte-stream driver that pumps a connection (an lwg_link).  The
 *    protocol layers never call the driver; the driver calls them:
 *
 *      driver                                   protocol (lwg_link)
 *      ------                                   -------------------
 *      bytes arrived (recv() / tcp_recv pbuf) -> link->input(data, len, now)
 *                                                returns bytes consumed
 *      room to send (POLLOUT / tcp_sent)      -> link->output(&len)
 *                                                returns a view of pending
 *                                                bytes; driver writes k of
 *                                                them, then
 *                                             -> link->output_done(k)
 *      timer due (poll timeout / sys timer)   -> link->tick(now)
 *                                                link->next_timeout(now)
 *      peer closed or I/O failed              -> link->closed(err)
 *
 *    It fits both driving styles without copying payload twice:
 *    - POSIX, poll-driven: recv() into a driver buffer (the kernel's one
 *      copy), input() parses it in place; output() hands a view of the
 *      connection's transmit buffer straight to send().
 *    - lwIP raw/altcp, callback-driven (NO_SYS=1): tcp_recv hands a pbuf
 *      chain; the driver calls input() on each pbuf->payload in place,
 *      then tcp_recved(consumed) returns TCP window credit and pbuf_free()
 *      releases what was consumed.  tcp_sent/tcp_poll call output() and
 *      tcp_write(view, k, TCP_WRITE_FLAG_COPY) then output_done(k).
 *
 *    Ownership: input() borrows `data` only for the duration of the call;
 *    it copies what it must keep (header blocks, message bytes) into the
 *    connection's own fixed buffers.  input() may consume fewer bytes than
 *    offered when the connection's transmit buffer is too full to answer
 *    (e.g. a PING flood): the driver must flush output and offer the rest
 *    again; that is the backpressure that keeps memory fixed.  The view
 *    returned by output() stays valid until output_done() or the next
 *    input()/tick() call, whichever comes first.
 */
#ifndef LWG_PORT_H
#define LWG_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "port/lwg_opt.h"
#include "port/lwg_err.h"

/* ---- 1. platform services --------------------------------------------- */

/** Monotonic milliseconds since an arbitrary point; wraps at 2^32. */
uint32_t lwg_port_now_ms(void);

/** Fill buf[0..len) with random bytes.  Returns LWG_OK or LWG_EIO. */
int lwg_port_random(void *buf, size_t len);

/** Log levels for lwg_port_log() and LWG_LOG(). */
#define LWG_LOG_ERROR 1
#define LWG_LOG_WARN  2
#define LWG_LOG_INFO  3
#define LWG_LOG_TRACE 4

/** Write one finished log line (no trailing newline).  `line` is borrowed
 *  for the call only. */
void lwg_port_log(int level, const char *line);

/** Called when an LWG_ASSERT fails (LWG_ASSERTS=1 only).  Must not return
 *  into the failing code path: abort, reset or spin. */
void lwg_port_assert_failed(const char *file, int line, const char *expr);

/* ---- time arithmetic that survives the wrap ---------------------------- */

/** Signed distance a - b in ms, correct across the 2^32 wrap as long as the
 *  true distance is under 2^31 ms (24 days). */
static inline int32_t lwg_time_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

/** Non-zero when deadline `t` has been reached at `now`. */
static inline int lwg_time_reached(uint32_t now, uint32_t t)
{
    return lwg_time_diff(now, t) >= 0;
}

/** Means "no timer pending" in next_timeout() answers. */
#define LWG_NO_TIMEOUT 0xffffffffu

/* ---- 2. the link a byte-stream driver pumps ----------------------------- */

/** A connection as a driver sees it.  `ops` is shared, read-only (it can
 *  live in flash); `ctx` is the connection object passed back to each op. */
typedef struct lwg_link_ops {
    /** Offer `len` received bytes.  Returns the number consumed (0..len),
     *  or LWG_ECONN once the connection has failed (close it after
     *  flushing output).  `data` is borrowed for the call. */
    int (*input)(void *ctx, const uint8_t *data, size_t len, uint32_t now_ms);

    /** View of bytes waiting to be sent; *len is set to their count (0 when
     *  nothing is pending).  Valid until output_done() or the next
     *  input()/tick(). */
    const uint8_t *(*output)(void *ctx, size_t *len);

    /** The driver sent (or copied into its stack) the first n bytes of the
     *  last output() view. */
    void (*output_done)(void *ctx, size_t n);

    /** Run timers due at now_ms. */
    void (*tick)(void *ctx, uint32_t now_ms);

    /** Milliseconds until the next timer, or LWG_NO_TIMEOUT. */
    uint32_t (*next_timeout)(void *ctx, uint32_t now_ms);

    /** Non-zero when the connection is finished and, once output() is
     *  empty, the driver should close the transport. */
    int (*wants_close)(void *ctx);

    /** The transport closed under us (peer FIN/RST, I/O error = err). */
    void (*closed)(void *ctx, int err);
} lwg_link_ops;

typedef struct lwg_link {
    const lwg_link_ops *ops;
    void *ctx;
} lwg_link;

/* ---- diagnostics that cost nothing when off ---------------------------- */

#if LWG_LOG_LEVEL > 0
/** printf-style logging through lwg_port_log(); formats into a bounded
 *  stack buffer (see port/lwg_log.c). */
void lwg_logf(int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#define LWG_LOG(level, ...) \
    do { if ((level) <= LWG_LOG_LEVEL) lwg_logf((level), __VA_ARGS__); } while (0)
#else
#define LWG_LOG(level, ...) do { } while (0)
#endif

#if LWG_ASSERTS
#define LWG_ASSERT(e) \
    do { if (!(e)) lwg_port_assert_failed(__FILE__, __LINE__, #e); } while (0)
#else
#define LWG_ASSERT(e) do { } while (0)
#endif

#endif /* LWG_PORT_H */
