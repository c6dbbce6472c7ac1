/*
 * lwg_h2_conn.c - connection life cycle: init and preface, output and the
 * port link, timers, connection errors, GOAWAY both ways, PING, RST_STREAM
 * from the upper layer.
 */
#include "transport/lwg_h2_priv.h"

#include <string.h>

const lwg_h2_settings lwg_h2_default_settings = {
    .header_table_size = LWG_HPACK_TABLE_SIZE,
    .max_concurrent = LWG_MAX_STREAMS,
    .initial_window = LWG_STREAM_RECV_WINDOW,
    .conn_window = LWG_CONN_RECV_WINDOW,
    .max_frame_size = LWG_MAX_FRAME_SIZE,
    .max_header_list = LWG_MAX_HEADER_LIST,
    .settings_timeout_ms = LWG_SETTINGS_TIMEOUT_MS,
};

static int settings_valid(const lwg_h2_settings *s)
{
    return s->header_table_size <= LWG_HPACK_TABLE_SIZE &&
           s->max_concurrent <= LWG_MAX_STREAMS &&
           s->initial_window >= 1 && s->initial_window <= LWG_H2_MAX_WINDOW &&
           s->conn_window >= LWG_H2_DEFAULT_WINDOW && s->conn_window <= LWG_H2_MAX_WINDOW &&
           s->max_frame_size >= LWG_H2_MIN_MAX_FRAME_SIZE &&
           s->max_frame_size <= LWG_H2_MAX_MAX_FRAME_SIZE &&
           s->max_header_list <= LWG_MAX_HEADER_LIST;
}

int lwg_h2_conn_init(lwg_h2_conn *c, int is_server,
                     const lwg_h2_callbacks *cb, void *user,
                     const lwg_h2_settings *settings, uint32_t now_ms)
{
    if (settings == NULL)
        settings = &lwg_h2_default_settings;
    if (!settings_valid(settings))
        return LWG_EINVAL;
    memset(c, 0, sizeof *c);
    c->cb = cb;
    c->user = user;
    c->local = settings;
    c->is_server = is_server ? 1 : 0;
    /* RFC 9113 §6.5.2 initial values until the peer's SETTINGS arrive */
    c->peer.header_table_size = LWG_H2_DEFAULT_TABLE_SIZE;
    c->peer.max_concurrent = 0xffffffffu;
    c->peer.initial_window = LWG_H2_DEFAULT_WINDOW;
    c->peer.max_frame_size = LWG_H2_MIN_MAX_FRAME_SIZE;
    c->peer.max_header_list = 0xffffffffu;
    c->peer.enable_push = 1;
    c->conn_send_window = (int32_t)LWG_H2_DEFAULT_WINDOW;
    c->conn_recv_window = (int32_t)LWG_H2_DEFAULT_WINDOW;
    c->next_local_id = is_server ? 2 : 1;
    c->state = is_server ? LWG_H2_CONN_PREFACE : LWG_H2_CONN_SETTINGS;
    c->rx_state = is_server ? LWG_H2_RX_PREFACE : LWG_H2_RX_HEADER;
    lwg_hpack_dec_init(&c->hpack_dec, settings->header_table_size);
    lwg_hpack_enc_init(&c->hpack_enc);
    lwg_h2_write_preface(c);
    c->settings_sent_ms = now_ms;
    if (is_server)
        c->state = LWG_H2_CONN_SETTINGS; /* the preface is checked by rx */
    return LWG_OK;
}

/* ---- connection errors and GOAWAY --------------------------------------- */

int lwg_h2_conn_fail(lwg_h2_conn *c, int err, uint32_t code, const char *debug)
{
    if (c->fatal)
        return LWG_ECONN;
    LWG_LOG(LWG_LOG_WARN, "h2 connection error %lu (%s)", (unsigned long)code,
            debug ? debug : "");
    c->fatal = err;
    c->fatal_code = code;
    c->state = LWG_H2_CONN_FAILED;
    c->rx_state = LWG_H2_RX_DEAD;
    c->hb_active = 0;
    c->goaway_pending = 1;
    c->goaway_code = code;
    c->goaway_last_id = c->last_peer_id;
    c->goaway_debug_out = debug;
    if (c->cb && c->cb->on_conn_error)
        c->cb->on_conn_error(c, err, code);
    lwg_h2_close_all(c, LWG_H2_CLOSE_CONN, code);
    return LWG_ECONN;
}

