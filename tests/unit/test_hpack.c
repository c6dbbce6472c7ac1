/* test_hpack.c - HPACK (RFC 7541): integers, Huffman, the Appendix C
 * examples decoded (whole and as growing prefixes) and re-encoded byte for
 * byte, error cases, and a randomized differential test against a simple
 * model of the dynamic table. */
#include <stddef.h>
#include <stdlib.h>

#include "lwg_test.h"
#include "transport/lwg_hpack.h"
#include "transport/lwg_hpack_tables.h"

/* ---------------------------------------------------------------------
 * helpers
 * ------------------------------------------------------------------- */

#define S(str) (const uint8_t *)(str), (sizeof(str) - 1)

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    int hi = -1;

    for (; *hex; hex++) {
        int v;
        char c = *hex;

        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

typedef struct rng {
    uint32_t s;
} rng;

static uint32_t rnd(rng *r)
{
    return lwg_test_xorshift32(&r->s);
}

static uint32_t rnd_below(rng *r, uint32_t n)
{
    return n ? rnd(r) % n : 0;
}

/* A decoded field, copied out of the decoder's views. */
#define MAXSTR 600
typedef struct got_field {
    uint8_t name[MAXSTR];
    size_t name_len;
    uint8_t value[MAXSTR];
    size_t value_len;
    int never;
} got_field;

typedef struct want_field {
    const char *name;
    const char *value;
} want_field;

static void copy_field(got_field *g, const lwg_hpack_field *f)
{
    CHECK(f->name != NULL);
    CHECK(f->name_len <= MAXSTR && f->value_len <= MAXSTR);
    if (f->name_len > MAXSTR || f->value_len > MAXSTR || f->name == NULL)
        return;
    memcpy(g->name, f->name, f->name_len);
    g->name_len = f->name_len;
    if (f->value_len > 0)
        memcpy(g->value, f->value, f->value_len);
    g->value_len = f->value_len;
    g->never = (f->flags & LWG_HPACK_NEVER_INDEX) != 0;
}

static int str_eq(const uint8_t *a, size_t alen, const char *b)
{
    return alen == strlen(b) && memcmp(a, b, alen) == 0;
}

/* Bytes of the decoder that must not change on LWG_EAGAIN.  `whole`
 * includes the ring (slow for big inputs). */
static size_t state_offset(int whole)
{
    return whole ? 0 : offsetof(lwg_hpack_dec, entries);
}

/* Decode one header block from in[0..len).  growing: every representation
 * is first fed as prefixes of 1, 2, ... bytes, each of which must give
 * LWG_EAGAIN with nothing consumed and the decoder unchanged, until the
 * complete one.  Returns LWG_OK or the first error; fields in got[]. */
static int decode_block(lwg_hpack_dec *d, const uint8_t *in, size_t len,
                        int growing, int whole_state, uint8_t *scratch,
                        size_t scratch_size, got_field *got, size_t max_got,
                        size_t *ngot)
{
    static lwg_hpack_dec before;
    size_t pos = 0, off = state_offset(whole_state);

    *ngot = 0;
    lwg_hpack_dec_block_begin(d);
    while (pos < len) {
        lwg_hpack_field f;
        size_t consumed = 99;
        int r;

        if (growing) {
            size_t k;

            for (k = 1;; k++) {
                memcpy((uint8_t *)&before + off, (uint8_t *)d + off,
                       sizeof *d - off);
                r = lwg_hpack_decode_field(d, in + pos, k, &consumed, scratch,
                                           scratch_size, &f);
                if (r != LWG_EAGAIN)
                    break;
                CHECK_EQ(consumed, 0);
                CHECK(memcmp((uint8_t *)&before + off, (uint8_t *)d + off,
                             sizeof *d - off) == 0);
                if (k == len - pos)
                    return LWG_EAGAIN;
            }
            if (r == LWG_OK || r == LWG_ETOOBIG)
                CHECK_EQ(consumed, k);
        } else {
            r = lwg_hpack_decode_field(d, in + pos, len - pos, &consumed,
                                       scratch, scratch_size, &f);
        }
        if (r == LWG_ETOOBIG) {
            pos += consumed;
            continue;
        }
        if (r != LWG_OK)
            return r;
        CHECK(consumed > 0 && consumed <= len - pos);
        pos += consumed;
        if (f.name == NULL)
            continue;           /* size update */
        CHECK(*ngot < max_got);
        if (*ngot < max_got)
            copy_field(&got[(*ngot)++], &f);
    }
    return LWG_OK;
}

static void check_fields(const got_field *got, size_t ngot,
                         const want_field *want, size_t nwant)
{
    CHECK_EQ(ngot, nwant);
    for (size_t i = 0; i < ngot && i < nwant; i++) {
        if (!str_eq(got[i].name, got[i].name_len, want[i].name) ||
            !str_eq(got[i].value, got[i].value_len, want[i].value)) {
            fprintf(stderr, "  field %zu: got %.*s: %.*s, want %s: %s\n", i,
                    (int)got[i].name_len, (const char *)got[i].name,
                    (int)got[i].value_len, (const char *)got[i].value,
                    want[i].name, want[i].value);
            CHECK(0);
        }
    }
}

/* The dynamic table, newest first, and its size. */
static void check_table(const lwg_hpack_dec *d, const want_field *want,
                        size_t nwant, uint32_t size)
{
    uint8_t scratch[1024];

    CHECK_EQ(lwg_hpack_dec_entries(d), nwant);
    CHECK_EQ(lwg_hpack_dec_size(d), size);
    for (size_t i = 0; i < nwant; i++) {
        lwg_hpack_field f;

        CHECK_EQ(lwg_hpack_dec_get(d, 62 + i, scratch, sizeof scratch, &f),
                 LWG_OK);
        CHECK(str_eq(f.name, f.name_len, want[i].name));
        CHECK(str_eq(f.value, f.value_len, want[i].value));
    }
    {
        lwg_hpack_field f;

        CHECK_EQ(lwg_hpack_dec_get(d, 62 + nwant, scratch, sizeof scratch, &f),
                 LWG_EPROTO);
        CHECK_EQ(lwg_hpack_dec_get(d, 0, scratch, sizeof scratch, &f),
                 LWG_EPROTO);
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------
 * integers (RFC 7541 C.1)
 * ------------------------------------------------------------------- */

static void check_int(uint8_t first_bits, unsigned prefix, uint32_t value,
                      const char *hex)
{
    uint8_t want[16], buf[16], *p;
    size_t n = unhex(hex, want), consumed = 0;
    uint32_t v = 0;

    for (size_t room = 0; room < n; room++) {
        p = buf;
        CHECK_EQ(lwg_hpack_int_encode(&p, buf + room, first_bits, prefix, value),
                 LWG_ENOMEM);
        CHECK(p == buf);
    }
    p = buf;
    CHECK_EQ(lwg_hpack_int_encode(&p, buf + sizeof buf, first_bits, prefix,
                                  value), LWG_OK);
    CHECK_EQ(p - buf, n);
    CHECK_MEM(buf, want, n);
    for (size_t k = 0; k < n; k++)
        CHECK_EQ(lwg_hpack_int_decode(want, k, prefix, &v, &consumed),
                 LWG_EAGAIN);
    CHECK_EQ(lwg_hpack_int_decode(want, n, prefix, &v, &consumed), LWG_OK);
    CHECK_EQ(v, value);
    CHECK_EQ(consumed, n);
}

static void test_int_c1(void)
{
    check_int(0, 5, 10, "0a");            /* C.1.1 */
    check_int(0, 5, 1337, "1f 9a 0a");    /* C.1.2 */
    check_int(0, 8, 42, "2a");            /* C.1.3 */
    check_int(0, 5, 30, "1e");
    check_int(0, 5, 31, "1f 00");
    check_int(0x80, 7, 127, "ff 00");
    check_int(0x40, 6, 62, "7e");
    check_int(0x20, 5, 4096, "3f e1 1f");
    check_int(0, 7, LWG_HPACK_INT_MAX, "7f 80 ff 7f");
}

static void test_int_limits(void)
{
    uint8_t in[16];
    uint32_t v = 0;
    size_t n, consumed = 0;

    /* One above the cap. */
    n = unhex("7f 81 ff 7f", in);
    CHECK_EQ(lwg_hpack_int_decode(in, n, 7, &v, &consumed), LWG_EPROTO);
    /* 0x7f and ten 0xff: overflow is seen as soon as it happens. */
    n = unhex("7f ff ff ff ff ff ff ff ff ff ff", in);
    CHECK_EQ(lwg_hpack_int_decode(in, n, 7, &v, &consumed), LWG_EPROTO);
    CHECK_EQ(lwg_hpack_int_decode(in, 4, 7, &v, &consumed), LWG_EPROTO);
    CHECK_EQ(lwg_hpack_int_decode(in, 3, 7, &v, &consumed), LWG_EAGAIN);
    /* Redundant zero continuation bytes: up to the 21-bit cap is fine... */
    n = unhex("1f 80 80 80 00", in);
    CHECK_EQ(lwg_hpack_int_decode(in, n, 5, &v, &consumed), LWG_OK);
    CHECK_EQ(v, 31);
    CHECK_EQ(consumed, 5);
    /* ...one more is refused even if it adds nothing. */
    n = unhex("1f 80 80 80 80 00", in);
    CHECK_EQ(lwg_hpack_int_decode(in, n, 5, &v, &consumed), LWG_EPROTO);
    /* High bits above the prefix are ignored. */
    n = unhex("ea", in);
    CHECK_EQ(lwg_hpack_int_decode(in, n, 5, &v, &consumed), LWG_OK);
    CHECK_EQ(v, 10);
    CHECK_EQ(lwg_hpack_int_decode(in, n, 0, &v, &consumed), LWG_EINVAL);
}

/* ---------------------------------------------------------------------
 * Huffman
 * ------------------------------------------------------------------- */

/* Write `n` low bits of `code` MSB first into a bit buffer. */
typedef struct bitw {
    uint8_t buf[64];
    size_t nbits;
} bitw;

static void bits_put(bitw *w, uint32_t code, unsigned n)
{
    while (n-- > 0) {
        size_t byte = w->nbits / 8;

        if ((w->nbits & 7) == 0)
            w->buf[byte] = 0;
        if ((code >> n) & 1u)
            w->buf[byte] |= (uint8_t)(0x80u >> (w->nbits & 7));
        w->nbits++;
    }
}

static void bits_sym(bitw *w, unsigned sym)
{
    bits_put(w, lwg_huff_code[sym], lwg_huff_len[sym]);
}

static void check_huff_roundtrip(const uint8_t *s, size_t len)
{
    static uint8_t enc[4096], dec[4096];
    size_t elen = lwg_huff_encoded_len(s, len);
    int r;

    CHECK(elen <= sizeof enc);
    r = lwg_huff_encode(s, len, enc, sizeof enc);
    CHECK_EQ(r, elen);
    if (elen > 0)
        CHECK_EQ(lwg_huff_encode(s, len, enc, elen - 1), LWG_ENOMEM);
    CHECK_EQ(lwg_huff_decoded_len(enc, elen), len);
    r = lwg_huff_decode(enc, elen, dec, sizeof dec);
    CHECK_EQ(r, len);
    if (r == (int)len && len > 0)
        CHECK_MEM(dec, s, len);
    if (len > 0)
        CHECK_EQ(lwg_huff_decode(enc, elen, dec, len - 1), LWG_ETOOBIG);
}

static void test_huff_rfc_strings(void)
{
    static const struct { const char *plain, *hex; } v[] = {
        { "www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff" },
        { "no-cache", "a8eb 1064 9cbf" },
        { "custom-key", "25a8 49e9 5ba9 7d7f" },
        { "custom-value", "25a8 49e9 5bb8 e8b4 bf" },
        { "302", "6402" },
        { "private", "aec3 771a 4b" },
        { "Mon, 21 Oct 2013 20:13:21 GMT",
          "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff" },
        { "https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3" },
        { "gzip", "9bd9 ab" },
        { "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
          "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 "
          "0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07" },
    };

    for (size_t i = 0; i < N(v); i++) {
        uint8_t want[128], out[128];
        size_t n = unhex(v[i].hex, want), plen = strlen(v[i].plain);

        CHECK_EQ(lwg_huff_encoded_len((const uint8_t *)v[i].plain, plen), n);
        CHECK_EQ(lwg_huff_encode((const uint8_t *)v[i].plain, plen, out,
                                 sizeof out), n);
        CHECK_MEM(out, want, n);
        CHECK_EQ(lwg_huff_decode(want, n, out, sizeof out), plen);
        CHECK_MEM(out, v[i].plain, plen);
        check_huff_roundtrip((const uint8_t *)v[i].plain, plen);
    }
}

static void test_huff_all_bytes(void)
{
    uint8_t all[256];
    rng r = { 12345 };

    for (unsigned i = 0; i < 256; i++) {
        uint8_t b = (uint8_t)i;

        all[i] = b;
        check_huff_roundtrip(&b, 1);
        /* And each symbol between others, at every bit offset. */
        for (unsigned pre = 0; pre < 8; pre++) {
            uint8_t s[10];

            memset(s, 'a', sizeof s);   /* 'a' is 5 bits: shifts by 5 */
            s[pre] = b;
            check_huff_roundtrip(s, pre + 2);
        }
    }
    check_huff_roundtrip(all, sizeof all);
    check_huff_roundtrip(all, 0);
    for (int t = 0; t < 2000; t++) {
        uint8_t s[300];
        size_t len = rnd_below(&r, sizeof s + 1);
        int alpha = rnd_below(&r, 2);

        for (size_t i = 0; i < len; i++)
            s[i] = alpha ? (uint8_t)("abcdefghijklmnopqrstuvwxyz0123456789-_./"
                                     [rnd_below(&r, 40)])
                         : (uint8_t)rnd(&r);
        check_huff_roundtrip(s, len);
    }
}

static void check_huff_bad(const uint8_t *in, size_t len)
{
    uint8_t out[64];

    CHECK_EQ(lwg_huff_decode(in, len, out, sizeof out), LWG_EPROTO);
    CHECK_EQ(lwg_huff_decoded_len(in, len), LWG_EPROTO);
}

static void test_huff_invalid(void)
{
    uint8_t in[16], out[16];
    size_t n;
    bitw w;

    /* "a" = 00011 + 111 padding: valid. */
    n = unhex("1f", in);
    CHECK_EQ(lwg_huff_decode(in, n, out, sizeof out), 1);
    CHECK_EQ(out[0], 'a');
    /* Padding that is not all ones. */
    n = unhex("1e", in);
    check_huff_bad(in, n);
    n = unhex("18", in);
    check_huff_bad(in, n);
    /* Padding of 8 or more bits (a full byte of ones after a symbol). */
    n = unhex("1f ff", in);
    check_huff_bad(in, n);
    n = unhex("ff", in);
    check_huff_bad(in, n);
    n = unhex("ff ff", in);
    check_huff_bad(in, n);
    /* EOS (30 ones) then 2 ones of padding. */
    n = unhex("ff ff ff ff", in);
    check_huff_bad(in, n);
    /* EOS between symbols: 'a', EOS, 'a', padding. */
    memset(&w, 0, sizeof w);
    bits_sym(&w, 'a');
    bits_sym(&w, 256);
    bits_sym(&w, 'a');
    while (w.nbits & 7)
        bits_put(&w, 1, 1);
    check_huff_bad(w.buf, w.nbits / 8);
    /* Truncated codes: a 30-bit symbol cut short. */
    memset(&w, 0, sizeof w);
    bits_sym(&w, 10);
    while (w.nbits & 7)
        bits_put(&w, 1, 1);
    CHECK_EQ(lwg_huff_decode(w.buf, w.nbits / 8, out, sizeof out), 1);
    CHECK_EQ(out[0], 10);
    for (size_t k = 1; k < w.nbits / 8; k++)
        check_huff_bad(w.buf, k);
    /* "ab" = 00011 100011 -> 1c 7f; cut to 1c: "a" then "100" padding. */
    n = unhex("1c 7f", in);
    CHECK_EQ(lwg_huff_decode(in, n, out, sizeof out), 2);
    check_huff_bad(in, 1);
    /* Every one-byte input: valid iff it is a 5..8-bit symbol and ones. */
    for (unsigned b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        int r = lwg_huff_decode(&byte, 1, out, sizeof out);
        int valid = 0;

        for (unsigned s = 0; s < 256; s++) {
            unsigned len = lwg_huff_len[s];

            if (len <= 8 && (b >> (8 - len)) == lwg_huff_code[s] &&
                ((b & (0xffu >> len)) == (0xffu >> len)))
                valid = 1;
        }
        CHECK_EQ(r, valid ? 1 : LWG_EPROTO);
    }
    /* Output too small is not a protocol error. */
    n = unhex("f1e3 c2e5 f23a 6ba0 ab90 f4ff", in);
    CHECK_EQ(lwg_huff_decode(in, n, out, 14), LWG_ETOOBIG);
    CHECK_EQ(lwg_huff_decode(in, n, out, 15), 15);
    CHECK_EQ(lwg_huff_decode(in, 0, out, 0), 0);
}

/* ---------------------------------------------------------------------
 * RFC 7541 Appendix C
 * ------------------------------------------------------------------- */

/* One representation for the low-level writers: 'i' indexed, 'L' literal
 * with incremental indexing, 'W' without indexing, 'N' never indexed,
 * 'U' size update (index = size). */
typedef struct op {
    char kind;
    size_t index;
    const char *name;
    const char *value;
} op;

typedef struct rfc_block {
    const char *hex;
    op ops[8];
    size_t nops;
    want_field fields[8];
    size_t nfields;
    want_field table[8];
    size_t ntable;
    uint32_t size;
} rfc_block;

static int encode_ops(uint8_t **p, uint8_t *end, const op *ops, size_t n,
                      int huffman)
{
    for (size_t i = 0; i < n; i++) {
        const op *o = &ops[i];
        const uint8_t *nm = (const uint8_t *)o->name;
        const uint8_t *val = (const uint8_t *)o->value;
        size_t nl = o->name ? strlen(o->name) : 0;
        size_t vl = o->value ? strlen(o->value) : 0;
        int r;

        switch (o->kind) {
        case 'i':
            r = lwg_hpack_encode_indexed(p, end, o->index);
            break;
        case 'U':
            r = lwg_hpack_encode_size_update(p, end, (uint32_t)o->index);
            break;
        default:
            r = lwg_hpack_encode_literal(
                p, end,
                o->kind == 'L' ? LWG_HPACK_LIT_INCREMENTAL
                : o->kind == 'N' ? LWG_HPACK_LIT_NEVER : LWG_HPACK_LIT_WITHOUT,
                o->index, nm, nl, val, vl, huffman);
            break;
        }
        if (r != LWG_OK)
            return r;
    }
    return LWG_OK;
}

#define DATE1 "Mon, 21 Oct 2013 20:13:21 GMT"
#define DATE2 "Mon, 21 Oct 2013 20:13:22 GMT"
#define COOKIE "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"

static const rfc_block c3[3] = {
    { "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      { { 'i', 2, 0, 0 }, { 'i', 6, 0, 0 }, { 'i', 4, 0, 0 },
        { 'L', 1, 0, "www.example.com" } }, 4,
      { { ":method", "GET" }, { ":scheme", "http" }, { ":path", "/" },
        { ":authority", "www.example.com" } }, 4,
      { { ":authority", "www.example.com" } }, 1, 57 },
    { "8286 84be 5808 6e6f 2d63 6163 6865",
      { { 'i', 2, 0, 0 }, { 'i', 6, 0, 0 }, { 'i', 4, 0, 0 },
        { 'i', 62, 0, 0 }, { 'L', 24, 0, "no-cache" } }, 5,
      { { ":method", "GET" }, { ":scheme", "http" }, { ":path", "/" },
        { ":authority", "www.example.com" }, { "cache-control", "no-cache" } }, 5,
      { { "cache-control", "no-cache" }, { ":authority", "www.example.com" } },
      2, 110 },
    { "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
      { { 'i', 2, 0, 0 }, { 'i', 7, 0, 0 }, { 'i', 5, 0, 0 },
        { 'i', 63, 0, 0 }, { 'L', 0, "custom-key", "custom-value" } }, 5,
      { { ":method", "GET" }, { ":scheme", "https" }, { ":path", "/index.html" },
        { ":authority", "www.example.com" }, { "custom-key", "custom-value" } }, 5,
      { { "custom-key", "custom-value" }, { "cache-control", "no-cache" },
        { ":authority", "www.example.com" } }, 3, 164 },
};

static const char *const c4_hex[3] = {
    "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
    "8286 84be 5886 a8eb 1064 9cbf",
    "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
};

static const rfc_block c5[3] = {
    { "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 "
      "3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 "
      "7777 2e65 7861 6d70 6c65 2e63 6f6d",
      { { 'L', 8, 0, "302" }, { 'L', 24, 0, "private" }, { 'L', 33, 0, DATE1 },
        { 'L', 46, 0, "https://www.example.com" } }, 4,
      { { ":status", "302" }, { "cache-control", "private" }, { "date", DATE1 },
        { "location", "https://www.example.com" } }, 4,
      { { "location", "https://www.example.com" }, { "date", DATE1 },
        { "cache-control", "private" }, { ":status", "302" } }, 4, 222 },
    { "4803 3330 37c1 c0bf",
      { { 'L', 8, 0, "307" }, { 'i', 65, 0, 0 }, { 'i', 64, 0, 0 },
        { 'i', 63, 0, 0 } }, 4,
      { { ":status", "307" }, { "cache-control", "private" }, { "date", DATE1 },
        { "location", "https://www.example.com" } }, 4,
      { { ":status", "307" }, { "location", "https://www.example.com" },
        { "date", DATE1 }, { "cache-control", "private" } }, 4, 222 },
    { "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 "
      "3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a "
      "584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 "
      "3630 303b 2076 6572 7369 6f6e 3d31",
      { { 'i', 8, 0, 0 }, { 'i', 65, 0, 0 }, { 'L', 33, 0, DATE2 },
        { 'i', 64, 0, 0 }, { 'L', 26, 0, "gzip" }, { 'L', 55, 0, COOKIE } }, 6,
      { { ":status", "200" }, { "cache-control", "private" }, { "date", DATE2 },
        { "location", "https://www.example.com" }, { "content-encoding", "gzip" },
        { "set-cookie", COOKIE } }, 6,
      { { "set-cookie", COOKIE }, { "content-encoding", "gzip" },
        { "date", DATE2 } }, 3, 215 },
};

static const char *const c6_hex[3] = {
    "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 "
    "66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
    "4883 640e ffc1 c0bf",
    "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a "
    "839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 "
    "72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
};

static lwg_hpack_dec dec_a, dec_b;

static void fresh(lwg_hpack_dec *d, uint32_t settings_max)
{
    memset(d, 0, sizeof *d);
    lwg_hpack_dec_init(d, settings_max);
}

/* Decode a series of blocks (on one decoder, whole and growing on two),
 * check fields and table after each; then re-encode each block with the
 * low-level writers and compare bytes. */
static void run_series(const rfc_block *blocks, const char *const *hex_override,
                       int huffman, uint32_t settings_max)
{
    uint8_t scratch[512];
    got_field got[8];
    size_t ngot;

    fresh(&dec_a, settings_max);
    fresh(&dec_b, settings_max);
    for (int i = 0; i < 3; i++) {
        const rfc_block *b = &blocks[i];
        uint8_t in[256], out[256], *p = out;
        size_t n = unhex(hex_override ? hex_override[i] : b->hex, in);

        CHECK_EQ(decode_block(&dec_a, in, n, 0, 1, scratch, sizeof scratch,
                              got, N(got), &ngot), LWG_OK);
        check_fields(got, ngot, b->fields, b->nfields);
        check_table(&dec_a, b->table, b->ntable, b->size);

        CHECK_EQ(decode_block(&dec_b, in, n, 1, 1, scratch, sizeof scratch,
                              got, N(got), &ngot), LWG_OK);
        check_fields(got, ngot, b->fields, b->nfields);
        check_table(&dec_b, b->table, b->ntable, b->size);

        CHECK_EQ(encode_ops(&p, out + sizeof out, b->ops, b->nops, huffman),
                 LWG_OK);
        CHECK_EQ(p - out, n);
        CHECK_MEM(out, in, n);
        /* Every shorter buffer: LWG_ENOMEM somewhere, never an overrun. */
        for (size_t room = 0; room < n; room++) {
            uint8_t small[256];

            p = small;
            CHECK_EQ(encode_ops(&p, small + room, b->ops, b->nops, huffman),
                     LWG_ENOMEM);
            CHECK(p <= small + room);
        }
    }
}

static void test_c2(void)
{
    uint8_t in[64], scratch[64];
    got_field got[2];
    size_t n, ngot;
    static const want_field t21[] = { { "custom-key", "custom-header" } };
    static const want_field f22[] = { { ":path", "/sample/path" } };
    static const want_field f23[] = { { "password", "secret" } };
    static const want_field f24[] = { { ":method", "GET" } };
    static const op o21[] = { { 'L', 0, "custom-key", "custom-header" } };
    static const op o22[] = { { 'W', 4, 0, "/sample/path" } };
    static const op o23[] = { { 'N', 0, "password", "secret" } };
    static const op o24[] = { { 'i', 2, 0, 0 } };
    struct { const char *hex; const want_field *f; const op *o;
             int never; size_t entries; uint32_t size; } c[] = {
        { "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
          t21, o21, 0, 1, 55 },
        { "040c 2f73 616d 706c 652f 7061 7468", f22, o22, 0, 0, 0 },
        { "1008 7061 7373 776f 7264 0673 6563 7265 74", f23, o23, 1, 0, 0 },
        { "82", f24, o24, 0, 0, 0 },
    };

    for (size_t i = 0; i < N(c); i++) {
        for (int growing = 0; growing < 2; growing++) {
            uint8_t out[64], *p = out;

            fresh(&dec_a, 4096);
            n = unhex(c[i].hex, in);
            CHECK_EQ(decode_block(&dec_a, in, n, growing, 1, scratch,
                                  sizeof scratch, got, N(got), &ngot), LWG_OK);
            check_fields(got, ngot, c[i].f, 1);
            CHECK_EQ(got[0].never, c[i].never);
            check_table(&dec_a, c[i].f, c[i].entries, c[i].size);
            CHECK_EQ(encode_ops(&p, out + sizeof out, c[i].o, 1, 0), LWG_OK);
            CHECK_EQ(p - out, n);
            CHECK_MEM(out, in, n);
        }
    }
}

static void test_c3_requests(void)
{
    run_series(c3, NULL, 0, 4096);
}

static void test_c4_requests_huffman(void)
{
    run_series(c3, c4_hex, 1, 4096);
}

static void test_c5_responses(void)
{
    run_series(c5, NULL, 0, 256);
}

static void test_c6_responses_huffman(void)
{
    run_series(c5, c6_hex, 1, 256);
}

/* ---------------------------------------------------------------------
 * high-level encoder
 * ------------------------------------------------------------------- */

static void roundtrip_list(const want_field *list, size_t n, unsigned flags)
{
    uint8_t buf[2048], *p = buf, scratch[512];
    lwg_hpack_enc e;
    got_field got[16];
    size_t ngot;

    lwg_hpack_enc_init(&e);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *nm = (const uint8_t *)list[i].name;
        const uint8_t *val = (const uint8_t *)list[i].value;
        size_t nl = strlen(list[i].name), vl = strlen(list[i].value);

        /* Every smaller room fails cleanly first. */
        for (uint8_t *end = p; ; end++) {
            uint8_t *q = p;
            int r = lwg_hpack_encode_field(&e, &q, end, nm, nl, val, vl, flags);

            if (r == LWG_OK) {
                p = q;
                break;
            }
            CHECK_EQ(r, LWG_ENOMEM);
            CHECK(q == p);
            if (end == buf + sizeof buf)
                break;
        }
    }
    fresh(&dec_a, 4096);
    for (int growing = 0; growing < 2; growing++) {
        CHECK_EQ(decode_block(&dec_a, buf, (size_t)(p - buf), growing, 1,
                              scratch, sizeof scratch, got, N(got), &ngot),
                 LWG_OK);
        check_fields(got, ngot, list, n);
        for (size_t i = 0; i < ngot; i++)
            CHECK_EQ(got[i].never, (flags & LWG_HPACK_NEVER_INDEX) ? 1 : 0);
        CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 0);
    }
}

