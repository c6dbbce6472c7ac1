/*
 * fuzz_h2.c - libFuzzer target for the HTTP/2 engine (transport/lwg_h2*).
 *
 * Input format (tests/fuzz/make_corpus.py writes seeds in it):
 *
 *   byte 0  mode bits
 *             bit 0     role: 1 server, 0 client
 *             bits 1-2  settings profile (see profiles[])
 *             bit 3     the app consumes DATA as it arrives (else on 0xf6)
 *             bit 4     server: the driver sends the client preface itself
 *             bit 5     lazy output: after a chunk send at most 100 bytes
 *                       (output is still flushed whenever recv asks)
 *   then records, each one control byte c:
 *     c < 0xf0   a chunk of c+1 bytes follows (fewer at the end of input),
 *                fed to lwg_h2_recv() with the backpressure dance
 *     0xf0       the clock advances 1000 ms, lwg_h2_tick()
 *     0xf1       client: open a stream (headers + a body); server: answer
 *                the first stream still waiting for a response
 *     0xf2       lwg_h2_submit_rst(CANCEL) on the first open stream
 *     0xf3       lwg_h2_submit_ping()
 *     0xf4       lwg_h2_submit_goaway(LAST_PEER, NO_ERROR)
 *     0xf5       the app consumes everything it holds
 *     0xf6       zero-copy DATA (reserve/commit) on every stream that has
 *                something to send
 *     0xf7       the transport closes (lwg_h2_transport_closed)
 *     0xf8..ff   nothing
 *
 * The callbacks behave like a small application: a server answers every
 * request (headers, a little DATA, trailers when the peer ends), a client
 * opens streams and sends bodies, DATA is consumed now or later, more DATA
 * goes out on on_send_ready.
 *
 * Invariants checked (__builtin_trap on violation, so libFuzzer reports a
 * crash with the input):
 *   - lwg_h2_recv() returns 0..len or LWG_ECONN, never more than len;
 *     0 only when there is output to flush first (no livelock);
 *   - once lwg_h2_conn_error() is set, lwg_h2_recv() returns LWG_ECONN,
 *     and lwg_h2_wants_close() is true once output is flushed;
 *   - lwg_h2_output() never offers more than LWG_TX_BUF_SIZE bytes;
 *   - what the engine writes is a sequence of well-formed frames: the
 *     client preface first (client), known types only, stream-id rules
 *     per type, DATA/HEADERS/CONTINUATION within the largest
 *     MAX_FRAME_SIZE the peer ever allowed;
 *   - flow control: per stream, window + unacknowledged credit + bytes the
 *     app still holds never exceed our initial window; the same for the
 *     connection;
 *   - the peer never gets more concurrent streams than we advertise;
 *   - the stream table's indexes agree with the table: the engine's own
 *     recount (lwg_h2_stream_table_check()), every stream with an id
 *     found by it, and the counters against the scans they replaced
 *     (active streams, streams per side against the limits, can_open);
 *   - callbacks only see live stream slots of this connection.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fake/fake_port.h"
#include "transport/lwg_h2.h"
#include "transport/lwg_h2_priv.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

/* ---- settings profiles ---------------------------------------------- */

static const lwg_h2_settings profiles[4] = {
    /* 0: the options' defaults (host config) */
    { LWG_HPACK_TABLE_SIZE, LWG_MAX_STREAMS, LWG_STREAM_RECV_WINDOW,
      LWG_CONN_RECV_WINDOW, LWG_MAX_FRAME_SIZE, LWG_MAX_HEADER_LIST,
      LWG_SETTINGS_TIMEOUT_MS },
    /* 1: tiny windows, three streams */
    { 4096, 3, 1024, 65535, 16384, 4096, 5000 },
    /* 2: large frames and windows, no HPACK dynamic table */
    { 0, LWG_MAX_STREAMS, 1u << 20, 1u << 24, 1u << 20, LWG_MAX_HEADER_LIST, 0 },
    /* 3: one stream, 100-byte window, small table and list, short timer */
    { 256, 1, 100, 65535, 16384, 1024, 100 },
};

/* ---- the application ------------------------------------------------- */

