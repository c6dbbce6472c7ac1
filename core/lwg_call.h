/*
 * lwg_call.h - a gRPC call, client or server side, and the method table.
 *
 * WHAT A CALL IS
 *   One RPC on one HTTP/2 stream.  The same struct serves both roles:
 *   a client call is placed by the application (static, stack, its own
 *   pool) and started on a channel (core/lwg_channel.h); a server call is
 *   taken from the server's fixed pool when a request arrives
 *   (core/lwg_server.h) and handed to the method's handler.
 *
 * MEMORY (inside lwg_call, sized by port/lwg_opt.h)
 *   rx_buf[LWG_CALL_RX_BUF]  received bytes, length-prefixed
 *       messages in a row.  The stream's HTTP/2 receive window never
 *       exceeds its free space, so the peer cannot overrun it; a message
 *       is handed up as a view into it and its bytes are freed (and the
 *       window reopened) when the application is done with it.
 *   tx_msg[LWG_MAX_SEND_MESSAGE + 5]  the one outgoing message being sent,
 *       prefix included; the next lwg_call_send() waits until it is out.
 *   md_in     metadata received: request headers (server) or response
 *             headers and then trailers (client), -bin values decoded.
 *   status    code, message, and grpc-status-details-bin as bytes.
 *   Outgoing metadata is never copied into the call: the application's
 *   lwg_md arrays are encoded straight into the HTTP/2 transmit buffer and
 *   must stay valid until the call completes.
 *
 * EVENTS (lwg_call_cbs for client calls, lwg_handler for server calls)
 *   Callbacks run inside the driver's pump (lwg_channel_* / lwg_server_*
 *   poll and tick), never from another thread.  They may call any lwg_call
 *   function on any call.  After on_status (client) or on_done (server)
 *   returns, the call is over and its memory is the owner's again.
 *
 * FLOW
 *   client: lwg_call_start -> [on_headers] -> on_message* -> on_status
 *           the app: lwg_call_send* -> lwg_call_close_send, or cancel
 *   server: handler->on_start -> on_message* -> on_half_close
 *           the handler: lwg_call_send_headers? lwg_call_send*
 *           -> lwg_call_finish;  -> on_done (always, exactly once;
 *           its status says if the call was cancelled)
 *
 *   A producer that sends many messages is not blocked: lwg_call_send()
 *   returns LWG_EAGAIN while the previous message is still going out, and
 *   on_send_ready says when to send the next one.
 */
#ifndef LWG_CALL_H
#define LWG_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "core/lwg_metadata.h"
#include "core/lwg_status.h"
#include "port/lwg_opt.h"
#include "port/lwg_err.h"

struct pb_msgdesc_s; /* nanopb's message descriptor (pb.h) */
struct lwg_h2_conn;  /* transport/lwg_h2.h */

/** RPC kinds. */
typedef enum lwg_rpc_kind {
    LWG_RPC_UNARY = 0,
    LWG_RPC_SERVER_STREAMING = 1,
    LWG_RPC_CLIENT_STREAMING = 2,
    LWG_RPC_BIDI_STREAMING = 3
} lwg_rpc_kind;

/** A method: generated per RPC by protoc-gen-lwgrpc (or written by hand).
 *  Read-only; lives in flash. */
typedef struct lwg_method {
    const char *path;                        /* "/pkg.Service/Method"      */
    uint8_t kind;                            /* lwg_rpc_kind               */
    const struct pb_msgdesc_s *request;      /* nanopb fields, may be NULL */
    const struct pb_msgdesc_s *response;     /* nanopb fields, may be NULL */
} lwg_method;

/** An outgoing metadata entry.  Names are lowercase; names ending in
 *  "-bin" carry raw bytes (sent base64, unpadded).  Borrowed until the
 *  call completes. */
typedef struct lwg_md {
    const char *name;
    const uint8_t *value;
    size_t value_len;
} lwg_md;

/** Per-call options (client).  All fields may be zero. */
typedef struct lwg_call_opts {
    uint32_t timeout_ms;          /* 0 = no deadline                       */
    const lwg_md *metadata;       /* custom request metadata               */
    size_t metadata_count;
    uint32_t max_recv_message;    /* 0 = LWG_MAX_RECV_MESSAGE              */
    uint32_t max_send_message;    /* 0 = LWG_MAX_SEND_MESSAGE              */
    const char *authority;        /* overrides the channel's :authority    */
    uint8_t wait_for_ready;       /* wait through TRANSIENT_FAILURE (until */
                                  /* the deadline) instead of failing fast */
    const char *authorization;    /* per-RPC credentials ("Bearer ..."),   */
                                  /* see lwg_channel_opts                  */
} lwg_call_opts;

typedef struct lwg_call lwg_call;

