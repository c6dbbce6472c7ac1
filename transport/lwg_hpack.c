/*
 * lwg_hpack.c - HPACK (RFC 7541) decoder and the encoder's low-level
 * writers (the encoder's table and choices: lwg_hpack_enc.c).
 *
 * The decoder parses one representation at a time.  It first checks that
 * the whole representation is in the input (so LWG_EAGAIN leaves nothing
 * half done), then decodes the strings into the caller's scratch, then
 * changes the dynamic table.
 *
 * Dynamic table storage: entry bytes (name then value) sit back to back in
 * a ring of LWG_HPACK_TABLE_SIZE bytes, oldest first, and may wrap at its
 * end; entries[] is a ring of LWG_HPACK_DEC_SLOTS {offset, name length,
 * value length, name id, byte classes} records in the same order.  Every
 * entry costs at least 32 bytes of RFC accounting, so a table within its maximum size (at most
 * LWG_HPACK_TABLE_SIZE) never holds more bytes than the ring nor more
 * entries than the slots: inserting after eviction never overwrites a live
 * entry.
 */
#include <string.h>

#include "transport/lwg_hpack.h"
#include "transport/lwg_hpack_tables.h"

#define ENTRY_OVERHEAD LWG_HPACK_ENTRY_OVERHEAD

/* The representation kinds and their prefix lengths (RFC 7541 §6). */
#define REP_INDEXED      0x80u
#define REP_SIZE_UPDATE  0x20u

/* ======================================================================
 * Integers (RFC 7541 §5.1)
 * ==================================================================== */

int lwg_hpack_int_encode(uint8_t **p, uint8_t *end, uint8_t first_bits,
                         unsigned prefix_bits, uint32_t value)
{
    uint8_t *q = *p;
    uint32_t max_prefix;

    if (prefix_bits < 1 || prefix_bits > 8)
        return LWG_EINVAL;
    max_prefix = (1u << prefix_bits) - 1u;
    if (q >= end)
        return LWG_ENOMEM;
    if (value < max_prefix) {
        *q++ = (uint8_t)(first_bits | value);
    } else {
        *q++ = (uint8_t)(first_bits | max_prefix);
        value -= max_prefix;
        while (value >= 0x80u) {
            if (q >= end)
                return LWG_ENOMEM;
            *q++ = (uint8_t)(0x80u | (value & 0x7fu));
            value >>= 7;
        }
        if (q >= end)
            return LWG_ENOMEM;
        *q++ = (uint8_t)value;
    }
    *p = q;
    return LWG_OK;
}

int lwg_hpack_int_decode(const uint8_t *in, size_t in_len,
                         unsigned prefix_bits, uint32_t *value,
                         size_t *consumed)
{
    uint32_t max_prefix, v;
    unsigned shift = 0;
    size_t i = 1;

    if (prefix_bits < 1 || prefix_bits > 8)
        return LWG_EINVAL;
    if (in_len == 0)
        return LWG_EAGAIN;
    max_prefix = (1u << prefix_bits) - 1u;
    v = in[0] & max_prefix;
    if (v == max_prefix) {
        for (;;) {
            uint8_t b;

            if (i >= in_len)
                return LWG_EAGAIN;
            b = in[i++];
            /* shift <= 21 here, so this cannot overflow 32 bits. */
            v += (uint32_t)(b & 0x7fu) << shift;
            if (v > LWG_HPACK_INT_MAX)
                return LWG_EPROTO;
            if ((b & 0x80u) == 0)
                break;
            shift += 7;
            /* A fifth continuation byte can only add zeros or overflow. */
            if (shift > 21)
                return LWG_EPROTO;
        }
    }
    *value = v;
    *consumed = i;
    return LWG_OK;
}

/* ======================================================================
 * Dynamic table
 * ==================================================================== */

static size_t ring_wrap(size_t offset)
{
    return offset >= LWG_HPACK_TABLE_SIZE ? offset - LWG_HPACK_TABLE_SIZE
                                          : offset;
}

static uint16_t slot_add(size_t slot, size_t n)
{
    size_t s = slot + n;

    return (uint16_t)(s >= LWG_HPACK_DEC_SLOTS ? s - LWG_HPACK_DEC_SLOTS : s);
}

