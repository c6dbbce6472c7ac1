/*
 * lwg_hpack_enc.c - the HPACK encoder's choices and its dynamic table
 * (RFC 7541 §2.3, §4, §6); the byte writers are in lwg_hpack.c.
 *
 * The table mirrors what the peer's decoder does with our incremental-
 * indexing literals: same FIFO, same RFC 7541 §4.1 sizes, evicted at the
 * same moments, only possibly smaller (see lwg_hpack_enc in lwg_hpack.h).
 * Lookups compare lengths first, so a miss costs a few instructions per
 * entry; the static table is searched only among names of the right
 * length (lwg_hpack_static_by_len).
 */
#include <string.h>

#include "transport/lwg_hpack.h"
#include "transport/lwg_hpack_tables.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* First and last bytes first: names of one length in the static table
 * mostly share a first byte (':') but not a last one. */
static int bytes_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
    return len == 0 ||
           (a[0] == b[0] && a[len - 1] == b[len - 1] && memcmp(a, b, len) == 0);
}

/* ---- the dynamic table ------------------------------------------------ */

#if LWG_HPACK_ENC_TABLE_SIZE > 0

/* Entries came or went: every memo is stale (their indices moved). */
static void table_changed(lwg_hpack_enc *e)
{
    if (++e->changes == 0)      /* wrapped: old memos could look current */
        memset(e->memo, 0, sizeof e->memo);
}

static uint16_t slot_add(size_t slot, size_t n)
{
    size_t s = slot + n;

    return (uint16_t)(s >= LWG_HPACK_ENC_SLOTS ? s - LWG_HPACK_ENC_SLOTS : s);
}

static void evict_to(lwg_hpack_enc *e, uint32_t limit)
{
    while (e->count > 0 && e->size > limit) {
        const lwg_hpack_dyn_entry *d = &e->entries[e->oldest];

        e->size -= (uint32_t)d->name_len + d->value_len + LWG_HPACK_ENTRY_OVERHEAD;
        e->bytes_start = (uint16_t)(e->bytes_start + d->name_len + d->value_len);
        e->oldest = slot_add(e->oldest, 1);
        e->count--;
        table_changed(e);
    }
    if (e->count == 0)
        e->bytes_start = e->bytes_end = 0;
}

/* Add name: value (its size fits e->max; checked by the caller). */
static void table_insert(lwg_hpack_enc *e, const uint8_t *name, size_t name_len,
                         const uint8_t *value, size_t value_len)
{
    size_t len = name_len + value_len;
    lwg_hpack_dyn_entry *d;

    evict_to(e, e->max - (uint32_t)(len + LWG_HPACK_ENTRY_OVERHEAD));
    if ((size_t)LWG_HPACK_ENC_TABLE_SIZE - e->bytes_end < len) {
        /* Live bytes <= max - 32 * count, so they and the new entry fit
         * once moved to the front. */
        uint16_t shift = e->bytes_start;

        memmove(e->buf, e->buf + shift, (size_t)(e->bytes_end - shift));
        for (uint16_t k = 0; k < e->count; k++)
            e->entries[slot_add(e->oldest, k)].offset -= shift;
        e->bytes_start = 0;
        e->bytes_end = (uint16_t)(e->bytes_end - shift);
    }
    d = &e->entries[slot_add(e->oldest, e->count)];
    d->offset = e->bytes_end;
    d->name_len = (uint16_t)name_len;
    d->value_len = (uint16_t)value_len;
    if (name_len > 0)
        memcpy(e->buf + e->bytes_end, name, name_len);
    if (value_len > 0)
        memcpy(e->buf + e->bytes_end + name_len, value, value_len);
    e->bytes_end = (uint16_t)(e->bytes_end + len);
    e->count++;
    e->size += (uint32_t)(len + LWG_HPACK_ENTRY_OVERHEAD);
    table_changed(e);
}

/* HPACK index of a full match (and *name_index of a name match, if none
 * was known), 0 if none.  Newest entry first: index 62. */
static size_t dyn_find(const lwg_hpack_enc *e, const uint8_t *name, size_t name_len,
                       const uint8_t *value, size_t value_len, size_t *name_index)
{
    for (uint16_t k = 0; k < e->count; k++) {
        const lwg_hpack_dyn_entry *d = &e->entries[slot_add(e->oldest, e->count - 1u - k)];
        const uint8_t *s = e->buf + d->offset;

        if (d->name_len != name_len || !bytes_equal(s, name, name_len))
            continue;
        if (d->value_len == value_len && bytes_equal(s + name_len, value, value_len))
            return LWG_HPACK_STATIC_COUNT + 1u + k;
        if (*name_index == 0)
            *name_index = LWG_HPACK_STATIC_COUNT + 1u + k;
    }
    return 0;
}

