/* test_pct.c - grpc-message percent-encoding (core/lwg_pct.h). */
#include <stdlib.h>

#include "lwg_test.h"
#include "core/lwg_pct.h"
#include "port/lwg_err.h"

static void check_encode(const char *in, size_t n, const char *want)
{
    char out[256];
    int len;

    memset(out, 'x', sizeof out);
    len = lwg_pct_encode((const uint8_t *)in, n, out, sizeof out);
    CHECK_EQ(len, (int)strlen(want));
    CHECK_EQ(lwg_pct_encoded_len((const uint8_t *)in, n), strlen(want));
    if (len >= 0)
        CHECK_MEM(out, want, (size_t)len);
}

static void test_encode_vectors(void)
{
    check_encode("", 0, "");
    check_encode("hello world", 11, "hello world");
    check_encode("%", 1, "%25");
    check_encode("100%", 4, "100%25");
    check_encode("%%", 2, "%25%25");
    check_encode("\0", 1, "%00");
    check_encode("\x1f\x7f\x80\xff", 4, "%1F%7F%80%FF");
    check_encode("a\tb\r\nc", 6, "a%09b%0D%0Ac");
    check_encode("caf\xc3\xa9", 5, "caf%C3%A9");          /* UTF-8 é */
    check_encode("\xe2\x82\xac 5", 5, "%E2%82%AC 5");       /* € 5 */
    check_encode(" ~", 2, " ~");                          /* the range ends */
    check_encode("a/b?c=d&e#f", 11, "a/b?c=d&e#f");       /* RFC 3986 reserved: kept */
    CHECK_EQ(lwg_pct_encode(NULL, 0, NULL, 0), 0);
}

static void test_encode_every_byte(void)
{
    for (int b = 0; b < 256; b++) {
        uint8_t in = (uint8_t)b;
        char out[3];
        int len = lwg_pct_encode(&in, 1, out, sizeof out);
        int plain = b >= 0x20 && b <= 0x7e && b != '%';
        if (plain) {
            CHECK_EQ(len, 1);
            CHECK_EQ((uint8_t)out[0], b);
        } else {
            char want[4];
            snprintf(want, sizeof want, "%%%02X", b);
            CHECK_EQ(len, 3);
            CHECK_MEM(out, want, 3);
        }
    }
}

static void test_encode_bounds(void)
{
    const uint8_t in[] = "a%b\xff";
    char out[16];

    /* 1 + 3 + 1 + 3 = 8 */
    CHECK_EQ(lwg_pct_encoded_len(in, 4), 8);
    memset(out, 'x', sizeof out);
    CHECK_EQ(lwg_pct_encode(in, 4, out, 8), 8);
    CHECK(out[8] == 'x');
    memset(out, 'x', sizeof out);
    CHECK_EQ(lwg_pct_encode(in, 4, out, 7), LWG_ENOMEM);
    CHECK(out[0] == 'x'); /* nothing written */
    CHECK_EQ(lwg_pct_encode(in, 4, out, 0), LWG_ENOMEM);
    CHECK_EQ(lwg_pct_encode(in, 1, out, 1), 1);
}

/* The input is copied into a heap block of exactly its length, so ASan
 * catches any look-ahead past the end (e.g. at a trailing "%4"). */
static void check_decode(const char *in_str, const char *want, size_t want_len)
{
    uint8_t out[256];
    size_t n = strlen(in_str);
    uint8_t *in = malloc(n ? n : 1);
    int len;

    memcpy(in, in_str, n);
    memset(out, 'x', sizeof out);
    len = lwg_pct_decode(in, n, out, sizeof out);
    CHECK_EQ(len, (int)want_len);
    CHECK_EQ(lwg_pct_decoded_len(in, n), want_len);
    if (len >= 0)
        CHECK_MEM(out, want, want_len);
    free(in);
}

