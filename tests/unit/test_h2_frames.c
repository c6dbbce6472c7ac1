/*
 * test_h2_frames.c - the HTTP/2 engine driven purely in memory (no
 * sockets, the fake port's clock).
 *
 *   - every frame type, written with the transport/lwg_h2_frame.h writers,
 *     decoded by a server-role and a client-role engine: the callbacks see
 *     exactly what was encoded;
 *   - a table of malformed inputs, each answered with the exact GOAWAY or
 *     RST_STREAM code (RFC 9113), fed whole AND one byte at a time;
 *   - the SETTINGS ACK timeout on the fake clock, also across the 2^32
 *     wrap (clock starting at 0xfffffff0);
 *   - a client and a server engine back to back, 100 streams with bodies
 *     through tiny windows and a small "socket" between them: every byte
 *     arrives, in order;
 *   - a 40 KB header block we send, split into HEADERS + CONTINUATION
 *     within the peer's MAX_FRAME_SIZE (needs the host config's 64 KiB
 *     LWG_TX_BUF_SIZE), and the LWG_ETOOBIG cases.
 */
#include "lwg_test.h"
#include "fake/fake_port.h"
#include "transport/lwg_h2.h"

#include <stdlib.h>

#define SERVER 1
#define CLIENT 0

/* ======================================================================
 * A byte buffer to build inputs in
 * ==================================================================== */

typedef struct buf {
    uint8_t b[200000];
    size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > sizeof b->b) {
        CHECK(!"test buffer overflow");
        return;
    }
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

/* A frame with any (possibly lying) length field. */
static void raw_len(buf *b, uint32_t declared, uint8_t type, uint8_t flags,
                    uint32_t sid, const void *payload, size_t n)
{
    uint8_t h[9];

    lwg_h2_frame_hdr_encode(h, declared, type, flags, sid);
    put(b, h, 9);
    put(b, payload, n);
}

static void raw(buf *b, uint8_t type, uint8_t flags, uint32_t sid,
                const void *payload, size_t n)
{
    raw_len(b, (uint32_t)n, type, flags, sid, payload, n);
}

/* Append what a writer wrote at b->b + b->n (it returns the length). */
static void wrote(buf *b, int n)
{
    CHECK(n > 0);
    if (n > 0)
        b->n += (size_t)n;
}

#define END(bp) ((bp)->b + sizeof (bp)->b)

/* :method POST, :scheme http, :path /, :authority localhost (static
 * indices 3, 6, 4; authority: literal without indexing, indexed name 1).
 * No dynamic table entries, so blocks can be replayed. */
static const uint8_t REQ_BLOCK[] = "\x83\x86\x84\x01\x09localhost";
#define REQ_LEN (sizeof REQ_BLOCK - 1)
static const uint8_t STATUS_200[] = { 0x88 };

static void headers(buf *b, uint32_t sid, int end_stream)
{
    wrote(b, lwg_h2_write_headers(b->b + b->n, END(b), sid,
                                  (uint8_t)(LWG_H2_FLAG_END_HEADERS |
                                            (end_stream ? LWG_H2_FLAG_END_STREAM : 0)),
                                  REQ_BLOCK, REQ_LEN, NULL, 0));
}

static void response(buf *b, uint32_t sid, int end_stream)
{
    wrote(b, lwg_h2_write_headers(b->b + b->n, END(b), sid,
                                  (uint8_t)(LWG_H2_FLAG_END_HEADERS |
                                            (end_stream ? LWG_H2_FLAG_END_STREAM : 0)),
                                  STATUS_200, 1, NULL, 0));
}

static void settings1(buf *b, uint16_t id, uint32_t v)
{
    lwg_h2_setting s = { id, v };
    wrote(b, lwg_h2_write_settings(b->b + b->n, END(b), &s, 1));
}

static void window_update(buf *b, uint32_t sid, uint32_t inc)
{
    uint8_t p[4];

    lwg_put_u32be(p, inc);
    raw(b, LWG_H2_WINDOW_UPDATE, 0, sid, p, 4); /* the writer may refuse 0 */
}

/* ======================================================================
 * The upper layer the tests plug in: records every callback
 * ==================================================================== */

#define MAX_CLOSES 512

typedef struct tctx {
    lwg_h2_conn *c;
    uint32_t now;
    /* events */
    int ready;
    int conn_errors;
    int conn_err;
    uint32_t conn_err_code;
    int goaways;
    uint32_t goaway_last, goaway_code;
    uint8_t goaway_debug[128];
    size_t goaway_debug_len;
    int ping_acks;
    uint8_t ping_ack[8];
    int opens;
    int refuse_opens;
    int headers_ends;
    unsigned last_kind;
    int last_too_large;
    char fields[8192];          /* "kind:name=value\n"... */
    size_t fields_len;
    int remote_ends;
    int closes;
    uint32_t close_id[MAX_CLOSES];
    unsigned close_how[MAX_CLOSES];
    uint32_t close_code[MAX_CLOSES];
    uint8_t data[70000];
    size_t data_len;
    int auto_consume;
    int send_ready_null;
    /* everything the engine sent */
    uint8_t out[1 << 20];
    size_t out_len;
    size_t out_max_view;
} tctx;

static tctx *T(lwg_h2_conn *c)
{
    return (tctx *)c->user;
}

static int cb_open(lwg_h2_conn *c, lwg_h2_stream *st)
{
    (void)st;
    T(c)->opens++;
    return T(c)->refuse_opens ? LWG_ENOMEM : 0;
}

static int cb_header(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                     const lwg_h2_nv *nv)
{
    tctx *t = T(c);
    int n;

    (void)st;
    n = snprintf(t->fields + t->fields_len, sizeof t->fields - t->fields_len,
                 "%u:%.*s=%.*s\n", kind, (int)nv->name_len, (const char *)nv->name,
                 (int)(nv->value_len > 64 ? 64 : nv->value_len), (const char *)nv->value);
    if (n > 0 && (size_t)n < sizeof t->fields - t->fields_len)
        t->fields_len += (size_t)n;
    return 0;
}

static void cb_headers_end(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                           int too_large)
{
    (void)st;
    T(c)->headers_ends++;
    T(c)->last_kind = kind;
    T(c)->last_too_large = too_large;
}

static void cb_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data, size_t len)
{
    tctx *t = T(c);

    if (t->data_len + len <= sizeof t->data) {
        memcpy(t->data + t->data_len, data, len);
        t->data_len += len;
    }
    if (t->auto_consume)
        lwg_h2_consume(c, st, len);
}

static void cb_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    (void)st;
    T(c)->remote_ends++;
}

static void cb_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how, uint32_t code)
{
    tctx *t = T(c);

    if (t->closes < MAX_CLOSES) {
        t->close_id[t->closes] = st->id;
        t->close_how[t->closes] = how;
        t->close_code[t->closes] = code;
    }
    t->closes++;
}

static void cb_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code,
                      const uint8_t *debug, size_t debug_len)
{
    tctx *t = T(c);

    t->goaways++;
    t->goaway_last = last_id;
    t->goaway_code = code;
    t->goaway_debug_len = debug_len < sizeof t->goaway_debug ? debug_len : sizeof t->goaway_debug;
    memcpy(t->goaway_debug, debug, t->goaway_debug_len);
}

static void cb_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (!st)
        T(c)->send_ready_null++;
}

static void cb_ping_ack(lwg_h2_conn *c, const uint8_t opaque[8])
{
    T(c)->ping_acks++;
    memcpy(T(c)->ping_ack, opaque, 8);
}

static void cb_ready(lwg_h2_conn *c)
{
    T(c)->ready++;
}

static void cb_conn_error(lwg_h2_conn *c, int err, uint32_t code)
{
    T(c)->conn_errors++;
    T(c)->conn_err = err;
    T(c)->conn_err_code = code;
}

static const lwg_h2_callbacks recorder = {
    .on_stream_open = cb_open,
    .on_header = cb_header,
    .on_headers_end = cb_headers_end,
    .on_data = cb_data,
    .on_remote_end = cb_remote_end,
    .on_stream_close = cb_close,
    .on_goaway = cb_goaway,
    .on_send_ready = cb_send_ready,
    .on_ping_ack = cb_ping_ack,
    .on_ready = cb_ready,
    .on_conn_error = cb_conn_error,
};

static lwg_h2_conn conn_a, conn_b;
static tctx ctx_a;

/* Move everything the engine has queued into t->out. */
static void drain(tctx *t)
{
    for (;;) {
        size_t len = 0;
        const uint8_t *p = lwg_h2_output(t->c, &len);
        if (len == 0)
            return;
        CHECK(len <= LWG_TX_BUF_SIZE);
        if (len > t->out_max_view)
            t->out_max_view = len;
        if (t->out_len + len <= sizeof t->out) {
            memcpy(t->out + t->out_len, p, len);
            t->out_len += len;
        }
        lwg_h2_output_done(t->c, len);
    }
}

/* Offer in[0..n) whole or one byte at a time; output is drained whenever
 * the engine takes less than offered (backpressure).  Returns 0, or the
 * first negative lwg_h2_recv() result. */
static int feed(tctx *t, const uint8_t *in, size_t n, int bytewise)
{
    size_t off = 0;

    while (off < n) {
        size_t chunk = bytewise ? 1 : n - off;
        int r = lwg_h2_recv(t->c, in + off, chunk, t->now);
        if (r < 0) {
            drain(t);
            return r;
        }
        CHECK((size_t)r <= chunk);
        if ((size_t)r > chunk)
            return LWG_EINVAL;
        off += (size_t)r;
        if ((size_t)r < chunk) {
            size_t before = t->out_len;
            drain(t);
            if (r == 0 && t->out_len == before) {
                CHECK(!"recv made no progress with nothing to flush");
                return LWG_EAGAIN;
            }
        }
    }
    drain(t);
    return 0;
}