/* Dynamic index k: 1 is the newest entry.  Caller checks 1 <= k <= count. */
static const lwg_hpack_dyn_entry *dyn_entry(const lwg_hpack_dec *d, size_t k)
{
    return &d->entries[slot_add(d->oldest, (size_t)d->count - k)];
}

static void evict_to(lwg_hpack_dec *d, uint32_t limit)
{
    while (d->count > 0 && d->size > limit) {
        const lwg_hpack_dyn_entry *e = &d->entries[d->oldest];

        d->size -= (uint32_t)e->name_len + e->value_len + ENTRY_OVERHEAD;
        d->oldest = slot_add(d->oldest, 1);
        d->count--;
    }
}

static void ring_write(lwg_hpack_dec *d, const uint8_t *src, size_t len)
{
    size_t first = LWG_HPACK_TABLE_SIZE - d->write_pos;

    if (len == 0)
        return;
    if (first > len)
        first = len;
    memcpy(d->ring + d->write_pos, src, first);
    if (len > first)
        memcpy(d->ring, src + first, len - first);
    d->write_pos = (uint16_t)ring_wrap((size_t)d->write_pos + len);
}

/* ---- field classes (RFC 9113 §8.2.1 and LWG_HPACK_CLS_*), remembered
 * per slot ---------------------------------------------------------- */

/* Bytes that may not appear in a name: controls, space, uppercase, ':',
 * DEL and above; one bit per byte value. */
static const uint32_t name_bad[8] = {
    0xffffffffu,               /* 0x00-0x1f                      */
    0x04000001u,               /* 0x20 space, 0x3a ':'           */
    0x07fffffeu,               /* 0x41-0x5a 'A'-'Z'              */
    0x80000000u,               /* 0x7f                           */
    0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu,
};

/* Bytes outside 0-9 a-z _ - . (LWG_HPACK_CLS_PLAIN_NAME) */
static const uint32_t name_unplain[8] = {
    0xffffffffu,
    0xfc009fffu,               /* all but '-' '.' '0'-'9'        */
    0x7fffffffu,               /* all but '_'                    */
    0xf8000001u,               /* all but 'a'-'z'                */
    0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu,
};

#define BIT(t, c) (((t)[(c) >> 5] >> ((c) & 31u)) & 1u)

/* LWG_HPACK_CLS_NAME_OK and _PLAIN_NAME of a name */
static unsigned name_cls(const uint8_t *name, size_t name_len)
{
    uint32_t bad = 0, unplain = 0;
    size_t i = 0;

    if (name_len > 0 && name[0] == ':') {
        i = 1;
        unplain = 1;
    }
    if (name_len == i)
        return 0;
    for (; i < name_len; i++) {
        bad |= BIT(name_bad, name[i]);
        unplain |= BIT(name_unplain, name[i]);
    }
    return (bad ? 0 : LWG_HPACK_CLS_NAME_OK) | (unplain ? 0 : LWG_HPACK_CLS_PLAIN_NAME);
}

/* Does any of the n bytes at p lie outside 0x20..0x7e?  Four at a time:
 * a byte x is below 0x20 iff x - 0x20 borrows into its top bit while x's
 * own top bit is clear; it is above 0x7e iff x + 1 or x has its top bit
 * set.  A carry or borrow out of one byte only ever follows a byte that
 * already answers yes, so the answer for the word is exact. */
static int any_unprintable(const uint8_t *p, size_t n)
{
    uint32_t hit = 0;
    size_t i = 0;

    for (; i + 4 <= n; i += 4) {
        uint32_t x;

        memcpy(&x, p + i, 4);
        hit |= ((x - 0x20202020u) & ~x) | ((x + 0x01010101u) | x);
    }
    hit &= 0x80808080u;
    for (; i < n; i++)
        hit |= (uint8_t)(p[i] - 0x20u) > 0x5eu;
    return hit != 0;
}

/* LWG_HPACK_CLS_SYNTAX_OK (for the value alone) and _PRINTABLE */
static unsigned value_cls(const uint8_t *value, size_t value_len)
{
    uint32_t bad = 0;
    int unprintable = any_unprintable(value, value_len);

    /* NUL, LF and CR (all below 14) are unprintable: only then look */
    for (size_t i = 0; unprintable && i < value_len; i++) {
        uint8_t ch = value[i];
        bad |= ch < 14u && ((0x2401u >> ch) & 1u);
    }
    if (value_len > 0) {
        uint8_t a = value[0], b = value[value_len - 1];
        bad |= a == ' ' || a == '\t' || b == ' ' || b == '\t';
    }
    return (bad ? 0 : LWG_HPACK_CLS_SYNTAX_OK) | (unprintable ? 0 : LWG_HPACK_CLS_PRINTABLE);
}

