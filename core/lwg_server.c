/*
 * lwg_server.c - the server: services and method lookup, connection
 * slots, the pool of server calls, the engine's events routed to calls,
 * and the link a port driver pumps for each connection.
 */
#include "core/lwg_server.h"
#include "core/lwg_call_priv.h"

#include <string.h>

static const lwg_link_ops server_link_ops;
static const lwg_h2_callbacks server_h2_callbacks;
static const lwg_server_opts default_opts;

#define DRAIN_PING_OPAQUE "lwgdrain"

static const lwg_server_opts *opts_of(const lwg_server *srv)
{
    return srv->opts ? srv->opts : &default_opts;
}

#define OPT(srv, field, dflt) (opts_of(srv)->field ? opts_of(srv)->field : (dflt))

/* A limit: 0 and LWG_SERVER_NEVER both mean none. */
static uint32_t limit(uint32_t v)
{
    return v == LWG_SERVER_NEVER ? 0 : v;
}

/* +-10 % jitter (A9), so connections made together do not all go at once. */
static uint32_t jitter10(uint32_t ms)
{
    uint32_t r, span = ms / 10u;

    if (span == 0)
        return ms;
    (void)lwg_port_random(&r, sizeof r);
    return ms - span + r % (2u * span + 1u);
}

void lwg_server_set_opts(lwg_server *srv, const lwg_server_opts *opts)
{
    srv->opts = opts;
}

void lwg_server_init(lwg_server *srv, void *user)
{
    uint32_t window = (uint32_t)sizeof(((lwg_call *)0)->rx_buf);

    memset(srv, 0, offsetof(lwg_server, conns));
    for (unsigned i = 0; i < LWG_MAX_CONNECTIONS; i++)
        srv->conns[i].in_use = 0;
    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        srv->calls[i].state = LWG_CALL_IDLE;
        /* slot 0 on top, so the pool loops (up to calls_hwm) stay short */
        srv->free_calls[i] = (uint16_t)(LWG_MAX_SERVER_CALLS - 1 - i);
    }
    srv->calls_free = LWG_MAX_SERVER_CALLS;
    srv->settings = lwg_h2_default_settings;
    srv->settings.initial_window = window < LWG_H2_MAX_WINDOW ? window : LWG_H2_MAX_WINDOW;
    srv->max_recv_message = LWG_MAX_RECV_MESSAGE;
    srv->max_send_message = LWG_MAX_SEND_MESSAGE;
    srv->user = user;
}

int lwg_server_add_service(lwg_server *srv, const lwg_service *svc)
{
    if (srv->service_count >= LWG_MAX_SERVICES)
        return LWG_ENOMEM;
    srv->services[srv->service_count++] = svc;
    return LWG_OK;
}

const lwg_handler *lwg_server_find_handler(const lwg_server *srv, const uint8_t *path,
                                           size_t len)
{
    for (size_t s = 0; s < srv->service_count; s++) {
        const lwg_service *svc = srv->services[s];
        for (size_t i = 0; i < svc->count; i++) {
            const char *p = svc->handlers[i].method->path;
            if (strlen(p) == len && memcmp(p, path, len) == 0)
                return &svc->handlers[i];
        }
    }
    return NULL;
}

void *lwg_call_transport(const lwg_call *call)
{
    const lwg_server_conn *sc = call->is_server ? call->owner : NULL;
    return sc ? sc->transport : NULL;
}

void lwg_server_set_transport(const lwg_link *link, void *transport)
{
    lwg_server_conn *sc = link->ctx;
    sc->transport = transport;
}

unsigned lwg_server_connections(const lwg_server *srv)
{
    unsigned n = 0;

    for (unsigned i = 0; i < LWG_MAX_CONNECTIONS; i++)
        n += srv->conns[i].in_use;
    return n;
}