static void test_encoder_roundtrip(void)
{
    static const want_field list[] = {
        { ":method", "GET" }, { ":method", "POST" }, { ":scheme", "https" },
        { ":path", "/helloworld.Greeter/SayHello" },
        { ":authority", "localhost:50051" }, { "content-type", "application/grpc" },
        { "te", "trailers" }, { "grpc-timeout", "1S" }, { "user-agent", "lwgrpc/0.1" },
        { "accept-encoding", "gzip, deflate" }, { "x-empty", "" },
        { "x-bin-bin", "\x01\x02\xff\xfe\x80" }, { ":status", "200" },
        { "grpc-status", "0" }, { "grpc-message", "" },
    };

    roundtrip_list(list, N(list), 0);
    roundtrip_list(list, N(list), LWG_HPACK_NO_HUFFMAN);
    roundtrip_list(list, N(list), LWG_HPACK_NEVER_INDEX);
    roundtrip_list(list, N(list), LWG_HPACK_NEVER_INDEX | LWG_HPACK_NO_HUFFMAN);
    for (int i = 0; i < 3; i++)
        roundtrip_list(c5[i].fields, c5[i].nfields, 0);
}

static void test_encoder_choices(void)
{
    lwg_hpack_enc e;
    uint8_t buf[128], *p;
    int full = 7;

    lwg_hpack_enc_init(&e);
    /* Full static match -> indexed. */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":method"),
                                    S("GET"), 0), LWG_OK);
    CHECK_EQ(p - buf, 1);
    CHECK_EQ(buf[0], 0x82);
    /* Name match -> literal without indexing, indexed name, Huffman value
     * when shorter ("/sample/path": 12 raw, 9 Huffman). */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":path"),
                                    S("/sample/path"), 0), LWG_OK);
    CHECK_EQ(buf[0], 0x04);
    CHECK_EQ(buf[1], 0x80 | 9);
    CHECK_EQ(p - buf, 11);
    /* ... raw with NO_HUFFMAN: exactly RFC C.2.2. */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":path"),
                                    S("/sample/path"), LWG_HPACK_NO_HUFFMAN),
             LWG_OK);
    CHECK_EQ(p - buf, 14);
    CHECK_MEM(buf, "\x04\x0c/sample/path", 14);
    /* Never indexed, literal name, raw when Huffman is not shorter:
     * RFC C.2.3 with the 0x10 representation. */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S("password"),
                                    S("secret"), LWG_HPACK_NEVER_INDEX |
                                    LWG_HPACK_NO_HUFFMAN), LWG_OK);
    CHECK_EQ(p - buf, 17);
    CHECK_MEM(buf, "\x10\x08password\x06secret", 17);
    /* A full match stays a literal when never-indexed is asked. */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":method"),
                                    S("GET"), LWG_HPACK_NEVER_INDEX |
                                    LWG_HPACK_NO_HUFFMAN), LWG_OK);
    CHECK_EQ(p - buf, 5);
    CHECK_MEM(buf, "\x12\x03GET", 5);
    /* Binary value: Huffman would be longer, so raw. */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S("x"),
                                    S("\xff\xfe"), 0), LWG_OK);
    CHECK_EQ(p - buf, 6);
    CHECK_MEM(buf, "\x00\x01x\x02\xff\xfe", 6);

    CHECK_EQ(lwg_hpack_static_find(S(":status"), S("404"), &full), 13);
    CHECK_EQ(full, 1);
    CHECK_EQ(lwg_hpack_static_find(S(":status"), S("418"), &full), 8);
    CHECK_EQ(full, 0);
    CHECK_EQ(lwg_hpack_static_find(S("www-authenticate"), S(""), &full), 61);
    CHECK_EQ(full, 1);
    CHECK_EQ(lwg_hpack_static_find(S("grpc-status"), S("0"), &full), 0);
    CHECK_EQ(full, 0);
    CHECK_EQ(lwg_hpack_static_find(S(":path"), S("/index.html"), NULL), 5);
    /* Misuse of the low-level writers. */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_indexed(&p, buf + sizeof buf, 0), LWG_EINVAL);
    CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, 0x80, 1, NULL, 0,
                                      S("x"), 0), LWG_EINVAL);
    CHECK(p == buf);
}