/* A field's classes from those of its name and of its value. */
static unsigned field_cls(unsigned ncls, unsigned vcls)
{
    unsigned ok = (ncls & LWG_HPACK_CLS_NAME_OK) && (vcls & LWG_HPACK_CLS_SYNTAX_OK);

    return (ncls & (LWG_HPACK_CLS_NAME_OK | LWG_HPACK_CLS_PLAIN_NAME)) |
           (vcls & LWG_HPACK_CLS_PRINTABLE) | (ok ? LWG_HPACK_CLS_SYNTAX_OK : 0);
}

int lwg_hpack_syntax_ok(const uint8_t *name, size_t name_len,
                        const uint8_t *value, size_t value_len)
{
    return (field_cls(name_cls(name, name_len), value_cls(value, value_len)) &
            LWG_HPACK_CLS_SYNTAX_OK) != 0;
}

/* Static entries are well-formed and printable; names past the
 * pseudo-headers (indices 1..14) are plain. */
#define STATIC_PSEUDO_MAX 14u
#define STATIC_CLS (LWG_HPACK_CLS_SYNTAX_OK | LWG_HPACK_CLS_NAME_OK | LWG_HPACK_CLS_PRINTABLE)

static unsigned static_cls(size_t index)
{
    return index > STATIC_PSEUDO_MAX ? STATIC_CLS | LWG_HPACK_CLS_PLAIN_NAME : STATIC_CLS;
}

/* Add an entry (RFC 7541 §4.4).  name and value must not point into the
 * ring: eviction may overwrite them. */
static void table_insert(lwg_hpack_dec *d, const lwg_hpack_field *f)
{
    lwg_hpack_dyn_entry *e;
    size_t need = f->name_len + f->value_len + ENTRY_OVERHEAD;

    if (need > d->max_size) {
        evict_to(d, 0);     /* not an error: the table ends up empty */
        return;
    }
    evict_to(d, d->max_size - (uint32_t)need);
    e = &d->entries[slot_add(d->oldest, d->count)];
    e->offset = d->write_pos;
    e->name_len = (uint16_t)f->name_len;
    e->value_len = (uint16_t)f->value_len;
    e->name_id = f->name_id;
    e->cls = f->cls;
    ring_write(d, f->name, f->name_len);
    ring_write(d, f->value, f->value_len);
    d->count++;
    d->size += (uint32_t)need;
}

/* A view of ring bytes [offset, offset + len): a pointer into the ring when
 * they are contiguous and copy == 0, else a copy at scratch[*used]. */
static int ring_view(const lwg_hpack_dec *d, size_t offset, size_t len,
                     int copy, uint8_t *scratch, size_t scratch_size,
                     size_t *used, const uint8_t **view)
{
    size_t first = LWG_HPACK_TABLE_SIZE - offset;
    uint8_t *dst;

    if (len == 0 || (!copy && len <= first)) {
        *view = d->ring + offset;
        return LWG_OK;
    }
    if (len > scratch_size - *used)
        return LWG_ETOOBIG;
    dst = scratch + *used;
    if (len <= first) {
        memcpy(dst, d->ring + offset, len);
    } else {
        memcpy(dst, d->ring + offset, first);
        memcpy(dst + first, d->ring, len - first);
    }
    *used += len;
    *view = dst;
    return LWG_OK;
}

/* entry_view() of dynamic entry e when it wraps the ring or is to be
 * copied (out of line: the usual views need no registers for it). */
static LWG_NOINLINE int entry_copy(const lwg_hpack_dec *d, const lwg_hpack_dyn_entry *e, int copy,
                                   uint8_t *scratch, size_t scratch_size, size_t *used,
                                   lwg_hpack_field *name, lwg_hpack_field *value)
{
    int r = ring_view(d, e->offset, e->name_len, copy, scratch, scratch_size, used,
                      &name->name);

    if (r != LWG_OK)
        return r;
    name->name_len = e->name_len;
    if (value != NULL) {
        r = ring_view(d, ring_wrap((size_t)e->offset + e->name_len), e->value_len, copy,
                      scratch, scratch_size, used, &value->value);
        if (r != LWG_OK)
            return r;
        value->value_len = e->value_len;
    }
    return LWG_OK;
}

