/*
 * test_core_loop.c - an lwgrpc client channel and an lwgrpc server joined
 * back to back in memory (their links pumped into each other), with the
 * fake clock: every RPC kind, metadata both ways, status and message,
 * Trailers-Only, UNIMPLEMENTED, deadlines, cancellation, message limits.
 */
#include "lwg_test.h"
#include "fake/link_pair.h"
#include "core/lwg_channel.h"
#include "core/lwg_server.h"

#include <stdlib.h>

static lwg_channel ch;
static lwg_server srv;
static link_pair pair;

static void pump(int rounds)
{
    link_pair_pump(&pair, rounds);
}

/* ---- server handlers -------------------------------------------------- */

static const lwg_method m_unary = { "/t.S/Unary", LWG_RPC_UNARY, NULL, NULL };
static const lwg_method m_sstream = { "/t.S/ServerStream", LWG_RPC_SERVER_STREAMING, NULL, NULL };
static const lwg_method m_cstream = { "/t.S/ClientStream", LWG_RPC_CLIENT_STREAMING, NULL, NULL };
static const lwg_method m_bidi = { "/t.S/Bidi", LWG_RPC_BIDI_STREAMING, NULL, NULL };
static const lwg_method m_sleep = { "/t.S/Sleep", LWG_RPC_UNARY, NULL, NULL };
static const lwg_method m_missing = { "/t.S/Missing", LWG_RPC_UNARY, NULL, NULL };

static int srv_done_count, srv_last_done_status;

/* unary: echo the request; status from metadata "x-status" if present */
static uint8_t echo_buf[200000];
static size_t echo_len;
static const lwg_md echo_trailer[] = { { "x-trailer", (const uint8_t *)"t", 1 },
                                       { "x-bin-bin", (const uint8_t *)"\x00\xff\x10", 3 } };

static int unary_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    (void)call;
    memcpy(echo_buf, m, n);
    echo_len = n;
    return LWG_OK;
}

static void unary_half_close(lwg_call *call)
{
    size_t vlen;
    const uint8_t *st = lwg_metadata_get(&call->md_in, "x-status", 8, &vlen);
    if (st) {
        lwg_call_finish(call, st[0] - '0', "bad things \xe2\x9c\x93 100%",
                        NULL, 0);
        return;
    }
    CHECK_EQ(lwg_call_send(call, echo_buf, echo_len), LWG_OK);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, echo_trailer, 2);
}

static void srv_done(lwg_call *call)
{
    srv_done_count++;
    srv_last_done_status = lwg_call_status(call);
}

/* server streaming: N messages of size 1000 each, N from the request byte */
static int ss_left;
static void ss_send(lwg_call *call)
{
    static uint8_t msg[1000];
    while (ss_left > 0) {
        memset(msg, ss_left, sizeof msg);
        int r = lwg_call_send(call, msg, sizeof msg);
        if (r == LWG_EAGAIN)
            return; /* resumed from on_send_ready */
        CHECK_EQ(r, LWG_OK);
        ss_left--;
    }
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}
static int ss_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    (void)call;
    CHECK_EQ(n, 1);
    ss_left = m[0];
    return LWG_OK;
}

/* client streaming: sum of sizes */
static uint32_t cs_total;
static int cs_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    (void)call;
    (void)m;
    cs_total += (uint32_t)n;
    return LWG_OK;
}
static void cs_half_close(lwg_call *call)
{
    uint8_t out[4] = { (uint8_t)(cs_total >> 24), (uint8_t)(cs_total >> 16),
                       (uint8_t)(cs_total >> 8), (uint8_t)cs_total };
    lwg_call_send(call, out, 4);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

/* bidi: echo each message as it comes */
static int bidi_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    int r = lwg_call_send(call, m, n);
    return r == LWG_EAGAIN ? LWG_EAGAIN : LWG_OK;
}
static void bidi_half_close(lwg_call *call)
{
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

/* sleep: never answers (deadline / cancel tests) */
static void sleep_start(lwg_call *call) { (void)call; }

static const lwg_handler handlers[] = {
    { &m_unary, NULL, unary_msg, unary_half_close, NULL, srv_done, NULL },
    { &m_sstream, NULL, ss_msg, ss_send, ss_send, srv_done, NULL },
    { &m_cstream, NULL, cs_msg, cs_half_close, NULL, srv_done, NULL },
    { &m_bidi, NULL, bidi_msg, bidi_half_close, NULL, srv_done, NULL },
    { &m_sleep, sleep_start, NULL, NULL, NULL, srv_done, NULL },
};
static const lwg_service service = { "t.S", handlers, sizeof handlers / sizeof handlers[0] };

/* ---- client side ------------------------------------------------------ */

typedef struct result {
    int done, headers, messages;
    size_t bytes;
    uint8_t last[200000];
    size_t last_len;
} result;

static int c_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    result *r = call->user;
    r->messages++;
    r->bytes += n;
    if (n <= sizeof r->last) {
        memcpy(r->last, m, n);
        r->last_len = n;
    }
    return LWG_OK;
}
static void c_headers(lwg_call *call) { ((result *)call->user)->headers++; }
static void c_status(lwg_call *call) { ((result *)call->user)->done++; }
static const lwg_call_cbs cbs = { c_headers, c_msg, NULL, c_status };

