/*
 * lwg_call.c - what client and server calls share: the receive buffer and
 * message delivery, the outgoing message, the end of our side, status and
 * deadlines, and the nanopb glue.
 *
 * Receive buffer discipline: rx_buf holds length-prefixed messages from
 * rx_off on.  A delivered message is skipped (rx_off grows); the space
 * before rx_off is given back to the peer (lwg_h2_consume) only when the
 * buffer is compacted, which never happens while the application holds a
 * message view.  So the HTTP/2 window always equals the free space at the
 * end of rx_buf and an append never has to move a held message.
 *
 * Completion (on_status / on_done) never runs inside a transmit or
 * receive call chain: it is marked due and run by the owner's service
 * pass at the end of each pump, so a call's memory is never reused under
 * the code that is still using it.
 */
#include "core/lwg_call_priv.h"
#include "core/lwg_msgframe.h"
#include "core/lwg_pb.h"

#include <stddef.h>
#include <string.h>

#include <pb_encode.h>

void lwg_call_reset(lwg_call *call, int is_server, void *owner, lwg_h2_conn *h2)
{
    memset(call, 0, offsetof(lwg_call, md_in));
    lwg_metadata_init(&call->md_in);
    call->rx_off = 0;
    call->rx_len = 0;
    call->tx_len = 0;
    call->tx_off = 0;
    call->is_server = (uint8_t)(is_server ? 1 : 0);
    call->owner = owner;
    call->h2 = h2;
    call->max_recv = LWG_MAX_RECV_MESSAGE;
    call->max_send = LWG_MAX_SEND_MESSAGE;
}

/* ---- status ------------------------------------------------------------ */

void lwg_call_set_status(lwg_call *call, int code, const char *msg, size_t msg_len)
{
    if (call->status_set)
        return;
    call->status_set = 1;
    call->status_code = code;
    if (msg == NULL)
        msg_len = 0;
    if (msg_len > LWG_MAX_STATUS_MESSAGE)
        msg_len = LWG_MAX_STATUS_MESSAGE;
    if (msg_len)
        memcpy(call->status_msg, msg, msg_len);
    call->status_msg[msg_len] = '\0';
    call->status_msg_len = (uint16_t)msg_len;
}

void lwg_call_abort(lwg_call *call, int code, const char *msg, uint32_t h2_code)
{
    lwg_h2_stream *st = call->stream;

    if (call->state == LWG_CALL_IDLE || call->completed)
        return;
    lwg_call_set_status(call, code, msg, msg ? strlen(msg) : 0);
    call->aborted = 1;
    call->service_due = 1;
    if (!call->is_server && call->state == LWG_CALL_WAITING)
        lwg_channel_forget_waiting(call);
    if (st != NULL) {
        call->stream = NULL;
        st->user = NULL;
        lwg_h2_submit_rst(call->h2, st, h2_code);
    }
}

/* The peer's input is unacceptable (bad message, too large, ...).  A
 * client cancels (RST_STREAM(CANCEL)); a server answers with the status in
 * trailers (Trailers-Only if nothing was sent), as gRPC servers do, drops
 * whatever else arrives, and still tells its handler through on_done. */
void lwg_call_reject(lwg_call *call, int code, const char *msg)
{
    if (!call->is_server || call->stream == NULL || call->send_closed) {
        lwg_call_abort(call, code, msg, LWG_H2_CANCEL);
        return;
    }
    lwg_call_set_status(call, code, msg, strlen(msg));
    call->rejected = 1;
    call->tx_len = call->tx_off = 0; /* an unsent response is dropped */
    call->trailers_out = NULL;
    call->trailers_out_count = 0;
    call->send_closed = 1;
    call->end_pending = 1;
    lwg_call_flush(call);
}

void lwg_call_stream_closed(lwg_call *call)
{
    call->stream = NULL;
    call->service_due = 1;
}

/* ---- deadlines ------------------------------------------------------------- */

uint32_t lwg_call_deadline(const lwg_call *call, int *has)
{
    if (has)
        *has = call->has_deadline;
    return call->has_deadline ? call->deadline_ms : 0;
}

