/*
 * test_h2_streams.c - the HTTP/2 engine's stream table and its indexes
 * (transport/lwg_h2_stream.c): the id index, the per-slot bit sets and
 * the counters, checked against a recount (lwg_h2_stream_table_check())
 * after every step.
 *
 *   - a server taking and closing streams in random order, with stream
 *     ids picked to collide in the id index (long probe runs, deletions
 *     from the middle of a run), every close path the peer or the upper
 *     layer can take;
 *   - RST_STREAMs that do not fit tx_buf (RST_PENDING: still found by id,
 *     still counted), written and freed by lwg_h2_output();
 *   - a client: IDLE slots, its concurrency limit, GOAWAY refusals, the
 *     transport closing with every kind of slot in use;
 *   - want_send and WINDOW_UPDATE credit: a stream waiting for window, a
 *     window shut by DATA with credit owed, a window shrunk by our
 *     SETTINGS' ACK;
 *   - the check itself notices a counter, a bit or a bucket gone wrong.
 */
#include "lwg_test.h"
#include "fake/fake_port.h"
#include "transport/lwg_h2_priv.h"

#define SERVER 1
#define CLIENT 0

/* ======================================================================
 * Harness: one connection, what it sent, the callbacks it made
 * ==================================================================== */

static lwg_h2_conn conn;
static uint8_t out[1 << 19];   /* everything the engine wrote */
static size_t out_len;
static uint8_t in[1 << 17];    /* frames being built for it */
static size_t in_len;

static unsigned closes, send_ready_streams, send_ready_null;
static unsigned last_close_how;
static uint32_t last_close_id;
static int auto_consume;      /* on_data gives the bytes back at once */

static void cb_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data, size_t len)
{
    (void)data;
    if (auto_consume)
        lwg_h2_consume(c, st, len);
}

static void cb_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how, uint32_t code)
{
    (void)c;
    (void)code;
    closes++;
    last_close_how = how;
    last_close_id = st->id;
}

static void cb_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    (void)c;
    if (st)
        send_ready_streams++;
    else
        send_ready_null++;
}

static const lwg_h2_callbacks cbs = {
    .on_data = cb_data,
    .on_stream_close = cb_close,
    .on_send_ready = cb_send_ready,
};

static void table_ok(void)
{
    CHECK_EQ(lwg_h2_stream_table_check(&conn), 0);
}

static void drain(void)
{
    for (;;) {
        size_t len = 0;
        const uint8_t *p = lwg_h2_output(&conn, &len);
        if (len == 0)
            break;
        if (out_len + len <= sizeof out) {
            memcpy(out + out_len, p, len);
            out_len += len;
        }
        lwg_h2_output_done(&conn, len);
    }
    table_ok();
}

/* Hand the frames built in in[] to the engine (draining when it asks). */
static void send_in(void)
{
    size_t off = 0;

    while (off < in_len) {
        int r = lwg_h2_recv(&conn, in + off, in_len - off, 0);
        CHECK(r >= 0);
        if (r < 0)
            fprintf(stderr, "  connection error %lu\n", (unsigned long)conn.fatal_code);
        if (r < 0)
            break;
        off += (size_t)r;
        table_ok();
        if (off < in_len)
            drain();
    }
    in_len = 0;
    table_ok();
}

static void wrote(int n)
{
    CHECK(n > 0);
    if (n > 0)
        in_len += (size_t)n;
}

#define IN_P   (in + in_len)
#define IN_END (in + sizeof in)

/* :method POST, :scheme http, :path /, :authority localhost: no dynamic
 * table entries, so the block can be sent again and again */
static const uint8_t REQ_BLOCK[] = "\x83\x86\x84\x01\x09localhost";
static const uint8_t STATUS_200[] = { 0x88 };

static void peer_headers(uint32_t id, int end_stream)
{
    const uint8_t *blk = conn.is_server ? REQ_BLOCK : STATUS_200;
    size_t n = conn.is_server ? sizeof REQ_BLOCK - 1 : sizeof STATUS_200;

    wrote(lwg_h2_write_headers(IN_P, IN_END, id,
                               (uint8_t)(LWG_H2_FLAG_END_HEADERS |
                                         (end_stream ? LWG_H2_FLAG_END_STREAM : 0)),
                               blk, n, NULL, 0));
}

