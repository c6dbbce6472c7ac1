/*
 * lwg_channel.c - a client channel: its HTTP/2 connection, the calls
 * waiting for a stream, the engine's events routed to calls, and the link
 * a port driver pumps.
 */
#include "core/lwg_channel.h"
#include "core/lwg_call_priv.h"

#include <string.h>

static const lwg_link_ops channel_link_ops;

/* ---- lists --------------------------------------------------------------- */

static void active_remove(lwg_channel *ch, lwg_call *call)
{
    for (lwg_call **pp = &ch->active_head; *pp; pp = &(*pp)->active_next) {
        if (*pp == call) {
            *pp = call->active_next;
            call->active_next = NULL;
            return;
        }
    }
}

static void waiting_remove(lwg_channel *ch, lwg_call *call)
{
    lwg_call *prev = NULL;

    for (lwg_call *c = ch->waiting_head; c; prev = c, c = c->next) {
        if (c != call)
            continue;
        if (prev)
            prev->next = c->next;
        else
            ch->waiting_head = c->next;
        if (ch->waiting_tail == c)
            ch->waiting_tail = prev;
        c->next = NULL;
        return;
    }
}

void lwg_channel_forget_waiting(lwg_call *call)
{
    waiting_remove(call->owner, call);
}

/* ---- starting calls on streams -------------------------------------------- */

static void start_waiting(lwg_channel *ch)
{
    while (ch->waiting_head != NULL && ch->transport_up && !ch->h2.fatal) {
        lwg_call *call = ch->waiting_head;
        lwg_h2_stream *st = lwg_h2_stream_open(&ch->h2, call);

        if (st == NULL)
            return; /* on_send_ready(NULL) tells us when */
        waiting_remove(ch, call);
        call->stream = st;
        call->state = LWG_CALL_ACTIVE;
        if (lwg_client_call_send_headers(call) == LWG_OK)
            lwg_call_flush(call);
    }
}

int lwg_channel_init(lwg_channel *ch, const char *authority, uint32_t now_ms)
{
    size_t n = strlen(authority);

    if (n > LWG_MAX_AUTHORITY)
        return LWG_EINVAL;
    memset(ch, 0, offsetof(lwg_channel, h2));
    memcpy(ch->authority, authority, n + 1);
    ch->settings = lwg_h2_default_settings;
    /* a stream's window is what one call can buffer (lwg_call.h) */
    ch->settings.initial_window = (uint32_t)sizeof(((lwg_call *)0)->rx_buf) < LWG_H2_MAX_WINDOW
                                      ? (uint32_t)sizeof(((lwg_call *)0)->rx_buf)
                                      : LWG_H2_MAX_WINDOW;
    ch->link.ops = &channel_link_ops;
    ch->link.ctx = ch;
    ch->state = LWG_CHANNEL_IDLE;
    ch->now_ms = now_ms;
    return LWG_OK;
}

static int md_names_ok(const lwg_md *md, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(md[i].name);
        if (!lwg_metadata_name_valid(md[i].name, len) ||
            lwg_metadata_is_reserved(md[i].name, len))
            return 0;
        if (!(len > 4 && memcmp(md[i].name + len - 4, "-bin", 4) == 0) &&
            !lwg_metadata_value_valid(md[i].value, md[i].value_len))
            return 0;
    }
    return 1;
}

int lwg_call_start(lwg_channel *ch, lwg_call *call, const lwg_method *method,
                   const lwg_call_opts *opts, const lwg_call_cbs *cbs, void *user)
{
    static const lwg_call_cbs no_cbs;

    if (ch->state == LWG_CHANNEL_SHUTDOWN)
        return LWG_ECLOSED;
    if (method == NULL || method->path == NULL)
        return LWG_EINVAL;
    if (opts && opts->metadata_count &&
        (opts->metadata_count > LWG_MAX_METADATA || !md_names_ok(opts->metadata, opts->metadata_count)))
        return LWG_EINVAL;
    lwg_call_reset(call, 0, ch, &ch->h2);
    call->method = method;
    call->cbs = cbs ? cbs : &no_cbs;
    call->opts = opts;
    call->user = user;
    if (opts) {
        if (opts->max_recv_message && opts->max_recv_message < call->max_recv)
            call->max_recv = opts->max_recv_message;
        if (opts->max_send_message && opts->max_send_message < call->max_send)
            call->max_send = opts->max_send_message;
        if (opts->timeout_ms) {
            call->has_deadline = 1;
            call->deadline_ms = lwg_port_now_ms() + opts->timeout_ms;
        }
    }
    call->state = LWG_CALL_WAITING;
    call->active_next = ch->active_head;
    ch->active_head = call;
    if (ch->waiting_tail)
        ch->waiting_tail->next = call;
    else
        ch->waiting_head = call;
    ch->waiting_tail = call;
    if (ch->state == LWG_CHANNEL_IDLE || ch->state == LWG_CHANNEL_TRANSIENT_FAILURE)
        ch->state = ch->transport_up ? LWG_CHANNEL_READY : LWG_CHANNEL_CONNECTING;
    start_waiting(ch);
    return LWG_OK;
}