uint32_t lwg_call_remaining_ms(const lwg_call *call, uint32_t now_ms)
{
    int32_t left;

    if (!call->has_deadline)
        return LWG_NO_TIMEOUT;
    left = lwg_time_diff(call->deadline_ms, now_ms);
    return left > 0 ? (uint32_t)left : 0;
}

uint32_t lwg_call_check_deadline(lwg_call *call, uint32_t now_ms)
{
    uint32_t left;

    if (!call->has_deadline || call->completed || call->state == LWG_CALL_IDLE ||
        call->status_set)
        return LWG_NO_TIMEOUT;
    left = lwg_call_remaining_ms(call, now_ms);
    if (left == 0) {
        /* a server tells the client in trailers (then RST_STREAM), so the
         * client sees DEADLINE_EXCEEDED whatever its own timer says */
        lwg_call_reject(call, LWG_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded");
        return LWG_NO_TIMEOUT;
    }
    return left;
}

/* ---- receiving -------------------------------------------------------------- */

int lwg_call_rx_append(lwg_call *call, const uint8_t *data, size_t len)
{
    size_t end = call->rx_off + call->rx_len;

    if (len > sizeof call->rx_buf - end)
        return LWG_ETOOBIG;
    memcpy(call->rx_buf + end, data, len);
    call->rx_len += (uint32_t)len;
    return LWG_OK;
}

/* Give consumed space back: move what is left to the front and open the
 * window by as much.  Never while a message view is held. */
static void rx_compact(lwg_call *call)
{
    uint32_t freed = call->rx_off;

    if (call->rx_held || freed == 0)
        return;
    if (call->rx_len)
        memmove(call->rx_buf, call->rx_buf + freed, call->rx_len);
    call->rx_off = 0;
    if (call->stream != NULL)
        lwg_h2_consume(call->h2, call->stream, freed);
}

static int deliver(lwg_call *call, const uint8_t *msg, size_t len)
{
    if (call->is_server) {
        if (!call->started || call->send_closed)
            return LWG_OK; /* no handler runs, or it has answered: drop */
        return call->handler->on_message ? call->handler->on_message(call, msg, len) : LWG_OK;
    }
    return call->cbs->on_message ? call->cbs->on_message(call, msg, len) : LWG_OK;
}

/* Deliver complete messages; returns 0 when it must stop (held/aborted). */
static void deliver_messages(lwg_call *call)
{
    if (call->rejected) { /* our answer is out: drop what still comes */
        call->rx_off += call->rx_len;
        call->rx_len = 0;
        return;
    }
    while (!call->aborted && !call->rejected && !call->rx_held && !call->completed &&
           call->rx_len >= LWG_MSG_PREFIX_LEN) {
        const uint8_t *p = call->rx_buf + call->rx_off;
        uint32_t len;
        unsigned flags = lwg_msg_prefix_decode(p, &len);
        int r;

        if (flags > 1) {
            lwg_call_reject(call, LWG_STATUS_INTERNAL, "invalid message flags");
            return;
        }
        if (flags == 1) {
            /* we accept only identity: a compressed message is an error */
            lwg_call_reject(call, call->encoding_unknown ? LWG_STATUS_UNIMPLEMENTED : LWG_STATUS_INTERNAL,
                           call->encoding_unknown ? "compression not supported"
                                                  : "compressed message without grpc-encoding");
            return;
        }
        if (len > call->max_recv) {
            lwg_call_reject(call, LWG_STATUS_RESOURCE_EXHAUSTED,
                           "received message larger than max");
            return;
        }
        if (call->rx_len < LWG_MSG_PREFIX_LEN + len)
            return;
        /* a unary request goes to the handler with the client's half-close
         * (a second message or none at all is an error then) */
        if (call->is_server && call->method && !call->remote_closed &&
            (call->method->kind == LWG_RPC_UNARY ||
             call->method->kind == LWG_RPC_SERVER_STREAMING))
            return;
        call->messages_in++;
        if (call->is_server && call->method && call->messages_in > 1 &&
            (call->method->kind == LWG_RPC_UNARY ||
             call->method->kind == LWG_RPC_SERVER_STREAMING)) {
            lwg_call_reject(call, LWG_STATUS_INTERNAL, "too many requests for a unary request");
            return;
        }
        if (!call->is_server && call->messages_in > 1 &&
            (call->method->kind == LWG_RPC_UNARY ||
             call->method->kind == LWG_RPC_CLIENT_STREAMING)) {
            lwg_call_reject(call, LWG_STATUS_INTERNAL, "too many responses for a unary response");
            return;
        }
        r = deliver(call, p + LWG_MSG_PREFIX_LEN, len);
        if (r == LWG_EAGAIN) {
            call->rx_held = 1;
            return;
        }
        call->rx_off += LWG_MSG_PREFIX_LEN + len;
        call->rx_len -= LWG_MSG_PREFIX_LEN + len;
    }
}

void lwg_call_recv_done(lwg_call *call)
{
    const uint8_t *p;
    uint32_t len;

    if (!call->rx_held)
        return;
    p = call->rx_buf + call->rx_off;
    (void)lwg_msg_prefix_decode(p, &len);
    call->rx_held = 0;
    call->rx_off += LWG_MSG_PREFIX_LEN + len;
    call->rx_len -= LWG_MSG_PREFIX_LEN + len;
    call->service_due = 1;
}

void lwg_call_service(lwg_call *call)
{
    if (call->state == LWG_CALL_IDLE || call->completed)
        return;
    call->service_due = 0;
    deliver_messages(call);
    rx_compact(call);
    if (call->completed || call->state == LWG_CALL_IDLE)
        return;
    if (call->is_server) {
        if (call->remote_closed && !call->half_close_told && !call->aborted &&
            !call->rx_held && call->rx_len == 0) {
            call->half_close_told = 1;
            if (call->messages_in == 0 && call->started && !call->send_closed &&
                (call->method->kind == LWG_RPC_UNARY ||
                 call->method->kind == LWG_RPC_SERVER_STREAMING)) {
                lwg_call_reject(call, LWG_STATUS_INTERNAL, "missing request message");
            } else if (call->started && !call->send_closed && call->handler->on_half_close) {
                call->handler->on_half_close(call);
            }
        } else if (call->remote_closed && !call->aborted && !call->rx_held &&
                   call->rx_len > 0 && !call->half_close_told) {
            call->half_close_told = 1;
            lwg_call_reject(call, LWG_STATUS_INTERNAL, "stream ended inside a message");
        }
        if (call->stream == NULL && (call->status_set || call->aborted))
            lwg_server_call_complete(call);
        return;
    }
    if (call->stream == NULL && call->state == LWG_CALL_ACTIVE && !call->rx_held) {
        if (!call->aborted && call->rx_len > 0)
            lwg_call_set_status(call, LWG_STATUS_INTERNAL, "stream ended inside a message", 30);
        lwg_client_call_complete(call);
    }
}

/* ---- the engine's stream events, shared by channel and server ----------- */

void lwg_call_on_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data, size_t len)
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

