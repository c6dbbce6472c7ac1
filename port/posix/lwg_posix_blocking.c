/*
 * lwg_posix_blocking.c - the blocking client API of the POSIX port, built
 * on the asynchronous call API: each function pumps lwg_posix_poll() for
 * the call's client until what it waits for has happened.  Messages are
 * held in the call's receive buffer (on_message returns LWG_EAGAIN) until
 * recv takes them, so nothing is copied twice and flow control stops the
 * server while the application is not reading.
 */
#include "port/posix/lwg_posix.h"

#include <stdio.h>
#include <string.h>

#include <pb_decode.h>

#define PUMP_SLICE_MS 100

static lwg_posix_call *of(lwg_call *call)
{
    return (lwg_posix_call *)call->user;
}

static void cb_headers(lwg_call *call)
{
    of(call)->headers = 1;
}

static int cb_message(lwg_call *call, const uint8_t *msg, size_t len)
{
    lwg_posix_call *pc = of(call);

    pc->held = 1;
    pc->msg = msg;
    pc->msg_len = len;
    return LWG_EAGAIN; /* keep it until recv takes it */
}

static void cb_status(lwg_call *call)
{
    of(call)->done = 1;
}

static const lwg_call_cbs blocking_cbs = {
    .on_headers = cb_headers,
    .on_message = cb_message,
    .on_status = cb_status,
};

static void pump(lwg_posix_call *pc)
{
    lwg_posix_client *clients[1] = { pc->client };

    (void)lwg_posix_poll(clients, 1, NULL, 0, PUMP_SLICE_MS);
}

int lwg_posix_call_start(lwg_posix_call *pc, lwg_posix_client *client,
                         const lwg_method *method, const lwg_call_opts *opts)
{
    pc->client = client;
    pc->done = pc->headers = pc->held = 0;
    pc->msg = NULL;
    pc->msg_len = 0;
    {
        int r = lwg_call_start(client->channel, &pc->call, method, opts, &blocking_cbs, pc);
        if (r != LWG_OK) {
            /* never started: it is over, with a status saying why */
            pc->done = 1;
            pc->call.status_code = r == LWG_ECLOSED ? LWG_STATUS_UNAVAILABLE
                                                    : LWG_STATUS_INVALID_ARGUMENT;
            snprintf(pc->call.status_msg, sizeof pc->call.status_msg, "%s",
                     r == LWG_ECLOSED ? "channel shut down" : "invalid call options");
            pc->call.status_msg_len = (uint16_t)strlen(pc->call.status_msg);
        }
        return r;
    }
}

int lwg_posix_call_send(lwg_posix_call *pc, const uint8_t *msg, size_t len)
{
    for (;;) {
        int r = lwg_call_send(&pc->call, msg, len);
        if (r != LWG_EAGAIN)
            return r;
        if (pc->done)
            return LWG_ECLOSED;
        pump(pc);
    }
}

int lwg_posix_call_send_pb(lwg_posix_call *pc, const struct pb_msgdesc_s *fields, const void *src)
{
    for (;;) {
        int r = lwg_call_send_pb(&pc->call, fields, src);
        if (r != LWG_EAGAIN)
            return r;
        if (pc->done)
            return LWG_ECLOSED;
        pump(pc);
    }
}

int lwg_posix_call_close_send(lwg_posix_call *pc)
{
    if (pc->done)
        return LWG_ECLOSED;
    return lwg_call_close_send(&pc->call);
}

/* Wait until a message is held or the call is over. */
static int wait_message(lwg_posix_call *pc)
{
    while (!pc->held && !pc->done)
        pump(pc);
    return pc->held ? LWG_OK : LWG_ECLOSED;
}

static void release(lwg_posix_call *pc)
{
    pc->held = 0;
    pc->msg = NULL;
    lwg_call_recv_done(&pc->call);
}

int lwg_posix_call_recv_pb(lwg_posix_call *pc, const struct pb_msgdesc_s *fields, void *dst)
{
    int r = wait_message(pc);

    if (r != LWG_OK)
        return r;
    r = lwg_call_decode_pb(pc->msg, pc->msg_len, fields, dst);
    release(pc);
    return r;
}

int lwg_posix_call_recv(lwg_posix_call *pc, uint8_t *buf, size_t size, size_t *len)
{
    int r = wait_message(pc);

    if (r != LWG_OK)
        return r;
    if (pc->msg_len > size) {
        release(pc);
        return LWG_ETOOBIG;
    }
    if (pc->msg_len)
        memcpy(buf, pc->msg, pc->msg_len);
    if (len)
        *len = pc->msg_len;
    release(pc);
    return LWG_OK;
}

int lwg_posix_call_wait_headers(lwg_posix_call *pc)
{
    while (!pc->headers && !pc->done && !pc->held)
        pump(pc);
    return pc->headers ? LWG_OK : LWG_ECLOSED;
}

int lwg_posix_call_finish(lwg_posix_call *pc)
{
    while (!pc->done) {
        if (pc->held)
            release(pc); /* unread messages are dropped */
        pump(pc);
    }
    return lwg_call_status(&pc->call);
}

int lwg_posix_unary(lwg_posix_call *pc, lwg_posix_client *client, const lwg_method *method,
                    const lwg_call_opts *opts, const void *request, void *response)
{
    int r = lwg_posix_call_start(pc, client, method, opts);
    int got = 0;

    if (r != LWG_OK)
        return LWG_STATUS_INVALID_ARGUMENT;
    if (lwg_posix_call_send_pb(pc, method->request, request) == LWG_OK)
        (void)lwg_posix_call_close_send(pc);
    else
        lwg_call_cancel(&pc->call);
    if (lwg_posix_call_recv_pb(pc, method->response, response) == LWG_OK)
        got = 1;
    r = lwg_posix_call_finish(pc);
    if (r == LWG_STATUS_OK && !got) {
        /* OK without a response message breaks the unary contract */
        pc->call.status_code = LWG_STATUS_INTERNAL;
        return LWG_STATUS_INTERNAL;
    }
    return r;
}