static void test_encoder_size_update(void)
{
    lwg_hpack_enc e;
    uint8_t buf[64], *p, scratch[64];
    got_field got[4];
    size_t ngot;

    lwg_hpack_enc_init(&e);
    /* Larger: nothing to say. */
    lwg_hpack_enc_set_peer_max(&e, 8192);
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":method"),
                                    S("GET"), 0), LWG_OK);
    CHECK_EQ(p - buf, 1);
    /* Smaller: the next field is preceded by an update; no room for both
     * keeps it pending. */
    lwg_hpack_enc_set_peer_max(&e, 100);
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + 2, S(":method"), S("GET"), 0),
             LWG_ENOMEM);
    CHECK(p == buf);
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":method"),
                                    S("GET"), 0), LWG_OK);
    CHECK_EQ(p - buf, 3);
    CHECK_MEM(buf, "\x3f\x45\x82", 3);
    /* The peer's decoder, with its setting lowered to 100, accepts it. */
    fresh(&dec_a, 4096);
    lwg_hpack_dec_set_settings_max(&dec_a, 100);
    CHECK_EQ(decode_block(&dec_a, buf, 3, 1, 1, scratch, sizeof scratch, got,
                          N(got), &ngot), LWG_OK);
    CHECK_EQ(ngot, 1);
    CHECK_EQ(lwg_hpack_dec_max_size(&dec_a), 100);
    /* Only once. */
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":method"),
                                    S("GET"), 0), LWG_OK);
    CHECK_EQ(p - buf, 1);
    /* Down to 0 and back up before the next block: signal the minimum,
     * then the final size (RFC 7541 §4.2), which is our own table's. */
    lwg_hpack_enc_set_peer_max(&e, 0);
    lwg_hpack_enc_set_peer_max(&e, 4096);
    p = buf;
    CHECK_EQ(lwg_hpack_encode_field(&e, &p, buf + sizeof buf, S(":method"),
                                    S("GET"), 0), LWG_OK);
    {
        uint8_t want[16], *w = want;

        CHECK_EQ(lwg_hpack_encode_size_update(&w, want + sizeof want, 0), LWG_OK);
        if (LWG_HPACK_ENC_TABLE_SIZE > 0)
            CHECK_EQ(lwg_hpack_encode_size_update(&w, want + sizeof want,
                                                  LWG_HPACK_ENC_TABLE_SIZE), LWG_OK);
        *w++ = 0x82;
        CHECK_EQ(p - buf, w - want);
        CHECK_MEM(buf, want, (size_t)(w - want));
    }
}

