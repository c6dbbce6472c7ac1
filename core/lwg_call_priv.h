/*
 * lwg_call_priv.h - internals shared by the call, channel and server
 * files of core/.  Not for applications.
 *
 *   lwg_call.c         both roles: receive buffer and message delivery,
 *                      the outgoing message, status, deadlines, nanopb
 *   lwg_client_call.c  request headers out, response headers/trailers in
 *   lwg_channel.c      the client connection, waiting calls, its link
 *   lwg_server_call.c  request headers in, response headers/trailers out
 *   lwg_server.c       connections, the call pool, the server's link
 */
#ifndef LWG_CALL_PRIV_H
#define LWG_CALL_PRIV_H

#include "core/lwg_base64.h"
#include "core/lwg_call.h"
#include <string.h>

#include "core/lwg_version.h"
#include "transport/lwg_h2.h"

/* ---- lwg_call.c -------------------------------------------------------- */

/** Reset the call's bookkeeping for a new RPC (buffers are not cleared). */
void lwg_call_reset(lwg_call *call, int is_server, void *owner,
                    lwg_h2_conn *h2);

/** DATA bytes for the call: appended to rx_buf.  Returns LWG_OK, or
 *  LWG_ETOOBIG when they do not fit (only possible before the peer has
 *  acknowledged our window settings); the caller fails the call. */
int lwg_call_rx_append(lwg_call *call, const uint8_t *data, size_t len);

/** Deliver complete messages while the application takes them; then, if
 *  the call is over, deliver its completion.  Safe to call any time from
 *  the pump. */
void lwg_call_service(lwg_call *call);

/** The engine's on_data and on_remote_end for a call's stream (both
 *  roles): bytes into the call's buffer, delivery, the peer's end. */
void lwg_call_on_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data, size_t len);
void lwg_call_on_remote_end(lwg_h2_conn *c, lwg_h2_stream *st);

/** Push the outgoing message (and the end of our side) into the stream
 *  as far as windows allow; role-specific headers go first. */
void lwg_call_flush(lwg_call *call);

/** Record the outcome (the first one wins).  `msg` may be NULL. */
void lwg_call_set_status(lwg_call *call, int code, const char *msg,
                         size_t msg_len);

/** Fail an active call: status, RST_STREAM(h2_code) if the stream is
 *  open, completion from the next service. */
void lwg_call_abort(lwg_call *call, int code, const char *msg,
                    uint32_t h2_code);

/** The peer's input is unacceptable or the call ran out of time: a
 *  client cancels (RST_STREAM(CANCEL)); a server answers with the status
 *  in trailers (Trailers-Only if nothing was sent) and drops the rest. */
void lwg_call_reject(lwg_call *call, int code, const char *msg);

/** The stream is gone (closed or reset): detach it. */
void lwg_call_stream_closed(lwg_call *call);

/** Check the deadline; abort with DEADLINE_EXCEEDED when passed.  Returns
 *  ms until it (LWG_NO_TIMEOUT without one). */
uint32_t lwg_call_check_deadline(lwg_call *call, uint32_t now_ms);

/** Add a received field to `md` (lwg_metadata_add_wire()), skipping the
 *  byte checks the HPACK decoder's classes (nv->cls) vouch for. */
int lwg_call_md_add(lwg_metadata *md, const lwg_h2_nv *nv);

/** Is this content-type gRPC ("application/grpc", "+proto", ";...")? */
int lwg_is_grpc_content_type(const uint8_t *v, size_t n);

/** A received field both roles treat the same way: content-type and
 *  grpc-encoding (noted in the call), and the fields that are protocol,
 *  not application metadata: pseudo-headers, te, content-length (which the
 *  engine checks against the DATA received), and the reserved grpc-*
 *  names (except -bin ones such as grpc-status-details-bin, which
 *  applications read).  Returns 1 for those, 0 for metadata.  The engine
 *  names the known fields (nv->name_id) and refuses unknown
 *  pseudo-headers, so only other grpc-* names are looked at byte by
 *  byte. */
