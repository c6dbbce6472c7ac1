/*
 * lwg_h2_priv.h - internals shared by the engine's files.  Not for users.
 *
 *   lwg_h2_conn.c    life cycle, connection errors, GOAWAY, PING, timers,
 *                    output() and the port link
 *   lwg_h2_stream.c  the stream table: slots, its indexes (by id, per-slot
 *                    bits, counters), id classes, state changes
 *   lwg_h2_recv.c    the resumable inbound frame state machine
 *   lwg_h2_hdr.c     inbound header blocks: HPACK decoding + validation
 *   lwg_h2_send.c    tx_buf, outbound HEADERS/DATA, flow-control credit
 */
#ifndef LWG_H2_PRIV_H
#define LWG_H2_PRIV_H

#include "transport/lwg_h2.h"

/* rx_state values */
#define LWG_H2_RX_PREFACE 0
#define LWG_H2_RX_HEADER  1
#define LWG_H2_RX_PAYLOAD 2
#define LWG_H2_RX_DEAD    3

/* What a stream id means to us right now (lwg_h2_stream_classify). */
#define LWG_H2_SID_LIVE    0 /* in the table and not closed              */
#define LWG_H2_SID_IDLE    1 /* never opened                             */
#define LWG_H2_SID_CLOSED  2 /* closed lately, not by our reset           */
#define LWG_H2_SID_RESET   3 /* we reset it recently: ignore its frames  */
#define LWG_H2_SID_UNKNOWN 4 /* below the last id, not remembered: closed */
                             /* long ago or skipped (never opened)        */

/* ---- lwg_h2_conn.c ---------------------------------------------------- */
/** Connection error: GOAWAY(code) queued, every stream closed, input
 *  refused from now on.  Keeps only the first error.  Returns LWG_ECONN. */
int lwg_h2_conn_fail(lwg_h2_conn *c, int err, uint32_t code, const char *debug);
void lwg_h2_handle_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code);
/** Streams may have become openable: tell the upper layer if it waits. */
void lwg_h2_notify_open_ready(lwg_h2_conn *c);
/** Tell streams waiting to send that they may (window/room). */
void lwg_h2_notify_send_ready(lwg_h2_conn *c);

/* ---- lwg_h2_stream.c -------------------------------------------------- */
/*
 * A slot's state, want_send and id change only through the functions
 * below, which keep the indexes in struct lwg_h2_conn in step:
 *   lwg_h2_stream_alloc()      FREE -> IDLE (ours) or OPEN (the peer's id)
 *   lwg_h2_stream_assign_id()  IDLE -> OPEN with our next id
 *   lwg_h2_stream_set_state()  between the states in use
 *   lwg_h2_stream_free()       any -> FREE (the slot all zero again)
 *   lwg_h2_want_send()         st->want_send
 * and lwg_h2_credit_note() (lwg_h2_send.c) marks a stream that may owe a
 * WINDOW_UPDATE.
 */
/** Take the lowest free slot (NULL if none): id 0 makes a stream of ours,
 *  IDLE until its HEADERS go out; otherwise the peer's stream `id`, OPEN
 *  and found by id. */
lwg_h2_stream *lwg_h2_stream_alloc(lwg_h2_conn *c, uint32_t id);
/** Our IDLE stream gets its id (its HEADERS are going out): OPEN. */
void lwg_h2_stream_assign_id(lwg_h2_conn *c, lwg_h2_stream *st, uint32_t id);
/** Change the state of a slot in use (never to or from FREE). */
void lwg_h2_stream_set_state(lwg_h2_conn *c, lwg_h2_stream *st, uint8_t state);
/** Give the slot back: out of every index, all zero (FREE).  A FREE slot
 *  is left alone. */
void lwg_h2_stream_free(lwg_h2_conn *c, lwg_h2_stream *st);
/** Recount every index by scanning the table: 0 when all agree, else the
 *  number of the first check that failed (tests, fuzzer, LWG_ASSERT). */
int lwg_h2_stream_table_check(const lwg_h2_conn *c);

/* Bit-per-slot sets (slots_used, slots_want_send, ...). */
static inline unsigned lwg_h2_slot_of(const lwg_h2_conn *c, const lwg_h2_stream *st)
{
    return (unsigned)(st - c->streams);
}
static inline void lwg_h2_slot_put(uint32_t *set, unsigned slot, int on)
{
    uint32_t bit = 1u << (slot % 32u);

    if (on)
        set[slot / 32u] |= bit;
    else
        set[slot / 32u] &= ~bit;
}
static inline int lwg_h2_slot_has(const uint32_t *set, unsigned slot)
{
    return (set[slot / 32u] >> (slot % 32u)) & 1u;
}
static inline unsigned lwg_h2_lowest_bit(uint32_t w) /* w != 0 */
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(w);
#else
    unsigned n = 0;

    for (; !(w & 1u); w >>= 1)
        n++;
    return n;
#endif
}
/** The lowest slot >= from in `set`, or LWG_MAX_STREAMS.  Loops over a
 *  set visit slots in order, as the scans of the table did. */
