/* test_base64.c - base64 for -bin metadata (core/lwg_base64.h). */
#include "lwg_test.h"
#include "core/lwg_base64.h"
#include "port/lwg_err.h"

/* RFC 4648 §10 test vectors, padded form. */
static const struct {
    const char *plain;
    const char *padded;
    const char *unpadded;
} rfc4648[] = {
    { "", "", "" },
    { "f", "Zg==", "Zg" },
    { "fo", "Zm8=", "Zm8" },
    { "foo", "Zm9v", "Zm9v" },
    { "foob", "Zm9vYg==", "Zm9vYg" },
    { "fooba", "Zm9vYmE=", "Zm9vYmE" },
    { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};
#define RFC_COUNT (sizeof rfc4648 / sizeof rfc4648[0])

static int decode_str(const char *s, uint8_t *out, size_t out_size)
{
    return lwg_base64_decode((const uint8_t *)s, strlen(s), out, out_size);
}

static void test_rfc4648_encode(void)
{
    for (size_t i = 0; i < RFC_COUNT; i++) {
        char out[16];
        size_t n = strlen(rfc4648[i].plain);
        int len = lwg_base64_encode((const uint8_t *)rfc4648[i].plain, n,
                                    out, sizeof out);
        CHECK_EQ(len, (int)strlen(rfc4648[i].unpadded));
        CHECK_EQ(lwg_base64_encoded_len(n), strlen(rfc4648[i].unpadded));
        if (len >= 0)
            CHECK_MEM(out, rfc4648[i].unpadded, (size_t)len);
    }
}

static void test_rfc4648_decode(void)
{
    for (size_t i = 0; i < RFC_COUNT; i++) {
        uint8_t out[16];
        size_t want = strlen(rfc4648[i].plain);
        const char *forms[2] = { rfc4648[i].padded, rfc4648[i].unpadded };
        for (int f = 0; f < 2; f++) {
            int len;
            memset(out, 0xee, sizeof out);
            len = decode_str(forms[f], out, sizeof out);
            CHECK_EQ(len, (int)want);
            CHECK_EQ(lwg_base64_decoded_len((const uint8_t *)forms[f],
                                            strlen(forms[f])), (int)want);
            if (len >= 0)
                CHECK_MEM(out, rfc4648[i].plain, want);
            CHECK(out[want] == 0xee);
        }
    }
}

static void test_lengths(void)
{
    static const size_t enc[] = { 0, 2, 3, 4, 6, 7, 8, 10, 11, 12 };
    for (size_t n = 0; n < sizeof enc / sizeof enc[0]; n++)
        CHECK_EQ(lwg_base64_encoded_len(n), enc[n]);
    CHECK_EQ(lwg_base64_encoded_len(300), 400);
    /* decoded_max(n) covers every valid n-character input. */
    CHECK_EQ(lwg_base64_decoded_max(0), 0);
    CHECK_EQ(lwg_base64_decoded_max(1), 0);
    CHECK_EQ(lwg_base64_decoded_max(2), 1);
    CHECK_EQ(lwg_base64_decoded_max(3), 2);
    CHECK_EQ(lwg_base64_decoded_max(4), 3);
    CHECK_EQ(lwg_base64_decoded_max(6), 4);
    CHECK_EQ(lwg_base64_decoded_max(400), 300);
    for (size_t n = 0; n < 200; n++)
        CHECK(lwg_base64_decoded_max(lwg_base64_encoded_len(n)) == n);
}

static void test_alphabet(void)
{
    /* 0xfb 0xff uses both '+' and '/' */
    const uint8_t in[3] = { 0xfb, 0xff, 0xbf };
    char out[4];
    uint8_t back[3];

    CHECK_EQ(lwg_base64_encode(in, 3, out, sizeof out), 4);
    CHECK_MEM(out, "+/+/", 4);
    CHECK_EQ(lwg_base64_encode(in, 2, out, sizeof out), 3);
    CHECK_MEM(out, "+/8", 3);
    CHECK_EQ(decode_str("+/+/", back, sizeof back), 3);
    CHECK_MEM(back, in, 3);
    /* Every character of the alphabet decodes to its index. */
    {
        const char *abc =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        uint8_t all[48];
        CHECK_EQ(decode_str(abc, all, sizeof all), 48);
        for (int i = 0; i < 64; i++) {
            /* bits i*6 .. i*6+5 */
            unsigned bit = (unsigned)i * 6, v = 0;
            for (unsigned b = 0; b < 6; b++) {
                unsigned pos = bit + b;
                v = v << 1 | ((all[pos / 8] >> (7 - pos % 8)) & 1u);
            }
            CHECK_EQ(v, i);
        }
    }
}

static void test_roundtrip(void)
{
    uint8_t in[256], back[256];
    char enc[344 + 4];
    uint32_t seed = 0xbeefcafeu;

    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    for (size_t n = 0; n <= 256; n++) {
        int elen = lwg_base64_encode(in, n, enc, sizeof enc);
        CHECK_EQ(elen, (int)lwg_base64_encoded_len(n));
        CHECK_EQ(lwg_base64_decode((const uint8_t *)enc, (size_t)elen, back, sizeof back), (int)n);
        CHECK_MEM(back, in, n);
        /* and the padded form of the same */
        while (elen % 4 != 0)
            enc[elen++] = '=';
        CHECK_EQ(lwg_base64_decode((const uint8_t *)enc, (size_t)elen, back, sizeof back), (int)n);
        CHECK_MEM(back, in, n);
    }
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = lwg_test_xorshift32(&seed) % 100;
        int elen;
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)lwg_test_xorshift32(&seed);
        elen = lwg_base64_encode(in, n, enc, sizeof enc);
        CHECK_EQ(lwg_base64_decode((const uint8_t *)enc, (size_t)elen, back, n), (int)n);
        CHECK_MEM(back, in, n);
    }
}