static inline int lwg_call_header_common(lwg_call *call, const lwg_h2_nv *nv)
{
    size_t n = nv->name_len;

    switch (nv->name_id) {
    case LWG_HNAME_CONTENT_TYPE:
        if (!lwg_is_grpc_content_type(nv->value, nv->value_len))
            call->bad_content_type = 1;
        return 1;
    case LWG_HNAME_GRPC_ENCODING:
        /* identity is all we speak: anything else makes a compressed
         * message UNIMPLEMENTED (lwg_call.c deliver_messages) */
        if (!(nv->value_len == 8 && memcmp(nv->value, "identity", 8) == 0))
            call->encoding_unknown = 1;
        return 1;
    case LWG_HNAME_AUTHORITY: case LWG_HNAME_METHOD: case LWG_HNAME_PATH:
    case LWG_HNAME_SCHEME: case LWG_HNAME_STATUS: case LWG_HNAME_TE:
    case LWG_HNAME_GRPC_TIMEOUT: case LWG_HNAME_GRPC_ACCEPT_ENCODING:
    case LWG_HNAME_GRPC_STATUS: case LWG_HNAME_GRPC_MESSAGE:
    case LWG_HNAME_CONTENT_LENGTH: /* checked against the DATA by the engine */
        return 1; /* protocol, read by the role's own handler or not at all */
    case LWG_HNAME_OTHER:
        /* the other reserved grpc-* names; -bin ones are the application's */
        return n > 5 && memcmp(nv->name, "grpc-", 5) == 0 &&
               !(n > 9 && memcmp(nv->name + n - 4, "-bin", 4) == 0);
    default:
        return 0;
    }
}

/** Append an nv entry for each application metadata entry, encoding -bin
 *  values into scratch.  Returns entries added or LWG_ETOOBIG. */
int lwg_md_to_nv(const lwg_md *md, size_t n, lwg_h2_nv *nv, size_t nv_room,
                 uint8_t *scratch, size_t scratch_size, size_t *scratch_used);

/** Name/value helper for constant header fields.  LWG_NV_INDEXED: a field
 *  that repeats on the connection (the same name and value call after
 *  call), kept in the HPACK encoder's table and sent as one byte. */
#define LWG_NV_FLAGS(n, v, f) \
    { (const uint8_t *)(n), (const uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, (f), 0, 0 }
#define LWG_NV(n, v)         LWG_NV_FLAGS(n, v, 0)
#define LWG_NV_INDEXED(n, v) LWG_NV_FLAGS(n, v, LWG_HPACK_INDEX)
/** Indexed, and part of a run the engine keeps encoded in memo `id`
 *  (lwg_h2_submit_headers): the same pointers must always mean the same
 *  text.  Memos: client 1 = :method :scheme :authority, 2 = :path,
 *  3 = te content-type user-agent grpc-accept-encoding, 4 = the whole
 *  request head (lwg_h2_const_block); server 1 = response head, 2 =
 *  grpc-status 0 (lwg_h2_const_block, fields LWG_NV_INDEXED). */
#define LWG_NV_MEMO(n, v, id) LWG_NV_FLAGS(n, v, LWG_HPACK_INDEX | LWG_HPACK_MEMO(id))

/* ---- lwg_client_call.c / lwg_channel.c ---------------------------------- */
int lwg_client_call_send_headers(lwg_call *call);
int lwg_client_call_header(lwg_call *call, unsigned kind, const lwg_h2_nv *nv);
void lwg_client_call_headers_end(lwg_call *call, unsigned kind, int too_large);
void lwg_client_call_stream_closed(lwg_call *call, unsigned how, uint32_t code);
void lwg_client_call_complete(lwg_call *call);
/** A waiting client call was aborted: take it off the waiting list. */
void lwg_channel_forget_waiting(lwg_call *call);
/** A call the server never processed: queue it again (once).  Returns 1
 *  if it was requeued, 0 if it must fail. */
int lwg_channel_retry(lwg_call *call);

/* ---- lwg_server_call.c ------------------------------------------------------ */
int lwg_server_call_header(lwg_call *call, unsigned kind, const lwg_h2_nv *nv);
void lwg_server_call_headers_end(lwg_call *call, unsigned kind, int too_large);
void lwg_server_call_stream_closed(lwg_call *call, unsigned how, uint32_t code);
int lwg_server_call_send_response_headers(lwg_call *call);
int lwg_server_call_send_trailers(lwg_call *call);
void lwg_server_call_complete(lwg_call *call);
/** The call slot is idle again: back on the server's free stack. */
void lwg_server_call_release(lwg_call *call);

#endif /* LWG_CALL_PRIV_H */
