/*
 * lwg_server_call.c - the server half of a call: request headers in
 * (method lookup, content type, deadline, metadata), response headers and
 * trailers out (Trailers-Only when nothing else was sent), and the end of
 * a call (on_done, slot back to the pool).
 */
#include "core/lwg_server.h"
#include "core/lwg_call_priv.h"
#include "core/lwg_pct.h"
#include "core/lwg_timeout.h"

#include <string.h>

/* :path: the handler, trying the connection's last one first (its calls
 * mostly go to one method). */
static LWG_NOINLINE void find_method(lwg_call *call, const lwg_h2_nv *nv)
{
    lwg_server_conn *sc = call->owner;

    if (sc->last_handler != NULL && nv->value_len == sc->last_path_len &&
        memcmp(nv->value, sc->last_handler->method->path, nv->value_len) == 0) {
        call->handler = sc->last_handler;
    } else {
        call->handler = lwg_server_find_handler(sc->server, nv->value, nv->value_len);
        if (call->handler != NULL) {
            sc->last_handler = call->handler;
            sc->last_path_len = nv->value_len;
        }
    }
    call->method = call->handler ? call->handler->method : NULL;
}

static LWG_NOINLINE void note_timeout(lwg_call *call, const lwg_h2_nv *nv)
{
    const lwg_server_conn *sc = call->owner;
    uint64_t ms;

    if (lwg_timeout_parse(nv->value, nv->value_len, &ms) == LWG_OK) {
        if (ms > 0x7ffffffeu)
            ms = 0x7ffffffeu; /* beyond the clock's range: 24 days */
        call->has_deadline = 1;
        call->deadline_ms = sc->now_ms + (uint32_t)ms;
    }
}

/* The rare paths are out of line: most fields pass straight through. */
int lwg_server_call_header(lwg_call *call, unsigned kind, const lwg_h2_nv *nv)
{
    if (kind != LWG_H2_HDR_INITIAL)
        return 0; /* gRPC clients send no trailers */
    switch (nv->name_id) {
    case LWG_HNAME_PATH:
        find_method(call, nv);
        return 0;
    case LWG_HNAME_METHOD:
        if (!(nv->value_len == 4 && memcmp(nv->value, "POST", 4) == 0))
            call->method_bad = 1;
        return 0;
    case LWG_HNAME_GRPC_TIMEOUT:
        note_timeout(call, nv);
        return 0;
    default:
        break;
    }
    if (lwg_call_header_common(call, nv))
        return 0;
    /* full storage fails the call; a malformed entry is dropped */
    if (lwg_call_md_add(&call->md_in, nv) == LWG_ENOMEM)
        call->md_overflow = 1;
    return 0;
}

/* Answer with only a :status (415, 405): not a gRPC response. */
static void http_error(lwg_call *call, const char *status)
{
    lwg_h2_nv nv[1] = { LWG_NV(":status", "") };

    nv[0].value = (const uint8_t *)status;
    nv[0].value_len = 3;
    lwg_call_set_status(call, LWG_STATUS_INTERNAL, "not a gRPC request", 18);
    call->send_closed = 1;
    if (lwg_h2_submit_headers(call->h2, call->stream, nv, 1, 1) == LWG_OK) {
        call->end_sent = 1;
        if (call->stream && !call->remote_closed)
            lwg_h2_submit_rst(call->h2, call->stream, LWG_H2_NO_ERROR);
    } else {
        lwg_call_abort(call, LWG_STATUS_INTERNAL, "not a gRPC request", LWG_H2_REFUSED_STREAM);
    }
}