/* Entry `index` (1..61 static, then dynamic newest first) as views:
 * static strings point at const data, dynamic ones into the ring, or into
 * scratch[*used..) when they wrap or when copy != 0.  value may be NULL
 * when only the name is wanted. */
static inline int entry_view(const lwg_hpack_dec *d, size_t index, int copy,
                             uint8_t *scratch, size_t scratch_size, size_t *used,
                             lwg_hpack_field *name, lwg_hpack_field *value)
{
    if (index == 0 || index > LWG_HPACK_STATIC_COUNT + (size_t)d->count)
        return LWG_EPROTO;
    if (index <= LWG_HPACK_STATIC_COUNT) {
        const lwg_hpack_static_entry *se = &lwg_hpack_static[index - 1];

        name->name = lwg_hpack_static_blob + se->offset;
        name->name_len = se->name_len;
        name->name_id = lwg_hpack_static_name[index - 1];
        name->cls = (uint8_t)static_cls(index);
        if (value != NULL) {
            value->value = name->name + se->name_len;
            value->value_len = se->value_len;
        }
    } else {
        const lwg_hpack_dyn_entry *e = dyn_entry(d, index - LWG_HPACK_STATIC_COUNT);

        name->name_id = e->name_id;
        name->cls = e->cls;
        if (!copy && (size_t)e->offset + e->name_len + e->value_len <= LWG_HPACK_TABLE_SIZE) {
            /* the usual case: the entry does not wrap, point into it */
            name->name = d->ring + e->offset;
            name->name_len = e->name_len;
            if (value != NULL) {
                value->value = name->name + e->name_len;
                value->value_len = e->value_len;
            }
            return LWG_OK;
        }
        return entry_copy(d, e, copy, scratch, scratch_size, used, name, value);
    }
    return LWG_OK;
}

void lwg_hpack_dec_init(lwg_hpack_dec *d, uint32_t settings_max)
{
    if (settings_max > LWG_HPACK_TABLE_SIZE)
        settings_max = LWG_HPACK_TABLE_SIZE;
    d->size = 0;
    d->max_size = settings_max;
    d->settings_max = settings_max;
    d->oldest = 0;
    d->count = 0;
    d->write_pos = 0;
    d->update_allowed = 1;
#if LWG_HPACK_DEC_MEMO > 0
    d->memo[0].in_len = 0;
    d->memo[1].in_len = 0;
    d->memo_next = 0;
#endif
}

void lwg_hpack_dec_block_begin(lwg_hpack_dec *d)
{
    d->update_allowed = 1;
}

void lwg_hpack_dec_set_settings_max(lwg_hpack_dec *d, uint32_t settings_max)
{
    if (settings_max > LWG_HPACK_TABLE_SIZE)
        settings_max = LWG_HPACK_TABLE_SIZE;
    d->settings_max = settings_max;
}

size_t lwg_hpack_dec_entries(const lwg_hpack_dec *d)
{
    return d->count;
}

uint32_t lwg_hpack_dec_size(const lwg_hpack_dec *d)
{
    return d->size;
}

uint32_t lwg_hpack_dec_max_size(const lwg_hpack_dec *d)
{
    return d->max_size;
}

int lwg_hpack_dec_get(const lwg_hpack_dec *d, size_t index, uint8_t *scratch,
                      size_t scratch_size, lwg_hpack_field *out)
{
    size_t used = 0;

    out->flags = 0;
    return entry_view(d, index, 0, scratch, scratch_size, &used, out, out);
}

/* ======================================================================
 * Decoder
 * ==================================================================== */

/* A string literal located in the input (RFC 7541 §5.2). */
typedef struct str_ref {
    const uint8_t *data;
    size_t len;
    int huffman;
} str_ref;

/* Locate the string literal at in[*pos]; LWG_EAGAIN if it is not all
 * there.  Advances *pos past it. */
static int parse_string(const uint8_t *in, size_t in_len, size_t *pos,
                        str_ref *s)
{
    uint32_t len;
    size_t n;
    int r;

    if (*pos >= in_len)
        return LWG_EAGAIN;
    r = lwg_hpack_int_decode(in + *pos, in_len - *pos, 7, &len, &n);
    if (r != LWG_OK)
        return r;
    if (len > in_len - *pos - n)
        return LWG_EAGAIN;
    s->huffman = (in[*pos] & 0x80u) != 0;
    s->data = in + *pos + n;
    s->len = len;
    *pos += n + len;
    return LWG_OK;
}