/* An empty trailer block, ending the stream. */
static void peer_trailers(uint32_t id)
{
    wrote(lwg_h2_write_headers(IN_P, IN_END, id,
                               LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM,
                               NULL, 0, NULL, 0));
}

static void peer_data(uint32_t id, size_t n, int end_stream)
{
    static const uint8_t zeros[16384];

    while (n > 0 || end_stream) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        int last = end_stream && k == n;
        wrote(lwg_h2_write_data(IN_P, IN_END, id, zeros, k, last, 0));
        n -= k;
        if (last)
            break;
    }
}

static void peer_rst(uint32_t id, uint32_t code)
{
    wrote(lwg_h2_write_rst_stream(IN_P, IN_END, id, code));
}

static void peer_settings1(uint16_t id, uint32_t v)
{
    lwg_h2_setting s = { id, v };
    wrote(lwg_h2_write_settings(IN_P, IN_END, &s, 1));
}

static void peer_settings_ack(void)
{
    wrote(lwg_h2_write_settings_ack(IN_P, IN_END));
}

static void peer_window_update(uint32_t id, uint32_t inc)
{
    wrote(lwg_h2_write_window_update(IN_P, IN_END, id, inc));
}

static void peer_goaway(uint32_t last_id)
{
    wrote(lwg_h2_write_goaway(IN_P, IN_END, last_id, LWG_H2_NO_ERROR, NULL, 0));
}

/* A connection in the OPEN state: the peer's SETTINGS arrived and ours
 * are ACKed (unless `ack` is 0). */
static void up(int role, const lwg_h2_settings *s, int ack)
{
    fake_port_set_now(0);
    memset(&conn, 0, sizeof conn);
    out_len = in_len = 0;
    closes = send_ready_streams = send_ready_null = 0;
    auto_consume = 1;
    CHECK_EQ(lwg_h2_conn_init(&conn, role, &cbs, NULL, s, 0), LWG_OK);
    table_ok();
    drain();
    if (role == SERVER) {
        memcpy(in, LWG_H2_PREFACE, LWG_H2_PREFACE_LEN);
        in_len = LWG_H2_PREFACE_LEN;
    }
    wrote(lwg_h2_write_settings(IN_P, IN_END, NULL, 0));
    if (ack)
        peer_settings_ack();
    send_in();
    drain();
    CHECK_EQ(conn.state, LWG_H2_CONN_OPEN);
}

/* Frames of `type` on stream `id` written at or after out[from]. */
static unsigned frames_out(size_t from, uint8_t type, uint32_t id, uint32_t *last_u32)
{
    size_t off = from;
    unsigned n = 0;

    while (off + 9 <= out_len) {
        lwg_h2_frame_hdr h;
        lwg_h2_frame_hdr_decode(out + off, &h);
        if (off + 9 + h.length > out_len)
            break;
        if (h.type == type && h.stream_id == id) {
            n++;
            if (last_u32 && h.length >= 4)
                *last_u32 = lwg_get_u32be(out + off + 9);
        }
        off += 9 + h.length;
    }
    return n;
}

/* Where the server's next output starts (its frames, no preface). */
static size_t mark(void)
{
    return out_len;
}

static uint32_t rng = 12345;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

/* ======================================================================
 * 1. A server: streams come and go in random order, ids colliding
 * ==================================================================== */

static uint32_t live[LWG_MAX_STREAMS];
static unsigned n_live;

static void live_remove(unsigned k)
{
    live[k] = live[--n_live];
}

static void check_live(uint32_t max_id)
{
    CHECK_EQ(lwg_h2_active_streams(&conn), n_live);
    CHECK_EQ(lwg_h2_count_streams(&conn, 0), n_live);
    CHECK_EQ(lwg_h2_count_streams(&conn, 1), 0);
    for (unsigned k = 0; k < n_live; k++) {
        lwg_h2_stream *st = lwg_h2_stream_find(&conn, live[k]);
        CHECK(st != NULL && st->id == live[k]);
    }
    /* ids of closed streams (and a few never used) are not found */
    for (unsigned k = 0; k < 8; k++) {
        uint32_t id = 1 + 2 * rnd(max_id / 2 + 4);
        int is_live = 0;
        for (unsigned j = 0; j < n_live; j++)
            is_live |= live[j] == id;
        if (!is_live)
            CHECK(lwg_h2_stream_find(&conn, id) == NULL);
    }
}