static lwg_call calls[4];
static result res[4];

static void setup(void)
{
    CHECK_EQ(link_pair_init(&pair, &ch, &srv, &service), LWG_OK);
    memset(res, 0, sizeof res);
    srv_done_count = 0;
}

static void test_unary_echo_with_metadata(void)
{
    static const uint8_t req[] = "hello";
    static const lwg_md md[] = { { "x-custom", (const uint8_t *)"v1", 2 },
                                 { "x-data-bin", (const uint8_t *)"\x01\x02\x03\x04", 4 } };
    lwg_call_opts opts = { .metadata = md, .metadata_count = 2, .timeout_ms = 5000 };
    size_t vlen;

    setup();
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_unary, &opts, &cbs, &res[0]), LWG_OK);
    CHECK_EQ(lwg_call_send(&calls[0], req, 5), LWG_OK);
    CHECK_EQ(lwg_call_close_send(&calls[0]), LWG_OK);
    pump(50);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(res[0].headers, 1);
    CHECK_EQ(res[0].messages, 1);
    CHECK_EQ(res[0].last_len, 5);
    CHECK_MEM(res[0].last, req, 5);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_OK);
    CHECK(lwg_metadata_get(&calls[0].md_in, "x-trailer", 9, &vlen) != NULL);
    const uint8_t *b = lwg_metadata_get(&calls[0].md_in, "x-bin-bin", 9, &vlen);
    CHECK(b != NULL && vlen == 3 && memcmp(b, "\x00\xff\x10", 3) == 0);
    CHECK_EQ(srv_done_count, 1);
    CHECK_EQ(srv_last_done_status, LWG_STATUS_OK);
}

static void test_status_and_message(void)
{
    static const lwg_md md[] = { { "x-status", (const uint8_t *)"7", 1 } };
    lwg_call_opts opts = { .metadata = md, .metadata_count = 1 };

    setup();
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_unary, &opts, &cbs, &res[0]), LWG_OK);
    lwg_call_send(&calls[0], (const uint8_t *)"x", 1);
    lwg_call_close_send(&calls[0]);
    pump(50);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(res[0].headers, 0); /* Trailers-Only */
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_PERMISSION_DENIED);
    CHECK(strcmp(lwg_call_status_message(&calls[0]), "bad things \xe2\x9c\x93 100%") == 0);
}

static void test_unimplemented(void)
{
    setup();
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_missing, NULL, &cbs, &res[0]), LWG_OK);
    lwg_call_send(&calls[0], (const uint8_t *)"x", 1);
    lwg_call_close_send(&calls[0]);
    pump(50);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_UNIMPLEMENTED);
    CHECK_EQ(srv_done_count, 0);
}

static void test_server_streaming(void)
{
    uint8_t n = 200;

    setup();
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_sstream, NULL, &cbs, &res[0]), LWG_OK);
    lwg_call_send(&calls[0], &n, 1);
    lwg_call_close_send(&calls[0]);
    pump(2000);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(res[0].messages, 200);
    CHECK_EQ(res[0].bytes, 200000);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_OK);
}

static int cs_left;
static void cs_ready(lwg_call *call)
{
    static uint8_t chunk[3000];
    while (cs_left > 0) {
        int r = lwg_call_send(call, chunk, sizeof chunk);
        if (r == LWG_EAGAIN)
            return;
        cs_left--;
    }
    lwg_call_close_send(call);
}

static void test_client_streaming(void)
{
    static const lwg_call_cbs cs_cbs = { c_headers, c_msg, cs_ready, c_status };

    setup();
    cs_total = 0;
    cs_left = 100;
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_cstream, NULL, &cs_cbs, &res[0]), LWG_OK);
    cs_ready(&calls[0]);
    pump(2000);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(cs_total, 300000);
    CHECK_EQ(res[0].last_len, 4);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_OK);
}

static void test_bidi_and_concurrency(void)
{
    setup();
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(lwg_call_start(&ch, &calls[i], &m_bidi, NULL, &cbs, &res[i]), LWG_OK);
    }
    pump(5);
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 4; i++) {
            uint8_t m[10];
            memset(m, i + round, sizeof m);
            CHECK_EQ(lwg_call_send(&calls[i], m, sizeof m), LWG_OK);
        }
        pump(10);
        for (int i = 0; i < 4; i++)
            CHECK_EQ(res[i].messages, round + 1);
    }
    for (int i = 0; i < 4; i++)
        lwg_call_close_send(&calls[i]);
    pump(20);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(res[i].done, 1);
        CHECK_EQ(lwg_call_status(&calls[i]), LWG_STATUS_OK);
    }
}

