/*
 * lwg_h2_hdr.c - inbound header blocks (RFC 9113 §4.3, §6.2, §6.10, §8).
 *
 * A block is HEADERS plus CONTINUATION frames; nothing else may come in
 * between.  Every complete field representation is decoded where it lies
 * in the frame; only one cut by a frame's end is gathered in hb_buf until
 * it is whole, so hb_buf only has to hold one field representation; the
 * decoded list is bounded by max_header_list separately.  Every block is
 * decoded in full even when its stream was refused or reset, so the HPACK table stays in step with the peer's.
 *
 * Fields are checked as they come (§8.2.1 field validity, §8.2.2
 * connection-specific fields, §8.3 pseudo-headers); a malformed block
 * resets its stream with PROTOCOL_ERROR when it ends.
 */
#include "transport/lwg_h2_priv.h"

#include <string.h>

/* pseudo-header bits */
#define PH_METHOD    0x01
#define PH_SCHEME    0x02
#define PH_PATH      0x04
#define PH_AUTHORITY 0x08
#define PH_STATUS    0x10

/* hb_length when the block carries no content-length */
#define HB_NO_LENGTH UINT64_MAX

static int value_is(const lwg_hpack_field *f, const char *s)
{
    size_t n = strlen(s);
    return f->value_len == n && memcmp(f->value, s, n) == 0;
}

/* The pseudo-header bit of a name a server or a client may receive. */
static int pseudo_bit(unsigned name_id, int is_server)
{
    if (!is_server)
        return name_id == LWG_HNAME_STATUS ? PH_STATUS : 0;
    switch (name_id) {
    case LWG_HNAME_PATH:      return PH_PATH;
    case LWG_HNAME_METHOD:    return PH_METHOD;
    case LWG_HNAME_SCHEME:    return PH_SCHEME;
    case LWG_HNAME_AUTHORITY: return PH_AUTHORITY;
    default:                  return 0;
    }
}

/* content-length in request or response headers (RFC 9113 §8.1.1): the
 * DATA that follows must add up to it.  Returns 0 if it is malformed:
 * not all digits, or a second one that differs.  Values are compared in
 * full (up to 2^64 - 2, where they saturate); the stream checks its DATA
 * against values below 4 GiB - 1 (lwg_h2_hb_finish). */
static int note_content_length(lwg_h2_conn *c, const lwg_hpack_field *f)
{
    uint64_t v = 0;

    if (f->value_len == 0)
        return 0;
    for (uint32_t i = 0; i < f->value_len; i++) {
        unsigned d = (unsigned)f->value[i] - '0';

        if (d > 9)
            return 0;
        v = v > (HB_NO_LENGTH - 1 - d) / 10 ? HB_NO_LENGTH - 1 : v * 10u + d;
    }
    if (c->hb_length != HB_NO_LENGTH && c->hb_length != v)
        return 0;
    c->hb_length = v;
    return 1;
}

/* Check one field; returns 0 if the block is now malformed. */
static int check_field(lwg_h2_conn *c, const lwg_hpack_field *f)
{
    if (!(f->cls & LWG_HPACK_CLS_SYNTAX_OK)) /* §8.2.1, by the HPACK decoder */
        return 0;
    if (f->name[0] == ':') { /* a well-formed name is not empty */
        int bit = pseudo_bit(f->name_id, c->is_server);
        if (bit == 0 || c->hb_seen_regular || (c->hb_pseudo & bit) ||
            c->hb_kind == LWG_H2_HDR_TRAILERS)
            return 0;
        c->hb_pseudo |= (uint16_t)bit;
        if (bit == PH_PATH && f->value_len == 0)
            return 0;
        if (bit == PH_STATUS) {
            if (f->value_len != 3 || f->value[0] < '1' || f->value[0] > '9' ||
                f->value[1] < '0' || f->value[1] > '9' ||
                f->value[2] < '0' || f->value[2] > '9')
                return 0;
            if (f->value[0] == '1') {
                if (value_is(f, "101"))
                    return 0; /* §8.6: no 101 in HTTP/2 */
                c->hb_kind = LWG_H2_HDR_INFO;
            }
        }
        return 1;
    }
    c->hb_seen_regular = 1;
    switch (f->name_id) {
    case LWG_HNAME_TE: /* §8.2.2: te may only say "trailers" */
        return value_is(f, "trailers");
    case LWG_HNAME_CONNECTION: /* §8.2.2: connection-specific fields */
    case LWG_HNAME_KEEP_ALIVE:
    case LWG_HNAME_PROXY_CONNECTION:
    case LWG_HNAME_TRANSFER_ENCODING:
    case LWG_HNAME_UPGRADE:
        return 0;
    case LWG_HNAME_CONTENT_LENGTH:
        return c->hb_kind == LWG_H2_HDR_TRAILERS || note_content_length(c, f);
    default:
        return 1;
    }
}