/* ---------------------------------------------------------------------
 * decoder errors and limits
 * ------------------------------------------------------------------- */

static int decode_hex(lwg_hpack_dec *d, const char *hex, size_t *consumed,
                      uint8_t *scratch, size_t scratch_size)
{
    uint8_t in[256];
    size_t n = unhex(hex, in);
    lwg_hpack_field f;

    return lwg_hpack_decode_field(d, in, n, consumed, scratch, scratch_size,
                                  &f);
}

static void test_decode_errors(void)
{
    uint8_t scratch[256];
    size_t consumed = 99;

    fresh(&dec_a, 4096);
    /* Index 0. */
    CHECK_EQ(decode_hex(&dec_a, "80", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    /* Indexes beyond the (empty) dynamic table. */
    CHECK_EQ(decode_hex(&dec_a, "be", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "7e 01 61", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "0f 2f 01 61", &consumed, scratch,
                        sizeof scratch), LWG_EPROTO);   /* 4-bit index 62 */
    CHECK_EQ(decode_hex(&dec_a, "bd", &consumed, scratch, sizeof scratch),
             LWG_OK);                                   /* 61 is fine */
    CHECK_EQ(consumed, 1);
    /* Integer overflow: 0x7f and ten 0xff. */
    CHECK_EQ(decode_hex(&dec_a, "ff ff ff ff ff ff ff ff ff ff ff", &consumed,
                        scratch, sizeof scratch), LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "7f ff ff ff ff ff ff ff ff ff ff", &consumed,
                        scratch, sizeof scratch), LWG_EPROTO);
    /* A string length beyond the input is EAGAIN, even a huge one. */
    CHECK_EQ(decode_hex(&dec_a, "00 7f ff ff 7e", &consumed, scratch,
                        sizeof scratch), LWG_EAGAIN);
    CHECK_EQ(consumed, 0);
    CHECK_EQ(decode_hex(&dec_a, "00 05 61 62", &consumed, scratch,
                        sizeof scratch), LWG_EAGAIN);
    /* Bad Huffman in a name and in a value. */
    CHECK_EQ(decode_hex(&dec_a, "00 81 1e 01 61", &consumed, scratch,
                        sizeof scratch), LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "04 82 1f ff", &consumed, scratch,
                        sizeof scratch), LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "04 84 ff ff ff ff", &consumed, scratch,
                        sizeof scratch), LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "04 00", &consumed, scratch, sizeof scratch),
             LWG_OK);
    CHECK_EQ(consumed, 2);
}

static void test_size_updates(void)
{
    uint8_t scratch[256];
    size_t consumed;

    /* Above the settings bound: 4097. */
    fresh(&dec_a, 4096);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "3f e2 1f", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    /* At the bound, then two in a row, then a field. */
    fresh(&dec_a, 4096);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "3f e1 1f", &consumed, scratch, sizeof scratch),
             LWG_OK);
    CHECK_EQ(consumed, 3);
    CHECK_EQ(decode_hex(&dec_a, "20", &consumed, scratch, sizeof scratch),
             LWG_OK);
    CHECK_EQ(lwg_hpack_dec_max_size(&dec_a), 0);
    CHECK_EQ(decode_hex(&dec_a, "3f 45", &consumed, scratch, sizeof scratch),
             LWG_OK);
    CHECK_EQ(lwg_hpack_dec_max_size(&dec_a), 100);
    CHECK_EQ(decode_hex(&dec_a, "82", &consumed, scratch, sizeof scratch),
             LWG_OK);
    /* After the first field of a block: refused, whatever the field. */
    CHECK_EQ(decode_hex(&dec_a, "3f 45", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "00 01 61 01 62", &consumed, scratch,
                        sizeof scratch), LWG_OK);
    CHECK_EQ(decode_hex(&dec_a, "20", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "00 01 61 01 62", &consumed, scratch, 1),
             LWG_ETOOBIG);
    CHECK_EQ(decode_hex(&dec_a, "20", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "be", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "3f 45", &consumed, scratch, sizeof scratch),
             LWG_OK);
    /* Next block: fine again; shrinking evicts. */
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "40 01 61 01 62", &consumed, scratch,
                        sizeof scratch), LWG_OK);
    CHECK_EQ(decode_hex(&dec_a, "40 01 63 01 64", &consumed, scratch,
                        sizeof scratch), LWG_OK);
    CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 2);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "3f 03", &consumed, scratch, sizeof scratch),
             LWG_OK);                                   /* 34: one entry */
    CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 1);
    CHECK_EQ(lwg_hpack_dec_size(&dec_a), 34);
    {
        static const want_field t[] = { { "c", "d" } };

        check_table(&dec_a, t, 1, 34);
    }
    CHECK_EQ(decode_hex(&dec_a, "20", &consumed, scratch, sizeof scratch),
             LWG_OK);
    CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 0);
    CHECK_EQ(lwg_hpack_dec_size(&dec_a), 0);

    /* Our setting lowered below the current max: the next block must start
     * with an update within it. */
    fresh(&dec_a, 4096);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "82", &consumed, scratch, sizeof scratch),
             LWG_OK);
    lwg_hpack_dec_set_settings_max(&dec_a, 100);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "82", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);
    CHECK_EQ(decode_hex(&dec_a, "3f 46", &consumed, scratch, sizeof scratch),
             LWG_EPROTO);                               /* 101 > 100 */
    CHECK_EQ(decode_hex(&dec_a, "3f 45", &consumed, scratch, sizeof scratch),
             LWG_OK);
    CHECK_EQ(decode_hex(&dec_a, "82", &consumed, scratch, sizeof scratch),
             LWG_OK);
    /* Raised again: no update needed, and one up to it is allowed. */
    lwg_hpack_dec_set_settings_max(&dec_a, 4096);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "82", &consumed, scratch, sizeof scratch),
             LWG_OK);
    lwg_hpack_dec_block_begin(&dec_a);
    CHECK_EQ(decode_hex(&dec_a, "3f e1 1f", &consumed, scratch, sizeof scratch),
             LWG_OK);
    /* Settings are clamped to the ring. */
    lwg_hpack_dec_set_settings_max(&dec_a, LWG_HPACK_TABLE_SIZE + 1000u);
    CHECK_EQ(dec_a.settings_max, LWG_HPACK_TABLE_SIZE);
}

