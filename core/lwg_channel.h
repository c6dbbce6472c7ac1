/*
 * lwg_channel.h - the client side: a channel to one target, its connection
 * life cycle, and starting calls on it.
 *
 * A channel multiplexes calls over HTTP/2 connections to its target, up to
 * LWG_MAX_STREAMS calls at a time per connection; calls beyond that wait in
 * order for a free stream.  It holds LWG_CHANNEL_CONNS connection slots:
 * when the server sends GOAWAY, calls already running finish on the old
 * connection while new calls go to a new one (with one slot, new calls wait
 * for the old connection to drain).  Like everything in core/ it does no
 * I/O: a port driver opens transports when the channel asks and pumps
 * their links.
 *
 * CONNECTIVITY (gRPC's states, lwg_channel_state())
 *   IDLE -> CONNECTING -> READY; a connect that fails, or a connection
 *   lost while calls wait, is TRANSIENT_FAILURE: fail-fast calls end
 *   UNAVAILABLE at once, wait_for_ready calls wait (until their
 *   deadline), and the channel reconnects with exponential backoff
 *   (doc/connection-backoff.md: 1 s initial, x1.6, +-20 % jitter, 120 s
 *   max, 20 s minimum connect timeout; all in lwg_channel_opts).  After
 *   idle_timeout_ms without calls it closes its connection (IDLE again).
 *   SHUTDOWN is final.  opts.on_state_change reports every change.
 *
 * KEEPALIVE (doc/keepalive.md, A8)
 *   keepalive_time_ms after the last byte read (with calls open, or
 *   always with keepalive_permit_without_stream) the channel PINGs; no
 *   ACK within keepalive_timeout_ms closes the connection and its calls
 *   end UNAVAILABLE.  A time under 10 s is raised to 10 s.  GOAWAY
 *   ENHANCE_YOUR_CALM "too_many_pings" doubles the time (logged).
 *
 * RETRIES
 *   A call the server never saw (above a GOAWAY's last-stream-id, or
 *   refused with REFUSED_STREAM) is started again once, transparently, if
 *   it has sent at most one message (kept until then for this purpose).
 *
 * DRIVER CONTRACT (port/posix, port/lwip)
 *   lwg_channel_connect(ch, now)      a link to open a transport for, or
 *                                     NULL; the driver opens it and pumps
 *                                     the link (the preface is queued)
 *   lwg_channel_connect_timeout(link) ms the driver may spend connecting
 *   link->closed(ctx, err)            transport closed or connect failed
 *   link->wants_close(ctx)            close it (keepalive, idle, drained)
 *   lwg_channel_tick / _next_timeout  the channel's own timers (deadlines,
 *                                     backoff, idle), also with no
 *                                     transport; the links' ticks run them
 *                                     too
 */
#ifndef LWG_CHANNEL_H
#define LWG_CHANNEL_H

#include "core/lwg_call.h"
#include "core/lwg_keepalive.h"
#include "transport/lwg_h2.h"

/** Connectivity states (gRPC's names). */
#define LWG_CHANNEL_IDLE              0
#define LWG_CHANNEL_CONNECTING        1
#define LWG_CHANNEL_READY             2
#define LWG_CHANNEL_TRANSIENT_FAILURE 3
#define LWG_CHANNEL_SHUTDOWN          4

typedef struct lwg_channel lwg_channel;

/** Channel options (read-only; may live in flash).  Zero fields take the
 *  gRPC defaults given here. */
typedef struct lwg_channel_opts {
    uint32_t keepalive_time_ms;        /* 0: off (gRPC default); min 10 s */
    uint32_t keepalive_timeout_ms;     /* 0: 20000                        */
    uint8_t keepalive_permit_without_stream;
    uint32_t backoff_initial_ms;       /* 0: 1000                         */
    uint32_t backoff_multiplier_pct;   /* 0: 160 (x1.6)                   */
    uint32_t backoff_jitter_pct;       /* 0: 20 (+-20 %)                  */
    uint32_t backoff_max_ms;           /* 0: 120000                       */
    uint32_t min_connect_timeout_ms;   /* 0: 20000                        */
    uint32_t idle_timeout_ms;          /* 0: never                        */
    void (*on_state_change)(lwg_channel *ch, int state);
    /* per-RPC credentials: sent as "authorization" with every call that
     * has none of its own (lwg_call_opts.authorization); refused (the call
     * ends UNAUTHENTICATED) on a channel without TLS unless
     * allow_insecure_credentials */
    const char *authorization;
    uint8_t allow_insecure_credentials;
} lwg_channel_opts;