typedef struct app_stream {
    uint32_t owed;          /* delivered to us, not yet consumed */
    uint32_t to_send;       /* body bytes we still want to send */
    uint8_t  want_response; /* server: request complete, not answered */
    uint8_t  responded;
    uint8_t  remote_ended;
    uint8_t  ended;         /* our END_STREAM submitted */
} app_stream;

static struct {
    lwg_h2_conn conn;
    const lwg_h2_settings *set;
    app_stream st[LWG_MAX_STREAMS];
    uint64_t owed_total;
    int auto_consume;
    uint32_t now;
    uint32_t max_peer_frame;
    int in_output_check;
} F;

static uint8_t body[4096];

static app_stream *app(lwg_h2_conn *c, lwg_h2_stream *st)
{
    CHECK(c == &F.conn);
    CHECK(st >= c->streams && st < c->streams + LWG_MAX_STREAMS);
    CHECK(st->state != LWG_H2_ST_FREE);
    return &F.st[st - c->streams];
}

static void consume_all(lwg_h2_conn *c, lwg_h2_stream *st)
{
    app_stream *a = app(c, st);

    if (a->owed) {
        uint32_t n = a->owed;
        a->owed = 0;
        F.owed_total -= n;
        lwg_h2_consume(c, st, n);
    }
}

/* The flags exercise the encoder's table (INDEX) and memos (MEMO) with
 * the peer's table size and our tx room both moving under them; NO_TABLE
 * writes a raw literal at once. */
#define IM(id) (LWG_HPACK_INDEX | LWG_HPACK_MEMO(id))
static const lwg_h2_nv response_nv[] = {
    { (const uint8_t *)":status", (const uint8_t *)"200", 7, 3, IM(1), 0, 0 },
    { (const uint8_t *)"content-type", (const uint8_t *)"application/grpc", 12, 16, IM(1), 0, 0 },
};
static const lwg_h2_nv trailer_nv[] = {
    { (const uint8_t *)"grpc-status", (const uint8_t *)"0", 11, 1, IM(2), 0, 0 },
    { (const uint8_t *)"grpc-message", (const uint8_t *)"ok", 12, 2, LWG_HPACK_NEVER_INDEX, 0, 0 },
};
static const lwg_h2_nv request_nv[] = {
    { (const uint8_t *)":method", (const uint8_t *)"POST", 7, 4, LWG_HPACK_MEMO(1), 0, 0 },
    { (const uint8_t *)":scheme", (const uint8_t *)"http", 7, 4, LWG_HPACK_MEMO(1), 0, 0 },
    { (const uint8_t *)":path", (const uint8_t *)"/pkg.Svc/Method", 5, 15, IM(2), 0, 0 },
    { (const uint8_t *)":authority", (const uint8_t *)"fuzz", 10, 4, LWG_HPACK_INDEX, 0, 0 },
    { (const uint8_t *)"te", (const uint8_t *)"trailers", 2, 8, LWG_HPACK_NO_HUFFMAN |
                                                               LWG_HPACK_INDEX, 0, 0 },
    { (const uint8_t *)"grpc-timeout", (const uint8_t *)"99m", 12, 3,
      LWG_HPACK_NO_TABLE | LWG_HPACK_NO_HUFFMAN, 0, 0 },
};

/* The same fields as constant heads (lwg_h2_submit_const_headers), used
 * on every other stream: memo copies, tails, and the fallbacks. */
static const lwg_h2_const_block response_head = { response_nv, 2, 0, 3 };
static const lwg_h2_const_block trailer_head = { trailer_nv, 1, 0, 4 };
static const lwg_h2_const_block request_head = { request_nv, 3, 0x5eed, 4 };

/* Send what the stream still has: response headers first (server), then
 * DATA, then the end (trailers for a server, END_STREAM on DATA for a
 * client). */
