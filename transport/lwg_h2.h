/*
 * lwg_h2.h - the HTTP/2 engine: one connection, client or server role,
 * sans-I/O (RFC 9113, HPACK RFC 7541).
 *
 * WHAT IT IS
 *   An lwg_h2_conn is one HTTP/2 connection in fixed memory.  It never
 *   calls a socket, a clock or an allocator.  A driver pumps it:
 *
 *     bytes in   lwg_h2_recv(c, data, len, now) -> bytes consumed
 *     bytes out  lwg_h2_output(c, &len) -> view;  lwg_h2_output_done(c, n)
 *     time       lwg_h2_tick(c, now);  lwg_h2_next_timeout(c, now)
 *
 *   lwg_h2_link_ops adapts these to the port contract (port/lwg_port.h) so
 *   any port driver can pump a connection.
 *
 *   The layer above (core/, or a test) gets events through a const table
 *   of callbacks (lwg_h2_callbacks, may live in flash) and acts through
 *   lwg_h2_submit_*() calls.  Callbacks may call submit functions; they run
 *   inside lwg_h2_recv()/lwg_h2_output_done()/lwg_h2_tick().
 *
 * MEMORY (all inside lwg_h2_conn, sized by port/lwg_opt.h)
 *   streams[LWG_MAX_STREAMS]      stream slots; a slot is reused as soon as
 *                                 its stream closes.  Streams closed
 *                                 recently are remembered by id only
 *                                 (recent_resets[], last ids), so late
 *                                 frames get the RFC's answer without
 *                                 holding a slot.
 *   id_index[LWG_H2_ID_BUCKETS]   the slots by stream id (open addressing,
 *                                 1 byte a bucket up to 255 streams), a
 *                                 bit per slot for the slots in use and
 *                                 for those with work waiting (want_send,
 *                                 a pending RST_STREAM, credit owed), and
 *                                 counters: frames find their stream and
 *                                 output() its work without scanning the
 *                                 table.  28 bytes for 2 streams, 40 for
 *                                 8, 328 for 100.
 *   hb_buf[LWG_MAX_HEADER_LIST]   a field representation of the header
 *                                 block being received that a frame's end
 *                                 cut (whole ones are decoded in place):
 *                                 it bounds one field representation; the
 *                                 decoded list is bounded separately.
 *   field_buf[LWG_MAX_HEADER_FIELD]  one decoded header field.
 *   hpack_dec                     the HPACK dynamic table, a fixed ring.
 *   tx_buf[LWG_TX_BUF_SIZE]       frames waiting to be sent.
 *   DATA is never buffered by the engine: received DATA is handed up as
 *   views into the caller's input; sent DATA is copied into tx_buf (or
 *   written there directly via lwg_h2_data_reserve()).
 *
 * FLOW CONTROL
 *   Receiving: each stream's window starts at settings.initial_window,
 *   which must not exceed what the upper layer can buffer per stream.  The
 *   upper layer calls lwg_h2_consume(c, st, n) when it has freed n bytes;
 *   WINDOW_UPDATE is sent once the freed amount reaches half the window
 *   (coalesced, never one per frame).  Padding and DATA for closed streams
 *   are returned to the connection window at once.
 *   Sending: lwg_h2_submit_data() takes as much as the connection window,
 *   the stream window, the peer's MAX_FRAME_SIZE and the room in tx_buf
 *   allow, and returns how much it took; the rest waits for on_send_ready.
 *
 * BACKPRESSURE
 *   lwg_h2_recv() only starts parsing a frame when tx_buf has room for any
 *   answer that frame may need (LWG_H2_TX_RESERVE bytes); otherwise it
 *   returns early and the driver must flush output first.  A PING or
 *   SETTINGS flood therefore stalls the peer instead of growing memory.
 *   HEADERS and DATA submissions leave that reserve free.
 *
 * ERRORS (RFC 9113 §5.4)
 *   Stream errors: RST_STREAM with the code, the stream closes, the rest
 *   go on.  Connection errors: GOAWAY with the last peer stream id and the
 *   code, every stream closes, lwg_h2_recv() returns LWG_ECONN from then
 *   on, and lwg_h2_wants_close() turns true once the GOAWAY is flushed.
 *   The first fatal error is kept: lwg_h2_conn_error().
 */
#ifndef LWG_H2_H
#define LWG_H2_H