static void setup(tctx *t, lwg_h2_conn *c, int role, const lwg_h2_settings *s,
                  uint32_t now)
{
    memset(t, 0, sizeof *t);
    t->c = c;
    t->now = now;
    fake_port_set_now(now);
    CHECK_EQ(lwg_h2_conn_init(c, role, &recorder, t, s, now), LWG_OK);
    drain(t);
}

/* ---- reading what the engine wrote ------------------------------------ */

typedef struct out_frame {
    lwg_h2_frame_hdr h;
    const uint8_t *payload;
} out_frame;

/* The idx-th frame of t->out (after the client preface when is_client),
 * or 0 when there is none. */
static int nth_frame(const tctx *t, size_t idx, out_frame *f)
{
    size_t off = 0;

    if (!t->c->is_server)
        off = LWG_H2_PREFACE_LEN;
    for (size_t i = 0;; i++) {
        if (off + 9 > t->out_len)
            return 0;
        lwg_h2_frame_hdr_decode(t->out + off, &f->h);
        if (off + 9 + f->h.length > t->out_len)
            return 0;
        f->payload = t->out + off + 9;
        if (i == idx)
            return 1;
        off += 9 + f->h.length;
    }
}

/* The first GOAWAY or RST_STREAM the engine wrote: returns its type (0 if
 * none) and fills *sid / *code. */
static int first_error(const tctx *t, uint32_t *sid, uint32_t *code)
{
    out_frame f;

    for (size_t i = 0; nth_frame(t, i, &f); i++) {
        if (f.h.type == LWG_H2_GOAWAY && f.h.length >= 8) {
            *sid = lwg_get_u32be(f.payload) & LWG_H2_MAX_STREAM_ID;
            *code = lwg_get_u32be(f.payload + 4);
            return LWG_H2_GOAWAY;
        }
        if (f.h.type == LWG_H2_RST_STREAM && f.h.length == 4) {
            *sid = f.h.stream_id;
            *code = lwg_get_u32be(f.payload);
            return LWG_H2_RST_STREAM;
        }
    }
    return 0;
}

static int count_frames(const tctx *t, uint8_t type, uint8_t flags_mask)
{
    out_frame f;
    int n = 0;

    for (size_t i = 0; nth_frame(t, i, &f); i++)
        if (f.h.type == type && (f.h.flags & flags_mask) == flags_mask)
            n++;
    return n;
}

/* The last frame of a type, if any. */
static int last_frame(const tctx *t, uint8_t type, out_frame *out)
{
    out_frame f;
    int found = 0;

    for (size_t i = 0; nth_frame(t, i, &f); i++)
        if (f.h.type == type) {
            *out = f;
            found = 1;
        }
    return found;
}

/* A PING ACK with this payload among the frames written at or after
 * t->out[mark]. */
static int has_ping_ack_since(const tctx *t, size_t mark, const char *payload)
{
    out_frame f;

    for (size_t i = 0; nth_frame(t, i, &f); i++)
        if ((size_t)(f.payload - t->out) >= mark + 9 && f.h.type == LWG_H2_PING &&
            f.h.flags == LWG_H2_FLAG_ACK && f.h.length == 8 &&
            memcmp(f.payload, payload, 8) == 0)
            return 1;
    return 0;
}

/* The handshake a peer sends before each case: the client preface (server
 * role only), an empty SETTINGS, and the ACK of the engine's SETTINGS. */
static void handshake(buf *b, int role)
{
    if (role == SERVER)
        put(b, LWG_H2_PREFACE, LWG_H2_PREFACE_LEN);
    wrote(b, lwg_h2_write_settings(b->b + b->n, END(b), NULL, 0));
    wrote(b, lwg_h2_write_settings_ack(b->b + b->n, END(b)));
}

/* Client role: open stream 1 and send its request (END_STREAM). */
static lwg_h2_stream *client_request(tctx *t, int end_stream)
{
    static const lwg_h2_nv req[] = {
        { (const uint8_t *)":method", (const uint8_t *)"POST", 7, 4, 0, 0, 0 },
        { (const uint8_t *)":scheme", (const uint8_t *)"http", 7, 4, 0, 0, 0 },
        { (const uint8_t *)":path", (const uint8_t *)"/x", 5, 2, 0, 0, 0 },
        { (const uint8_t *)":authority", (const uint8_t *)"h", 10, 1, 0, 0, 0 },
    };
    lwg_h2_stream *st = lwg_h2_stream_open(t->c, NULL);

    CHECK(st != NULL);
    if (!st)
        return NULL;
    CHECK_EQ(lwg_h2_submit_headers(t->c, st, req, 4, end_stream), LWG_OK);
    drain(t);
    return st;
}

/* ======================================================================
 * 1. Every frame type round trip
 * ==================================================================== */

static void test_roundtrip_server(void)
{
    static buf b;
    tctx *t = &ctx_a;
    uint8_t prio[5] = { 0, 0, 0, 0, 200 };
    uint8_t payload[300];
    out_frame f;

    for (int bytewise = 0; bytewise <= 1; bytewise++) {
        setup(t, &conn_a, SERVER, NULL, 1000);
        t->auto_consume = 1;
        b.n = 0;
        handshake(&b, SERVER);
        /* SETTINGS with every id the engine knows */
        {
            lwg_h2_setting s[] = {
                { LWG_H2_SETTINGS_HEADER_TABLE_SIZE, 1000 },
                { LWG_H2_SETTINGS_ENABLE_PUSH, 0 },
                { LWG_H2_SETTINGS_MAX_CONCURRENT_STREAMS, 7 },
                { LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, 40000 },
                { LWG_H2_SETTINGS_MAX_FRAME_SIZE, 20000 },
                { LWG_H2_SETTINGS_MAX_HEADER_LIST_SIZE, 9000 },
                { 0x99, 12345 },     /* unknown: ignored */
            };
            wrote(&b, lwg_h2_write_settings(b.b + b.n, END(&b), s, 7));
        }
        /* HEADERS with PRIORITY and padding, split by CONTINUATION */
        wrote(&b, lwg_h2_write_headers(b.b + b.n, END(&b), 1, LWG_H2_FLAG_PRIORITY,
                                       REQ_BLOCK, 3, prio, 10));
        wrote(&b, lwg_h2_write_continuation(b.b + b.n, END(&b), 1, 0, REQ_BLOCK + 3, 2));
        wrote(&b, lwg_h2_write_continuation(b.b + b.n, END(&b), 1, 1, REQ_BLOCK + 5,
                                            REQ_LEN - 5));
        /* PRIORITY: parsed and ignored */
        wrote(&b, lwg_h2_write_priority(b.b + b.n, END(&b), 1, 0, 1, 30));
        wrote(&b, lwg_h2_write_priority(b.b + b.n, END(&b), 9, 1, 0, 30));
        /* DATA, unpadded then padded */
        for (size_t i = 0; i < sizeof payload; i++)
            payload[i] = (uint8_t)(i * 7);
        wrote(&b, lwg_h2_write_data(b.b + b.n, END(&b), 1, payload, 100, 0, 0));
        wrote(&b, lwg_h2_write_data(b.b + b.n, END(&b), 1, payload + 100, 200, 0, 55));
        /* PING; WINDOW_UPDATE on the connection and the stream */
        wrote(&b, lwg_h2_write_ping(b.b + b.n, END(&b), (const uint8_t *)"pingpong", 0));
        wrote(&b, lwg_h2_write_window_update(b.b + b.n, END(&b), 0, 1000));
        wrote(&b, lwg_h2_write_window_update(b.b + b.n, END(&b), 1, 2000));
        /* trailers end the request */
        {
            static const uint8_t tr[] = "\x00\x01t\x01v";
            wrote(&b, lwg_h2_write_headers(b.b + b.n, END(&b), 1,
                                           LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM,
                                           tr, sizeof tr - 1, NULL, 0));
        }
        /* a second stream, reset by the peer */
        headers(&b, 3, 0);
        wrote(&b, lwg_h2_write_rst_stream(b.b + b.n, END(&b), 3, 0x1234));
        /* GOAWAY with debug data */
        wrote(&b, lwg_h2_write_goaway(b.b + b.n, END(&b), 0, LWG_H2_NO_ERROR,
                                      (const uint8_t *)"see you", 7));

        CHECK_EQ(feed(t, b.b, b.n, bytewise), 0);
        CHECK_EQ(t->conn_errors, 0);
        CHECK_EQ(t->ready, 1);
        CHECK_EQ(t->c->peer.header_table_size, 1000);
        CHECK_EQ(t->c->peer.enable_push, 0);
        CHECK_EQ(t->c->peer.max_concurrent, 7);
        CHECK_EQ(t->c->peer.initial_window, 40000);
        CHECK_EQ(t->c->peer.max_frame_size, 20000);
        CHECK_EQ(t->c->peer.max_header_list, 9000);
        /* both our SETTINGS ACKs (empty SETTINGS + full SETTINGS) */
        CHECK_EQ(count_frames(t, LWG_H2_SETTINGS, LWG_H2_FLAG_ACK), 2);
        CHECK_EQ(lwg_h2_next_timeout(t->c, t->now), LWG_NO_TIMEOUT);
        /* the request headers, in order, across HEADERS + CONTINUATION */
        CHECK(strstr(t->fields, "0::method=POST\n0::scheme=http\n0::path=/\n"
                                "0::authority=localhost\n") == t->fields);
        CHECK(strstr(t->fields, "1:t=v\n") != NULL);
        CHECK_EQ(t->opens, 2);
        CHECK_EQ(t->headers_ends, 3);
        /* DATA without padding */
        CHECK_EQ(t->data_len, 300);
        CHECK_MEM(t->data, payload, 300);
        CHECK_EQ(t->remote_ends, 1);
        /* PING ACK with the same payload */
        CHECK(last_frame(t, LWG_H2_PING, &f));
        CHECK_EQ(f.h.flags, LWG_H2_FLAG_ACK);
        CHECK_EQ(f.h.length, 8);
        CHECK_MEM(f.payload, "pingpong", 8);
        /* stream 3: closed by the peer's RST_STREAM with its code */
        CHECK_EQ(t->closes, 1);
        CHECK_EQ(t->close_id[0], 3);
        CHECK_EQ(t->close_how[0], LWG_H2_CLOSE_RESET_PEER);
        CHECK_EQ(t->close_code[0], 0x1234);
        /* GOAWAY */
        CHECK_EQ(t->goaways, 1);
        CHECK_EQ(t->goaway_last, 0);
        CHECK_EQ(t->goaway_code, 0);
        CHECK_EQ(t->goaway_debug_len, 7);
        CHECK_MEM(t->goaway_debug, "see you", 7);
        /* windows: the stream we still answer on got 40000 + 2000 */
        {
            lwg_h2_stream *st = lwg_h2_stream_find(t->c, 1);
            CHECK(st != NULL);
            if (st)
                CHECK_EQ(st->send_window, 42000);
            CHECK_EQ(t->c->conn_send_window, 65535 + 1000);
        }
        /* no error frame in all of it */
        uint32_t sid, code;
        CHECK_EQ(first_error(t, &sid, &code), 0);
        if (lwg_test_case_failed)
            fprintf(stderr, "  (failed with bytewise=%d)\n", bytewise);
    }
}