/** Client-call events.  Any member may be NULL. */
typedef struct lwg_call_cbs {
    /** Response headers arrived (md_in holds them).  Not called for a
     *  Trailers-Only response. */
    void (*on_headers)(lwg_call *call);
    /** One response message: `msg` is a view valid until this returns,
     *  unless the callback returns LWG_EAGAIN to hold it: then it stays
     *  valid until lwg_call_recv_done(); nothing more is delivered until
     *  then.  Return LWG_OK when done with it. */
    int (*on_message)(lwg_call *call, const uint8_t *msg, size_t len);
    /** Room to send the next message (the previous one is out). */
    void (*on_send_ready)(lwg_call *call);
    /** The call is over: lwg_call_status() has the outcome, md_in the
     *  trailers.  The call's memory is the application's again once this
     *  returns. */
    void (*on_status)(lwg_call *call);
} lwg_call_cbs;

/** Server handler for one method.  Read-only; lives in flash. */
typedef struct lwg_handler {
    const lwg_method *method;
    /** A request arrived: md_in has its metadata, lwg_call_deadline() its
     *  deadline.  The handler may answer at once or later. */
    void (*on_start)(lwg_call *call);
    /** One request message, as on_message above (LWG_EAGAIN holds it). */
    int (*on_message)(lwg_call *call, const uint8_t *msg, size_t len);
    /** The client finished sending. */
    void (*on_half_close)(lwg_call *call);
    /** Room to send the next message. */
    void (*on_send_ready)(lwg_call *call);
    /** The call is over: finished (lwg_call_status() is what we sent),
     *  cancelled by the client (CANCELLED), past its deadline
     *  (DEADLINE_EXCEEDED) or its connection died (UNAVAILABLE).  Called
     *  exactly once; the call goes back to the pool after it returns. */
    void (*on_done)(lwg_call *call);
    void *user;                   /* handler_data() for the handler        */
} lwg_handler;

/* call states */
#define LWG_CALL_IDLE      0  /* not started / back in the pool           */
#define LWG_CALL_WAITING   1  /* client: waiting for a connection/stream  */
#define LWG_CALL_ACTIVE    2  /* stream open                              */
#define LWG_CALL_DONE      3  /* status known; completion being delivered */

/* client response phases */
#define LWG_CALL_RESP_NONE     0
#define LWG_CALL_RESP_HEADERS  1
#define LWG_CALL_RESP_TRAILERS 2

struct lwg_call {
    /* ownership and links (the engine's; read-only for the application) */
    void *owner;                  /* lwg_channel or lwg_server_conn        */
    void *conn;                   /* client: the lwg_channel_conn in use   */
    struct lwg_h2_conn *h2;       /* the connection carrying the stream    */
    void *stream;                 /* lwg_h2_stream while active            */
    lwg_call *next;               /* channel's waiting list                */
    lwg_call *active_next;        /* channel's list of started calls       */
    const lwg_method *method;
    const lwg_call_cbs *cbs;      /* client                                */
    const lwg_handler *handler;   /* server                                */
    const lwg_call_opts *opts;    /* client, borrowed                      */
    void *user;                   /* the application's                     */

    uint8_t state;                /* LWG_CALL_*                            */
    uint8_t is_server;
    uint8_t resp_phase;           /* client: LWG_CALL_RESP_*               */
    uint8_t headers_sent;         /* request / response headers are out    */
    uint8_t headers_wanted;       /* server: send headers before any data  */
    uint8_t send_closed;          /* we ended our side (or will)           */
    uint8_t end_pending;          /* END_STREAM / trailers wait for tx_msg */
    uint8_t remote_closed;        /* the peer ended its side               */
    uint8_t rx_held;              /* a message is held by the application  */
    uint8_t has_deadline;
    uint8_t status_set;
    uint8_t bad_content_type;     /* server: answer 415                    */
    uint16_t http_status;
    uint32_t deadline_ms;
    uint32_t max_recv;
    uint32_t max_send;
    uint32_t messages_in;

    /* outcome */
    int status_code;
    int grpc_status_value;        /* client: grpc-status as received       */
    uint16_t status_msg_len;
    char status_msg[LWG_MAX_STATUS_MESSAGE + 1];
    const lwg_md *headers_out;    /* server: response metadata to send     */
    size_t headers_out_count;
    const lwg_md *trailers_out;   /* server: trailing metadata to send     */
    size_t trailers_out_count;
    uint16_t md_trailers_start;   /* client: first md_in entry of trailers */
    uint8_t send_blocked;         /* the app saw LWG_EAGAIN: on_send_ready */
    uint8_t grpc_status_seen;     /* client: grpc-status was received      */
    uint8_t completed;            /* on_status / on_done delivered         */
    uint8_t method_bad;           /* server: :method was not POST          */
    uint8_t aborted;              /* ended by an error: drop the rest      */
    uint8_t rejected;             /* server: input refused, status sent    */
    uint8_t end_sent;             /* END_STREAM / trailers are out         */
    uint8_t half_close_told;      /* server: on_half_close delivered       */
    uint8_t encoding_unknown;     /* peer's grpc-encoding is not identity  */
    uint8_t started;              /* server: on_start was called           */
    uint8_t md_overflow;          /* server: request metadata did not fit  */
    uint8_t retried;              /* client: transparently restarted once  */
    uint8_t wait_for_ready;
    uint8_t no_direct;            /* server: a message outgrew a frame:    */
                                  /* encode into tx_msg from now on        */
    uint32_t messages_out;        /* messages sent or queued (lwg_call_send */
                                  /* and lwg_call_send_pb)                 */
    uint8_t service_due;          /* completion or delivery waits for the  */
                                  /* owner's service pass                  */

