/*
 * lwg_h2_prot.h - HTTP/2 wire constants (RFC 9113).  Values only; no code.
 */
#ifndef LWG_H2_PROT_H
#define LWG_H2_PROT_H

/* Frame types (§6) */
#define LWG_H2_DATA          0x0
#define LWG_H2_HEADERS       0x1
#define LWG_H2_PRIORITY      0x2
#define LWG_H2_RST_STREAM    0x3
#define LWG_H2_SETTINGS      0x4
#define LWG_H2_PUSH_PROMISE  0x5
#define LWG_H2_PING          0x6
#define LWG_H2_GOAWAY        0x7
#define LWG_H2_WINDOW_UPDATE 0x8
#define LWG_H2_CONTINUATION  0x9

/* Frame flags */
#define LWG_H2_FLAG_ACK         0x01 /* SETTINGS, PING */
#define LWG_H2_FLAG_END_STREAM  0x01 /* DATA, HEADERS */
#define LWG_H2_FLAG_END_HEADERS 0x04 /* HEADERS, PUSH_PROMISE, CONTINUATION */
#define LWG_H2_FLAG_PADDED      0x08 /* DATA, HEADERS, PUSH_PROMISE */
#define LWG_H2_FLAG_PRIORITY    0x20 /* HEADERS */

/* SETTINGS identifiers (§6.5.2) */
#define LWG_H2_SETTINGS_HEADER_TABLE_SIZE      0x1
#define LWG_H2_SETTINGS_ENABLE_PUSH            0x2
#define LWG_H2_SETTINGS_MAX_CONCURRENT_STREAMS 0x3
#define LWG_H2_SETTINGS_INITIAL_WINDOW_SIZE    0x4
#define LWG_H2_SETTINGS_MAX_FRAME_SIZE         0x5
#define LWG_H2_SETTINGS_MAX_HEADER_LIST_SIZE   0x6

/* Error codes (§7) */
#define LWG_H2_NO_ERROR            0x0
#define LWG_H2_PROTOCOL_ERROR      0x1
#define LWG_H2_INTERNAL_ERROR      0x2
#define LWG_H2_FLOW_CONTROL_ERROR  0x3
#define LWG_H2_SETTINGS_TIMEOUT    0x4
#define LWG_H2_STREAM_CLOSED       0x5
#define LWG_H2_FRAME_SIZE_ERROR    0x6
#define LWG_H2_REFUSED_STREAM      0x7
#define LWG_H2_CANCEL              0x8
#define LWG_H2_COMPRESSION_ERROR   0x9
#define LWG_H2_CONNECT_ERROR       0xa
#define LWG_H2_ENHANCE_YOUR_CALM   0xb
#define LWG_H2_INADEQUATE_SECURITY 0xc
#define LWG_H2_HTTP_1_1_REQUIRED   0xd

/* Sizes and limits */
#define LWG_H2_FRAME_HEADER_LEN   9
#define LWG_H2_PREFACE_LEN        24
#define LWG_H2_DEFAULT_WINDOW     65535u
#define LWG_H2_MAX_WINDOW         0x7fffffffu
#define LWG_H2_MIN_MAX_FRAME_SIZE 16384u
#define LWG_H2_MAX_MAX_FRAME_SIZE 16777215u
#define LWG_H2_MAX_STREAM_ID      0x7fffffffu
#define LWG_H2_DEFAULT_TABLE_SIZE 4096u

/* The client connection preface (§3.4) */
#define LWG_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

#endif /* LWG_H2_PROT_H */
