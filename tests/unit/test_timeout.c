/* test_timeout.c - grpc-timeout encode/parse (core/lwg_timeout.h). */
#include "lwg_test.h"
#include "core/lwg_timeout.h"
#include "port/lwg_err.h"

/* Encode ms and compare with the expected text. */
static void check_encode(uint32_t ms, const char *want)
{
    char out[LWG_TIMEOUT_ENCODE_MAX + 4];
    int n;

    memset(out, 'x', sizeof out);
    n = lwg_timeout_encode(ms, out, LWG_TIMEOUT_ENCODE_MAX);
    CHECK_EQ(n, (int)strlen(want));
    if (n > 0 && (size_t)n == strlen(want) && memcmp(out, want, (size_t)n) != 0) {
        char m[96];
        snprintf(m, sizeof m, "encode(%lu) = '%.*s', want '%s'",
                 (unsigned long)ms, n, out, want);
        lwg_test_fail(__FILE__, __LINE__, m);
    }
    CHECK(out[LWG_TIMEOUT_ENCODE_MAX] == 'x'); /* no write past the bound */
}

static void test_encode_table(void)
{
    check_encode(0, "1n");           /* already due: smallest positive */
    check_encode(1, "1m");
    check_encode(7, "7m");
    check_encode(999, "999m");
    check_encode(1000, "1S");        /* exact coarser unit preferred */
    check_encode(1001, "1001m");
    check_encode(1500, "1500m");
    check_encode(2000, "2S");
    check_encode(59000, "59S");
    check_encode(60000, "1M");
    check_encode(90000, "90S");
    check_encode(120000, "2M");
    check_encode(3600000, "1H");
    check_encode(5400000, "90M");
    check_encode(7200000, "2H");
    check_encode(86400000, "24H");
    check_encode(12345678, "12345678m");
    check_encode(99999999, "99999999m"); /* the largest 8-digit value */
    /* Above 8 digits of ms. */
    check_encode(100000000, "100000S");  /* exact in seconds */
    check_encode(100000001, "100001S");  /* rounded up, never down */
    check_encode(100000999, "100001S");
    check_encode(100001000, "100001S");
    check_encode(123456789, "123457S");
    check_encode(4294967000u, "4294967S");
    check_encode(4294920000u, "71582M");  /* 71582 minutes exactly */
    check_encode(4294800000u, "1193H");   /* 1193 hours exactly */
    check_encode(4294967295u, "4294968S"); /* 2^32-1 ms */
}

static void test_encode_bounds(void)
{
    char out[16];

    /* Exactly enough room works, one less is LWG_ENOMEM with no write. */
    memset(out, 'x', sizeof out);
    CHECK_EQ(lwg_timeout_encode(99999999, out, 9), 9);
    memset(out, 'x', sizeof out);
    CHECK_EQ(lwg_timeout_encode(99999999, out, 8), LWG_ENOMEM);
    CHECK(out[0] == 'x');
    CHECK_EQ(lwg_timeout_encode(0, out, 2), 2);
    CHECK_EQ(lwg_timeout_encode(0, out, 1), LWG_ENOMEM);
    CHECK_EQ(lwg_timeout_encode(5, out, 1), LWG_ENOMEM);
    CHECK_EQ(lwg_timeout_encode(5, NULL, 0), LWG_ENOMEM);
    CHECK_EQ(lwg_timeout_encode(4294967295u, out, 8), 8);
    CHECK_EQ(lwg_timeout_encode(4294967295u, out, 7), LWG_ENOMEM);
}

/* parse(encode(ms)) is never shorter than ms, less than a second longer,
 * exact when ms fits 8 digits, and the value has 1..8 digits. */
static void check_roundtrip(uint32_t ms)
{
    char out[LWG_TIMEOUT_ENCODE_MAX];
    uint64_t back = 0;
    int n = lwg_timeout_encode(ms, out, sizeof out);

    CHECK(n >= 2 && n <= LWG_TIMEOUT_ENCODE_MAX);
    if (n < 2)
        return;
    CHECK_EQ(lwg_timeout_parse((const uint8_t *)out, (size_t)n, &back), LWG_OK);
    if (ms == 0) {
        CHECK_EQ(back, 1); /* "1n" reads back as 1 ms */
        return;
    }
    CHECK(back >= ms);
    CHECK(back < (uint64_t)ms + 1000u);
    if (ms <= 99999999u)
        CHECK_EQ(back, ms);
    for (int i = 0; i < n - 1; i++)
        CHECK(out[i] >= '0' && out[i] <= '9');
}