void lwg_client_call_complete(lwg_call *call)
{
    lwg_channel *ch = call->owner;

    if (call->completed)
        return;
    call->completed = 1;
    call->state = LWG_CALL_DONE;
    active_remove(ch, call);
    if (!call->status_set)
        lwg_call_set_status(call, LWG_STATUS_UNKNOWN, "no status", 9);
    if (call->cbs->on_status)
        call->cbs->on_status(call); /* the call is the application's now */
}

/* Deliver everything due: messages released, completions. */
static void channel_service(lwg_channel *ch)
{
    int again = 1;

    while (again) {
        again = 0;
        for (lwg_call *call = ch->active_head; call; call = call->active_next) {
            if (call->state == LWG_CALL_WAITING && call->aborted) {
                lwg_client_call_complete(call);
                again = 1;
                break;
            }
            if (call->service_due) {
                lwg_call_service(call);
                again = 1;
                break;
            }
        }
    }
}

void lwg_channel_shutdown(lwg_channel *ch)
{
    for (lwg_call *call = ch->active_head; call; call = call->active_next)
        lwg_call_abort(call, LWG_STATUS_UNAVAILABLE, "channel shut down", LWG_H2_CANCEL);
    if (ch->transport_up)
        lwg_h2_submit_goaway(&ch->h2, 0, LWG_H2_NO_ERROR, NULL);
    ch->state = LWG_CHANNEL_SHUTDOWN;
    channel_service(ch);
}

/* ---- engine events -------------------------------------------------------- */

static int on_header(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind, const lwg_h2_nv *nv)
{
    (void)c;
    return st->user ? lwg_client_call_header(st->user, kind, nv) : 0;
}

static void on_headers_end(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind, int too_large)
{
    (void)c;
    if (st->user)
        lwg_client_call_headers_end(st->user, kind, too_large);
}

static void on_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data, size_t len)
{
    lwg_call *call = st->user;

    if (call == NULL) {
        lwg_h2_consume(c, st, len);
        return;
    }
    if (lwg_call_rx_append(call, data, len) != LWG_OK) {
        lwg_call_abort(call, LWG_STATUS_RESOURCE_EXHAUSTED, "receive buffer overrun",
                       LWG_H2_FLOW_CONTROL_ERROR);
        return;
    }
    lwg_call_service(call);
}

static void on_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    lwg_call *call = st->user;

    (void)c;
    if (call)
        call->remote_closed = 1;
}

static void on_stream_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how, uint32_t code)
{
    lwg_call *call = st->user;

    (void)c;
    st->user = NULL;
    if (call)
        lwg_client_call_stream_closed(call, how, code);
}

static void on_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    lwg_channel *ch = c->user;
    lwg_call *call;

    if (st == NULL) {
        start_waiting(ch);
        return;
    }
    call = st->user;
    if (call == NULL)
        return;
    if (!call->headers_sent && lwg_client_call_send_headers(call) != LWG_OK)
        return;
    lwg_call_flush(call);
}

static void on_ready(lwg_h2_conn *c)
{
    lwg_channel *ch = c->user;

    ch->state = LWG_CHANNEL_READY;
    start_waiting(ch);
}

static void on_conn_error(lwg_h2_conn *c, int err, uint32_t code)
{
    lwg_channel *ch = c->user;

    (void)err;
    (void)code;
    if (ch->state != LWG_CHANNEL_SHUTDOWN)
        ch->state = LWG_CHANNEL_TRANSIENT_FAILURE;
}