const lwg_link *lwg_server_accept(lwg_server *srv, uint32_t now_ms)
{
    if (srv->shutting_down)
        return NULL;
    for (unsigned i = 0; i < LWG_MAX_CONNECTIONS; i++) {
        lwg_server_conn *sc = &srv->conns[i];
        if (sc->in_use)
            continue;
        uint32_t age = limit(opts_of(srv)->max_connection_age_ms);
        memset(sc, 0, offsetof(lwg_server_conn, h2));
        sc->server = srv;
        sc->in_use = 1;
        sc->now_ms = now_ms;
        sc->link.ops = &server_link_ops;
        sc->link.ctx = sc;
        sc->age_deadline_ms = now_ms + (age ? jitter10(age) : 0);
        lwg_keepalive_init(&sc->ka, now_ms);
        lwg_ping_policy_init(&sc->pings);
        lwg_h2_conn_init(&sc->h2, 1, &server_h2_callbacks, sc, &srv->settings, now_ms);
        return &sc->link;
    }
    return NULL;
}

/* ---- connection management (A9) and graceful stop --------------------------- */

/* First GOAWAY (last id 2^31-1) and a PING; the final GOAWAY follows its
 * ACK, so streams the client started meanwhile are still served. */
static void start_drain(lwg_server_conn *sc, const char *why, uint32_t grace_ms, uint32_t now_ms)
{
    if (sc->drain != LWG_DRAIN_NONE || sc->kill)
        return;
    LWG_LOG(LWG_LOG_INFO, "server: draining a connection (%s)", why);
    lwg_h2_submit_goaway(&sc->h2, LWG_H2_MAX_STREAM_ID, LWG_H2_NO_ERROR, why);
    sc->drain = LWG_DRAIN_PING;
    if (grace_ms) {
        sc->grace_set = 1;
        sc->grace_deadline_ms = now_ms + grace_ms;
    }
}

static void finish_drain(lwg_server_conn *sc)
{
    if (sc->drain != LWG_DRAIN_PING)
        return;
    lwg_h2_submit_goaway(&sc->h2, LWG_H2_GOAWAY_LAST_PEER, LWG_H2_NO_ERROR, NULL);
    sc->drain = LWG_DRAIN_FINAL;
}

void lwg_server_shutdown(lwg_server *srv, uint32_t grace_ms, uint32_t now_ms)
{
    srv->shutting_down = 1;
    for (unsigned i = 0; i < LWG_MAX_CONNECTIONS; i++) {
        lwg_server_conn *sc = &srv->conns[i];
        if (!sc->in_use)
            continue;
        if (grace_ms == 0) {
            lwg_h2_submit_goaway(&sc->h2, LWG_H2_GOAWAY_LAST_PEER, LWG_H2_NO_ERROR, "shutdown");
            sc->kill = 1;
            continue;
        }
        start_drain(sc, "shutdown", grace_ms, now_ms);
        if (sc->grace_set && lwg_time_diff(sc->grace_deadline_ms, now_ms + grace_ms) > 0)
            sc->grace_deadline_ms = now_ms + grace_ms;
    }
}

/* Keepalive, idle and age limits of one connection.  Returns ms until it
 * needs to run again. */
static uint32_t conn_timers(lwg_server_conn *sc, uint32_t now_ms)
{
    lwg_server *srv = sc->server;
    const lwg_server_opts *o = opts_of(srv);
    lwg_keepalive_cfg cfg;
    unsigned streams = lwg_h2_active_streams(&sc->h2);
    uint32_t t, idle = limit(o->max_connection_idle_ms), age = limit(o->max_connection_age_ms);
    int32_t left;

    if (sc->kill || sc->h2.fatal)
        return LWG_NO_TIMEOUT;
    cfg.time_ms = limit(OPT(srv, keepalive_time_ms, 2u * 60u * 60u * 1000u));
    cfg.timeout_ms = OPT(srv, keepalive_timeout_ms, 20000);
    cfg.permit_without_stream = 0;
    t = lwg_keepalive_tick(&sc->ka, &cfg, &sc->h2, streams, now_ms);
    if (sc->ka.expired) {
        LWG_LOG(LWG_LOG_WARN, "server: keepalive PING not answered: closing a connection");
        sc->kill = 1;
        return LWG_NO_TIMEOUT;
    }
    if (idle && sc->drain == LWG_DRAIN_NONE) {
        if (streams > 0) {
            sc->idle_set = 0;
        } else {
            if (!sc->idle_set) {
                sc->idle_set = 1;
                sc->idle_deadline_ms = now_ms + jitter10(idle);
            }
            left = lwg_time_diff(sc->idle_deadline_ms, now_ms);
            if (left <= 0) {
                /* no streams: one GOAWAY is enough, then close */
                LWG_LOG(LWG_LOG_INFO, "server: connection idle: GOAWAY max_idle");
                lwg_h2_submit_goaway(&sc->h2, LWG_H2_GOAWAY_LAST_PEER, LWG_H2_NO_ERROR, "max_idle");
                sc->drain = LWG_DRAIN_FINAL;
            } else if ((uint32_t)left < t) {
                t = (uint32_t)left;
            }
        }
    }
    if (age && sc->drain == LWG_DRAIN_NONE) {
        left = lwg_time_diff(sc->age_deadline_ms, now_ms);
        if (left <= 0)
            start_drain(sc, "max_age", limit(o->max_connection_age_grace_ms), now_ms);
        else if ((uint32_t)left < t)
            t = (uint32_t)left;
    }
    if (sc->drain == LWG_DRAIN_PING && !sc->h2.ping_outstanding && !sc->ka.ping_outstanding) {
        if (lwg_h2_submit_ping(&sc->h2, (const uint8_t *)DRAIN_PING_OPAQUE) != LWG_OK)
            t = t < 10 ? t : 10;
    }
    if (sc->grace_set && sc->drain != LWG_DRAIN_NONE) {
        left = lwg_time_diff(sc->grace_deadline_ms, now_ms);
        if (left <= 0) {
            LWG_LOG(LWG_LOG_INFO, "server: drain grace over: closing a connection");
            sc->kill = 1;
            return LWG_NO_TIMEOUT;
        }
        if ((uint32_t)left < t)
            t = (uint32_t)left;
    }
    return t;
}

