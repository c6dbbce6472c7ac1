/*
 * test_channel_life.c - the connection life cycle on the fake clock: a
 * channel and a server joined in memory through a tiny "network" the test
 * controls (connects succeed or fail, bytes flow or are black-holed).
 *
 * Backoff timing against doc/connection-backoff.md's bounds, connect
 * timeout, fail-fast vs wait_for_ready, keepalive PING and its timeout,
 * too_many_pings doubling the keepalive time, GOAWAY drain with a
 * transparent retry on a new connection, channel idle timeout, server
 * max_connection_idle / max_connection_age with the double GOAWAY, and
 * all of it across the clock's 2^32 wrap.
 */
#include "lwg_test.h"
#include "fake/fake_port.h"
#include "core/lwg_channel.h"
#include "core/lwg_server.h"

#include <stdlib.h>

/* ---- the network ------------------------------------------------------ */

#define MAX_PIPES 8

typedef struct pipe_pair {
    const lwg_link *cl;      /* client side (a channel slot)  */
    const lwg_link *sl;      /* server side (NULL: not accepted) */
    int open;
} pipe_pair;

static lwg_channel ch;
static lwg_server srv;
static pipe_pair pipes[MAX_PIPES];
static int connect_ok = 1;       /* new connects succeed            */
static int blackhole;            /* drop every byte both ways       */
static int server_mute;          /* drop server -> client bytes     */
static int client_stall;         /* client bytes stay in its buffer */
static int connects;             /* connect attempts                */
static uint32_t attempt_at[64];  /* clock at each attempt           */

static void net_reset(void)
{
    memset(pipes, 0, sizeof pipes);
    connect_ok = 1;
    blackhole = server_mute = client_stall = 0;
    connects = 0;
}

static void move(const lwg_link *from, const lwg_link *to, int drop)
{
    size_t n;
    const uint8_t *p = from->ops->output(from->ctx, &n);
    int r;

    if (n == 0)
        return;
    if (drop || to == NULL) {
        from->ops->output_done(from->ctx, n);
        return;
    }
    r = to->ops->input(to->ctx, p, n, lwg_port_now_ms());
    from->ops->output_done(from->ctx, r > 0 ? (size_t)r : n);
}

static void close_pipe(pipe_pair *pp)
{
    pp->open = 0;
    pp->cl->ops->closed(pp->cl->ctx, LWG_OK);
    if (pp->sl)
        pp->sl->ops->closed(pp->sl->ctx, LWG_OK);
}

/* One round of the event loop. */
static void step(void)
{
    const lwg_link *l;
    uint32_t now = lwg_port_now_ms();

    while ((l = lwg_channel_connect(&ch, now)) != NULL) {
        pipe_pair *pp = NULL;
        for (int i = 0; i < MAX_PIPES && pp == NULL; i++)
            if (!pipes[i].open)
                pp = &pipes[i];
        if (connects < 64)
            attempt_at[connects] = now;
        connects++;
        if (!connect_ok || pp == NULL) {
            l->ops->closed(l->ctx, LWG_EIO);
            continue;
        }
        pp->cl = l;
        pp->sl = lwg_server_accept(&srv, now);
        pp->open = 1;
    }
    for (int i = 0; i < MAX_PIPES; i++) {
        pipe_pair *pp = &pipes[i];
        if (!pp->open)
            continue;
        if (!client_stall)
            move(pp->cl, pp->sl, blackhole);
        if (pp->sl)
            move(pp->sl, pp->cl, blackhole || server_mute);
        pp->cl->ops->tick(pp->cl->ctx, now);
        if (pp->sl)
            pp->sl->ops->tick(pp->sl->ctx, now);
        if (pp->cl->ops->wants_close(pp->cl->ctx) ||
            (pp->sl && pp->sl->ops->wants_close(pp->sl->ctx))) {
            move(pp->cl, pp->sl, blackhole);
            if (pp->sl)
                move(pp->sl, pp->cl, blackhole || server_mute);
            close_pipe(pp);
        }
    }
    lwg_channel_tick(&ch, now);
}