static const lwg_h2_callbacks channel_h2_callbacks = {
    .on_header = on_header,
    .on_headers_end = on_headers_end,
    .on_data = on_data,
    .on_remote_end = on_remote_end,
    .on_stream_close = on_stream_close,
    .on_send_ready = on_send_ready,
    .on_ready = on_ready,
    .on_conn_error = on_conn_error,
};

/* ---- the driver side -------------------------------------------------------- */

int lwg_channel_wants_connect(const lwg_channel *ch)
{
    return !ch->transport_up && ch->waiting_head != NULL && ch->state != LWG_CHANNEL_SHUTDOWN;
}

const lwg_link *lwg_channel_transport_up(lwg_channel *ch, uint32_t now_ms)
{
    ch->now_ms = now_ms;
    lwg_h2_conn_init(&ch->h2, 0, &channel_h2_callbacks, ch, &ch->settings, now_ms);
    ch->transport_up = 1;
    ch->state = LWG_CHANNEL_CONNECTING;
    start_waiting(ch);
    return &ch->link;
}

void lwg_channel_connect_failed(lwg_channel *ch, int err, uint32_t now_ms)
{
    (void)err;
    ch->now_ms = now_ms;
    ch->transport_up = 0;
    if (ch->state != LWG_CHANNEL_SHUTDOWN)
        ch->state = LWG_CHANNEL_TRANSIENT_FAILURE;
    /* fail-fast: every waiting call ends UNAVAILABLE */
    while (ch->waiting_head != NULL) {
        lwg_call *call = ch->waiting_head;
        waiting_remove(ch, call);
        lwg_call_set_status(call, LWG_STATUS_UNAVAILABLE, "failed to connect", 17);
        call->aborted = 1;
    }
    channel_service(ch);
}

static int link_input(void *ctx, const uint8_t *data, size_t len, uint32_t now_ms)
{
    lwg_channel *ch = ctx;
    int r;

    ch->now_ms = now_ms;
    r = lwg_h2_recv(&ch->h2, data, len, now_ms);
    channel_service(ch);
    return r;
}

static const uint8_t *link_output(void *ctx, size_t *len)
{
    lwg_channel *ch = ctx;
    return lwg_h2_output(&ch->h2, len);
}

static void link_output_done(void *ctx, size_t n)
{
    lwg_channel *ch = ctx;

    lwg_h2_output_done(&ch->h2, n);
    channel_service(ch);
}

static void link_tick(void *ctx, uint32_t now_ms)
{
    lwg_channel *ch = ctx;

    ch->now_ms = now_ms;
    if (ch->transport_up)
        lwg_h2_tick(&ch->h2, now_ms);
    for (lwg_call *call = ch->active_head; call; call = call->active_next)
        (void)lwg_call_check_deadline(call, now_ms);
    if (ch->transport_up)
        start_waiting(ch);
    channel_service(ch);
}

static uint32_t link_next_timeout(void *ctx, uint32_t now_ms)
{
    lwg_channel *ch = ctx;
    uint32_t t = ch->transport_up ? lwg_h2_next_timeout(&ch->h2, now_ms) : LWG_NO_TIMEOUT;

    for (lwg_call *call = ch->active_head; call; call = call->active_next) {
        uint32_t left;
        if (call->service_due)
            return 0;
        left = lwg_call_remaining_ms(call, now_ms);
        if (left < t)
            t = left;
    }
    return t;
}

static int link_wants_close(void *ctx)
{
    lwg_channel *ch = ctx;
    return ch->transport_up && lwg_h2_wants_close(&ch->h2);
}

static void link_closed(void *ctx, int err)
{
    lwg_channel *ch = ctx;

    if (!ch->transport_up)
        return;
    lwg_h2_transport_closed(&ch->h2, err);
    ch->transport_up = 0;
    if (ch->state != LWG_CHANNEL_SHUTDOWN)
        ch->state = ch->waiting_head ? LWG_CHANNEL_TRANSIENT_FAILURE : LWG_CHANNEL_IDLE;
    channel_service(ch);
}

static const lwg_link_ops channel_link_ops = {
    .input = link_input,
    .output = link_output,
    .output_done = link_output_done,
    .tick = link_tick,
    .next_timeout = link_next_timeout,
    .wants_close = link_wants_close,
    .closed = link_closed,
};

/* The channel's link (valid after lwg_channel_transport_up()). */
const lwg_link *lwg_channel_link(lwg_channel *ch)
{
    return &ch->link;
}
