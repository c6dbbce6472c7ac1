/*
 * lwg_channel.h - the client side: a channel to one target, and starting
 * calls on it.
 *
 * A channel owns one HTTP/2 connection (lwg_h2_conn, inside the struct)
 * to its target and multiplexes calls over it, up to LWG_MAX_STREAMS at a
 * time; calls beyond that wait in order for a free stream.  The channel is
 * sans-I/O like everything in core/: a port driver (port/posix, later
 * port/lwip) connects the transport when the channel asks for it and pumps
 * the channel's link.
 *
 * DRIVER CONTRACT
 *   lwg_channel_wants_connect(ch)   non-zero: open a transport now
 *   lwg_channel_transport_up(ch)    it is open: returns the lwg_link to
 *                                   pump (input/output/tick/...)
 *   lwg_channel_connect_failed(ch)  it could not be opened
 *   link->closed(ctx, err)          it closed under us
 *   The driver calls link->tick() whenever it has pumped input or output
 *   and when link->next_timeout() says; deferred deliveries (a message
 *   released with lwg_call_recv_done, a status after it) happen there.
 *
 * MEMORY
 *   sizeof(lwg_channel) is the HTTP/2 connection (stream table, HPACK
 *   table, header and transmit buffers) plus a few words.  Calls are the
 *   application's (lwg_call, see lwg_call.h).
 */
#ifndef LWG_CHANNEL_H
#define LWG_CHANNEL_H

#include "core/lwg_call.h"
#include "transport/lwg_h2.h"

/** Connectivity states (gRPC's names). */
#define LWG_CHANNEL_IDLE              0
#define LWG_CHANNEL_CONNECTING        1
#define LWG_CHANNEL_READY             2
#define LWG_CHANNEL_TRANSIENT_FAILURE 3
#define LWG_CHANNEL_SHUTDOWN          4

typedef struct lwg_channel {
    lwg_h2_settings settings;
    lwg_link link;
    uint8_t state;                  /* LWG_CHANNEL_*                       */
    uint8_t transport_up;
    uint8_t service_pending;        /* deferred deliveries to run in tick  */
    uint8_t use_tls;                /* :scheme https                       */
    char authority[LWG_MAX_AUTHORITY + 1];
    lwg_call *waiting_head;         /* calls waiting for a stream          */
    lwg_call *waiting_tail;
    lwg_call *active_head;          /* every started, unfinished call      */
    uint32_t now_ms;                /* last time the driver told us        */
    void *user;
    lwg_h2_conn h2;                 /* last: init clears what precedes it  */
} lwg_channel;

/** Initialise a channel for `authority` ("host:port", copied; used as
 *  :authority).  No I/O happens until a call starts and the driver sees
 *  lwg_channel_wants_connect().  LWG_EINVAL if authority is too long. */
int lwg_channel_init(lwg_channel *ch, const char *authority, uint32_t now_ms);

/** Start a client call of `method` on the channel.  `call` is placed by
 *  the caller and belongs to the channel until on_status returns; `opts`
 *  (may be NULL) and everything it points to are borrowed as long.
 *  Callbacks in `cbs` must outlive the call.  LWG_OK, or LWG_EINVAL for
 *  reserved or invalid metadata names, LWG_ECLOSED after shutdown.
 *  Failures after this point are reported through on_status only. */
int lwg_call_start(lwg_channel *ch, lwg_call *call, const lwg_method *method,
                   const lwg_call_opts *opts, const lwg_call_cbs *cbs,
                   void *user);

/** Connectivity state (LWG_CHANNEL_*). */
static inline int lwg_channel_state(const lwg_channel *ch)
{
    return ch->state;
}

/** Fail every call UNAVAILABLE, send GOAWAY, go to SHUTDOWN. */
void lwg_channel_shutdown(lwg_channel *ch);

/* ---- for port drivers --------------------------------------------------- */

int lwg_channel_wants_connect(const lwg_channel *ch);
const lwg_link *lwg_channel_transport_up(lwg_channel *ch, uint32_t now_ms);
const lwg_link *lwg_channel_link(lwg_channel *ch);
void lwg_channel_connect_failed(lwg_channel *ch, int err, uint32_t now_ms);

#endif /* LWG_CHANNEL_H */
