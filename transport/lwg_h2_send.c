/*
 * lwg_h2_send.c - the transmit side: tx_buf, outbound HEADERS (HPACK
 * encoded straight into tx_buf, split into CONTINUATION at the peer's
 * MAX_FRAME_SIZE), DATA within both send windows, and the receive-window
 * credit (WINDOW_UPDATE) owed to the peer.
 *
 * tx_buf holds bytes [tx_head, tx_tail).  Writers reserve contiguous room
 * at the tail (compacting to the front when needed), write a frame, and
 * commit.  HEADERS and DATA leave LWG_H2_TX_RESERVE bytes free so control
 * answers always fit.
 */
#include "transport/lwg_h2_priv.h"

#include <string.h>

size_t lwg_h2_tx_free(const lwg_h2_conn *c)
{
    return LWG_TX_BUF_SIZE - (c->tx_tail - c->tx_head);
}

uint8_t *lwg_h2_tx_reserve(lwg_h2_conn *c, size_t need)
{
    if (lwg_h2_tx_free(c) < need)
        return NULL;
    if (LWG_TX_BUF_SIZE - c->tx_tail < need) {
        uint32_t n = c->tx_tail - c->tx_head;
        memmove(c->tx_buf, c->tx_buf + c->tx_head, n);
        c->tx_head = 0;
        c->tx_tail = n;
    }
    return c->tx_buf + c->tx_tail;
}

/* Room for HEADERS/DATA: everything but the control reserve. */
static size_t tx_room_for_streams(const lwg_h2_conn *c)
{
    size_t f = lwg_h2_tx_free(c);
    return f > LWG_H2_TX_RESERVE ? f - LWG_H2_TX_RESERVE : 0;
}

void lwg_h2_write_preface(lwg_h2_conn *c)
{
    const lwg_h2_settings *s = c->local;
    lwg_h2_setting set[6];
    size_t n = 0;
    uint8_t *p;

    if (!c->is_server) {
        p = lwg_h2_tx_reserve(c, LWG_H2_PREFACE_LEN);
        memcpy(p, LWG_H2_PREFACE, LWG_H2_PREFACE_LEN);
        lwg_h2_tx_commit(c, LWG_H2_PREFACE_LEN);
    }
    if (s->header_table_size != LWG_H2_DEFAULT_TABLE_SIZE)
        set[n++] = (lwg_h2_setting){ LWG_H2_SETTINGS_HEADER_TABLE_SIZE, s->header_table_size };
    set[n++] = (lwg_h2_setting){ LWG_H2_SETTINGS_ENABLE_PUSH, 0 };
    set[n++] = (lwg_h2_setting){ LWG_H2_SETTINGS_MAX_CONCURRENT_STREAMS, s->max_concurrent };
    if (s->initial_window != LWG_H2_DEFAULT_WINDOW)
        set[n++] = (lwg_h2_setting){ LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, s->initial_window };
    if (s->max_frame_size != LWG_H2_MIN_MAX_FRAME_SIZE)
        set[n++] = (lwg_h2_setting){ LWG_H2_SETTINGS_MAX_FRAME_SIZE, s->max_frame_size };
    set[n++] = (lwg_h2_setting){ LWG_H2_SETTINGS_MAX_HEADER_LIST_SIZE, s->max_header_list };
    /* LWG_TX_BUF_SIZE >= 128 (lwg_opt_check.h): 24 + 45 + 13 fit */
    p = lwg_h2_tx_reserve(c, 9 + 6 * n);
    lwg_h2_tx_commit(c, (size_t)lwg_h2_write_settings(p, lwg_h2_tx_end(c), set, n));
    c->settings_unacked = 1;
    if (s->conn_window > LWG_H2_DEFAULT_WINDOW) {
        uint32_t inc = s->conn_window - LWG_H2_DEFAULT_WINDOW;
        p = lwg_h2_tx_reserve(c, 13);
        lwg_h2_tx_commit(c, (size_t)lwg_h2_write_window_update(p, lwg_h2_tx_end(c), 0, inc));
        c->conn_recv_window += (int32_t)inc;
    }
}

/* ---- WINDOW_UPDATE: credit for consumed bytes, coalesced -------------- */

int lwg_h2_stream_owes_credit(const lwg_h2_conn *c, const lwg_h2_stream *st)
{
    if (st->recv_unacked == 0 || !lwg_h2_state_receiving(st->state))
        return 0;
    /* coalesce: at half a window, or when the window is shut */
    return st->recv_unacked >= c->local->initial_window / 2 || st->recv_window <= 0;
}

