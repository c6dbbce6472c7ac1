/*
 * lwg_client_call.c - the client half of a call: request headers out,
 * response headers, messages and trailers in, and the status the client
 * reports (PROTOCOL-HTTP2.md "Responses"; statuscodes.md for the codes
 * synthesised from HTTP statuses and HTTP/2 errors).
 */
#include "core/lwg_channel.h"
#include "core/lwg_call_priv.h"
#include "core/lwg_pct.h"
#include "core/lwg_timeout.h"

#include <string.h>

#define LWG_USER_AGENT "lwgrpc/" LWG_VERSION

/* fixed request fields + grpc-timeout + authorization */
#define REQUEST_FIXED_FIELDS 10

int lwg_client_call_send_headers(lwg_call *call)
{
    lwg_channel *ch = call->owner;
    const lwg_call_opts *o = call->opts;
    lwg_h2_nv nv[REQUEST_FIXED_FIELDS + LWG_MAX_METADATA];
    uint8_t scratch[LWG_HEADER_SCRATCH];
    size_t used = 0, n = 0;
    char timeout[12];
    /* a call's own :authority may change its text behind its pointer: no
     * memo names it */
    int own_authority = o && o->authority;
    const char *authority = own_authority ? o->authority : ch->authority;
    lwg_h2_const_block head = { nv, 0, (uint64_t)(uintptr_t)call->method, 4 };
    int r;

    /* The fields fixed for the channel and the method: the engine keeps
     * them encoded as one head (memo 4, named by the method), and as three
     * runs (see LWG_NV_MEMO) for when calls alternate between methods.
     * After the first calls on a connection the head is one copy. */
    nv[n++] = (lwg_h2_nv)LWG_NV_MEMO(":method", "POST", 1);
    nv[n++] = ch->use_tls ? (lwg_h2_nv)LWG_NV_MEMO(":scheme", "https", 1)
                          : (lwg_h2_nv)LWG_NV_MEMO(":scheme", "http", 1);
    nv[n] = (lwg_h2_nv)LWG_NV_MEMO(":authority", "", 1);
    nv[n].value = (const uint8_t *)authority;
    nv[n++].value_len = (uint32_t)strlen(authority);
    if (own_authority)
        nv[n - 1].flags = LWG_HPACK_INDEX;
    nv[n] = (lwg_h2_nv)LWG_NV_MEMO(":path", "", 2);
    nv[n].value = (const uint8_t *)call->method->path;
    nv[n++].value_len = (uint32_t)strlen(call->method->path);
    nv[n++] = (lwg_h2_nv)LWG_NV_MEMO("te", "trailers", 3);
    nv[n++] = (lwg_h2_nv)LWG_NV_MEMO("content-type", "application/grpc", 3);
    nv[n++] = (lwg_h2_nv)LWG_NV_MEMO("user-agent", LWG_USER_AGENT, 3);
    nv[n++] = (lwg_h2_nv)LWG_NV_MEMO("grpc-accept-encoding", "identity", 3);
    head.n = n;
    if (call->has_deadline) {
        uint32_t left = lwg_call_remaining_ms(call, lwg_port_now_ms());
        if (left == 0) {
            lwg_call_abort(call, LWG_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded", LWG_H2_CANCEL);
            return LWG_ETIMEOUT;
        }
        r = lwg_timeout_encode(left, timeout, sizeof timeout);
        if (r > 0) {
            /* changes on every call: raw (Huffman saves a byte or two
             * here, at a cost of hundreds of instructions), and in no
             * table (not worth the searches) */
            nv[n] = (lwg_h2_nv)LWG_NV_FLAGS("grpc-timeout", "",
                                            LWG_HPACK_NO_HUFFMAN | LWG_HPACK_NO_TABLE);
            nv[n].value = (const uint8_t *)timeout;
            nv[n++].value_len = (uint32_t)r;
        }
    }
    {
        const char *auth = (o && o->authorization) ? o->authorization : NULL;
        if (auth == NULL && ch->opts)
            auth = ch->opts->authorization;
        if (auth != NULL) {
            nv[n] = (lwg_h2_nv)LWG_NV("authorization", "");
            nv[n].value = (const uint8_t *)auth;
            nv[n].value_len = (uint32_t)strlen(auth);
            nv[n++].flags = LWG_HPACK_NEVER_INDEX; /* a secret */
        }
    }
    if (o && o->metadata_count) {
        r = lwg_md_to_nv(o->metadata, o->metadata_count, nv + n,
                         sizeof nv / sizeof nv[0] - n, scratch, sizeof scratch, &used);
        if (r < 0) {
            lwg_call_abort(call, LWG_STATUS_INTERNAL, "request metadata too large", LWG_H2_CANCEL);
            return r;
        }
        n += (size_t)r;
    }
    if (own_authority) /* no head: the fields go as they are */
        head.n = 0;
    r = lwg_h2_submit_const_headers(call->h2, call->stream, head.n ? &head : NULL,
                                    nv + head.n, n - head.n, 0);
    if (r == LWG_OK) {
        call->headers_sent = 1;
        return LWG_OK;
    }
    if (r != LWG_EAGAIN)
        lwg_call_abort(call, LWG_STATUS_INTERNAL, "request headers too large", LWG_H2_CANCEL);
    return r;
}

int lwg_client_call_header(lwg_call *call, unsigned kind, const lwg_h2_nv *nv)
{
    size_t in;
    int code, r;

    if (kind == LWG_H2_HDR_INFO)
        return 0;
    switch (nv->name_id) {
    case LWG_HNAME_STATUS: /* three digits: checked by the engine */
        call->http_status = (uint16_t)((nv->value[0] - '0') * 100 + (nv->value[1] - '0') * 10 +
                                       (nv->value[2] - '0'));
        return 0;
    case LWG_HNAME_GRPC_STATUS:
        if (lwg_status_parse(nv->value, nv->value_len, &code) != LWG_OK)
            code = LWG_STATUS_UNKNOWN;
        call->grpc_status_value = code;
        call->grpc_status_seen = 1;
        return 0;
    case LWG_HNAME_GRPC_MESSAGE:
        /* decode what fits: the first LWG_MAX_STATUS_MESSAGE input bytes
         * never decode to more than that */
        in = nv->value_len < LWG_MAX_STATUS_MESSAGE ? nv->value_len : LWG_MAX_STATUS_MESSAGE;
        r = lwg_pct_decode(nv->value, in, (uint8_t *)call->status_msg, LWG_MAX_STATUS_MESSAGE);
        if (r < 0)
            r = 0;
        call->status_msg[r] = '\0';
        call->status_msg_len = (uint16_t)r;
        return 0;
    default:
        break;
    }
    if (lwg_call_header_common(call, nv))
        return 0;
    /* everything else is metadata for the application */
    /* full storage fails the call; a malformed entry is dropped */
    if (lwg_call_md_add(&call->md_in, nv) == LWG_ENOMEM) {
        lwg_call_abort(call, LWG_STATUS_RESOURCE_EXHAUSTED, "response metadata too large",
                       LWG_H2_CANCEL);
    }
    return 0;
}

/* Keep the decoded grpc-message while the status code is set. */
static void set_status_keep_msg(lwg_call *call, int code)
{
    char msg[LWG_MAX_STATUS_MESSAGE + 1];
    size_t n = call->status_msg_len;

    memcpy(msg, call->status_msg, n);
    lwg_call_set_status(call, code, msg, n);
}

void lwg_client_call_headers_end(lwg_call *call, unsigned kind, int too_large)
{
    char msg[48];

    if (kind == LWG_H2_HDR_INFO)
        return;
    if (too_large) {
        lwg_call_abort(call, LWG_STATUS_RESOURCE_EXHAUSTED, "response metadata too large",
                       LWG_H2_CANCEL);
        return;
    }
    if (kind == LWG_H2_HDR_TRAILERS) {
        call->resp_phase = LWG_CALL_RESP_TRAILERS;
        if (call->grpc_status_seen)
            set_status_keep_msg(call, call->grpc_status_value);
        else
            lwg_call_set_status(call, LWG_STATUS_UNKNOWN, "missing grpc-status in trailers", 31);
        return;
    }
    call->resp_phase = LWG_CALL_RESP_HEADERS;
    call->md_trailers_start = (uint16_t)lwg_metadata_count(&call->md_in);
    if (call->http_status != 200 && !call->grpc_status_seen) {
        int n = 0;
        const char *p = "Received http2 header with status: ";
        while (*p && n < (int)sizeof msg - 4)
            msg[n++] = *p++;
        msg[n++] = (char)('0' + call->http_status / 100 % 10);
        msg[n++] = (char)('0' + call->http_status / 10 % 10);
        msg[n++] = (char)('0' + call->http_status % 10);
        msg[n] = '\0';
        lwg_call_abort(call, lwg_status_from_http(call->http_status), msg, LWG_H2_CANCEL);
        return;
    }
    if (call->bad_content_type && !call->grpc_status_seen) {
        lwg_call_abort(call, LWG_STATUS_UNKNOWN, "invalid content-type", LWG_H2_CANCEL);
        return;
    }
    if (call->grpc_status_seen) { /* Trailers-Only */
        call->resp_phase = LWG_CALL_RESP_TRAILERS;
        set_status_keep_msg(call, call->grpc_status_value);
        return;
    }
    if (call->cbs->on_headers)
        call->cbs->on_headers(call);
}

void lwg_client_call_stream_closed(lwg_call *call, unsigned how, uint32_t code)
{
    switch (how) {
    case LWG_H2_CLOSE_NORMAL:
        if (call->resp_phase != LWG_CALL_RESP_TRAILERS)
            lwg_call_set_status(call, LWG_STATUS_INTERNAL, "stream closed without trailers", 30);
        break;
    case LWG_H2_CLOSE_RESET_PEER:
        call->aborted = 1;
        lwg_call_set_status(call, lwg_status_from_h2_error(code), "stream reset by peer", 20);
        break;
    case LWG_H2_CLOSE_REFUSED:
        call->aborted = 1;
        lwg_call_set_status(call, LWG_STATUS_UNAVAILABLE, "stream refused", 14);
        break;
    case LWG_H2_CLOSE_CONN:
    case LWG_H2_CLOSE_UNSENT:
        call->aborted = 1;
        lwg_call_set_status(call, LWG_STATUS_UNAVAILABLE, "connection closed", 17);
        break;
    default: /* we reset it: the status was set when we did */
        call->aborted = 1;
        lwg_call_set_status(call, LWG_STATUS_INTERNAL, "stream reset", 12);
        break;
    }
    lwg_call_stream_closed(call);
}

int lwg_call_close_send(lwg_call *call)
{
    if (call->is_server || call->state == LWG_CALL_IDLE || call->completed)
        return LWG_EINVAL;
    if (call->send_closed)
        return LWG_OK;
    call->send_closed = 1;
    call->end_pending = 1;
    if (call->stream != NULL && call->headers_sent)
        lwg_call_flush(call);
    return LWG_OK;
}