static void test_roundtrip_client(void)
{
    static buf b;
    tctx *t = &ctx_a;

    for (int bytewise = 0; bytewise <= 1; bytewise++) {
        setup(t, &conn_a, CLIENT, NULL, 5);
        t->auto_consume = 1;
        /* the client preface is the first thing out */
        CHECK(t->out_len >= LWG_H2_PREFACE_LEN + 9);
        CHECK_MEM(t->out, LWG_H2_PREFACE, LWG_H2_PREFACE_LEN);
        out_frame f;
        CHECK(nth_frame(t, 0, &f) && f.h.type == LWG_H2_SETTINGS && f.h.flags == 0);
        /* ENABLE_PUSH=0 is advertised by a client */
        int push0 = 0;
        for (uint32_t i = 0; i + 6 <= f.h.length; i += 6)
            if (lwg_get_u16be(f.payload + i) == LWG_H2_SETTINGS_ENABLE_PUSH &&
                lwg_get_u32be(f.payload + i + 2) == 0)
                push0 = 1;
        CHECK(push0);

        lwg_h2_stream *st = client_request(t, 1);
        CHECK(st && st->id == 1);
        CHECK_EQ(lwg_h2_submit_ping(t->c, (const uint8_t *)"12345678"), LWG_OK);
        CHECK_EQ(lwg_h2_submit_ping(t->c, (const uint8_t *)"87654321"), LWG_EAGAIN);
        drain(t);
        b.n = 0;
        handshake(&b, CLIENT);
        response(&b, 1, 0);
        wrote(&b, lwg_h2_write_data(b.b + b.n, END(&b), 1, (const uint8_t *)"hello", 5, 0, 3));
        wrote(&b, lwg_h2_write_ping(b.b + b.n, END(&b), (const uint8_t *)"12345678", 1));
        {
            static const uint8_t tr[] = "\x00\x0bgrpc-status\x01" "0";
            wrote(&b, lwg_h2_write_headers(b.b + b.n, END(&b), 1,
                                           LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM,
                                           tr, sizeof tr - 1, NULL, 0));
        }
        wrote(&b, lwg_h2_write_goaway(b.b + b.n, END(&b), 0, LWG_H2_ENHANCE_YOUR_CALM,
                                      (const uint8_t *)"too_many_pings", 14));
        CHECK_EQ(feed(t, b.b, b.n, bytewise), 0);
        CHECK_EQ(t->ready, 1);
        CHECK(strstr(t->fields, "0::status=200\n") == t->fields);
        CHECK(strstr(t->fields, "1:grpc-status=0\n") != NULL);
        CHECK_EQ(t->data_len, 5);
        CHECK_MEM(t->data, "hello", 5);
        CHECK_EQ(t->ping_acks, 1);
        CHECK_MEM(t->ping_ack, "12345678", 8);
        CHECK_EQ(t->closes, 1);
        CHECK_EQ(t->close_id[0], 1);
        CHECK_EQ(t->close_how[0], LWG_H2_CLOSE_NORMAL);
        CHECK_EQ(t->goaways, 1);
        CHECK_EQ(t->goaway_code, LWG_H2_ENHANCE_YOUR_CALM);
        CHECK_EQ(t->goaway_debug_len, 14);
        /* a GOAWAY: no new streams */
        CHECK_EQ(lwg_h2_can_open(t->c), LWG_ECLOSED);
        CHECK(lwg_h2_stream_open(t->c, NULL) == NULL);
        if (lwg_test_case_failed)
            fprintf(stderr, "  (failed with bytewise=%d)\n", bytewise);
    }
}

/* ======================================================================
 * 2. Malformed input -> the exact answer, whole and byte by byte
 * ==================================================================== */

#define EXPECT_GOAWAY LWG_H2_GOAWAY
#define EXPECT_RST    LWG_H2_RST_STREAM
#define ANY_ID        0xffffffffu

typedef struct bad_case {
    const char *name;
    int role;
    void (*build)(buf *b);
    int expect;                 /* EXPECT_GOAWAY or EXPECT_RST */
    uint32_t sid;               /* RST: the stream; GOAWAY: last-stream-id
                                   (ANY_ID: the RFC leaves it open) */
    uint32_t code;
    uint32_t initial_window;    /* 0: default */
    uint32_t conn_window;
    uint32_t max_concurrent;
} bad_case;

static void b_data_stream0(buf *b) { raw(b, LWG_H2_DATA, 0, 0, "abc", 3); }
static void b_headers_even(buf *b) { headers(b, 2, 1); }
static void b_push_to_server(buf *b)
{
    headers(b, 1, 0);
    wrote(b, lwg_h2_write_push_promise(b->b + b->n, END(b), 1, 2, STATUS_200, 1));
}
static void b_wu_overflow_conn(buf *b) { window_update(b, 0, 0x7fffffffu); }
static void b_wu_overflow_stream(buf *b)
{
    headers(b, 1, 0);
    window_update(b, 1, 0x7fffffffu);
}
static void b_wu_zero_conn(buf *b) { window_update(b, 0, 0); }
static void b_wu_zero_stream(buf *b)
{
    headers(b, 1, 0);
    window_update(b, 1, 0);
}
static void b_wu_len3(buf *b) { raw(b, LWG_H2_WINDOW_UPDATE, 0, 0, "\0\0\1", 3); }
static void b_settings_len5(buf *b) { raw(b, LWG_H2_SETTINGS, 0, 0, "\0\4\0\0\1", 5); }
static void b_settings_ack_payload(buf *b)
{
    raw(b, LWG_H2_SETTINGS, LWG_H2_FLAG_ACK, 0, "\0\2\0\0\0\0", 6);
}
static void b_settings_stream(buf *b) { raw(b, LWG_H2_SETTINGS, 0, 1, "", 0); }
static void b_settings_iws(buf *b) { settings1(b, LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, 0x80000000u); }
static void b_settings_mfs_low(buf *b) { settings1(b, LWG_H2_SETTINGS_MAX_FRAME_SIZE, 16383); }
static void b_settings_mfs_high(buf *b) { settings1(b, LWG_H2_SETTINGS_MAX_FRAME_SIZE, 1u << 24); }
static void b_settings_push2(buf *b) { settings1(b, LWG_H2_SETTINGS_ENABLE_PUSH, 2); }
static void b_settings_push1(buf *b) { settings1(b, LWG_H2_SETTINGS_ENABLE_PUSH, 1); }
static void b_ping_len7(buf *b) { raw(b, LWG_H2_PING, 0, 0, "1234567", 7); }
static void b_ping_stream(buf *b) { raw(b, LWG_H2_PING, 0, 1, "12345678", 8); }
static void b_too_large(buf *b)
{
    static uint8_t big[16385];
    memcpy(big, REQ_BLOCK, REQ_LEN);
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM, 1, big, sizeof big);
}
static void b_cont_alone(buf *b) { raw(b, LWG_H2_CONTINUATION, LWG_H2_FLAG_END_HEADERS, 1, "\x82", 1); }
static void b_cont_other_stream(buf *b)
{
    raw(b, LWG_H2_HEADERS, 0, 1, REQ_BLOCK, REQ_LEN);
    raw(b, LWG_H2_CONTINUATION, LWG_H2_FLAG_END_HEADERS, 3, "", 0);
}
static void b_ping_in_block(buf *b)
{
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_STREAM, 1, REQ_BLOCK, REQ_LEN);
    raw(b, LWG_H2_PING, 0, 0, "12345678", 8);
}
static void b_data_stream_window(buf *b)
{
    static uint8_t d[1025];
    headers(b, 1, 0);
    raw(b, LWG_H2_DATA, 0, 1, d, sizeof d);
}
static void b_data_stream_window_padding(buf *b)
{
    /* 1000 bytes + a padded frame of 33 (1 + 16 data + 16 padding) */
    static uint8_t d[1000];
    static uint8_t p[33] = { 16 };
    headers(b, 1, 0);
    raw(b, LWG_H2_DATA, 0, 1, d, sizeof d);
    raw(b, LWG_H2_DATA, LWG_H2_FLAG_PADDED, 1, p, sizeof p);
}
static void b_data_conn_window(buf *b)
{
    static uint8_t d[16000];
    headers(b, 1, 0);
    headers(b, 3, 0);
    for (int i = 0; i < 3; i++)
        raw(b, LWG_H2_DATA, 0, 1, d, sizeof d);
    for (int i = 0; i < 2; i++)
        raw(b, LWG_H2_DATA, 0, 3, d, 9000);
}
static void b_data_half_closed(buf *b)
{
    headers(b, 1, 1);
    raw(b, LWG_H2_DATA, 0, 1, "late", 4);
}
static void b_data_idle(buf *b) { raw(b, LWG_H2_DATA, 0, 1, "idle", 4); }
static void b_rst_idle(buf *b) { raw(b, LWG_H2_RST_STREAM, 0, 1, "\0\0\0\x08", 4); }
static void b_rst_len3(buf *b)
{
    headers(b, 1, 0);
    raw(b, LWG_H2_RST_STREAM, 0, 1, "\0\0\0", 3);
}
static void b_hpack_index0(buf *b)
{
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM, 1, "\x80", 1);
}
static void b_hpack_index_range(buf *b)
{
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM, 1,
        "\x82\xff\x80\x01", 4);
}
static void b_uppercase(buf *b)
{
    buf *blk = malloc(sizeof *blk);
    blk->n = 0;
    put(blk, REQ_BLOCK, REQ_LEN);
    put(blk, "\x00\x07X-Upper\x01" "1", 11);
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM, 1, blk->b, blk->n);
    free(blk);
}
static void b_second_headers(buf *b)
{
    headers(b, 1, 0);
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS, 1, "\x00\x01t\x01v", 5);
}
static void b_lower_id(buf *b)
{
    headers(b, 5, 0);
    headers(b, 3, 1);
}
static void b_too_many(buf *b)
{
    headers(b, 1, 0);
    headers(b, 3, 0);
    headers(b, 5, 0);
}
static void b_cont_flood(buf *b)
{
    /* a 4000-byte literal value that trickles in one byte per frame */
    buf *blk = malloc(sizeof *blk);
    blk->n = 0;
    put(blk, REQ_BLOCK, REQ_LEN);
    put(blk, "\x00\x07x-flood\x7f\xa1\x1e", 11);
    raw(b, LWG_H2_HEADERS, 0, 1, blk->b, blk->n);
    free(blk);
    for (int i = 0; i < 200; i++)
        raw(b, LWG_H2_CONTINUATION, 0, 1, "a", 1);
}
static void b_cont_flood_empty(buf *b)
{
    raw(b, LWG_H2_HEADERS, 0, 1, REQ_BLOCK, REQ_LEN);
    for (int i = 0; i < 1000; i++)
        raw(b, LWG_H2_CONTINUATION, 0, 1, "", 0);
}
static void b_data_bad_pad(buf *b)
{
    headers(b, 1, 0);
    raw(b, LWG_H2_DATA, LWG_H2_FLAG_PADDED, 1, "\x05" "abcd", 5);
}
static void b_headers_bad_pad(buf *b)
{
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_PADDED, 1, "\x09\x82\x86\x84", 4);
}
static void b_self_dependency(buf *b)
{
    uint8_t prio[5] = { 0, 0, 0, 1, 16 };
    wrote(b, lwg_h2_write_headers(b->b + b->n, END(b), 1,
                                  LWG_H2_FLAG_END_HEADERS | LWG_H2_FLAG_END_STREAM |
                                  LWG_H2_FLAG_PRIORITY, REQ_BLOCK, REQ_LEN, prio, 0));
}
/* client role: the peer (a server) answers stream 1 */
static void b_push_to_client(buf *b)
{
    wrote(b, lwg_h2_write_push_promise(b->b + b->n, END(b), 1, 2, REQ_BLOCK, REQ_LEN));
}
static void b_resp_uppercase(buf *b)
{
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS, 1, "\x88\x00\x05X-Bad\x01" "1", 10);
}
static void b_resp_no_status(buf *b)
{
    raw(b, LWG_H2_HEADERS, LWG_H2_FLAG_END_HEADERS, 1, "\x00\x01" "a\x01" "b", 5);
}
static void b_resp_data_window(buf *b)
{
    static uint8_t d[1025];
    response(b, 1, 0);
    raw(b, LWG_H2_DATA, 0, 1, d, sizeof d);
}
static void b_headers_even_from_server(buf *b) { response(b, 2, 1); }

