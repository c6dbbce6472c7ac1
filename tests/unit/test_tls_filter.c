/*
 * test_tls_filter.c - lwg_tls as a byte-pipe filter.  A client and a
 * server lwg_tls_conn, each wrapping a trivial inner link (the client's
 * sends a pattern, the server's echoes it) or a real lwg_h2 connection,
 * are joined back to back in memory through two "wires", the way a port
 * driver would pump them: whole, one byte of input at a time, and with a
 * driver whose output "fails" after every byte.  Then every way a
 * handshake must fail, each with its reason, and the inner link never
 * seeing a byte.  Prints the arena's peak use per connection.
 */
#include "test_tls_util.h"
#include "fake/fake_port.h"
#include "transport/lwg_h2.h"

#include "mbedtls/platform.h"

/* ---- two sides, two wires, arena accounting ----------------------------------- */

typedef struct side {
    lwg_tls_conn tls;
    inner in;
    lwg_link inner_link;
    const lwg_link *outer;
    int input_err;             /* last negative input() result          */
    /* arena: bytes and blocks this side holds, and its peak */
    size_t held, held_blocks, peak, peak_blocks;
} side;

typedef struct wire {
    uint8_t buf[1 << 17];
    size_t len;
} wire;

static side cli, srv;
static wire c2s, s2c;
static lwg_tls_config ccfg, scfg;
static uint8_t payload[200000], rxbuf[2][200000];

/* Attribute arena use to a side: everything allocated during a call on a
 * side is that side's (the other side holds still meanwhile). */
static size_t acct_other, acct_other_blocks, acct_begin_used, acct_begin_blocks;

static void acct_begin(side *s)
{
    acct_begin_used = arena_used(&acct_begin_blocks);
    acct_other = acct_begin_used - s->held;
    acct_other_blocks = acct_begin_blocks - s->held_blocks;
    lwg_tls_arena_peak_reset();
}

static void acct_end(side *s)
{
    lwg_tls_arena_info a;
    size_t peak, peak_blocks;

    lwg_tls_arena_stats(&a);
    peak = a.peak > acct_begin_used ? a.peak : acct_begin_used;
    peak_blocks = a.peak_blocks > acct_begin_blocks ? a.peak_blocks : acct_begin_blocks;
    s->held = a.used - acct_other;
    s->held_blocks = a.blocks - acct_other_blocks;
    if (peak - acct_other > s->peak)
        s->peak = peak - acct_other;
    if (peak_blocks - acct_other_blocks > s->peak_blocks)
        s->peak_blocks = peak_blocks - acct_other_blocks;
}

static void side_reset(side *s, int echo)
{
    memset(s, 0, sizeof *s);
    s->in.echo = echo;
    s->inner_link.ops = &inner_ops;
    s->inner_link.ctx = &s->in;
    s->outer = lwg_tls_conn_link(&s->tls);
}

/* Reset both sides and wires; the client's inner link will send `n`
 * bytes of the payload pattern, the server's echoes. */
static void sides_reset(size_t n)
{
    side_reset(&cli, 0);
    side_reset(&srv, 1);
    cli.in.src = payload;
    cli.in.src_len = n;
    cli.in.rx = rxbuf[0];
    cli.in.rx_cap = sizeof rxbuf[0];
    srv.in.rx = rxbuf[1];
    srv.in.rx_cap = sizeof rxbuf[1];
    c2s.len = s2c.len = 0;
}

static int side_init(side *s, lwg_tls_config *cfg, const lwg_link *in, const char *name)
{
    int r;

    acct_begin(s);
    r = lwg_tls_conn_init(&s->tls, cfg, in, name, lwg_port_now_ms());
    acct_end(s);
    return r;
}

/* Start both connections over the trivial inner links. */
static void sides_start(const char *server_name)
{
    CHECK_EQ(side_init(&cli, &ccfg, &cli.inner_link, server_name), LWG_OK);
    CHECK_EQ(side_init(&srv, &scfg, &srv.inner_link, NULL), LWG_OK);
}

/* The driver sends what the side has: all of it, or (out_chunk > 0) that
 * many bytes and then "EAGAIN" until the next round.  Returns bytes. */
static size_t move_out(side *s, wire *w, size_t out_chunk)
{
    size_t moved = 0;

    acct_begin(s);
    for (;;) {
        size_t n, k;
        const uint8_t *p = s->outer->ops->output(s->outer->ctx, &n);
        if (n == 0)
            break;
        k = out_chunk && out_chunk < n ? out_chunk : n;
        if (k > sizeof w->buf - w->len)
            k = sizeof w->buf - w->len;
        if (k == 0)
            break;
        memcpy(w->buf + w->len, p, k);
        w->len += k;
        s->outer->ops->output_done(s->outer->ctx, k);
        moved += k;
        if (out_chunk)
            break;
    }
    acct_end(s);
    return moved;
}

/* The driver offers what arrived: whole, or in_chunk bytes per call. */
static size_t move_in(side *s, wire *w, size_t in_chunk)
{
    size_t moved = 0;

    acct_begin(s);
    while (w->len > 0) {
        size_t k = in_chunk && in_chunk < w->len ? in_chunk : w->len;
        int r = s->outer->ops->input(s->outer->ctx, w->buf, k, lwg_port_now_ms());
        if (r < 0) {
            s->input_err = r;
            w->len = 0;        /* a driver closes; nothing more is read */
            break;
        }
        if (r == 0)
            break;
        memmove(w->buf, w->buf + r, w->len - (size_t)r);
        w->len -= (size_t)r;
        moved += (size_t)r;
    }
    acct_end(s);
    return moved;
}

