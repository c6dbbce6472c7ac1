/*
 * lwg_channel.c - a client channel: connection slots and their life cycle
 * (connect, backoff, keepalive, GOAWAY drain, idle), the calls waiting for
 * a stream, the engine's events routed to calls, and the links a port
 * driver pumps.  See lwg_channel.h.
 */
#include "core/lwg_channel.h"
#include "core/lwg_call_priv.h"

#include <string.h>

#define KEEPALIVE_MIN_MS 10000u
#define KEEPALIVE_MAX_MS 0x3fffffffu

static const lwg_link_ops conn_link_ops;
static const lwg_h2_callbacks conn_h2_callbacks;
static const lwg_channel_opts default_opts;

/* ---- options with their defaults ------------------------------------------ */

static const lwg_channel_opts *opts_of(const lwg_channel *ch)
{
    return ch->opts ? ch->opts : &default_opts;
}

#define OPT(ch, field, dflt) (opts_of(ch)->field ? opts_of(ch)->field : (dflt))

static uint32_t keepalive_time_of(const lwg_channel_opts *o)
{
    if (o->keepalive_time_ms == 0)
        return 0;
    return o->keepalive_time_ms < KEEPALIVE_MIN_MS ? KEEPALIVE_MIN_MS : o->keepalive_time_ms;
}

/* ---- lists ------------------------------------------------------------------- */

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

static void waiting_push(lwg_channel *ch, lwg_call *call, int front)
{
    call->next = NULL;
    if (ch->waiting_head == NULL) {
        ch->waiting_head = ch->waiting_tail = call;
    } else if (front) {
        call->next = ch->waiting_head;
        ch->waiting_head = call;
    } else {
        ch->waiting_tail->next = call;
        ch->waiting_tail = call;
    }
}

void lwg_channel_forget_waiting(lwg_call *call)
{
    waiting_remove(call->owner, call);
}

/* ---- state ---------------------------------------------------------------------- */

/* The connection new calls go to: connecting or ready, not draining. */
static lwg_channel_conn *current_conn(lwg_channel *ch)
{
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++) {
        lwg_channel_conn *cc = &ch->conns[i];
        if ((cc->state == LWG_CONN_CONNECTING || cc->state == LWG_CONN_READY) && !cc->kill &&
            !cc->h2.fatal)
            return cc;
    }
    return NULL;
}

static void set_state(lwg_channel *ch, int state)
{
    if (ch->state == state || ch->state == LWG_CHANNEL_SHUTDOWN)
        return;
    ch->state = (uint8_t)state;
    LWG_LOG(LWG_LOG_INFO, "channel %s: state %d", ch->authority, state);
    if (opts_of(ch)->on_state_change)
        opts_of(ch)->on_state_change(ch, state);
}

/* Fail-fast calls end UNAVAILABLE while the channel is in failure. */
static void fail_fast_waiting(lwg_channel *ch)
{
    lwg_call *call = ch->waiting_head;
    const char *why = ch->last_error[0] ? ch->last_error : "failed to connect";

    while (call != NULL) {
        lwg_call *next = call->next;
        if (!call->wait_for_ready)
            lwg_call_abort(call, LWG_STATUS_UNAVAILABLE, why, LWG_H2_CANCEL);
        call = next;
    }
}

void lwg_channel_set_connect_error(lwg_channel *ch, const char *reason)
{
    size_t n = reason ? strlen(reason) : 0;

    if (n >= sizeof ch->last_error)
        n = sizeof ch->last_error - 1;
    memcpy(ch->last_error, reason ? reason : "", n);
    ch->last_error[n] = '\0';
}

static void update_state(lwg_channel *ch)
{
    lwg_channel_conn *cur = current_conn(ch);

    if (ch->state == LWG_CHANNEL_SHUTDOWN)
        return;
    if (cur != NULL && cur->state == LWG_CONN_READY)
        set_state(ch, LWG_CHANNEL_READY);
    else if (cur != NULL)
        set_state(ch, LWG_CHANNEL_CONNECTING);
    else if (ch->in_backoff) {
        set_state(ch, LWG_CHANNEL_TRANSIENT_FAILURE);
        fail_fast_waiting(ch);
    } else
        set_state(ch, LWG_CHANNEL_IDLE);
}