static const bad_case bad_cases[] = {
    { "data_on_stream_0", SERVER, b_data_stream0, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "headers_even_stream", SERVER, b_headers_even, EXPECT_GOAWAY, ANY_ID, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "push_promise_to_server", SERVER, b_push_to_server, EXPECT_GOAWAY, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "wu_overflow_conn", SERVER, b_wu_overflow_conn, EXPECT_GOAWAY, 0, LWG_H2_FLOW_CONTROL_ERROR, 0, 0, 0 },
    { "wu_overflow_stream", SERVER, b_wu_overflow_stream, EXPECT_RST, 1, LWG_H2_FLOW_CONTROL_ERROR, 0, 0, 0 },
    { "wu_zero_conn", SERVER, b_wu_zero_conn, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "wu_zero_stream", SERVER, b_wu_zero_stream, EXPECT_RST, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "wu_length_3", SERVER, b_wu_len3, EXPECT_GOAWAY, 0, LWG_H2_FRAME_SIZE_ERROR, 0, 0, 0 },
    { "settings_length_5", SERVER, b_settings_len5, EXPECT_GOAWAY, 0, LWG_H2_FRAME_SIZE_ERROR, 0, 0, 0 },
    { "settings_ack_with_payload", SERVER, b_settings_ack_payload, EXPECT_GOAWAY, 0, LWG_H2_FRAME_SIZE_ERROR, 0, 0, 0 },
    { "settings_on_stream", SERVER, b_settings_stream, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "settings_iws_2^31", SERVER, b_settings_iws, EXPECT_GOAWAY, 0, LWG_H2_FLOW_CONTROL_ERROR, 0, 0, 0 },
    { "settings_mfs_16383", SERVER, b_settings_mfs_low, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "settings_mfs_2^24", SERVER, b_settings_mfs_high, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "settings_enable_push_2", SERVER, b_settings_push2, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "ping_length_7", SERVER, b_ping_len7, EXPECT_GOAWAY, 0, LWG_H2_FRAME_SIZE_ERROR, 0, 0, 0 },
    { "ping_on_stream", SERVER, b_ping_stream, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "frame_above_max_frame_size", SERVER, b_too_large, EXPECT_GOAWAY, ANY_ID, LWG_H2_FRAME_SIZE_ERROR, 0, 0, 0 },
    { "continuation_without_headers", SERVER, b_cont_alone, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "continuation_other_stream", SERVER, b_cont_other_stream, EXPECT_GOAWAY, ANY_ID, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "ping_inside_header_block", SERVER, b_ping_in_block, EXPECT_GOAWAY, ANY_ID, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "data_beyond_stream_window", SERVER, b_data_stream_window, EXPECT_RST, 1, LWG_H2_FLOW_CONTROL_ERROR, 1024, 0, 0 },
    { "padding_counts_in_window", SERVER, b_data_stream_window_padding, EXPECT_RST, 1, LWG_H2_FLOW_CONTROL_ERROR, 1024, 0, 0 },
    { "data_beyond_conn_window", SERVER, b_data_conn_window, EXPECT_GOAWAY, 3, LWG_H2_FLOW_CONTROL_ERROR, 0, 65535, 0 },
    { "data_half_closed_remote", SERVER, b_data_half_closed, EXPECT_RST, 1, LWG_H2_STREAM_CLOSED, 0, 0, 0 },
    { "data_idle_stream", SERVER, b_data_idle, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "rst_idle_stream", SERVER, b_rst_idle, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "rst_length_3", SERVER, b_rst_len3, EXPECT_GOAWAY, 1, LWG_H2_FRAME_SIZE_ERROR, 0, 0, 0 },
    { "hpack_index_0", SERVER, b_hpack_index0, EXPECT_GOAWAY, ANY_ID, LWG_H2_COMPRESSION_ERROR, 0, 0, 0 },
    { "hpack_index_255", SERVER, b_hpack_index_range, EXPECT_GOAWAY, ANY_ID, LWG_H2_COMPRESSION_ERROR, 0, 0, 0 },
    { "uppercase_header_name", SERVER, b_uppercase, EXPECT_RST, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "second_headers_no_end_stream", SERVER, b_second_headers, EXPECT_RST, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "headers_on_lower_stream_id", SERVER, b_lower_id, EXPECT_GOAWAY, 5, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "beyond_max_concurrent", SERVER, b_too_many, EXPECT_RST, 5, LWG_H2_REFUSED_STREAM, 0, 0, 2 },
    { "continuation_flood", SERVER, b_cont_flood, EXPECT_GOAWAY, ANY_ID, LWG_H2_ENHANCE_YOUR_CALM, 0, 0, 0 },
    { "continuation_flood_empty", SERVER, b_cont_flood_empty, EXPECT_GOAWAY, ANY_ID, LWG_H2_ENHANCE_YOUR_CALM, 0, 0, 0 },
    { "data_pad_length_too_big", SERVER, b_data_bad_pad, EXPECT_GOAWAY, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "headers_pad_length_too_big", SERVER, b_headers_bad_pad, EXPECT_GOAWAY, ANY_ID, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "headers_depend_on_itself", SERVER, b_self_dependency, EXPECT_RST, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "push_promise_to_client", CLIENT, b_push_to_client, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "server_sets_enable_push_1", CLIENT, b_settings_push1, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "client_data_on_stream_0", CLIENT, b_data_stream0, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "client_headers_even_stream", CLIENT, b_headers_even_from_server, EXPECT_GOAWAY, 0, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "client_ping_length_7", CLIENT, b_ping_len7, EXPECT_GOAWAY, 0, LWG_H2_FRAME_SIZE_ERROR, 0, 0, 0 },
    { "client_hpack_index_0", CLIENT, b_hpack_index0, EXPECT_GOAWAY, ANY_ID, LWG_H2_COMPRESSION_ERROR, 0, 0, 0 },
    { "response_uppercase_name", CLIENT, b_resp_uppercase, EXPECT_RST, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "response_without_status", CLIENT, b_resp_no_status, EXPECT_RST, 1, LWG_H2_PROTOCOL_ERROR, 0, 0, 0 },
    { "response_beyond_stream_window", CLIENT, b_resp_data_window, EXPECT_RST, 1, LWG_H2_FLOW_CONTROL_ERROR, 1024, 0, 0 },
};