void lwg_call_on_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    lwg_call *call = st->user;

    if (call == NULL)
        return;
    call->remote_closed = 1;
    call->service_due = 1;
    if (!call->is_server && !call->end_sent) {
        /* The server ended the call before we finished sending (its
         * trailers, or a response without them): the call is over.  Our
         * side is closed with RST_STREAM(NO_ERROR); what was received is
         * still delivered before on_status. */
        st->user = NULL;
        call->end_pending = 0;
        call->tx_len = call->tx_off = 0;
        lwg_h2_submit_rst(c, st, LWG_H2_NO_ERROR);
        lwg_client_call_stream_closed(call, LWG_H2_CLOSE_NORMAL, 0);
    }
}

/* ---- sending ----------------------------------------------------------------- */

static void notify_send_ready(lwg_call *call)
{
    if (!call->send_blocked || call->tx_off < call->tx_len)
        return;
    call->send_blocked = 0;
    if (call->is_server) {
        if (call->handler->on_send_ready)
            call->handler->on_send_ready(call);
    } else if (call->cbs->on_send_ready) {
        call->cbs->on_send_ready(call);
    }
}

void lwg_call_flush(lwg_call *call)
{
    lwg_h2_stream *st = call->stream;

    if (st == NULL || call->aborted || call->end_sent)
        return;
    if (call->is_server && !call->headers_sent && !call->end_pending &&
        (call->tx_off < call->tx_len || call->headers_wanted)) {
        if (lwg_server_call_send_response_headers(call) != LWG_OK)
            return; /* retried from on_send_ready */
    }
    while (call->tx_off < call->tx_len) {
        int end = !call->is_server && call->end_pending;
        int r = lwg_h2_submit_data(call->h2, st, call->tx_msg + call->tx_off,
                                   call->tx_len - call->tx_off, end);
        if (r < 0) {
            lwg_call_abort(call, LWG_STATUS_INTERNAL, "send failed", LWG_H2_INTERNAL_ERROR);
            return;
        }
        call->tx_off += (uint32_t)r;
        if (call->tx_off < call->tx_len)
            return; /* the engine calls on_send_ready when it can take more */
        /* A client keeps its first message until the call is known to
         * have reached the server: a refused call is restarted with it. */
        if (call->is_server || call->messages_out > 1 || call->retried)
            call->tx_len = call->tx_off = 0;
        if (end) {
            call->end_pending = 0;
            call->end_sent = 1;
        }
    }
    if (call->end_pending) {
        if (call->is_server) {
            if (lwg_server_call_send_trailers(call) != LWG_OK)
                return;
        } else if (lwg_h2_submit_data(call->h2, st, NULL, 0, 1) < 0) {
            return;
        }
        call->end_pending = 0;
        call->end_sent = 1;
        return;
    }
    notify_send_ready(call);
}