static void pump(lwg_h2_conn *c, lwg_h2_stream *st)
{
    app_stream *a = app(c, st);
    int rc;

    if (a->ended || st->state == LWG_H2_ST_RST_PENDING)
        return;
    if (c->is_server) {
        if (!a->want_response)
            return;
        if (!a->responded) {
            rc = (st->id & 2) ? lwg_h2_submit_const_headers(c, st, &response_head, NULL, 0, 0)
                              : lwg_h2_submit_headers(c, st, response_nv, 2, 0);
            if (rc != LWG_OK)
                return;
            a->responded = 1;
        }
    }
    while (a->to_send > 0) {
        uint32_t len = a->to_send < sizeof body ? a->to_send : (uint32_t)sizeof body;
        int n = lwg_h2_submit_data(c, st, body, len,
                                   !c->is_server && len == a->to_send);
        CHECK(n == LWG_EINVAL || (n >= 0 && (uint32_t)n <= len));
        if (n <= 0)
            return;
        a->to_send -= (uint32_t)n;
        if (!c->is_server && a->to_send == 0)
            a->ended = 1;
        if (st->state == LWG_H2_ST_FREE)
            return; /* closed inside */
    }
    if (c->is_server && a->remote_ended && !a->ended) {
        if (((st->id & 2) ? lwg_h2_submit_const_headers(c, st, &trailer_head, trailer_nv + 1,
                                                        1, 1)
                          : lwg_h2_submit_headers(c, st, trailer_nv, 2, 1)) == LWG_OK)
            a->ended = 1;
    }
}

static int on_stream_open(lwg_h2_conn *c, lwg_h2_stream *st)
{
    app_stream *a = app(c, st);
    unsigned peer_streams = 0;

    CHECK(c->is_server);
    memset(a, 0, sizeof *a);
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++)
        if (c->streams[i].state != LWG_H2_ST_FREE &&
            c->streams[i].state != LWG_H2_ST_RST_PENDING && !c->streams[i].local)
            peer_streams++;
    /* the one arriving is counted once its slot is taken */
    CHECK(peer_streams <= F.set->max_concurrent);
    a->to_send = (st->id % 7) * 300;
    return (st->id % 29) == 27 ? LWG_ENOMEM : 0; /* refuse some */
}

static int on_header(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                     const lwg_h2_nv *nv)
{
    (void)app(c, st);
    CHECK(kind <= LWG_H2_HDR_INFO);
    CHECK(nv->name != NULL || nv->name_len == 0);
    CHECK(nv->value != NULL || nv->value_len == 0);
    /* a header named "x-reset" resets the stream from the app */
    if (nv->name_len == 7 && memcmp(nv->name, "x-reset", 7) == 0)
        return -(int)LWG_H2_CANCEL;
    return 0;
}

static void on_headers_end(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                           int too_large)
{
    app_stream *a = app(c, st);

    (void)too_large;
    if (c->is_server && kind == LWG_H2_HDR_INITIAL) {
        a->want_response = 1;
        pump(c, st);
    }
}

static void on_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data, size_t len)
{
    app_stream *a = app(c, st);
    volatile uint8_t sink = 0;

    for (size_t i = 0; i < len; i++) /* the view must be readable */
        sink ^= data[i];
    (void)sink;
    a->owed += (uint32_t)len;
    F.owed_total += len;
    if (F.auto_consume)
        consume_all(c, st);
}

static void on_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    app_stream *a = app(c, st);

    CHECK(!a->remote_ended);
    a->remote_ended = 1;
    pump(c, st);
}

static void on_stream_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how,
                            uint32_t code)
{
    CHECK(how <= LWG_H2_CLOSE_UNSENT);
    (void)code;
    consume_all(c, st); /* give the window back before the slot goes */
    memset(app(c, st), 0, sizeof(app_stream));
}

static void on_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code,
                      const uint8_t *debug, size_t debug_len)
{
    (void)c;
    (void)last_id;
    (void)code;
    CHECK(debug_len <= LWG_GOAWAY_DEBUG_MAX);
    CHECK(debug != NULL || debug_len == 0);
}

static void open_client_stream(lwg_h2_conn *c);

static void on_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (st == NULL) {
        CHECK(!c->is_server);
        return;
    }
    pump(c, st);
}

static void on_ping_ack(lwg_h2_conn *c, const uint8_t opaque[8])
{
    (void)c;
    CHECK(memcmp(opaque, "fuzzping", 8) == 0);
}

static void on_ready(lwg_h2_conn *c)
{
    if (!c->is_server) {
        open_client_stream(c);
        open_client_stream(c);
    }
}

static void on_conn_error(lwg_h2_conn *c, int err, uint32_t h2_code)
{
    (void)c;
    (void)h2_code;
    CHECK(err < 0);
}