/* ---- the call pool and service ------------------------------------------------ */

static void conn_service(lwg_server_conn *sc)
{
    lwg_server *srv = sc->server;
    int again = 1;

    while (again) {
        again = 0;
        for (unsigned i = 0; i < srv->calls_hwm; i++) {
            lwg_call *call = &srv->calls[i];
            if (call->state != LWG_CALL_IDLE && call->owner == sc && call->service_due) {
                lwg_call_service(call);
                again = 1;
            }
        }
    }
}

/* ---- engine events ------------------------------------------------------------------ */

static int on_stream_open(lwg_h2_conn *c, lwg_h2_stream *st)
{
    lwg_server_conn *sc = c->user;
    lwg_server *srv = sc->server;

    unsigned i;
    lwg_call *call;

    if (srv->calls_free == 0)
        return LWG_ENOMEM; /* REFUSED_STREAM: clients retry */
    i = srv->free_calls[--srv->calls_free];
    call = &srv->calls[i];
    LWG_ASSERT(call->state == LWG_CALL_IDLE);
    lwg_call_reset(call, 1, sc, c);
    if (i >= srv->calls_hwm)
        srv->calls_hwm = i + 1; /* the pool loops stop here */
    call->max_recv = srv->max_recv_message;
    call->max_send = srv->max_send_message;
    call->stream = st;
    call->state = LWG_CALL_ACTIVE;
    st->user = call;
    return 0;
}

void lwg_server_call_release(lwg_call *call)
{
    lwg_server *srv = ((lwg_server_conn *)call->owner)->server;

    call->state = LWG_CALL_IDLE;
    LWG_ASSERT(srv->calls_free < LWG_MAX_SERVER_CALLS);
    srv->free_calls[srv->calls_free++] = (uint16_t)(call - srv->calls);
}

static int on_header(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind, const lwg_h2_nv *nv)
{
    (void)c;
    return st->user ? lwg_server_call_header(st->user, kind, nv) : 0;
}

static void on_headers_end(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind, int too_large)
{
    (void)c;
    if (st->user)
        lwg_server_call_headers_end(st->user, kind, too_large);
}

static void on_stream_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how, uint32_t code)
{
    lwg_call *call = st->user;

    (void)c;
    st->user = NULL;
    if (call)
        lwg_server_call_stream_closed(call, how, code);
}

static void on_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    (void)c;
    if (st && st->user)
        lwg_call_flush(st->user);
}