#include <stddef.h>
#include <stdint.h>

#include "port/lwg_port.h"
#include "transport/lwg_h2_frame.h"
#include "transport/lwg_h2_prot.h"
#include "transport/lwg_hpack.h"

/* tx_buf bytes kept free for control answers (RST_STREAM, PING ACK,
 * SETTINGS ACK, WINDOW_UPDATE, GOAWAY with a short debug string). */
#define LWG_H2_TX_RESERVE 64

typedef struct lwg_h2_conn lwg_h2_conn;

/* The stream table's indexes (struct lwg_h2_conn, kept by
 * lwg_h2_stream.c).  A bucket of the id index holds a slot number + 1
 * (0 = empty); there are at least twice as many buckets as slots (a power
 * of two), so the index is never more than half full. */
#if LWG_MAX_STREAMS <= 255
typedef uint8_t lwg_h2_slot;
#else
typedef uint16_t lwg_h2_slot;
#endif
#if LWG_MAX_STREAMS <= 2
#define LWG_H2_ID_BUCKETS 4
#elif LWG_MAX_STREAMS <= 4
#define LWG_H2_ID_BUCKETS 8
#elif LWG_MAX_STREAMS <= 8
#define LWG_H2_ID_BUCKETS 16
#elif LWG_MAX_STREAMS <= 16
#define LWG_H2_ID_BUCKETS 32
#elif LWG_MAX_STREAMS <= 32
#define LWG_H2_ID_BUCKETS 64
#elif LWG_MAX_STREAMS <= 64
#define LWG_H2_ID_BUCKETS 128
#elif LWG_MAX_STREAMS <= 128
#define LWG_H2_ID_BUCKETS 256
#elif LWG_MAX_STREAMS <= 256
#define LWG_H2_ID_BUCKETS 512
#elif LWG_MAX_STREAMS <= 512
#define LWG_H2_ID_BUCKETS 1024
#else /* <= 1024, port/lwg_opt_check.h */
#define LWG_H2_ID_BUCKETS 2048
#endif
/* words of a bit-per-slot set */
#define LWG_H2_SLOT_WORDS (((LWG_MAX_STREAMS) + 31) / 32)

/** Stream states (RFC 9113 §5.1; no push, so no reserved states). */
typedef enum lwg_h2_stream_state {
    LWG_H2_ST_FREE = 0,          /* slot unused                          */
    LWG_H2_ST_IDLE,              /* client: slot taken, HEADERS not sent */
    LWG_H2_ST_OPEN,
    LWG_H2_ST_HALF_CLOSED_LOCAL, /* we sent END_STREAM                   */
    LWG_H2_ST_HALF_CLOSED_REMOTE,/* peer sent END_STREAM                 */
    LWG_H2_ST_RST_PENDING        /* closed; our RST_STREAM not yet in tx */
} lwg_h2_stream_state;

/** lwg_h2_stream.length_left when the peer sent no content-length (or
 *  one of 4 GiB - 1 or more, which is not checked). */
#define LWG_H2_NO_LENGTH 0xffffffffu

/** One stream slot.  The upper layer may read id, state and the windows,
 *  and owns `user`; everything else is the engine's.  The pointer stays
 *  valid until on_stream_close returns. */
typedef struct lwg_h2_stream {
    uint32_t id;            /* 0 until a client stream's HEADERS are sent */
    uint8_t  state;         /* lwg_h2_stream_state */
    uint8_t  local;         /* opened by us */
    uint8_t  headers_in;    /* header blocks received (1 = initial done) */
    uint8_t  want_send;     /* a send was cut short: tell on_send_ready */
    uint32_t length_left;   /* DATA bytes the peer's content-length     */
                            /* still owes (§8.1.1), or LWG_H2_NO_LENGTH */
    uint32_t rst_code;      /* RST_PENDING: the code to send */
    int32_t  send_window;   /* may go negative after a SETTINGS change */
    int32_t  recv_window;   /* what the peer may still send us */
    uint32_t recv_unacked;  /* consumed, not yet returned by WINDOW_UPDATE */
    uint32_t tx_mark;       /* conn tx_written where our HEADERS began:   */
                            /* nothing of the stream left if tx_sent <= it */
    void    *user;
} lwg_h2_stream;

