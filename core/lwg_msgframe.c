/*
 * lwg_msgframe.c - gRPC length-prefixed message framing.  See
 * lwg_msgframe.h.
 */
#include "core/lwg_msgframe.h"

#include <string.h>

#include "port/lwg_err.h"

enum {
    ST_PREFIX = 0, /* gathering the 5-byte prefix */
    ST_PAYLOAD,    /* gathering msg_len payload bytes into buf */
    ST_READY,      /* a message is complete, waiting for next() */
    ST_ERROR       /* sticky error in r->error */
};

static void start_message(lwg_msg_reader *r)
{
    r->state = ST_PREFIX;
    r->prefix_have = 0;
    r->have = 0;
    r->msg = r->prefix; /* a valid pointer even before any message */
    r->msg_len = 0;
    r->compressed = 0;
    r->zero_copy = 0;
}

static int fail(lwg_msg_reader *r, int err)
{
    r->state = ST_ERROR;
    r->error = (int8_t)err;
    return err;
}

void lwg_msg_reader_init(lwg_msg_reader *r, uint8_t *buf, size_t buf_size,
                         uint32_t max_message)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->buf_size = buf_size;
    r->limit = buf_size < max_message ? (uint32_t)buf_size : max_message;
    start_message(r);
}

int lwg_msg_reader_feed(lwg_msg_reader *r, const uint8_t *data, size_t len,
                        size_t *consumed)
{
    size_t used = 0, avail, take;

    *consumed = 0;
    if (r->state == ST_ERROR)
        return r->error;
    if (r->state == ST_READY)
        return LWG_EINVAL;

    if (r->state == ST_PREFIX) {
        while (r->prefix_have < LWG_MSG_PREFIX_LEN && used < len)
            r->prefix[r->prefix_have++] = data[used++];
        *consumed = used;
        if (r->prefix_have < LWG_MSG_PREFIX_LEN)
            return LWG_EAGAIN;
        r->compressed = (uint8_t)lwg_msg_prefix_decode(r->prefix, &r->msg_len);
        if (r->compressed > 1)
            return fail(r, LWG_EPROTO);
        if (r->msg_len > r->limit)
            return fail(r, LWG_ETOOBIG);
        r->state = ST_PAYLOAD;
    }

    /* ST_PAYLOAD */
    avail = len - used;
    if (r->have == 0 && r->msg_len > 0 && avail >= r->msg_len) {
        /* The whole payload is in this chunk: lend it, copy nothing. */
        r->msg = data + used;
        r->zero_copy = 1;
        r->state = ST_READY;
        *consumed = used + r->msg_len;
        return LWG_OK;
    }
    take = r->msg_len - r->have;
    if (take > avail)
        take = avail;
    if (take > 0) {
        memcpy(r->buf + r->have, data + used, take);
        r->have += (uint32_t)take;
        used += take;
    }
    *consumed = used;
    if (r->have < r->msg_len)
        return LWG_EAGAIN;
    r->msg = r->msg_len > 0 ? r->buf : r->prefix;
    r->zero_copy = 0;
    r->state = ST_READY;
    return LWG_OK;
}

void lwg_msg_reader_next(lwg_msg_reader *r)
{
    if (r->state == ST_READY)
        start_message(r);
}

void lwg_msg_reader_keep(lwg_msg_reader *r)
{
    if (r->state != ST_READY || !r->zero_copy)
        return;
    memmove(r->buf, r->msg, r->msg_len); /* msg_len <= limit <= buf_size */
    r->msg = r->buf;
    r->zero_copy = 0;
}

int lwg_msg_reader_partial(const lwg_msg_reader *r)
{
    switch (r->state) {
    case ST_PREFIX:
        return r->prefix_have > 0;
    case ST_PAYLOAD:
    case ST_ERROR:
        return 1;
    default:
        return 0;
    }
}

void lwg_msg_prefix_encode(uint8_t out[LWG_MSG_PREFIX_LEN], int compressed,
                           uint32_t len)
{
    out[0] = compressed ? 1u : 0u;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}