/* Run one case in one feeding mode; returns 1 if it matched. */
static int run_bad_case(const bad_case *bc, int bytewise)
{
    static buf b;
    tctx *t = &ctx_a;
    lwg_h2_settings s = lwg_h2_default_settings;
    uint32_t sid = 0, code = 0;
    int kind, rc, ok = 1;

    if (bc->initial_window)
        s.initial_window = bc->initial_window;
    if (bc->conn_window)
        s.conn_window = bc->conn_window;
    if (bc->max_concurrent)
        s.max_concurrent = bc->max_concurrent;
    setup(t, &conn_a, bc->role, &s, 77);
    if (bc->role == CLIENT)
        client_request(t, 1);
    b.n = 0;
    handshake(&b, bc->role);
    feed(t, b.b, b.n, 0);
    size_t before = t->out_len;
    b.n = 0;
    bc->build(&b);
    rc = feed(t, b.b, b.n, bytewise);
    CHECK(t->out_len >= before);
    kind = first_error(t, &sid, &code);

#define EXPECT(cond, ...) \
    do { if (!(cond)) { fprintf(stderr, "  %s (%s): ", bc->name, bytewise ? "bytewise" : "whole"); \
                        fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); ok = 0; } } while (0)
    EXPECT(kind == bc->expect, "answer %s, want %s",
           kind == EXPECT_GOAWAY ? "GOAWAY" : kind == EXPECT_RST ? "RST_STREAM" : "none",
           bc->expect == EXPECT_GOAWAY ? "GOAWAY" : "RST_STREAM");
    if (kind == bc->expect) {
        EXPECT(code == bc->code, "code %u, want %u", (unsigned)code, (unsigned)bc->code);
        EXPECT(bc->sid == ANY_ID || sid == bc->sid, "%s %u, want %u",
               kind == EXPECT_GOAWAY ? "last-stream-id" : "stream", (unsigned)sid,
               (unsigned)bc->sid);
    }
    if (bc->expect == EXPECT_GOAWAY) {
        uint32_t h2code = 0;
        EXPECT(rc == LWG_ECONN, "recv returned %d, want LWG_ECONN", rc);
        EXPECT(lwg_h2_recv(t->c, (const uint8_t *)"x", 1, t->now) == LWG_ECONN,
               "recv after the error did not return LWG_ECONN");
        EXPECT(lwg_h2_conn_error(t->c, &h2code) != 0 && h2code == bc->code,
               "lwg_h2_conn_error code %u", (unsigned)h2code);
        EXPECT(t->conn_errors == 1 && t->conn_err_code == bc->code,
               "on_conn_error called %d times, code %u", t->conn_errors,
               (unsigned)t->conn_err_code);
        drain(t);
        EXPECT(lwg_h2_wants_close(t->c), "wants_close is 0 after the GOAWAY was flushed");
        EXPECT(count_frames(t, LWG_H2_GOAWAY, 0) == 1, "%d GOAWAY frames",
               count_frames(t, LWG_H2_GOAWAY, 0));
    } else {
        EXPECT(rc == 0, "recv returned %d after a stream error", rc);
        EXPECT(t->conn_errors == 0 && lwg_h2_conn_error(t->c, NULL) == 0,
               "the stream error became a connection error");
        EXPECT(!lwg_h2_wants_close(t->c), "wants_close after a stream error");
        /* the connection still answers a PING */
        b.n = 0;
        wrote(&b, lwg_h2_write_ping(b.b + b.n, END(&b), (const uint8_t *)"stillup!", 0));
        size_t mark = t->out_len;
        feed(t, b.b, b.n, 0);
        EXPECT(has_ping_ack_since(t, mark, "stillup!"), "no PING ACK after the stream error");
    }
#undef EXPECT
    return ok;
}

static void test_malformed_input(void)
{
    int failures = 0;

    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        int whole = run_bad_case(&bad_cases[i], 0);
        int bytewise = run_bad_case(&bad_cases[i], 1);
        if (!whole || !bytewise) {
            failures++;
            fprintf(stderr, "  FAIL malformed case %s\n", bad_cases[i].name);
        }
    }
    CHECK_EQ(failures, 0);
}

/* ======================================================================
 * 3. SETTINGS ACK timeout on the fake clock
 * ==================================================================== */

static void settings_timeout_from(uint32_t t0)
{
    static buf b;
    tctx *t = &ctx_a;
    lwg_h2_settings s = lwg_h2_default_settings;
    uint32_t sid, code;

    s.settings_timeout_ms = 1000;
    /* never ACKed: GOAWAY(SETTINGS_TIMEOUT) exactly at t0 + 1000 */
    setup(t, &conn_a, CLIENT, &s, t0);
    CHECK_EQ(lwg_h2_next_timeout(t->c, t0), 1000);
    CHECK_EQ(lwg_h2_next_timeout(t->c, t0 + 400), 600);
    lwg_h2_tick(t->c, t0 + 999);
    drain(t);
    CHECK_EQ(first_error(t, &sid, &code), 0);
    CHECK_EQ(lwg_h2_next_timeout(t->c, t0 + 999), 1);
    lwg_h2_tick(t->c, t0 + 1000);
    drain(t);
    CHECK_EQ(first_error(t, &sid, &code), LWG_H2_GOAWAY);
    CHECK_EQ(code, LWG_H2_SETTINGS_TIMEOUT);
    CHECK_EQ(t->conn_errors, 1);
    CHECK_EQ(lwg_h2_next_timeout(t->c, t0 + 1001), LWG_NO_TIMEOUT);
    CHECK(lwg_h2_wants_close(t->c));

    /* ACKed in time: no timer, no GOAWAY ever */
    setup(t, &conn_a, SERVER, &s, t0);
    b.n = 0;
    handshake(&b, SERVER);
    t->now = t0 + 500;
    CHECK_EQ(feed(t, b.b, b.n, 1), 0);
    CHECK_EQ(lwg_h2_next_timeout(t->c, t0 + 500), LWG_NO_TIMEOUT);
    lwg_h2_tick(t->c, t0 + 5000);
    drain(t);
    CHECK_EQ(first_error(t, &sid, &code), 0);
    CHECK_EQ(t->conn_errors, 0);

    /* a second SETTINGS of ours would restart it; ours are sent once, so
     * a late peer ACK after the deadline is too late */
    setup(t, &conn_a, SERVER, &s, t0);
    lwg_h2_tick(t->c, t0 + 2000);
    drain(t);
    CHECK_EQ(first_error(t, &sid, &code), LWG_H2_GOAWAY);
    CHECK_EQ(code, LWG_H2_SETTINGS_TIMEOUT);
}

static void test_settings_timeout(void)
{
    settings_timeout_from(1000);
}

static void test_settings_timeout_clock_wrap(void)
{
    /* t0 + 1000 wraps past 2^32 to 0x3d8 */
    settings_timeout_from(0xfffffff0u);
}

static void test_settings_timeout_zero_means_none(void)
{
    tctx *t = &ctx_a;
    lwg_h2_settings s = lwg_h2_default_settings;
    uint32_t sid, code;

    s.settings_timeout_ms = 0;
    setup(t, &conn_a, CLIENT, &s, 0xfffffff0u);
    CHECK_EQ(lwg_h2_next_timeout(t->c, 0xfffffff0u), LWG_NO_TIMEOUT);
    lwg_h2_tick(t->c, 0x7ffffff0u);
    drain(t);
    CHECK_EQ(first_error(t, &sid, &code), 0);
}

/* ======================================================================
 * 4. Two engines back to back: 100 streams through tiny windows
 * ==================================================================== */

#define PAIR_STREAMS 100
#define SRV_WINDOW   512
#define CLI_WINDOW   700
#define PIPE_CAP     2048

typedef struct pair_stream {
    unsigned idx;
    lwg_h2_stream *st;
    size_t body_len;
    size_t sent;           /* client: body bytes taken */
    size_t got;            /* client: echo bytes verified */
    int bad;               /* client: a byte did not match */
    int trailers;
    int closed;
    unsigned how;
    /* server: received, not yet echoed */
    uint8_t echo[SRV_WINDOW];
    size_t echo_len;
    int remote_ended;
    int response_sent;
    int finished;
} pair_stream;

static pair_stream cli_streams[PAIR_STREAMS];
static pair_stream srv_pool[LWG_MAX_STREAMS];
static unsigned cli_next;

static uint8_t pair_byte(unsigned idx, size_t i)
{
    return (uint8_t)(i * 13u + idx * 101u + (i >> 7));
}

static void srv_pump(lwg_h2_conn *c, pair_stream *s)
{
    static const lwg_h2_nv resp[] = {
        { (const uint8_t *)":status", (const uint8_t *)"200", 7, 3, 0, 0, 0 },
    };
    static const lwg_h2_nv trailer[] = {
        { (const uint8_t *)"x-trailer", (const uint8_t *)"done", 9, 4, 0, 0, 0 },
    };

    if (!s->st || s->finished)
        return;
    if (!s->response_sent) {
        int rc = lwg_h2_submit_headers(c, s->st, resp, 1, 0);
        if (rc == LWG_EAGAIN)
            return;
        CHECK_EQ(rc, LWG_OK);
        s->response_sent = 1;
    }
    while (s->echo_len > 0) {
        int n = lwg_h2_submit_data(c, s->st, s->echo, s->echo_len, 0);
        CHECK(n >= 0 && (size_t)n <= s->echo_len);
        if (n <= 0)
            return;
        memmove(s->echo, s->echo + n, s->echo_len - (size_t)n);
        s->echo_len -= (size_t)n;
        lwg_h2_consume(c, s->st, (size_t)n);
    }
    if (s->remote_ended) {
        int rc = lwg_h2_submit_headers(c, s->st, trailer, 1, 1);
        if (rc == LWG_EAGAIN)
            return;
        CHECK_EQ(rc, LWG_OK);
        s->finished = 1;
    }
}

static int srv_open(lwg_h2_conn *c, lwg_h2_stream *st)
{
    (void)c;
    for (unsigned i = 0; i < LWG_MAX_STREAMS; i++) {
        if (!srv_pool[i].st) {
            memset(&srv_pool[i], 0, sizeof srv_pool[i]);
            srv_pool[i].st = st;
            st->user = &srv_pool[i];
            return 0;
        }
    }
    CHECK(!"server pool exhausted");
    return LWG_ENOMEM;
}