static void on_ping(lwg_h2_conn *c, const uint8_t opaque[8])
{
    lwg_server_conn *sc = c->user;
    lwg_server *srv = sc->server;
    lwg_ping_policy_cfg cfg;

    (void)opaque;
    cfg.min_time_ms = OPT(srv, keepalive_min_time_ms, 5u * 60u * 1000u);
    cfg.permit_without_stream = opts_of(srv)->keepalive_permit_without_stream;
    if (lwg_ping_policy_on_ping(&sc->pings, &cfg, c, lwg_h2_active_streams(c), sc->now_ms)) {
        LWG_LOG(LWG_LOG_WARN, "server: too many pings from a client: GOAWAY");
        lwg_h2_submit_goaway(c, LWG_H2_GOAWAY_LAST_PEER, LWG_H2_ENHANCE_YOUR_CALM,
                             LWG_TOO_MANY_PINGS);
        sc->kill = 1;
    }
}

static void on_ping_ack(lwg_h2_conn *c, const uint8_t opaque[8])
{
    lwg_server_conn *sc = c->user;

    lwg_keepalive_acked(&sc->ka, opaque);
    if (memcmp(opaque, DRAIN_PING_OPAQUE, 8) == 0)
        finish_drain(sc);
}

static const lwg_h2_callbacks server_h2_callbacks = {
    .on_stream_open = on_stream_open,
    .on_header = on_header,
    .on_headers_end = on_headers_end,
    .on_data = lwg_call_on_data,
    .on_remote_end = lwg_call_on_remote_end,
    .on_stream_close = on_stream_close,
    .on_send_ready = on_send_ready,
    .on_ping = on_ping,
    .on_ping_ack = on_ping_ack,
};

/* ---- the link ------------------------------------------------------------------------- */

static int link_input(void *ctx, const uint8_t *data, size_t len, uint32_t now_ms)
{
    lwg_server_conn *sc = ctx;
    int r;

    sc->now_ms = now_ms;
    r = lwg_h2_recv(&sc->h2, data, len, now_ms);
    conn_service(sc);
    return r;
}

static const uint8_t *link_output(void *ctx, size_t *len)
{
    lwg_server_conn *sc = ctx;
    return lwg_h2_output(&sc->h2, len);
}

static void link_output_done(void *ctx, size_t n)
{
    lwg_server_conn *sc = ctx;

    lwg_h2_output_done(&sc->h2, n);
    conn_service(sc);
}

static void link_tick(void *ctx, uint32_t now_ms)
{
    lwg_server_conn *sc = ctx;
    lwg_server *srv = sc->server;

    sc->now_ms = now_ms;
    lwg_h2_tick(&sc->h2, now_ms);
    (void)conn_timers(sc, now_ms);
    for (unsigned i = 0; i < srv->calls_hwm; i++) {
        lwg_call *call = &srv->calls[i];
        if (call->state != LWG_CALL_IDLE && call->owner == sc)
            (void)lwg_call_check_deadline(call, now_ms);
    }
    conn_service(sc);
}

static uint32_t link_next_timeout(void *ctx, uint32_t now_ms)
{
    lwg_server_conn *sc = ctx;
    lwg_server *srv = sc->server;
    uint32_t t = lwg_h2_next_timeout(&sc->h2, now_ms), k;

    k = conn_timers(sc, now_ms);
    if (sc->kill)
        return 0;
    if (k < t)
        t = k;

    for (unsigned i = 0; i < srv->calls_hwm; i++) {
        lwg_call *call = &srv->calls[i];
        uint32_t left;
        if (call->state == LWG_CALL_IDLE || call->owner != sc)
            continue;
        if (call->service_due)
            return 0;
        if (call->completed || call->status_set)
            continue;
        left = lwg_call_remaining_ms(call, now_ms);
        if (left < t)
            t = left;
    }
    return t;
}

static int link_wants_close(void *ctx)
{
    lwg_server_conn *sc = ctx;

    if (sc->kill)
        return 1;
    /* between the two GOAWAYs, streams may still arrive */
    return sc->drain != LWG_DRAIN_PING && lwg_h2_wants_close(&sc->h2);
}

static void link_closed(void *ctx, int err)
{
    lwg_server_conn *sc = ctx;

    if (!sc->in_use)
        return;
    lwg_h2_transport_closed(&sc->h2, err);
    conn_service(sc);
    sc->in_use = 0;
}

static const lwg_link_ops server_link_ops = {
    .input = link_input,
    .output = link_output,
    .output_done = link_output_done,
    .tick = link_tick,
    .next_timeout = link_next_timeout,
    .wants_close = link_wants_close,
    .closed = link_closed,
};