/** A header field going out or coming in: the HPACK decoder's field type
 *  (name, value, name_len, value_len, flags, name_id, cls; see
 *  lwg_hpack_field), so that a decoded field goes up as it is.  Going out,
 *  flags are LWG_HPACK_NEVER_INDEX, _NO_HUFFMAN, _INDEX, _NO_TABLE,
 *  LWG_HPACK_MEMO(id); coming in, LWG_HPACK_NEVER_INDEX or 0, with the
 *  name's LWG_HNAME_* and the field's LWG_HPACK_CLS_* bits.  Incoming
 *  views are valid only during the callback that carries them. */
typedef lwg_hpack_field lwg_h2_nv;

/** Which header block a field or on_headers_end belongs to. */
#define LWG_H2_HDR_INITIAL  0   /* request headers, or response headers */
#define LWG_H2_HDR_TRAILERS 1   /* trailing headers (with END_STREAM)   */
#define LWG_H2_HDR_INFO     2   /* 1xx informational response (client) */

/** How a stream ended, for on_stream_close. */
#define LWG_H2_CLOSE_NORMAL     0 /* END_STREAM both ways                    */
#define LWG_H2_CLOSE_RESET_PEER 1 /* peer sent RST_STREAM(code)              */
#define LWG_H2_CLOSE_RESET_US   2 /* we sent RST_STREAM(code) (stream error
                                     or lwg_h2_submit_rst)                    */
#define LWG_H2_CLOSE_REFUSED    3 /* never processed by the peer (GOAWAY
                                     above last-stream-id, or
                                     REFUSED_STREAM): safe to retry          */
#define LWG_H2_CLOSE_CONN       4 /* the connection failed or closed         */
#define LWG_H2_CLOSE_UNSENT     5 /* the connection closed before any byte
                                     of this stream of ours left: it never
                                     reached the peer                        */

/** Events for the upper layer.  Any member may be NULL. */
typedef struct lwg_h2_callbacks {
    /** Server: the peer opens stream `st` (its HEADERS are arriving).
     *  Return 0 to accept (set st->user), or a negative code to refuse
     *  with RST_STREAM(REFUSED_STREAM).  NULL accepts. */
    int (*on_stream_open)(lwg_h2_conn *c, lwg_h2_stream *st);

    /** One decoded header field of block `kind`.  Views are borrowed for
     *  the call.  Return 0, or negative to reset the stream with
     *  RST_STREAM(code = -ret if -ret is an HTTP/2 code, else
     *  INTERNAL_ERROR) — e.g. when metadata storage is full. */
    int (*on_header)(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                     const lwg_h2_nv *nv);

    /** Header block `kind` is complete and well-formed.  `too_large` is
     *  set when the decoded list passed our MAX_HEADER_LIST_SIZE: some
     *  fields were not delivered; the upper layer decides the answer
     *  (e.g. a RESOURCE_EXHAUSTED status, or lwg_h2_submit_rst()). */
    void (*on_headers_end)(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                           int too_large);

    /** DATA payload bytes (padding removed), in order, in chunks of any
     *  size.  `data` is borrowed for the call.  The upper layer must call
     *  lwg_h2_consume(c, st, n) as it frees its buffer. */
    void (*on_data)(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data,
                    size_t len);

    /** The peer ended its side (END_STREAM on HEADERS or DATA). */
    void (*on_remote_end)(lwg_h2_conn *c, lwg_h2_stream *st);

    /** The stream is finished; `how` is LWG_H2_CLOSE_*, `code` the
     *  HTTP/2 error code (NO_ERROR for a normal close).  The slot is
     *  reused after this returns: forget `st`. */
    void (*on_stream_close)(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how,
                            uint32_t code);

    /** The peer sent GOAWAY.  Streams above last_id are closed with
     *  LWG_H2_CLOSE_REFUSED right after this returns.  `debug` is borrowed
     *  (at most LWG_GOAWAY_DEBUG_MAX bytes of it are kept). */
    void (*on_goaway)(lwg_h2_conn *c, uint32_t last_id, uint32_t code,
                      const uint8_t *debug, size_t debug_len);

    /** Room to send again on `st` after a submit was cut short (window
     *  opened or tx_buf drained).  st == NULL: a new stream may be opened
     *  now (a slot freed or the peer raised its concurrency limit). */
    void (*on_send_ready)(lwg_h2_conn *c, lwg_h2_stream *st);

    /** The ACK of our PING with this payload arrived. */
    void (*on_ping_ack)(lwg_h2_conn *c, const uint8_t opaque[8]);

    /** The peer sent a PING (its ACK is already queued).  A server's
     *  keepalive enforcement counts these (gRPC "ping strikes"). */
    void (*on_ping)(lwg_h2_conn *c, const uint8_t opaque[8]);

    /** The peer's first SETTINGS arrived: the connection is usable. */
    void (*on_ready)(lwg_h2_conn *c);

    /** A connection error happened (ours or the peer's GOAWAY with an
     *  error, or the transport closed).  err is LWG_E..., h2_code the
     *  HTTP/2 code.  Streams are closed after this returns. */
    void (*on_conn_error)(lwg_h2_conn *c, int err, uint32_t h2_code);
} lwg_h2_callbacks;