void lwg_h2_credit_note(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (lwg_h2_stream_owes_credit(c, st))
        lwg_h2_slot_put(c->slots_credit, lwg_h2_slot_of(c, st), 1);
}

void lwg_h2_consume(lwg_h2_conn *c, lwg_h2_stream *st, size_t n)
{
    if (n == 0 || c->fatal)
        return;
    c->conn_recv_unacked += (uint32_t)n;
    if (st != NULL && lwg_h2_state_receiving(st->state)) {
        st->recv_unacked += (uint32_t)n;
        lwg_h2_credit_note(c, st);
    }
}

void lwg_h2_write_window_updates(lwg_h2_conn *c)
{
    uint8_t *p;

    if (c->fatal)
        return;
    if (c->conn_recv_unacked > 0 &&
        (c->conn_recv_unacked >= c->local->conn_window / 2 ||
         c->conn_recv_window <= 0)) {
        p = lwg_h2_tx_reserve(c, 13);
        if (p == NULL)
            return;
        lwg_h2_tx_commit(c, (size_t)lwg_h2_write_window_update(p, lwg_h2_tx_end(c), 0,
                                                                c->conn_recv_unacked));
        c->conn_recv_window += (int32_t)c->conn_recv_unacked;
        c->conn_recv_unacked = 0;
    }
    /* only the streams marked by lwg_h2_credit_note(); a mark whose
     * stream no longer owes anything is dropped */
    for (unsigned i = lwg_h2_slot_next(c->slots_credit, 0); i < LWG_MAX_STREAMS;
         i = lwg_h2_slot_next(c->slots_credit, i + 1)) {
        lwg_h2_stream *st = &c->streams[i];
        if (lwg_h2_stream_owes_credit(c, st)) {
            p = lwg_h2_tx_reserve(c, 13);
            if (p == NULL)
                return; /* still marked */
            lwg_h2_tx_commit(c, (size_t)lwg_h2_write_window_update(p, lwg_h2_tx_end(c), st->id,
                                                                    st->recv_unacked));
            st->recv_window += (int32_t)st->recv_unacked;
            st->recv_unacked = 0;
        }
        lwg_h2_slot_put(c->slots_credit, i, 0);
    }
}

/* RST_STREAMs that did not fit when decided, and a decided GOAWAY. */
void lwg_h2_write_pending(lwg_h2_conn *c)
{
    uint8_t *p;

    for (unsigned i = lwg_h2_slot_next(c->slots_rst_pending, 0); i < LWG_MAX_STREAMS;
         i = lwg_h2_slot_next(c->slots_rst_pending, i + 1)) {
        lwg_h2_stream *st = &c->streams[i];
        p = lwg_h2_tx_reserve(c, 13);
        if (p == NULL)
            return;
        lwg_h2_tx_commit(c, (size_t)lwg_h2_write_rst_stream(p, lwg_h2_tx_end(c), st->id,
                                                             st->rst_code));
        lwg_h2_stream_free(c, st);
        lwg_h2_notify_open_ready(c);
    }
    if (c->goaway_pending) {
        const char *dbg = c->goaway_debug_out;
        size_t dlen = dbg ? strlen(dbg) : 0;
        if (dlen > LWG_H2_TX_RESERVE - 17)
            dlen = LWG_H2_TX_RESERVE - 17;
        p = lwg_h2_tx_reserve(c, 17 + dlen);
        if (p == NULL)
            return;
        lwg_h2_tx_commit(c, (size_t)lwg_h2_write_goaway(p, lwg_h2_tx_end(c), c->goaway_last_id,
                                                         c->goaway_code,
                                                         (const uint8_t *)dbg, dlen));
        c->goaway_pending = 0;
        c->goaway_sent = 1;
    }
}

/* ---- HEADERS --------------------------------------------------------- */

static int stream_can_send(const lwg_h2_stream *st)
{
    return st->state == LWG_H2_ST_OPEN || st->state == LWG_H2_ST_HALF_CLOSED_REMOTE;
}

/* Split the block at b[9 .. 9+blen) into HEADERS + CONTINUATION frames of
 * at most maxf payload bytes, in place (room for the extra frame headers
 * was checked).  Works from the last chunk backwards so nothing is
 * overwritten before it moves. */