/* ---- starting calls on streams ------------------------------------------------ */

static void start_waiting(lwg_channel *ch)
{
    lwg_channel_conn *cc = current_conn(ch);

    while (cc != NULL && ch->waiting_head != NULL) {
        lwg_call *call = ch->waiting_head;
        lwg_h2_stream *st = lwg_h2_stream_open(&cc->h2, call);

        if (st == NULL)
            return; /* on_send_ready(NULL) tells us when */
        waiting_remove(ch, call);
        call->conn = cc;
        call->h2 = &cc->h2;
        call->stream = st;
        call->state = LWG_CALL_ACTIVE;
        if (lwg_client_call_send_headers(call) == LWG_OK)
            lwg_call_flush(call);
    }
}

int lwg_channel_init(lwg_channel *ch, const char *authority, uint32_t now_ms)
{
    size_t n = strlen(authority);
    uint32_t window = (uint32_t)sizeof(((lwg_call *)0)->rx_buf);

    if (n > LWG_MAX_AUTHORITY)
        return LWG_EINVAL;
    memset(ch, 0, offsetof(lwg_channel, conns));
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++) {
        lwg_channel_conn *cc = &ch->conns[i];
        memset(cc, 0, offsetof(lwg_channel_conn, h2));
        cc->ch = ch;
        cc->link.ops = &conn_link_ops;
        cc->link.ctx = cc;
        cc->state = LWG_CONN_FREE;
    }
    memcpy(ch->authority, authority, n + 1);
    ch->settings = lwg_h2_default_settings;
    /* a stream's window is what one call can buffer (lwg_call.h) */
    ch->settings.initial_window = window < LWG_H2_MAX_WINDOW ? window : LWG_H2_MAX_WINDOW;
    ch->state = LWG_CHANNEL_IDLE;
    ch->now_ms = now_ms;
    ch->idle_since_ms = now_ms;
    lwg_channel_set_opts(ch, NULL);
    return LWG_OK;
}

void lwg_channel_set_opts(lwg_channel *ch, const lwg_channel_opts *opts)
{
    ch->opts = opts;
    ch->keepalive_time_ms = keepalive_time_of(opts_of(ch));
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
    lwg_call_reset(call, 0, ch, NULL);
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
        call->wait_for_ready = opts->wait_for_ready;
    }
    call->state = LWG_CALL_WAITING;
    call->active_next = ch->active_head;
    ch->active_head = call;
    waiting_push(ch, call, 0);
    if ((opts && opts->authorization) || opts_of(ch)->authorization) {
        /* credentials go only over TLS unless explicitly allowed */
        if (!ch->use_tls && !opts_of(ch)->allow_insecure_credentials)
            lwg_call_abort(call, LWG_STATUS_UNAUTHENTICATED,
                           "credentials refused over a plaintext channel", LWG_H2_CANCEL);
    }
    if (ch->state == LWG_CHANNEL_TRANSIENT_FAILURE && !call->wait_for_ready)
        lwg_call_abort(call, LWG_STATUS_UNAVAILABLE,
                       ch->last_error[0] ? ch->last_error : "channel in transient failure",
                       LWG_H2_CANCEL);
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
    if (ch->active_head == NULL)
        ch->idle_since_ms = ch->now_ms;
    if (!call->status_set)
        lwg_call_set_status(call, LWG_STATUS_UNKNOWN, "no status", 9);
    if (call->cbs->on_status)
        call->cbs->on_status(call); /* the call is the application's now */
}

/* A call the server never saw: start it again.  A refused call is
 * retried once; a call on a connection that never became ready was never
 * sent anywhere, and simply waits for the next one. */
