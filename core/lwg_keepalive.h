/*
 * lwg_keepalive.h - keepalive PINGs and ping-abuse enforcement for one
 * HTTP/2 connection (grpc/grpc doc/keepalive.md, proposals A8 and A9).
 *
 * Both are small state machines driven by the connection's tick; neither
 * does I/O of its own: PINGs go out through lwg_h2_submit_ping(), and when
 * a connection must end they say so and the owner closes it.
 *
 * KEEPALIVE (client and server)
 *   time_ms after the last byte read, if there are streams (or
 *   permit_without_stream), send a PING; if its ACK has not come
 *   timeout_ms later, the connection is dead (lwg_keepalive.expired).
 *
 * ENFORCEMENT (server)
 *   A PING from the client is a strike when it comes sooner than min_time
 *   after the previous one, or, with no streams open and
 *   permit_without_stream false, sooner than two hours after it.  Strikes
 *   reset whenever we send HEADERS or DATA.  More than
 *   LWG_KEEPALIVE_MAX_STRIKES strikes: GOAWAY(ENHANCE_YOUR_CALM,
 *   "too_many_pings") and close.
 */
#ifndef LWG_KEEPALIVE_H
#define LWG_KEEPALIVE_H

#include <stdint.h>

#include "transport/lwg_h2.h"

#define LWG_KEEPALIVE_MAX_STRIKES 2
#define LWG_KEEPALIVE_NO_STREAM_MIN_MS (2u * 60u * 60u * 1000u)
#define LWG_TOO_MANY_PINGS "too_many_pings"

typedef struct lwg_keepalive_cfg {
    uint32_t time_ms;              /* 0: no keepalive PINGs              */
    uint32_t timeout_ms;           /* wait for the ACK this long         */
    uint8_t permit_without_stream; /* PING even with no stream open      */
} lwg_keepalive_cfg;

typedef struct lwg_keepalive {
    uint32_t last_read_ms;         /* time of the last byte read         */
    uint32_t last_bytes;           /* h2->bytes_received then            */
    uint32_t ping_sent_ms;
    uint32_t ping_count;           /* PING payloads: a counter           */
    uint8_t ping_outstanding;
    uint8_t expired;               /* no ACK in time: close the transport */
} lwg_keepalive;

void lwg_keepalive_init(lwg_keepalive *ka, uint32_t now_ms);

/** Run the keepalive for connection h2 with `streams` open.  Sends the
 *  PING when due; sets ka->expired when its ACK is late.  Returns ms until
 *  it needs to run again (LWG_NO_TIMEOUT: nothing pending). */
uint32_t lwg_keepalive_tick(lwg_keepalive *ka, const lwg_keepalive_cfg *cfg,
                            lwg_h2_conn *h2, unsigned streams, uint32_t now_ms);

/** The connection's on_ping_ack: our PING was answered. */
void lwg_keepalive_acked(lwg_keepalive *ka, const uint8_t opaque[8]);

typedef struct lwg_ping_policy_cfg {
    uint32_t min_time_ms;          /* gRPC default: 5 minutes            */
    uint8_t permit_without_stream; /* gRPC default: false                */
} lwg_ping_policy_cfg;

typedef struct lwg_ping_policy {
    uint32_t last_ping_ms;
    uint32_t last_hd_frames;       /* h2->hd_frames_sent at last check   */
    uint8_t have_last;
    uint8_t strikes;
} lwg_ping_policy;

void lwg_ping_policy_init(lwg_ping_policy *pp);

/** A PING arrived (the server's on_ping).  Returns non-zero when the
 *  client has used up its strikes: the caller sends GOAWAY
 *  ENHANCE_YOUR_CALM "too_many_pings" and closes. */
int lwg_ping_policy_on_ping(lwg_ping_policy *pp, const lwg_ping_policy_cfg *cfg,
                            const lwg_h2_conn *h2, unsigned streams, uint32_t now_ms);

#endif /* LWG_KEEPALIVE_H */