static inline unsigned lwg_h2_slot_next(const uint32_t *set, unsigned from)
{
    unsigned w = from / 32u;
    uint32_t bits;

    if (from >= LWG_MAX_STREAMS)
        return LWG_MAX_STREAMS;
    bits = set[w] & (0xffffffffu << (from % 32u));
    while (bits == 0) {
        if (++w == LWG_H2_SLOT_WORDS)
            return LWG_MAX_STREAMS;
        bits = set[w];
    }
    return w * 32u + lwg_h2_lowest_bit(bits); /* no bit past the last slot */
}
/** Set (on != 0) or clear st->want_send. */
static inline void lwg_h2_want_send(lwg_h2_conn *c, lwg_h2_stream *st, int on)
{
    st->want_send = on ? 1 : 0;
    lwg_h2_slot_put(c->slots_want_send, lwg_h2_slot_of(c, st), on);
}

/** What id means now (LWG_H2_SID_*); *st = its slot when LIVE.  O(1):
 *  the id index, then the recent ring for ids not in the table. */
int lwg_h2_stream_classify(lwg_h2_conn *c, uint32_t id, lwg_h2_stream **st);
int lwg_h2_is_peer_id(const lwg_h2_conn *c, uint32_t id);
void lwg_h2_recent_reset_add(lwg_h2_conn *c, uint32_t id);
/** Remember a stream that closed normally (frames on it: STREAM_CLOSED). */
void lwg_h2_recent_closed_add(lwg_h2_conn *c, uint32_t id);
/** Close st (callback, then free the slot). */
void lwg_h2_stream_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how,
                         uint32_t code);
/** Stream error: RST_STREAM(code) (now, or from output() when tx_buf is
 *  full), close with how. */
void lwg_h2_stream_reset(lwg_h2_conn *c, lwg_h2_stream *st, uint32_t code,
                         unsigned how);
/** RST_STREAM for an id that has no slot (closed stream). */
void lwg_h2_rst_id(lwg_h2_conn *c, uint32_t id, uint32_t code);
/** END_STREAM sent / received: half-close or close. */
void lwg_h2_stream_local_end(lwg_h2_conn *c, lwg_h2_stream *st);
void lwg_h2_stream_remote_end(lwg_h2_conn *c, lwg_h2_stream *st);
/** Streams opened by us / by the peer that count against the limits
 *  (not FREE, not IDLE; RST_PENDING ones too): a counter. */
unsigned lwg_h2_count_streams(const lwg_h2_conn *c, int local);
/** The states in which a stream can still receive DATA/headers. */
static inline int lwg_h2_state_receiving(uint8_t state)
{
    return state == LWG_H2_ST_OPEN || state == LWG_H2_ST_HALF_CLOSED_LOCAL;
}
/** Non-zero while st (with this id) can still receive DATA/headers. */
static inline int lwg_h2_stream_receiving(const lwg_h2_stream *st, uint32_t id)
{
    return st != NULL && st->id == id && lwg_h2_state_receiving(st->state);
}
/** Close every stream (connection error / transport closed). */
void lwg_h2_close_all(lwg_h2_conn *c, unsigned how, uint32_t code);

/* ---- lwg_h2_hdr.c ----------------------------------------------------- */
/** A HEADERS frame starts a block: decide where it goes.  Returns 0 or
 *  LWG_ECONN. */
int lwg_h2_hb_begin(lwg_h2_conn *c);
/** Fragment bytes of the current block. */
int lwg_h2_hb_append(lwg_h2_conn *c, const uint8_t *p, size_t n);
/** END_HEADERS seen: finish the block. */
int lwg_h2_hb_finish(lwg_h2_conn *c);

/* ---- lwg_h2_send.c ---------------------------------------------------- */
/** Bytes free in tx_buf (after compaction). */
size_t lwg_h2_tx_free(const lwg_h2_conn *c);
/** Make `need` contiguous bytes available at the tail; returns a pointer
 *  to them or NULL when tx_buf cannot hold them now. */
uint8_t *lwg_h2_tx_reserve(lwg_h2_conn *c, size_t need);
static inline uint8_t *lwg_h2_tx_end(lwg_h2_conn *c)
{
    return c->tx_buf + LWG_TX_BUF_SIZE;
}
static inline void lwg_h2_tx_commit(lwg_h2_conn *c, size_t n)
{
    c->tx_tail += (uint32_t)n;
    c->tx_written += (uint32_t)n;
}
/** Write the RST_STREAMs that did not fit when decided, and a decided
 *  GOAWAY. */
void lwg_h2_write_pending(lwg_h2_conn *c);
/** Queue WINDOW_UPDATEs that are owed (coalesced). */
void lwg_h2_write_window_updates(lwg_h2_conn *c);
/** Non-zero when st owes the peer a WINDOW_UPDATE now: credit consumed
 *  and half its window reached, or its window shut. */
int lwg_h2_stream_owes_credit(const lwg_h2_conn *c, const lwg_h2_stream *st);
/** Call after st's recv_unacked, recv_window or state changed: marks it
 *  for lwg_h2_write_window_updates() when it owes credit. */
void lwg_h2_credit_note(lwg_h2_conn *c, lwg_h2_stream *st);
/** Settings frame and the connection-window raise, at init. */
void lwg_h2_write_preface(lwg_h2_conn *c);

#endif /* LWG_H2_PRIV_H */