/* connection slot states */
#define LWG_CONN_FREE       0
#define LWG_CONN_CONNECTING 1  /* transport being opened / preface sent   */
#define LWG_CONN_READY      2  /* the peer's SETTINGS arrived              */
#define LWG_CONN_DRAINING   3  /* GOAWAY (either way): no new calls        */

/** One connection of a channel (the driver sees its link). */
typedef struct lwg_channel_conn {
    lwg_channel *ch;
    lwg_link link;
    uint8_t state;                  /* LWG_CONN_*                          */
    uint8_t kill;                   /* driver: close the transport now     */
    uint8_t was_ready;
    uint32_t connect_deadline_ms;   /* give up connecting then             */
    lwg_keepalive ka;
    lwg_h2_conn h2;                 /* last: large                         */
} lwg_channel_conn;

struct lwg_channel {
    const lwg_channel_opts *opts;   /* NULL: defaults                      */
    lwg_h2_settings settings;
    uint8_t state;                  /* LWG_CHANNEL_*                       */
    uint8_t use_tls;                /* :scheme https                       */
    uint8_t in_backoff;             /* wait until backoff_until_ms         */
    uint8_t service_pending;
    char authority[LWG_MAX_AUTHORITY + 1];
    lwg_call *waiting_head;         /* calls waiting for a stream          */
    lwg_call *waiting_tail;
    lwg_call *active_head;          /* every started, unfinished call      */
    uint32_t now_ms;                /* last time the driver told us        */
    uint32_t backoff_ms;            /* current backoff (before jitter)     */
    uint32_t backoff_until_ms;      /* next attempt not before this        */
    uint32_t attempt_deadline_ms;   /* this attempt's backoff deadline     */
    uint32_t keepalive_time_ms;     /* effective (doubled on too_many_pings) */
    uint32_t idle_since_ms;         /* no calls since                      */
    char last_error[64];            /* why the last connect failed         */
    void *user;
    lwg_channel_conn conns[LWG_CHANNEL_CONNS];
};

/** Initialise a channel for `authority` ("host:port", copied; used as
 *  :authority).  No I/O happens until a call starts and the driver sees
 *  lwg_channel_connect().  LWG_EINVAL if authority is too long. */
int lwg_channel_init(lwg_channel *ch, const char *authority, uint32_t now_ms);

/** Set options (kept by pointer; NULL restores the defaults).  Call before
 *  the first call starts. */
void lwg_channel_set_opts(lwg_channel *ch, const lwg_channel_opts *opts);

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

/** Effective keepalive time (doubles after GOAWAY "too_many_pings"). */
static inline uint32_t lwg_channel_keepalive_time(const lwg_channel *ch)
{
    return ch->keepalive_time_ms;
}

/** Mark the channel as carrying TLS (:scheme https; credentials allowed).
 *  The driver that wraps its connections in TLS calls this. */
static inline void lwg_channel_set_secure(lwg_channel *ch, int secure)
{
    ch->use_tls = (uint8_t)(secure ? 1 : 0);
}

/** Fail every call UNAVAILABLE, send GOAWAY, go to SHUTDOWN. */
void lwg_channel_shutdown(lwg_channel *ch);

/* ---- for port drivers ------------------------------------------------- */

/** A transport to open now: returns its link (pump it; ctx is a
 *  lwg_channel_conn), or NULL when nothing needs connecting now. */
const lwg_link *lwg_channel_connect(lwg_channel *ch, uint32_t now_ms);

/** Non-zero when lwg_channel_connect() would return a link now. */
int lwg_channel_wants_connect(const lwg_channel *ch, uint32_t now_ms);

/** Why a connection attempt failed (e.g. the TLS handshake's reason); it
 *  becomes the message of calls that fail because of it.  Copied. */
void lwg_channel_set_connect_error(lwg_channel *ch, const char *reason);

/** Run the channel's timers (call deadlines, backoff, idle) and deferred
 *  deliveries.  The links' tick() does this too; drivers call it when the
 *  channel has no transport. */
void lwg_channel_tick(lwg_channel *ch, uint32_t now_ms);

/** Ms until lwg_channel_tick() or lwg_channel_connect() has work. */
uint32_t lwg_channel_next_timeout(lwg_channel *ch, uint32_t now_ms);

#endif /* LWG_CHANNEL_H */