/* Decode string s into scratch[*used..). */
static int put_string(const str_ref *s, uint8_t *scratch,
                      size_t scratch_size, size_t *used,
                      const uint8_t **view, uint32_t *len)
{
    size_t room = scratch_size - *used;
    uint8_t *dst = scratch != NULL ? scratch + *used : NULL;
    size_t n;

    if (s->huffman) {
        int r = lwg_huff_decode(s->data, s->len, dst, room);

        if (r < 0)
            return r;
        n = (size_t)r;
    } else {
        if (s->len > room)
            return LWG_ETOOBIG;
        n = s->len;
        if (n > 0)
            memcpy(dst, s->data, n);
    }
    *view = n > 0 ? dst : (const uint8_t *)"";
    *len = (uint32_t)n;
    *used += n;
    return LWG_OK;
}

/* Decoded length of s, validating Huffman. */
static int string_len(const str_ref *s, size_t *len)
{
    int r = s->huffman ? lwg_huff_decoded_len(s->data, s->len) : (int)s->len;

    if (r < 0)
        return r;
    *len = (size_t)r;
    return LWG_OK;
}

/* The field did not fit in scratch: keep the table as if it had been
 * decoded (see lwg_hpack_decode_field()). */
static int skip_field(lwg_hpack_dec *d, int incremental, size_t name_index,
                      const str_ref *name, const str_ref *value)
{
    size_t name_len, value_len;

    if (name_index == 0) {
        if (string_len(name, &name_len) != LWG_OK)
            return LWG_EPROTO;
    } else if (name_index <= LWG_HPACK_STATIC_COUNT) {
        name_len = lwg_hpack_static[name_index - 1].name_len;
    } else {
        name_len = dyn_entry(d, name_index - LWG_HPACK_STATIC_COUNT)->name_len;
    }
    if (string_len(value, &value_len) != LWG_OK)
        return LWG_EPROTO;
    if (!incremental)
        return LWG_ETOOBIG;
    if (name_len + value_len + ENTRY_OVERHEAD > d->max_size) {
        evict_to(d, 0);
        return LWG_ETOOBIG;
    }
    return LWG_EPROTO;
}

/* ---- the value memo ----------------------------------------------------
 * A peer that never indexes a field (nghttp2's :path, content-length)
 * sends the same Huffman strings on every request; the memo keeps the
 * last two that literals without indexing carried, with what they decode
 * to and their classes. */

#if LWG_HPACK_DEC_MEMO > 0
/* Is s one of the memo's encoded values?  Then point *out at the decoded
 * one. */
static int memo_hit(lwg_hpack_dec *d, const str_ref *s, lwg_hpack_field *out,
                    unsigned *vcls)
{
    if (!s->huffman || s->len == 0)
        return 0;
    for (unsigned i = 0; i < 2; i++) {
        const struct lwg_hpack_dec_memo *m = &d->memo[i];

        if (s->len == m->in_len && memcmp(s->data, m->in, s->len) == 0) {
            out->value = m->out;
            out->value_len = m->out_len;
            *vcls = m->cls;
            d->memo_next = (uint8_t)(i ^ 1u);
            return 1;
        }
    }
    return 0;
}

/* Remember Huffman string s, decoded to out->value, if both fit, in place
 * of the less recent of the two. */
static void memo_keep(lwg_hpack_dec *d, const str_ref *s, const lwg_hpack_field *out,
                      unsigned vcls)
{
    struct lwg_hpack_dec_memo *m = &d->memo[d->memo_next];

    if (!s->huffman || s->len == 0 || s->len > LWG_HPACK_DEC_MEMO ||
        out->value_len > LWG_HPACK_DEC_MEMO)
        return;
    memcpy(m->in, s->data, s->len);
    memcpy(m->out, out->value, out->value_len);
    m->in_len = (uint8_t)s->len;
    m->out_len = (uint8_t)out->value_len;
    m->cls = (uint8_t)vcls;
    d->memo_next ^= 1u;
}
#else
#define memo_hit(d, s, out, vcls) 0
#define memo_keep(d, s, out, vcls) ((void)0)
#endif

