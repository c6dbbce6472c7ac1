/*
 * test_tls_grpc.c - gRPC over lwg_tls: an lwgrpc channel and an lwgrpc
 * server, their links wrapped in TLS connections exactly as a port driver
 * will do it (lwg_channel_connect() / lwg_server_accept() give the inner
 * link, lwg_tls_conn_init() wraps it, the driver pumps the outer one),
 * joined back to back in memory.  Unary and streaming calls, mutual TLS
 * with the client's identity read by the handler, and failed handshakes:
 * the call fails UNAVAILABLE, no handler runs, the server goes on serving.
 */
#include "test_tls_util.h"
#include "fake/fake_port.h"
#include "core/lwg_channel.h"
#include "core/lwg_server.h"

static lwg_tls_config ccfg, scfg;
static lwg_tls_config *client_cfg = &ccfg;   /* what the next connect uses */
static lwg_channel ch;
static lwg_server srv;

/* the driver's per-slot TLS connections (a port keeps one per channel
 * connection slot and one per server connection slot) */
static lwg_tls_conn ctls[LWG_CHANNEL_CONNS], stls[LWG_MAX_CONNECTIONS];
static const lwg_link *cl, *sl;          /* outer links being pumped  */
static lwg_tls_conn *cur_c, *cur_s;

/* ---- the driver ------------------------------------------------------------------ */

static void connect_pair(void)
{
    const lwg_link *ci = lwg_channel_connect(&ch, lwg_port_now_ms());
    const lwg_link *si;
    size_t ck, sk;

    if (ci == NULL)
        return;
    si = lwg_server_accept(&srv, lwg_port_now_ms());
    CHECK(si != NULL);
    ck = (size_t)((lwg_channel_conn *)ci->ctx - ch.conns);
    sk = (size_t)((lwg_server_conn *)si->ctx - srv.conns);
    cur_c = &ctls[ck];
    cur_s = &stls[sk];
    CHECK_EQ(lwg_tls_conn_init(cur_c, client_cfg, ci, "localhost", lwg_port_now_ms()), LWG_OK);
    CHECK_EQ(lwg_tls_conn_init(cur_s, &scfg, si, NULL, lwg_port_now_ms()), LWG_OK);
    cl = lwg_tls_conn_link(cur_c);
    sl = lwg_tls_conn_link(cur_s);
}

/* Move what `from` has into `to` (what `to` does not take stays). */
static int move(const lwg_link *from, const lwg_link *to, size_t chunk)
{
    size_t n;
    const uint8_t *p = from->ops->output(from->ctx, &n);
    int r;

    if (n == 0)
        return 0;
    if (chunk && n > chunk)
        n = chunk;
    r = to->ops->input(to->ctx, p, n, lwg_port_now_ms());
    if (r > 0)
        from->ops->output_done(from->ctx, (size_t)r);
    return r;
}

/* The transport between them closes: both sides are told. */
static void close_pair(void)
{
    cl->ops->closed(cl->ctx, LWG_OK);
    sl->ops->closed(sl->ctx, LWG_OK);
    cl = sl = NULL;
}

/* A side that wants to close is closed once its output is out (the
 * driver's job); so is one whose input failed, after a last flush. */
static void maybe_close(int cl_failed, int sl_failed)
{
    size_t n1, n2;

    if (cl_failed)
        (void)move(cl, sl, 0);
    if (sl_failed)
        (void)move(sl, cl, 0);
    (void)cl->ops->output(cl->ctx, &n1);
    (void)sl->ops->output(sl->ctx, &n2);
    if (cl_failed || sl_failed || (cl->ops->wants_close(cl->ctx) && n1 == 0) ||
        (sl->ops->wants_close(sl->ctx) && n2 == 0))
        close_pair();
}

static void pump(int rounds, size_t chunk)
{
    for (int i = 0; i < rounds; i++) {
        if (cl == NULL)
            connect_pair();
        if (cl == NULL) {
            lwg_channel_tick(&ch, lwg_port_now_ms());
            continue;
        }
        int to_s = move(cl, sl, chunk);
        int to_c = move(sl, cl, chunk);
        cl->ops->tick(cl->ctx, lwg_port_now_ms());
        sl->ops->tick(sl->ctx, lwg_port_now_ms());
        maybe_close(to_c < 0, to_s < 0);
    }
}

/* ---- the service: echo, and "who am I" ------------------------------------------------ */

static const lwg_method m_echo = { "/t.S/Echo", LWG_RPC_UNARY, NULL, NULL };
static const lwg_method m_whoami = { "/t.S/WhoAmI", LWG_RPC_UNARY, NULL, NULL };
static const lwg_method m_bidi = { "/t.S/Bidi", LWG_RPC_BIDI_STREAMING, NULL, NULL };

static uint8_t echo_buf[300000];
static size_t echo_len;
static int handler_runs;

static int echo_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    (void)call;
    memcpy(echo_buf, m, n);
    echo_len = n;
    return LWG_OK;
}