static const lwg_h2_callbacks callbacks = {
    .on_stream_open = on_stream_open,
    .on_header = on_header,
    .on_headers_end = on_headers_end,
    .on_data = on_data,
    .on_remote_end = on_remote_end,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
    .on_send_ready = on_send_ready,
    .on_ping_ack = on_ping_ack,
    .on_ready = on_ready,
    .on_conn_error = on_conn_error,
};

static void open_client_stream(lwg_h2_conn *c)
{
    lwg_h2_stream *st = lwg_h2_stream_open(c, NULL);
    app_stream *a;

    if (st == NULL)
        return;
    a = app(c, st);
    memset(a, 0, sizeof *a);
    a->to_send = 100 + (uint32_t)(st - c->streams) * 500;
    if (((st - c->streams) & 1
             ? lwg_h2_submit_const_headers(c, st, &request_head, request_nv + 3,
                                           sizeof request_nv / sizeof request_nv[0] - 3, 0)
             : lwg_h2_submit_headers(c, st, request_nv,
                                     sizeof request_nv / sizeof request_nv[0], 0)) != LWG_OK)
        return; /* retried never: the stream just waits (fine) */
    CHECK(st->id != 0 && (st->id & 1) == 1);
    pump(c, st);
}

/* ---- output: flush and validate ---------------------------------------- */

static struct {
    uint32_t preface_left;
    uint8_t hdr[9];
    uint32_t have;
    uint32_t skip;
} O;

static void check_frame_header(const uint8_t h[9])
{
    lwg_h2_frame_hdr fh;

    lwg_h2_frame_hdr_decode(h, &fh);
    CHECK(fh.type <= LWG_H2_CONTINUATION);
    CHECK(fh.type != LWG_H2_PUSH_PROMISE); /* we never push */
    switch (fh.type) {
    case LWG_H2_SETTINGS:
        CHECK(fh.stream_id == 0);
        CHECK(fh.flags & LWG_H2_FLAG_ACK ? fh.length == 0 : fh.length % 6 == 0);
        break;
    case LWG_H2_PING:
        CHECK(fh.stream_id == 0 && fh.length == 8);
        break;
    case LWG_H2_GOAWAY:
        CHECK(fh.stream_id == 0 && fh.length >= 8);
        break;
    case LWG_H2_WINDOW_UPDATE:
        CHECK(fh.length == 4);
        break;
    case LWG_H2_RST_STREAM:
        CHECK(fh.stream_id != 0 && fh.length == 4);
        break;
    case LWG_H2_DATA:
    case LWG_H2_HEADERS:
    case LWG_H2_CONTINUATION:
        CHECK(fh.stream_id != 0 && (fh.stream_id & 1) == 1);
        CHECK(fh.length <= F.max_peer_frame);
        break;
    default:
        CHECK(fh.stream_id != 0);
        break;
    }
    O.skip = fh.length;
}

static void validate_output(const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (O.preface_left) {
            uint32_t off = LWG_H2_PREFACE_LEN - O.preface_left;
            CHECK(*p == (uint8_t)LWG_H2_PREFACE[off]);
            O.preface_left--;
            p++;
            n--;
        } else if (O.skip) {
            size_t k = n < O.skip ? n : O.skip;
            O.skip -= (uint32_t)k;
            p += k;
            n -= k;
        } else {
            O.hdr[O.have++] = *p++;
            n--;
            if (O.have == 9) {
                check_frame_header(O.hdr);
                O.have = 0;
            }
        }
    }
}

static void note_peer_settings(void)
{
    if (F.conn.peer.max_frame_size > F.max_peer_frame)
        F.max_peer_frame = F.conn.peer.max_frame_size;
}

/* Send up to `limit` bytes of output (SIZE_MAX: all of it). */
static void flush(size_t limit)
{
    lwg_h2_conn *c = &F.conn;

    while (limit > 0) {
        size_t len = 0;
        const uint8_t *p = lwg_h2_output(c, &len);
        CHECK(len <= LWG_TX_BUF_SIZE);
        if (len == 0)
            break;
        if (len > limit)
            len = limit;
        validate_output(p, len);
        limit -= len;
        lwg_h2_output_done(c, len);
        note_peer_settings();
    }
}

/* ---- invariants after every step ---------------------------------------- */

