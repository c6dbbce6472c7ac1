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

void lwg_server_init(lwg_server *srv, void *user)
{
    uint32_t window = (uint32_t)sizeof(((lwg_call *)0)->rx_buf);

    memset(srv, 0, offsetof(lwg_server, conns));
    for (unsigned i = 0; i < LWG_MAX_CONNECTIONS; i++)
        srv->conns[i].in_use = 0;
    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++)
        srv->calls[i].state = LWG_CALL_IDLE;
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
        sc->server = srv;
        sc->in_use = 1;
        sc->now_ms = now_ms;
        sc->link.ops = &server_link_ops;
        sc->link.ctx = sc;
        lwg_h2_conn_init(&sc->h2, 1, &server_h2_callbacks, sc, &srv->settings, now_ms);
        return &sc->link;
    }
    return NULL;
}

/* ---- the call pool and service ------------------------------------------------ */

static void conn_service(lwg_server_conn *sc)
{
    lwg_server *srv = sc->server;
    int again = 1;

    while (again) {
        again = 0;
        for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
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

    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        lwg_call *call = &srv->calls[i];
        if (call->state != LWG_CALL_IDLE)
            continue;
        lwg_call_reset(call, 1, sc, c);
        call->max_recv = srv->max_recv_message;
        call->max_send = srv->max_send_message;
        call->stream = st;
        call->state = LWG_CALL_ACTIVE;
        st->user = call;
        return 0;
    }
    return LWG_ENOMEM; /* REFUSED_STREAM: clients retry */
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

static void on_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data, size_t len)
{
    lwg_call *call = st->user;

    if (call == NULL) {
        lwg_h2_consume(c, st, len);
        return;
    }
    if (lwg_call_rx_append(call, data, len) != LWG_OK) {
        lwg_call_abort(call, LWG_STATUS_RESOURCE_EXHAUSTED, "receive buffer overrun",
                       LWG_H2_FLOW_CONTROL_ERROR);
        return;
    }
    lwg_call_service(call);
}

static void on_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    lwg_call *call = st->user;

    (void)c;
    if (call) {
        call->remote_closed = 1;
        call->service_due = 1;
    }
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

static const lwg_h2_callbacks server_h2_callbacks = {
    .on_stream_open = on_stream_open,
    .on_header = on_header,
    .on_headers_end = on_headers_end,
    .on_data = on_data,
    .on_remote_end = on_remote_end,
    .on_stream_close = on_stream_close,
    .on_send_ready = on_send_ready,
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
    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
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
    uint32_t t = lwg_h2_next_timeout(&sc->h2, now_ms);

    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
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
    return lwg_h2_wants_close(&sc->h2);
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
