/* test_hpack_enc.c - the HPACK encoder's dynamic table (LWG_HPACK_INDEX):
 * repeated fields shrink to one byte, secrets stay literals, a block given
 * up changes nothing, and a long randomized run in which every block the
 * encoder writes is decoded by our RFC-tested decoder (the peer's view),
 * with the peer's SETTINGS_HEADER_TABLE_SIZE moving between blocks, checks
 * that the decoder's table always starts with exactly the encoder's
 * entries. */
#include <stddef.h>

#include "lwg_test.h"
#include "transport/lwg_hpack.h"

typedef struct fld {
    const char *name;
    const char *value;
    unsigned flags;
} fld;

#define S2(f) (const uint8_t *)(f).name, strlen((f).name), \
              (const uint8_t *)(f).value, strlen((f).value), (f).flags

static lwg_hpack_enc enc;
static lwg_hpack_dec dec;
static uint8_t scratch[LWG_MAX_HEADER_FIELD];

static void fresh(void)
{
    lwg_hpack_enc_init(&enc);
    memset(&dec, 0, sizeof dec);
    lwg_hpack_dec_init(&dec, LWG_HPACK_DEFAULT_TABLE_SIZE);
}

/* Encode fields as one block that is sent; returns its length. */
static size_t enc_block(const fld *f, size_t n, uint8_t *buf, size_t cap)
{
    uint8_t *p = buf;

    lwg_hpack_enc_block_begin(&enc, 1);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(lwg_hpack_encode_field(&enc, &p, buf + cap,
                                        (const uint8_t *)f[i].name, strlen(f[i].name),
                                        (const uint8_t *)f[i].value, strlen(f[i].value),
                                        f[i].flags), LWG_OK);
    lwg_hpack_enc_block_end(&enc, 1);
    return (size_t)(p - buf);
}

/* Decode a block as the peer would; fields must equal f[] (and secrets
 * must arrive as never-indexed). */
static void dec_check(const uint8_t *buf, size_t len, const fld *f, size_t n)
{
    size_t pos = 0, k = 0;

    lwg_hpack_dec_block_begin(&dec);
    while (pos < len) {
        lwg_hpack_field out;
        size_t used = 0;
        int r = lwg_hpack_decode_field(&dec, buf + pos, len - pos, &used, scratch,
                                       sizeof scratch, &out);

        CHECK_EQ(r, LWG_OK);
        if (r != LWG_OK)
            return;
        pos += used;
        if (out.name == NULL)
            continue;           /* a size update */
        CHECK(k < n);
        if (k >= n)
            return;
        CHECK(out.name_len == strlen(f[k].name) &&
              memcmp(out.name, f[k].name, out.name_len) == 0);
        CHECK(out.value_len == strlen(f[k].value) &&
              (out.value_len == 0 || memcmp(out.value, f[k].value, out.value_len) == 0));
        if (f[k].flags & LWG_HPACK_NEVER_INDEX)
            CHECK_EQ(out.flags, LWG_HPACK_NEVER_INDEX);
        k++;
    }
    CHECK_EQ(k, n);
}

/* The decoder's newest entries are exactly the encoder's, in order. */
static void check_mirror(void)
{
#if LWG_HPACK_ENC_TABLE_SIZE > 0
    CHECK(lwg_hpack_dec_entries(&dec) >= enc.count);
    CHECK(enc.size <= enc.max);
    CHECK(enc.max <= LWG_HPACK_ENC_TABLE_SIZE);
    CHECK(enc.max <= lwg_hpack_dec_max_size(&dec));
    for (uint16_t k = 0; k < enc.count; k++) {
        const lwg_hpack_dyn_entry *d =
            &enc.entries[(enc.oldest + enc.count - 1u - k) % LWG_HPACK_ENC_SLOTS];
        lwg_hpack_field f;

        CHECK_EQ(lwg_hpack_dec_get(&dec, 62u + k, scratch, sizeof scratch, &f), LWG_OK);
        CHECK(f.name_len == d->name_len && f.value_len == d->value_len);
        CHECK(memcmp(f.name, enc.buf + d->offset, d->name_len) == 0);
        CHECK(d->value_len == 0 ||
              memcmp(f.value, enc.buf + d->offset + d->name_len, d->value_len) == 0);
    }
#endif
}