static size_t frame_header_block(uint8_t *b, size_t blen, size_t maxf,
                                 uint32_t id, uint8_t first_flags)
{
    size_t nframes, total;

    if (blen <= maxf) { /* the usual block: one HEADERS frame */
        lwg_h2_frame_hdr_encode(b, (uint32_t)blen, LWG_H2_HEADERS,
                                (uint8_t)(first_flags | LWG_H2_FLAG_END_HEADERS), id);
        return 9 + blen;
    }
    nframes = (blen + maxf - 1) / maxf;
    total = blen + 9 * nframes;
    for (size_t k = nframes; k-- > 1;) {
        size_t off = k * maxf;                 /* chunk start in block */
        size_t len = blen - off < maxf ? blen - off : maxf;
        uint8_t *dst = b + 9 * (k + 1) + off;  /* after k+1 headers    */
        memmove(dst, b + 9 + off, len);
        lwg_h2_frame_hdr_encode(dst - 9, (uint32_t)len, LWG_H2_CONTINUATION,
                                k == nframes - 1 ? LWG_H2_FLAG_END_HEADERS : 0, id);
    }
    lwg_h2_frame_hdr_encode(b, (uint32_t)maxf, LWG_H2_HEADERS, first_flags, id);
    return total;
}

/* Fingerprint of a run of fields: their pointers and lengths (the caller
 * of a memo promises that these identify the contents). */
static uint64_t run_key(const lwg_h2_nv *nv, size_t n)
{
    uint64_t h = n;

    for (size_t k = 0; k < n; k++) {
        h = h * 1000003u + (uint64_t)(uintptr_t)nv[k].name;
        h = h * 1000003u + (uint64_t)(uintptr_t)nv[k].value;
        h = h * 1000003u + ((uint64_t)nv[k].name_len << 32 | nv[k].value_len);
    }
    return h;
}

/* Encode nv[0..n) at *p: runs marked with a memo id come from their memo
 * when it is current, and are kept in it otherwise. */
static int encode_fields(lwg_hpack_enc *e, uint8_t **p, uint8_t *end, const lwg_h2_nv *nv,
                         size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned id = LWG_HPACK_MEMO_ID(nv[i].flags);
        size_t j = i + 1;
        uint64_t key = 0;
        uint32_t mark = 0;
        uint8_t *run = *p;
        int r;

        if (id != 0) {
            while (j < n && LWG_HPACK_MEMO_ID(nv[j].flags) == id)
                j++;
            key = run_key(nv + i, j - i);
            r = lwg_hpack_memo_use(e, id, key, p, end, NULL);
            if (r == LWG_OK) {
                i = j;
                continue;
            }
            if (r != LWG_EAGAIN)
                return r;
            mark = lwg_hpack_memo_mark(e);
        }
        for (size_t k = i; k < j; k++) {
            r = lwg_hpack_encode_field(e, p, end, nv[k].name, nv[k].name_len, nv[k].value,
                                       nv[k].value_len, nv[k].flags);
            if (r != LWG_OK)
                return r;
        }
        if (id != 0)
            lwg_hpack_memo_keep(e, id, key, mark, run, (size_t)(*p - run), 0);
        i = j;
    }
    return LWG_OK;
}

static uint64_t head_key(const lwg_h2_const_block *h)
{
    return h->key != 0 ? h->key : (uint64_t)(uintptr_t)h;
}

/* What a header list adds to the list size and to the worst-case
 * encoded size. */
static void tally(const lwg_h2_nv *nv, size_t n, uint64_t *list_size, size_t *worst)
{
    for (size_t i = 0; i < n; i++) {
        *list_size += (uint64_t)nv[i].name_len + nv[i].value_len + 32u;
        *worst += lwg_hpack_enc_worst_case(nv[i].name_len, nv[i].value_len);
    }
}

/* Encode a constant head at *p field by field (its memo was not
 * current), then keep it in its memo with its list size. */
static int encode_head(lwg_hpack_enc *e, uint8_t **p, uint8_t *end, const lwg_h2_const_block *h,
                       uint64_t list_size)
{
    uint8_t *start = *p;
    uint32_t mark = lwg_hpack_memo_mark(e);
    int r = encode_fields(e, p, end, h->nv, h->n);

    if (r == LWG_OK && list_size <= 0xffffffffu)
        lwg_hpack_memo_keep(e, h->memo, head_key(h), mark, start, (size_t)(*p - start),
                            (uint32_t)list_size);
    return r;
}