/* The smallest odd id above `after` whose home bucket is `home`. */
static uint32_t id_with_home(uint32_t after, unsigned home)
{
    uint32_t half = (after >> 1) + 1;

    half += (home - half) & (LWG_H2_ID_BUCKETS - 1u);
    return 2 * half + 1;
}

static void test_server_random_ids_and_closes(void)
{
    static lwg_h2_settings s;
    uint32_t last = 0;
    unsigned opened = 0, closed_by[4] = { 0, 0, 0, 0 };

    s = lwg_h2_default_settings;
    s.max_concurrent = LWG_MAX_STREAMS;
    up(SERVER, &s, 1);
    n_live = 0;
    for (unsigned step = 0; step < 6000; step++) {
        if (n_live < LWG_MAX_STREAMS && (n_live == 0 || rnd(100) < 52)) {
            /* half the new ids land on the home of a live stream (or a
             * neighbour), the others just follow the last one */
            uint32_t id = last == 0 ? 1 : last + 2;
            if (n_live > 0 && rnd(2)) {
                uint32_t other = live[rnd(n_live)];
                id = id_with_home(last, ((other >> 1) + rnd(3)) & (LWG_H2_ID_BUCKETS - 1u));
            }
            peer_headers(id, 0);
            send_in();
            CHECK(lwg_h2_stream_find(&conn, id) != NULL);
            live[n_live++] = id;
            last = id;
            opened++;
        } else {
            unsigned k = rnd(n_live), how = rnd(4);
            uint32_t id = live[k];
            lwg_h2_stream *st = lwg_h2_stream_find(&conn, id);
            CHECK(st != NULL);
            if (st == NULL)
                break;
            switch (how) {
            case 0: /* the peer resets it */
                peer_rst(id, LWG_H2_CANCEL);
                send_in();
                break;
            case 1: /* we reset it */
                CHECK_EQ(lwg_h2_submit_rst(&conn, st, LWG_H2_CANCEL), LWG_OK);
                break;
            case 2: /* the peer ends, then we answer and end */
                peer_data(id, 10, 1);
                send_in();
                CHECK_EQ(st->state, LWG_H2_ST_HALF_CLOSED_REMOTE);
                CHECK_EQ(lwg_h2_submit_headers(&conn, st, NULL, 0, 1), LWG_OK);
                break;
            default: /* we end first, then the peer */
                CHECK_EQ(lwg_h2_submit_headers(&conn, st, NULL, 0, 1), LWG_OK);
                CHECK_EQ(st->state, LWG_H2_ST_HALF_CLOSED_LOCAL);
                peer_trailers(id);
                send_in();
                break;
            }
            CHECK(lwg_h2_stream_find(&conn, id) == NULL);
            live_remove(k);
            closed_by[how]++;
            drain();
        }
        table_ok();
        check_live(last);
        if (lwg_test_case_failed)
            break;
    }
    /* the run really exercised what it is about */
    CHECK(opened > 2500);
    CHECK(closed_by[0] > 400 && closed_by[1] > 400 && closed_by[2] > 400 && closed_by[3] > 400);
    CHECK_EQ(lwg_h2_conn_error(&conn, NULL), 0);
    /* and everything goes when the connection does */
    lwg_h2_transport_closed(&conn, LWG_EIO);
    table_ok();
    CHECK_EQ(lwg_h2_active_streams(&conn), 0);
}

/* The table full, then the peer's next stream refused and its refused
 * HEADERS id not taking a slot. */