static const fld request[] = {
    { ":method", "POST", 0 },
    { ":scheme", "http", 0 },
    { ":path", "/grpc.testing.TestService/UnaryCall", LWG_HPACK_INDEX },
    { ":authority", "127.0.0.1:50051", LWG_HPACK_INDEX },
    { "te", "trailers", LWG_HPACK_INDEX },
    { "content-type", "application/grpc", LWG_HPACK_INDEX },
    { "user-agent", "grpc-c/lwgrpc", LWG_HPACK_INDEX },
    { "grpc-accept-encoding", "identity", LWG_HPACK_INDEX },
    { "grpc-timeout", "99m", 0 },
};
#define NREQ (sizeof request / sizeof request[0])

static void test_repeated_fields_one_byte(void)
{
    uint8_t buf[512];
    size_t first, later;

    fresh();
    first = enc_block(request, NREQ, buf, sizeof buf);
    dec_check(buf, first, request, NREQ);
    check_mirror();
    later = enc_block(request, NREQ, buf, sizeof buf);
    dec_check(buf, later, request, NREQ);
    check_mirror();
    if (LWG_HPACK_ENC_TABLE_SIZE >= 384) {
        /* 8 one-byte fields, then grpc-timeout (not in the static table,
         * not marked): a literal without indexing, never added */
        CHECK_EQ(lwg_hpack_enc_entries(&enc), 6);
        CHECK_EQ(lwg_hpack_dec_entries(&dec), 6);
        CHECK(later < first / 3);
        for (size_t i = 0; i < 8; i++)
            CHECK(buf[i] & 0x80);  /* indexed */
        CHECK_EQ(buf[8], 0x00);
    }
    /* A third block is byte for byte the second. */
    {
        uint8_t again[512];
        size_t n = enc_block(request, NREQ, again, sizeof again);
        dec_check(again, n, request, NREQ);
        CHECK_EQ(n, later);
        CHECK_MEM(again, buf, n);
    }
}

static void test_never_indexed_stays_literal(void)
{
    static const fld f[] = {
        { "x-token", "abc", LWG_HPACK_INDEX },
        { "x-token", "abc", LWG_HPACK_NEVER_INDEX },
        { "content-type", "application/grpc", LWG_HPACK_NEVER_INDEX | LWG_HPACK_INDEX },
        { "x-token", "abc", 0 },
    };
    uint8_t buf[256];
    size_t n;

    fresh();
    n = enc_block(f, 4, buf, sizeof buf);
    dec_check(buf, n, f, 4);
    check_mirror();
    if (LWG_HPACK_ENC_TABLE_SIZE > 0) {
        /* only the first was added; the last one is a full match */
        CHECK_EQ(lwg_hpack_enc_entries(&enc), 1);
        CHECK_EQ(buf[n - 1], 0x80 | 62);
    }
}

static void test_given_up_block_changes_nothing(void)
{
    static const fld f[] = {
        { "content-type", "application/grpc", LWG_HPACK_INDEX },
    };
    /* the peer's 100, or our own table if it is smaller (off: 0) */
    const uint32_t size = LWG_HPACK_ENC_TABLE_SIZE < 100 ? LWG_HPACK_ENC_TABLE_SIZE : 100;
    uint8_t buf[128], *p = buf, upd[8], *u = upd;
    size_t n, ulen;

    CHECK_EQ(lwg_hpack_encode_size_update(&u, upd + sizeof upd, size), LWG_OK);
    ulen = (size_t)(u - upd);   /* 100: 3f 45 */
    fresh();
    lwg_hpack_enc_set_peer_max(&enc, 100);
    lwg_hpack_dec_set_settings_max(&dec, 100);
    /* may not insert: a literal without indexing, after the update */
    lwg_hpack_enc_block_begin(&enc, 0);
    CHECK_EQ(lwg_hpack_encode_field(&enc, &p, buf + sizeof buf, S2(f[0])), LWG_OK);
    lwg_hpack_enc_block_end(&enc, 0);
    CHECK_EQ(lwg_hpack_enc_entries(&enc), 0);
    CHECK_MEM(buf, upd, ulen);              /* the size update was written */
    CHECK_EQ(buf[ulen] & 0xf0, 0x00);       /* literal without indexing    */
    /* ... but the block was thrown away: the next one says it again */
    n = enc_block(f, 1, buf, sizeof buf);
    CHECK_MEM(buf, upd, ulen);
    dec_check(buf, n, f, 1);
    CHECK_EQ(lwg_hpack_dec_max_size(&dec), size);
    check_mirror();
    /* and only once */
    n = enc_block(f, 1, buf, sizeof buf);
    CHECK(memcmp(buf, upd, ulen) != 0);
    dec_check(buf, n, f, 1);
    check_mirror();
    /* No room: ENOMEM leaves the table alone too. */
    {
        static const fld g[] = { { "x-new", "value", LWG_HPACK_INDEX } };
        size_t before = lwg_hpack_enc_entries(&enc);

        p = buf;
        CHECK_EQ(lwg_hpack_encode_field(&enc, &p, buf + 3, S2(g[0])), LWG_ENOMEM);
        CHECK(p == buf);
        CHECK_EQ(lwg_hpack_enc_entries(&enc), before);
    }
}

