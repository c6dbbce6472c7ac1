/*
 * lwg_opt_check.h - rejects impossible option combinations at compile time.
 * Included at the end of port/lwg_opt.h; never include it directly.
 */
#ifndef LWG_OPT_CHECK_H
#define LWG_OPT_CHECK_H

#if LWG_MAX_STREAMS < 1 || LWG_MAX_STREAMS > 1024
#error "LWG_MAX_STREAMS must be 1..1024"
#endif

/* the memo keeps its lengths in 8 bits */
#if LWG_HPACK_DEC_MEMO < 0 || LWG_HPACK_DEC_MEMO > 255
#error "LWG_HPACK_DEC_MEMO must be 0..255"
#endif
/* RFC 7541: a table must at least hold one minimal entry (32 bytes of
 * overhead); the ring stores lengths in 16 bits. */
#if LWG_HPACK_TABLE_SIZE < 64 || LWG_HPACK_TABLE_SIZE > 65535
#error "LWG_HPACK_TABLE_SIZE must be 64..65535"
#endif
#if LWG_HPACK_ENC_TABLE_SIZE < 0 || LWG_HPACK_ENC_TABLE_SIZE > 65535
#error "LWG_HPACK_ENC_TABLE_SIZE must be 0..65535"
#endif

/* A header block must hold at least the pseudo-headers of one request. */
#if LWG_MAX_HEADER_LIST < 256
#error "LWG_MAX_HEADER_LIST must be at least 256"
#endif
#if LWG_MAX_HEADER_FIELD < 64 || LWG_MAX_HEADER_FIELD > LWG_MAX_HEADER_LIST
#error "LWG_MAX_HEADER_FIELD must be 64..LWG_MAX_HEADER_LIST"
#endif
/* Any field the peer may index into our table must fit the decode
 * scratch, or the table could not be kept in step (RFC 7541 §4.4). */
#if LWG_MAX_HEADER_FIELD < LWG_HPACK_TABLE_SIZE - 32
#error "LWG_MAX_HEADER_FIELD must be at least LWG_HPACK_TABLE_SIZE - 32"
#endif

/* The transmit buffer must take the 24-byte preface, a SETTINGS frame with
 * all our settings (9 + 6*6), a WINDOW_UPDATE (13) and one frame header
 * with a little payload; 128 is the floor. */
#if LWG_TX_BUF_SIZE < 128
#error "LWG_TX_BUF_SIZE must be at least 128 bytes"
#endif

/* RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE is 2^14 .. 2^24-1. */
#if LWG_MAX_FRAME_SIZE < 16384 || LWG_MAX_FRAME_SIZE > 16777215
#error "LWG_MAX_FRAME_SIZE must be 16384..16777215 (RFC 9113 6.5.2)"
#endif

/* RFC 9113 §6.9.1: a window may never exceed 2^31-1. */
#if LWG_STREAM_RECV_WINDOW < 1 || LWG_STREAM_RECV_WINDOW > 2147483647
#error "LWG_STREAM_RECV_WINDOW must be 1..2^31-1"
#endif
#if LWG_CONN_RECV_WINDOW < 65535 || LWG_CONN_RECV_WINDOW > 2147483647
#error "LWG_CONN_RECV_WINDOW must be 65535..2^31-1 (the RFC's initial connection window is 65535 and can only be raised)"
#endif

#if LWG_GOAWAY_DEBUG_MAX < 0 || LWG_GOAWAY_DEBUG_MAX > 1024
#error "LWG_GOAWAY_DEBUG_MAX must be 0..1024"
#endif
#if LWG_RECENT_RESETS < 1
#error "LWG_RECENT_RESETS must be at least 1"
#endif
#if LWG_MAX_CONTINUATIONS < 1
#error "LWG_MAX_CONTINUATIONS must be at least 1"
#endif

#if LWG_MAX_RECV_MESSAGE < 1 || LWG_MAX_SEND_MESSAGE < 1
#error "LWG_MAX_RECV_MESSAGE and LWG_MAX_SEND_MESSAGE must be positive"
#endif
/* gRPC's length prefix is 32 bits; keep messages under 2^31. */
#if LWG_MAX_RECV_MESSAGE > 2147483647 || LWG_MAX_SEND_MESSAGE > 2147483647
#error "gRPC messages are limited to 2^31-1 bytes here"
#endif
#if LWG_CALL_RX_BUF < LWG_MAX_RECV_MESSAGE + 5 || LWG_CALL_RX_BUF > 2147483647
#error "LWG_CALL_RX_BUF must hold one whole message (LWG_MAX_RECV_MESSAGE + 5) and be at most 2^31-1"
#endif
#if LWG_CHANNEL_CONNS < 1 || LWG_CHANNEL_CONNS > 8
#error "LWG_CHANNEL_CONNS must be 1..8"
#endif
#if LWG_MAX_CONNECTIONS < 1
#error "LWG_MAX_CONNECTIONS must be at least 1"
#endif

/* ---- TLS ---------------------------------------------------------------- */
#if LWG_TLS != 0 && LWG_TLS != 1
#error "LWG_TLS must be 0 or 1"
#endif
#if LWG_TLS
/* the arena must at least hold one connection's two record buffers */
#if LWG_TLS_ARENA_SIZE < LWG_TLS_RECORD_IN + LWG_TLS_RECORD_OUT + 4096
#error "LWG_TLS_ARENA_SIZE must exceed LWG_TLS_RECORD_IN + LWG_TLS_RECORD_OUT by several KiB"
#endif
#if !LWG_TLS_CLIENT_ROLE && !LWG_TLS_SERVER_ROLE
#error "LWG_TLS needs LWG_TLS_CLIENT_ROLE or LWG_TLS_SERVER_ROLE"
#endif
#if LWG_TLS_RECORD_IN < 512 || LWG_TLS_RECORD_IN > 16384
#error "LWG_TLS_RECORD_IN must be 512..16384 (TLS record plaintext limit)"
#endif
#if LWG_TLS_RECORD_OUT < 512 || LWG_TLS_RECORD_OUT > 16384
#error "LWG_TLS_RECORD_OUT must be 512..16384"
#endif
/* max_fragment_length bounds records both ways: min(IN, OUT) is asked */
#if LWG_TLS_RECORD_IN < 16384 && LWG_TLS_RECORD_OUT < LWG_TLS_RECORD_IN
#error "with LWG_TLS_RECORD_IN < 16384, make LWG_TLS_RECORD_OUT >= LWG_TLS_RECORD_IN (the fragment length asked for is the smaller)"
#endif
/* one alert or a small record (29 bytes of AEAD overhead + payload) */
#if LWG_TLS_TX_BUF < 128
#error "LWG_TLS_TX_BUF must be at least 128 bytes"
#endif
#if LWG_TLS_PLAIN_BUF < 16
#error "LWG_TLS_PLAIN_BUF must be at least 16 bytes"
#endif
#if LWG_TLS_PEER_ID_MAX < 0
#error "LWG_TLS_PEER_ID_MAX must not be negative"
#endif
#endif /* LWG_TLS */

#if LWG_LOG_LEVEL < 0 || LWG_LOG_LEVEL > 4
#error "LWG_LOG_LEVEL must be 0..4"
#endif

#endif /* LWG_OPT_CHECK_H */