static void test_server_full_table(void)
{
    static lwg_h2_settings s;
    uint32_t id = 1;

    s = lwg_h2_default_settings;
    s.max_concurrent = LWG_MAX_STREAMS;
    up(SERVER, &s, 1);
    for (unsigned k = 0; k < LWG_MAX_STREAMS; k++, id += 2 * LWG_H2_ID_BUCKETS) {
        peer_headers(id, 0); /* every one in the same home bucket */
        send_in();
    }
    CHECK_EQ(lwg_h2_active_streams(&conn), LWG_MAX_STREAMS);
    size_t m = mark();
    peer_headers(id, 0);
    send_in();
    drain();
    CHECK_EQ(frames_out(m, LWG_H2_RST_STREAM, id, NULL), 1);
    CHECK(lwg_h2_stream_find(&conn, id) == NULL);
    CHECK_EQ(lwg_h2_active_streams(&conn), LWG_MAX_STREAMS);
    /* close them from the front of the run: every deletion shifts */
    for (uint32_t k = 0, i = 1; k < LWG_MAX_STREAMS; k++, i += 2 * LWG_H2_ID_BUCKETS) {
        peer_rst(i, LWG_H2_CANCEL);
        send_in();
        CHECK(lwg_h2_stream_find(&conn, i) == NULL);
        if (k + 1 < LWG_MAX_STREAMS)
            CHECK(lwg_h2_stream_find(&conn, i + 2 * LWG_H2_ID_BUCKETS) != NULL);
    }
    CHECK_EQ(lwg_h2_active_streams(&conn), 0);
    table_ok();
}

/* ======================================================================
 * 2. RST_STREAM that does not fit tx_buf
 * ==================================================================== */

static void test_rst_pending(void)
{
    static lwg_h2_settings s;
    static uint8_t body[LWG_TX_BUF_SIZE];
    lwg_h2_stream *st[12];
    unsigned pending = 0, marked = 0, n;
    int taken;

    s = lwg_h2_default_settings;
    s.max_concurrent = LWG_MAX_STREAMS;
    up(SERVER, &s, 1);
    /* windows large enough that tx_buf fills first */
    peer_settings1(LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, LWG_H2_MAX_WINDOW);
    peer_window_update(0, LWG_H2_MAX_WINDOW - 65535u);
    for (unsigned k = 0; k < 12; k++)
        peer_headers(1 + 2 * k, 0);
    send_in();
    drain();
    for (unsigned k = 0; k < 12; k++) {
        st[k] = lwg_h2_stream_find(&conn, 1 + 2 * k);
        CHECK(st[k] != NULL);
        if (st[k] == NULL)
            return;
    }
    CHECK_EQ(lwg_h2_submit_headers(&conn, st[0], NULL, 0, 0), LWG_OK);
    do
        taken = lwg_h2_submit_data(&conn, st[0], body, sizeof body, 0);
    while (taken > 0);
    CHECK(st[0]->want_send);
    table_ok();
    /* the control reserve takes a few RST_STREAMs, the rest wait */
    for (unsigned k = 1; k < 12; k++) {
        CHECK_EQ(lwg_h2_submit_rst(&conn, st[k], LWG_H2_CANCEL), LWG_OK);
        if (st[k]->state == LWG_H2_ST_RST_PENDING) {
            pending++;
            CHECK(lwg_h2_stream_find(&conn, 1 + 2 * k) == st[k]);
        } else {
            CHECK_EQ(st[k]->state, LWG_H2_ST_FREE);
        }
        table_ok();
    }
    CHECK(pending >= 6);
    CHECK_EQ(closes, 11);
    /* pending resets still hold their slot and count */
    CHECK_EQ(lwg_h2_active_streams(&conn), 1 + pending);
    CHECK_EQ(lwg_h2_count_streams(&conn, 0), 1 + pending);
    for (unsigned k = 0; k < LWG_MAX_STREAMS; k++)
        marked += lwg_h2_slot_has(conn.slots_rst_pending, k);
    CHECK_EQ(marked, pending);
    /* late frames for them are ignored, not answered */
    lwg_h2_stream *found;
    CHECK_EQ(lwg_h2_stream_classify(&conn, 23, &found), LWG_H2_SID_RESET);
    CHECK(found == NULL);

    size_t m = mark();
    drain();
    n = 0;
    for (unsigned k = 1; k < 12; k++) {
        uint32_t code = 0;
        unsigned f = frames_out(m, LWG_H2_RST_STREAM, 1 + 2 * k, &code);
        n += f;
        CHECK(f <= 1);
        if (f)
            CHECK_EQ(code, LWG_H2_CANCEL);
        CHECK(lwg_h2_stream_find(&conn, 1 + 2 * k) == NULL);
    }
    CHECK_EQ(n, 11); /* each reset once, the pending ones too */
    CHECK_EQ(lwg_h2_active_streams(&conn), 1);
    table_ok();
    /* the slots are reused, lowest first */
    peer_headers(101, 0);
    send_in();
    CHECK(lwg_h2_stream_find(&conn, 101) == &conn.streams[1]);
}

