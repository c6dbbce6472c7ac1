/*
 * lwg_h2_stream.c - the fixed stream table (RFC 9113 §5.1).
 *
 * A slot is taken when a stream opens and given back the moment it
 * closes; the only memory of closed streams is the highest id each side
 * used (anything at or below it that is not in the table is closed) and a
 * short ring of ids we reset, whose late frames are ignored (§5.1 "closed":
 * frames in flight when we sent RST_STREAM).
 *
 * Nothing scans the table per frame.  Indexes kept beside it, changed
 * only together with the slots they describe (see lwg_h2_priv.h):
 *   id_index        the slots by id: open addressing, linear probing
 *                   from bucket (id >> 1) (a side's ids go up by 2, so
 *                   consecutive streams take consecutive buckets), in
 *                   Robin Hood order so that a lookup that misses and a
 *                   deletion (backward shift, no tombstones) stop early
 *                   inside a run.  A slot is in it from the moment it has
 *                   an id until it is FREE, RST_PENDING included.  At
 *                   most half full; hostile ids can at worst make a probe
 *                   as long as the scan it replaces.
 *   slots_used      a bit per slot in use: the lowest free slot is taken,
 *                   as the scan did, a word at a time.
 *   slots_want_send, slots_rst_pending, slots_credit
 *                   the slots with work for lwg_h2_notify_send_ready(),
 *                   lwg_h2_write_pending() and
 *                   lwg_h2_write_window_updates(), visited in slot order
 *                   like the scans they replace.
 *   streams_used, streams_local, streams_counted[]
 *                   what lwg_h2_active_streams(), lwg_h2_can_open() and
 *                   lwg_h2_count_streams() counted.
 */
#include "transport/lwg_h2_priv.h"

#include <string.h>

/* Add (add != 0) or take away what st, in its present state and side,
 * counts for: in use, ours, counted against the limit, RST_PENDING. */
static inline void account(lwg_h2_conn *c, const lwg_h2_stream *st, int add)
{
    unsigned slot = lwg_h2_slot_of(c, st);
    uint16_t d = add ? 1u : 0xffffu; /* +1 or -1, modulo 2^16 */

    /* never FREE here: alloc sets the state first, free returns on FREE */
    c->streams_used = (uint16_t)(c->streams_used + d);
    if (st->local)
        c->streams_local = (uint16_t)(c->streams_local + d);
    if (st->state != LWG_H2_ST_IDLE)
        c->streams_counted[st->local] = (uint16_t)(c->streams_counted[st->local] + d);
    lwg_h2_slot_put(c->slots_used, slot, add);
    if (st->state == LWG_H2_ST_RST_PENDING)
        lwg_h2_slot_put(c->slots_rst_pending, slot, add);
}

/* ---- the id index ------------------------------------------------------------ */

#define ID_MASK (LWG_H2_ID_BUCKETS - 1u)

static unsigned id_home(uint32_t id)
{
    return (id >> 1) & ID_MASK;
}

/* How far the entry in bucket b (not empty) sits from its home. */
static unsigned id_dist(const lwg_h2_conn *c, unsigned b)
{
    return (b - id_home(c->streams[c->id_index[b] - 1u].id)) & ID_MASK;
}

/* Robin Hood order: along a run of full buckets the homes never go back,
 * so an entry farther from its home than the one it meets takes that
 * bucket and the other moves on. */
static void index_insert(lwg_h2_conn *c, const lwg_h2_stream *st)
{
    lwg_h2_slot entry = (lwg_h2_slot)(lwg_h2_slot_of(c, st) + 1u);
    unsigned b = id_home(st->id), dist = 0;

    while (c->id_index[b] != 0) { /* never full: twice the slots */
        unsigned d = id_dist(c, b);
        if (d < dist) {
            lwg_h2_slot moved = c->id_index[b];
            c->id_index[b] = entry;
            entry = moved;
            dist = d;
        }
        b = (b + 1u) & ID_MASK;
        dist++;
    }
    c->id_index[b] = entry;
}

static void index_remove(lwg_h2_conn *c, const lwg_h2_stream *st)
{
    lwg_h2_slot mine = (lwg_h2_slot)(lwg_h2_slot_of(c, st) + 1u);
    unsigned hole = id_home(st->id), next;

    while (c->id_index[hole] != mine) {
        if (c->id_index[hole] == 0) {
            LWG_ASSERT(!"stream not in the id index");
            return;
        }
        hole = (hole + 1u) & ID_MASK;
    }
    /* Backward shift: the rest of the run moves up one bucket, up to an
     * empty bucket or an entry already at its home (no tombstones). */
    for (next = (hole + 1u) & ID_MASK; c->id_index[next] != 0 && id_dist(c, next) != 0;
         next = (next + 1u) & ID_MASK) {
        c->id_index[hole] = c->id_index[next];
        hole = next;
    }
    c->id_index[hole] = 0;
}

