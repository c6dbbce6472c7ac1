/*
 * lwg_h2_recv.c - the inbound frame state machine (RFC 9113 §4-§6).
 *
 * Resumable at every byte: the 9-byte header is read in place (gathered
 * in rx_hdr only when it comes in pieces), then the payload is processed
 * as it arrives.  DATA bytes go straight up as views into the caller's
 * input; header fragments go to lwg_h2_hdr.c;
 * small control payloads are gathered in rx_ctl (SETTINGS one 6-byte
 * entry at a time).  Before a frame is started, tx_buf must have room for
 * any answer it may need (LWG_H2_TX_RESERVE); otherwise lwg_h2_recv()
 * returns early (backpressure).
 */
#include "transport/lwg_h2_priv.h"

#include <string.h>

static int frame_end(lwg_h2_conn *c);

/* ---- frame start: validate the header against type and state ---------- */

static int start_data(lwg_h2_conn *c)
{
    const lwg_h2_frame_hdr *fh = &c->rx;
    lwg_h2_stream *st;
    int cls;

    if (fh->stream_id == 0)
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "DATA on stream 0");
    if ((fh->flags & LWG_H2_FLAG_PADDED) && fh->length < 1)
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "DATA padding");
    cls = lwg_h2_stream_classify(c, fh->stream_id, &st);
    if (cls == LWG_H2_SID_IDLE)
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "DATA on idle stream");
    /* §6.9: the whole payload counts against the connection window */
    if ((int64_t)fh->length > c->conn_recv_window)
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FLOW_CONTROL_ERROR, "connection window");
    c->conn_recv_window -= (int32_t)fh->length;
    c->rx_stream = NULL;
    c->rx_whole_credited = 0;
    if (cls == LWG_H2_SID_LIVE && lwg_h2_stream_receiving(st, fh->stream_id)) {
        if ((int64_t)fh->length > st->recv_window) {
            c->conn_recv_unacked += fh->length;
            c->rx_whole_credited = 1;
            lwg_h2_stream_reset(c, st, LWG_H2_FLOW_CONTROL_ERROR, LWG_H2_CLOSE_RESET_US);
            return 0;
        }
        if (st->headers_in == 0) { /* §8.1: DATA before HEADERS */
            c->conn_recv_unacked += fh->length;
            c->rx_whole_credited = 1;
            lwg_h2_stream_reset(c, st, LWG_H2_PROTOCOL_ERROR, LWG_H2_CLOSE_RESET_US);
            return 0;
        }
        st->recv_window -= (int32_t)fh->length;
        lwg_h2_credit_note(c, st); /* a shut window with credit owed */
        c->rx_stream = st;
        return 0;
    }
    /* nobody will consume it: give the connection credit back at once */
    c->conn_recv_unacked += fh->length;
    c->rx_whole_credited = 1;
    if (cls == LWG_H2_SID_LIVE) /* half-closed (remote) */
        lwg_h2_stream_reset(c, st, LWG_H2_STREAM_CLOSED, LWG_H2_CLOSE_RESET_US);
    else if (cls == LWG_H2_SID_CLOSED || cls == LWG_H2_SID_UNKNOWN)
        lwg_h2_rst_id(c, fh->stream_id, LWG_H2_STREAM_CLOSED);
    return 0;
}

static int start_headers(lwg_h2_conn *c)
{
    const lwg_h2_frame_hdr *fh = &c->rx;
    uint32_t prefix = ((fh->flags & LWG_H2_FLAG_PADDED) ? 1u : 0u) +
                      ((fh->flags & LWG_H2_FLAG_PRIORITY) ? 5u : 0u);

    if (fh->stream_id == 0)
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "HEADERS on stream 0");
    if (fh->length < prefix)
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "HEADERS length");
    return lwg_h2_hb_begin(c);
}