static void side_tick(side *s)
{
    acct_begin(s);
    s->outer->ops->tick(s->outer->ctx, lwg_port_now_ms());
    acct_end(s);
}

/* Pump until nothing moves for a few rounds (or `rounds` run out). */
static int pump(int rounds, size_t in_chunk, size_t out_chunk)
{
    int idle = 0, i;

    for (i = 0; i < rounds && idle < 3; i++) {
        size_t moved = 0;
        moved += move_out(&cli, &c2s, out_chunk);
        moved += move_out(&srv, &s2c, out_chunk);
        moved += move_in(&srv, &c2s, in_chunk);
        moved += move_in(&cli, &s2c, in_chunk);
        side_tick(&cli);
        side_tick(&srv);
        idle = moved ? 0 : idle + 1;
    }
    return i;
}

/* The driver saw wants_close (or failed) and closes the transport. */
static void side_close(side *s, int err)
{
    if (s->tls.state == LWG_TLS_ST_IDLE && !s->tls.session)
        return;
    acct_begin(s);
    s->outer->ops->closed(s->outer->ctx, err);
    acct_end(s);
}

static void configs_free(void)
{
    lwg_tls_config_free(&ccfg);
    lwg_tls_config_free(&scfg);
}

/* After a test: every byte of the arena is back. */
static void check_arena_empty(void)
{
    size_t blocks, used = arena_used(&blocks);

    CHECK_EQ(used, 0);
    CHECK_EQ(blocks, 0);
    CHECK_EQ(mbedtls_memory_buffer_alloc_verify(), 0);
}

/* ---- the happy paths ----------------------------------------------------------- */

/* Client sends n bytes, the server echoes them; both inner links must get
 * exactly the bytes, in order. */
static void run_echo(const char *srv_cert, const char *ca, size_t n, size_t in_chunk,
                     size_t out_chunk, size_t accept_max)
{
    client_config(&ccfg, ca, NULL);
    server_config(&scfg, srv_cert, NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(n);
    srv.in.accept_max = accept_max;
    sides_start("localhost");
    pump(5000000, in_chunk, out_chunk);

    CHECK(lwg_tls_handshake_done(&cli.tls));
    CHECK(lwg_tls_handshake_done(&srv.tls));
    CHECK_EQ(lwg_tls_error(&cli.tls, NULL), 0);
    CHECK_EQ(lwg_tls_error(&srv.tls, NULL), 0);
    CHECK_EQ(srv.in.rx_len, n);
    CHECK_EQ(cli.in.rx_len, n);
    CHECK(memcmp(rxbuf[1], payload, n) == 0);
    CHECK(memcmp(rxbuf[0], payload, n) == 0);
    CHECK(lwg_tls_peer_verified(&cli.tls));
    CHECK(!lwg_tls_peer_verified(&srv.tls));
    CHECK(strstr(lwg_tls_ciphersuite(&cli.tls), "ECDHE") != NULL);
    CHECK(strcmp(lwg_tls_ciphersuite(&cli.tls), lwg_tls_ciphersuite(&srv.tls)) == 0);

    /* the client is done: close_notify travels, the server wants to close */
    cli.in.want_close = 1;
    pump(1000, in_chunk, out_chunk);
    CHECK(cli.tls.notify_sent);
    CHECK(srv.tls.peer_notify);
    CHECK(srv.outer->ops->wants_close(srv.outer->ctx));
    CHECK(cli.outer->ops->wants_close(cli.outer->ctx));
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    CHECK_EQ(cli.in.closed_calls, 1);
    CHECK_EQ(srv.in.closed_calls, 1);
    CHECK_EQ(cli.in.closed_err, LWG_OK);
    configs_free();
    check_arena_empty();
}

static void test_echo_rsa(void)
{
    run_echo("server", "ca.pem", 150000, 0, 0, 0);
}

static void test_echo_ecdsa(void)
{
    run_echo("server_ec", "ca_ec.pem", 150000, 0, 0, 0);
}

static void test_echo_input_one_byte_at_a_time(void)
{
    run_echo("server", "ca.pem", 20000, 1, 0, 0);
}

static void test_echo_output_fails_after_every_byte(void)
{
    run_echo("server_ec", "ca_ec.pem", 20000, 0, 1, 0);
}

static void test_echo_both_one_byte(void)
{
    run_echo("server", "ca.pem", 5000, 1, 1, 0);
}

static void test_echo_inner_takes_little(void)
{
    /* the echo link takes 7 bytes per input() and its 8 KiB fill up:
     * plaintext waits in the TLS connection, ciphertext stays unread */
    run_echo("server", "ca.pem", 100000, 0, 0, 7);
    run_echo("server_ec", "ca_ec.pem", 30000, 5, 3, 1);
}

/* Every cipher suite we offer works against ourselves. */
static void test_each_cipher_suite(void)
{
    static const struct { const char *cert, *ca; int suite; const char *name; } cases[] = {
        { "server", "ca.pem", MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "AES-128-GCM" },
        { "server", "ca.pem", MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "AES-256-GCM" },
        { "server", "ca.pem", MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "CHACHA20" },
        { "server_ec", "ca_ec.pem", MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "AES-128-GCM" },
        { "server_ec", "ca_ec.pem", MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "AES-256-GCM" },
        { "server_ec", "ca_ec.pem", MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "CHACHA20" },
    };
    static int suites[2];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        suites[0] = cases[i].suite;
        client_config(&ccfg, cases[i].ca, NULL);
        server_config(&scfg, cases[i].cert, NULL, LWG_TLS_CLIENT_CERT_NONE);
        mbedtls_ssl_conf_ciphersuites(&ccfg.ssl, suites);
        sides_reset(3000);
        sides_start("localhost");
        pump(1000, 0, 0);
        CHECK_EQ(cli.in.rx_len, 3000);
        CHECK(strstr(lwg_tls_ciphersuite(&cli.tls), cases[i].name) != NULL);
        side_close(&cli, LWG_OK);
        side_close(&srv, LWG_OK);
        configs_free();
    }
    check_arena_empty();
}