static void echo_half_close(lwg_call *call)
{
    handler_runs++;
    CHECK_EQ(lwg_call_send(call, echo_buf, echo_len), LWG_OK);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

/* The handler finds its connection's TLS state through the server
 * connection slot (call->owner), as a port driver will expose it. */
static const lwg_tls_conn *call_tls(const lwg_call *call)
{
    const lwg_server_conn *sc = call->owner;
    return &stls[sc - srv.conns];
}

static void whoami_half_close(lwg_call *call)
{
    char subject[128], san[64], reply[256];
    const lwg_tls_conn *t = call_tls(call);

    handler_runs++;
    if (lwg_tls_peer_subject(t, subject, sizeof subject) < 0) {
        lwg_call_finish(call, LWG_STATUS_UNAUTHENTICATED, "no verified client certificate",
                        NULL, 0);
        return;
    }
    if (lwg_tls_peer_san(t, 0, san, sizeof san) < 0)
        san[0] = '\0';
    snprintf(reply, sizeof reply, "%s|%s", subject, san);
    CHECK_EQ(lwg_call_send(call, (const uint8_t *)reply, strlen(reply)), LWG_OK);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static int bidi_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    int r = lwg_call_send(call, m, n);
    return r == LWG_EAGAIN ? LWG_EAGAIN : LWG_OK;
}

static void bidi_half_close(lwg_call *call)
{
    handler_runs++;
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static const lwg_handler handlers[] = {
    { &m_echo, NULL, echo_msg, echo_half_close, NULL, NULL, NULL },
    { &m_whoami, NULL, NULL, whoami_half_close, NULL, NULL, NULL },
    { &m_bidi, NULL, bidi_msg, bidi_half_close, NULL, NULL, NULL },
};
static const lwg_service service = { "t.S", handlers, sizeof handlers / sizeof handlers[0] };

/* ---- the client ---------------------------------------------------------------------- */

typedef struct result {
    int done, messages;
    size_t bytes;
    uint8_t last[300000];
    size_t last_len;
} result;

static result res;
static lwg_call call;

static int c_msg(lwg_call *c, const uint8_t *m, size_t n)
{
    result *r = c->user;
    r->messages++;
    r->bytes += n;
    if (n <= sizeof r->last) {
        memcpy(r->last, m, n);
        r->last_len = n;
    }
    return LWG_OK;
}
static void c_status(lwg_call *c) { ((result *)c->user)->done++; }
static const lwg_call_cbs cbs = { NULL, c_msg, NULL, c_status };

static void setup(const char *srv_cert, const char *ca, const char *client_cert, int mode)
{
    fake_port_set_now(1000);
    client_config(&ccfg, ca, client_cert);
    server_config(&scfg, srv_cert, "ca.pem", mode);
    CHECK_EQ(lwg_channel_init(&ch, "localhost:50051", lwg_port_now_ms()), LWG_OK);
    ch.use_tls = 1;                                 /* :scheme https */
    lwg_server_init(&srv, NULL);
    CHECK_EQ(lwg_server_add_service(&srv, &service), LWG_OK);
    cl = sl = NULL;
    memset(&res, 0, sizeof res);
    handler_runs = 0;
}

static void teardown(void)
{
    if (cl != NULL) {
        cl->ops->closed(cl->ctx, LWG_OK);
        sl->ops->closed(sl->ctx, LWG_OK);
        cl = sl = NULL;
    }
    lwg_channel_shutdown(&ch);
    lwg_tls_config_free(&ccfg);
    lwg_tls_config_free(&scfg);
    CHECK_EQ(arena_used(NULL), 0);
}

static void unary(const lwg_method *m, const uint8_t *req, size_t n, size_t chunk)
{
    static const lwg_call_opts opts = { .timeout_ms = 60000 };

    memset(&res, 0, sizeof res);
    CHECK_EQ(lwg_call_start(&ch, &call, m, &opts, &cbs, &res), LWG_OK);
    CHECK_EQ(lwg_call_send(&call, req, n), LWG_OK);
    CHECK_EQ(lwg_call_close_send(&call), LWG_OK);
    for (int i = 0; i < 200000 && !res.done; i++)
        pump(1, chunk);
}

/* ---- cases -------------------------------------------------------------------------------- */

static void test_unary_over_tls(void)
{
    static uint8_t big[200000];

    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13 + 1);
    setup("server", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_NONE);
    unary(&m_echo, (const uint8_t *)"hello", 5, 0);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
    CHECK_EQ(res.last_len, 5);
    CHECK_MEM(res.last, "hello", 5);
    /* a 200 KB message each way, then the same one byte at a time */
    unary(&m_echo, big, sizeof big, 0);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
    CHECK_EQ(res.last_len, sizeof big);
    CHECK(memcmp(res.last, big, sizeof big) == 0);
    unary(&m_echo, big, 3000, 1);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
    CHECK_EQ(res.last_len, 3000);
    CHECK_EQ(handler_runs, 3);
    /* one TLS connection carried all three calls */
    CHECK(lwg_tls_handshake_done(cur_c));
    teardown();
}

static void test_bidi_over_tls(void)
{
    static uint8_t msg[1000];
    static const lwg_call_opts opts = { .timeout_ms = 60000 };

    setup("server_ec", "ca_ec.pem", NULL, LWG_TLS_CLIENT_CERT_NONE);
    CHECK_EQ(lwg_call_start(&ch, &call, &m_bidi, &opts, &cbs, &res), LWG_OK);
    for (int k = 0; k < 50; k++) {
        memset(msg, k, sizeof msg);
        int r;
        while ((r = lwg_call_send(&call, msg, sizeof msg)) == LWG_EAGAIN)
            pump(1, 0);
        CHECK_EQ(r, LWG_OK);
        pump(3, 0);
    }
    CHECK_EQ(lwg_call_close_send(&call), LWG_OK);
    for (int i = 0; i < 10000 && !res.done; i++)
        pump(1, 0);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
    CHECK_EQ(res.messages, 50);
    CHECK_EQ(res.bytes, 50000);
    teardown();
}

static void test_mtls_identity_in_handler(void)
{
    setup("server", "ca.pem", "client", LWG_TLS_CLIENT_CERT_REQUIRED);
    unary(&m_whoami, (const uint8_t *)"?", 1, 0);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
    res.last[res.last_len] = 0;
    CHECK(strcmp((const char *)res.last, "CN=lwg-test-client,O=lwgrpc test,C=US|client.lwgrpc.test") == 0);
    teardown();

    /* optional and not sent: the handler decides (UNAUTHENTICATED) */
    setup("server", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_OPTIONAL);
    unary(&m_whoami, (const uint8_t *)"?", 1, 0);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_UNAUTHENTICATED);
    teardown();
}