static void srv_headers_end(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind, int too_large)
{
    CHECK(!too_large);
    if (kind == LWG_H2_HDR_INITIAL)
        srv_pump(c, st->user);
}

static void srv_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *d, size_t len)
{
    pair_stream *s = st->user;

    CHECK(s->echo_len + len <= sizeof s->echo); /* our window bounds it */
    if (s->echo_len + len > sizeof s->echo)
        return;
    memcpy(s->echo + s->echo_len, d, len);
    s->echo_len += len;
    srv_pump(c, s);
}

static void srv_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    pair_stream *s = st->user;

    s->remote_ended = 1;
    srv_pump(c, s);
}

static void srv_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how, uint32_t code)
{
    pair_stream *s = st->user;

    (void)c;
    CHECK_EQ(how, LWG_H2_CLOSE_NORMAL);
    CHECK_EQ(code, 0);
    if (s)
        s->st = NULL;
}

static void srv_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (st)
        srv_pump(c, st->user);
}

static const lwg_h2_callbacks pair_server_cb = {
    .on_stream_open = srv_open,
    .on_headers_end = srv_headers_end,
    .on_data = srv_data,
    .on_remote_end = srv_remote_end,
    .on_stream_close = srv_close,
    .on_send_ready = srv_send_ready,
};

static void cli_pump(lwg_h2_conn *c, pair_stream *s)
{
    uint8_t chunk[600];

    while (s->st && s->sent < s->body_len) {
        size_t left = s->body_len - s->sent;
        size_t len = left < sizeof chunk ? left : sizeof chunk;
        for (size_t i = 0; i < len; i++)
            chunk[i] = pair_byte(s->idx, s->sent + i);
        int n = lwg_h2_submit_data(c, s->st, chunk, len, len == left);
        CHECK(n >= 0 && (size_t)n <= len);
        if (n <= 0)
            return;
        s->sent += (size_t)n;
    }
}

static void cli_open_more(lwg_h2_conn *c)
{
    static const lwg_h2_nv req[] = {
        { (const uint8_t *)":method", (const uint8_t *)"POST", 7, 4, 0, 0, 0 },
        { (const uint8_t *)":scheme", (const uint8_t *)"http", 7, 4, 0, 0, 0 },
        { (const uint8_t *)":path", (const uint8_t *)"/echo", 5, 5, 0, 0, 0 },
        { (const uint8_t *)":authority", (const uint8_t *)"pair", 10, 4, 0, 0, 0 },
        { (const uint8_t *)"te", (const uint8_t *)"trailers", 2, 8, 0, 0, 0 },
    };

    while (cli_next < PAIR_STREAMS && lwg_h2_can_open(c) == LWG_OK) {
        pair_stream *s = &cli_streams[cli_next];
        s->st = lwg_h2_stream_open(c, s);
        CHECK(s->st != NULL);
        if (!s->st)
            return;
        cli_next++;
        int rc = lwg_h2_submit_headers(c, s->st, req, 5, 0);
        CHECK_EQ(rc, LWG_OK);   /* tx_buf is large: never EAGAIN here */
        cli_pump(c, s);
    }
}

static void cli_ready(lwg_h2_conn *c)
{
    cli_open_more(c);
}

static void cli_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *d, size_t len)
{
    pair_stream *s = st->user;

    for (size_t i = 0; i < len; i++)
        if (d[i] != pair_byte(s->idx, s->got + i))
            s->bad = 1;
    s->got += len;
    lwg_h2_consume(c, st, len);
}

static void cli_headers_end(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind, int too_large)
{
    pair_stream *s = st->user;

    (void)c;
    (void)too_large;
    if (kind == LWG_H2_HDR_TRAILERS)
        s->trailers = 1;
}

static void cli_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how, uint32_t code)
{
    pair_stream *s = st->user;

    (void)c;
    (void)code;
    s->closed = 1;
    s->how = how;
    s->st = NULL;
}

static void cli_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (st)
        cli_pump(c, st->user);
    else
        cli_open_more(c);
}

static const lwg_h2_callbacks pair_client_cb = {
    .on_headers_end = cli_headers_end,
    .on_data = cli_data,
    .on_stream_close = cli_close,
    .on_send_ready = cli_send_ready,
    .on_ready = cli_ready,
};

/* A one-way "socket" of PIPE_CAP bytes. */
typedef struct pipe {
    uint8_t b[PIPE_CAP];
    size_t n;
} pipe_t;

/* Move bytes from `from`'s output into the pipe and from the pipe into
 * `to`; returns the number of bytes that moved. */
static size_t transfer(lwg_h2_conn *from, pipe_t *p, lwg_h2_conn *to, uint32_t now)
{
    size_t moved = 0;
    size_t len = 0;
    const uint8_t *out = lwg_h2_output(from, &len);

    CHECK(len <= LWG_TX_BUF_SIZE);
    if (len > 0 && p->n < PIPE_CAP) {
        size_t k = PIPE_CAP - p->n < len ? PIPE_CAP - p->n : len;
        memcpy(p->b + p->n, out, k);
        p->n += k;
        lwg_h2_output_done(from, k);
        moved += k;
    }
    if (p->n > 0) {
        int r = lwg_h2_recv(to, p->b, p->n, now);
        CHECK(r >= 0);
        if (r > 0) {
            CHECK((size_t)r <= p->n);
            memmove(p->b, p->b + r, p->n - (size_t)r);
            p->n -= (size_t)r;
            moved += (size_t)r;
        }
    }
    return moved;
}

static void test_two_engines_100_streams_tiny_windows(void)
{
    static pipe_t c2s, s2c;
    static lwg_h2_settings srv_set, cli_set;
    unsigned rounds = 0;

    srv_set = lwg_h2_default_settings;
    srv_set.initial_window = SRV_WINDOW;
    srv_set.conn_window = 65535;
    srv_set.max_concurrent = LWG_MAX_STREAMS;
    cli_set = lwg_h2_default_settings;
    cli_set.initial_window = CLI_WINDOW;
    cli_set.conn_window = 65535;

    memset(cli_streams, 0, sizeof cli_streams);
    memset(srv_pool, 0, sizeof srv_pool);
    cli_next = 0;
    c2s.n = s2c.n = 0;
    for (unsigned i = 0; i < PAIR_STREAMS; i++) {
        cli_streams[i].idx = i;
        cli_streams[i].body_len = 3000 + 37u * i;
    }
    CHECK_EQ(lwg_h2_conn_init(&conn_a, 0, &pair_client_cb, NULL, &cli_set, 0), LWG_OK);
    CHECK_EQ(lwg_h2_conn_init(&conn_b, 1, &pair_server_cb, NULL, &srv_set, 0), LWG_OK);
    for (;;) {
        size_t moved = transfer(&conn_a, &c2s, &conn_b, rounds) +
                       transfer(&conn_b, &s2c, &conn_a, rounds);
        rounds++;
        if (moved == 0 || rounds > 2000000)
            break;
    }
    unsigned ok = 0;
    for (unsigned i = 0; i < PAIR_STREAMS; i++) {
        pair_stream *s = &cli_streams[i];
        if (s->closed && s->how == LWG_H2_CLOSE_NORMAL && s->sent == s->body_len &&
            s->got == s->body_len && !s->bad && s->trailers)
            ok++;
        else if (ok + 5 > i)   /* show the first few */
            fprintf(stderr, "  stream idx %u: closed %d how %u sent %zu got %zu/%zu bad %d "
                    "trailers %d\n", i, s->closed, s->how, s->sent, s->got, s->body_len,
                    s->bad, s->trailers);
    }
    CHECK_EQ(ok, PAIR_STREAMS);
    CHECK_EQ(cli_next, PAIR_STREAMS);
    CHECK_EQ(lwg_h2_conn_error(&conn_a, NULL), 0);
    CHECK_EQ(lwg_h2_conn_error(&conn_b, NULL), 0);
    CHECK_EQ(lwg_h2_active_streams(&conn_a), 0);
    CHECK_EQ(lwg_h2_active_streams(&conn_b), 0);
    CHECK(c2s.n == 0 && s2c.n == 0);
}

/* ======================================================================
 * 5. Large header blocks we send: HEADERS + CONTINUATION
 * ==================================================================== */

static uint8_t big_value[4000];
static char big_names[20][24];

static size_t big_fields(lwg_h2_nv *nv, unsigned n)
{
    memset(big_value, 'a', sizeof big_value);
    for (unsigned i = 0; i < n; i++) {
        snprintf(big_names[i], sizeof big_names[i], "x-big-%u", i);
        nv[i].name = (const uint8_t *)big_names[i];
        nv[i].name_len = (uint32_t)strlen(big_names[i]);
        nv[i].value = big_value;
        nv[i].value_len = sizeof big_value;
        nv[i].flags = LWG_HPACK_NO_HUFFMAN;
    }
    return n;
}

/* Server with one request open; returns its stream. */
static lwg_h2_stream *server_with_request(tctx *t, uint32_t peer_max_frame)
{
    static buf b;

    setup(t, &conn_a, SERVER, NULL, 0);
    b.n = 0;
    handshake(&b, SERVER);
    if (peer_max_frame)
        settings1(&b, LWG_H2_SETTINGS_MAX_FRAME_SIZE, peer_max_frame);
    headers(&b, 1, 1);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    return lwg_h2_stream_find(t->c, 1);
}