/* ---- identity ------------------------------------------------------------------ */

static void test_mtls_peer_identity(void)
{
    char buf[128];

    client_config(&ccfg, "ca.pem", "client");
    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_REQUIRED);
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 1000);
    CHECK(lwg_tls_peer_verified(&srv.tls));
    CHECK_EQ(lwg_tls_peer_subject(&srv.tls, buf, sizeof buf),
             (int)strlen("CN=lwg-test-client,O=lwgrpc test,C=US"));
    CHECK(strcmp(buf, "CN=lwg-test-client,O=lwgrpc test,C=US") == 0);
    /* DNS names only: the spiffe:// URI SAN is not one */
    CHECK_EQ(lwg_tls_peer_san_count(&srv.tls), 2);
    CHECK(lwg_tls_peer_san(&srv.tls, 0, buf, sizeof buf) > 0 &&
          strcmp(buf, "client.lwgrpc.test") == 0);
    CHECK(lwg_tls_peer_san(&srv.tls, 1, buf, sizeof buf) > 0 &&
          strcmp(buf, "device-42.lwgrpc.test") == 0);
    CHECK_EQ(lwg_tls_peer_san(&srv.tls, 2, buf, sizeof buf), LWG_EINVAL);
    CHECK_EQ(lwg_tls_peer_san(&srv.tls, 0, buf, 5), LWG_ENOMEM);
    CHECK(!lwg_tls_peer_id_truncated(&srv.tls));
    /* and the client knows the server */
    CHECK(lwg_tls_peer_subject(&cli.tls, buf, sizeof buf) > 0 && strcmp(buf, "CN=localhost") == 0);
    CHECK_EQ(lwg_tls_peer_san_count(&cli.tls), 3);
    CHECK(lwg_tls_peer_san(&cli.tls, 2, buf, sizeof buf) > 0 &&
          strcmp(buf, "*.test.google.fr") == 0);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();

    /* ECDSA client certificate */
    client_config(&ccfg, "ca_ec.pem", "client_ec");
    server_config(&scfg, "server_ec", "ca_ec.pem", LWG_TLS_CLIENT_CERT_OPTIONAL);
    sides_reset(1000);
    sides_start("foo.test.google.fr");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 1000);
    CHECK(lwg_tls_peer_verified(&srv.tls));
    CHECK(lwg_tls_peer_subject(&srv.tls, buf, sizeof buf) > 0 &&
          strcmp(buf, "CN=lwg-test-client,O=lwgrpc test,C=US") == 0);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();

    /* optional and not sent: fine, but nobody is verified */
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_OPTIONAL);
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 1000);
    CHECK(!lwg_tls_peer_verified(&srv.tls));
    CHECK_EQ(lwg_tls_peer_subject(&srv.tls, buf, sizeof buf), LWG_ECLOSED);
    CHECK_EQ(lwg_tls_peer_san_count(&srv.tls), 0);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();
    check_arena_empty();
}

static void test_server_name_override(void)
{
    /* an IP address target: mbedTLS 2.28 matches DNS names only, so it
     * needs the override (gRPC's server_host_override) */
    client_config(&ccfg, "ca.pem", NULL);
    lwg_tls_config_set_server_name_override(&ccfg, "foo.test.google.fr");
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(100);
    sides_start("127.0.0.1");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 100);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();

    /* the wildcard SAN *.test.google.fr */
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(100);
    sides_start("bar.test.google.fr");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 100);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();

    /* a client needs some name */
    client_config(&ccfg, "ca.pem", NULL);
    sides_reset(0);
    CHECK_EQ(lwg_tls_conn_init(&cli.tls, &ccfg, &cli.inner_link, NULL, 0), LWG_EINVAL);
    configs_free();
    check_arena_empty();
}

/* ---- failures -------------------------------------------------------------------- */

/* The side failed with `err` and a reason starting with `reason`; its
 * inner link never saw a byte; it wants to close; closing tells the inner
 * link once, with the error. */