static int frame_start(lwg_h2_conn *c, const uint8_t hdr[9])
{
    lwg_h2_frame_hdr *fh = &c->rx;
    lwg_h2_stream *st;

    lwg_h2_frame_hdr_decode(hdr, fh);
    c->rx_pos = 0;
    c->rx_pad = 0;
    c->rx_ctl_have = 0;
    c->rx_stream = NULL;
    c->rx_body_start = 0;
    LWG_LOG(LWG_LOG_TRACE, "h2 recv type=%u flags=0x%02x stream=%lu len=%lu",
            fh->type, fh->flags, (unsigned long)fh->stream_id, (unsigned long)fh->length);

    if (fh->length > c->local->max_frame_size)
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "frame too large");
    if (c->hb_active && (fh->type != LWG_H2_CONTINUATION || fh->stream_id != c->hb_stream_id))
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "expected CONTINUATION");
    if (c->state == LWG_H2_CONN_SETTINGS &&
        (fh->type != LWG_H2_SETTINGS || (fh->flags & LWG_H2_FLAG_ACK)))
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "SETTINGS expected first");

    switch (fh->type) {
    case LWG_H2_DATA:
        return start_data(c);
    case LWG_H2_HEADERS:
        return start_headers(c);
    case LWG_H2_PRIORITY:
        if (fh->stream_id == 0)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "PRIORITY on stream 0");
        if (fh->length != 5) { /* §6.3: a stream error */
            if (lwg_h2_stream_classify(c, fh->stream_id, &st) == LWG_H2_SID_LIVE)
                lwg_h2_stream_reset(c, st, LWG_H2_FRAME_SIZE_ERROR, LWG_H2_CLOSE_RESET_US);
            else
                lwg_h2_rst_id(c, fh->stream_id, LWG_H2_FRAME_SIZE_ERROR);
        }
        return 0;
    case LWG_H2_RST_STREAM:
        if (fh->stream_id == 0)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "RST_STREAM on stream 0");
        if (fh->length != 4)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "RST_STREAM length");
        if (lwg_h2_stream_classify(c, fh->stream_id, &st) == LWG_H2_SID_IDLE)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "RST_STREAM on idle stream");
        return 0;
    case LWG_H2_SETTINGS:
        if (fh->stream_id != 0)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "SETTINGS on a stream");
        if ((fh->flags & LWG_H2_FLAG_ACK) ? fh->length != 0 : fh->length % 6 != 0)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "SETTINGS length");
        return 0;
    case LWG_H2_PUSH_PROMISE: /* we advertise ENABLE_PUSH=0 */
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "PUSH_PROMISE");
    case LWG_H2_PING:
        if (fh->stream_id != 0)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "PING on a stream");
        if (fh->length != 8)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "PING length");
        return 0;
    case LWG_H2_GOAWAY:
        if (fh->stream_id != 0)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "GOAWAY on a stream");
        if (fh->length < 8)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "GOAWAY length");
        c->goaway_debug_len = 0;
        return 0;
    case LWG_H2_WINDOW_UPDATE:
        if (fh->length != 4)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FRAME_SIZE_ERROR, "WINDOW_UPDATE length");
        if (fh->stream_id != 0 &&
            lwg_h2_stream_classify(c, fh->stream_id, &st) == LWG_H2_SID_IDLE)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream");
        return 0;
    case LWG_H2_CONTINUATION:
        if (!c->hb_active)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "CONTINUATION without HEADERS");
        if (++c->hb_continuations > LWG_MAX_CONTINUATIONS)
            return lwg_h2_conn_fail(c, LWG_ETOOBIG, LWG_H2_ENHANCE_YOUR_CALM, "CONTINUATION flood");
        return 0;
    default:
        return 0; /* §4.1: unknown types are ignored */
    }
}

/* ---- frame payload ------------------------------------------------------ */

