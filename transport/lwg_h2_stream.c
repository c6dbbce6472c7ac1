/*
 * lwg_h2_stream.c - the fixed stream table (RFC 9113 §5.1).
 *
 * A slot is taken when a stream opens and given back the moment it
 * closes; the only memory of closed streams is the highest id each side
 * used (anything at or below it that is not in the table is closed) and a
 * short ring of ids we reset, whose late frames are ignored (§5.1 "closed":
 * frames in flight when we sent RST_STREAM).
 */
#include "transport/lwg_h2_priv.h"

#include <string.h>

lwg_h2_stream *lwg_h2_stream_find(lwg_h2_conn *c, uint32_t id)
{
    if (id == 0)
        return NULL;
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        lwg_h2_stream *st = &c->streams[i];
        if (st->state != LWG_H2_ST_FREE && st->id == id)
            return st;
    }
    return NULL;
}

lwg_h2_stream *lwg_h2_stream_alloc(lwg_h2_conn *c)
{
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        lwg_h2_stream *st = &c->streams[i];
        if (st->state == LWG_H2_ST_FREE) {
            memset(st, 0, sizeof *st);
            st->send_window = (int32_t)c->peer.initial_window;
            /* Until the peer ACKs our SETTINGS it may assume the RFC's
             * default window (§6.9.2); the ACK applies the difference. */
            st->recv_window = (int32_t)(c->settings_unacked
                                            ? LWG_H2_DEFAULT_WINDOW
                                            : c->local->initial_window);
            return st;
        }
    }
    return NULL;
}

int lwg_h2_is_peer_id(const lwg_h2_conn *c, uint32_t id)
{
    /* clients open odd ids, servers even ids */
    return c->is_server ? (id & 1u) : !(id & 1u);
}

#define RESET_BIT 0x80000000u

static void recent_add(lwg_h2_conn *c, uint32_t entry)
{
    c->recent_resets[c->recent_reset_next] = entry;
    c->recent_reset_next = (uint8_t)((c->recent_reset_next + 1u) % LWG_RECENT_RESETS);
}

void lwg_h2_recent_reset_add(lwg_h2_conn *c, uint32_t id)
{
    recent_add(c, id | RESET_BIT);
}

void lwg_h2_recent_closed_add(lwg_h2_conn *c, uint32_t id)
{
    recent_add(c, id);
}

/* LWG_H2_SID_RESET, LWG_H2_SID_CLOSED or LWG_H2_SID_UNKNOWN */
static int recent_class(const lwg_h2_conn *c, uint32_t id)
{
    int cls = LWG_H2_SID_UNKNOWN;

    for (unsigned i = 0; i < LWG_RECENT_RESETS; i++) {
        if (c->recent_resets[i] == (id | RESET_BIT))
            return LWG_H2_SID_RESET;
        if (c->recent_resets[i] == id)
            cls = LWG_H2_SID_CLOSED;
    }
    return cls;
}

int lwg_h2_stream_classify(lwg_h2_conn *c, uint32_t id, lwg_h2_stream **out)
{
    lwg_h2_stream *st = lwg_h2_stream_find(c, id);
    uint32_t last;

    *out = NULL;
    if (st != NULL && st->state != LWG_H2_ST_IDLE) {
        if (st->state == LWG_H2_ST_RST_PENDING)
            return LWG_H2_SID_RESET;
        *out = st;
        return LWG_H2_SID_LIVE;
    }
    last = lwg_h2_is_peer_id(c, id) ? c->last_peer_id : c->last_local_id;
    if (id > last)
        return LWG_H2_SID_IDLE;
    return recent_class(c, id);
}

int lwg_h2_stream_receiving(const lwg_h2_stream *st, uint32_t id)
{
    return st != NULL && st->id == id &&
           (st->state == LWG_H2_ST_OPEN ||
            st->state == LWG_H2_ST_HALF_CLOSED_LOCAL);
}

unsigned lwg_h2_count_streams(const lwg_h2_conn *c, int local)
{
    unsigned n = 0;

    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        const lwg_h2_stream *st = &c->streams[i];
        /* RST_PENDING streams are closed as far as the peer's limit goes
         * once the RST is out; count them until then to stay safe. */
        if (st->state != LWG_H2_ST_FREE && st->state != LWG_H2_ST_IDLE &&
            !st->local == !local)
            n++;
    }
    return n;
}

unsigned lwg_h2_active_streams(const lwg_h2_conn *c)
{
    unsigned n = 0;

    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++)
        if (c->streams[i].state != LWG_H2_ST_FREE)
            n++;
    return n;
}

void lwg_h2_stream_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how,
                         uint32_t code)
{
    int keep_for_rst = st->state == LWG_H2_ST_RST_PENDING;

    if (how != LWG_H2_CLOSE_RESET_US && st->id != 0)
        lwg_h2_recent_closed_add(c, st->id);
    if (c->cb && c->cb->on_stream_close)
        c->cb->on_stream_close(c, st, how, code);
    st->user = NULL;
    if (!keep_for_rst)
        memset(st, 0, sizeof *st); /* state = FREE */
    lwg_h2_notify_open_ready(c);
}