/* Run the loop for `ms` of fake time in steps of `dt`. */
static void run_for(uint32_t ms, uint32_t dt)
{
    for (uint32_t t = 0; t < ms; t += dt) {
        step();
        fake_port_advance(dt);
    }
    step();
}

static int open_pipes(void)
{
    int n = 0;
    for (int i = 0; i < MAX_PIPES; i++)
        n += pipes[i].open;
    return n;
}

/* ---- a service --------------------------------------------------------- */

static const lwg_method m_echo = { "/t.S/Echo", LWG_RPC_UNARY, NULL, NULL };
static const lwg_method m_hold = { "/t.S/Hold", LWG_RPC_SERVER_STREAMING, NULL, NULL };
static int srv_started;
static lwg_call *held_calls[8];
static int n_held;

static int echo_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    lwg_call_send(call, m, n);
    return LWG_OK;
}
static void echo_end(lwg_call *call)
{
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}
static void hold_start(lwg_call *call)
{
    srv_started++;
    if (n_held < 8)
        held_calls[n_held++] = call;
}
static void hold_done(lwg_call *call)
{
    for (int i = 0; i < n_held; i++)
        if (held_calls[i] == call)
            held_calls[i] = NULL;
}
static void echo_start(lwg_call *call)
{
    (void)call;
    srv_started++;
}

static const lwg_handler handlers[] = {
    { &m_echo, echo_start, echo_msg, echo_end, NULL, NULL, NULL },
    { &m_hold, hold_start, NULL, NULL, NULL, hold_done, NULL },
};
static const lwg_service service = { "t.S", handlers, 2 };

/* ---- client calls ---------------------------------------------------------- */

typedef struct outcome {
    int done;
    int status;
    int messages;
} outcome;

static int c_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    (void)m;
    (void)n;
    ((outcome *)call->user)->messages++;
    return LWG_OK;
}
static void c_status(lwg_call *call)
{
    outcome *o = call->user;
    o->done++;
    o->status = lwg_call_status(call);
}
static const lwg_call_cbs cbs = { NULL, c_msg, NULL, c_status };

static lwg_call calls[4];
static outcome out[4];

static void start_echo(int i, const lwg_call_opts *opts)
{
    CHECK_EQ(lwg_call_start(&ch, &calls[i], &m_echo, opts, &cbs, &out[i]), LWG_OK);
    lwg_call_send(&calls[i], (const uint8_t *)"ping", 4);
    lwg_call_close_send(&calls[i]);
}

static int states_seen[16];
static int n_states;
static void on_state(lwg_channel *c, int state)
{
    (void)c;
    if (n_states < 16)
        states_seen[n_states++] = state;
}

static void setup(uint32_t start_ms, const lwg_channel_opts *copts, const lwg_server_opts *sopts)
{
    fake_port_set_now(start_ms);
    fake_port_seed(7);
    net_reset();
    memset(out, 0, sizeof out);
    n_states = 0;
    n_held = 0;
    srv_started = 0;
    CHECK_EQ(lwg_channel_init(&ch, "test:1", lwg_port_now_ms()), LWG_OK);
    lwg_channel_set_opts(&ch, copts);
    lwg_server_init(&srv, NULL);
    lwg_server_set_opts(&srv, sopts);
    CHECK_EQ(lwg_server_add_service(&srv, &service), LWG_OK);
}

/* ---- cases ------------------------------------------------------------------- */

static void test_unary_and_states(void)
{
    static const lwg_channel_opts o = { .on_state_change = on_state };

    setup(5000, &o, NULL);
    start_echo(0, NULL);
    run_for(50, 5);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_OK);
    CHECK_EQ(out[0].messages, 1);
    CHECK_EQ(lwg_channel_state(&ch), LWG_CHANNEL_READY);
    CHECK(n_states >= 2 && states_seen[0] == LWG_CHANNEL_CONNECTING &&
          states_seen[1] == LWG_CHANNEL_READY);
}