static int apply_setting(lwg_h2_conn *c, uint16_t id, uint32_t v)
{
    lwg_h2_peer_settings *ps = &c->peer;

    switch (id) {
    case LWG_H2_SETTINGS_HEADER_TABLE_SIZE:
        ps->header_table_size = v;
        lwg_hpack_enc_set_peer_max(&c->hpack_enc, v);
        break;
    case LWG_H2_SETTINGS_ENABLE_PUSH:
        if (v > 1 || (!c->is_server && v != 0))
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "ENABLE_PUSH");
        ps->enable_push = (uint8_t)v;
        break;
    case LWG_H2_SETTINGS_MAX_CONCURRENT_STREAMS: {
        uint32_t old = ps->max_concurrent;
        ps->max_concurrent = v;
        if (v > old)
            lwg_h2_notify_open_ready(c);
        break;
    }
    case LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE: {
        int64_t delta = (int64_t)v - (int64_t)ps->initial_window;
        if (v > LWG_H2_MAX_WINDOW)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE");
        /* §6.9.2: adjust every open stream; past 2^31-1 is fatal */
        for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
            lwg_h2_stream *st = &c->streams[i];
            if (st->state == LWG_H2_ST_FREE || st->state == LWG_H2_ST_RST_PENDING)
                continue;
            if ((int64_t)st->send_window + delta > (int64_t)LWG_H2_MAX_WINDOW)
                return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FLOW_CONTROL_ERROR, "window overflow");
            st->send_window = (int32_t)((int64_t)st->send_window + delta);
        }
        ps->initial_window = v;
        if (delta > 0)
            lwg_h2_notify_send_ready(c);
        break;
    }
    case LWG_H2_SETTINGS_MAX_FRAME_SIZE:
        if (v < LWG_H2_MIN_MAX_FRAME_SIZE || v > LWG_H2_MAX_MAX_FRAME_SIZE)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "MAX_FRAME_SIZE");
        ps->max_frame_size = v;
        break;
    case LWG_H2_SETTINGS_MAX_HEADER_LIST_SIZE:
        ps->max_header_list = v;
        break;
    default:
        break; /* §6.5.2: unknown settings are ignored */
    }
    return 0;
}

/* Our SETTINGS were ACKed: streams opened before now were granted the
 * default window; move them to ours (§6.9.2). */
static void local_settings_acked(lwg_h2_conn *c)
{
    int64_t delta = (int64_t)c->local->initial_window - LWG_H2_DEFAULT_WINDOW;

    if (c->settings_unacked == 0)
        return; /* an ACK we did not ask for: ignore */
    if (--c->settings_unacked != 0 || delta == 0)
        return;
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        lwg_h2_stream *st = &c->streams[i];
        if (st->state != LWG_H2_ST_FREE && st->state != LWG_H2_ST_RST_PENDING) {
            st->recv_window = (int32_t)((int64_t)st->recv_window + delta);
            lwg_h2_credit_note(c, st); /* a smaller window may shut */
        }
    }
}

/* Gather up to `want` bytes of a small payload into rx_ctl. */
static size_t gather(lwg_h2_conn *c, const uint8_t *p, size_t n, size_t want)
{
    size_t take = want - c->rx_ctl_have;

    if (take > n)
        take = n;
    memcpy(c->rx_ctl + c->rx_ctl_have, p, take);
    c->rx_ctl_have = (uint8_t)(c->rx_ctl_have + take);
    return take;
}

/* n DATA body bytes: up to the stream's application, or, when there is
 * none (the stream is gone or was reset during this frame), credited back
 * to the connection unless the whole frame was when it started. */
static void deliver_data(lwg_h2_conn *c, const uint8_t *p, size_t n)
{
    lwg_h2_stream *st = c->rx_stream;
    uint32_t id = c->rx.stream_id;

    if (n == 0)
        return;
    if (lwg_h2_stream_receiving(st, id) && st->length_left != LWG_H2_NO_LENGTH) {
        if (n > st->length_left) /* §8.1.1: more than content-length said */
            lwg_h2_stream_reset(c, st, LWG_H2_PROTOCOL_ERROR, LWG_H2_CLOSE_RESET_US);
        else
            st->length_left -= (uint32_t)n;
    }
    if (!lwg_h2_stream_receiving(st, id)) {
        c->rx_stream = NULL;
        if (!c->rx_whole_credited)
            c->conn_recv_unacked += (uint32_t)n;
        return;
    }
    if (c->cb && c->cb->on_data)
        c->cb->on_data(c, st, p, n);
    else
        lwg_h2_consume(c, st, n);
}

/* n body bytes of DATA or of a header fragment. */
static int frame_body(lwg_h2_conn *c, const uint8_t *p, size_t n)
{
    if (c->rx.type != LWG_H2_DATA)
        return lwg_h2_hb_append(c, p, n);
    deliver_data(c, p, n);
    return 0;
}