static int requeue(lwg_call *call, int counts_as_retry)
{
    lwg_channel *ch = call->owner;

    if ((counts_as_retry && call->retried) || call->aborted || call->messages_out > 1 ||
        call->resp_phase != LWG_CALL_RESP_NONE || call->rx_len != 0 ||
        ch->state == LWG_CHANNEL_SHUTDOWN)
        return 0;
    if (counts_as_retry)
        call->retried = 1;
    call->stream = NULL;
    call->conn = NULL;
    call->h2 = NULL;
    call->headers_sent = 0;
    call->end_sent = 0;
    call->end_pending = call->send_closed;
    call->tx_off = 0; /* the kept first message goes again */
    call->state = LWG_CALL_WAITING;
    waiting_push(ch, call, 1);
    ch->service_pending = 1;
    return 1;
}

int lwg_channel_retry(lwg_call *call)
{
    return requeue(call, 1);
}

/* Deliver everything due: messages released, completions. */
static void channel_service(lwg_channel *ch)
{
    int again = 1;

    ch->service_pending = 0;
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
    start_waiting(ch);
}

void lwg_channel_shutdown(lwg_channel *ch)
{
    for (lwg_call *call = ch->active_head; call; call = call->active_next)
        lwg_call_abort(call, LWG_STATUS_UNAVAILABLE, "channel shut down", LWG_H2_CANCEL);
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++) {
        lwg_channel_conn *cc = &ch->conns[i];
        if (cc->state != LWG_CONN_FREE) {
            lwg_h2_submit_goaway(&cc->h2, 0, LWG_H2_NO_ERROR, NULL);
            cc->kill = 1;
        }
    }
    set_state(ch, LWG_CHANNEL_SHUTDOWN);
    channel_service(ch);
}

/* ---- connecting and backoff (doc/connection-backoff.md) ------------------------ */

static uint32_t jittered(const lwg_channel *ch, uint32_t ms)
{
    uint32_t jitter = OPT(ch, backoff_jitter_pct, 20);
    uint32_t r;
    uint64_t span = (uint64_t)ms * jitter / 100u; /* +- span */

    if (span == 0)
        return ms;
    (void)lwg_port_random(&r, sizeof r);
    return (uint32_t)((uint64_t)ms - span + (uint64_t)r % (2u * span + 1u));
}

int lwg_channel_wants_connect(const lwg_channel *ch, uint32_t now_ms)
{
    unsigned i;

    if (ch->state == LWG_CHANNEL_SHUTDOWN || ch->waiting_head == NULL)
        return 0;
    if (current_conn((lwg_channel *)ch) != NULL)
        return 0;
    if (ch->in_backoff && !lwg_time_reached(now_ms, ch->backoff_until_ms))
        return 0;
    for (i = 0; i < LWG_CHANNEL_CONNS; i++)
        if (ch->conns[i].state == LWG_CONN_FREE)
            return 1;
    return 0;
}

const lwg_link *lwg_channel_connect(lwg_channel *ch, uint32_t now_ms)
{
    lwg_channel_conn *cc = NULL;
    uint32_t min_connect = OPT(ch, min_connect_timeout_ms, 20000);
    int32_t until_deadline;

    if (!lwg_channel_wants_connect(ch, now_ms))
        return NULL;
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS && cc == NULL; i++)
        if (ch->conns[i].state == LWG_CONN_FREE)
            cc = &ch->conns[i];
    ch->now_ms = now_ms;
    /* this attempt's backoff deadline: the first is exact, later ones are
     * jittered */
    if (ch->backoff_ms == 0) {
        ch->backoff_ms = OPT(ch, backoff_initial_ms, 1000);
        ch->attempt_deadline_ms = now_ms + ch->backoff_ms;
    } else {
        ch->attempt_deadline_ms = now_ms + jittered(ch, ch->backoff_ms);
    }
    ch->in_backoff = 0;
    until_deadline = lwg_time_diff(ch->attempt_deadline_ms, now_ms);
    cc->connect_deadline_ms =
        now_ms + ((uint32_t)until_deadline > min_connect ? (uint32_t)until_deadline : min_connect);
    cc->state = LWG_CONN_CONNECTING;
    cc->kill = 0;
    cc->was_ready = 0;
    lwg_keepalive_init(&cc->ka, now_ms);
    lwg_h2_conn_init(&cc->h2, 0, &conn_h2_callbacks, cc, &ch->settings, now_ms);
    update_state(ch);
    start_waiting(ch);
    return &cc->link;
}