void lwg_server_call_headers_end(lwg_call *call, unsigned kind, int too_large)
{
    char msg[LWG_MAX_STATUS_MESSAGE];

    if (kind != LWG_H2_HDR_INITIAL)
        return;
    if (call->bad_content_type) {
        http_error(call, "415");
        return;
    }
    if (call->method_bad) {
        http_error(call, "405");
        return;
    }
    if (call->handler == NULL) {
        static const char prefix[] = "Method not found";
        memcpy(msg, prefix, sizeof prefix);
        lwg_call_finish(call, LWG_STATUS_UNIMPLEMENTED, msg, NULL, 0);
        return;
    }
    if (too_large || call->md_overflow) {
        lwg_call_finish(call, LWG_STATUS_RESOURCE_EXHAUSTED, "request metadata too large", NULL, 0);
        return;
    }
    if (call->has_deadline && lwg_call_remaining_ms(call, lwg_port_now_ms()) == 0) {
        lwg_call_finish(call, LWG_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded", NULL, 0);
        return;
    }
    {
        const lwg_server *srv = ((lwg_server_conn *)call->owner)->server;
        if (srv->opts && srv->opts->auth_check) {
            int code = srv->opts->auth_check(call, srv->opts->auth_user);
            if (code != LWG_STATUS_OK) {
                lwg_call_finish(call, code, code == LWG_STATUS_UNAUTHENTICATED
                                                ? "unauthenticated" : "permission denied",
                                NULL, 0);
                return;
            }
        }
    }
    call->started = 1;
    if (call->handler->on_start)
        call->handler->on_start(call);
}

/* The heads of almost every block a server sends, kept encoded by the
 * engine (memos 1 and 2; the fields themselves go into its table). */
static const lwg_h2_nv response_head_nv[] = {
    LWG_NV_INDEXED(":status", "200"),
    LWG_NV_INDEXED("content-type", "application/grpc"),
    LWG_NV_INDEXED("grpc-accept-encoding", "identity"),
};
static const lwg_h2_const_block response_head = { response_head_nv, 3, 0, 1 };
static const lwg_h2_nv status_ok_nv[] = { LWG_NV_INDEXED("grpc-status", "0") };
static const lwg_h2_const_block status_ok = { status_ok_nv, 1, 0, 2 };

/* Application metadata as fields at nv[0..room); returns the count, or
 * negative after failing the call. */
static int md_fields(lwg_call *call, const lwg_md *md, size_t count, lwg_h2_nv *nv, size_t room,
                     uint8_t *scratch, size_t *used, const char *too_large)
{
    int r;

    if (count == 0) /* the usual call */
        return 0;
    r = lwg_md_to_nv(md, count, nv, room, scratch, LWG_HEADER_SCRATCH, used);
    if (r < 0)
        lwg_call_abort(call, LWG_STATUS_INTERNAL, too_large, LWG_H2_INTERNAL_ERROR);
    return r;
}

int lwg_server_call_send_response_headers(lwg_call *call)
{
    lwg_h2_nv nv[LWG_MAX_METADATA];
    uint8_t scratch[LWG_HEADER_SCRATCH];
    size_t used = 0;
    int r = md_fields(call, call->headers_out, call->headers_out_count, nv, LWG_MAX_METADATA,
                      scratch, &used, "response metadata too large");

    if (r < 0)
        return r;
    r = lwg_h2_submit_const_headers(call->h2, call->stream, &response_head, nv, (size_t)r, 0);
    if (r == LWG_OK)
        call->headers_sent = 1;
    else if (r != LWG_EAGAIN)
        lwg_call_abort(call, LWG_STATUS_INTERNAL, "response headers too large",
                       LWG_H2_INTERNAL_ERROR);
    return r;
}

int lwg_server_call_send_trailers(lwg_call *call)
{
    lwg_h2_nv nv[3 + 2 * LWG_MAX_METADATA];
    uint8_t scratch[LWG_HEADER_SCRATCH];
    char code[4];
    size_t n = 0, used = 0;
    lwg_h2_stream *st = call->stream;
    const lwg_h2_const_block *head = NULL;
    int r;

    if (!call->headers_sent) { /* Trailers-Only: with any response metadata */
        head = &response_head;
        r = md_fields(call, call->headers_out, call->headers_out_count, nv, LWG_MAX_METADATA,
                      scratch, &used, "response metadata too large");
        if (r < 0)
            return r;
        n = (size_t)r;
    }
    if (call->status_code != LWG_STATUS_OK) {
        nv[n] = (lwg_h2_nv)LWG_NV("grpc-status", "");
        nv[n].value = (const uint8_t *)code;
        nv[n++].value_len = (uint32_t)lwg_status_format(call->status_code, code, sizeof code);
    } else if (head == NULL) {
        head = &status_ok; /* the trailers of almost every call */
    } else {
        nv[n++] = status_ok_nv[0];
    }
    if (call->status_msg_len) {
        r = lwg_pct_encode((const uint8_t *)call->status_msg, call->status_msg_len,
                           (char *)scratch + used, sizeof scratch - used);
        if (r > 0) {
            nv[n] = (lwg_h2_nv)LWG_NV("grpc-message", "");
            nv[n].value = scratch + used;
            nv[n++].value_len = (uint32_t)r;
            used += (size_t)r;
        }
    }
    r = md_fields(call, call->trailers_out, call->trailers_out_count, nv + n,
                  sizeof nv / sizeof nv[0] - n, scratch, &used, "trailing metadata too large");
    if (r < 0)
        return r;
    n += (size_t)r;
    r = lwg_h2_submit_const_headers(call->h2, st, head, nv, n, 1);
    if (r != LWG_OK) {
        if (r != LWG_EAGAIN)
            lwg_call_abort(call, LWG_STATUS_INTERNAL, "trailers too large", LWG_H2_INTERNAL_ERROR);
        return r;
    }
    call->headers_sent = 1;
    /* PROTOCOL-HTTP2.md: trailers before the client half-closed are
     * followed by RST_STREAM(NO_ERROR) */
    if (call->stream != NULL && !call->remote_closed)
        lwg_h2_submit_rst(call->h2, call->stream, LWG_H2_NO_ERROR);
    return LWG_OK;
}

int lwg_call_send_headers(lwg_call *call, const lwg_md *md, size_t n)
{
    if (!call->is_server || call->headers_sent || call->send_closed || call->completed)
        return LWG_EINVAL;
    if (n > LWG_MAX_METADATA)
        return LWG_ETOOBIG;
    call->headers_out = md;
    call->headers_out_count = n;
    call->headers_wanted = 1;
    if (call->stream == NULL)
        return LWG_ECLOSED;
    /* LWG_EAGAIN: they go out from on_send_ready, before any message */
    return lwg_server_call_send_response_headers(call) == LWG_ETOOBIG ? LWG_ETOOBIG : LWG_OK;
}

int lwg_call_finish(lwg_call *call, int code, const char *message, const lwg_md *md, size_t n)
{
    if (!call->is_server || call->send_closed || call->completed || call->state == LWG_CALL_IDLE)
        return LWG_EINVAL;
    if (n > LWG_MAX_METADATA)
        return LWG_ETOOBIG;
    if (code < 0 || code > 16)
        code = LWG_STATUS_UNKNOWN;
    lwg_call_set_status(call, code, message, message ? strlen(message) : 0);
    call->trailers_out = md;
    call->trailers_out_count = n;
    call->send_closed = 1;
    call->end_pending = 1;
    if (call->aborted || call->stream == NULL) {
        call->service_due = 1;
        return LWG_ECLOSED;
    }
    lwg_call_flush(call);
    return LWG_OK;
}

void lwg_server_call_stream_closed(lwg_call *call, unsigned how, uint32_t code)
{
    (void)code;
    switch (how) {
    case LWG_H2_CLOSE_NORMAL:
        break;
    case LWG_H2_CLOSE_RESET_PEER:
        call->aborted = 1;
        lwg_call_set_status(call, LWG_STATUS_CANCELLED, "cancelled by the client", 23);
        break;
    case LWG_H2_CLOSE_CONN:
    case LWG_H2_CLOSE_UNSENT:
        call->aborted = 1;
        lwg_call_set_status(call, LWG_STATUS_UNAVAILABLE, "connection closed", 17);
        break;
    default: /* RESET_US: after our trailers (NO_ERROR) or an abort */
        if (!call->end_sent)
            call->aborted = 1;
        lwg_call_set_status(call, LWG_STATUS_CANCELLED, "stream reset", 12);
        break;
    }
    lwg_call_stream_closed(call);
}

void lwg_server_call_complete(lwg_call *call)
{
    if (call->completed)
        return;
    call->completed = 1;
    call->state = LWG_CALL_DONE;
    if (call->started && call->handler && call->handler->on_done)
        call->handler->on_done(call);
    lwg_server_call_release(call); /* back to the pool */
}