/** Settings we advertise (shared, read-only; may live in flash).  NULL in
 *  lwg_h2_conn_init() means the option defaults. */
typedef struct lwg_h2_settings {
    uint32_t header_table_size;    /* <= LWG_HPACK_TABLE_SIZE            */
    uint32_t max_concurrent;       /* <= LWG_MAX_STREAMS                 */
    uint32_t initial_window;       /* per-stream receive window          */
    uint32_t conn_window;          /* connection receive window >= 65535 */
    uint32_t max_frame_size;       /* 16384..2^24-1                      */
    uint32_t max_header_list;      /* <= LWG_MAX_HEADER_LIST             */
    uint32_t settings_timeout_ms;  /* 0 = no timeout                     */
} lwg_h2_settings;

extern const lwg_h2_settings lwg_h2_default_settings;

/** Peer settings as last received (RFC defaults until then). */
typedef struct lwg_h2_peer_settings {
    uint32_t header_table_size;
    uint32_t max_concurrent;     /* 0xffffffff = unlimited */
    uint32_t initial_window;
    uint32_t max_frame_size;
    uint32_t max_header_list;    /* 0xffffffff = unlimited */
    uint8_t  enable_push;
} lwg_h2_peer_settings;

/** Connection states. */
#define LWG_H2_CONN_PREFACE  0  /* server: waiting for the client magic    */
#define LWG_H2_CONN_SETTINGS 1  /* waiting for the peer's first SETTINGS   */
#define LWG_H2_CONN_OPEN     2
#define LWG_H2_CONN_CLOSING  3  /* GOAWAY sent or received; draining       */
#define LWG_H2_CONN_FAILED   4  /* connection error: GOAWAY being flushed  */

struct lwg_h2_conn {
    const lwg_h2_callbacks *cb;
    void *user;                      /* the upper layer's, untouched       */
    const lwg_h2_settings *local;    /* what we advertise                  */
    lwg_h2_peer_settings peer;

    uint8_t  is_server;
    uint8_t  state;                  /* LWG_H2_CONN_*                      */
    uint8_t  settings_unacked;       /* our SETTINGS frames not yet ACKed  */
    uint8_t  goaway_sent;
    uint8_t  goaway_received;
    uint8_t  goaway_pending;         /* GOAWAY decided, not yet in tx_buf  */
    int      fatal;                  /* first fatal LWG_E... (0 = none)    */
    uint32_t fatal_code;             /* its HTTP/2 error code              */
    uint32_t goaway_code;            /* GOAWAY we send: code, last id      */
    uint32_t goaway_last_id;
    const char *goaway_debug_out;    /* static string, may be NULL         */
    uint32_t settings_sent_ms;

    /* stream ids */
    uint32_t next_local_id;          /* next id for a stream we open       */
    uint32_t last_local_id;          /* highest id we used                 */
    uint32_t last_peer_id;           /* highest id the peer opened         */
    uint32_t peer_goaway_last_id;    /* from the peer's GOAWAY             */
    uint32_t recent_resets[LWG_RECENT_RESETS];  /* ids we closed lately;   */
                                     /* top bit set: we reset it           */
    uint8_t  recent_reset_next;

    /* flow control (connection level) */
    int32_t  conn_send_window;
    int32_t  conn_recv_window;
    uint32_t conn_recv_unacked;