void lwg_h2_handle_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code)
{
    if (c->goaway_received && last_id > c->peer_goaway_last_id)
        last_id = c->peer_goaway_last_id; /* §6.8: may only go down */
    c->goaway_received = 1;
    c->peer_goaway_last_id = last_id;
    if (c->state < LWG_H2_CONN_CLOSING)
        c->state = LWG_H2_CONN_CLOSING;
    if (c->cb && c->cb->on_goaway)
        c->cb->on_goaway(c, last_id, code, c->goaway_debug, c->goaway_debug_len);
    /* our streams the peer never processed: safe to retry elsewhere */
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        lwg_h2_stream *st = &c->streams[i];
        if (st->state == LWG_H2_ST_FREE || st->state == LWG_H2_ST_RST_PENDING || !st->local)
            continue;
        if (st->state == LWG_H2_ST_IDLE || st->id > last_id) {
            lwg_h2_stream_set_state(c, st, LWG_H2_ST_HALF_CLOSED_LOCAL);
            lwg_h2_stream_close(c, st, LWG_H2_CLOSE_REFUSED, LWG_H2_REFUSED_STREAM);
        }
    }
}

int lwg_h2_submit_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code,
                         const char *debug)
{
    if (c->fatal)
        return LWG_ECONN;
    if (last_id == LWG_H2_GOAWAY_LAST_PEER)
        last_id = c->last_peer_id;
    if ((c->goaway_sent || c->goaway_pending) && last_id > c->goaway_last_id)
        last_id = c->goaway_last_id; /* §6.8: never raise it */
    c->goaway_pending = 1;
    c->goaway_code = code;
    c->goaway_last_id = last_id & LWG_H2_MAX_STREAM_ID;
    c->goaway_debug_out = debug;
    if (c->state < LWG_H2_CONN_CLOSING)
        c->state = LWG_H2_CONN_CLOSING;
    if (code != LWG_H2_NO_ERROR) {
        /* an error GOAWAY ends the connection */
        c->fatal = LWG_ECLOSED;
        c->fatal_code = code;
        c->state = LWG_H2_CONN_FAILED;
        c->rx_state = LWG_H2_RX_DEAD;
        lwg_h2_close_all(c, LWG_H2_CLOSE_CONN, code);
    }
    lwg_h2_write_pending(c);
    return LWG_OK;
}

int lwg_h2_conn_error(const lwg_h2_conn *c, uint32_t *h2_code)
{
    if (h2_code)
        *h2_code = c->fatal_code;
    return c->fatal;
}

void lwg_h2_transport_closed(lwg_h2_conn *c, int err)
{
    if (!c->fatal) {
        c->fatal = err ? err : LWG_ECLOSED;
        c->fatal_code = LWG_H2_NO_ERROR;
        c->state = LWG_H2_CONN_FAILED;
        c->rx_state = LWG_H2_RX_DEAD;
        if (c->cb && c->cb->on_conn_error)
            c->cb->on_conn_error(c, c->fatal, LWG_H2_NO_ERROR);
    }
    c->goaway_pending = 0;
    c->tx_head = c->tx_tail = 0;
    lwg_h2_close_all(c, LWG_H2_CLOSE_CONN, LWG_H2_NO_ERROR);
}

/* ---- upper-layer actions -------------------------------------------------- */

int lwg_h2_submit_rst(lwg_h2_conn *c, lwg_h2_stream *st, uint32_t code)
{
    if (st == NULL || st->state == LWG_H2_ST_FREE || st->state == LWG_H2_ST_RST_PENDING)
        return LWG_EINVAL;
    lwg_h2_stream_reset(c, st, code, LWG_H2_CLOSE_RESET_US);
    return LWG_OK;
}

int lwg_h2_submit_ping(lwg_h2_conn *c, const uint8_t opaque[8])
{
    uint8_t *p;

    if (c->fatal)
        return LWG_ECONN;
    if (c->ping_outstanding)
        return LWG_EAGAIN;
    p = lwg_h2_tx_reserve(c, 17);
    if (p == NULL)
        return LWG_EAGAIN;
    lwg_h2_tx_commit(c, (size_t)lwg_h2_write_ping(p, lwg_h2_tx_end(c), opaque, 0));
    memcpy(c->ping_opaque, opaque, 8);
    c->ping_outstanding = 1;
    return LWG_OK;
}

/* ---- notifications ----------------------------------------------------------- */

