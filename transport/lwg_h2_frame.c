/*
 * lwg_h2_frame.c - HTTP/2 frame header codec and frame writers.
 */
#include "transport/lwg_h2_frame.h"

#include <string.h>

#include "port/lwg_err.h"

/* Room check shared by every writer: total frame bytes must fit. */
static int fits(const uint8_t *p, const uint8_t *end, size_t need)
{
    return p <= end && (size_t)(end - p) >= need;
}

int lwg_h2_write_data(uint8_t *p, uint8_t *end, uint32_t stream_id,
                      const uint8_t *data, size_t len, int end_stream,
                      uint8_t pad_len)
{
    size_t extra = pad_len ? 1u + pad_len : 0u;
    size_t plen = len + extra;
    uint8_t flags = (uint8_t)((end_stream ? LWG_H2_FLAG_END_STREAM : 0) |
                              (pad_len ? LWG_H2_FLAG_PADDED : 0));

    if (plen > LWG_H2_MAX_MAX_FRAME_SIZE || !fits(p, end, 9 + plen))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, (uint32_t)plen, LWG_H2_DATA, flags, stream_id);
    p += 9;
    if (pad_len)
        *p++ = pad_len;
    if (len)
        memmove(p, data, len);
    memset(p + len, 0, pad_len);
    return (int)(9 + plen);
}

int lwg_h2_write_headers(uint8_t *p, uint8_t *end, uint32_t stream_id,
                         uint8_t flags, const uint8_t *block, size_t len,
                         const uint8_t prio[5], uint8_t pad_len)
{
    size_t plen = len;
    uint8_t *q;

    flags = (uint8_t)(flags & ~LWG_H2_FLAG_PADDED);
    if (pad_len) {
        flags |= LWG_H2_FLAG_PADDED;
        plen += 1u + pad_len;
    }
    if (flags & LWG_H2_FLAG_PRIORITY)
        plen += 5;
    if (plen > LWG_H2_MAX_MAX_FRAME_SIZE || !fits(p, end, 9 + plen))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, (uint32_t)plen, LWG_H2_HEADERS, flags, stream_id);
    q = p + 9;
    if (pad_len)
        *q++ = pad_len;
    if (flags & LWG_H2_FLAG_PRIORITY) {
        memcpy(q, prio, 5);
        q += 5;
    }
    if (len)
        memmove(q, block, len);
    memset(q + len, 0, pad_len);
    return (int)(9 + plen);
}

int lwg_h2_write_continuation(uint8_t *p, uint8_t *end, uint32_t stream_id,
                              int end_headers, const uint8_t *block, size_t len)
{
    if (len > LWG_H2_MAX_MAX_FRAME_SIZE || !fits(p, end, 9 + len))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, (uint32_t)len, LWG_H2_CONTINUATION,
                            end_headers ? LWG_H2_FLAG_END_HEADERS : 0, stream_id);
    if (len)
        memmove(p + 9, block, len);
    return (int)(9 + len);
}

int lwg_h2_write_priority(uint8_t *p, uint8_t *end, uint32_t stream_id,
                          uint32_t dependency, int exclusive, uint8_t weight)
{
    if (!fits(p, end, 14))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, 5, LWG_H2_PRIORITY, 0, stream_id);
    lwg_put_u32be(p + 9, (dependency & LWG_H2_MAX_STREAM_ID) |
                             (exclusive ? 0x80000000u : 0));
    p[13] = weight;
    return 14;
}

int lwg_h2_write_rst_stream(uint8_t *p, uint8_t *end, uint32_t stream_id,
                            uint32_t error_code)
{
    if (!fits(p, end, 13))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, 4, LWG_H2_RST_STREAM, 0, stream_id);
    lwg_put_u32be(p + 9, error_code);
    return 13;
}

int lwg_h2_write_settings(uint8_t *p, uint8_t *end,
                          const lwg_h2_setting *s, size_t n)
{
    size_t plen = 6 * n;

    if (!fits(p, end, 9 + plen))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, (uint32_t)plen, LWG_H2_SETTINGS, 0, 0);
    for (size_t i = 0; i < n; i++) {
        lwg_put_u16be(p + 9 + 6 * i, s[i].id);
        lwg_put_u32be(p + 11 + 6 * i, s[i].value);
    }
    return (int)(9 + plen);
}

int lwg_h2_write_settings_ack(uint8_t *p, uint8_t *end)
{
    if (!fits(p, end, 9))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, 0, LWG_H2_SETTINGS, LWG_H2_FLAG_ACK, 0);
    return 9;
}

int lwg_h2_write_push_promise(uint8_t *p, uint8_t *end, uint32_t stream_id,
                              uint32_t promised_id, const uint8_t *block,
                              size_t len)
{
    if (!fits(p, end, 13 + len))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, (uint32_t)(4 + len), LWG_H2_PUSH_PROMISE,
                            LWG_H2_FLAG_END_HEADERS, stream_id);
    lwg_put_u32be(p + 9, promised_id & LWG_H2_MAX_STREAM_ID);
    if (len)
        memmove(p + 13, block, len);
    return (int)(13 + len);
}

int lwg_h2_write_ping(uint8_t *p, uint8_t *end, const uint8_t opaque[8],
                      int ack)
{
    if (!fits(p, end, 17))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, 8, LWG_H2_PING, ack ? LWG_H2_FLAG_ACK : 0, 0);
    memcpy(p + 9, opaque, 8);
    return 17;
}

int lwg_h2_write_goaway(uint8_t *p, uint8_t *end, uint32_t last_stream_id,
                        uint32_t error_code, const uint8_t *debug,
                        size_t debug_len)
{
    if (!fits(p, end, 17 + debug_len))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, (uint32_t)(8 + debug_len), LWG_H2_GOAWAY, 0, 0);
    lwg_put_u32be(p + 9, last_stream_id & LWG_H2_MAX_STREAM_ID);
    lwg_put_u32be(p + 13, error_code);
    if (debug_len)
        memcpy(p + 17, debug, debug_len);
    return (int)(17 + debug_len);
}

int lwg_h2_write_window_update(uint8_t *p, uint8_t *end, uint32_t stream_id,
                               uint32_t increment)
{
    if (!fits(p, end, 13))
        return LWG_ENOMEM;
    lwg_h2_frame_hdr_encode(p, 4, LWG_H2_WINDOW_UPDATE, 0, stream_id);
    lwg_put_u32be(p + 9, increment & LWG_H2_MAX_WINDOW);
    return 13;
}