/* The slot + 1 of stream `id` (not 0), or 0. */
static unsigned index_lookup(const lwg_h2_conn *c, uint32_t id)
{
    unsigned b = id_home(id), dist = 0;

    for (; c->id_index[b] != 0; b = (b + 1u) & ID_MASK, dist++) {
        uint32_t other = c->streams[c->id_index[b] - 1u].id;
        if (other == id)
            return c->id_index[b];
        /* an entry whose home is past ours: ours would have come first */
        if (((b - id_home(other)) & ID_MASK) < dist)
            break;
    }
    return 0;
}

lwg_h2_stream *lwg_h2_stream_find(lwg_h2_conn *c, uint32_t id)
{
    unsigned s = id != 0 ? index_lookup(c, id) : 0;

    return s != 0 ? &c->streams[s - 1u] : NULL;
}

/* ---- slot life cycle ------------------------------------------------------------ */

lwg_h2_stream *lwg_h2_stream_alloc(lwg_h2_conn *c, uint32_t id)
{
    lwg_h2_stream *st;
    unsigned w = 0;

    if (c->streams_used >= LWG_MAX_STREAMS)
        return NULL;
    while (c->slots_used[w] == 0xffffffffu)
        w++;
    /* a slot is free, so the lowest clear bit is one, not a bit past the
     * last slot */
    st = &c->streams[w * 32u + lwg_h2_lowest_bit(~c->slots_used[w])];
    memset(st, 0, sizeof *st);
    st->send_window = (int32_t)c->peer.initial_window;
    /* Until the peer ACKs our SETTINGS it may assume the RFC's default
     * window (§6.9.2); the ACK applies the difference. */
    st->recv_window = (int32_t)(c->settings_unacked
                                    ? LWG_H2_DEFAULT_WINDOW
                                    : c->local->initial_window);
    st->length_left = LWG_H2_NO_LENGTH;
    st->id = id;
    st->local = id == 0;
    st->state = id == 0 ? LWG_H2_ST_IDLE : LWG_H2_ST_OPEN;
    account(c, st, 1);
    if (id != 0)
        index_insert(c, st);
    return st;
}

void lwg_h2_stream_assign_id(lwg_h2_conn *c, lwg_h2_stream *st, uint32_t id)
{
    st->id = id;
    index_insert(c, st);
    lwg_h2_stream_set_state(c, st, LWG_H2_ST_OPEN);
}

void lwg_h2_stream_set_state(lwg_h2_conn *c, lwg_h2_stream *st, uint8_t state)
{
    uint8_t old = st->state;

    /* only what the change touches (both states are in use, so the slot
     * stays counted): the count of non-IDLE streams when IDLE is left or
     * entered, the RST_PENDING set when that is */
    st->state = state;
    if ((old == LWG_H2_ST_IDLE) != (state == LWG_H2_ST_IDLE))
        c->streams_counted[st->local] =
            (uint16_t)(c->streams_counted[st->local] + (old == LWG_H2_ST_IDLE ? 1u : 0xffffu));
    if ((old == LWG_H2_ST_RST_PENDING) != (state == LWG_H2_ST_RST_PENDING))
        lwg_h2_slot_put(c->slots_rst_pending, lwg_h2_slot_of(c, st),
                        state == LWG_H2_ST_RST_PENDING);
    /* a half-closed (remote) stream being closed passes through
     * HALF_CLOSED_LOCAL: credit consumed before may be owed again */
    if (lwg_h2_state_receiving(state) && !lwg_h2_state_receiving(old))
        lwg_h2_credit_note(c, st);
}

void lwg_h2_stream_free(lwg_h2_conn *c, lwg_h2_stream *st)
{
    unsigned slot = lwg_h2_slot_of(c, st);

    if (st->state == LWG_H2_ST_FREE)
        return;
    account(c, st, 0);
    if (st->id != 0)
        index_remove(c, st);
    lwg_h2_slot_put(c->slots_want_send, slot, 0);
    lwg_h2_slot_put(c->slots_credit, slot, 0);
    memset(st, 0, sizeof *st); /* state = FREE */
}

/* ---- id classes ----------------------------------------------------------------- */

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

unsigned lwg_h2_count_streams(const lwg_h2_conn *c, int local)
{
    /* RST_PENDING streams are closed as far as the peer's limit goes
     * once the RST is out; they count until then to stay safe. */
    return c->streams_counted[local ? 1 : 0];
}

unsigned lwg_h2_active_streams(const lwg_h2_conn *c)
{
    return c->streams_used;
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
        lwg_h2_stream_free(c, st);
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
        lwg_h2_stream_set_state(c, st, LWG_H2_ST_HALF_CLOSED_LOCAL); /* not pending */
        lwg_h2_want_send(c, st, 0);
        lwg_h2_stream_close(c, st, how, code);
        return;
    }
    /* tx_buf is full: keep the slot (id only) until output() writes it */
    lwg_h2_stream_set_state(c, st, LWG_H2_ST_RST_PENDING);
    st->rst_code = code;
    lwg_h2_want_send(c, st, 0);
    lwg_h2_stream_close(c, st, how, code);
}