static void test_too_big(void)
{
    uint8_t scratch[300], in[300], *p;
    lwg_hpack_field f;
    size_t consumed, n;
    static const want_field t1[] = { { "a", "b" } };
    static const want_field t2[] = { { "custom-key", "custom-header" } };

    /* Without indexing, too big for scratch: skipped, table untouched, the
     * next field decodes. */
    fresh(&dec_a, 4096);
    CHECK_EQ(decode_hex(&dec_a, "40 01 61 01 62", &consumed, scratch, 8),
             LWG_OK);
    n = unhex("040c 2f73 616d 706c 652f 7061 7468 82", in);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n, &consumed, scratch, 8, &f),
             LWG_ETOOBIG);
    CHECK_EQ(consumed, 14);
    check_table(&dec_a, t1, 1, 34);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in + 14, n - 14, &consumed,
                                    scratch, 8, &f), LWG_OK);
    CHECK(str_eq(f.name, f.name_len, ":method"));
    /* ...also with Huffman, and with a literal name. */
    p = in;
    CHECK_EQ(lwg_hpack_encode_literal(&p, in + sizeof in, LWG_HPACK_LIT_WITHOUT,
                                      0, S("custom-key"),
                                      S("www.example.com"), 1), LWG_OK);
    n = (size_t)(p - in);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n, &consumed, scratch, 8, &f),
             LWG_ETOOBIG);
    CHECK_EQ(consumed, n);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n, &consumed, scratch, 24, &f),
             LWG_ETOOBIG);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n, &consumed, scratch, 25, &f),
             LWG_OK);
    CHECK(str_eq(f.name, f.name_len, "custom-key"));
    CHECK(str_eq(f.value, f.value_len, "www.example.com"));
    check_table(&dec_a, t1, 1, 34);
    /* ...but bad Huffman behind the overflow is still a protocol error. */
    p = in;
    CHECK_EQ(lwg_hpack_encode_string(&p, in + sizeof in, S("custom-key"), 1),
             LWG_OK);
    n = (size_t)(p - in);
    n += unhex("82 1f ff", in + n);
    memmove(in + 1, in, n);
    in[0] = 0x00;
    n++;
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n, &consumed, scratch, 4, &f),
             LWG_EPROTO);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n - 1, &consumed, scratch, 4,
                                    &f), LWG_EAGAIN);
    in[n - 3] = 0x81;   /* value: 1 byte, "a" + padding */
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n - 1, &consumed, scratch, 4,
                                    &f), LWG_ETOOBIG);
    CHECK_EQ(consumed, n - 1);
    /* An indexed dynamic field is a view; tiny scratch is enough. */
    n = unhex("be", in);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, n, &consumed, scratch, 0, &f),
             LWG_OK);
    CHECK(str_eq(f.value, f.value_len, "b"));

    /* Incremental, fits the table but not scratch: cannot stay consistent. */
    fresh(&dec_a, 4096);
    CHECK_EQ(decode_hex(&dec_a, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f "
                        "6d2d 6865 6164 6572", &consumed, scratch, 16),
             LWG_EPROTO);
    fresh(&dec_a, 4096);
    CHECK_EQ(decode_hex(&dec_a, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f "
                        "6d2d 6865 6164 6572", &consumed, scratch, 23), LWG_OK);
    check_table(&dec_a, t2, 1, 55);

    /* Incremental, larger than the table: the table is emptied, whether or
     * not scratch holds the field (RFC 7541 §4.4). */
    for (int big_scratch = 0; big_scratch < 2; big_scratch++) {
        uint8_t value[200];

        fresh(&dec_a, 128);
        CHECK_EQ(decode_hex(&dec_a, "40 01 61 01 62", &consumed, scratch,
                            sizeof scratch), LWG_OK);
        check_table(&dec_a, t1, 1, 34);
        memset(value, 'v', sizeof value);
        p = in;
        CHECK_EQ(lwg_hpack_encode_literal(&p, in + sizeof in,
                                          LWG_HPACK_LIT_INCREMENTAL, 62, NULL,
                                          0, value, 96, big_scratch), LWG_OK);
        /* name 1 + value 96 + 32 = 129 > 128 */
        CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, (size_t)(p - in),
                                        &consumed, scratch,
                                        big_scratch ? sizeof scratch : 50, &f),
                 big_scratch ? LWG_OK : LWG_ETOOBIG);
        CHECK_EQ(consumed, p - in);
        CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 0);
        CHECK_EQ(lwg_hpack_dec_size(&dec_a), 0);
        if (big_scratch) {
            CHECK(str_eq(f.name, f.name_len, "a"));
            CHECK_EQ(f.value_len, 96);
        }
        /* Size 128 exactly still fits. */
        CHECK_EQ(decode_hex(&dec_a, "40 01 61 01 62", &consumed, scratch,
                            sizeof scratch), LWG_OK);
        p = in;
        CHECK_EQ(lwg_hpack_encode_literal(&p, in + sizeof in,
                                          LWG_HPACK_LIT_INCREMENTAL, 62, NULL,
                                          0, value, 95, 0), LWG_OK);
        CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, (size_t)(p - in),
                                        &consumed, scratch, sizeof scratch, &f),
                 LWG_OK);
        CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 1);
        CHECK_EQ(lwg_hpack_dec_size(&dec_a), 128);
    }
}

/* A literal whose name is the entry its own insertion evicts. */
static void test_evict_referenced_name(void)
{
    uint8_t scratch[128], in[128], *p;
    lwg_hpack_field f, g;
    size_t consumed;
    static const char value[] = "0123456789012345678901234567890123456789";

    fresh(&dec_a, 100);
    CHECK_EQ(decode_hex(&dec_a, "40 10 6375 7374 6f6d 2d6e 616d 652d 3132 3334"
                        " 02 7631", &consumed, scratch, sizeof scratch),
             LWG_OK);                 /* custom-name-1234: v1, size 50 */
    CHECK_EQ(lwg_hpack_dec_size(&dec_a), 50);
    for (int huffman = 0; huffman < 2; huffman++) {
        p = in;
        CHECK_EQ(lwg_hpack_encode_literal(&p, in + sizeof in,
                                          LWG_HPACK_LIT_INCREMENTAL, 62, NULL,
                                          0, S(value), huffman), LWG_OK);
        /* 16 + 40 + 32 = 88: the old entry (50) must go. */
        CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, (size_t)(p - in),
                                        &consumed, scratch, sizeof scratch, &f),
                 LWG_OK);
        CHECK(str_eq(f.name, f.name_len, "custom-name-1234"));
        CHECK(str_eq(f.value, f.value_len, value));
        CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 1);
        CHECK_EQ(lwg_hpack_dec_size(&dec_a), 88);
        CHECK_EQ(lwg_hpack_dec_get(&dec_a, 62, scratch + 100, 28, &g), LWG_OK);
        CHECK(str_eq(g.name, g.name_len, "custom-name-1234"));
        CHECK(str_eq(g.value, g.value_len, value));
    }
    /* The same where the new entry's bytes land on the evicted one: an
     * entry filling the whole table, whose name the next one reuses. */
    {
        static uint8_t big_in[LWG_HPACK_TABLE_SIZE + 16];
        static uint8_t big_scratch[LWG_HPACK_TABLE_SIZE];
        static uint8_t big_name[LWG_HPACK_TABLE_SIZE];
        size_t nl = (LWG_HPACK_TABLE_SIZE - 32) / 2;
        size_t vl = LWG_HPACK_TABLE_SIZE - 32 - nl;

        for (size_t i = 0; i < nl; i++)
            big_name[i] = (uint8_t)('a' + i % 26);
        fresh(&dec_a, LWG_HPACK_TABLE_SIZE);
        for (int round = 0; round < 3; round++) {
            p = big_in;
            CHECK_EQ(lwg_hpack_encode_literal(&p, big_in + sizeof big_in,
                                              LWG_HPACK_LIT_INCREMENTAL,
                                              round ? 62 : 0, big_name, nl,
                                              big_name, round ? 10 : vl, 0),
                     LWG_OK);
            CHECK_EQ(lwg_hpack_decode_field(&dec_a, big_in,
                                            (size_t)(p - big_in), &consumed,
                                            big_scratch, sizeof big_scratch,
                                            &f), LWG_OK);
            CHECK_EQ(f.name_len, nl);
            CHECK_MEM(f.name, big_name, nl);
            CHECK_EQ(lwg_hpack_dec_entries(&dec_a), 1);
            CHECK_EQ(lwg_hpack_dec_get(&dec_a, 62, big_scratch,
                                       sizeof big_scratch, &g), LWG_OK);
            CHECK_EQ(g.name_len, nl);
            CHECK_MEM(g.name, big_name, nl);
        }
    }
    fresh(&dec_a, 100);
    CHECK_EQ(decode_hex(&dec_a, "40 10 6375 7374 6f6d 2d6e 616d 652d 3132 3334"
                        " 02 7631", &consumed, scratch, sizeof scratch),
             LWG_OK);
    /* The same with an indexed-name literal that is not inserted: a view. */
    p = in;
    CHECK_EQ(lwg_hpack_encode_literal(&p, in + sizeof in, LWG_HPACK_LIT_WITHOUT,
                                      62, NULL, 0, S("x"), 0), LWG_OK);
    CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, (size_t)(p - in), &consumed,
                                    scratch, 1, &f), LWG_OK);
    CHECK(str_eq(f.name, f.name_len, "custom-name-1234"));
    CHECK(str_eq(f.value, f.value_len, "x"));
}

