/*
 * test_rx_room.c - a call's receive buffer with room for several messages
 * (LWG_CALL_RX_BUF, here four 1000-byte messages: tests/unit/rx_room_opts.h).
 * An lwgrpc client and server joined in memory, the fake clock.
 *
 * What it shows: each stream's window is the whole buffer, in both
 * directions; while the application holds one message the peer may send
 * exactly as many more as fit, then waits, and releasing the message lets
 * the rest through; a message larger than LWG_MAX_RECV_MESSAGE is still
 * refused although the buffer could hold it.
 */
#include "lwg_test.h"
#include "fake/link_pair.h"
#include "core/lwg_channel.h"
#include "core/lwg_server.h"
#include "transport/lwg_h2.h"

#define MSG  1000
#define ROOM (LWG_CALL_RX_BUF / (MSG + 5))

static lwg_channel ch;
static lwg_server srv;
static link_pair pair;

/* ---- server: ServerStream sends `sent_goal` messages of MSG bytes, the
 * i-th filled with byte i; ClientStream counts what it received -------- */

static const lwg_method m_sstream = { "/t.S/ServerStream", LWG_RPC_SERVER_STREAMING, NULL, NULL };
static const lwg_method m_cstream = { "/t.S/ClientStream", LWG_RPC_CLIENT_STREAMING, NULL, NULL };
static const lwg_method m_big = { "/t.S/Big", LWG_RPC_SERVER_STREAMING, NULL, NULL };

static int sent, sent_goal, srv_received, srv_hold, srv_done_count;
static lwg_call *srv_held;

static void ss_send(lwg_call *call)
{
    static uint8_t msg[MSG];
    while (sent < sent_goal) {
        memset(msg, sent, sizeof msg);
        int r = lwg_call_send(call, msg, sizeof msg);
        if (r == LWG_EAGAIN)
            return; /* on_send_ready resumes */
        CHECK_EQ(r, LWG_OK);
        sent++;
    }
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static int ss_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    (void)call;
    (void)m;
    CHECK_EQ(n, 1);
    return LWG_OK;
}

static int cs_msg(lwg_call *call, const uint8_t *m, size_t n)
{
    CHECK_EQ(n, MSG);
    CHECK_EQ(m[0], (uint8_t)srv_received);
    srv_received++;
    if (srv_hold && srv_received == 1) {
        srv_held = call;
        return LWG_EAGAIN;
    }
    return LWG_OK;
}

