/*
 * server: a device that serves a handful of clients (configuration,
 * telemetry streams).  Two connections of eight streams, 2 KiB messages.
 * The HPACK table stays 4096: clients may index that much before they
 * read our SETTINGS, and LWG_MAX_HEADER_FIELD must then be >= 4064.
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
#endif
