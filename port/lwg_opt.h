/*
 * lwg_opt.h - every lwgrpc option with its documented default.
 *
 * This header is the bottom of the include graph: core/, transport/ and
 * port/ all include it, which is why it lives beside the port contract and
 * not in core/ (transport/ never includes core/).
 *
 * How configuration works (the lwIP way):
 *   1. The user's options are read first: the file named by LWG_CONFIG_FILE
 *      if that macro is defined (e.g. -DLWG_CONFIG_FILE='"my_opts.h"'),
 *      otherwise "lwgrpc_opts.h" found on the include path.
 *   2. Every option the user left out gets the default below.
 *   3. port/lwg_opt_check.h rejects impossible combinations with #error.
 *
 * Sample configurations live in examples/config/<name>/lwgrpc_opts.h:
 * tiny-client (one connection, two streams, small buffers), server
 * (a small device server) and host (interop-grade sizes).
 *
 * Memory: every size here becomes a fixed array inside a struct the caller
 * places; nothing is allocated at run time.  `make size` prints what each
 * sample configuration costs in flash and RAM.
 */
#ifndef LWG_OPT_H
#define LWG_OPT_H

#ifdef LWG_CONFIG_FILE
#include LWG_CONFIG_FILE
#else
#include "lwgrpc_opts.h"
#endif

/* ---- HTTP/2 connection ------------------------------------------------ */

/** Stream slots per connection: the most concurrent streams we keep open,
 *  and the SETTINGS_MAX_CONCURRENT_STREAMS we advertise.  Each slot costs a
 *  few dozen bytes in the engine plus the gRPC call state in core/. */
#ifndef LWG_MAX_STREAMS
#define LWG_MAX_STREAMS 8
#endif

/** Bytes of the HPACK decoder's dynamic table (a ring inside the
 *  connection), advertised as SETTINGS_HEADER_TABLE_SIZE.  Peers may use
 *  4096 before they see our SETTINGS; a smaller table is honoured only by
 *  peers that wait for it, so keep 4096 unless every peer is known.
 *  RAM: these bytes plus 8 per 32 of them (an entry record per slot). */
#ifndef LWG_HPACK_TABLE_SIZE
#define LWG_HPACK_TABLE_SIZE 4096
#endif

/** Bytes of each of the HPACK decoder's two value memos (inside the
 *  connection): the last Huffman-coded values of literals the peer sends
 *  without indexing, kept both encoded and decoded.  Clients built on
 *  nghttp2 (h2load, curl, Envoy) never index :path or content-length, so
 *  every request repeats the same Huffman strings; with the memos they
 *  are decoded and checked once per connection.  RAM: four times this
 *  plus 7 bytes.  0 turns the memos off. */
#ifndef LWG_HPACK_DEC_MEMO
#define LWG_HPACK_DEC_MEMO 48
#endif

/** Bytes of the HPACK encoder's dynamic table (inside the connection):
 *  the header fields that repeat on every call (content-type, :path,
 *  :authority, user-agent, te, grpc-status 0) are sent once as literals,
 *  then as one byte each.  Entries cost name + value + 32 bytes: the
 *  interop client's six come to 345 bytes (its :path alone 72, so about
 *  that per further method), a server's three to 164.  0 turns the
 *  table off (every field a literal or a static-table index). */
#ifndef LWG_HPACK_ENC_TABLE_SIZE
#define LWG_HPACK_ENC_TABLE_SIZE 512
#endif

/** Bytes of the buffer that collects one HEADERS+CONTINUATION block, and
 *  the SETTINGS_MAX_HEADER_LIST_SIZE we advertise (decoded size, RFC 9113
 *  §6.5.2: name + value + 32 per field).  A larger list is refused. */
#ifndef LWG_MAX_HEADER_LIST
#define LWG_MAX_HEADER_LIST 8192
#endif

/** Largest single decoded header field (name + value) we keep.  The HPACK
 *  decoder writes decoded strings into a scratch of this size. */
#ifndef LWG_MAX_HEADER_FIELD
#define LWG_MAX_HEADER_FIELD 4096
#endif

/** Bytes of the connection's transmit buffer: frames are written here and
 *  the port sends them from here.  It must hold the largest header block
 *  we send (split into HEADERS + CONTINUATION frames). */
#ifndef LWG_TX_BUF_SIZE
#define LWG_TX_BUF_SIZE 16384
#endif

/** SETTINGS_MAX_FRAME_SIZE we advertise.  DATA is streamed through, not
 *  buffered, so this does not size a buffer; 16384 is the RFC minimum. */
#ifndef LWG_MAX_FRAME_SIZE
#define LWG_MAX_FRAME_SIZE 16384
#endif

/** Initial receive window we grant each stream (SETTINGS_INITIAL_WINDOW_SIZE).
 *  It must not exceed the buffer the upper layer holds per stream: core/
 *  sets it from a call's receive buffer (LWG_CALL_RX_BUF), so this is the
 *  transport's default only.  Default: 64 KiB - 1 (RFC default). */
#ifndef LWG_STREAM_RECV_WINDOW
#define LWG_STREAM_RECV_WINDOW 65535
#endif