void lwg_h2_notify_open_ready(lwg_h2_conn *c)
{
    if (!c->is_server && c->cb && c->cb->on_send_ready && lwg_h2_can_open(c) == LWG_OK)
        c->cb->on_send_ready(c, NULL);
}

void lwg_h2_notify_send_ready(lwg_h2_conn *c)
{
    if (c->conn_send_window <= 0)
        return;
    /* the streams with want_send, in slot order; one a callback marks
     * further on is seen in this pass, as the scan before saw it */
    for (unsigned i = lwg_h2_slot_next(c->slots_want_send, 0); i < LWG_MAX_STREAMS;
         i = lwg_h2_slot_next(c->slots_want_send, i + 1)) {
        lwg_h2_stream *st = &c->streams[i];
        if (st->state == LWG_H2_ST_RST_PENDING)
            continue;
        if (st->send_window <= 0 && st->state != LWG_H2_ST_IDLE)
            continue;
        lwg_h2_want_send(c, st, 0);
        if (c->cb && c->cb->on_send_ready)
            c->cb->on_send_ready(c, st);
        if (c->fatal)
            return;
    }
}

/* ---- output and timers --------------------------------------------------------- */

const uint8_t *lwg_h2_output(lwg_h2_conn *c, size_t *len)
{
    LWG_ASSERT(lwg_h2_stream_table_check(c) == 0);
    lwg_h2_write_pending(c);
    lwg_h2_write_window_updates(c);
    *len = c->tx_tail - c->tx_head;
    return c->tx_buf + c->tx_head;
}

void lwg_h2_output_done(lwg_h2_conn *c, size_t n)
{
    size_t pending = c->tx_tail - c->tx_head;

    LWG_ASSERT(lwg_h2_stream_table_check(c) == 0);
    if (n > pending)
        n = pending;
    c->tx_head += (uint32_t)n;
    c->tx_sent += (uint32_t)n;
    if (c->tx_head == c->tx_tail)
        c->tx_head = c->tx_tail = 0;
    if (n > 0 && !c->fatal)
        lwg_h2_notify_send_ready(c);
}

void lwg_h2_tick(lwg_h2_conn *c, uint32_t now_ms)
{
    if (c->fatal)
        return;
    if (c->settings_unacked && c->local->settings_timeout_ms &&
        lwg_time_diff(now_ms, c->settings_sent_ms) >= (int32_t)c->local->settings_timeout_ms)
        lwg_h2_conn_fail(c, LWG_ETIMEOUT, LWG_H2_SETTINGS_TIMEOUT, "settings timeout");
}

uint32_t lwg_h2_next_timeout(const lwg_h2_conn *c, uint32_t now_ms)
{
    int32_t left;

    if (c->fatal || !c->settings_unacked || !c->local->settings_timeout_ms)
        return LWG_NO_TIMEOUT;
    left = (int32_t)c->local->settings_timeout_ms - lwg_time_diff(now_ms, c->settings_sent_ms);
    return left > 0 ? (uint32_t)left : 0;
}

int lwg_h2_wants_close(const lwg_h2_conn *c)
{
    if (c->tx_tail != c->tx_head || c->goaway_pending)
        return 0;
    if (c->fatal)
        return 1;
    /* GOAWAY exchanged one way or the other and nothing left running */
    return (c->goaway_sent || c->goaway_received) && lwg_h2_active_streams(c) == 0;
}

/* ---- the port link ---------------------------------------------------------------- */

static int link_input(void *ctx, const uint8_t *data, size_t len, uint32_t now_ms)
{
    return lwg_h2_recv(ctx, data, len, now_ms);
}

static const uint8_t *link_output(void *ctx, size_t *len)
{
    return lwg_h2_output(ctx, len);
}

static void link_output_done(void *ctx, size_t n)
{
    lwg_h2_output_done(ctx, n);
}

static void link_tick(void *ctx, uint32_t now_ms)
{
    lwg_h2_tick(ctx, now_ms);
}

static uint32_t link_next_timeout(void *ctx, uint32_t now_ms)
{
    return lwg_h2_next_timeout(ctx, now_ms);
}

static int link_wants_close(void *ctx)
{
    return lwg_h2_wants_close(ctx);
}

static void link_closed(void *ctx, int err)
{
    lwg_h2_transport_closed(ctx, err);
}

const lwg_link_ops lwg_h2_link_ops = {
    .input = link_input,
    .output = link_output,
    .output_done = link_output_done,
    .tick = link_tick,
    .next_timeout = link_next_timeout,
    .wants_close = link_wants_close,
    .closed = link_closed,
};