/* An indexed field (RFC 7541 §6.1): entry `index`, n bytes of input. */
static int decode_indexed(lwg_hpack_dec *d, size_t index, size_t n, size_t *consumed,
                          uint8_t *scratch, size_t scratch_size, lwg_hpack_field *out)
{
    size_t used = 0;
    int r;

    out->flags = 0;
    r = entry_view(d, index, 0, scratch, scratch_size, &used, out, out);
    if (r == LWG_EPROTO)
        return r;
    d->update_allowed = 0;
    *consumed = n;
    return r;
}

/* An indexed field whose index takes more than the first byte. */
static LWG_NOINLINE int decode_indexed_long(lwg_hpack_dec *d, const uint8_t *in, size_t in_len,
                                            size_t *consumed, uint8_t *scratch,
                                            size_t scratch_size, lwg_hpack_field *out)
{
    uint32_t index;
    size_t n;
    int r = lwg_hpack_int_decode(in, in_len, 7, &index, &n);

    if (r != LWG_OK)
        return r;
    return decode_indexed(d, index, n, consumed, scratch, scratch_size, out);
}

/* A size update or a literal at in[0] (in_len > 0). */
static LWG_NOINLINE int decode_other(lwg_hpack_dec *d, const uint8_t *in, size_t in_len,
                                     size_t *consumed, uint8_t *scratch, size_t scratch_size,
                                     lwg_hpack_field *out)
{
    size_t pos, used = 0, n;
    uint32_t index;
    unsigned prefix_bits, ncls, vcls = 0;
    int incremental, never, plain, hit = 0, r;
    str_ref name = { NULL, 0, 0 }, value;

    if ((in[0] & 0xe0u) == REP_SIZE_UPDATE) {
        r = lwg_hpack_int_decode(in, in_len, 5, &index, &n);
        if (r != LWG_OK)
            return r;
        if (!d->update_allowed || index > d->settings_max)
            return LWG_EPROTO;
        d->max_size = index;
        evict_to(d, index);
        out->name = NULL;
        out->name_len = 0;
        out->value = NULL;
        out->value_len = 0;
        out->flags = 0;
        *consumed = n;
        return LWG_OK;
    }
    /* A field: our lowered setting must have been acknowledged by a size
     * update at the start of this block (RFC 7541 §4.2). */
    if (d->max_size > d->settings_max)
        return LWG_EPROTO;

    /* Literal: 01 incremental indexing (6-bit index), 0001 never indexed,
     * 0000 without indexing (4-bit index). */
    incremental = (in[0] & 0x40u) != 0;
    never = !incremental && (in[0] & 0x10u) != 0;
    plain = !incremental && !never; /* without indexing: memo material */
    prefix_bits = incremental ? 6 : 4;
    r = lwg_hpack_int_decode(in, in_len, prefix_bits, &index, &pos);
    if (r != LWG_OK)
        return r;
    if (index > LWG_HPACK_STATIC_COUNT + (size_t)d->count)
        return LWG_EPROTO;
    if (index == 0) {
        r = parse_string(in, in_len, &pos, &name);
        if (r != LWG_OK)
            return r;
    }
    r = parse_string(in, in_len, &pos, &value);
    if (r != LWG_OK)
        return r;

    /* The whole representation is here: decode it. */
    if (index == 0) {
        r = put_string(&name, scratch, scratch_size, &used, &out->name,
                       &out->name_len);
    } else {
        /* A dynamic name is copied before the insertion below can evict
         * its entry (RFC 7541 §4.4). */
        r = entry_view(d, index, incremental, scratch, scratch_size, &used,
                       out, NULL);
    }
    if (r == LWG_OK && !(hit = plain && memo_hit(d, &value, out, &vcls)))
        r = put_string(&value, scratch, scratch_size, &used, &out->value,
                       &out->value_len);
    if (r == LWG_ETOOBIG)
        r = skip_field(d, incremental, index, &name, &value);
    if (r == LWG_EPROTO)
        return r;
    d->update_allowed = 0;
    *consumed = pos;
    if (r != LWG_OK)
        return r;
    out->flags = never ? LWG_HPACK_NEVER_INDEX : 0u;
    /* An indexed name comes with its classes; a literal one is looked at
     * here. */
    if (index == 0) {
        ncls = name_cls(out->name, out->name_len);
        out->name_id = (uint8_t)lwg_hpack_name_of(out->name, out->name_len);
    } else {
        ncls = out->cls;
    }
    if (!hit) {
        vcls = value_cls(out->value, out->value_len);
        if (plain)
            memo_keep(d, &value, out, vcls);
    }
    out->cls = (uint8_t)field_cls(ncls, vcls);
    if (incremental)
        table_insert(d, out);
    return LWG_OK;
}