/* Can a message go into tx_msg now?  LWG_OK, LWG_ECLOSED or LWG_EAGAIN. */
static int send_ready(lwg_call *call)
{
    if (call->state == LWG_CALL_IDLE || call->completed || call->aborted ||
        call->send_closed || call->status_set)
        return LWG_ECLOSED;
    if (call->tx_off < call->tx_len) {
        call->send_blocked = 1;
        return LWG_EAGAIN;
    }
    return LWG_OK;
}

/* The `len` message bytes are at tx_msg + LWG_MSG_PREFIX_LEN: prefix
 * them and send. */
static int queue_message(lwg_call *call, size_t len)
{
    lwg_msg_prefix_encode(call->tx_msg, 0, (uint32_t)len);
    call->messages_out++;
    call->tx_len = LWG_MSG_PREFIX_LEN + (uint32_t)len;
    call->tx_off = 0;
    lwg_call_flush(call);
    return LWG_OK;
}

static size_t send_limit(const lwg_call *call)
{
    return call->max_send < LWG_MAX_SEND_MESSAGE ? call->max_send : LWG_MAX_SEND_MESSAGE;
}

int lwg_call_send(lwg_call *call, const uint8_t *msg, size_t len)
{
    int r = send_ready(call);

    if (r != LWG_OK)
        return r;
    if (len > send_limit(call))
        return LWG_ETOOBIG;
    if (len)
        memcpy(call->tx_msg + LWG_MSG_PREFIX_LEN, msg, len);
    return queue_message(call, len);
}

/* A server's message encoded straight into one DATA frame in the
 * connection's transmit buffer, when the response head is out (or goes
 * now) and the frame room takes it whole: no copy.  LWG_OK, or LWG_EAGAIN
 * to take the tx_msg path (which sorts out every other case). */
static int send_pb_direct(lwg_call *call, const struct pb_msgdesc_s *fields, const void *src)
{
    pb_ostream_t os;
    size_t room, limit = send_limit(call);
    uint8_t *p;

    if (!call->headers_sent && lwg_server_call_send_response_headers(call) != LWG_OK)
        return LWG_EAGAIN;
    p = lwg_h2_data_reserve(call->h2, call->stream, &room);
    if (p == NULL || room <= LWG_MSG_PREFIX_LEN)
        return LWG_EAGAIN;
    if (room - LWG_MSG_PREFIX_LEN < limit)
        limit = room - LWG_MSG_PREFIX_LEN;
    os = pb_ostream_from_buffer(p + LWG_MSG_PREFIX_LEN, limit);
    if (!pb_encode(&os, fields, src)) {
        /* A whole frame's room too small: the call's messages are large,
         * do not encode them twice again.  A room a window narrowed may
         * be wider for the next message. */
        if (room >= LWG_H2_MIN_MAX_FRAME_SIZE)
            call->no_direct = 1;
        return LWG_EAGAIN;
    }
    lwg_msg_prefix_encode(p, 0, (uint32_t)os.bytes_written);
    if (lwg_h2_data_commit(call->h2, call->stream, LWG_MSG_PREFIX_LEN + os.bytes_written,
                           0) != LWG_OK)
        return LWG_EAGAIN;
    call->messages_out++;
    return LWG_OK;
}