/* ======================================================================
 * 3. A client: IDLE slots, the peer's limit, GOAWAY, the end
 * ==================================================================== */

static void test_client_slots_and_limits(void)
{
    lwg_h2_stream *a, *b, *c, *d;

    up(CLIENT, NULL, 1);
    peer_settings1(LWG_H2_SETTINGS_MAX_CONCURRENT_STREAMS, 3);
    send_in();
    a = lwg_h2_stream_open(&conn, NULL);
    b = lwg_h2_stream_open(&conn, NULL);
    c = lwg_h2_stream_open(&conn, NULL);
    CHECK(a && b && c);
    table_ok();
    /* IDLE slots count for can_open, not against the peer's limit */
    CHECK_EQ(lwg_h2_can_open(&conn), LWG_EAGAIN);
    CHECK(lwg_h2_stream_open(&conn, NULL) == NULL);
    CHECK_EQ(lwg_h2_count_streams(&conn, 1), 0);
    CHECK_EQ(lwg_h2_active_streams(&conn), 3);
    if (!a || !b || !c)
        return;
    CHECK_EQ(lwg_h2_submit_headers(&conn, a, NULL, 0, 0), LWG_OK);
    CHECK_EQ(lwg_h2_submit_headers(&conn, b, NULL, 0, 1), LWG_OK);
    CHECK_EQ(a->id, 1);
    CHECK_EQ(b->id, 3);
    CHECK_EQ(lwg_h2_count_streams(&conn, 1), 2);
    CHECK(lwg_h2_stream_find(&conn, 1) == a && lwg_h2_stream_find(&conn, 3) == b);
    table_ok();
    drain();
    /* an IDLE stream given up: its slot is free at once */
    CHECK_EQ(lwg_h2_submit_rst(&conn, c, LWG_H2_CANCEL), LWG_OK);
    CHECK_EQ(lwg_h2_active_streams(&conn), 2);
    CHECK_EQ(lwg_h2_can_open(&conn), LWG_OK);
    table_ok();
    /* the peer resets one: a slot frees, on_send_ready(NULL) */
    send_ready_null = 0;
    peer_rst(1, LWG_H2_CANCEL);
    send_in();
    CHECK(send_ready_null >= 1);
    CHECK(lwg_h2_stream_find(&conn, 1) == NULL);
    d = lwg_h2_stream_open(&conn, NULL);
    CHECK(d == &conn.streams[0]);
    c = lwg_h2_stream_open(&conn, NULL);
    CHECK(c != NULL);
    CHECK_EQ(lwg_h2_can_open(&conn), LWG_EAGAIN);
    if (!d || !c)
        return;
    CHECK_EQ(lwg_h2_submit_headers(&conn, d, NULL, 0, 0), LWG_OK);
    CHECK_EQ(d->id, 5);
    table_ok();
    /* GOAWAY(3): stream 5 and the IDLE one are refused, 3 goes on */
    closes = 0;
    peer_goaway(3);
    send_in();
    CHECK_EQ(closes, 2);
    CHECK_EQ(last_close_how, LWG_H2_CLOSE_REFUSED);
    CHECK_EQ(lwg_h2_active_streams(&conn), 1);
    CHECK(lwg_h2_stream_find(&conn, 3) == b);
    CHECK(lwg_h2_stream_find(&conn, 5) == NULL);
    CHECK_EQ(lwg_h2_can_open(&conn), LWG_ECLOSED);
    table_ok();
    /* the response ends stream 3 (half-closed local already) */
    peer_headers(3, 1);
    send_in();
    CHECK_EQ(lwg_h2_active_streams(&conn), 0);
    CHECK_EQ(lwg_h2_count_streams(&conn, 1), 0);
    table_ok();
}