/* Randomized: the pool mixes small constants, values that vary, entries
 * larger than the table, and the empty string; the peer's setting moves;
 * some blocks are given up. */
static void test_random_blocks_mirror(void)
{
    static char big[700], mid[200];
    static const char *const names[] = {
        "content-type", ":path", "x-a", "x-b", "grpc-status", "user-agent", "x-big", "",
    };
    static const uint32_t sizes[] = { 0, 40, 64, 100, 256, 512, 1000, 4096, 8192 };
    char vals[8][16];
    uint32_t r = 0x2545f491u;
    uint8_t buf[4096];
    unsigned blocks = 0, given_up = 0;

    memset(big, 'b', sizeof big - 1);
    memset(mid, 'm', sizeof mid - 1);
    fresh();
    for (int round = 0; round < 4000 && !lwg_test_case_failed; round++) {
        fld f[6];
        size_t n = 1 + lwg_test_xorshift32(&r) % 6, len;

        if (lwg_test_xorshift32(&r) % 8 == 0) {
            uint32_t v = sizes[lwg_test_xorshift32(&r) % (sizeof sizes / sizeof sizes[0])];

            lwg_hpack_enc_set_peer_max(&enc, v);
            lwg_hpack_dec_set_settings_max(&dec, v);
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t pick = lwg_test_xorshift32(&r);

            f[i].name = names[pick % 8];
            if (f[i].name[0] == '\0')
                f[i].name = "x-empty";
            switch ((pick >> 3) % 6) {
            case 0: f[i].value = big; break;
            case 1: f[i].value = mid; break;
            case 2: f[i].value = ""; break;
            default:
                snprintf(vals[i], sizeof vals[i], "v%u", (unsigned)((pick >> 6) % 12));
                f[i].value = vals[i];
            }
            f[i].flags = (pick >> 10) % 3 == 0 ? 0 : LWG_HPACK_INDEX;
            if ((pick >> 12) % 11 == 0)
                f[i].flags |= LWG_HPACK_NEVER_INDEX;
            if ((pick >> 16) % 5 == 0)
                f[i].flags |= LWG_HPACK_NO_HUFFMAN;
            if ((pick >> 20) % 7 == 0)
                f[i].flags |= LWG_HPACK_NO_TABLE;
        }
        if (lwg_test_xorshift32(&r) % 10 == 0) {
            /* given up: may not insert, thrown away */
            uint8_t *p = buf;

            lwg_hpack_enc_block_begin(&enc, 0);
            for (size_t i = 0; i < n; i++)
                CHECK_EQ(lwg_hpack_encode_field(&enc, &p, buf + sizeof buf, S2(f[i])),
                         LWG_OK);
            lwg_hpack_enc_block_end(&enc, 0);
            given_up++;
            continue;
        }
        len = enc_block(f, n, buf, sizeof buf);
        dec_check(buf, len, f, n);
        check_mirror();
        blocks++;
    }
    CHECK(blocks > 3000 && given_up > 300);
}

/* LWG_HPACK_NO_TABLE: a literal without indexing with a literal name,
 * whatever the tables hold, and nothing inserted. */
static void test_no_table(void)
{
    static const fld idx[] = { { "content-type", "application/grpc", LWG_HPACK_INDEX } };
    static const fld lit[] = {
        { "content-type", "application/grpc", LWG_HPACK_NO_TABLE | LWG_HPACK_NO_HUFFMAN },
        { ":method", "GET", LWG_HPACK_NO_TABLE | LWG_HPACK_NO_HUFFMAN | LWG_HPACK_INDEX },
    };
    static const uint8_t want[] = {
        0x00, 12, 'c', 'o', 'n', 't', 'e', 'n', 't', '-', 't', 'y', 'p', 'e',
        16, 'a', 'p', 'p', 'l', 'i', 'c', 'a', 't', 'i', 'o', 'n', '/', 'g', 'r', 'p', 'c',
        0x00, 7, ':', 'm', 'e', 't', 'h', 'o', 'd', 3, 'G', 'E', 'T',
    };
    uint8_t buf[128];
    size_t n;

    fresh();
    n = enc_block(idx, 1, buf, sizeof buf);     /* content-type now in the table */
    dec_check(buf, n, idx, 1);
    CHECK_EQ(lwg_hpack_enc_entries(&enc), LWG_HPACK_ENC_TABLE_SIZE > 0 ? 1 : 0);
    n = enc_block(lit, 2, buf, sizeof buf);
    CHECK_EQ(n, sizeof want);
    CHECK(memcmp(buf, want, sizeof want) == 0);
    dec_check(buf, n, lit, 2);
    CHECK_EQ(lwg_hpack_enc_entries(&enc), LWG_HPACK_ENC_TABLE_SIZE > 0 ? 1 : 0); /* no more */
    check_mirror();
}