static void test_deadline(void)
{
    lwg_call_opts opts = { .timeout_ms = 100 };

    setup();
    fake_port_set_now(0xffffffc0u); /* the deadline wraps the clock */
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_sleep, &opts, &cbs, &res[0]), LWG_OK);
    lwg_call_send(&calls[0], (const uint8_t *)"x", 1);
    lwg_call_close_send(&calls[0]);
    pump(10);
    CHECK_EQ(res[0].done, 0);
    fake_port_advance(99);
    pump(10);
    CHECK_EQ(res[0].done, 0);
    fake_port_advance(2);
    pump(10);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_DEADLINE_EXCEEDED);
    CHECK_EQ(srv_done_count, 1); /* the server saw the cancel or its own deadline */
}

static void test_cancel(void)
{
    setup();
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_sleep, NULL, &cbs, &res[0]), LWG_OK);
    pump(10);
    lwg_call_cancel(&calls[0]);
    pump(10);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_CANCELLED);
    CHECK_EQ(srv_done_count, 1);
    CHECK_EQ(srv_last_done_status, LWG_STATUS_CANCELLED);
}

static void test_message_too_large(void)
{
    lwg_call_opts opts = { .max_recv_message = 100 };
    static uint8_t big[150];

    setup();
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_unary, &opts, &cbs, &res[0]), LWG_OK);
    CHECK_EQ(lwg_call_send(&calls[0], big, sizeof big), LWG_OK);
    lwg_call_close_send(&calls[0]);
    pump(50);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_RESOURCE_EXHAUSTED);
}

static void test_reserved_metadata_refused(void)
{
    static const lwg_md md[] = { { "grpc-status", (const uint8_t *)"0", 1 } };
    static const lwg_md md2[] = { { "Upper", (const uint8_t *)"0", 1 } };
    lwg_call_opts opts = { .metadata = md, .metadata_count = 1 };
    lwg_call_opts opts2 = { .metadata = md2, .metadata_count = 1 };

    setup();
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_unary, &opts, &cbs, &res[0]), LWG_EINVAL);
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_unary, &opts2, &cbs, &res[0]), LWG_EINVAL);
}

/* Per-RPC credentials: refused on plaintext unless allowed; the server's
 * auth_check answers before any handler runs. */
static int auth_calls;
static int check_bearer(lwg_call *call, void *user)
{
    size_t n;
    const uint8_t *v = lwg_metadata_get(lwg_call_metadata(call), "authorization", 13, &n);

    (void)user;
    auth_calls++;
    return (v && n == 12 && memcmp(v, "Bearer token", 12) == 0) ? LWG_STATUS_OK
                                                                : LWG_STATUS_UNAUTHENTICATED;
}

static void test_per_rpc_credentials(void)
{
    static const lwg_server_opts so = { .auth_check = check_bearer };
    static const lwg_channel_opts allow = { .allow_insecure_credentials = 1 };
    lwg_call_opts good = { .authorization = "Bearer token" };
    lwg_call_opts bad = { .authorization = "Bearer nope" };

    setup();
    lwg_server_set_opts(&srv, &so);
    auth_calls = 0;
    /* plaintext channel: refused before anything is sent */
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_unary, &good, &cbs, &res[0]), LWG_OK);
    pump(20);
    CHECK_EQ(res[0].done, 1);
    CHECK_EQ(lwg_call_status(&calls[0]), LWG_STATUS_UNAUTHENTICATED);
    CHECK_EQ(auth_calls, 0);
    /* explicitly allowed: the server checks the token */
    lwg_channel_set_opts(&ch, &allow);
    CHECK_EQ(lwg_call_start(&ch, &calls[1], &m_unary, &good, &cbs, &res[1]), LWG_OK);
    lwg_call_send(&calls[1], (const uint8_t *)"hi", 2);
    lwg_call_close_send(&calls[1]);
    CHECK_EQ(lwg_call_start(&ch, &calls[2], &m_unary, &bad, &cbs, &res[2]), LWG_OK);
    lwg_call_send(&calls[2], (const uint8_t *)"hi", 2);
    lwg_call_close_send(&calls[2]);
    srv_done_count = 0;
    pump(50);
    CHECK_EQ(lwg_call_status(&calls[1]), LWG_STATUS_OK);
    CHECK_EQ(res[1].messages, 1);
    CHECK_EQ(lwg_call_status(&calls[2]), LWG_STATUS_UNAUTHENTICATED);
    CHECK_EQ(res[2].messages, 0);
    CHECK_EQ(auth_calls, 2);
    CHECK_EQ(srv_done_count, 1); /* only the good call reached its handler */
    lwg_channel_set_opts(&ch, NULL);
    lwg_server_set_opts(&srv, NULL);
}

int main(void)
{
    RUN(test_unary_echo_with_metadata);
    RUN(test_status_and_message);
    RUN(test_unimplemented);
    RUN(test_server_streaming);
    RUN(test_client_streaming);
    RUN(test_bidi_and_concurrency);
    RUN(test_deadline);
    RUN(test_cancel);
    RUN(test_message_too_large);
    RUN(test_reserved_metadata_refused);
    RUN(test_per_rpc_credentials);
    return lwg_test_summary();
}