size_t lwg_hpack_enc_entries(const lwg_hpack_enc *e)
{
    return e->count;
}

#else /* no dynamic table */

static void evict_to(lwg_hpack_enc *e, uint32_t limit)
{
    (void)e;
    (void)limit;
}

static size_t dyn_find(const lwg_hpack_enc *e, const uint8_t *name, size_t name_len,
                       const uint8_t *value, size_t value_len, size_t *name_index)
{
    (void)e; (void)name; (void)name_len; (void)value; (void)value_len; (void)name_index;
    return 0;
}

size_t lwg_hpack_enc_entries(const lwg_hpack_enc *e)
{
    (void)e;
    return 0;
}

#endif

/* ---- state ------------------------------------------------------------ */

void lwg_hpack_enc_init(lwg_hpack_enc *e)
{
    memset(e, 0, sizeof *e);
    e->dec_max = LWG_HPACK_DEFAULT_TABLE_SIZE;
    e->max = min_u32(LWG_HPACK_ENC_TABLE_SIZE, LWG_HPACK_DEFAULT_TABLE_SIZE);
}

void lwg_hpack_enc_set_peer_max(lwg_hpack_enc *e, uint32_t peer_settings_max)
{
    uint32_t target = min_u32(LWG_HPACK_ENC_TABLE_SIZE, peer_settings_max);
    uint32_t held = e->upd_pending ? e->upd_final : e->dec_max;

    /* The decoder must hear of a limit below what it holds; a larger
     * table for us is worth saying too.  Otherwise we just use less. */
    if (peer_settings_max < held || target > held) {
        if (!e->upd_pending || target < e->upd_min)
            e->upd_min = target;
        e->upd_final = target;
        e->upd_pending = 1;
    }
    if (target < e->max) {
        evict_to(e, target);
        e->max = target;
    }
}

void lwg_hpack_enc_block_begin(lwg_hpack_enc *e, int may_insert)
{
    e->in_block = 1;
    e->may_insert = (uint8_t)(may_insert != 0);
    e->upd_written = 0;
}

static void updates_sent(lwg_hpack_enc *e)
{
    e->upd_pending = 0;
    e->dec_max = e->upd_final;
    /* a raise takes effect now that the decoder knows it */
    e->max = min_u32(LWG_HPACK_ENC_TABLE_SIZE, e->upd_final);
}

void lwg_hpack_enc_block_end(lwg_hpack_enc *e, int sent)
{
    if (sent && e->upd_written)
        updates_sent(e);
    e->in_block = 0;
    e->upd_written = 0;
}

/* ---- memos -------------------------------------------------------------- */

int lwg_hpack_memo_use(lwg_hpack_enc *e, unsigned id, uint64_t key, uint8_t **p,
                       uint8_t *end, uint32_t *size)
{
    const lwg_hpack_memo *m;
    uint8_t *q = *p;

    if (id == 0 || id > LWG_HPACK_MEMOS || e->upd_pending)
        return LWG_EAGAIN;
    m = &e->memo[id - 1];
    if (m->len == 0 || m->key != key || m->changes != e->changes)
        return LWG_EAGAIN;
    if ((size_t)(end - q) < m->len)
        return LWG_ENOMEM;
    for (unsigned i = 0; i < m->len; i++) /* a few bytes: no memcpy call */
        q[i] = m->bytes[i];
    *p = q + m->len;
    if (size != NULL)
        *size = m->size;
    return LWG_OK;
}

uint32_t lwg_hpack_memo_mark(const lwg_hpack_enc *e)
{
    return e->changes;
}

void lwg_hpack_memo_keep(lwg_hpack_enc *e, unsigned id, uint64_t key, uint32_t mark,
                         const uint8_t *bytes, size_t len, uint32_t size)
{
    lwg_hpack_memo *m;

    if (id == 0 || id > LWG_HPACK_MEMOS || e->upd_pending || mark != e->changes ||
        len == 0 || len > LWG_HPACK_MEMO_BYTES)
        return;
    m = &e->memo[id - 1];
    m->key = key;
    m->changes = mark;
    m->size = size;
    m->len = (uint8_t)len;
    memcpy(m->bytes, bytes, len);
}