/* DATA or a header fragment: pad length, priority, body, padding. */
static int padded_payload(lwg_h2_conn *c, const uint8_t *p, size_t n)
{
    const lwg_h2_frame_hdr *fh = &c->rx;
    uint32_t pos = c->rx_pos;
    size_t i = 0;

    /* the usual frame, all of it here with no padding and no priority:
     * what the loop below would do, without its per-piece checks (about
     * 25 instructions a frame in callgrind) */
    if (pos == 0 && n == fh->length &&
        !(fh->flags & (LWG_H2_FLAG_PADDED | LWG_H2_FLAG_PRIORITY)))
        return frame_body(c, p, n);

    while (i < n) {
        uint32_t body_end = fh->length - c->rx_pad;
        if (pos == 0 && (fh->flags & LWG_H2_FLAG_PADDED) &&
            fh->type != LWG_H2_CONTINUATION) {
            uint32_t prio = (fh->type == LWG_H2_HEADERS && (fh->flags & LWG_H2_FLAG_PRIORITY)) ? 5u : 0u;
            c->rx_pad = p[i];
            c->rx_body_start = 1 + prio;
            /* §6.1/§6.2: padding must leave room for the rest */
            if (c->rx_pad + 1u + prio > fh->length)
                return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "bad padding");
            i++, pos++;
            continue;
        }
        if (pos == 0 && fh->type == LWG_H2_HEADERS && (fh->flags & LWG_H2_FLAG_PRIORITY))
            c->rx_body_start = 5;
        if (pos < c->rx_body_start) { /* priority fields: only checked */
            uint32_t prio_start = c->rx_body_start - 5;
            size_t k = c->rx_body_start - pos;
            if (k > n - i)
                k = n - i;
            for (size_t j = 0; j < k; j++) {
                uint32_t at = pos + (uint32_t)j - prio_start; /* 0..4 */
                if (at < 4)
                    c->rx_ctl[at] = p[i + j];
                if (at == 3 && (lwg_get_u32be(c->rx_ctl) & LWG_H2_MAX_STREAM_ID) == fh->stream_id)
                    c->hb_self_dependency = 1; /* §5.3.1: a stream error */
            }
            i += k, pos += (uint32_t)k;
            continue;
        }
        if (pos < body_end) {
            size_t k = body_end - pos;
            if (k > n - i)
                k = n - i;
            if (frame_body(c, p + i, k) < 0)
                return LWG_ECONN;
            i += k, pos += (uint32_t)k;
            continue;
        }
        /* padding */
        pos += (uint32_t)(n - i);
        i = n;
    }
    return 0;
}

static int settings_payload(lwg_h2_conn *c, const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        i += gather(c, p + i, n - i, 6);
        if (c->rx_ctl_have == 6) {
            c->rx_ctl_have = 0;
            if (apply_setting(c, (uint16_t)lwg_get_u16be(c->rx_ctl),
                              lwg_get_u32be(c->rx_ctl + 2)) < 0)
                return LWG_ECONN;
        }
    }
    return 0;
}

static int goaway_payload(lwg_h2_conn *c, const uint8_t *p, size_t n)
{
    size_t i = 0;

    if (c->rx_ctl_have < 8)
        i = gather(c, p, n, 8);
    for (; i < n; i++)
        if (c->goaway_debug_len < LWG_GOAWAY_DEBUG_MAX)
            c->goaway_debug[c->goaway_debug_len++] = p[i];
    return 0;
}

static int payload(lwg_h2_conn *c, const uint8_t *p, size_t n)
{
    switch (c->rx.type) {
    case LWG_H2_DATA:
    case LWG_H2_HEADERS:
    case LWG_H2_CONTINUATION:
        return padded_payload(c, p, n);
    case LWG_H2_SETTINGS:
        return settings_payload(c, p, n);
    case LWG_H2_GOAWAY:
        return goaway_payload(c, p, n);
    case LWG_H2_PING:
    case LWG_H2_RST_STREAM:
    case LWG_H2_WINDOW_UPDATE:
        gather(c, p, n, c->rx.length);
        return 0;
    case LWG_H2_PRIORITY:
        if (c->rx.length == 5 && c->rx_ctl_have < 4)
            gather(c, p, n, 4);
        return 0;
    default:
        return 0; /* PRIORITY and unknown frames: skipped */
    }
}

/* ---- frame end ------------------------------------------------------------ */