static void cs_half_close(lwg_call *call)
{
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

/* Big: one message of LWG_MAX_RECV_MESSAGE + 1 bytes */
static void big_send(lwg_call *call)
{
    static uint8_t msg[LWG_MAX_RECV_MESSAGE + 1];
    CHECK_EQ(lwg_call_send(call, msg, sizeof msg), LWG_OK);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static void srv_done(lwg_call *call)
{
    (void)call;
    srv_done_count++;
}

static const lwg_handler handlers[] = {
    { &m_sstream, NULL, ss_msg, ss_send, ss_send, srv_done, NULL },
    { &m_cstream, NULL, cs_msg, cs_half_close, NULL, srv_done, NULL },
    { &m_big, NULL, ss_msg, big_send, NULL, srv_done, NULL },
};
static const lwg_service service = { "t.S", handlers, 3 };

/* ---- client ------------------------------------------------------------ */

static lwg_call call;
static int received, done, hold;

static int c_msg(lwg_call *c, const uint8_t *m, size_t n)
{
    (void)c;
    CHECK_EQ(n, MSG);
    CHECK_EQ(m[0], (uint8_t)received);
    CHECK_EQ(m[n - 1], (uint8_t)received);
    received++;
    return hold && received == 1 ? LWG_EAGAIN : LWG_OK;
}
static void c_status(lwg_call *c)
{
    (void)c;
    done++;
}
static const lwg_call_cbs cbs = { NULL, c_msg, NULL, c_status };

static void setup(void)
{
    CHECK_EQ(link_pair_init(&pair, &ch, &srv, &service), LWG_OK);
    sent = sent_goal = srv_received = srv_hold = srv_done_count = 0;
    received = done = hold = 0;
    srv_held = NULL;
}

/* Both ends grant each stream the whole buffer as its window. */
static void test_window_is_the_buffer(void)
{
    static const uint8_t one = 1;

    setup();
    CHECK_EQ(ROOM, 4);
    CHECK_EQ(sizeof call.rx_buf, (size_t)LWG_CALL_RX_BUF);
    sent_goal = 1;
    CHECK_EQ(lwg_call_start(&ch, &call, &m_sstream, NULL, &cbs, NULL), LWG_OK);
    CHECK_EQ(lwg_call_send(&call, &one, 1), LWG_OK);
    lwg_call_close_send(&call);
    link_pair_pump(&pair, 50);
    CHECK_EQ(done, 1);
    CHECK(pair.cl != NULL && pair.sl != NULL);
    CHECK_EQ(ch.conns[0].h2.peer.initial_window, (uint32_t)LWG_CALL_RX_BUF);
    CHECK_EQ(srv.conns[0].h2.peer.initial_window, (uint32_t)LWG_CALL_RX_BUF);
}

/* The client holds the first message: the server gets exactly ROOM
 * messages out (the window), then waits; released, the rest follow. */
static void test_held_message_leaves_room_for_the_rest(void)
{
    static const uint8_t one = 1;

    setup();
    hold = 1;
    sent_goal = 10;
    CHECK_EQ(lwg_call_start(&ch, &call, &m_sstream, NULL, &cbs, NULL), LWG_OK);
    CHECK_EQ(lwg_call_send(&call, &one, 1), LWG_OK);
    lwg_call_close_send(&call);
    link_pair_pump(&pair, 50);
    CHECK_EQ(received, 1);              /* the first is held, so no more */
    CHECK_EQ(sent, ROOM + 1);           /* ROOM went out; the next is queued */
    CHECK_EQ(call.rx_len, (uint32_t)(ROOM * (MSG + 5)));
    CHECK_EQ(((lwg_h2_stream *)call.stream)->recv_window, 0);
    CHECK_EQ(done, 0);

    lwg_call_recv_done(&call);
    link_pair_pump(&pair, 100);
    CHECK_EQ(received, 10);
    CHECK_EQ(done, 1);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
    CHECK_EQ(srv_done_count, 1);
}

/* The same towards the server: it holds the first request message. */
/* rounds of: offer message *out (filled with byte *out) if the call
 * takes it, then one pump; stops early once `goal` went out */
static void send_rounds(int rounds, int goal, int *out)
{
    static uint8_t msg[MSG];

    for (int round = 0; round < rounds && *out < goal; round++) {
        memset(msg, *out, sizeof msg);
        if (lwg_call_send(&call, msg, sizeof msg) == LWG_OK)
            (*out)++;
        link_pair_pump(&pair, 1);
    }
}

static void test_server_holds_a_message(void)
{
    int out = 0;

    setup();
    srv_hold = 1;
    CHECK_EQ(lwg_call_start(&ch, &call, &m_cstream, NULL, &cbs, NULL), LWG_OK);
    send_rounds(50, 10, &out);
    /* held: the client got ROOM messages out, the next is queued */
    CHECK_EQ(srv_received, 1);
    CHECK_EQ(out, ROOM + 1);
    CHECK(srv_held != NULL);
    lwg_call_recv_done(srv_held);
    send_rounds(50, 10, &out);
    CHECK_EQ(out, 10);
    lwg_call_close_send(&call);
    link_pair_pump(&pair, 50);
    CHECK_EQ(srv_received, 10);
    CHECK_EQ(done, 1);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_OK);
}

/* The buffer could hold a larger message, but LWG_MAX_RECV_MESSAGE is
 * the limit: a 1001-byte response ends the call with RESOURCE_EXHAUSTED. */
static void test_larger_message_still_refused(void)
{
    static const uint8_t one = 1;

    setup();
    CHECK_EQ(lwg_call_start(&ch, &call, &m_big, NULL, &cbs, NULL), LWG_OK);
    CHECK_EQ(lwg_call_send(&call, &one, 1), LWG_OK);
    lwg_call_close_send(&call);
    link_pair_pump(&pair, 50);
    CHECK_EQ(received, 0);
    CHECK_EQ(done, 1);
    CHECK_EQ(lwg_call_status(&call), LWG_STATUS_RESOURCE_EXHAUSTED);
}

int main(void)
{
    RUN(test_window_is_the_buffer);
    RUN(test_held_message_leaves_room_for_the_rest);
    RUN(test_server_holds_a_message);
    RUN(test_larger_message_still_refused);
    return lwg_test_summary();
}
