/*
 * server-tls: the device server of examples/config/server, over TLS
 * (mbedTLS, TLS 1.2, ALPN h2, optional mutual TLS).  Build with
 *     make TARGET=cortex-m4 CONFIG=server-tls
 * which also builds mbedTLS from Debian's source package into
 * build/cortex-m4/libmbedtls_lwg.a; link it after liblwgrpc.a.
 *
 * TLS memory: each connection costs its lwg_tls_conn (3.7 KiB on
 * Cortex-M4: ciphertext and plaintext buffers, the mbedTLS context) and,
 * in the arena, its record buffers (16 KiB in - peers send 16 KiB
 * records - and 2 KiB out, ~20 KiB with overhead) for its life, plus 3-7
 * KiB while it handshakes (transport/lwg_tls.h has the measurements).
 * The 64 KiB arena holds the server's RSA-2048 or ECDSA certificate and
 * key and both connections, even handshaking at the same time.
 */
#ifndef LWGRPC_OPTS_H
#define LWGRPC_OPTS_H
#define LWG_MAX_STREAMS         8
#define LWG_HPACK_TABLE_SIZE    4096
#define LWG_MAX_HEADER_LIST     4096
#define LWG_MAX_HEADER_FIELD    4064
#define LWG_TX_BUF_SIZE         4096
#define LWG_STREAM_RECV_WINDOW  4096
#define LWG_CONN_RECV_WINDOW    65535
#define LWG_MAX_RECV_MESSAGE    2048
#define LWG_MAX_SEND_MESSAGE    2048
#define LWG_MAX_CONNECTIONS     2

#define LWG_TLS                 1
#define LWG_TLS_ARENA_SIZE      (64 * 1024)
#define LWG_TLS_RECORD_IN       16384
#define LWG_TLS_RECORD_OUT      2048
#define LWG_TLS_TX_BUF          2048
#define LWG_TLS_PLAIN_BUF       1024
#endif