    lwg_h2_stream streams[LWG_MAX_STREAMS];
    /* indexes over streams[], changed only with the slots they describe
     * (lwg_h2_stream.c; lwg_h2_stream_table_check() recounts them) */
    lwg_h2_slot id_index[LWG_H2_ID_BUCKETS];    /* slot + 1 by id, 0 = empty */
    uint32_t slots_used[LWG_H2_SLOT_WORDS];     /* bit per slot: not FREE    */
    uint32_t slots_want_send[LWG_H2_SLOT_WORDS];/* st->want_send is set      */
    uint32_t slots_rst_pending[LWG_H2_SLOT_WORDS]; /* state RST_PENDING      */
    uint32_t slots_credit[LWG_H2_SLOT_WORDS];   /* may owe a WINDOW_UPDATE   */
    uint16_t streams_used;           /* slots not FREE                     */
    uint16_t streams_local;          /* ours, not FREE (IDLE too)          */
    uint16_t streams_counted[2];     /* the peer's [0] and ours [1] that   */
                                     /* count against MAX_CONCURRENT: not  */
                                     /* FREE and not IDLE                  */

    /* receive state machine */
    uint8_t  rx_state;               /* see lwg_h2_recv.c                  */
    uint8_t  rx_hdr_have;            /* bytes of the frame header so far   */
    uint8_t  rx_hdr[9];
    uint8_t  rx_ctl_have;
    uint8_t  rx_whole_credited;      /* DATA: the frame went back to the   */
                                     /* connection window at its start     */
    uint8_t  rx_ctl[8];              /* small payloads: one setting, PING, */
                                     /* RST, WINDOW_UPDATE, GOAWAY head    */
    lwg_h2_frame_hdr rx;             /* the frame being received           */
    uint32_t rx_pos;                 /* payload bytes consumed so far      */
    uint32_t rx_pad;                 /* pad length (PADDED frames)         */
    uint32_t rx_body_start;          /* first byte of body/fragment        */
    lwg_h2_stream *rx_stream;        /* DATA target (NULL: drop)           */

    /* header block in progress (HEADERS + CONTINUATION) */
    uint8_t  hb_active;              /* expecting CONTINUATION             */
    uint8_t  hb_kind;                /* LWG_H2_HDR_*                       */
    uint8_t  hb_deliver;             /* fields go to the upper layer       */
    uint8_t  hb_end_stream;          /* HEADERS carried END_STREAM         */
    uint8_t  hb_too_large;           /* decoded list passed the bound      */
    uint8_t  hb_malformed;           /* RFC 9113 §8.1.1: reset at the end  */
    uint8_t  hb_seen_regular;        /* a regular field came: no pseudo    */
    uint8_t  hb_self_dependency;     /* PRIORITY fields name the stream    */
    uint64_t hb_length;              /* content-length; none: UINT64_MAX   */
    uint16_t hb_pseudo;              /* pseudo-header fields seen (bits)   */
    uint16_t hb_continuations;
    uint32_t hb_stream_id;
    lwg_h2_stream *hb_stream;        /* its slot (checked against the id)  */
    uint32_t hb_len;                 /* undecoded bytes held in hb_buf     */
    uint32_t hb_list_size;           /* decoded size, §6.5.2 accounting    */
    uint8_t  hb_buf[LWG_MAX_HEADER_LIST];
    uint8_t  field_buf[LWG_MAX_HEADER_FIELD];
    lwg_hpack_dec hpack_dec;
    lwg_hpack_enc hpack_enc;

    /* our PING (keepalive builds on it) */
    uint8_t  ping_outstanding;
    uint8_t  ping_opaque[8];

    /* HEADERS and DATA frames written so far (wraps).  A server's ping
     * strikes reset whenever this moves (gRPC keepalive enforcement). */
    uint32_t hd_frames_sent;
    /* bytes received so far (wraps): keepalive measures from the last read */
    uint32_t bytes_received;

    /* the peer's GOAWAY debug data (first LWG_GOAWAY_DEBUG_MAX bytes) */
    uint16_t goaway_debug_len;
    uint8_t  goaway_debug[LWG_GOAWAY_DEBUG_MAX + 1];

    /* bytes ever written into tx_buf / handed to the driver (wrap) */
    uint32_t tx_written;
    uint32_t tx_sent;

    /* transmit buffer: bytes [tx_head, tx_tail) are waiting to be sent */
    uint32_t tx_head;
    uint32_t tx_tail;
    uint8_t  tx_buf[LWG_TX_BUF_SIZE];
};