static void check_split_block(tctx *t, size_t from, uint32_t max_frame, unsigned nfields)
{
    static uint8_t block[70000];
    static lwg_hpack_dec dec;
    static uint8_t scratch[8192];
    size_t blen = 0, off = from;
    int frames = 0, end_headers = 0;
    lwg_h2_frame_hdr h;

    while (off + 9 <= t->out_len && !end_headers) {
        lwg_h2_frame_hdr_decode(t->out + off, &h);
        CHECK(off + 9 + h.length <= t->out_len);
        if (frames == 0)
            CHECK_EQ(h.type, LWG_H2_HEADERS);
        else
            CHECK_EQ(h.type, LWG_H2_CONTINUATION); /* nothing in between */
        CHECK_EQ(h.stream_id, 1);
        CHECK(h.length <= max_frame);
        CHECK(!(h.flags & LWG_H2_FLAG_PADDED));
        end_headers = (h.flags & LWG_H2_FLAG_END_HEADERS) != 0;
        if (blen + h.length <= sizeof block) {
            memcpy(block + blen, t->out + off + 9, h.length);
            blen += h.length;
        }
        off += 9 + h.length;
        frames++;
    }
    CHECK(end_headers);
    CHECK(frames >= 3); /* 40 KB over 16 KB frames */
    CHECK(blen > 40000);
    /* the block decodes to :status 200 then the fields, in order */
    lwg_hpack_dec_init(&dec, 4096);
    size_t pos = 0;
    unsigned seen = 0;
    while (pos < blen) {
        lwg_hpack_field f;
        size_t used = 0;
        int rc = lwg_hpack_decode_field(&dec, block + pos, blen - pos, &used, scratch,
                                        sizeof scratch, &f);
        CHECK_EQ(rc, LWG_OK);
        if (rc != LWG_OK)
            return;
        pos += used;
        if (seen == 0) {
            CHECK(f.name_len == 7 && memcmp(f.name, ":status", 7) == 0);
        } else {
            char name[24];
            snprintf(name, sizeof name, "x-big-%u", seen - 1);
            CHECK(f.name_len == strlen(name) && memcmp(f.name, name, f.name_len) == 0);
            CHECK_EQ(f.value_len, sizeof big_value);
            CHECK(f.value_len == sizeof big_value &&
                  memcmp(f.value, big_value, sizeof big_value) == 0);
        }
        seen++;
    }
    CHECK_EQ(seen, nfields + 1);
}

static void test_send_continuation_split(void)
{
    tctx *t = &ctx_a;
    lwg_h2_nv nv[21];

    for (int variant = 0; variant < 2; variant++) {
        uint32_t maxf = variant ? 20000 : 16384;
        lwg_h2_stream *st = server_with_request(t, variant ? maxf : 0);
        CHECK(st != NULL);
        if (!st)
            return;
        nv[0].name = (const uint8_t *)":status";
        nv[0].name_len = 7;
        nv[0].value = (const uint8_t *)"200";
        nv[0].value_len = 3;
        nv[0].flags = 0;
        big_fields(nv + 1, 10);
        size_t from = t->out_len;
        CHECK_EQ(lwg_h2_submit_headers(t->c, st, nv, 11, 0), LWG_OK);
        drain(t);
        check_split_block(t, from, maxf, 10);
        /* then trailers end the stream normally */
        static const lwg_h2_nv tr[] = {
            { (const uint8_t *)"x-t", (const uint8_t *)"1", 3, 1, 0, 0, 0 },
        };
        CHECK_EQ(lwg_h2_submit_headers(t->c, st, tr, 1, 1), LWG_OK);
        drain(t);
        CHECK_EQ(t->closes, 1);
        CHECK_EQ(t->close_how[0], LWG_H2_CLOSE_NORMAL);
    }
}

static void test_send_header_block_too_big(void)
{
    tctx *t = &ctx_a;
    lwg_h2_nv nv[20];
    static buf b;

    /* 17 x 4000 raw bytes can never fit a 64 KiB tx_buf */
    lwg_h2_stream *st = server_with_request(t, 0);
    CHECK(st != NULL);
    if (!st)
        return;
    big_fields(nv, 17);
    CHECK_EQ(lwg_h2_submit_headers(t->c, st, nv, 17, 0), LWG_ETOOBIG);
    /* the stream is still usable */
    CHECK_EQ(lwg_h2_submit_headers(t->c, st, nv, 2, 1), LWG_OK);

    /* a peer MAX_HEADER_LIST_SIZE of 1000 refuses a 4 KB list */
    st = server_with_request(t, 0);
    b.n = 0;
    settings1(&b, LWG_H2_SETTINGS_MAX_HEADER_LIST_SIZE, 1000);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    CHECK(st != NULL);
    if (!st)
        return;
    CHECK_EQ(lwg_h2_submit_headers(t->c, st, nv, 1, 0), LWG_ETOOBIG);
}

/* Constant heads (lwg_h2_submit_const_headers): after the block that
 * adds the fields to the table and the one that keeps the memo, a head
 * alone is one copy of two index bytes; every block, with a tail or
 * not, decodes to the head's fields, also across a change of the peer's
 * table size (which must put a size update first, so no memo copy). */
static void test_const_headers(void)
{
    static const lwg_h2_nv head_nv[] = {
        { (const uint8_t *)":status", (const uint8_t *)"200", 7, 3,
          LWG_HPACK_INDEX | LWG_HPACK_MEMO(1), 0, 0 },
        { (const uint8_t *)"content-type", (const uint8_t *)"application/grpc", 12, 16,
          LWG_HPACK_INDEX | LWG_HPACK_MEMO(1), 0, 0 },
    };
    static const lwg_h2_const_block head = { head_nv, 2, 0, 1 };
    static const lwg_h2_nv tail[] = {
        { (const uint8_t *)"x-n", (const uint8_t *)"7", 3, 1, 0, 0, 0 },
    };
    static lwg_hpack_dec dec;
    static buf b;
    tctx *t = &ctx_a;

    setup(t, &conn_a, SERVER, NULL, 0);
    lwg_hpack_dec_init(&dec, 4096);
    b.n = 0;
    handshake(&b, SERVER);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    for (uint32_t i = 0; i < 9; i++) {
        uint32_t sid = 1 + 2 * i;
        int with_tail = i % 3 == 2;
        size_t from, pos = 0, used, nfields = 0;
        lwg_h2_stream *st;
        out_frame f;
        uint8_t scratch[64];
        lwg_hpack_field fld;
        int found = 0;

        b.n = 0;
        if (i == 6) { /* the peer's table shrinks: a size update is due */
            settings1(&b, LWG_H2_SETTINGS_HEADER_TABLE_SIZE, 64);
            lwg_hpack_dec_set_settings_max(&dec, 64);
        }
        headers(&b, sid, 1);
        CHECK_EQ(feed(t, b.b, b.n, 0), 0);
        st = lwg_h2_stream_find(t->c, sid);
        CHECK(st != NULL);
        if (st == NULL)
            return;
        from = t->out_len;
        CHECK_EQ(lwg_h2_submit_const_headers(t->c, st, &head, with_tail ? tail : NULL,
                                             with_tail ? 1u : 0u, 0), LWG_OK);
        drain(t);
        CHECK(t->out_len > from);
        for (size_t k = 0; nth_frame(t, k, &f); k++) {
            if (f.h.type != LWG_H2_HEADERS || f.h.stream_id != sid)
                continue;
            found = 1;
            CHECK(f.h.flags & LWG_H2_FLAG_END_HEADERS);
            CHECK(!(f.h.flags & LWG_H2_FLAG_END_STREAM));
            if (i >= 2 && i != 6 && !with_tail)
                CHECK_EQ(f.h.length, 2u); /* the memo: two index bytes */
            lwg_hpack_dec_block_begin(&dec);
            while (pos < f.h.length) {
                CHECK_EQ(lwg_hpack_decode_field(&dec, f.payload + pos, f.h.length - pos, &used,
                                                scratch, sizeof scratch, &fld), LWG_OK);
                pos += used;
                if (fld.name == NULL)
                    continue; /* the size update */
                if (nfields < 2) {
                    CHECK_EQ(fld.name_len, head_nv[nfields].name_len);
                    CHECK_MEM(fld.name, head_nv[nfields].name, fld.name_len);
                    CHECK_EQ(fld.value_len, head_nv[nfields].value_len);
                    CHECK_MEM(fld.value, head_nv[nfields].value, fld.value_len);
                } else {
                    CHECK(with_tail && fld.name_len == 3 && fld.value[0] == '7');
                }
                nfields++;
            }
        }
        CHECK(found);
        CHECK_EQ(nfields, with_tail ? 3u : 2u);
    }
    /* the memo is current, but the peer now takes lists of 101 bytes at
     * most: the head's 102 is refused, not sent */
    {
        lwg_h2_stream *st;
        size_t from;

        b.n = 0;
        settings1(&b, LWG_H2_SETTINGS_MAX_HEADER_LIST_SIZE, 101);
        headers(&b, 19, 1);
        CHECK_EQ(feed(t, b.b, b.n, 0), 0);
        drain(t);
        st = lwg_h2_stream_find(t->c, 19);
        CHECK(st != NULL);
        if (st == NULL)
            return;
        from = t->out_len;
        CHECK_EQ(lwg_h2_submit_const_headers(t->c, st, &head, NULL, 0, 0), LWG_ETOOBIG);
        drain(t);
        CHECK_EQ(t->out_len, from);
    }
}

/* ======================================================================
 * 6. Flow-control details seen from the output
 * ==================================================================== */

static int stream_window_updates(const tctx *t, uint32_t sid, uint32_t *last_inc)
{
    out_frame f;
    int n = 0;

    for (size_t i = 0; nth_frame(t, i, &f); i++)
        if (f.h.type == LWG_H2_WINDOW_UPDATE && f.h.stream_id == sid) {
            n++;
            *last_inc = lwg_get_u32be(f.payload);
        }
    return n;
}