static void test_decode_rejects(void)
{
    static const char *const bad[] = {
        "Z", "Zm9vY", "Zm9vYmFyZ",  /* 4k+1 characters */
        "Zg=", "Zm9=v", "Zg===", "Z===", "=", "==", "===", "====",
        "Zm9v=", "Zm9v==", "Zm8==", /* padding that completes nothing */
        "Zg==Zg==", "Zg=a", "=Zm9", /* '=' not at the end */
        "Zm 9v", " Zm9v", "Zm9v ", "Zm9v\n", "Zm9\tv", "Zm9v\r\n",
        "Zm-_", "Zm9v-", "Zm9v_A", /* URL-safe alphabet */
        "Zm9v!", "Zm.v", "Zm9v@", "Z\x80==", "Zm\xff\x39",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        memset(out, 0xee, sizeof out);
        CHECK_EQ(decode_str(bad[i], out, sizeof out), LWG_EPROTO);
        CHECK_EQ(lwg_base64_decoded_len((const uint8_t *)bad[i], strlen(bad[i])), LWG_EPROTO);
        CHECK(out[0] == 0xee);
    }
    {
        uint8_t out[4];
        /* An embedded NUL is outside the alphabet. */
        CHECK_EQ(lwg_base64_decode((const uint8_t *)"Zm\0v", 4, out, sizeof out), LWG_EPROTO);
    }
}

static void test_decode_lenient_trailing_bits(void)
{
    uint8_t out[4];

    /* 'g' and 'h' differ only in the 4 ignored low bits of "Zg". */
    CHECK_EQ(decode_str("Zh", out, sizeof out), 1);
    CHECK(out[0] == 'f');
    CHECK_EQ(decode_str("Zv==", out, sizeof out), 1);
    CHECK(out[0] == 'f');
    /* "Zm8" -> "fo"; "Zm9" and "Zm/" differ in the 2 ignored bits. */
    CHECK_EQ(decode_str("Zm9", out, sizeof out), 2);
    CHECK_MEM(out, "fo", 2);
    CHECK_EQ(decode_str("Zm/=", out, sizeof out), 2);
    CHECK_MEM(out, "fo", 2);
}

static void test_bounds(void)
{
    char enc[8];
    uint8_t out[8];

    /* encode: exact room works, one less is LWG_ENOMEM, nothing written */
    memset(enc, 'x', sizeof enc);
    CHECK_EQ(lwg_base64_encode((const uint8_t *)"foob", 4, enc, 6), 6);
    CHECK(enc[6] == 'x');
    memset(enc, 'x', sizeof enc);
    CHECK_EQ(lwg_base64_encode((const uint8_t *)"foob", 4, enc, 5), LWG_ENOMEM);
    CHECK(enc[0] == 'x');
    CHECK_EQ(lwg_base64_encode(NULL, 0, NULL, 0), 0);
    /* decode: same */
    memset(out, 0xee, sizeof out);
    CHECK_EQ(decode_str("Zm9vYg==", out, 4), 4);
    CHECK(out[4] == 0xee);
    memset(out, 0xee, sizeof out);
    CHECK_EQ(decode_str("Zm9vYg==", out, 3), LWG_ENOMEM);
    CHECK(out[0] == 0xee);
    CHECK_EQ(decode_str("Zm9vYg", out, 3), LWG_ENOMEM);
    CHECK_EQ(lwg_base64_decode(NULL, 0, NULL, 0), 0);
    /* a syntax error wins over a too-small buffer */
    CHECK_EQ(decode_str("Z!", out, 0), LWG_EPROTO);
}

int main(void)
{
    RUN(test_rfc4648_encode);
    RUN(test_rfc4648_decode);
    RUN(test_lengths);
    RUN(test_alphabet);
    RUN(test_roundtrip);
    RUN(test_decode_rejects);
    RUN(test_decode_lenient_trailing_bits);
    RUN(test_bounds);
    return lwg_test_summary();
}