/* Entries that wrap around the end of the ring are copied out whole. */
static void test_ring_wrap(void)
{
    /* Entry sizes scale with the ring so any LWG_HPACK_TABLE_SIZE works. */
    enum { MAX_NAME = LWG_HPACK_TABLE_SIZE / 8 < 37 ? LWG_HPACK_TABLE_SIZE / 8 : 37,
           MAX_VALUE = LWG_HPACK_TABLE_SIZE / 4 < 290 ? LWG_HPACK_TABLE_SIZE / 4
                                                      : 290 };
    uint8_t scratch[MAX_NAME + MAX_VALUE], in[600], *p;
    uint8_t name[MAX_NAME], value[MAX_VALUE];
    lwg_hpack_field f;
    size_t consumed;
    int wrapped = 0;

    fresh(&dec_a, LWG_HPACK_TABLE_SIZE);
    for (int i = 0; i < 100000 && wrapped < 5; i++) {
        size_t nl = 1 + (size_t)i % MAX_NAME, vl = (size_t)i * 7 % MAX_VALUE;
        const lwg_hpack_dyn_entry *e;

        memset(name, 'a' + i % 26, nl);
        memset(value, '0' + i % 10, vl);
        p = in;
        CHECK_EQ(lwg_hpack_encode_literal(&p, in + sizeof in,
                                          LWG_HPACK_LIT_INCREMENTAL, 0, name,
                                          nl, value, vl, i & 1), LWG_OK);
        CHECK_EQ(lwg_hpack_decode_field(&dec_a, in, (size_t)(p - in),
                                        &consumed, scratch, sizeof scratch, &f),
                 LWG_OK);
        e = &dec_a.entries[(dec_a.oldest + dec_a.count - 1u) %
                           LWG_HPACK_DEC_SLOTS];
        if ((size_t)e->offset + nl + vl > LWG_HPACK_TABLE_SIZE) {
            wrapped++;
            /* Indexed, with no scratch: too big, field skipped. */
            CHECK_EQ(lwg_hpack_decode_field(&dec_a, (const uint8_t *)"\xbe", 1,
                                            &consumed, scratch, 0, &f),
                     LWG_ETOOBIG);
            CHECK_EQ(consumed, 1);
        }
        CHECK_EQ(lwg_hpack_decode_field(&dec_a, (const uint8_t *)"\xbe", 1,
                                        &consumed, scratch, sizeof scratch, &f),
                 LWG_OK);
        CHECK_EQ(f.name_len, nl);
        CHECK_EQ(f.value_len, vl);
        if (lwg_test_case_failed)
            return;
        CHECK_MEM(f.name, name, nl);
        if (vl)
            CHECK_MEM(f.value, value, vl);
        CHECK(lwg_hpack_dec_size(&dec_a) <= LWG_HPACK_TABLE_SIZE);
        lwg_hpack_dec_block_begin(&dec_a);
    }
    CHECK(wrapped > 0);
}

/* ---------------------------------------------------------------------
 * randomized differential test
 * ------------------------------------------------------------------- */

#define MODEL_STR 256
typedef struct model_entry {
    uint8_t name[MODEL_STR], value[MODEL_STR];
    size_t name_len, value_len;
} model_entry;

typedef struct model {
    model_entry e[LWG_HPACK_DEC_SLOTS + 1];   /* e[0] newest */
    size_t count;
    uint32_t size, max;
} model;

static void model_evict(model *m, uint32_t limit)
{
    while (m->count > 0 && m->size > limit) {
        model_entry *o = &m->e[--m->count];

        m->size -= (uint32_t)(o->name_len + o->value_len + 32);
    }
}

static void model_insert(model *m, const uint8_t *name, size_t nl,
                         const uint8_t *value, size_t vl)
{
    uint32_t need = (uint32_t)(nl + vl + 32);
    model_entry ne;

    memcpy(ne.name, name, nl);
    memcpy(ne.value, value, vl);
    ne.name_len = nl;
    ne.value_len = vl;
    if (need > m->max) {
        model_evict(m, 0);
        return;
    }
    model_evict(m, m->max - need);
    memmove(&m->e[1], &m->e[0], m->count * sizeof m->e[0]);
    m->e[0] = ne;
    m->count++;
    m->size += need;
}

/* Entry `index` of static table + model. */
static void model_get(const model *m, size_t index, const uint8_t **name,
                      size_t *nl, const uint8_t **value, size_t *vl)
{
    if (index <= LWG_HPACK_STATIC_COUNT) {
        const lwg_hpack_static_entry *se = &lwg_hpack_static[index - 1];

        *name = lwg_hpack_static_blob + se->offset;
        *nl = se->name_len;
        *value = *name + se->name_len;
        *vl = se->value_len;
    } else {
        const model_entry *e = &m->e[index - LWG_HPACK_STATIC_COUNT - 1];

        *name = e->name;
        *nl = e->name_len;
        *value = e->value;
        *vl = e->value_len;
    }
}

static size_t random_string(rng *r, uint8_t *s)
{
    size_t len;

    switch (rnd_below(r, 4)) {
    case 0:
        len = rnd_below(r, 4);
        break;
    case 1:
        len = rnd_below(r, MODEL_STR + 1);
        break;
    default:
        len = rnd_below(r, 40);
        break;
    }
    if (rnd_below(r, 3) == 0) {
        for (size_t i = 0; i < len; i++)
            s[i] = (uint8_t)rnd(r);
    } else {
        for (size_t i = 0; i < len; i++)
            s[i] = (uint8_t)("abcdefghijklmnopqrstuvwxyz-0123456789:/. "
                             [rnd_below(r, 41)]);
    }
    return len;
}

static model the_model;
static got_field diff_got[40];
static got_field diff_want[40];

