/*
 * rx_room_opts.h - options of test_rx_room: a call's receive buffer with
 * room for four whole 1000-byte messages (LWG_CALL_RX_BUF), so a stream's
 * window is four messages wide.  The runtime is compiled into that test
 * with this file (toolchain/test.mk), since the buffer sizes lwg_call.
 */
#ifndef LWGRPC_OPTS_H
#define LWGRPC_OPTS_H
#define LWG_MAX_STREAMS         4
#define LWG_MAX_RECV_MESSAGE    1000
/* one byte more, to send a message the receiver must refuse */
#define LWG_MAX_SEND_MESSAGE    1001
#define LWG_CALL_RX_BUF         (4 * (1000 + 5))
#define LWG_MAX_SERVER_CALLS    4
#define LWG_MAX_CONNECTIONS     2
#define LWG_LOG_LEVEL           1
#define LWG_ASSERTS             1
#endif