static int window_update(lwg_h2_conn *c)
{
    uint32_t inc = lwg_get_u32be(c->rx_ctl) & LWG_H2_MAX_WINDOW;
    uint32_t id = c->rx.stream_id;
    lwg_h2_stream *st;

    if (id == 0) {
        if (inc == 0)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "WINDOW_UPDATE 0");
        if ((int64_t)c->conn_send_window + inc > (int64_t)LWG_H2_MAX_WINDOW)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_FLOW_CONTROL_ERROR, "window overflow");
        c->conn_send_window += (int32_t)inc;
        lwg_h2_notify_send_ready(c);
        return 0;
    }
    if (lwg_h2_stream_classify(c, id, &st) != LWG_H2_SID_LIVE)
        return 0; /* closed: ignored */
    if (inc == 0) {
        lwg_h2_stream_reset(c, st, LWG_H2_PROTOCOL_ERROR, LWG_H2_CLOSE_RESET_US);
        return 0;
    }
    if ((int64_t)st->send_window + inc > (int64_t)LWG_H2_MAX_WINDOW) {
        lwg_h2_stream_reset(c, st, LWG_H2_FLOW_CONTROL_ERROR, LWG_H2_CLOSE_RESET_US);
        return 0;
    }
    st->send_window += (int32_t)inc;
    if (st->want_send && st->send_window > 0 && c->conn_send_window > 0) {
        lwg_h2_want_send(c, st, 0);
        if (c->cb && c->cb->on_send_ready)
            c->cb->on_send_ready(c, st);
    }
    return 0;
}

static int frame_end(lwg_h2_conn *c)
{
    const lwg_h2_frame_hdr *fh = &c->rx;
    lwg_h2_stream *st;
    uint8_t *p;

    switch (fh->type) {
    case LWG_H2_DATA: {
        uint32_t overhead = (fh->flags & LWG_H2_FLAG_PADDED) ? c->rx_pad + 1u : 0u;
        st = c->rx_stream;
        /* padding is flow-controlled but never consumed: credit it, unless
         * the whole frame was credited when it started */
        if (overhead && !c->rx_whole_credited)
            lwg_h2_consume(c, lwg_h2_stream_receiving(st, fh->stream_id) ? st : NULL, overhead);
        if ((fh->flags & LWG_H2_FLAG_END_STREAM) && lwg_h2_stream_receiving(st, fh->stream_id))
            lwg_h2_stream_remote_end(c, st);
        return 0;
    }
    case LWG_H2_HEADERS:
    case LWG_H2_CONTINUATION:
        if (fh->flags & LWG_H2_FLAG_END_HEADERS)
            return lwg_h2_hb_finish(c);
        return 0;
    case LWG_H2_SETTINGS:
        if (fh->flags & LWG_H2_FLAG_ACK) {
            local_settings_acked(c);
            return 0;
        }
        p = lwg_h2_tx_reserve(c, 9);
        if (p != NULL)
            lwg_h2_tx_commit(c, (size_t)lwg_h2_write_settings_ack(p, lwg_h2_tx_end(c)));
        if (c->state == LWG_H2_CONN_SETTINGS) {
            c->state = LWG_H2_CONN_OPEN;
            if (c->cb && c->cb->on_ready)
                c->cb->on_ready(c);
        }
        return 0;
    case LWG_H2_PING:
        if (fh->flags & LWG_H2_FLAG_ACK) {
            if (c->ping_outstanding && memcmp(c->ping_opaque, c->rx_ctl, 8) == 0) {
                c->ping_outstanding = 0;
                if (c->cb && c->cb->on_ping_ack)
                    c->cb->on_ping_ack(c, c->rx_ctl);
            }
            return 0;
        }
        p = lwg_h2_tx_reserve(c, 17);
        if (p != NULL)
            lwg_h2_tx_commit(c, (size_t)lwg_h2_write_ping(p, lwg_h2_tx_end(c), c->rx_ctl, 1));
        if (c->cb && c->cb->on_ping)
            c->cb->on_ping(c, c->rx_ctl);
        return 0;
    case LWG_H2_RST_STREAM:
        if (lwg_h2_stream_classify(c, fh->stream_id, &st) == LWG_H2_SID_LIVE) {
            uint32_t code = lwg_get_u32be(c->rx_ctl);
            lwg_h2_stream_set_state(c, st, LWG_H2_ST_HALF_CLOSED_LOCAL); /* closed */
            lwg_h2_stream_close(c, st, code == LWG_H2_REFUSED_STREAM ? LWG_H2_CLOSE_REFUSED
                                                                      : LWG_H2_CLOSE_RESET_PEER,
                                code);
        }
        return 0;
    case LWG_H2_WINDOW_UPDATE:
        return window_update(c);
    case LWG_H2_GOAWAY:
        lwg_h2_handle_goaway(c, lwg_get_u32be(c->rx_ctl) & LWG_H2_MAX_STREAM_ID,
                             lwg_get_u32be(c->rx_ctl + 4));
        return 0;
    case LWG_H2_PRIORITY:
        /* parsed and ignored, but a stream may not depend on itself */
        if (fh->length == 5 &&
            (lwg_get_u32be(c->rx_ctl) & LWG_H2_MAX_STREAM_ID) == fh->stream_id) {
            if (lwg_h2_stream_classify(c, fh->stream_id, &st) == LWG_H2_SID_LIVE)
                lwg_h2_stream_reset(c, st, LWG_H2_PROTOCOL_ERROR, LWG_H2_CLOSE_RESET_US);
            else
                lwg_h2_rst_id(c, fh->stream_id, LWG_H2_PROTOCOL_ERROR);
        }
        return 0;
    default:
        return 0;
    }
}