/* ---- life cycle ------------------------------------------------------ */

/** Initialise `c` (caller-placed: static, stack or its own memory) as a
 *  client (is_server = 0) or server connection.  `cb` and `settings`
 *  (NULL = defaults) must outlive the connection.  The client preface or
 *  the server's SETTINGS are queued at once: call lwg_h2_output().
 *  Returns LWG_OK or LWG_EINVAL for settings out of range. */
int lwg_h2_conn_init(lwg_h2_conn *c, int is_server,
                     const lwg_h2_callbacks *cb, void *user,
                     const lwg_h2_settings *settings, uint32_t now_ms);

/** Feed received bytes.  Returns bytes consumed (may be less than len
 *  when tx_buf must be flushed first: flush, then offer the rest), or
 *  LWG_ECONN once the connection has failed.  `data` is borrowed for the
 *  call; DATA payload views handed to on_data point into it. */
int lwg_h2_recv(lwg_h2_conn *c, const uint8_t *data, size_t len,
                uint32_t now_ms);

/** View of the bytes waiting to be sent (*len = 0 if none).  Pending
 *  WINDOW_UPDATEs, RST_STREAMs and GOAWAY are written first.  Valid until
 *  lwg_h2_output_done() or the next lwg_h2_recv()/lwg_h2_tick(). */
const uint8_t *lwg_h2_output(lwg_h2_conn *c, size_t *len);

/** The first n bytes of the last lwg_h2_output() view were sent.  May
 *  call on_send_ready for streams waiting for room. */
void lwg_h2_output_done(lwg_h2_conn *c, size_t n);

/** Run timers (our SETTINGS' ACK timeout). */
void lwg_h2_tick(lwg_h2_conn *c, uint32_t now_ms);

/** Milliseconds until lwg_h2_tick() has work, or LWG_NO_TIMEOUT. */
uint32_t lwg_h2_next_timeout(const lwg_h2_conn *c, uint32_t now_ms);

/** Non-zero when the connection is over (failed, or GOAWAY exchanged and
 *  no stream left) and tx_buf is empty: the driver should close it. */
int lwg_h2_wants_close(const lwg_h2_conn *c);

/** The transport under the connection closed (err = LWG_EIO, or LWG_OK
 *  for a clean FIN).  Every stream closes with LWG_H2_CLOSE_CONN. */
void lwg_h2_transport_closed(lwg_h2_conn *c, int err);

/** First fatal error (LWG_E..., 0 if none) and its HTTP/2 code. */
int lwg_h2_conn_error(const lwg_h2_conn *c, uint32_t *h2_code);

/** The link operations for port drivers (ctx = the lwg_h2_conn). */
extern const lwg_link_ops lwg_h2_link_ops;

/* ---- streams --------------------------------------------------------- */

/** Client: take a stream slot for a new request.  Its id is assigned when
 *  its HEADERS are submitted.  Returns NULL when no slot is free or the
 *  peer's MAX_CONCURRENT_STREAMS is reached (wait for on_send_ready with
 *  st == NULL), or when the connection is closing (check
 *  lwg_h2_can_open()).  `user` is stored in st->user. */
lwg_h2_stream *lwg_h2_stream_open(lwg_h2_conn *c, void *user);

/** LWG_OK if a stream could be opened now, LWG_EAGAIN if it must wait
 *  for a slot, LWG_ECLOSED if the connection takes no new streams. */
int lwg_h2_can_open(const lwg_h2_conn *c);

/** Number of streams in use (not free). */
unsigned lwg_h2_active_streams(const lwg_h2_conn *c);

/** Find the stream with this id (NULL if not open). */
lwg_h2_stream *lwg_h2_stream_find(lwg_h2_conn *c, uint32_t id);

/* ---- sending ----------------------------------------------------------- */

/** Encode a header block (request headers, response headers or trailers)
 *  straight into tx_buf, as HEADERS plus CONTINUATION frames when it is
 *  larger than the peer's MAX_FRAME_SIZE.  end_stream ends our side.
 *  The fields are copied.  Consecutive fields with the same
 *  LWG_HPACK_MEMO(id) in their flags form a run whose encoding the HPACK
 *  encoder keeps (memo `id`) while its table does not change; a later run
 *  with the same field pointers and lengths is then one copy.  Use it only
 *  for fields whose text never changes behind the same pointers.
 *  Returns LWG_OK; LWG_EAGAIN when tx_buf has no
 *  room now (retry on on_send_ready; st->want_send is set); LWG_ETOOBIG
 *  when the block can never fit tx_buf or the peer's
 *  MAX_HEADER_LIST_SIZE; LWG_EINVAL in the wrong stream state;
 *  LWG_ECLOSED when the connection no longer takes new streams. */