/* Hand one decoded field up (if the block is still being delivered). */
static void deliver_field(lwg_h2_conn *c, const lwg_hpack_field *f)
{
    lwg_h2_stream *st;
    int r;

    if (!c->hb_deliver)
        return;
    if (!check_field(c, f)) {
        c->hb_malformed = 1;
        c->hb_deliver = 0;
        return;
    }
    c->hb_list_size += (uint32_t)(f->name_len + f->value_len + 32);
    if (c->hb_list_size > c->local->max_header_list) {
        c->hb_too_large = 1;
        return; /* keep checking, stop delivering */
    }
    /* the slot found when the block began; a reset in a callback since
     * frees or reuses it, which the id check sees */
    st = c->hb_stream;
    if (!lwg_h2_stream_receiving(st, c->hb_stream_id)) {
        c->hb_deliver = 0;
        return;
    }
    if (c->cb == NULL || c->cb->on_header == NULL)
        return;
    r = c->cb->on_header(c, st, c->hb_kind, f); /* lwg_h2_nv is the field type */
    if (r < 0) {
        uint32_t code = (-r <= LWG_H2_HTTP_1_1_REQUIRED) ? (uint32_t)-r : LWG_H2_INTERNAL_ERROR;
        c->hb_deliver = 0;
        if (lwg_h2_stream_receiving(st, c->hb_stream_id))
            lwg_h2_stream_reset(c, st, code, LWG_H2_CLOSE_RESET_US);
    }
}

int lwg_h2_hb_begin(lwg_h2_conn *c)
{
    uint32_t id = c->rx.stream_id;
    lwg_h2_stream *st;
    int cls = lwg_h2_stream_classify(c, id, &st);

    c->hb_active = 1;
    c->hb_stream_id = id;
    c->hb_stream = st;
    c->hb_kind = LWG_H2_HDR_INITIAL;
    c->hb_deliver = 0;
    c->hb_end_stream = (c->rx.flags & LWG_H2_FLAG_END_STREAM) != 0;
    c->hb_too_large = 0;
    c->hb_malformed = 0;
    c->hb_seen_regular = 0;
    c->hb_length = HB_NO_LENGTH;
    c->hb_self_dependency = 0;
    c->hb_pseudo = 0;
    c->hb_continuations = 0;
    c->hb_len = 0;
    c->hb_list_size = 0;
    lwg_hpack_dec_block_begin(&c->hpack_dec);

    switch (cls) {
    case LWG_H2_SID_LIVE:
        if (st->state == LWG_H2_ST_HALF_CLOSED_REMOTE) {
            /* §5.1: the peer already ended this stream */
            lwg_h2_stream_reset(c, st, LWG_H2_STREAM_CLOSED, LWG_H2_CLOSE_RESET_US);
            return 0;
        }
        if (st->headers_in > 0)
            c->hb_kind = LWG_H2_HDR_TRAILERS;
        c->hb_deliver = 1;
        return 0;
    case LWG_H2_SID_RESET:
        return 0; /* decode for HPACK, then drop */
    case LWG_H2_SID_CLOSED:
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_STREAM_CLOSED, "headers on closed stream");
    case LWG_H2_SID_UNKNOWN: /* §5.1.1: ids must increase */
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "stream id not increasing");
    default: /* IDLE */
        break;
    }
    /* a new stream from the peer: only a server accepts them */
    if (!c->is_server || !lwg_h2_is_peer_id(c, id))
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_PROTOCOL_ERROR, "bad stream id");
    c->last_peer_id = id;
    if (c->goaway_sent || c->goaway_pending) {
        if (id > c->goaway_last_id)
            return 0; /* §6.8: ignored after our GOAWAY */
    }
    if (lwg_h2_count_streams(c, 0) >= c->local->max_concurrent ||
        (st = lwg_h2_stream_alloc(c, id)) == NULL) {
        lwg_h2_rst_id(c, id, LWG_H2_REFUSED_STREAM);
        return 0;
    }
    c->hb_stream = st;
    if (c->cb && c->cb->on_stream_open && c->cb->on_stream_open(c, st) < 0) {
        lwg_h2_stream_free(c, st);
        lwg_h2_rst_id(c, id, LWG_H2_REFUSED_STREAM);
        return 0;
    }
    c->hb_deliver = 1;
    return 0;
}

/* Decode every complete representation in in[0..len); returns the bytes
 * used, or LWG_ECONN. */