static void expect_failed(side *s, int err, const char *reason)
{
    const char *why = NULL;

    CHECK_EQ(lwg_tls_error(&s->tls, &why), err);
    if (why == NULL || strncmp(why, reason, strlen(reason)) != 0) {
        fprintf(stderr, "  reason: got \"%s\" (mbedTLS -0x%04x, alert sent %u), want \"%s...\"\n", why ? why : "(null)", (unsigned)-s->tls.mbedtls_error, s->tls.alert_sent, reason);
        CHECK(!"reason");
    }
    CHECK_EQ(s->in.input_calls, 0);
    CHECK_EQ(s->in.rx_len, 0);
    CHECK(!lwg_tls_handshake_done(&s->tls));
    CHECK(s->outer->ops->wants_close(s->outer->ctx));
    side_close(s, LWG_OK);
    CHECK_EQ(s->in.closed_calls, 1);
    CHECK_EQ(s->in.closed_err, err);
    /* after close: input is refused, nothing to send, no crash */
    CHECK_EQ(s->outer->ops->input(s->outer->ctx, (const uint8_t *)"x", 1, 0), LWG_ECONN);
    side_close(s, LWG_OK);
    CHECK_EQ(s->in.closed_calls, 1);
}

/* Run a handshake that must fail on both sides. */
static void run_fail(const char *cli_reason, const char *srv_reason)
{
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    expect_failed(&cli, LWG_EPROTO, cli_reason);
    expect_failed(&srv, srv_reason[0] ? LWG_EPROTO : LWG_ECLOSED,
                  srv_reason[0] ? srv_reason : "connection closed during the handshake");
    configs_free();
    check_arena_empty();
}

static void test_fail_wrong_ca(void)
{
    client_config(&ccfg, "other_ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    run_fail("certificate verify failed: not trusted", "peer alert: unknown_ca");

    /* a server certificate from a CA nobody trusts */
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "other_server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    run_fail("certificate verify failed: not trusted", "peer alert: unknown_ca");

    /* a client without any CA trusts nobody */
    client_config(&ccfg, NULL, NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    run_fail("certificate verify failed: not trusted", "peer alert: unknown_ca");
}

static void test_fail_wrong_host_name(void)
{
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "wronghost", NULL, LWG_TLS_CLIENT_CERT_NONE);
    run_fail("certificate verify failed: host name mismatch", "peer alert: bad_certificate");
}

static void test_fail_expired_and_future(void)
{
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "expired", NULL, LWG_TLS_CLIENT_CERT_NONE);
    run_fail("certificate verify failed: expired", "peer alert: certificate_expired");

    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "future", NULL, LWG_TLS_CLIENT_CERT_NONE);
    run_fail("certificate verify failed: not yet valid", "peer alert: certificate_unknown");

    /* without a clock the dates cannot be checked (documented) */
    client_config(&ccfg, "ca.pem", NULL);
    lwg_tls_config_set_time(&ccfg, NULL);
    server_config(&scfg, "expired", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(100);
    sides_start("localhost");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 100);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();
    check_arena_empty();
}

static void test_fail_client_certificate(void)
{
    /* required and not sent */
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_REQUIRED);
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    expect_failed(&srv, LWG_EPROTO, "client certificate required but not sent");
    expect_failed(&cli, LWG_EPROTO, "peer alert: handshake_failure");
    configs_free();
    check_arena_empty();

    /* required, sent, from a CA the server does not trust */
    client_config(&ccfg, "ca.pem", "other_client");
    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_REQUIRED);
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    expect_failed(&srv, LWG_EPROTO, "certificate verify failed: not trusted");
    expect_failed(&cli, LWG_EPROTO, "peer alert: unknown_ca");
    configs_free();

    /* optional, sent and invalid: refused too (after mbedTLS's handshake
     * the client saw complete: its inner link got connected, but it never
     * received a byte) */
    client_config(&ccfg, "ca.pem", "other_client");
    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_OPTIONAL);
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    expect_failed(&srv, LWG_EPROTO, "certificate verify failed: not trusted");
    CHECK_EQ(lwg_tls_error(&cli.tls, NULL), LWG_EPROTO);
    CHECK_EQ(cli.in.rx_len, 0);
    side_close(&cli, LWG_OK);
    configs_free();
    check_arena_empty();
}

static void test_fail_no_alpn_h2(void)
{
    static const char *http11[] = { "http/1.1", NULL };

    /* the server does not do ALPN: our client refuses the connection (and
     * our server, made to skip ALPN here, refuses it too) */
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    scfg.ssl.alpn_list = NULL;
    run_fail("ALPN: peer did not negotiate h2", "ALPN: peer did not negotiate h2");

    /* the client offers only http/1.1: mbedTLS's server refuses */
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    ccfg.ssl.alpn_list = http11;
    run_fail("peer alert: no_application_protocol", "ALPN: peer did not negotiate h2");

    /* the client offers no ALPN at all: our server refuses after the
     * handshake; the client's inner link never gets a byte */
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    ccfg.ssl.alpn_list = NULL;
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    expect_failed(&srv, LWG_EPROTO, "ALPN: peer did not negotiate h2");
    CHECK_EQ(cli.in.rx_len, 0);
    side_close(&cli, LWG_OK);
    configs_free();
    check_arena_empty();
}