/* doc/connection-backoff.md: 1 s, then x1.6 with +-20 % jitter, max 120 s */
static void backoff_case(uint32_t start_ms)
{
    lwg_call_opts wfr = { .wait_for_ready = 1, .timeout_ms = 600000 };
    double backoff = 1000;

    setup(start_ms, NULL, NULL);
    connect_ok = 0;
    start_echo(0, &wfr);
    run_for(400000, 10);
    CHECK(connects >= 8);
    CHECK_EQ(out[0].done, 0); /* wait_for_ready: still waiting */
    /* the first retry comes INITIAL_BACKOFF after the first attempt */
    CHECK_EQ((uint32_t)(attempt_at[1] - attempt_at[0]), 1000);
    for (int k = 2; k < connects && k < 64; k++) {
        uint32_t gap = attempt_at[k] - attempt_at[k - 1];
        backoff = backoff * 1.6 > 120000 ? 120000 : backoff * 1.6;
        /* jitter +-20 %, one 10 ms step of slack */
        if (!(gap + 10 >= (uint32_t)(backoff * 0.8) && gap <= (uint32_t)(backoff * 1.2) + 10)) {
            char m[96];
            snprintf(m, sizeof m, "attempt %d: gap %u ms outside %.0f +-20%%", k, gap, backoff);
            lwg_test_fail(__FILE__, __LINE__, m);
            break;
        }
    }
    CHECK_EQ(lwg_channel_state(&ch), LWG_CHANNEL_TRANSIENT_FAILURE);
    /* a fail-fast call in TRANSIENT_FAILURE ends UNAVAILABLE at once */
    start_echo(1, NULL);
    step();
    CHECK_EQ(out[1].done, 1);
    CHECK_EQ(out[1].status, LWG_STATUS_UNAVAILABLE);
    /* the server comes back: the waiting call completes */
    connect_ok = 1;
    run_for(130000, 10);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_OK);
    CHECK_EQ(lwg_channel_state(&ch), LWG_CHANNEL_READY);
}

static void test_backoff(void)
{
    backoff_case(1000);
}

static void test_backoff_across_clock_wrap(void)
{
    backoff_case(0xffffff00u);
}

static void test_fail_fast_unavailable(void)
{
    setup(1000, NULL, NULL);
    connect_ok = 0;
    start_echo(0, NULL);
    run_for(20, 5);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_UNAVAILABLE);
}

static void test_wait_for_ready_deadline(void)
{
    lwg_call_opts wfr = { .wait_for_ready = 1, .timeout_ms = 5000 };

    setup(1000, NULL, NULL);
    connect_ok = 0;
    start_echo(0, &wfr);
    run_for(4900, 10);
    CHECK_EQ(out[0].done, 0);
    run_for(200, 10);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_DEADLINE_EXCEEDED);
}

static void test_connect_timeout(void)
{
    /* under the engine's 10 s SETTINGS-ACK timeout, so this one shows */
    static const lwg_channel_opts o = { .min_connect_timeout_ms = 5000 };
    lwg_call_opts wfr = { .wait_for_ready = 1 };

    setup(1000, &o, NULL);
    blackhole = 1; /* connects, but the server's SETTINGS never come */
    start_echo(0, &wfr);
    run_for(4900, 10);
    CHECK_EQ(connects, 1);
    CHECK_EQ(open_pipes(), 1);
    run_for(200, 10);
    /* gave up after 5 s; the backoff deadline (1 s) has passed, so the
     * next attempt starts at once (connection-backoff.md) */
    CHECK_EQ(connects, 2);
    CHECK_EQ(open_pipes(), 1);
    CHECK_EQ(out[0].done, 0);
    blackhole = 0;
    run_for(5000, 10);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_OK);
}

static void test_keepalive_ping_timeout(void)
{
    static const lwg_channel_opts o = { .keepalive_time_ms = 10000, .keepalive_timeout_ms = 2000 };
    /* the server allows PINGs every 10 s (its default 5 min would answer
     * too_many_pings, see the next case) */
    static const lwg_server_opts so = { .keepalive_min_time_ms = 10000 };

    setup(0xfffff000u, &o, &so);
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_hold, NULL, &cbs, &out[0]), LWG_OK);
    lwg_call_send(&calls[0], (const uint8_t *)"x", 1);
    lwg_call_close_send(&calls[0]);
    run_for(100, 10);
    CHECK_EQ(srv_started, 1);
    /* the peer answers PINGs: the connection stays up */
    run_for(30000, 10);
    CHECK_EQ(open_pipes(), 1);
    CHECK_EQ(out[0].done, 0);
    /* the peer goes silent: PING after 10 s of silence, dead 2 s later */
    server_mute = 1;
    run_for(11000, 10);
    CHECK_EQ(open_pipes(), 1);
    run_for(1500, 10);
    CHECK_EQ(open_pipes(), 0);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_UNAVAILABLE);
}