    lwg_metadata md_in;

    /* receive: length-prefixed messages in a row at rx_buf[rx_off..] */
    uint32_t rx_off;
    uint32_t rx_len;
    uint8_t rx_buf[LWG_CALL_RX_BUF];

    /* send: one message, prefix included */
    uint32_t tx_len;
    uint32_t tx_off;
    uint8_t tx_msg[LWG_MAX_SEND_MESSAGE + 5];
};

/* ---- both roles ---------------------------------------------------------- */

/** Queue one message (copied into the call).  LWG_OK: the call owns a
 *  copy and sends it as windows allow.  LWG_EAGAIN: the previous message
 *  is still going out; retry in on_send_ready.  LWG_ETOOBIG: larger than
 *  the call's maximum send size; the call is untouched (the caller
 *  decides; lwg_call_fail_send_too_big() ends it RESOURCE_EXHAUSTED).
 *  LWG_ECLOSED: the call is over or our side is closed. */
int lwg_call_send(lwg_call *call, const uint8_t *msg, size_t len);

/** Encode `src` with nanopb `fields` and send it as lwg_call_send() does
 *  (same returns).  No copy: a server's message is encoded straight into
 *  its DATA frame in the connection's transmit buffer when the frame room
 *  takes it, any other straight into the call's send buffer. */
int lwg_call_send_pb(lwg_call *call, const struct pb_msgdesc_s *fields,
                     const void *src);

/** Decode a received message view into *dst with nanopb, as pb_decode()
 *  does: *dst is reset first (fields empty or at their defaults; the
 *  callbacks the caller set are kept), but without writing every byte of
 *  it (lwg_pb_reset, core/lwg_pb.h).  LWG_OK or LWG_EPROTO. */
int lwg_call_decode_pb(const uint8_t *msg, size_t len,
                       const struct pb_msgdesc_s *fields, void *dst);

/** Release a message held by returning LWG_EAGAIN from on_message; the
 *  next one (or the status) is delivered from the next pump. */
void lwg_call_recv_done(lwg_call *call);

/** Received metadata (headers; for a finished client call, trailers). */
static inline const lwg_metadata *lwg_call_metadata(const lwg_call *call)
{
    return &call->md_in;
}

/** Status code (lwg_status_code) once known, and its message. */
static inline int lwg_call_status(const lwg_call *call)
{
    return call->status_code;
}
static inline const char *lwg_call_status_message(const lwg_call *call)
{
    return call->status_msg;
}

/** Deadline in lwg_port_now_ms() time; 0 with *has = 0 when none. */
uint32_t lwg_call_deadline(const lwg_call *call, int *has);

/** Milliseconds left before the deadline (0 if passed), or
 *  LWG_NO_TIMEOUT without one.  A handler that calls another server
 *  passes this on as that call's timeout_ms (deadline propagation). */
uint32_t lwg_call_remaining_ms(const lwg_call *call, uint32_t now_ms);

/** Cancel: RST_STREAM(CANCEL).  A client call ends CANCELLED (on_status
 *  follows from the next pump); a server call ends (on_done). */
void lwg_call_cancel(lwg_call *call);

/* ---- client --------------------------------------------------------------- */

/** End our side (END_STREAM) after any queued message. */
int lwg_call_close_send(lwg_call *call);

/* lwg_call_start() lives in lwg_channel.h: a call starts on a channel. */

/* ---- server ----------------------------------------------------------------- */

/** Send response headers now with extra metadata (else they go with the
 *  first message or the trailers).  `md` borrowed until the call ends. */
int lwg_call_send_headers(lwg_call *call, const lwg_md *md, size_t n);

/** Finish: send trailers with `code`, `message` (copied; percent-encoded
 *  on the wire) and trailing metadata `md` (borrowed until on_done)
 *  after any queued message.  With nothing sent before, the response is
 *  Trailers-Only.  If the client has not finished sending, RST_STREAM
 *  (NO_ERROR) follows the trailers, as the spec asks. */
int lwg_call_finish(lwg_call *call, int code, const char *message,
                    const lwg_md *md, size_t n);

/** The handler's user pointer. */
static inline void *lwg_call_handler_data(const lwg_call *call)
{
    return call->handler ? call->handler->user : NULL;
}

#endif /* LWG_CALL_H */