void lwg_h2_stream_local_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (st->state == LWG_H2_ST_OPEN) {
        lwg_h2_stream_set_state(c, st, LWG_H2_ST_HALF_CLOSED_LOCAL);
    } else if (st->state == LWG_H2_ST_HALF_CLOSED_REMOTE) {
        lwg_h2_stream_set_state(c, st, LWG_H2_ST_HALF_CLOSED_LOCAL); /* closing */
        lwg_h2_stream_close(c, st, LWG_H2_CLOSE_NORMAL, LWG_H2_NO_ERROR);
    }
}

void lwg_h2_stream_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    uint32_t id = st->id;

    if (st->length_left != LWG_H2_NO_LENGTH && st->length_left != 0) {
        /* §8.1.1: less DATA than content-length said */
        lwg_h2_stream_reset(c, st, LWG_H2_PROTOCOL_ERROR, LWG_H2_CLOSE_RESET_US);
        return;
    }
    if (st->state == LWG_H2_ST_OPEN)
        lwg_h2_stream_set_state(c, st, LWG_H2_ST_HALF_CLOSED_REMOTE);
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
            lwg_h2_stream_free(c, st);
            continue;
        }
        lwg_h2_stream_set_state(c, st, LWG_H2_ST_HALF_CLOSED_LOCAL);
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
    st = lwg_h2_stream_alloc(c, 0);
    if (st == NULL)
        return NULL;
    st->user = user;
    return st;
}

int lwg_h2_can_open(const lwg_h2_conn *c)
{
    if (c->is_server || c->fatal || c->goaway_received || c->goaway_sent ||
        c->state >= LWG_H2_CONN_CLOSING || c->next_local_id > LWG_H2_MAX_STREAM_ID)
        return LWG_ECLOSED;
    /* IDLE slots of ours will become streams too */
    if (c->streams_used >= LWG_MAX_STREAMS || c->streams_local >= c->peer.max_concurrent)
        return LWG_EAGAIN;
    return LWG_OK;
}

/* ---- consistency check (tests, the fuzzer, LWG_ASSERT) ----------------------- */

int lwg_h2_stream_table_check(const lwg_h2_conn *c)
{
    uint32_t used_set[LWG_H2_SLOT_WORDS] = { 0 }, rst_set[LWG_H2_SLOT_WORDS] = { 0 };
    uint32_t want_set[LWG_H2_SLOT_WORDS] = { 0 }, owed_set[LWG_H2_SLOT_WORDS] = { 0 };
    unsigned used = 0, local = 0, counted[2] = { 0, 0 }, with_id = 0, buckets = 0;

    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        const lwg_h2_stream *st = &c->streams[i];

        if (st->state == LWG_H2_ST_FREE) {
            if (st->id != 0 || st->want_send)
                return 1; /* a free slot is all zero */
            continue;
        }
        if (st->state > LWG_H2_ST_RST_PENDING)
            return 2;
        lwg_h2_slot_put(used_set, i, 1);
        lwg_h2_slot_put(rst_set, i, st->state == LWG_H2_ST_RST_PENDING);
        lwg_h2_slot_put(want_set, i, st->want_send);
        lwg_h2_slot_put(owed_set, i, lwg_h2_stream_owes_credit(c, st));
        used++;
        local += st->local;
        if (st->state != LWG_H2_ST_IDLE)
            counted[st->local ? 1 : 0]++;
        /* only streams of ours not yet sent have no id (one refused by a
         * GOAWAY passes through HALF_CLOSED_LOCAL without one) */
        if (st->id == 0 ? !st->local : st->state == LWG_H2_ST_IDLE)
            return 3;
        if (st->id != 0) {
            if (index_lookup(c, st->id) != i + 1u)
                return 4; /* not found, or another slot has the id */
            with_id++;
        }
    }
    if (used != c->streams_used || local != c->streams_local ||
        counted[0] != c->streams_counted[0] || counted[1] != c->streams_counted[1])
        return 5;
    for (unsigned w = 0; w < LWG_H2_SLOT_WORDS; w++) {
        if (c->slots_used[w] != used_set[w] || c->slots_rst_pending[w] != rst_set[w] ||
            c->slots_want_send[w] != want_set[w])
            return 6;
        /* every stream owing credit is marked; a mark may be stale, but
         * only on a slot in use */
        if ((owed_set[w] & ~c->slots_credit[w]) != 0 || (c->slots_credit[w] & ~used_set[w]) != 0)
            return 7;
    }
    /* every entry names a slot with an id and keeps the Robin Hood
     * order; with as many entries as slots found above, the index holds
     * exactly those slots */
    for (unsigned b = 0; b < LWG_H2_ID_BUCKETS; b++) {
        unsigned s = c->id_index[b], d;
        if (s == 0)
            continue;
        if (s > LWG_MAX_STREAMS || c->streams[s - 1u].id == 0)
            return 8;
        d = id_dist(c, b);
        if (d > 0 && (c->id_index[(b - 1u) & ID_MASK] == 0 ||
                      id_dist(c, (b - 1u) & ID_MASK) + 1u < d))
            return 9;
        buckets++;
    }
    if (buckets != with_id)
        return 10;
    return 0;
}