/** Connection-level receive window we grant (raised by WINDOW_UPDATE on
 *  stream 0 right after the preface when above 65535). */
#ifndef LWG_CONN_RECV_WINDOW
#define LWG_CONN_RECV_WINDOW ((LWG_STREAM_RECV_WINDOW) * (LWG_MAX_STREAMS))
#endif

/** Bytes of a GOAWAY's debug data kept for the application; more is read
 *  and dropped. */
#ifndef LWG_GOAWAY_DEBUG_MAX
#define LWG_GOAWAY_DEBUG_MAX 64
#endif

/** Stream ids we remember after we reset them, so frames the peer sent
 *  before it saw our RST_STREAM are ignored (RFC 9113 §5.1) without
 *  holding a stream slot. */
#ifndef LWG_RECENT_RESETS
#define LWG_RECENT_RESETS 8
#endif

/** How long we wait for the peer to ACK our SETTINGS before GOAWAY
 *  SETTINGS_TIMEOUT (RFC 9113 §6.5.3). */
#ifndef LWG_SETTINGS_TIMEOUT_MS
#define LWG_SETTINGS_TIMEOUT_MS 10000
#endif

/** Most CONTINUATION frames accepted in one header block before the
 *  connection is closed with ENHANCE_YOUR_CALM (CONTINUATION flood). */
#ifndef LWG_MAX_CONTINUATIONS
#define LWG_MAX_CONTINUATIONS 32
#endif

/* ---- gRPC ------------------------------------------------------------- */

/** Largest gRPC message (after the 5-byte prefix) received on a call. */
#ifndef LWG_MAX_RECV_MESSAGE
#define LWG_MAX_RECV_MESSAGE 4096
#endif

/** Bytes of a call's receive buffer, which is also the HTTP/2 receive
 *  window each stream is granted (LWG_STREAM_RECV_WINDOW is not used by
 *  core/).  At least one whole message: LWG_MAX_RECV_MESSAGE + 5, the
 *  default.  With room for only one message the peer sends the next one
 *  only after the application has taken the last, one round trip per
 *  message; a host that streams messages near LWG_MAX_RECV_MESSAGE and
 *  has the RAM gives each call room for several of them (the benchmark
 *  config: 8; README "Sizing the options" has the figures), and raises
 *  LWG_CONN_RECV_WINDOW to match, since all streams share it. */
#ifndef LWG_CALL_RX_BUF
#define LWG_CALL_RX_BUF ((LWG_MAX_RECV_MESSAGE) + 5)
#endif

/** Largest gRPC message sent on a call. */
#ifndef LWG_MAX_SEND_MESSAGE
#define LWG_MAX_SEND_MESSAGE 4096
#endif

/** Connections a server serves at once; one more is refused cleanly. */
#ifndef LWG_MAX_CONNECTIONS
#define LWG_MAX_CONNECTIONS 4
#endif

/** Server call slots shared by all connections (each holds the receive
 *  and send message buffers); a request beyond them is refused with
 *  REFUSED_STREAM, which clients retry. */
#ifndef LWG_MAX_SERVER_CALLS
#define LWG_MAX_SERVER_CALLS (LWG_MAX_STREAMS)
#endif

/** Services one server can register. */
#ifndef LWG_MAX_SERVICES
#define LWG_MAX_SERVICES 4
#endif

/** Received metadata per call: entries, and bytes for names and values
 *  (-bin values are kept decoded).  More fails the call with
 *  RESOURCE_EXHAUSTED.  Also the most custom entries a call may send. */
#ifndef LWG_MAX_METADATA
#define LWG_MAX_METADATA 8
#endif
#ifndef LWG_METADATA_BYTES
#define LWG_METADATA_BYTES 512
#endif

/** Longest grpc-message kept (decoded); longer ones are cut. */
#ifndef LWG_MAX_STATUS_MESSAGE
#define LWG_MAX_STATUS_MESSAGE 128
#endif

/** Connections a channel keeps to its target: 2 lets calls already
 *  running finish on a connection the server is draining (GOAWAY) while
 *  new calls start on a fresh one; 1 saves a connection's RAM, and new
 *  calls then wait for the old connection to drain. */
#ifndef LWG_CHANNEL_CONNS
#define LWG_CHANNEL_CONNS 2
#endif

/** Longest :authority a channel keeps ("host:port"). */
#ifndef LWG_MAX_AUTHORITY
#define LWG_MAX_AUTHORITY 64
#endif

/** Stack bytes used while encoding a header block for base64 (-bin) and
 *  percent-encoded values. */
#ifndef LWG_HEADER_SCRATCH
#define LWG_HEADER_SCRATCH 512
#endif

/* ---- TLS (transport/lwg_tls.h; mbedTLS built by toolchain/mbedtls.mk) -- */

/** 1: build the TLS layer (transport/lwg_tls.c) and, with the Makefile,
 *  mbedTLS from Debian's source package into $(BUILD)/libmbedtls_lwg.a.
 *  0: no TLS code and no mbedTLS at all. */
#ifndef LWG_TLS
#define LWG_TLS 0
#endif