/* Can a header block go out on st now?  LWG_OK, or why not. */
static inline int block_allowed(const lwg_h2_conn *c, const lwg_h2_stream *st)
{
    if (c->fatal)
        return LWG_ECONN;
    if (st == NULL || (st->state != LWG_H2_ST_IDLE && !stream_can_send(st)))
        return LWG_EINVAL;
    if (st->state == LWG_H2_ST_IDLE &&
        (c->goaway_received || c->next_local_id > LWG_H2_MAX_STREAM_ID))
        return LWG_ECLOSED;
    return LWG_OK;
}

/* A stream of ours gets its id as its first HEADERS go out. */
static void assign_local_id(lwg_h2_conn *c, lwg_h2_stream *st)
{
    uint32_t id = c->next_local_id;

    st->tx_mark = c->tx_written; /* the block starts at the tail */
    c->next_local_id += 2;
    c->last_local_id = id;
    lwg_h2_stream_assign_id(c, st, id);
}

/* The block: head (may be NULL), then nv[0..n).  A head alone whose memo
 * is current (the usual constant block) is one copy, checked with the list
 * size kept in the memo, and opens no encoder block. */
static int submit_block(lwg_h2_conn *c, lwg_h2_stream *st, const lwg_h2_const_block *head,
                        const lwg_h2_nv *nv, size_t n, int end_stream)
{
    uint64_t list_size = 0, head_size = 0;
    uint32_t memo_size;
    size_t worst = LWG_HPACK_UPDATES_MAX;
    size_t room, maxf = c->peer.max_frame_size, blen, nframes;
    uint8_t *start, *p, *end;
    int r = block_allowed(c, st);

    if (r != LWG_OK)
        return r;
    room = tx_room_for_streams(c);
    if (room <= 9)
        goto no_room;
    start = lwg_h2_tx_reserve(c, room);
    end = start + room;
    p = start + 9;
    if (head != NULL && n == 0 &&
        lwg_hpack_memo_use(&c->hpack_enc, head->memo, head_key(head), &p, end,
                           &memo_size) == LWG_OK) {
        if (memo_size > c->peer.max_header_list) /* copied, not committed */
            return LWG_ETOOBIG;
        blen = (size_t)(p - (start + 9)); /* a few bytes: one frame */
        goto framed;
    }
    if (head != NULL)
        tally(head->nv, head->n, &head_size, &worst);
    list_size = head_size;
    tally(nv, n, &list_size, &worst);
    if (list_size > c->peer.max_header_list)
        return LWG_ETOOBIG;
    /* The encoder may add to its table only if this block is sure to be
     * sent: the peer's decoder never sees a block given up here. */
    lwg_hpack_enc_block_begin(&c->hpack_enc,
                              worst + 9 * ((worst + maxf - 1) / maxf) <= room);
    if (head != NULL) {
        /* alone, its memo was tried above */
        r = n == 0 ? LWG_EAGAIN
                   : lwg_hpack_memo_use(&c->hpack_enc, head->memo, head_key(head), &p, end,
                                        NULL);
        if (r == LWG_EAGAIN)
            r = encode_head(&c->hpack_enc, &p, end, head, head_size);
        if (r != LWG_OK)
            goto no_room_block;
    }
    if (encode_fields(&c->hpack_enc, &p, end, nv, n) != LWG_OK)
        goto no_room_block;
    blen = (size_t)(p - (start + 9));
    nframes = blen == 0 ? 1 : (blen + maxf - 1) / maxf;
    if (blen + 9 * nframes > room)
        goto no_room_block;
    lwg_hpack_enc_block_end(&c->hpack_enc, 1);
framed:
    if (st->state == LWG_H2_ST_IDLE)
        assign_local_id(c, st);
    lwg_h2_tx_commit(c, frame_header_block(start, blen, maxf, st->id,
                                           end_stream ? LWG_H2_FLAG_END_STREAM : 0));
    c->hd_frames_sent++;
    lwg_h2_want_send(c, st, 0);
    if (end_stream)
        lwg_h2_stream_local_end(c, st);
    return LWG_OK;

no_room_block:
    lwg_hpack_enc_block_end(&c->hpack_enc, 0);
no_room:
    /* With an empty tx_buf it can never fit. */
    if (c->tx_tail == c->tx_head)
        return LWG_ETOOBIG;
    lwg_h2_want_send(c, st, 1);
    return LWG_EAGAIN;
}

