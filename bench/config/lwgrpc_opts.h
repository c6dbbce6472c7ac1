/*
 * bench/config/lwgrpc_opts.h - lwgrpc options for the benchmark server and
 * client (bench/lwg/): a Linux server sized for h2load's heaviest row
 * (4 connections x 100 concurrent streams) and 64 KiB streamed messages.
 *
 * Release settings: no asserts, errors-only logging.  Everything else is
 * the host sample config's (examples/config/host) or the defaults.
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
/* a 64 KiB Chunk is 65540 bytes of protobuf */
#define LWG_MAX_RECV_MESSAGE    (66 * 1024)
#define LWG_MAX_SEND_MESSAGE    (66 * 1024)
/* room for 8 such messages per call, so that a streaming peer seldom
 * waits for our WINDOW_UPDATE (the stream window is this buffer).  512
 * calls x 528 KiB is address space; only the pages used become resident */
#define LWG_CALL_RX_BUF         (8 * (66 * 1024 + 5))
/* 4 x 100 streams at once, with room to spare */
#define LWG_MAX_SERVER_CALLS    512
#define LWG_MAX_CONNECTIONS     16
#define LWG_MAX_METADATA        16
#define LWG_METADATA_BYTES      4096
#define LWG_LOG_LEVEL           1
#define LWG_ASSERTS             0
#endif