void lwg_h2_rst_id(lwg_h2_conn *c, uint32_t id, uint32_t code)
{
    uint8_t *p = lwg_h2_tx_reserve(c, 13);

    lwg_h2_recent_reset_add(c, id);
    /* lwg_h2_recv() keeps LWG_H2_TX_RESERVE free before each frame, so
     * this only fails for a misbehaving caller; then the reset is lost,
     * and the peer's frames for the id are ignored all the same. */
    if (p != NULL)
        lwg_h2_tx_commit(c, (size_t)lwg_h2_write_rst_stream(p, lwg_h2_tx_end(c), id, code));
}

void lwg_h2_stream_reset(lwg_h2_conn *c, lwg_h2_stream *st, uint32_t code,
                         unsigned how)
{
    uint8_t *p;

    if (st->state == LWG_H2_ST_FREE || st->state == LWG_H2_ST_RST_PENDING)
        return;
    if (st->state == LWG_H2_ST_IDLE) {
        /* never sent: nothing to tell the peer */
        lwg_h2_stream_close(c, st, how, code);
        return;
    }
    lwg_h2_recent_reset_add(c, st->id);
    p = lwg_h2_tx_reserve(c, 13);
    if (p != NULL) {
        lwg_h2_tx_commit(c, (size_t)lwg_h2_write_rst_stream(p, lwg_h2_tx_end(c), st->id, code));
        st->state = LWG_H2_ST_HALF_CLOSED_LOCAL; /* anything but pending */
        st->want_send = 0;
        lwg_h2_stream_close(c, st, how, code);
        return;
    }
    /* tx_buf is full: keep the slot (id only) until output() writes it */
    st->state = LWG_H2_ST_RST_PENDING;
    st->rst_code = code;
    st->want_send = 0;
    lwg_h2_stream_close(c, st, how, code);
}

void lwg_h2_stream_local_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (st->state == LWG_H2_ST_OPEN) {
        st->state = LWG_H2_ST_HALF_CLOSED_LOCAL;
    } else if (st->state == LWG_H2_ST_HALF_CLOSED_REMOTE) {
        st->state = LWG_H2_ST_HALF_CLOSED_LOCAL; /* closing */
        lwg_h2_stream_close(c, st, LWG_H2_CLOSE_NORMAL, LWG_H2_NO_ERROR);
    }
}

void lwg_h2_stream_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    uint32_t id = st->id;

    if (st->state == LWG_H2_ST_OPEN)
        st->state = LWG_H2_ST_HALF_CLOSED_REMOTE;
    else if (st->state != LWG_H2_ST_HALF_CLOSED_LOCAL)
        return;
    if (c->cb && c->cb->on_remote_end)
        c->cb->on_remote_end(c, st);
    /* the callback may have answered and closed the stream already */
    if (st->id == id && st->state == LWG_H2_ST_HALF_CLOSED_LOCAL)
        lwg_h2_stream_close(c, st, LWG_H2_CLOSE_NORMAL, LWG_H2_NO_ERROR);
}

void lwg_h2_close_all(lwg_h2_conn *c, unsigned how, uint32_t code)
{
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        lwg_h2_stream *st = &c->streams[i];
        if (st->state == LWG_H2_ST_FREE)
            continue;
        if (st->state == LWG_H2_ST_RST_PENDING) {
            memset(st, 0, sizeof *st);
            continue;
        }
        st->state = LWG_H2_ST_HALF_CLOSED_LOCAL;
        /* a stream of ours of which not one byte left never reached the
         * peer: safe to retry */
        if (how == LWG_H2_CLOSE_CONN && st->local &&
            (st->id == 0 || lwg_time_diff(c->tx_sent, st->tx_mark) <= 0))
            lwg_h2_stream_close(c, st, LWG_H2_CLOSE_UNSENT, code);
        else
            lwg_h2_stream_close(c, st, how, code);
    }
}

lwg_h2_stream *lwg_h2_stream_open(lwg_h2_conn *c, void *user)
{
    lwg_h2_stream *st;

    if (lwg_h2_can_open(c) != LWG_OK)
        return NULL;
    st = lwg_h2_stream_alloc(c);
    if (st == NULL)
        return NULL;
    st->state = LWG_H2_ST_IDLE;
    st->local = 1;
    st->user = user;
    return st;
}

int lwg_h2_can_open(const lwg_h2_conn *c)
{
    unsigned used = 0, local_active = 0;

    if (c->is_server || c->fatal || c->goaway_received || c->goaway_sent ||
        c->state >= LWG_H2_CONN_CLOSING || c->next_local_id > LWG_H2_MAX_STREAM_ID)
        return LWG_ECLOSED;
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        const lwg_h2_stream *st = &c->streams[i];
        if (st->state != LWG_H2_ST_FREE)
            used++;
        if (st->local && st->state != LWG_H2_ST_FREE)
            local_active++; /* IDLE slots will become streams too */
    }
    if (used >= LWG_MAX_STREAMS || local_active >= c->peer.max_concurrent)
        return LWG_EAGAIN;
    return LWG_OK;
}