static int decode_fields(lwg_h2_conn *c, const uint8_t *in, size_t len)
{
    size_t off = 0;

    while (off < len) {
        lwg_hpack_field f;
        size_t used;
        int r = lwg_hpack_decode_field(&c->hpack_dec, in + off, len - off, &used,
                                       c->field_buf, sizeof c->field_buf, &f);
        if (r == LWG_OK && used <= sizeof c->hb_buf) { /* the usual case */
            off += used;
            if (f.name != NULL) /* NULL: a table size update, applied */
                deliver_field(c, &f);
            if (c->fatal)
                return LWG_ECONN;
            continue;
        }
        if (r == LWG_EAGAIN)
            break;
        if (used > sizeof c->hb_buf) /* as if gathered in hb_buf: no room */
            return lwg_h2_conn_fail(c, LWG_ETOOBIG, LWG_H2_ENHANCE_YOUR_CALM,
                                    "header field too large");
        if (r != LWG_ETOOBIG)
            return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_COMPRESSION_ERROR, "hpack");
        /* one field larger than we keep: skipped, table consistent */
        off += used;
        c->hb_too_large = 1;
    }
    return (int)off;
}

/* Fragment bytes are decoded where they are; only a representation cut
 * by the end of a frame (or of what the caller passed) is gathered in
 * hb_buf until it is whole. */
int lwg_h2_hb_append(lwg_h2_conn *c, const uint8_t *p, size_t n)
{
    int r;

    if (c->hb_len == 0) {
        r = decode_fields(c, p, n);
        if (r < 0)
            return LWG_ECONN;
        p += r;
        n -= (size_t)r;
    }
    while (n > 0) {
        size_t space = sizeof c->hb_buf - c->hb_len;
        size_t take = n < space ? n : space;

        if (take == 0) /* one representation larger than hb_buf */
            return lwg_h2_conn_fail(c, LWG_ETOOBIG, LWG_H2_ENHANCE_YOUR_CALM,
                                    "header field too large");
        memcpy(c->hb_buf + c->hb_len, p, take);
        c->hb_len += (uint32_t)take;
        p += take;
        n -= take;
        r = decode_fields(c, c->hb_buf, c->hb_len);
        if (r < 0)
            return LWG_ECONN;
        if (r > 0) {
            memmove(c->hb_buf, c->hb_buf + r, c->hb_len - (size_t)r);
            c->hb_len -= (uint32_t)r;
        }
    }
    return 0;
}

int lwg_h2_hb_finish(lwg_h2_conn *c)
{
    uint32_t id = c->hb_stream_id;
    lwg_h2_stream *st;
    unsigned kind = c->hb_kind;
    int ok;

    c->hb_active = 0;
    if (c->hb_len != 0) /* the block ended inside a representation */
        return lwg_h2_conn_fail(c, LWG_EPROTO, LWG_H2_COMPRESSION_ERROR, "truncated block");
    /* the slot found when the block began; the id check sees a reset in a
     * callback since, which frees or reuses it */
    st = c->hb_stream;
    if (!lwg_h2_stream_receiving(st, id))
        return 0; /* refused, reset or ignored: decoded for HPACK only */

    ok = !c->hb_malformed && !c->hb_self_dependency; /* §5.3.1 */
    if (kind == LWG_H2_HDR_INITIAL) {
        if (c->is_server)
            ok = ok && (c->hb_pseudo & (PH_METHOD | PH_SCHEME | PH_PATH)) ==
                           (PH_METHOD | PH_SCHEME | PH_PATH);
        else
            ok = ok && (c->hb_pseudo & PH_STATUS);
    } else if (kind == LWG_H2_HDR_TRAILERS) {
        ok = ok && c->hb_end_stream; /* §8.1: trailers end the stream */
    } else { /* INFO */
        ok = ok && !c->hb_end_stream;
    }
    if (!ok) {
        lwg_h2_stream_reset(c, st, LWG_H2_PROTOCOL_ERROR, LWG_H2_CLOSE_RESET_US);
        return 0;
    }
    if (kind == LWG_H2_HDR_INITIAL) /* from 4 GiB - 1 up: not checked */
        st->length_left = c->hb_length < LWG_H2_NO_LENGTH ? (uint32_t)c->hb_length
                                                          : LWG_H2_NO_LENGTH;
    if (kind != LWG_H2_HDR_INFO)
        st->headers_in++;
    if (c->cb && c->cb->on_headers_end)
        c->cb->on_headers_end(c, st, kind, c->hb_too_large);
    if (c->hb_end_stream && lwg_h2_stream_receiving(st, id))
        lwg_h2_stream_remote_end(c, st);
    return 0;
}