static void test_memo(void)
{
    static const fld run[] = {
        { "content-type", "application/grpc", LWG_HPACK_INDEX },
        { "te", "trailers", LWG_HPACK_INDEX },
    };
    uint8_t buf[128], *p;
    uint32_t mark;
    size_t n;

    fresh();
    /* nothing kept yet */
    p = buf;
    CHECK_EQ(lwg_hpack_memo_use(&enc, 1, 42, &p, buf + sizeof buf, NULL), LWG_EAGAIN);
    /* a run that inserts is not kept */
    mark = lwg_hpack_memo_mark(&enc);
    n = enc_block(run, 2, buf, sizeof buf);
    dec_check(buf, n, run, 2);
    lwg_hpack_memo_keep(&enc, 1, 42, mark, buf, n, 90);
    /* (without a table the run is two literals: longer than a memo) */
    p = buf;
    CHECK_EQ(lwg_hpack_memo_use(&enc, 1, 42, &p, buf + sizeof buf, NULL), LWG_EAGAIN);
    if (LWG_HPACK_ENC_TABLE_SIZE == 0)
        return;
    /* a run of references is kept, and used for its key only */
    mark = lwg_hpack_memo_mark(&enc);
    n = enc_block(run, 2, buf, sizeof buf);
    CHECK_EQ(n, 2);
    lwg_hpack_memo_keep(&enc, 1, 42, mark, buf, n, 90);
    p = buf + 64;
    CHECK_EQ(lwg_hpack_memo_use(&enc, 1, 41, &p, buf + sizeof buf, NULL), LWG_EAGAIN);
    CHECK_EQ(lwg_hpack_memo_use(&enc, 2, 42, &p, buf + sizeof buf, NULL), LWG_EAGAIN);
    CHECK_EQ(lwg_hpack_memo_use(&enc, 1, 42, &p, buf + 65, NULL), LWG_ENOMEM);
    CHECK(p == buf + 64);
    {
        uint32_t size = 0;

        CHECK_EQ(lwg_hpack_memo_use(&enc, 1, 42, &p, buf + sizeof buf, &size), LWG_OK);
        CHECK_EQ(size, 90u); /* the figure kept with it */
    }
    CHECK(p == buf + 66);
    CHECK_MEM(buf + 64, buf, 2);
    dec_check(buf + 64, 2, run, 2);
    /* an insertion moves the indices: the memo is stale */
    {
        static const fld other[] = { { "x-new", "1", LWG_HPACK_INDEX } };
        n = enc_block(other, 1, buf, sizeof buf);
        dec_check(buf, n, other, 1);
    }
    p = buf;
    CHECK_EQ(lwg_hpack_memo_use(&enc, 1, 42, &p, buf + sizeof buf, NULL), LWG_EAGAIN);
    /* kept again; then a size update is due: not used until it is sent */
    mark = lwg_hpack_memo_mark(&enc);
    n = enc_block(run, 2, buf, sizeof buf);
    lwg_hpack_memo_keep(&enc, 1, 42, mark, buf, n, 90);
    lwg_hpack_enc_set_peer_max(&enc, 4000);
    lwg_hpack_dec_set_settings_max(&dec, 4000);
    p = buf;
    CHECK_EQ(lwg_hpack_memo_use(&enc, 1, 42, &p, buf + sizeof buf, NULL), LWG_EAGAIN);
    n = enc_block(run, 2, buf, sizeof buf);
    dec_check(buf, n, run, 2);
    check_mirror();
}

int main(void)
{
    RUN(test_repeated_fields_one_byte);
    RUN(test_never_indexed_stays_literal);
    RUN(test_given_up_block_changes_nothing);
    RUN(test_random_blocks_mirror);
    RUN(test_no_table);
    RUN(test_memo);
    return lwg_test_summary();
}