/* A connection attempt failed: back off before the next one. */
static void connect_failed(lwg_channel *ch, uint32_t now_ms)
{
    uint32_t mult = OPT(ch, backoff_multiplier_pct, 160);
    uint32_t max = OPT(ch, backoff_max_ms, 120000);
    uint64_t next = (uint64_t)ch->backoff_ms * mult / 100u;

    ch->in_backoff = 1;
    ch->backoff_until_ms = ch->attempt_deadline_ms;
    if (lwg_time_reached(now_ms, ch->backoff_until_ms))
        ch->backoff_until_ms = now_ms;
    ch->backoff_ms = next > max ? max : (uint32_t)next;
    LWG_LOG(LWG_LOG_INFO, "channel %s: connect failed, next attempt in %ld ms", ch->authority,
            (long)lwg_time_diff(ch->backoff_until_ms, now_ms));
}

/* ---- timers ------------------------------------------------------------------------- */

static unsigned conn_streams(const lwg_channel_conn *cc)
{
    return lwg_h2_active_streams(&cc->h2);
}

static uint32_t conn_timers(lwg_channel_conn *cc, uint32_t now_ms)
{
    lwg_channel *ch = cc->ch;
    lwg_keepalive_cfg cfg;
    uint32_t t = LWG_NO_TIMEOUT, k;

    if (cc->state == LWG_CONN_FREE || cc->kill)
        return LWG_NO_TIMEOUT;
    if (cc->state == LWG_CONN_CONNECTING) {
        int32_t left = lwg_time_diff(cc->connect_deadline_ms, now_ms);
        if (left <= 0) {
            LWG_LOG(LWG_LOG_WARN, "channel %s: connect timed out", ch->authority);
            cc->kill = 1;
            return LWG_NO_TIMEOUT;
        }
        t = (uint32_t)left;
    }
    cfg.time_ms = ch->keepalive_time_ms;
    cfg.timeout_ms = OPT(ch, keepalive_timeout_ms, 20000);
    cfg.permit_without_stream = opts_of(ch)->keepalive_permit_without_stream;
    k = lwg_keepalive_tick(&cc->ka, &cfg, &cc->h2, conn_streams(cc), now_ms);
    if (cc->ka.expired) {
        LWG_LOG(LWG_LOG_WARN, "channel %s: keepalive PING not answered: closing", ch->authority);
        cc->kill = 1;
        return LWG_NO_TIMEOUT;
    }
    return k < t ? k : t;
}

void lwg_channel_tick(lwg_channel *ch, uint32_t now_ms)
{
    uint32_t idle = OPT(ch, idle_timeout_ms, 0);

    ch->now_ms = now_ms;
    for (lwg_call *call = ch->active_head; call; call = call->active_next)
        (void)lwg_call_check_deadline(call, now_ms);
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++) {
        lwg_channel_conn *cc = &ch->conns[i];
        if (cc->state != LWG_CONN_FREE && !cc->kill)
            lwg_h2_tick(&cc->h2, now_ms);
        (void)conn_timers(cc, now_ms);
    }
    if (ch->in_backoff && lwg_time_reached(now_ms, ch->backoff_until_ms) && ch->waiting_head == NULL)
        ch->in_backoff = 0;
    if (idle && ch->active_head == NULL &&
        lwg_time_diff(now_ms, ch->idle_since_ms) >= (int32_t)idle) {
        for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++) {
            lwg_channel_conn *cc = &ch->conns[i];
            if (cc->state == LWG_CONN_FREE || cc->kill)
                continue;
            LWG_LOG(LWG_LOG_INFO, "channel %s: idle: closing the connection", ch->authority);
            lwg_h2_submit_goaway(&cc->h2, 0, LWG_H2_NO_ERROR, NULL);
            cc->kill = 1;
        }
    }
    channel_service(ch);
    update_state(ch);
}