/* lwg_h2_can_open() as it was computed before the stream table kept
 * counters: by scanning the slots. */
static int can_open_by_scan(const lwg_h2_conn *c)
{
    unsigned used = 0, local_active = 0;

    if (c->is_server || c->fatal || c->goaway_received || c->goaway_sent ||
        c->state >= LWG_H2_CONN_CLOSING || c->next_local_id > LWG_H2_MAX_STREAM_ID)
        return LWG_ECLOSED;
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        if (c->streams[i].state != LWG_H2_ST_FREE)
            used++;
        if (c->streams[i].local && c->streams[i].state != LWG_H2_ST_FREE)
            local_active++;
    }
    if (used >= LWG_MAX_STREAMS || local_active >= c->peer.max_concurrent)
        return LWG_EAGAIN;
    return LWG_OK;
}

static void check_state(void)
{
    lwg_h2_conn *c = &F.conn;
    uint64_t owed = 0;
    unsigned peer_streams = 0, used = 0, counted[2] = { 0, 0 };

    int64_t window_bound = F.set->initial_window;

    if (c->settings_unacked && window_bound < (int64_t)LWG_H2_DEFAULT_WINDOW)
        window_bound = LWG_H2_DEFAULT_WINDOW;
    note_peer_settings();
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        lwg_h2_stream *st = &c->streams[i];
        if (st->state == LWG_H2_ST_FREE) {
            CHECK(F.st[i].owed == 0);
            continue;
        }
        CHECK(st->state <= LWG_H2_ST_RST_PENDING);
        used++;
        if (st->state != LWG_H2_ST_IDLE)
            counted[st->local ? 1 : 0]++;
        if (st->id != 0)
            CHECK(lwg_h2_stream_find(c, st->id) == st);
        owed += F.st[i].owed;
        if (!st->local && st->state != LWG_H2_ST_RST_PENDING)
            peer_streams++;
        /* window + credit not yet returned + what the app holds <= our
         * initial window (until our SETTINGS are ACKed the peer may use
         * the RFC's 65535, RFC 9113 6.9.2) */
        CHECK((int64_t)st->recv_window + st->recv_unacked + F.st[i].owed <= window_bound);
    }
    CHECK(owed == F.owed_total);
    CHECK(peer_streams <= F.set->max_concurrent);
    CHECK(lwg_h2_stream_table_check(c) == 0);
    CHECK(lwg_h2_active_streams(c) == used);
    CHECK(lwg_h2_count_streams(c, 0) == counted[0]);
    CHECK(lwg_h2_count_streams(c, 1) == counted[1]);
    CHECK(lwg_h2_can_open(c) == can_open_by_scan(c));
    if (!c->fatal)
        CHECK((int64_t)c->conn_recv_window + c->conn_recv_unacked + (int64_t)owed <=
              (int64_t)F.set->conn_window);
}

/* Feed one chunk with the backpressure dance. */
static void feed(const uint8_t *p, size_t n, int lazy)
{
    lwg_h2_conn *c = &F.conn;
    size_t off = 0;

    while (off < n) {
        int failed_before = lwg_h2_conn_error(c, NULL) != 0;
        int r = lwg_h2_recv(c, p + off, n - off, F.now);
        if (failed_before)
            CHECK(r == LWG_ECONN);
        if (r < 0) {
            CHECK(r == LWG_ECONN);
            CHECK(lwg_h2_conn_error(c, NULL) != 0);
            break;
        }
        CHECK((size_t)r <= n - off);
        off += (size_t)r;
        check_state();
        if (off < n) {
            size_t len = 0;
            (void)lwg_h2_output(c, &len);
            CHECK(r > 0 || len > 0); /* no progress and nothing to flush */
            flush(SIZE_MAX);
        }
    }
    flush(lazy ? 100 : SIZE_MAX);
    check_state();
}

static lwg_h2_stream *first_open_stream(void)
{
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        lwg_h2_stream *st = &F.conn.streams[i];
        if (st->state != LWG_H2_ST_FREE && st->state != LWG_H2_ST_RST_PENDING &&
            st->state != LWG_H2_ST_IDLE)
            return st;
    }
    return NULL;
}

