/*
 * tiny-client: the smallest useful lwgrpc, a sensor that calls one server.
 * One connection, two concurrent calls, small messages, small windows.
 * The HPACK table is 512 bytes: a server reads our SETTINGS before our
 * request, so it never indexes more than that into our table.
 */
#ifndef LWGRPC_OPTS_H
#define LWGRPC_OPTS_H
#define LWG_MAX_STREAMS         2
#define LWG_HPACK_TABLE_SIZE    512
#define LWG_HPACK_ENC_TABLE_SIZE 384  /* our constant request fields */
#define LWG_HPACK_DEC_MEMO      0     /* servers index what they repeat */
#define LWG_MAX_HEADER_LIST     1024
#define LWG_MAX_HEADER_FIELD    512
#define LWG_TX_BUF_SIZE         1024
#define LWG_STREAM_RECV_WINDOW  1024
#define LWG_CONN_RECV_WINDOW    65535
#define LWG_MAX_RECV_MESSAGE    512
#define LWG_MAX_SEND_MESSAGE    512
#define LWG_MAX_CONNECTIONS     1
#define LWG_CHANNEL_CONNS       1
#define LWG_GOAWAY_DEBUG_MAX    16
#define LWG_RECENT_RESETS       2
#endif