static void test_decode_vectors(void)
{
    check_decode("", "", 0);
    check_decode("plain text", "plain text", 10);
    check_decode("%25", "%", 1);
    check_decode("100%25", "100%", 4);
    check_decode("caf%C3%A9", "caf\xc3\xa9", 5);
    check_decode("caf%c3%a9", "caf\xc3\xa9", 5);  /* lower-case hex */
    check_decode("%Fa%fA", "\xfa\xfa", 2);
    check_decode("%00", "\0", 1);
    check_decode("%0D%0A", "\r\n", 2);
    check_decode("%41%42%43", "ABC", 3);
}

static void test_decode_malformed_passthrough(void)
{
    /* Never an error: broken escapes stay as they are. */
    check_decode("%", "%", 1);
    check_decode("100%", "100%", 4);
    check_decode("%4", "%4", 2);
    check_decode("a%2", "a%2", 3);
    check_decode("%zz", "%zz", 3);
    check_decode("%4g", "%4g", 3);
    check_decode("%g4", "%g4", 3);
    check_decode("% 41", "% 41", 4);
    check_decode("%%41", "%A", 2);    /* first '%' literal, then %41 */
    check_decode("%%%", "%%%", 3);
    check_decode("%-1", "%-1", 3);
    check_decode("50% off", "50% off", 7);
    check_decode("%E2%82", "\xe2\x82", 2); /* truncated UTF-8 is still bytes */
    /* Raw bytes a sender should have escaped pass through too. */
    check_decode("a\xffz", "a\xffz", 3);
}

static void test_decode_bounds(void)
{
    const uint8_t in[] = "%41%42c";
    uint8_t out[8];

    CHECK_EQ(lwg_pct_decoded_len(in, 7), 3);
    memset(out, 'x', sizeof out);
    CHECK_EQ(lwg_pct_decode(in, 7, out, 3), 3);
    CHECK_MEM(out, "ABc", 3);
    CHECK(out[3] == 'x');
    memset(out, 'x', sizeof out);
    CHECK_EQ(lwg_pct_decode(in, 7, out, 2), LWG_ENOMEM);
    CHECK(out[0] == 'x');
    CHECK_EQ(lwg_pct_decode(NULL, 0, NULL, 0), 0);
    CHECK_EQ(lwg_pct_decoded_len(NULL, 0), 0);
}

static void test_decode_in_place(void)
{
    uint8_t buf[] = "x%41%zz%%42%";
    size_t n = sizeof buf - 1;
    int len = lwg_pct_decode(buf, n, buf, n);

    CHECK_EQ(len, 8);
    CHECK_MEM(buf, "xA%zz%B%", 8);
}

static void test_roundtrip_random(void)
{
    uint32_t seed = 0xdecafbadu;
    uint8_t in[64], back[64];
    char enc[3 * 64];

    for (int iter = 0; iter < 5000; iter++) {
        size_t n = lwg_test_xorshift32(&seed) % (sizeof in + 1);
        int elen, dlen;
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)lwg_test_xorshift32(&seed);
        elen = lwg_pct_encode(in, n, enc, sizeof enc);
        CHECK(elen >= (int)n && elen <= 3 * (int)n);
        /* The encoding is pure Percent-Encoded ASCII. */
        for (int i = 0; i < elen; i++)
            CHECK(enc[i] >= 0x20 && enc[i] <= 0x7e);
        dlen = lwg_pct_decode((const uint8_t *)enc, (size_t)elen, back, sizeof back);
        CHECK_EQ(dlen, (int)n);
        if (dlen == (int)n)
            CHECK_MEM(back, in, n);
    }
}

int main(void)
{
    RUN(test_encode_vectors);
    RUN(test_encode_every_byte);
    RUN(test_encode_bounds);
    RUN(test_decode_vectors);
    RUN(test_decode_malformed_passthrough);
    RUN(test_decode_bounds);
    RUN(test_decode_in_place);
    RUN(test_roundtrip_random);
    return lwg_test_summary();
}