/** Which TLS roles the image needs: a device that only calls (or only
 *  serves) leaves the other role's mbedTLS code out (3.5-4.5 KiB of
 *  flash on Cortex-M4).  lwg_tls_config_init() refuses a role left out. */
#ifndef LWG_TLS_CLIENT_ROLE
#define LWG_TLS_CLIENT_ROLE 1
#endif
#ifndef LWG_TLS_SERVER_ROLE
#define LWG_TLS_SERVER_ROLE 1
#endif

/** Bytes of the static arena every mbedTLS allocation comes from: the
 *  parsed certificates and keys of the lwg_tls_config objects, plus per
 *  open TLS connection its record buffers (LWG_TLS_RECORD_IN and _OUT,
 *  plus ~2 KiB of overheads, cipher state and session) and, during the
 *  handshake only, the handshake state and the peer's certificate chain
 *  (3-7 KiB more).  The
 *  measured peaks are in transport/lwg_tls.h; too small fails
 *  connections cleanly (LWG_ENOMEM / "out of TLS memory"), never the
 *  process. */
#ifndef LWG_TLS_ARENA_SIZE
#define LWG_TLS_ARENA_SIZE (64 * 1024)
#endif

/** Largest record payload we can receive (MBEDTLS_SSL_IN_CONTENT_LEN).
 *  Peers send records up to 16384 bytes.  A smaller value makes a client
 *  ask for max_fragment_length = min(LWG_TLS_RECORD_IN, _OUT) (512, 1024,
 *  2048 or 4096), which works only when
 *    - the peer honours it: OpenSSL does (Debian's grpcio, grpc-js); the
 *      BoringSSL of upstream gRPC C-core builds does not;
 *    - every handshake message the peer sends fits in one such record:
 *      mbedTLS 2.28 does not reassemble fragmented handshake messages,
 *      and a certificate chain easily passes 1 KiB - use 4096;
 *    - and we are the client: a server cannot ask for it.
 *  Tested: 4096/4096 against OpenSSL and Debian's grpcio (a connection
 *  then holds ~10 KiB of arena instead of ~22 KiB).  Keep 16384 unless
 *  every peer is known. */
#ifndef LWG_TLS_RECORD_IN
#define LWG_TLS_RECORD_IN 16384
#endif

/** Largest record payload we send (MBEDTLS_SSL_OUT_CONTENT_LEN).  Any
 *  size works with any peer; smaller saves arena RAM and costs 29 bytes
 *  of record overhead per record. */
#ifndef LWG_TLS_RECORD_OUT
#define LWG_TLS_RECORD_OUT 4096
#endif

/** Bytes of ciphertext a connection holds for the driver (the view
 *  output() returns).  At least one small record; one whole record
 *  (LWG_TLS_RECORD_OUT + 29) lets each write become one record. */
#ifndef LWG_TLS_TX_BUF
#define LWG_TLS_TX_BUF (LWG_TLS_RECORD_OUT + 64)
#endif

/** Bytes of decrypted data a connection holds while the inner link
 *  (HTTP/2) cannot take it yet. */
#ifndef LWG_TLS_PLAIN_BUF
#define LWG_TLS_PLAIN_BUF 1024
#endif

/** Bytes per connection keeping the verified peer's identity: subject DN
 *  and DNS subject alternative names, as NUL-terminated strings.  What
 *  does not fit is dropped (lwg_tls_peer_*() say so).  0: keep none. */
#ifndef LWG_TLS_PEER_ID_MAX
#define LWG_TLS_PEER_ID_MAX 256
#endif

/** A handshake not finished this long after the connection started fails
 *  the connection ("handshake timeout").  0: no limit of our own. */
#ifndef LWG_TLS_HANDSHAKE_TIMEOUT_MS
#define LWG_TLS_HANDSHAKE_TIMEOUT_MS 10000
#endif

/** 1: mbedTLS keeps arena peak-use counters (MBEDTLS_MEMORY_DEBUG) and
 *  lwg_tls_arena_stats() reports the peak.  For tests and sizing. */
#ifndef LWG_TLS_ARENA_STATS
#define LWG_TLS_ARENA_STATS 0
#endif

/* ---- diagnostics (all compile out when 0) ----------------------------- */

/** 0: no logging code at all.  1: errors, 2: + warnings, 3: + info,
 *  4: + frame trace.  Messages go to the port's log sink. */
#ifndef LWG_LOG_LEVEL
#define LWG_LOG_LEVEL 0
#endif

/** 1: LWG_ASSERT() checks internal invariants and calls the port's
 *  lwg_port_assert_failed(); 0: asserts compile out. */
#ifndef LWG_ASSERTS
#define LWG_ASSERTS 0
#endif

/* ---- compiler hints ----------------------------------------------------- */

/** Keeps a rare path out of line, so that the common path it branches
 *  from saves no registers for it.  A hint only: empty for compilers that
 *  do not know the attribute. */
#if defined(__GNUC__)
#define LWG_NOINLINE __attribute__((noinline))
#else
#define LWG_NOINLINE
#endif

#include "port/lwg_opt_check.h"

#endif /* LWG_OPT_H */