static void action(uint8_t op)
{
    lwg_h2_conn *c = &F.conn;
    lwg_h2_stream *st;

    switch (op) {
    case 0xf0:
        F.now += 1000;
        fake_port_set_now(F.now);
        lwg_h2_tick(c, F.now);
        (void)lwg_h2_next_timeout(c, F.now);
        break;
    case 0xf1:
        if (!c->is_server) {
            open_client_stream(c);
        } else {
            for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
                st = &c->streams[i];
                if (st->state != LWG_H2_ST_FREE && st->state != LWG_H2_ST_RST_PENDING &&
                    !F.st[i].want_response) {
                    F.st[i].want_response = 1;
                    pump(c, st);
                    break;
                }
            }
        }
        break;
    case 0xf2:
        st = first_open_stream();
        if (st)
            CHECK(lwg_h2_submit_rst(c, st, LWG_H2_CANCEL) == LWG_OK);
        break;
    case 0xf3:
        (void)lwg_h2_submit_ping(c, (const uint8_t *)"fuzzping");
        break;
    case 0xf4:
        (void)lwg_h2_submit_goaway(c, LWG_H2_GOAWAY_LAST_PEER, LWG_H2_NO_ERROR, "fuzz");
        break;
    case 0xf5:
        for (unsigned i = 0; i < LWG_MAX_STREAMS; i++)
            if (c->streams[i].state != LWG_H2_ST_FREE)
                consume_all(c, &c->streams[i]);
        break;
    case 0xf6:
        for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
            st = &c->streams[i];
            if (st->state == LWG_H2_ST_FREE || st->state == LWG_H2_ST_RST_PENDING ||
                st->state == LWG_H2_ST_IDLE || F.st[i].to_send == 0 ||
                (c->is_server && !F.st[i].responded))
                continue;
            size_t room = 0;
            uint8_t *w = lwg_h2_data_reserve(c, st, &room);
            if (w == NULL || room == 0)
                continue;
            size_t k = room < F.st[i].to_send ? room : F.st[i].to_send;
            memset(w, 'z', k);
            CHECK(lwg_h2_data_commit(c, st, k, 0) == LWG_OK);
            F.st[i].to_send -= (uint32_t)k;
        }
        break;
    case 0xf7:
        lwg_h2_transport_closed(c, LWG_EIO);
        CHECK(lwg_h2_conn_error(c, NULL) != 0);
        break;
    default:
        break;
    }
    check_state();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lwg_h2_conn *c = &F.conn;
    uint8_t mode;
    int is_server, lazy;
    size_t i;

    if (size < 1)
        return 0;
    mode = data[0];
    is_server = mode & 1;
    lazy = (mode >> 5) & 1;
    memset(F.st, 0, sizeof F.st);
    F.owed_total = 0;
    F.set = &profiles[(mode >> 1) & 3];
    F.auto_consume = (mode >> 3) & 1;
    F.now = 0xfffff000u;    /* the clock wraps during long inputs */
    F.max_peer_frame = LWG_H2_MIN_MAX_FRAME_SIZE;
    fake_port_set_now(F.now);
    memset(&O, 0, sizeof O);
    O.preface_left = is_server ? 0 : LWG_H2_PREFACE_LEN;
    memset(body, 'b', sizeof body);

    CHECK(lwg_h2_conn_init(c, is_server, &callbacks, NULL, F.set, F.now) == LWG_OK);
    if (!is_server) /* may open before the peer's SETTINGS */
        open_client_stream(c);
    flush(SIZE_MAX);
    if (is_server && (mode & 0x10))
        feed((const uint8_t *)LWG_H2_PREFACE, LWG_H2_PREFACE_LEN, 0);

    i = 1;
    while (i < size) {
        uint8_t ctl = data[i++];
        if (ctl >= 0xf0) {
            action(ctl);
            flush(lazy ? 100 : SIZE_MAX);
            continue;
        }
        size_t n = (size_t)ctl + 1;
        if (n > size - i)
            n = size - i;
        feed(data + i, n, lazy);
        i += n;
    }
    /* the end: flush everything; a failed connection wants to close */
    flush(SIZE_MAX);
    if (lwg_h2_conn_error(c, NULL) != 0) {
        CHECK(lwg_h2_wants_close(c));
        CHECK(lwg_h2_recv(c, (const uint8_t *)"x", 1, F.now) == LWG_ECONN);
    }
    return 0;
}