/* ---- lookups ----------------------------------------------------------- */

size_t lwg_hpack_static_find(const uint8_t *name, size_t name_len,
                             const uint8_t *value, size_t value_len,
                             int *full_match)
{
    size_t name_index = 0;

    if (full_match != NULL)
        *full_match = 0;
    if (name_len > LWG_HPACK_STATIC_NAME_MAX)
        return 0;
    for (size_t k = lwg_hpack_static_len_start[name_len];
         k < lwg_hpack_static_len_start[name_len + 1]; k++) {
        size_t i = lwg_hpack_static_by_len[k];
        const lwg_hpack_static_entry *se = &lwg_hpack_static[i - 1];
        const uint8_t *s = lwg_hpack_static_blob + se->offset;

        if (!bytes_equal(s, name, name_len)) {
            if (name_index != 0)
                break;          /* equal names are adjacent */
            continue;
        }
        if (name_index == 0)
            name_index = i;
        if (se->value_len == value_len &&
            bytes_equal(s + name_len, value, value_len)) {
            if (full_match != NULL)
                *full_match = 1;
            return i;
        }
    }
    return name_index;
}

/* ---- encoding ----------------------------------------------------------- */

static int write_updates(const lwg_hpack_enc *e, uint8_t **q, uint8_t *end)
{
    int r = lwg_hpack_encode_size_update(q, end, e->upd_min);

    if (r == LWG_OK && e->upd_final != e->upd_min)
        r = lwg_hpack_encode_size_update(q, end, e->upd_final);
    return r;
}

int lwg_hpack_encode_field(lwg_hpack_enc *e, uint8_t **p, uint8_t *end,
                           const uint8_t *name, size_t name_len,
                           const uint8_t *value, size_t value_len,
                           unsigned flags)
{
    uint8_t *q = *p;
    int full = 0, r = LWG_OK, insert = 0;
    int never = (flags & LWG_HPACK_NEVER_INDEX) != 0;
    int allow_huffman = (flags & LWG_HPACK_NO_HUFFMAN) == 0;
    size_t index = 0, name_index = 0;
    unsigned kind;

    if (e->upd_pending && !(e->in_block && e->upd_written))
        r = write_updates(e, &q, end);
    if (r != LWG_OK)
        return r;

    if (!(flags & LWG_HPACK_NO_TABLE)) { /* NO_TABLE: a literal, no search */
        /* Fields to be indexed are most likely in the dynamic table
         * already; others most likely in the static table. */
        if (!never && (flags & LWG_HPACK_INDEX))
            index = dyn_find(e, name, name_len, value, value_len, &name_index);
        if (index == 0) {
            size_t si = lwg_hpack_static_find(name, name_len, value, value_len, &full);

            if (full && !never)
                index = si;
            else if (si != 0)
                name_index = si; /* a static name beats a dynamic one */
            if (index == 0 && !(flags & LWG_HPACK_INDEX)) {
                /* not searched above: a full match beats a literal */
                size_t di = dyn_find(e, name, name_len, value, value_len, &name_index);

                if (!never)
                    index = di;
            }
        }
    }
    if (index != 0) {
        r = lwg_hpack_encode_indexed(&q, end, index);
    } else {
        insert = !never && (flags & (LWG_HPACK_INDEX | LWG_HPACK_NO_TABLE)) == LWG_HPACK_INDEX &&
                 (!e->in_block || e->may_insert) &&
                 name_len + value_len + LWG_HPACK_ENTRY_OVERHEAD <= e->max;
        kind = never ? LWG_HPACK_LIT_NEVER
                     : insert ? LWG_HPACK_LIT_INCREMENTAL : LWG_HPACK_LIT_WITHOUT;
        r = lwg_hpack_encode_literal(&q, end, kind, name_index, name, name_len, value,
                                     value_len, allow_huffman ? LWG_HPACK_HUFFMAN_AUTO : 0);
    }
    if (r != LWG_OK)
        return r;
    *p = q;
    if (e->upd_pending) {
        if (e->in_block)
            e->upd_written = 1;
        else
            updates_sent(e);
    }
#if LWG_HPACK_ENC_TABLE_SIZE > 0
    if (insert)
        table_insert(e, name, name_len, value, value_len);
#endif
    return LWG_OK;
}
