/*
 * lwg_h2_frame.h - HTTP/2 frame codec: the 9-byte header and writers for
 * every frame type (RFC 9113 §4.1, §6).
 *
 * Writers take (p, end): they check room before writing, write nothing and
 * return LWG_ENOMEM when the frame does not fit, and otherwise return the
 * number of bytes written.  Big-endian helpers, never packed structs.
 * Payload validation (lengths per type, stream-id rules) is the
 * connection's job (lwg_h2_conn.c), because the right error depends on
 * connection state; the codec only moves bytes.
 */
#ifndef LWG_H2_FRAME_H
#define LWG_H2_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "transport/lwg_h2_prot.h"

typedef struct lwg_h2_frame_hdr {
    uint32_t length;    /* payload length, 24 bits */
    uint8_t  type;
    uint8_t  flags;
    uint32_t stream_id; /* reserved bit already cleared */
} lwg_h2_frame_hdr;

/* ---- big-endian helpers --------------------------------------------- */
static inline void lwg_put_u16be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void lwg_put_u24be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}
static inline void lwg_put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline uint32_t lwg_get_u16be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}
static inline uint32_t lwg_get_u24be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}
static inline uint32_t lwg_get_u32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

/** Decode a 9-byte frame header.  The reserved bit of the stream id is
 *  ignored as §4.1 requires. */
static inline void lwg_h2_frame_hdr_decode(const uint8_t b[9], lwg_h2_frame_hdr *fh)
{
    fh->length = lwg_get_u24be(b);
    fh->type = b[3];
    fh->flags = b[4];
    fh->stream_id = lwg_get_u32be(b + 5) & LWG_H2_MAX_STREAM_ID;
}

/** Encode a 9-byte frame header into b (room checked by the caller). */
static inline void lwg_h2_frame_hdr_encode(uint8_t b[9], uint32_t length, uint8_t type,
                                           uint8_t flags, uint32_t stream_id)
{
    lwg_put_u24be(b, length);
    b[3] = type;
    b[4] = flags;
    lwg_put_u32be(b + 5, stream_id & LWG_H2_MAX_STREAM_ID);
}

/* ---- writers: return bytes written or LWG_ENOMEM ---------------------- */

/** DATA.  pad_len > 0 adds PADDED (1 + pad_len bytes of zero padding). */
int lwg_h2_write_data(uint8_t *p, uint8_t *end, uint32_t stream_id,
                      const uint8_t *data, size_t len, int end_stream,
                      uint8_t pad_len);

/** HEADERS carrying a complete fragment `block`.  flags may include
 *  END_STREAM, END_HEADERS, PRIORITY (then `prio` gives the 5 bytes), and
 *  pad_len > 0 adds PADDED. */
int lwg_h2_write_headers(uint8_t *p, uint8_t *end, uint32_t stream_id,
                         uint8_t flags, const uint8_t *block, size_t len,
                         const uint8_t prio[5], uint8_t pad_len);

int lwg_h2_write_continuation(uint8_t *p, uint8_t *end, uint32_t stream_id,
                              int end_headers, const uint8_t *block, size_t len);
int lwg_h2_write_priority(uint8_t *p, uint8_t *end, uint32_t stream_id,
                          uint32_t dependency, int exclusive, uint8_t weight);
int lwg_h2_write_rst_stream(uint8_t *p, uint8_t *end, uint32_t stream_id,
                            uint32_t error_code);

/** A SETTINGS entry for lwg_h2_write_settings(). */
typedef struct lwg_h2_setting {
    uint16_t id;
    uint32_t value;
} lwg_h2_setting;

int lwg_h2_write_settings(uint8_t *p, uint8_t *end,
                          const lwg_h2_setting *s, size_t n);
int lwg_h2_write_settings_ack(uint8_t *p, uint8_t *end);
int lwg_h2_write_push_promise(uint8_t *p, uint8_t *end, uint32_t stream_id,
                              uint32_t promised_id, const uint8_t *block,
                              size_t len);
int lwg_h2_write_ping(uint8_t *p, uint8_t *end, const uint8_t opaque[8],
                      int ack);
int lwg_h2_write_goaway(uint8_t *p, uint8_t *end, uint32_t last_stream_id,
                        uint32_t error_code, const uint8_t *debug,
                        size_t debug_len);
int lwg_h2_write_window_update(uint8_t *p, uint8_t *end, uint32_t stream_id,
                               uint32_t increment);

#endif /* LWG_H2_FRAME_H */