/* A handshake that fails: the fail-fast call ends UNAVAILABLE, no handler
 * runs, the server slot is free again, and a good client is served. */
static void fail_case(const char *srv_cert, const char *ca, const char *client_cert, int mode,
                      const char *cli_reason)
{
    const char *why;

    setup(srv_cert, ca, client_cert, mode);
    unary(&m_echo, (const uint8_t *)"x", 1, 0);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_UNAVAILABLE);
    CHECK_EQ(handler_runs, 0);
    CHECK_EQ(lwg_server_connections(&srv), 0);
    CHECK(lwg_tls_error(cur_c, &why) != 0);
    if (strncmp(why, cli_reason, strlen(cli_reason)) != 0) {
        fprintf(stderr, "  client reason \"%s\", want \"%s...\"\n", why, cli_reason);
        CHECK(!"reason");
    }
    teardown();
}

static void test_failed_handshakes(void)
{
    fail_case("server", "other_ca.pem", NULL, LWG_TLS_CLIENT_CERT_NONE,
              "certificate verify failed: not trusted");
    fail_case("wronghost", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_NONE,
              "certificate verify failed: host name mismatch");
    fail_case("expired", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_NONE,
              "certificate verify failed: expired");
    fail_case("server", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_REQUIRED,
              "peer alert: handshake_failure");
    fail_case("server", "ca.pem", "other_client", LWG_TLS_CLIENT_CERT_REQUIRED,
              "peer alert: unknown_ca");
}

/* After a client that failed its handshake, the server serves the next. */
static void test_server_serves_after_failure(void)
{
    static lwg_tls_config bad;
    static const lwg_call_opts patient = { .timeout_ms = 300000, .wait_for_ready = 1 };

    setup("server", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_NONE);
    /* first connection: a client that trusts the wrong CA */
    client_config(&bad, "other_ca.pem", NULL);
    client_cfg = &bad;
    unary(&m_echo, (const uint8_t *)"x", 1, 0);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_UNAVAILABLE);
    CHECK_EQ(lwg_server_connections(&srv), 0);
    client_cfg = &ccfg;
    lwg_tls_config_free(&bad);
    /* the channel reconnects after its backoff; the good client gets in
     * (a wait_for_ready call waits through TRANSIENT_FAILURE) */
    memset(&res, 0, sizeof res);
    CHECK_EQ(lwg_call_start(&ch, &call, &m_echo, &patient, &cbs, &res), LWG_OK);
    CHECK_EQ(lwg_call_send(&call, (const uint8_t *)"again", 5), LWG_OK);
    CHECK_EQ(lwg_call_close_send(&call), LWG_OK);
    for (int i = 0; i < 300 && !res.done; i++) {
        fake_port_advance(1000);
        pump(100, 0);
    }
    if (lwg_call_status(&call) != LWG_STATUS_OK)
        fprintf(stderr, "  status %d: %s; tls: %s\n", lwg_call_status(&call), lwg_call_status_message(&call), cur_c ? cur_c->reason : "-");
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
    CHECK_EQ(res.last_len, 5);
    CHECK_EQ(handler_runs, 1);
    teardown();
}

int main(void)
{
    certs_make();
    CHECK_EQ(lwg_tls_init(), LWG_OK);
    RUN(test_unary_over_tls);
    RUN(test_bidi_over_tls);
    RUN(test_mtls_identity_in_handler);
    RUN(test_failed_handshakes);
    RUN(test_server_serves_after_failure);
    return lwg_test_summary();
}