static void test_too_many_pings_doubles_keepalive(void)
{
    static const lwg_channel_opts co = { .keepalive_time_ms = 10000,
                                         .keepalive_permit_without_stream = 1 };
    static const lwg_server_opts so = { .keepalive_min_time_ms = 60000,
                                        .keepalive_permit_without_stream = 1 };
    lwg_call_opts wfr = { .wait_for_ready = 1 };

    setup(1000, &co, &so);
    start_echo(0, NULL);
    run_for(100, 10);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(lwg_channel_keepalive_time(&ch), 10000);
    /* PINGs every 10 s against a 60 s minimum: strikes, then GOAWAY */
    run_for(60000, 10);
    CHECK_EQ(lwg_channel_keepalive_time(&ch), 20000);
    /* the channel reconnects for the next call and it works */
    start_echo(1, &wfr);
    run_for(3000, 10);
    CHECK_EQ(out[1].done, 1);
    CHECK_EQ(out[1].status, LWG_STATUS_OK);
}

static void test_goaway_retry_on_new_connection(void)
{
    setup(1000, NULL, NULL);
    /* a held call keeps the first connection busy */
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_hold, NULL, &cbs, &out[0]), LWG_OK);
    lwg_call_send(&calls[0], (const uint8_t *)"x", 1);
    lwg_call_close_send(&calls[0]);
    run_for(50, 5);
    CHECK_EQ(srv_started, 1);
    /* the server says GOAWAY with last id 1: stream 3 never reaches it */
    start_echo(1, NULL);
    lwg_h2_submit_goaway(&srv.conns[0].h2, 1, LWG_H2_NO_ERROR, "test");
    run_for(100, 5);
    CHECK_EQ(out[1].done, 1);
    CHECK_EQ(out[1].status, LWG_STATUS_OK); /* retried transparently */
    CHECK(calls[1].retried);
    CHECK_EQ(connects, 2);
    CHECK_EQ(out[0].done, 0); /* the old call still runs on the old one */
    CHECK(held_calls[0] != NULL);
    lwg_call_finish(held_calls[0], LWG_STATUS_OK, NULL, NULL, 0);
    run_for(100, 5);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_OK);
    CHECK_EQ(open_pipes(), 1); /* the drained connection closed */
}

/* The connection dies while a call's HEADERS are still in our buffer: the
 * server never saw it, so it goes on the next connection (not UNAVAILABLE),
 * and it is not counted as the one transparent retry. */
static void test_unsent_call_survives_connection_loss(void)
{
    setup(1000, NULL, NULL);
    start_echo(0, NULL);
    run_for(50, 5);
    CHECK_EQ(out[0].done, 1);
    client_stall = 1;
    start_echo(1, NULL);
    run_for(20, 5);
    CHECK_EQ(out[1].done, 0);
    for (int i = 0; i < MAX_PIPES; i++)
        if (pipes[i].open)
            close_pipe(&pipes[i]);
    client_stall = 0;
    run_for(50, 5);
    CHECK_EQ(out[1].done, 1);
    CHECK_EQ(out[1].status, LWG_STATUS_OK);
    CHECK(!calls[1].retried);
    CHECK_EQ(connects, 2);
}

static void test_channel_idle_timeout(void)
{
    static const lwg_channel_opts o = { .idle_timeout_ms = 5000 };

    setup(1000, &o, NULL);
    start_echo(0, NULL);
    run_for(100, 10);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(open_pipes(), 1);
    run_for(4800, 10);
    CHECK_EQ(open_pipes(), 1);
    run_for(300, 10);
    CHECK_EQ(open_pipes(), 0);
    CHECK_EQ(lwg_channel_state(&ch), LWG_CHANNEL_IDLE);
    start_echo(1, NULL);
    run_for(100, 10);
    CHECK_EQ(out[1].done, 1);
    CHECK_EQ(connects, 2);
}