int lwg_hpack_decode_field(lwg_hpack_dec *d, const uint8_t *in, size_t in_len,
                           size_t *consumed, uint8_t *scratch,
                           size_t scratch_size, lwg_hpack_field *out)
{
    *consumed = 0;
    if (in_len == 0)
        return LWG_EAGAIN;
    if (!(in[0] & REP_INDEXED))
        return decode_other(d, in, in_len, consumed, scratch, scratch_size, out);
    if (d->max_size > d->settings_max) /* as for a literal (decode_other) */
        return LWG_EPROTO;
    if ((in[0] & 0x7fu) == 0x7fu)
        return decode_indexed_long(d, in, in_len, consumed, scratch, scratch_size, out);
    /* the usual field: one byte */
    return decode_indexed(d, in[0] & 0x7fu, 1, consumed, scratch, scratch_size, out);
}

/* ======================================================================
 * Encoder: the low-level writers
 * ==================================================================== */

int lwg_hpack_encode_string(uint8_t **p, uint8_t *end, const uint8_t *s,
                            size_t len, int huffman)
{
    uint8_t *q = *p;
    size_t n;
    int r;

    if (huffman == LWG_HPACK_HUFFMAN_AUTO)
        huffman = len > 1 && lwg_huff_encoded_len(s, len) < len;
    if (!huffman && len < 0x7fu) { /* short and raw: the usual case, at once */
        if ((size_t)(end - q) < 1 + len)
            return LWG_ENOMEM;
        *q++ = (uint8_t)len;
        if (len > 0)
            memcpy(q, s, len);
        *p = q + len;
        return LWG_OK;
    }
    if (len > LWG_HPACK_INT_MAX)
        return LWG_ETOOBIG;
    n = huffman ? lwg_huff_encoded_len(s, len) : len;
    r = lwg_hpack_int_encode(&q, end, huffman ? 0x80u : 0x00u, 7,
                             (uint32_t)n);
    if (r != LWG_OK)
        return r;
    if ((size_t)(end - q) < n)
        return LWG_ENOMEM;
    if (huffman) {
        if (lwg_huff_encode(s, len, q, n) < 0)
            return LWG_ENOMEM;  /* cannot happen: n is the exact length */
    } else if (n > 0) {
        memcpy(q, s, n);
    }
    *p = q + n;
    return LWG_OK;
}

int lwg_hpack_encode_indexed(uint8_t **p, uint8_t *end, size_t index)
{
    if (index == 0 || index > LWG_HPACK_INT_MAX)
        return LWG_EINVAL;
    return lwg_hpack_int_encode(p, end, REP_INDEXED, 7, (uint32_t)index);
}

int lwg_hpack_encode_size_update(uint8_t **p, uint8_t *end, uint32_t size)
{
    return lwg_hpack_int_encode(p, end, REP_SIZE_UPDATE, 5, size);
}

int lwg_hpack_encode_literal(uint8_t **p, uint8_t *end, unsigned kind,
                             size_t name_index,
                             const uint8_t *name, size_t name_len,
                             const uint8_t *value, size_t value_len,
                             int huffman)
{
    uint8_t *q = *p;
    unsigned prefix_bits;
    int r;

    if (kind == LWG_HPACK_LIT_INCREMENTAL)
        prefix_bits = 6;
    else if (kind == LWG_HPACK_LIT_WITHOUT || kind == LWG_HPACK_LIT_NEVER)
        prefix_bits = 4;
    else
        return LWG_EINVAL;
    if (name_index > LWG_HPACK_INT_MAX)
        return LWG_EINVAL;
    r = lwg_hpack_int_encode(&q, end, (uint8_t)kind, prefix_bits,
                             (uint32_t)name_index);
    if (r == LWG_OK && name_index == 0)
        r = lwg_hpack_encode_string(&q, end, name, name_len, huffman);
    if (r == LWG_OK)
        r = lwg_hpack_encode_string(&q, end, value, value_len, huffman);
    if (r != LWG_OK)
        return r;
    *p = q;
    return LWG_OK;
}