static void test_encode_roundtrip(void)
{
    uint32_t seed = 0x12345678u;

    for (uint32_t ms = 0; ms < 5000; ms++)
        check_roundtrip(ms);
    for (uint32_t ms = 99999000u; ms < 100002000u; ms++)
        check_roundtrip(ms);
    for (uint32_t ms = 0xffffffffu - 3000u; ms != 0; ms++)
        check_roundtrip(ms);
    for (int i = 0; i < 100000; i++)
        check_roundtrip(lwg_test_xorshift32(&seed));
    for (int shift = 0; shift < 32; shift++) {
        check_roundtrip(1u << shift);
        check_roundtrip((1u << shift) - 1u);
    }
}

static int parse_str(const char *s, uint64_t *ms)
{
    return lwg_timeout_parse((const uint8_t *)s, strlen(s), ms);
}

static void check_parse(const char *s, uint64_t want)
{
    uint64_t ms = 12345;
    int rc = parse_str(s, &ms);

    if (rc != LWG_OK || ms != want) {
        char m[96];
        snprintf(m, sizeof m, "parse('%s') = %d, %llu; want %llu", s, rc,
                 (unsigned long long)ms, (unsigned long long)want);
        lwg_test_fail(__FILE__, __LINE__, m);
    }
}

static void test_parse_units(void)
{
    check_parse("1H", 3600000u);
    check_parse("1M", 60000u);
    check_parse("1S", 1000u);
    check_parse("1m", 1u);
    check_parse("1000u", 1u);
    check_parse("1000000n", 1u);
    check_parse("2H", 7200000u);
    check_parse("30S", 30000u);
    check_parse("250m", 250u);
    check_parse("1500000u", 1500u);
    check_parse("00000001S", 1000u); /* 8 digits with leading zeros */
}

static void test_parse_rounding(void)
{
    /* Sub-millisecond rounds up: a positive timeout never becomes 0. */
    check_parse("1n", 1u);
    check_parse("1u", 1u);
    check_parse("999u", 1u);
    check_parse("1001u", 2u);
    check_parse("999999n", 1u);
    check_parse("1000001n", 2u);
    check_parse("99999999n", 100u);  /* 99.999999 ms -> 100 */
    check_parse("99999999u", 100000u);
    /* Zero is accepted as "already due". */
    check_parse("0n", 0u);
    check_parse("0m", 0u);
    check_parse("0H", 0u);
    check_parse("00000000S", 0u);
}

static void test_parse_huge(void)
{
    /* The largest values fit in 64 bits: nothing wraps. */
    check_parse("99999999H", 99999999ull * 3600000ull);
    check_parse("99999999M", 99999999ull * 60000ull);
    check_parse("99999999S", 99999999000ull);
    check_parse("99999999m", 99999999ull);
    check_parse("4294968S", 4294968000ull); /* beyond 2^32-1 ms */
}

static void test_parse_malformed(void)
{
    static const char *const bad[] = {
        "",           /* empty */
        "H", "m", "n", /* no digits */
        "1",          /* no unit */
        "12",
        "123456789m", /* 9 digits */
        "000000001S", /* 9 digits even with zeros */
        "1x", "1h", "1s", "1U", "1N", "1 ", "1\0", /* bad unit */
        "-1m", "+1m", " 1m", "1 m", "1.5S", "1,5S", "0x1S",
        "1mm", "1m ", "1Sm", "1H1", /* trailing junk */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t ms = 777;
        CHECK_EQ(parse_str(bad[i], &ms), LWG_EPROTO);
        CHECK_EQ(ms, 777); /* untouched on error */
    }
    {
        uint64_t ms = 777;
        CHECK_EQ(lwg_timeout_parse(NULL, 0, &ms), LWG_EPROTO);
        CHECK_EQ(lwg_timeout_parse((const uint8_t *)"1\0m", 3, &ms), LWG_EPROTO);
        CHECK_EQ(ms, 777);
    }
    /* Only n bytes count: "5m" inside a longer buffer. */
    {
        uint64_t ms = 0;
        CHECK_EQ(lwg_timeout_parse((const uint8_t *)"5mXYZ", 2, &ms), LWG_OK);
        CHECK_EQ(ms, 5);
    }
}

int main(void)
{
    RUN(test_encode_table);
    RUN(test_encode_bounds);
    RUN(test_encode_roundtrip);
    RUN(test_parse_units);
    RUN(test_parse_rounding);
    RUN(test_parse_huge);
    RUN(test_parse_malformed);
    return lwg_test_summary();
}