/* ---- the entry point ------------------------------------------------------ */

int lwg_h2_recv(lwg_h2_conn *c, const uint8_t *data, size_t len, uint32_t now_ms)
{
    size_t used = 0;

    (void)now_ms;
    if (c->fatal)
        return LWG_ECONN;
    LWG_ASSERT(lwg_h2_stream_table_check(c) == 0);
    c->bytes_received += (uint32_t)len;
    while (used < len) {
        const uint8_t *p = data + used;
        size_t n = len - used;

        switch (c->rx_state) {
        case LWG_H2_RX_PREFACE: {
            size_t k = LWG_H2_PREFACE_LEN - c->rx_pos;
            if (k > n)
                k = n;
            if (memcmp(p, &LWG_H2_PREFACE[c->rx_pos], k) != 0) {
                lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "bad preface");
                return LWG_ECONN;
            }
            c->rx_pos += (uint32_t)k;
            used += k;
            if (c->rx_pos == LWG_H2_PREFACE_LEN) {
                c->rx_pos = 0;
                c->rx_state = LWG_H2_RX_HEADER;
            }
            break;
        }
        case LWG_H2_RX_HEADER: {
            const uint8_t *hdr;
            size_t k;
            if (c->rx_hdr_have == 0 && lwg_h2_tx_free(c) < LWG_H2_TX_RESERVE)
                return (int)used; /* flush output first */
            if (c->rx_hdr_have == 0 && n >= 9) { /* whole: read in place */
                hdr = p;
                used += 9;
            } else {
                k = 9u - c->rx_hdr_have;
                if (k > n)
                    k = n;
                memcpy(c->rx_hdr + c->rx_hdr_have, p, k);
                c->rx_hdr_have = (uint8_t)(c->rx_hdr_have + k);
                used += k;
                if (c->rx_hdr_have < 9)
                    break;
                c->rx_hdr_have = 0;
                hdr = c->rx_hdr;
            }
            if (frame_start(c, hdr) < 0 || c->fatal)
                return LWG_ECONN;
            if (c->rx.length != 0) {
                c->rx_state = LWG_H2_RX_PAYLOAD;
                break;
            }
            if (frame_end(c) < 0 || c->fatal)
                return LWG_ECONN;
            break;
        }
        case LWG_H2_RX_PAYLOAD: {
            size_t k = c->rx.length - c->rx_pos;
            if (k > n)
                k = n;
            if (payload(c, p, k) < 0 || c->fatal)
                return LWG_ECONN;
            c->rx_pos += (uint32_t)k;
            used += k;
            if (c->rx_pos == c->rx.length) {
                c->rx_state = LWG_H2_RX_HEADER;
                if (frame_end(c) < 0 || c->fatal)
                    return LWG_ECONN;
            }
            break;
        }
        default:
            return LWG_ECONN;
        }
    }
    return (int)used;
}