static void test_differential(void)
{
    static uint8_t block[80000];
    static uint8_t scratch[LWG_HPACK_TABLE_SIZE + 2 * MODEL_STR];
    rng r = { 0x9e3779b9u };
    model *m = &the_model;
    int blocks = 0;

    for (int run = 0; run < 12; run++) {
        uint32_t settings = run % 3 == 0 ? LWG_HPACK_TABLE_SIZE
                          : run % 3 == 1 ? 256 : 64 + rnd_below(&r, 2000);

        /* Also with settings above the ring (clamped). */
        if (run == 3)
            settings = LWG_HPACK_TABLE_SIZE + 100u;
        fresh(&dec_a, settings);

        if (settings > LWG_HPACK_TABLE_SIZE)
            settings = LWG_HPACK_TABLE_SIZE;
        memset(m, 0, sizeof *m);
        m->max = settings;
        for (int b = 0; b < 300; b++, blocks++) {
            uint8_t *p = block, *end = block + sizeof block;
            size_t nfields = 1 + rnd_below(&r, 30), nwant = 0, ngot = 0;
            int growing = rnd_below(&r, 8) == 0;

            /* 0..2 size updates at the block start. */
            if (rnd_below(&r, 5) == 0) {
                uint32_t nup = 1 + rnd_below(&r, 2);

                for (uint32_t u = 0; u < nup; u++) {
                    uint32_t sz = rnd_below(&r, 3) == 0 ? settings
                                                        : rnd_below(&r, settings + 1);

                    CHECK_EQ(lwg_hpack_encode_size_update(&p, end, sz), LWG_OK);
                    m->max = sz;
                    model_evict(m, sz);
                }
            }
            for (size_t i = 0; i < nfields; i++) {
                got_field *w = &diff_want[nwant++];
                const uint8_t *nm, *val;
                size_t nl, vl, name_index = 0;
                unsigned choice = rnd_below(&r, 10);

                if (choice < 3) {
                    size_t index = 1 + rnd_below(&r, (uint32_t)(
                                           LWG_HPACK_STATIC_COUNT + m->count));

                    model_get(m, index, &nm, &nl, &val, &vl);
                    memcpy(w->name, nm, nl);
                    memcpy(w->value, val, vl);
                    w->name_len = nl;
                    w->value_len = vl;
                    w->never = 0;
                    CHECK_EQ(lwg_hpack_encode_indexed(&p, end, index), LWG_OK);
                    continue;
                }
                /* A literal. */
                {
                    unsigned kind = choice < 7 ? LWG_HPACK_LIT_INCREMENTAL
                                  : choice < 9 ? LWG_HPACK_LIT_WITHOUT
                                               : LWG_HPACK_LIT_NEVER;
                    unsigned src = rnd_below(&r, 3);

                    if (src == 0 || (src == 1 && m->count == 0)) {
                        name_index = 1 + rnd_below(&r, LWG_HPACK_STATIC_COUNT);
                    } else if (src == 1) {
                        name_index = LWG_HPACK_STATIC_COUNT + 1 +
                                     rnd_below(&r, (uint32_t)m->count);
                    }
                    if (name_index != 0) {
                        model_get(m, name_index, &nm, &nl, &val, &vl);
                        memcpy(w->name, nm, nl);
                        w->name_len = nl;
                    } else {
                        w->name_len = random_string(&r, w->name);
                    }
                    w->value_len = random_string(&r, w->value);
                    w->never = kind == LWG_HPACK_LIT_NEVER;
                    CHECK_EQ(lwg_hpack_int_encode(&p, end, (uint8_t)kind,
                                                  kind == 0x40 ? 6u : 4u,
                                                  (uint32_t)name_index), LWG_OK);
                    if (name_index == 0)
                        CHECK_EQ(lwg_hpack_encode_string(&p, end, w->name,
                                                         w->name_len,
                                                         (int)rnd_below(&r, 2)),
                                 LWG_OK);
                    CHECK_EQ(lwg_hpack_encode_string(&p, end, w->value,
                                                     w->value_len,
                                                     (int)rnd_below(&r, 2)),
                             LWG_OK);
                    if (kind == LWG_HPACK_LIT_INCREMENTAL)
                        model_insert(m, w->name, w->name_len, w->value,
                                     w->value_len);
                }
            }

            CHECK_EQ(decode_block(&dec_a, block, (size_t)(p - block), growing,
                                  0, scratch, sizeof scratch, diff_got,
                                  N(diff_got), &ngot), LWG_OK);
            CHECK_EQ(ngot, nwant);
            for (size_t i = 0; i < ngot && i < nwant; i++) {
                const got_field *g = &diff_got[i], *w = &diff_want[i];

                if (g->name_len != w->name_len || g->value_len != w->value_len ||
                    memcmp(g->name, w->name, w->name_len) != 0 ||
                    memcmp(g->value, w->value, w->value_len) != 0 ||
                    g->never != w->never) {
                    fprintf(stderr, "  run %d block %d field %zu differs\n",
                            run, b, i);
                    CHECK(0);
                    break;
                }
            }
            /* Table: same entries, same size, within bounds. */
            CHECK_EQ(lwg_hpack_dec_entries(&dec_a), m->count);
            CHECK_EQ(lwg_hpack_dec_size(&dec_a), m->size);
            CHECK_EQ(lwg_hpack_dec_max_size(&dec_a), m->max);
            CHECK(lwg_hpack_dec_size(&dec_a) <= lwg_hpack_dec_max_size(&dec_a));
            CHECK(lwg_hpack_dec_max_size(&dec_a) <= settings);
            for (size_t i = 0; i < m->count; i++) {
                lwg_hpack_field f;
                const model_entry *e = &m->e[i];

                CHECK_EQ(lwg_hpack_dec_get(&dec_a, 62 + i, scratch,
                                           sizeof scratch, &f), LWG_OK);
                if (f.name_len != e->name_len || f.value_len != e->value_len ||
                    (e->name_len && memcmp(f.name, e->name, e->name_len)) ||
                    (e->value_len && memcmp(f.value, e->value, e->value_len))) {
                    fprintf(stderr, "  run %d block %d entry %zu differs\n",
                            run, b, i);
                    CHECK(0);
                    break;
                }
            }
            if (lwg_test_case_failed)
                return;
        }
    }
    CHECK(blocks == 3600);
}

/* ---------------------------------------------------------------------
 * field syntax (RFC 9113 §8.2.1), classified once per table entry
 * ------------------------------------------------------------------- */

static void test_field_syntax(void)
{
    static const struct { const char *name, *value; int ok; } cases[] = {
        { "content-type", "application/grpc", 1 }, { ":path", "/a/b", 1 },
        { "x", "", 1 }, { "x-in", "a b\tc", 1 }, { "x", "\x80\xff", 1 },
        { "", "v", 0 }, { ":", "v", 0 }, { "X-Up", "v", 0 }, { "a b", "v", 0 },
        { "a:b", "v", 0 }, { "a\x7f", "v", 0 }, { "a\x80", "v", 0 },
        { "a\x01", "v", 0 }, { "x", " lead", 0 }, { "x", "trail\t", 0 },
        { "x", "a\rb", 0 }, { "x", "a\nb", 0 }, { "x", "\t", 0 },
    };
    uint8_t buf[256], *p, scratch[256];
    lwg_hpack_field f;
    size_t used;

    for (size_t i = 0; i < N(cases); i++)
        CHECK_EQ(lwg_hpack_syntax_ok((const uint8_t *)cases[i].name, strlen(cases[i].name),
                                     (const uint8_t *)cases[i].value,
                                     strlen(cases[i].value)), cases[i].ok);
    CHECK_EQ(lwg_hpack_syntax_ok((const uint8_t *)"x", 1, (const uint8_t *)"a\0b", 3), 0);
    /* every static entry is well-formed */
    for (size_t i = 1; i <= LWG_HPACK_STATIC_COUNT; i++) {
        fresh(&dec_a, 4096);
        CHECK_EQ(lwg_hpack_dec_get(&dec_a, i, scratch, sizeof scratch, &f), LWG_OK);
        CHECK_EQ(f.cls & LWG_HPACK_CLS_SYNTAX_OK, LWG_HPACK_CLS_SYNTAX_OK);
        CHECK_EQ(lwg_hpack_syntax_ok(f.name, f.name_len, f.value, f.value_len), 1);
    }
    /* Entries remember their class: a bad one is bad every time it is
     * referenced, a good one good; a literal with a good indexed name and
     * a bad value is bad. */
    fresh(&dec_a, 4096);
    p = buf;
    CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, LWG_HPACK_LIT_INCREMENTAL, 0,
                                      S("x-bad"), S("a\nb"), 0), LWG_OK);
    CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, LWG_HPACK_LIT_INCREMENTAL, 0,
                                      S("x-good"), S("ok"), 0), LWG_OK);
    CHECK_EQ(lwg_hpack_encode_indexed(&p, buf + sizeof buf, 63), LWG_OK);  /* x-bad  */
    CHECK_EQ(lwg_hpack_encode_indexed(&p, buf + sizeof buf, 62), LWG_OK);  /* x-good */
    CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, LWG_HPACK_LIT_WITHOUT, 62,
                                      NULL, 0, S(" x"), 0), LWG_OK);
    CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, LWG_HPACK_LIT_WITHOUT, 63,
                                      NULL, 0, S("fine"), 0), LWG_OK);
    {
        static const int want[] = { 0, 1, 0, 1, 0, 1 };
        size_t pos = 0, k = 0;

        lwg_hpack_dec_block_begin(&dec_a);
        while (pos < (size_t)(p - buf) && k < N(want)) {
            CHECK_EQ(lwg_hpack_decode_field(&dec_a, buf + pos, (size_t)(p - buf) - pos, &used,
                                            scratch, sizeof scratch, &f), LWG_OK);
            CHECK_EQ((f.cls & LWG_HPACK_CLS_SYNTAX_OK) != 0, want[k]);
            pos += used;
            k++;
        }
        CHECK_EQ(k, N(want));
    }
}

/* ---------------------------------------------------------------------
 * name ids and byte classes (LWG_HNAME_*, LWG_HPACK_CLS_*), remembered
 * per table entry like the syntax
 * ------------------------------------------------------------------- */

static void test_name_ids(void)
{
    static const struct { const char *name; unsigned id; } known[] = {
        { ":authority", LWG_HNAME_AUTHORITY }, { ":method", LWG_HNAME_METHOD },
        { ":path", LWG_HNAME_PATH }, { ":scheme", LWG_HNAME_SCHEME },
        { ":status", LWG_HNAME_STATUS }, { "te", LWG_HNAME_TE },
        { "connection", LWG_HNAME_CONNECTION }, { "keep-alive", LWG_HNAME_KEEP_ALIVE },
        { "proxy-connection", LWG_HNAME_PROXY_CONNECTION },
        { "transfer-encoding", LWG_HNAME_TRANSFER_ENCODING },
        { "upgrade", LWG_HNAME_UPGRADE }, { "host", LWG_HNAME_HOST },
        { "content-type", LWG_HNAME_CONTENT_TYPE },
        { "content-length", LWG_HNAME_CONTENT_LENGTH },
        { "user-agent", LWG_HNAME_USER_AGENT }, { "grpc-timeout", LWG_HNAME_GRPC_TIMEOUT },
        { "grpc-encoding", LWG_HNAME_GRPC_ENCODING },
        { "grpc-accept-encoding", LWG_HNAME_GRPC_ACCEPT_ENCODING },
        { "grpc-status", LWG_HNAME_GRPC_STATUS }, { "grpc-message", LWG_HNAME_GRPC_MESSAGE },
        /* near misses */
        { "", 0 }, { ":", 0 }, { "Te", 0 }, { "tf", 0 }, { ":pat", 0 }, { ":paths", 0 },
        { ":other", 0 }, { "Content-Type", 0 }, { "grpc-status-details-bin", 0 },
        { "grpc-messagf", 0 }, { "x-user", 0 }, { ":authorit", 0 },
    };
    uint8_t scratch[64];
    lwg_hpack_field f;
    unsigned seen = 0;

    for (size_t i = 0; i < N(known); i++) {
        CHECK_EQ(lwg_hpack_name_of((const uint8_t *)known[i].name, strlen(known[i].name)),
                 known[i].id);
        seen |= 1u << known[i].id;
    }
    CHECK_EQ(seen, (1u << (LWG_HNAME_GRPC_MESSAGE + 1)) - 1u); /* every id listed */
    /* the static table's ids are those of its names */
    for (size_t i = 1; i <= LWG_HPACK_STATIC_COUNT; i++) {
        fresh(&dec_a, 4096);
        CHECK_EQ(lwg_hpack_dec_get(&dec_a, i, scratch, sizeof scratch, &f), LWG_OK);
        CHECK_EQ(f.name_id, lwg_hpack_name_of(f.name, f.name_len));
        CHECK_EQ(lwg_hpack_static_name[i - 1], f.name_id);
    }
}

