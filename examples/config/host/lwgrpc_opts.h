/*
 * host: interop-grade sizes for Linux, used by the interop binaries, the
 * examples and the tests.  Big enough for gRPC's interop cases
 * (large_unary: 271,828-byte request, 314,159-byte response).
 */
#ifndef LWGRPC_OPTS_H
#define LWGRPC_OPTS_H
#define LWG_MAX_STREAMS         100
#define LWG_HPACK_TABLE_SIZE    4096
#define LWG_MAX_HEADER_LIST     16384
#define LWG_MAX_HEADER_FIELD    8192
#define LWG_TX_BUF_SIZE         65536
#define LWG_STREAM_RECV_WINDOW  65535
#define LWG_CONN_RECV_WINDOW    (16 * 1024 * 1024)
#define LWG_MAX_RECV_MESSAGE    (512 * 1024)
#define LWG_MAX_SEND_MESSAGE    (512 * 1024)
#define LWG_MAX_SERVER_CALLS    64
#define LWG_MAX_METADATA        16
#define LWG_METADATA_BYTES      4096
#define LWG_MAX_CONNECTIONS     64
#define LWG_LOG_LEVEL           2
#define LWG_ASSERTS             1
#endif