int lwg_h2_submit_headers(lwg_h2_conn *c, lwg_h2_stream *st,
                          const lwg_h2_nv *nv, size_t n, int end_stream)
{
    return submit_block(c, st, NULL, nv, n, end_stream);
}

int lwg_h2_submit_const_headers(lwg_h2_conn *c, lwg_h2_stream *st,
                                const lwg_h2_const_block *head, const lwg_h2_nv *nv,
                                size_t n, int end_stream)
{
    return submit_block(c, st, head, nv, n, end_stream);
}

/* ---- DATA -------------------------------------------------------------- */

/* Payload bytes one DATA frame may carry now. */
static size_t data_allowance(const lwg_h2_conn *c, const lwg_h2_stream *st)
{
    int32_t w = c->conn_send_window < st->send_window ? c->conn_send_window : st->send_window;
    size_t room = tx_room_for_streams(c);
    size_t a;

    if (w <= 0 || room <= 9)
        return 0;
    a = (size_t)w;
    if (a > c->peer.max_frame_size)
        a = c->peer.max_frame_size;
    if (a > room - 9)
        a = room - 9;
    return a;
}

static void data_frame_done(lwg_h2_conn *c, lwg_h2_stream *st, size_t n,
                            int end_stream)
{
    c->hd_frames_sent++;
    c->conn_send_window -= (int32_t)n;
    st->send_window -= (int32_t)n;
    if (end_stream)
        lwg_h2_stream_local_end(c, st);
}

int lwg_h2_submit_data(lwg_h2_conn *c, lwg_h2_stream *st,
                       const uint8_t *data, size_t len, int end_stream)
{
    size_t taken = 0;

    if (c->fatal)
        return LWG_ECONN;
    if (st == NULL || !stream_can_send(st))
        return LWG_EINVAL;
    while (taken < len || (end_stream && len == 0)) {
        size_t a = data_allowance(c, st), chunk;
        int last;
        uint8_t *p;

        if (len == 0) {
            /* an empty DATA frame only carries END_STREAM: no window */
            if (tx_room_for_streams(c) < 9)
                break;
            a = 0;
        } else if (a == 0) {
            break;
        }
        chunk = len - taken < a ? len - taken : a;
        last = end_stream && taken + chunk == len;
        p = lwg_h2_tx_reserve(c, 9 + chunk);
        lwg_h2_tx_commit(c, (size_t)lwg_h2_write_data(p, lwg_h2_tx_end(c), st->id,
                                                       data + taken, chunk, last, 0));
        taken += chunk;
        data_frame_done(c, st, chunk, last);
        if (last || len == 0)
            return (int)taken;
    }
    lwg_h2_want_send(c, st, 1);
    return (int)taken;
}

uint8_t *lwg_h2_data_reserve(lwg_h2_conn *c, lwg_h2_stream *st, size_t *room)
{
    size_t a;
    uint8_t *p;

    *room = 0;
    if (c->fatal || st == NULL || !stream_can_send(st))
        return NULL;
    a = data_allowance(c, st);
    if (tx_room_for_streams(c) < 9) {
        lwg_h2_want_send(c, st, 1);
        return c->tx_buf; /* room 0: wait for on_send_ready */
    }
    p = lwg_h2_tx_reserve(c, 9 + a);
    if (a == 0)
        lwg_h2_want_send(c, st, 1);
    *room = a;
    return p + 9;
}

int lwg_h2_data_commit(lwg_h2_conn *c, lwg_h2_stream *st, size_t n,
                       int end_stream)
{
    uint8_t *p;

    if (c->fatal)
        return LWG_ECONN;
    if (st == NULL || !stream_can_send(st) || n > data_allowance(c, st) ||
        (n == 0 && !end_stream))
        return LWG_EINVAL;
    if (tx_room_for_streams(c) < 9 + n || LWG_TX_BUF_SIZE - c->tx_tail < 9 + n)
        return LWG_EAGAIN;
    /* data_reserve() made the room contiguous; nothing moved since */
    p = c->tx_buf + c->tx_tail;
    lwg_h2_frame_hdr_encode(p, (uint32_t)n, LWG_H2_DATA,
                            end_stream ? LWG_H2_FLAG_END_STREAM : 0, st->id);
    lwg_h2_tx_commit(c, 9 + n);
    data_frame_done(c, st, n, end_stream);
    return LWG_OK;
}