int lwg_h2_submit_headers(lwg_h2_conn *c, lwg_h2_stream *st,
                          const lwg_h2_nv *nv, size_t n, int end_stream);

/** The head of a header block whose fields never change for `key`: a
 *  server's response head or OK trailers (static descriptors, key 0:
 *  the descriptor's address), a client's request fields for one method
 *  (key: the method).  The HPACK encoder keeps the head's encoding in
 *  memo `memo` (1..LWG_HPACK_MEMOS) while its table does not change, so
 *  that the head is one copy; one key must always mean the same fields on
 *  a connection.  The fields may carry memo runs of their own (used when
 *  the head's memo is not current). */
typedef struct lwg_h2_const_block {
    const lwg_h2_nv *nv;
    size_t   n;
    uint64_t key;
    uint8_t  memo;
} lwg_h2_const_block;

/** lwg_h2_submit_headers() for the block made of `head` (may be NULL),
 *  then nv[0..n).  A head alone with its memo current is one copy into
 *  one HEADERS frame.  Same returns as lwg_h2_submit_headers(). */
int lwg_h2_submit_const_headers(lwg_h2_conn *c, lwg_h2_stream *st,
                                const lwg_h2_const_block *head, const lwg_h2_nv *nv,
                                size_t n, int end_stream);

/** Copy up to len DATA bytes into tx_buf as DATA frames, within the
 *  connection and stream send windows, the peer's MAX_FRAME_SIZE and the
 *  room in tx_buf.  end_stream sets END_STREAM on the last frame if all
 *  len bytes were taken.  Returns the bytes taken (0..len; when short,
 *  on_send_ready follows later), or LWG_EINVAL in the wrong state. */
int lwg_h2_submit_data(lwg_h2_conn *c, lwg_h2_stream *st,
                       const uint8_t *data, size_t len, int end_stream);

/** Zero-copy DATA: reserve one DATA frame's payload space in tx_buf.
 *  Returns a pointer where up to *room bytes may be written (*room is
 *  limited by windows, frame size and tx room; 0 means wait for
 *  on_send_ready), or NULL in the wrong state.  Follow with
 *  lwg_h2_data_commit() before any other call on the connection, or with
 *  nothing: a reservation not committed sends nothing. */
uint8_t *lwg_h2_data_reserve(lwg_h2_conn *c, lwg_h2_stream *st, size_t *room);

/** Send the n bytes written at the reserved pointer (n <= room; n may be
 *  0 only with end_stream). */
int lwg_h2_data_commit(lwg_h2_conn *c, lwg_h2_stream *st, size_t n,
                       int end_stream);

/** Reset the stream with RST_STREAM(code).  on_stream_close is called
 *  (LWG_H2_CLOSE_RESET_US) before this returns. */
int lwg_h2_submit_rst(lwg_h2_conn *c, lwg_h2_stream *st, uint32_t code);

/** The upper layer freed n bytes of st's receive buffer: open the
 *  windows again (WINDOW_UPDATE once half a window is owed). */
void lwg_h2_consume(lwg_h2_conn *c, lwg_h2_stream *st, size_t n);

/** Send a PING with this payload; on_ping_ack follows.  One outstanding
 *  PING at a time: LWG_EAGAIN while one is unanswered or tx_buf is full. */
int lwg_h2_submit_ping(lwg_h2_conn *c, const uint8_t opaque[8]);

/** Send GOAWAY(last_id, code, debug) and take no new peer streams above
 *  last_id.  last_id = LWG_H2_GOAWAY_LAST_PEER uses the last stream the
 *  peer opened.  `debug` must be a static string (kept by pointer) or
 *  NULL.  May be called again with a lower last_id (graceful shutdown).
 *  A non-zero code makes the connection close once the frame is sent. */
#define LWG_H2_GOAWAY_LAST_PEER 0xffffffffu
int lwg_h2_submit_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code,
                         const char *debug);

#endif /* LWG_H2_H */