/* The classes worked out byte by byte, to compare with the decoder's. */
static unsigned ref_cls(const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen)
{
    unsigned cls = 0;
    int plain = nlen > 0, printable = 1;
    int name_ok = nlen > (size_t)(name[0] == ':'), value_ok = 1; /* nlen >= 1 here */

    for (size_t i = 0; i < nlen; i++)
        plain &= (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
                 name[i] == '_' || name[i] == '-' || name[i] == '.';
    for (size_t i = 0; i < vlen; i++)
        printable &= value[i] >= 0x20 && value[i] <= 0x7e;
    /* RFC 9113 §8.2.1, spelled out here rather than asked of the code
     * under test: a name is not empty after an optional leading ':' and
     * has no control, space, uppercase, ':' or byte of 0x7f and up; a
     * value has no NUL, CR or LF and no space or tab at either end */
    for (size_t i = (name[0] == ':'); i < nlen; i++)
        name_ok &= name[i] > 0x20 && name[i] < 0x7f && name[i] != ':' &&
                   !(name[i] >= 'A' && name[i] <= 'Z');
    for (size_t i = 0; i < vlen; i++)
        value_ok &= value[i] != 0 && value[i] != '\r' && value[i] != '\n';
    if (vlen > 0)
        value_ok &= value[0] != ' ' && value[0] != '\t' && value[vlen - 1] != ' ' &&
                    value[vlen - 1] != '\t';
    if (name_ok && value_ok)
        cls |= LWG_HPACK_CLS_SYNTAX_OK;
    if (name_ok)
        cls |= LWG_HPACK_CLS_NAME_OK;
    if (plain)
        cls |= LWG_HPACK_CLS_PLAIN_NAME;
    if (printable)
        cls |= LWG_HPACK_CLS_PRINTABLE;
    return cls;
}

/* Random fields from the bytes where the classes change, decoded as
 * literals (inserted), then referenced by index and by indexed name:
 * each time the decoder's classes are those worked out byte by byte. */
static void test_field_classes(void)
{
    static const uint8_t edge[] = { 0x00, '\t', '\n', '\r', 0x1f, ' ', '-', '.', '0', '9',
                                    ':', 'A', 'Z', '_', 'a', 'z', '~', 0x7f, 0x80, 0xff };
    rng r = { 777 };

    for (int t = 0; t < 3000; t++) {
        uint8_t name[12], value[12], buf[128], *p = buf, scratch[256];
        size_t nlen = 1 + rnd_below(&r, sizeof name), vlen = rnd_below(&r, sizeof value + 1);
        size_t used, pos = 0;
        lwg_hpack_field f;
        unsigned want;

        for (size_t i = 0; i < nlen; i++)
            name[i] = rnd_below(&r, 3) ? (uint8_t)('a' + rnd_below(&r, 26))
                                       : edge[rnd_below(&r, sizeof edge)];
        for (size_t i = 0; i < vlen; i++)
            value[i] = rnd_below(&r, 3) ? (uint8_t)(' ' + rnd_below(&r, 95))
                                        : edge[rnd_below(&r, sizeof edge)];
        if (rnd_below(&r, 4) == 0)
            name[0] = ':';
        want = ref_cls(name, nlen, value, vlen);
        fresh(&dec_a, 4096);
        CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, LWG_HPACK_LIT_INCREMENTAL, 0,
                                          name, nlen, value, vlen, (int)rnd_below(&r, 2)),
                 LWG_OK);
        CHECK_EQ(lwg_hpack_encode_indexed(&p, buf + sizeof buf, 62), LWG_OK);
        CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, LWG_HPACK_LIT_WITHOUT, 62,
                                          NULL, 0, S("ok"), 0), LWG_OK);
        lwg_hpack_dec_block_begin(&dec_a);
        for (int k = 0; k < 3; k++) {
            CHECK_EQ(lwg_hpack_decode_field(&dec_a, buf + pos, (size_t)(p - buf) - pos, &used,
                                            scratch, sizeof scratch, &f), LWG_OK);
            pos += used;
            if (k < 2) {
                CHECK_EQ(f.cls, want);
            } else {
                CHECK_EQ(f.cls, ref_cls(name, nlen, (const uint8_t *)"ok", 2));
            }
            /* a well-formed field has a well-formed name */
            CHECK(!(f.cls & LWG_HPACK_CLS_SYNTAX_OK) || (f.cls & LWG_HPACK_CLS_NAME_OK));
            CHECK_EQ(f.name_id, lwg_hpack_name_of(name, nlen));
        }
    }
}

#if LWG_HPACK_DEC_MEMO > 0
/* Decode one literal without indexing of :path (static name 4) whose
 * value is Huffman-coded v, with scratch of scratch_size bytes. */
static int decode_path(const char *v, size_t scratch_size, lwg_hpack_field *f)
{
    uint8_t buf[128], *p = buf, scratch[128];
    size_t used;

    CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, LWG_HPACK_LIT_WITHOUT, 4, NULL, 0,
                                      (const uint8_t *)v, strlen(v), 1), LWG_OK);
    lwg_hpack_dec_block_begin(&dec_a);
    return lwg_hpack_decode_field(&dec_a, buf, (size_t)(p - buf), &used,
                                  scratch_size ? scratch : NULL, scratch_size, f);
}

/* The value memo: a repeated Huffman value of a literal without indexing
 * is served without scratch, the two most recent values are kept, and
 * every field (memo or not) decodes to its bytes and classes. */
static void test_value_memo(void)
{
    static const char *vals[] = { "/bench.Bench/Unary", "105", "/a/b ", "/x\x01y" };
    rng r = { 4242 };
    lwg_hpack_field f;

    fresh(&dec_a, 4096);
    CHECK_EQ(decode_path(vals[0], 64, &f), LWG_OK);   /* kept */
    CHECK_EQ(decode_path(vals[0], 0, &f), LWG_OK);    /* no scratch needed */
    CHECK_MEM(f.value, vals[0], strlen(vals[0]));
    CHECK_EQ(decode_path(vals[1], 64, &f), LWG_OK);   /* both kept */
    CHECK_EQ(decode_path(vals[0], 0, &f), LWG_OK);
    CHECK_EQ(decode_path(vals[1], 0, &f), LWG_OK);
    CHECK_EQ(f.value_len, 3u);
    CHECK_EQ(decode_path(vals[0], 0, &f), LWG_OK);    /* 1 is now the older */
    CHECK_EQ(decode_path(vals[2], 64, &f), LWG_OK);   /* in place of 1 */
    CHECK_EQ(decode_path(vals[1], 0, &f), LWG_ETOOBIG);
    CHECK_EQ(decode_path(vals[0], 0, &f), LWG_OK);
    CHECK_EQ(decode_path(vals[2], 0, &f), LWG_OK);
    CHECK_EQ(f.cls, ref_cls((const uint8_t *)":path", 5, (const uint8_t *)vals[2], 5));

    /* random mixes of the values as every kind of literal, Huffman or raw,
     * and values of the same length that differ */
    fresh(&dec_a, 4096);
    for (int t = 0; t < 2000; t++) {
        static const unsigned kinds[] = { LWG_HPACK_LIT_WITHOUT, LWG_HPACK_LIT_NEVER,
                                          LWG_HPACK_LIT_INCREMENTAL };
        uint8_t buf[128], *p = buf, scratch[128], v[24];
        size_t used, vlen;
        unsigned kind = kinds[rnd_below(&r, 3)];
        const char *base = vals[rnd_below(&r, 4)];

        vlen = strlen(base);
        memcpy(v, base, vlen);
        if (rnd_below(&r, 4) == 0)
            v[rnd_below(&r, vlen)] ^= (uint8_t)(1u + rnd_below(&r, 0x7f));
        if (kind == LWG_HPACK_LIT_INCREMENTAL && rnd_below(&r, 8) != 0)
            kind = LWG_HPACK_LIT_WITHOUT; /* keep the table small */
        CHECK_EQ(lwg_hpack_encode_literal(&p, buf + sizeof buf, kind, 4, NULL, 0, v, vlen,
                                          (int)rnd_below(&r, 4) != 0), LWG_OK);
        lwg_hpack_dec_block_begin(&dec_a);
        CHECK_EQ(lwg_hpack_decode_field(&dec_a, buf, (size_t)(p - buf), &used, scratch,
                                        sizeof scratch, &f), LWG_OK);
        CHECK_EQ(used, (size_t)(p - buf));
        CHECK_EQ(f.value_len, vlen);
        CHECK_MEM(f.value, v, vlen);
        CHECK_EQ(f.cls, ref_cls((const uint8_t *)":path", 5, v, vlen));
        CHECK_EQ((f.flags & LWG_HPACK_NEVER_INDEX) != 0, kind == LWG_HPACK_LIT_NEVER);
    }
}
#endif

int main(void)
{
    RUN(test_int_c1);
    RUN(test_int_limits);
    RUN(test_huff_rfc_strings);
    RUN(test_huff_all_bytes);
    RUN(test_huff_invalid);
    RUN(test_encoder_choices);
    RUN(test_encoder_roundtrip);
    RUN(test_field_syntax);
    RUN(test_name_ids);
    RUN(test_field_classes);
#if LWG_HPACK_DEC_MEMO > 0
    RUN(test_value_memo);
#endif
    RUN(test_decode_errors);
    RUN(test_ring_wrap);
    RUN(test_differential);
    /* These use the sizes of RFC 7541's examples and of the shipped
     * configurations: a 4096-byte table. */
    if (LWG_HPACK_TABLE_SIZE >= 4096) {
        RUN(test_c2);
        RUN(test_c3_requests);
        RUN(test_c4_requests_huffman);
        RUN(test_c5_responses);
        RUN(test_c6_responses_huffman);
        RUN(test_encoder_size_update);
        RUN(test_size_updates);
        RUN(test_too_big);
        RUN(test_evict_referenced_name);
    } else {
        printf("  (table-size-specific cases skipped: LWG_HPACK_TABLE_SIZE %d)\n",
               LWG_HPACK_TABLE_SIZE);
    }
    return lwg_test_summary();
}