uint32_t lwg_channel_next_timeout(lwg_channel *ch, uint32_t now_ms)
{
    uint32_t t = LWG_NO_TIMEOUT, idle = OPT(ch, idle_timeout_ms, 0);

    if (ch->service_pending)
        return 0;
    for (lwg_call *call = ch->active_head; call; call = call->active_next) {
        uint32_t left;
        if (call->service_due || (call->state == LWG_CALL_WAITING && call->aborted))
            return 0;
        if (call->status_set || call->completed)
            continue; /* its deadline no longer matters */
        left = lwg_call_remaining_ms(call, now_ms);
        if (left < t)
            t = left;
    }
    for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++) {
        lwg_channel_conn *cc = &ch->conns[i];
        uint32_t k;
        if (cc->state == LWG_CONN_FREE)
            continue;
        if (cc->kill)
            return 0;
        k = lwg_h2_next_timeout(&cc->h2, now_ms);
        if (k < t)
            t = k;
        k = conn_timers(cc, now_ms);
        if (cc->kill)
            return 0;
        if (k < t)
            t = k;
    }
    if (ch->waiting_head != NULL && current_conn(ch) == NULL) {
        int32_t left = ch->in_backoff ? lwg_time_diff(ch->backoff_until_ms, now_ms) : 0;
        uint32_t k = left > 0 ? (uint32_t)left : 0;
        if (k < t)
            t = k;
    }
    if (idle && ch->active_head == NULL) {
        int32_t left = lwg_time_diff(ch->idle_since_ms + idle, now_ms);
        uint32_t k = left > 0 ? (uint32_t)left : 0;
        for (unsigned i = 0; i < LWG_CHANNEL_CONNS; i++)
            if (ch->conns[i].state != LWG_CONN_FREE && !ch->conns[i].kill && k < t)
                t = k;
    }
    return t;
}

/* ---- engine events -------------------------------------------------------------- */

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

static void on_stream_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how, uint32_t code)
{
    lwg_call *call = st->user;

    (void)c;
    st->user = NULL;
    if (call == NULL)
        return;
    /* refused by the server: retried once; never sent at all: it simply
     * waits for the next connection */
    if (how == LWG_H2_CLOSE_REFUSED && requeue(call, 1))
        return;
    if (how == LWG_H2_CLOSE_UNSENT && requeue(call, 0))
        return;
    /* calls go out before the server's SETTINGS arrive; on a connection
     * that never got that far no gRPC server has taken them */
    if (how == LWG_H2_CLOSE_CONN && !((lwg_channel_conn *)c->user)->was_ready && requeue(call, 0))
        return;
    if (how == LWG_H2_CLOSE_UNSENT)
        how = LWG_H2_CLOSE_CONN;
    lwg_client_call_stream_closed(call, how, code);
}

static void on_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    lwg_channel_conn *cc = c->user;
    lwg_call *call;

    if (st == NULL) {
        start_waiting(cc->ch);
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
    lwg_channel_conn *cc = c->user;
    lwg_channel *ch = cc->ch;

    if (cc->state == LWG_CONN_CONNECTING)
        cc->state = LWG_CONN_READY;
    cc->was_ready = 1;
    ch->backoff_ms = 0; /* a working connection resets the backoff */
    ch->in_backoff = 0;
    ch->last_error[0] = '\0';
    update_state(ch);
    start_waiting(ch);
}