static void test_server_max_idle(void)
{
    static const lwg_server_opts so = { .max_connection_idle_ms = 10000 };

    setup(1000, NULL, &so);
    start_echo(0, NULL);
    run_for(100, 10);
    CHECK_EQ(out[0].done, 1);
    run_for(8500, 10);  /* -10 % jitter: not before 9 s */
    CHECK_EQ(open_pipes(), 1);
    run_for(3000, 10);  /* +10 %: by 11 s */
    CHECK_EQ(open_pipes(), 0);
    CHECK_EQ(lwg_channel_state(&ch), LWG_CHANNEL_IDLE);
}

static void test_server_max_age_double_goaway(void)
{
    static const lwg_server_opts so = { .max_connection_age_ms = 10000,
                                        .max_connection_age_grace_ms = 5000 };
    lwg_call_opts wfr = { .wait_for_ready = 1 };

    setup(1000, NULL, &so);
    CHECK_EQ(lwg_call_start(&ch, &calls[0], &m_hold, NULL, &cbs, &out[0]), LWG_OK);
    lwg_call_send(&calls[0], (const uint8_t *)"x", 1);
    lwg_call_close_send(&calls[0]);
    run_for(8500, 10);
    CHECK_EQ(srv.conns[0].drain, LWG_DRAIN_NONE);
    run_for(3000, 10);
    CHECK_EQ(srv.conns[0].drain, LWG_DRAIN_FINAL); /* GOAWAY, PING, GOAWAY */
    /* a new call goes to a new connection and works */
    start_echo(1, &wfr);
    run_for(100, 10);
    CHECK_EQ(out[1].done, 1);
    CHECK_EQ(out[1].status, LWG_STATUS_OK);
    CHECK_EQ(out[0].done, 0);
    /* the held call outlives the grace: the old connection is closed */
    run_for(6000, 10);
    CHECK_EQ(out[0].done, 1);
    CHECK_EQ(out[0].status, LWG_STATUS_UNAVAILABLE);
}

static void test_server_graceful_shutdown(void)
{
    setup(1000, NULL, NULL);
    start_echo(0, NULL);
    CHECK_EQ(lwg_call_start(&ch, &calls[1], &m_hold, NULL, &cbs, &out[1]), LWG_OK);
    lwg_call_send(&calls[1], (const uint8_t *)"x", 1);
    lwg_call_close_send(&calls[1]);
    run_for(100, 10);
    CHECK_EQ(out[0].done, 1);
    lwg_server_shutdown(&srv, 2000, lwg_port_now_ms());
    CHECK(lwg_server_accept(&srv, lwg_port_now_ms()) == NULL);
    run_for(100, 10);
    CHECK(held_calls[0] != NULL);
    lwg_call_finish(held_calls[0], LWG_STATUS_OK, NULL, NULL, 0);
    run_for(100, 10);
    CHECK_EQ(out[1].done, 1);
    CHECK_EQ(out[1].status, LWG_STATUS_OK); /* finished within the grace */
    CHECK_EQ(lwg_server_connections(&srv), 0);
}

int main(void)
{
    RUN(test_unary_and_states);
    RUN(test_backoff);
    RUN(test_backoff_across_clock_wrap);
    RUN(test_fail_fast_unavailable);
    RUN(test_wait_for_ready_deadline);
    RUN(test_connect_timeout);
    RUN(test_keepalive_ping_timeout);
    RUN(test_too_many_pings_doubles_keepalive);
    RUN(test_goaway_retry_on_new_connection);
    RUN(test_unsent_call_survives_connection_loss);
    RUN(test_channel_idle_timeout);
    RUN(test_server_max_idle);
    RUN(test_server_max_age_double_goaway);
    RUN(test_server_graceful_shutdown);
    return lwg_test_summary();
}