static void test_window_update_after_half_consumed(void)
{
    static buf b;
    tctx *t = &ctx_a;
    lwg_h2_settings s = lwg_h2_default_settings;
    static uint8_t d[1000];
    uint32_t inc = 0, sid, code;

    s.initial_window = 1000;
    s.conn_window = 65535;
    setup(t, &conn_a, SERVER, &s, 0);
    b.n = 0;
    handshake(&b, SERVER);
    headers(&b, 1, 0);
    raw(&b, LWG_H2_DATA, 0, 1, d, 900);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    lwg_h2_stream *st = lwg_h2_stream_find(t->c, 1);
    CHECK(st != NULL);
    if (!st)
        return;
    CHECK_EQ(st->recv_window, 100);
    /* less than half the window freed (and the window not shut): the
     * update waits, coalesced */
    lwg_h2_consume(t->c, st, 300);
    drain(t);
    lwg_h2_consume(t->c, st, 199);
    drain(t);
    CHECK_EQ(stream_window_updates(t, 1, &inc), 0);
    /* half the window freed: one WINDOW_UPDATE of 500 */
    lwg_h2_consume(t->c, st, 1);
    drain(t);
    CHECK_EQ(stream_window_updates(t, 1, &inc), 1);
    CHECK_EQ(inc, 500);
    CHECK_EQ(st->recv_window, 600);
    /* no connection-level update: 500 is far below half of 65535 */
    CHECK_EQ(stream_window_updates(t, 0, &inc), 0);
    /* the peer may now send exactly 600 more, not 601 */
    b.n = 0;
    raw(&b, LWG_H2_DATA, 0, 1, d, 600);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    CHECK_EQ(first_error(t, &sid, &code), 0);
    b.n = 0;
    raw(&b, LWG_H2_DATA, 0, 1, d, 1);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    CHECK_EQ(first_error(t, &sid, &code), LWG_H2_RST_STREAM);
    CHECK_EQ(sid, 1);
    CHECK_EQ(code, LWG_H2_FLOW_CONTROL_ERROR);
}

static void test_conn_window_update_and_closed_stream_credit(void)
{
    static buf b;
    tctx *t = &ctx_a;
    lwg_h2_settings s = lwg_h2_default_settings;
    static uint8_t d[16000];
    uint32_t inc = 0;

    /* DATA for a stream the app reset is returned to the connection
     * window at once: 4 x 16000 on a reset stream, then 60000 more on a
     * new stream fit a 65535 connection window only if it was. */
    s.conn_window = 65535;
    setup(t, &conn_a, SERVER, &s, 0);
    b.n = 0;
    handshake(&b, SERVER);
    headers(&b, 1, 0);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    lwg_h2_stream *st = lwg_h2_stream_find(t->c, 1);
    CHECK(st != NULL);
    if (!st)
        return;
    CHECK_EQ(lwg_h2_submit_rst(t->c, st, LWG_H2_CANCEL), LWG_OK);
    CHECK_EQ(t->closes, 1);
    CHECK_EQ(t->close_how[0], LWG_H2_CLOSE_RESET_US);
    b.n = 0;
    for (int i = 0; i < 4; i++)
        raw(&b, LWG_H2_DATA, 0, 1, d, sizeof d);   /* in flight before our RST */
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    CHECK_EQ(t->data_len, 0);                        /* not delivered */
    CHECK(stream_window_updates(t, 0, &inc) >= 1);   /* credited back */
    b.n = 0;
    headers(&b, 3, 0);
    for (int i = 0; i < 3; i++)
        raw(&b, LWG_H2_DATA, 0, 3, d, sizeof d);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    uint32_t sid, code;
    int kind = first_error(t, &sid, &code);
    CHECK(kind == LWG_H2_RST_STREAM && sid == 1 && code == LWG_H2_CANCEL);
    CHECK_EQ(t->conn_errors, 0);
    CHECK_EQ(t->data_len, 48000);
}

/* Padded DATA for a stream that no longer takes data (here: half-closed
 * remote, then reset by us) must return its flow-controlled length to the
 * connection window exactly once.  Found by fuzz_h2: the whole frame is
 * credited when it starts (lwg_h2_recv.c start_data) and its padding
 * again when it ends (frame_end), so every such frame inflates the
 * connection window by pad length + 1. */
static void test_padding_on_closed_stream_credited_once(void)
{
    static buf b;
    tctx *t = &ctx_a;
    lwg_h2_settings s = lwg_h2_default_settings;
    static uint8_t payload[256];
    uint64_t received = 0, credited = 0;
    out_frame f;

    s.conn_window = 65535;
    setup(t, &conn_a, SERVER, &s, 0);
    b.n = 0;
    handshake(&b, SERVER);
    headers(&b, 1, 1);                  /* request complete: half-closed remote */
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    payload[0] = 200;                   /* 55 data bytes, 200 padding */
    for (int i = 0; i < 20; i++) {
        b.n = 0;
        raw(&b, LWG_H2_DATA, LWG_H2_FLAG_PADDED, 1, payload, sizeof payload);
        received += sizeof payload;
        CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    }
    for (size_t i = 0; nth_frame(t, i, &f); i++)
        if (f.h.type == LWG_H2_WINDOW_UPDATE && f.h.stream_id == 0)
            credited += lwg_get_u32be(f.payload);
    CHECK(credited <= received);
    CHECK_EQ((int64_t)t->c->conn_recv_window + t->c->conn_recv_unacked, 65535);
    CHECK_EQ(t->conn_errors, 0);
}

/* RFC 9113 §8.1.1: a DATA frame that runs past content-length resets its
 * stream with PROTOCOL_ERROR.  When the frame arrives in pieces, the
 * pieces after the reset still return their length to the connection
 * window: nothing leaks.  And a stream ended short of its content-length
 * is reset the same way. */
static void test_content_length_mismatch_keeps_credit(void)
{
    static buf b;
    static uint8_t block[64], body[10];
    tctx *t = &ctx_a;
    lwg_h2_settings s = lwg_h2_default_settings;
    uint8_t *p;
    out_frame f;
    int rst = 0;

    s.conn_window = 65535;
    for (int variant = 0; variant < 2; variant++) {
        const char *len = variant ? "20" : "3"; /* 10 bytes: too many, too few */

        setup(t, &conn_a, SERVER, &s, 0);
        t->auto_consume = 1; /* what is delivered is consumed */
        b.n = 0;
        handshake(&b, SERVER);
        memcpy(block, REQ_BLOCK, REQ_LEN);
        p = block + REQ_LEN;
        CHECK_EQ(lwg_hpack_encode_literal(&p, block + sizeof block, LWG_HPACK_LIT_WITHOUT, 28,
                                          NULL, 0, (const uint8_t *)len, strlen(len), 0),
                 LWG_OK);
        wrote(&b, lwg_h2_write_headers(b.b + b.n, END(&b), 1, LWG_H2_FLAG_END_HEADERS, block,
                                       (size_t)(p - block), NULL, 0));
        raw(&b, LWG_H2_DATA, LWG_H2_FLAG_END_STREAM, 1, body, sizeof body);
        /* the DATA frame's header and 5 bytes, then its last 5 bytes */
        CHECK_EQ(feed(t, b.b, b.n - 5, 0), 0);
        CHECK_EQ(feed(t, b.b + b.n - 5, 5, 0), 0);
        drain(t);
        CHECK_EQ(t->closes, 1);
        CHECK_EQ(t->close_how[0], LWG_H2_CLOSE_RESET_US);
        for (size_t i = 0; nth_frame(t, i, &f); i++)
            if (f.h.type == LWG_H2_RST_STREAM && f.h.stream_id == 1)
                rst = (int)lwg_get_u32be(f.payload);
        CHECK_EQ(rst, LWG_H2_PROTOCOL_ERROR);
        rst = 0;
        CHECK_EQ((int64_t)t->c->conn_recv_window + t->c->conn_recv_unacked, 65535);
        CHECK_EQ(t->conn_errors, 0);
    }
}

static void test_submit_data_respects_windows_and_frame_size(void)
{
    static buf b;
    tctx *t = &ctx_a;
    static uint8_t body[100000];
    out_frame f;

    setup(t, &conn_a, SERVER, NULL, 0);
    b.n = 0;
    handshake(&b, SERVER);
    settings1(&b, LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE, 30000);
    headers(&b, 1, 1);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    lwg_h2_stream *st = lwg_h2_stream_find(t->c, 1);
    CHECK(st != NULL);
    if (!st)
        return;
    static const lwg_h2_nv resp[] = { { (const uint8_t *)":status", (const uint8_t *)"200", 7, 3, 0, 0, 0 } };
    CHECK_EQ(lwg_h2_submit_headers(t->c, st, resp, 1, 0), LWG_OK);
    size_t from = t->out_len;
    /* stream window 30000 < connection window 65535 */
    CHECK_EQ(lwg_h2_submit_data(t->c, st, body, sizeof body, 1), 30000);
    CHECK_EQ(lwg_h2_submit_data(t->c, st, body, 10, 1), 0);
    CHECK(st->want_send);
    drain(t);
    size_t total = 0;
    for (size_t i = 0; nth_frame(t, i, &f); i++) {
        if ((size_t)(f.payload - t->out) < from || f.h.type != LWG_H2_DATA)
            continue;
        CHECK(f.h.length <= 16384);
        CHECK(!(f.h.flags & LWG_H2_FLAG_END_STREAM));
        total += f.h.length;
    }
    CHECK_EQ(total, 30000);
    /* the connection window now limits: 35535 left */
    b.n = 0;
    window_update(&b, 1, 100000);
    CHECK_EQ(feed(t, b.b, b.n, 0), 0);
    CHECK_EQ(lwg_h2_submit_data(t->c, st, body, sizeof body, 1), 35535);
}

int main(void)
{
    fake_port_set_now(0);
    RUN(test_roundtrip_server);
    RUN(test_roundtrip_client);
    RUN(test_malformed_input);
    RUN(test_settings_timeout);
    RUN(test_settings_timeout_clock_wrap);
    RUN(test_settings_timeout_zero_means_none);
    RUN(test_two_engines_100_streams_tiny_windows);
    RUN(test_send_continuation_split);
    RUN(test_send_header_block_too_big);
    RUN(test_const_headers);
    RUN(test_window_update_after_half_consumed);
    RUN(test_conn_window_update_and_closed_stream_credit);
    RUN(test_submit_data_respects_windows_and_frame_size);
    RUN(test_padding_on_closed_stream_credited_once);
    RUN(test_content_length_mismatch_keeps_credit);
    return lwg_test_summary();
}