static void on_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code, const uint8_t *debug,
                      size_t debug_len)
{
    lwg_channel_conn *cc = c->user;
    lwg_channel *ch = cc->ch;
    static const char tmp[] = LWG_TOO_MANY_PINGS;

    (void)last_id;
    cc->state = LWG_CONN_DRAINING;
    if (code == LWG_H2_ENHANCE_YOUR_CALM && debug_len == sizeof tmp - 1 &&
        memcmp(debug, tmp, debug_len) == 0 && ch->keepalive_time_ms) {
        ch->keepalive_time_ms = ch->keepalive_time_ms > KEEPALIVE_MAX_MS / 2
                                    ? KEEPALIVE_MAX_MS
                                    : ch->keepalive_time_ms * 2;
        LWG_LOG(LWG_LOG_WARN, "channel %s: GOAWAY too_many_pings: keepalive time now %lu ms",
                ch->authority, (unsigned long)ch->keepalive_time_ms);
    }
    ch->service_pending = 1;
}

static void on_ping_ack(lwg_h2_conn *c, const uint8_t opaque[8])
{
    lwg_channel_conn *cc = c->user;
    lwg_keepalive_acked(&cc->ka, opaque);
}

static void on_conn_error(lwg_h2_conn *c, int err, uint32_t code)
{
    lwg_channel_conn *cc = c->user;

    (void)err;
    (void)code;
    if (cc->state != LWG_CONN_FREE)
        cc->state = LWG_CONN_DRAINING;
}

static const lwg_h2_callbacks conn_h2_callbacks = {
    .on_header = on_header,
    .on_headers_end = on_headers_end,
    .on_data = lwg_call_on_data,
    .on_remote_end = lwg_call_on_remote_end,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
    .on_send_ready = on_send_ready,
    .on_ping_ack = on_ping_ack,
    .on_ready = on_ready,
    .on_conn_error = on_conn_error,
};

/* ---- the links ----------------------------------------------------------------------- */

static int link_input(void *ctx, const uint8_t *data, size_t len, uint32_t now_ms)
{
    lwg_channel_conn *cc = ctx;
    int r;

    cc->ch->now_ms = now_ms;
    r = lwg_h2_recv(&cc->h2, data, len, now_ms);
    channel_service(cc->ch);
    return r;
}

static const uint8_t *link_output(void *ctx, size_t *len)
{
    lwg_channel_conn *cc = ctx;
    return lwg_h2_output(&cc->h2, len);
}

static void link_output_done(void *ctx, size_t n)
{
    lwg_channel_conn *cc = ctx;

    lwg_h2_output_done(&cc->h2, n);
    channel_service(cc->ch);
}

static void link_tick(void *ctx, uint32_t now_ms)
{
    lwg_channel_conn *cc = ctx;
    lwg_channel_tick(cc->ch, now_ms);
}

static uint32_t link_next_timeout(void *ctx, uint32_t now_ms)
{
    lwg_channel_conn *cc = ctx;
    return lwg_channel_next_timeout(cc->ch, now_ms);
}

static int link_wants_close(void *ctx)
{
    lwg_channel_conn *cc = ctx;

    if (cc->state == LWG_CONN_FREE)
        return 0;
    if (cc->kill) {
        size_t n;
        (void)lwg_h2_output(&cc->h2, &n);
        return 1; /* keepalive, idle, connect timeout: close now */
    }
    return lwg_h2_wants_close(&cc->h2);
}

static void link_closed(void *ctx, int err)
{
    lwg_channel_conn *cc = ctx;
    lwg_channel *ch = cc->ch;
    int was_ready = cc->was_ready;

    if (cc->state == LWG_CONN_FREE)
        return;
    /* calls on it end UNAVAILABLE (refused ones are retried) */
    lwg_h2_transport_closed(&cc->h2, err ? err : LWG_ECLOSED);
    cc->state = LWG_CONN_FREE;
    cc->kill = 0;
    if (!was_ready && ch->state != LWG_CHANNEL_SHUTDOWN)
        connect_failed(ch, lwg_port_now_ms());
    update_state(ch);
    channel_service(ch);
}

static const lwg_link_ops conn_link_ops = {
    .input = link_input,
    .output = link_output,
    .output_done = link_output_done,
    .tick = link_tick,
    .next_timeout = link_next_timeout,
    .wants_close = link_wants_close,
    .closed = link_closed,
};