static void test_fail_plaintext_client(void)
{
    static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                     "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    size_t n;

    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(0);
    CHECK_EQ(side_init(&srv, &scfg, &srv.inner_link, NULL), LWG_OK);
    CHECK_EQ(srv.outer->ops->input(srv.outer->ctx, preface, sizeof preface - 1, 0), LWG_ECONN);
    (void)srv.outer->ops->output(srv.outer->ctx, &n);
    CHECK_EQ(n, 0);            /* no TLS alert to a plaintext peer */
    expect_failed(&srv, LWG_EPROTO, "peer is not speaking TLS (plaintext HTTP/2 preface)");

    /* the same, one byte at a time */
    sides_reset(0);
    CHECK_EQ(side_init(&srv, &scfg, &srv.inner_link, NULL), LWG_OK);
    int r = 0;
    for (size_t i = 0; i < sizeof preface - 1 && r >= 0; i++)
        r = srv.outer->ops->input(srv.outer->ctx, preface + i, 1, 0);
    CHECK_EQ(r, LWG_ECONN);
    expect_failed(&srv, LWG_EPROTO, "peer is not speaking TLS (plaintext HTTP/2 preface)");
    configs_free();
    check_arena_empty();
}

/* An lwg_h2 server as the plaintext peer of a TLS client. */
static lwg_h2_conn h2_plain, h2c, h2s;

static void test_fail_plaintext_server(void)
{
    static const lwg_h2_callbacks no_cb;
    lwg_link h2link = { &lwg_h2_link_ops, &h2_plain };
    size_t n;
    const uint8_t *p;

    client_config(&ccfg, "ca.pem", NULL);
    sides_reset(100);
    CHECK_EQ(side_init(&cli, &ccfg, &cli.inner_link, "localhost"), LWG_OK);
    CHECK_EQ(lwg_h2_conn_init(&h2_plain, 1, &no_cb, NULL, NULL, 0), LWG_OK);
    /* ClientHello into the HTTP/2 server: not a preface */
    p = cli.outer->ops->output(cli.outer->ctx, &n);
    CHECK(n > 0 && p[0] == 22);
    CHECK_EQ(h2link.ops->input(h2link.ctx, p, n, 0), LWG_ECONN);
    cli.outer->ops->output_done(cli.outer->ctx, n);
    /* its SETTINGS + GOAWAY into the TLS client */
    p = h2link.ops->output(h2link.ctx, &n);
    CHECK(n > 0);
    CHECK_EQ(cli.outer->ops->input(cli.outer->ctx, p, n, 0), LWG_ECONN);
    expect_failed(&cli, LWG_EPROTO, "peer is not speaking TLS (plaintext peer?)");

    /* a server that just hangs up during the handshake */
    sides_reset(100);
    CHECK_EQ(side_init(&cli, &ccfg, &cli.inner_link, "localhost"), LWG_OK);
    (void)cli.outer->ops->output(cli.outer->ctx, &n);
    side_close(&cli, LWG_OK);
    CHECK_EQ(lwg_tls_error(&cli.tls, NULL), LWG_ECLOSED);
    CHECK_EQ(cli.in.closed_calls, 1);
    CHECK_EQ(cli.in.closed_err, LWG_ECLOSED);
    CHECK_EQ(cli.in.input_calls, 0);
    configs_free();
    check_arena_empty();
}

static void test_handshake_timeout(void)
{
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(0);
    fake_port_set_now(0xfffff000u);   /* across the clock wrap */
    CHECK_EQ(side_init(&srv, &scfg, &srv.inner_link, NULL), LWG_OK);
    CHECK_EQ(srv.outer->ops->next_timeout(srv.outer->ctx, lwg_port_now_ms()),
             LWG_TLS_HANDSHAKE_TIMEOUT_MS);
    fake_port_advance(LWG_TLS_HANDSHAKE_TIMEOUT_MS - 1);
    side_tick(&srv);
    CHECK_EQ(lwg_tls_error(&srv.tls, NULL), 0);
    CHECK_EQ(srv.outer->ops->next_timeout(srv.outer->ctx, lwg_port_now_ms()), 1);
    fake_port_advance(1);
    side_tick(&srv);
    expect_failed(&srv, LWG_ETIMEOUT, "handshake timeout");
    fake_port_set_now(0);
    configs_free();
    check_arena_empty();
}

/* ---- corrupted records ------------------------------------------------------------ */

static void test_fail_tampered_record(void)
{
    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(0);
    sides_start("localhost");
    pump(1000, 0, 0);
    CHECK(lwg_tls_handshake_done(&cli.tls) && lwg_tls_handshake_done(&srv.tls));
    /* one application record with a flipped bit */
    cli.in.src = payload;
    cli.in.src_len = 100;
    move_out(&cli, &c2s, 0);
    CHECK(c2s.len > 100);
    c2s.buf[c2s.len - 1] ^= 1;
    move_in(&srv, &c2s, 0);
    CHECK_EQ(srv.input_err, LWG_ECONN);
    CHECK_EQ(lwg_tls_error(&srv.tls, NULL), LWG_EPROTO);
    CHECK(strstr(srv.tls.reason, "bad record MAC") != NULL);
    CHECK_EQ(srv.in.rx_len, 0);
    side_close(&srv, LWG_OK);
    side_close(&cli, LWG_OK);
    configs_free();
    check_arena_empty();
}

/* Every byte of the first flight of each side, flipped in turn: the
 * receiver fails cleanly (or, for bytes it may ignore, goes on), never
 * crashes (ASan/UBSan), and its inner link never sees a byte.  The
 * configs are remade with the same seed each time, so both flights are
 * the same bytes in every round. */