int lwg_call_send_pb(lwg_call *call, const struct pb_msgdesc_s *fields, const void *src)
{
    pb_ostream_t os;
    size_t size;
    int r = send_ready(call);

    if (r != LWG_OK)
        return r;
    if (call->is_server && !call->no_direct && call->stream != NULL &&
        send_pb_direct(call, fields, src) == LWG_OK)
        return LWG_OK;
    if (call->aborted) /* by the response head */
        return LWG_ECLOSED;
    /* one pass, straight into place after the prefix; only a failure
     * sizes the message, to tell too big from unencodable */
    os = pb_ostream_from_buffer(call->tx_msg + LWG_MSG_PREFIX_LEN, send_limit(call));
    if (!pb_encode(&os, fields, src)) {
        if (pb_get_encoded_size(&size, fields, src) && size > send_limit(call))
            return LWG_ETOOBIG;
        return LWG_EINVAL;
    }
    return queue_message(call, os.bytes_written);
}

int lwg_call_decode_pb(const uint8_t *msg, size_t len, const struct pb_msgdesc_s *fields,
                       void *dst)
{
    /* pb_decode()'s meaning without its memset of the whole struct */
    lwg_pb_reset(fields, dst);
    return lwg_pb_decode_noinit(msg, len, fields, dst);
}

void lwg_call_cancel(lwg_call *call)
{
    if (call->state == LWG_CALL_IDLE || call->completed)
        return;
    lwg_call_abort(call, LWG_STATUS_CANCELLED, "Cancelled", LWG_H2_CANCEL);
}

/* ---- header helpers ------------------------------------------------------------- */

int lwg_is_grpc_content_type(const uint8_t *v, size_t n)
{
    static const char ct[] = "application/grpc";
    size_t k = sizeof ct - 1;

    if (n < k || memcmp(v, ct, k) != 0)
        return 0;
    return n == k || v[k] == '+' || v[k] == ';';
}

int lwg_call_md_add(lwg_metadata *md, const lwg_h2_nv *nv)
{
    unsigned known = ((nv->cls & LWG_HPACK_CLS_PLAIN_NAME) ? LWG_MD_KNOWN_NAME_OK : 0u) |
                     ((nv->cls & LWG_HPACK_CLS_PRINTABLE) ? LWG_MD_KNOWN_VALUE_OK : 0u);

    return lwg_metadata_add_wire_known(md, (const char *)nv->name, nv->name_len, nv->value,
                                       nv->value_len, known);
}

int lwg_md_to_nv(const lwg_md *md, size_t n, lwg_h2_nv *nv, size_t nv_room,
                 uint8_t *scratch, size_t scratch_size, size_t *scratch_used)
{
    size_t used = *scratch_used;

    if (n > nv_room)
        return LWG_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        size_t nlen = strlen(md[i].name);
        nv[i].name = (const uint8_t *)md[i].name;
        nv[i].name_len = (uint32_t)nlen;
        nv[i].flags = 0;
        if (nlen > 4 && memcmp(md[i].name + nlen - 4, "-bin", 4) == 0) {
            int r = lwg_base64_encode(md[i].value, md[i].value_len, (char *)scratch + used,
                                      scratch_size - used);
            if (r < 0)
                return LWG_ETOOBIG;
            nv[i].value = scratch + used;
            nv[i].value_len = (uint32_t)r;
            used += (size_t)r;
        } else {
            nv[i].value = md[i].value;
            nv[i].value_len = (uint32_t)md[i].value_len;
        }
    }
    *scratch_used = used;
    return (int)n;
}