static void test_client_transport_closed_with_everything(void)
{
    lwg_h2_stream *st[10];
    static uint8_t body[LWG_TX_BUF_SIZE];

    up(CLIENT, NULL, 1);
    peer_settings1(LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, LWG_H2_MAX_WINDOW);
    peer_window_update(0, LWG_H2_MAX_WINDOW - 65535u);
    send_in();
    for (unsigned k = 0; k < 10; k++) {
        st[k] = lwg_h2_stream_open(&conn, NULL);
        CHECK(st[k] != NULL);
        if (!st[k])
            return;
    }
    for (unsigned k = 0; k < 9; k++)
        CHECK_EQ(lwg_h2_submit_headers(&conn, st[k], NULL, 0, 0), LWG_OK);
    drain();
    while (lwg_h2_submit_data(&conn, st[0], body, sizeof body, 0) > 0)
        ;
    /* st[9] waits to send its HEADERS, the last resets wait for room */
    CHECK_EQ(lwg_h2_submit_headers(&conn, st[9], NULL, 0, 0), LWG_EAGAIN);
    CHECK(st[9]->want_send);
    for (unsigned k = 1; k < 9; k++)
        CHECK_EQ(lwg_h2_submit_rst(&conn, st[k], LWG_H2_CANCEL), LWG_OK);
    CHECK_EQ(st[8]->state, LWG_H2_ST_RST_PENDING);
    table_ok();
    closes = 0;
    lwg_h2_transport_closed(&conn, LWG_EIO);
    table_ok();
    CHECK_EQ(closes, 2); /* st[0] and st[9]; the resets were told already */
    CHECK_EQ(lwg_h2_active_streams(&conn), 0);
    for (unsigned k = 0; k < 10; k++)
        CHECK_EQ(st[k]->state, LWG_H2_ST_FREE);
}

/* ======================================================================
 * 4. want_send and WINDOW_UPDATE credit
 * ==================================================================== */

static void test_want_send_marks(void)
{
    static const uint8_t body[2000];
    lwg_h2_stream *a, *b;

    up(SERVER, NULL, 1);
    peer_settings1(LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, 10);
    peer_headers(1, 0);
    peer_headers(3, 0);
    send_in();
    a = lwg_h2_stream_find(&conn, 1);
    b = lwg_h2_stream_find(&conn, 3);
    CHECK(a && b);
    if (!a || !b)
        return;
    CHECK_EQ(lwg_h2_submit_headers(&conn, a, NULL, 0, 0), LWG_OK);
    CHECK_EQ(lwg_h2_submit_headers(&conn, b, NULL, 0, 0), LWG_OK);
    CHECK_EQ(lwg_h2_submit_data(&conn, a, body, 100, 1), 10);
    CHECK_EQ(lwg_h2_submit_data(&conn, b, body, 100, 1), 10);
    CHECK(a->want_send && b->want_send);
    CHECK(lwg_h2_slot_has(conn.slots_want_send, lwg_h2_slot_of(&conn, a)));
    table_ok();
    /* the window opens for b only: only b is told */
    send_ready_streams = 0;
    peer_window_update(3, 50);
    send_in();
    CHECK_EQ(send_ready_streams, 1);
    CHECK(a->want_send && !b->want_send);
    /* a raise of the initial window tells a */
    peer_settings1(LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, 1000);
    send_in();
    CHECK_EQ(send_ready_streams, 2);
    CHECK(!a->want_send);
    /* a reset stream forgets that it waited */
    CHECK_EQ(lwg_h2_submit_data(&conn, a, body, sizeof body, 0), 990);
    CHECK_EQ(lwg_h2_submit_data(&conn, b, body, sizeof body, 0), 1040);
    CHECK(a->want_send && b->want_send);
    CHECK_EQ(lwg_h2_submit_rst(&conn, b, LWG_H2_CANCEL), LWG_OK);
    CHECK(!lwg_h2_slot_has(conn.slots_want_send, 1));
    table_ok();
}

/* A server with 100-byte stream windows (our SETTINGS ACKed or not) whose
 * stream 1 got `data` bytes the application holds; NULL if it has none. */
static lwg_h2_stream *stream_with_data(int acked, size_t data)
{
    static lwg_h2_settings s;
    lwg_h2_stream *st;

    s = lwg_h2_default_settings;
    s.initial_window = 100;
    up(SERVER, &s, acked);
    auto_consume = 0;
    peer_headers(1, 0);
    peer_data(1, data, 0);
    send_in();
    st = lwg_h2_stream_find(&conn, 1);
    CHECK(st != NULL);
    return st;
}