static void flip_round(int into_server, size_t pos, size_t *flight_len)
{
    uint8_t flight[4096];
    size_t n;
    const uint8_t *p;
    side *rx = into_server ? &srv : &cli;

    fake_port_seed(42);
    client_config(&ccfg, "ca_ec.pem", NULL);
    server_config(&scfg, "server_ec", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(100);
    sides_start("localhost");
    p = cli.outer->ops->output(cli.outer->ctx, &n);        /* ClientHello */
    if (!into_server) {
        /* the server answers the genuine one: its flight is mutated */
        CHECK(srv.outer->ops->input(srv.outer->ctx, p, n, 0) == (int)n);
        cli.outer->ops->output_done(cli.outer->ctx, n);
        p = srv.outer->ops->output(srv.outer->ctx, &n);
    }
    CHECK(n > 0 && n <= sizeof flight);
    *flight_len = n;
    if (pos < n) {
        memcpy(flight, p, n);
        flight[pos] ^= 0x5a;
        (void)rx->outer->ops->input(rx->outer->ctx, flight, n, 0);
        pump(200, 0, 0);
    }
    CHECK_EQ(rx->in.input_calls, 0);
    CHECK_EQ(rx->in.rx_len, 0);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();
}

static void test_flipped_bytes_in_the_first_flights(void)
{
    size_t n = 1, failed = 0;

    size_t rounds = 0;

    /* every byte of the ClientHello, every third of the server's flight
     * (ServerHello, certificate chain, key exchange, hello done) */
    for (int into_server = 1; into_server >= 0; into_server--) {
        for (size_t pos = 0; pos < n; pos += into_server ? 1 : 3) {
            flip_round(into_server, pos, &n);
            failed += lwg_tls_error(into_server ? &srv.tls : &cli.tls, NULL) != 0;
            rounds++;
        }
        n = 1;
    }
    printf("    %zu flipped flights, %zu refused\n", rounds, failed);
    CHECK(failed > rounds / 2);
    check_arena_empty();
    fake_port_seed(0x12345678u);
}

/* ---- memory --------------------------------------------------------------------------- */

static void test_config_errors(void)
{
    const cert_file *der = cert("ca.der");

    CHECK_EQ(lwg_tls_config_init(&ccfg, 7), LWG_EINVAL);
    client_config(&ccfg, NULL, NULL);
    CHECK_EQ(lwg_tls_config_add_ca(&ccfg, (const uint8_t *)"-----BEGIN CERTIFICATE-----\nxx\n"
                                          "-----END CERTIFICATE-----\n", 0), LWG_EINVAL);
    CHECK_EQ(lwg_tls_config_add_ca(&ccfg, der->data, der->len), LWG_OK);   /* DER */
    /* a key that is not the certificate's */
    CHECK_EQ(lwg_tls_config_set_own_cert(&ccfg, cert("client.pem")->data, cert("client.pem")->len,
                                         cert("server.key")->data, cert("server.key")->len),
             LWG_EINVAL);
    CHECK_EQ(lwg_tls_config_set_client_cert(&ccfg, LWG_TLS_CLIENT_CERT_REQUIRED), LWG_EINVAL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    CHECK_EQ(lwg_tls_config_set_client_cert(&scfg, 3), LWG_EINVAL);
    /* the DER CA works */
    sides_reset(10);
    sides_start("localhost");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 10);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();
    check_arena_empty();
}

static lwg_tls_conn many[64];

static void test_arena_exhaustion(void)
{
    static void *filler[2048];
    size_t nfill = 0, nconn = 0;
    int r = LWG_OK, cli_r = 0, srv_r = 0, ok = 0, failures = 0, enomem = 0;

    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(0);
    /* connections until the arena is full: a clean LWG_ENOMEM */
    while (nconn < 64 && (r = lwg_tls_conn_init(&many[nconn], &scfg, &srv.inner_link, NULL, 0)) == LWG_OK)
        nconn++;
    CHECK_EQ(r, LWG_ENOMEM);
    CHECK(nconn >= 2);
    for (size_t i = 0; i < nconn; i++)
        lwg_tls_conn_free(&many[i]);

    /* handshakes that run out of memory at every point on the way: fill
     * the arena, then give 512 bytes back at a time and try again.  Each
     * attempt fails cleanly until one succeeds; no failure may spoil later
     * handshakes (the RSA server's blinding values, see
     * lwg_tls_config_repair()).  Allocation failures inside a signature
     * check show as an untrusted chain (mbedTLS's choice). */
    while (nfill < 2048 && (filler[nfill] = mbedtls_calloc(1, 512)) != NULL)
        nfill++;
    while (nfill > 0 && !ok) {
        mbedtls_free(filler[--nfill]);
        sides_reset(1000);
        if (side_init(&cli, &ccfg, &cli.inner_link, "localhost") != LWG_OK ||
            side_init(&srv, &scfg, &srv.inner_link, NULL) != LWG_OK) {
            side_close(&cli, LWG_OK);
            continue;
        }
        pump(1000, 0, 0);
        ok = cli.in.rx_len == 1000;
        if (!ok) {
            const char *why_c = NULL, *why_s = NULL;
            cli_r = lwg_tls_error(&cli.tls, &why_c);
            srv_r = lwg_tls_error(&srv.tls, &why_s);
            failures++;
            enomem += cli_r == LWG_ENOMEM || srv_r == LWG_ENOMEM;
            if (!(cli_r == LWG_ENOMEM || srv_r == LWG_ENOMEM ||
                  strstr(why_c, "not trusted") != NULL)) {
                fprintf(stderr, "  attempt with %zu fillers: %s / %s\n", nfill, why_c, why_s);
                CHECK(!"failure other than out of memory");
            }
            CHECK_EQ(srv.in.input_calls, 0);
        }
        side_close(&cli, LWG_OK);
        side_close(&srv, LWG_OK);
    }
    CHECK(ok);
    CHECK(enomem >= 3);
    printf("    %d handshakes ran out of memory on the way (%d said so), then one fit\n",
           failures, enomem);
    while (nfill > 0)
        mbedtls_free(filler[--nfill]);
    /* and with the memory back, it works */
    sides_reset(1000);
    sides_start("localhost");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 1000);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();
    check_arena_empty();
}

/* The largest block the arena can give now. */
static size_t largest_block(void)
{
    size_t lo = 0, hi = LWG_TLS_ARENA_SIZE;

    while (lo + 8 < hi) {
        size_t mid = (lo + hi) / 2;
        void *p = mbedtls_calloc(1, mid);
        if (p != NULL) {
            mbedtls_free(p);
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Handshakes leave no lasting block behind them: what RSA contexts cache
 * on first use is made when the config is set up (lwg_tls_config.c), so
 * the arena does not fragment over time - also after a handshake that ran
 * out of memory half way. */
static void test_arena_no_lasting_fragments(void)
{
    static void *filler[2048];
    size_t before, nfill = 0;

    client_config(&ccfg, "ca.pem", "client");
    server_config(&scfg, "server", "ca.pem", LWG_TLS_CLIENT_CERT_REQUIRED);
    before = largest_block();
    for (int i = 0; i < 3; i++) {
        sides_reset(5000);
        sides_start("localhost");
        pump(1000, 0, 0);
        CHECK_EQ(cli.in.rx_len, 5000);
        side_close(&cli, LWG_OK);
        side_close(&srv, LWG_OK);
        CHECK_EQ(largest_block(), before);
    }
    /* one that fails for lack of memory while the server signs */
    while (nfill < 2048 && (filler[nfill] = mbedtls_calloc(1, 256)) != NULL)
        nfill++;
    for (int done = 0; nfill > 0 && !done;) {
        mbedtls_free(filler[--nfill]);
        sides_reset(5000);
        if (side_init(&cli, &ccfg, &cli.inner_link, "localhost") == LWG_OK &&
            side_init(&srv, &scfg, &srv.inner_link, NULL) == LWG_OK) {
            pump(1000, 0, 0);
            done = cli.in.rx_len == 5000;
        }
        side_close(&cli, LWG_OK);
        side_close(&srv, LWG_OK);
    }
    while (nfill > 0)
        mbedtls_free(filler[--nfill]);
    sides_reset(5000);
    sides_start("localhost");
    pump(1000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 5000);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    CHECK_EQ(largest_block(), before);
    configs_free();
    check_arena_empty();
}

/* Arena peak per connection (the table in transport/lwg_tls.h). */
static void measure(const char *what, const char *srv_cert, const char *ca,
                    const char *client_cert, int mode)
{
    size_t cfg_used, cfg_blocks;

    client_config(&ccfg, ca, client_cert);
    server_config(&scfg, srv_cert, client_cert ? ca : NULL, mode);
    cfg_used = arena_used(&cfg_blocks);
    sides_reset(20000);
    sides_start("localhost");
    pump(100000, 0, 0);
    CHECK_EQ(cli.in.rx_len, 20000);
    printf("    arena %-22s client peak %6zu B in %3zu blocks (%6zu after handshake), "
           "server peak %6zu B in %3zu blocks (%6zu after); configs %zu B in %zu blocks\n",
           what, cli.peak, cli.peak_blocks, cli.held, srv.peak, srv.peak_blocks, srv.held,
           cfg_used, cfg_blocks);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();
}

/* The smallest arena (found by bisection with a filler block) in which a
 * client and a server, both in it, complete a handshake and echo data:
 * includes block headers and fragmentation. */
static size_t min_pair_arena(const char *srv_cert, const char *ca, const char *client_cert,
                             int mode)
{
    size_t lo = 0, hi = LWG_TLS_ARENA_SIZE, free_now;

    client_config(&ccfg, ca, client_cert);
    server_config(&scfg, srv_cert, client_cert ? ca : NULL, mode);
    free_now = LWG_TLS_ARENA_SIZE - arena_used(NULL);
    /* largest filler that still lets the pair work */
    while (lo + 64 < hi) {
        size_t mid = (lo + hi) / 2;
        void *filler = mid < free_now ? mbedtls_calloc(1, mid) : NULL;
        int ok = 0;
        if (filler != NULL) {
            sides_reset(2000);
            if (side_init(&cli, &ccfg, &cli.inner_link, "localhost") == LWG_OK &&
                side_init(&srv, &scfg, &srv.inner_link, NULL) == LWG_OK) {
                pump(1000, 0, 0);
                ok = cli.in.rx_len == 2000;
            }
            side_close(&cli, LWG_OK);
            side_close(&srv, LWG_OK);
            mbedtls_free(filler);
        }
        if (ok)
            lo = mid;
        else
            hi = mid;
    }
    configs_free();
    return LWG_TLS_ARENA_SIZE - lo;
}

static void test_arena_peak_per_connection(void)
{
    size_t rsa, ec, mtls;

    printf("    sizeof(lwg_tls_conn) %zu, sizeof(lwg_tls_config) %zu (this host); "
           "records in %d / out %d\n", sizeof(lwg_tls_conn), sizeof(lwg_tls_config),
           LWG_TLS_RECORD_IN, LWG_TLS_RECORD_OUT);
    measure("RSA-2048", "server", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_NONE);
    measure("ECDSA P-256", "server_ec", "ca_ec.pem", NULL, LWG_TLS_CLIENT_CERT_NONE);
    measure("RSA-2048 mTLS", "server", "ca.pem", "client", LWG_TLS_CLIENT_CERT_REQUIRED);
    measure("ECDSA P-256 mTLS", "server_ec", "ca_ec.pem", "client_ec",
            LWG_TLS_CLIENT_CERT_REQUIRED);
    rsa = min_pair_arena("server", "ca.pem", NULL, LWG_TLS_CLIENT_CERT_NONE);
    ec = min_pair_arena("server_ec", "ca_ec.pem", NULL, LWG_TLS_CLIENT_CERT_NONE);
    mtls = min_pair_arena("server", "ca.pem", "client", LWG_TLS_CLIENT_CERT_REQUIRED);
    printf("    smallest arena for configs + a client and a server handshaking at once "
           "(headers included): RSA %zu B, ECDSA %zu B, RSA mTLS %zu B\n", rsa, ec, mtls);
    CHECK(rsa > 0 && ec > 0 && mtls > 0);
    check_arena_empty();
}

/* ---- HTTP/2 over TLS ---------------------------------------------------------------- */

static int h2_ready[2], h2_acks;

static void h2_on_ready(lwg_h2_conn *c) { h2_ready[c == &h2s]++; }
static void h2_on_ping_ack(lwg_h2_conn *c, const uint8_t opaque[8])
{
    (void)c;
    if (memcmp(opaque, "lwgtls!!", 8) == 0)
        h2_acks++;
}

static void test_http2_over_tls(void)
{
    static const lwg_h2_callbacks cb = { .on_ready = h2_on_ready, .on_ping_ack = h2_on_ping_ack };
    lwg_link lc = { &lwg_h2_link_ops, &h2c }, ls = { &lwg_h2_link_ops, &h2s };

    client_config(&ccfg, "ca.pem", NULL);
    server_config(&scfg, "server", NULL, LWG_TLS_CLIENT_CERT_NONE);
    sides_reset(0);
    CHECK_EQ(lwg_h2_conn_init(&h2c, 0, &cb, NULL, NULL, 0), LWG_OK);
    CHECK_EQ(lwg_h2_conn_init(&h2s, 1, &cb, NULL, NULL, 0), LWG_OK);
    CHECK_EQ(side_init(&cli, &ccfg, &lc, "localhost"), LWG_OK);
    CHECK_EQ(side_init(&srv, &scfg, &ls, NULL), LWG_OK);
    pump(100000, 1, 1); /* the preface and SETTINGS, byte by byte */
    CHECK_EQ(h2_ready[0], 1);
    CHECK_EQ(h2_ready[1], 1);
    CHECK_EQ(lwg_h2_submit_ping(&h2c, (const uint8_t *)"lwgtls!!"), LWG_OK);
    pump(1000, 0, 0);
    CHECK_EQ(h2_acks, 1);
    CHECK_EQ(lwg_h2_conn_error(&h2c, NULL), 0);
    CHECK_EQ(lwg_h2_conn_error(&h2s, NULL), 0);
    side_close(&cli, LWG_OK);
    side_close(&srv, LWG_OK);
    configs_free();
    check_arena_empty();
}

/* ---- mbedTLS references no allocator --------------------------------------------------- */

static void test_mbedtls_noheap(void)
{
    char line[512];
    int ok = 0;
    FILE *p = popen("toolchain/check_noheap.sh " LWG_TEST_MBEDTLS_LIB " nm", "r");

    CHECK(p != NULL);
    if (p == NULL)
        return;
    while (fgets(line, sizeof line, p) != NULL) {
        printf("    %s", line);
        if (strncmp(line, "ok   noheap", 11) == 0)
            ok = 1;
    }
    CHECK_EQ(pclose(p), 0);
    CHECK(ok);
}

int main(void)
{
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + (i >> 8));
    certs_make();
    CHECK_EQ(lwg_tls_init(), LWG_OK);
    RUN(test_echo_rsa);
    RUN(test_echo_ecdsa);
    RUN(test_echo_input_one_byte_at_a_time);
    RUN(test_echo_output_fails_after_every_byte);
    RUN(test_echo_both_one_byte);
    RUN(test_echo_inner_takes_little);
    RUN(test_each_cipher_suite);
    RUN(test_mtls_peer_identity);
    RUN(test_server_name_override);
    RUN(test_fail_wrong_ca);
    RUN(test_fail_wrong_host_name);
    RUN(test_fail_expired_and_future);
    RUN(test_fail_client_certificate);
    RUN(test_fail_no_alpn_h2);
    RUN(test_fail_plaintext_client);
    RUN(test_fail_plaintext_server);
    RUN(test_handshake_timeout);
    RUN(test_fail_tampered_record);
    RUN(test_flipped_bytes_in_the_first_flights);
    RUN(test_config_errors);
    RUN(test_arena_exhaustion);
    RUN(test_arena_no_lasting_fragments);
    RUN(test_http2_over_tls);
    RUN(test_arena_peak_per_connection);
    RUN(test_mbedtls_noheap);
    return lwg_test_summary();
}