static void test_credit_when_window_shuts(void)
{
    lwg_h2_stream *st = stream_with_data(1, 60);
    uint32_t inc = 0;
    size_t m;

    if (!st)
        return;
    /* 10 of 100 consumed: under half a window, nothing owed yet */
    lwg_h2_consume(&conn, st, 10);
    m = mark();
    drain();
    CHECK_EQ(frames_out(m, LWG_H2_WINDOW_UPDATE, 1, NULL), 0);
    CHECK(!lwg_h2_slot_has(conn.slots_credit, 0));
    /* the rest of the window arrives: shut, with 10 owed */
    peer_data(1, 40, 0);
    send_in();
    CHECK(lwg_h2_slot_has(conn.slots_credit, 0));
    m = mark();
    drain();
    CHECK_EQ(frames_out(m, LWG_H2_WINDOW_UPDATE, 1, &inc), 1);
    CHECK_EQ(inc, 10);
    CHECK(!lwg_h2_slot_has(conn.slots_credit, 0));
    /* half a window consumed: owed */
    lwg_h2_consume(&conn, st, 50);
    m = mark();
    drain();
    CHECK_EQ(frames_out(m, LWG_H2_WINDOW_UPDATE, 1, &inc), 1);
    CHECK_EQ(inc, 50);
    CHECK_EQ(st->recv_window, 60);
    table_ok();
}

/* Streams opened before our SETTINGS are ACKed get the RFC's 65535; the
 * ACK shrinks them to our 100 and may shut a window with credit owed. */
static void test_credit_when_settings_ack_shrinks(void)
{
    lwg_h2_stream *st = stream_with_data(0, 65500);
    uint32_t inc = 0;
    size_t m;

    if (!st)
        return;
    CHECK_EQ(st->recv_window, 35);
    lwg_h2_consume(&conn, st, 10);
    m = mark();
    drain();
    CHECK_EQ(frames_out(m, LWG_H2_WINDOW_UPDATE, 1, NULL), 0);
    peer_settings_ack();
    send_in();
    CHECK(st->recv_window <= 0);
    m = mark();
    drain();
    CHECK_EQ(frames_out(m, LWG_H2_WINDOW_UPDATE, 1, &inc), 1);
    CHECK_EQ(inc, 10);
    table_ok();
}

/* ======================================================================
 * 5. The check notices what it should
 * ==================================================================== */

static void test_check_catches_drift(void)
{
    lwg_h2_stream *st;
    lwg_h2_slot saved;
    unsigned slot;

    up(SERVER, NULL, 1);
    peer_headers(1, 0);
    peer_headers(1 + 2 * LWG_H2_ID_BUCKETS, 0);
    send_in();
    st = lwg_h2_stream_find(&conn, 1);
    CHECK(st != NULL);
    if (!st)
        return;
    slot = lwg_h2_slot_of(&conn, st);
    table_ok();

    conn.streams_used++;
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    conn.streams_used--;
    conn.streams_counted[0]--;
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    conn.streams_counted[0]++;
    st->want_send = 1;
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    st->want_send = 0;
    lwg_h2_slot_put(conn.slots_rst_pending, slot, 1);
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    lwg_h2_slot_put(conn.slots_rst_pending, slot, 0);
    lwg_h2_slot_put(conn.slots_used, LWG_MAX_STREAMS - 1, 1);
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    lwg_h2_slot_put(conn.slots_used, LWG_MAX_STREAMS - 1, 0);
    /* owed credit not marked */
    st->recv_unacked = 65535;
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    st->recv_unacked = 0;
    /* a bucket emptied under a run: the second stream is lost */
    saved = conn.id_index[0];
    conn.id_index[0] = 0;
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    conn.id_index[0] = saved;
    /* a stream's id changed behind the index's back */
    st->id += 2;
    CHECK(lwg_h2_stream_table_check(&conn) != 0);
    st->id -= 2;
    table_ok();
}

int main(void)
{
    fake_port_set_now(0);
    RUN(test_server_random_ids_and_closes);
    RUN(test_server_full_table);
    RUN(test_rst_pending);
    RUN(test_client_slots_and_limits);
    RUN(test_client_transport_closed_with_everything);
    RUN(test_want_send_marks);
    RUN(test_credit_when_window_shuts);
    RUN(test_credit_when_settings_ack_shrinks);
    RUN(test_check_catches_drift);
    return lwg_test_summary();
}
