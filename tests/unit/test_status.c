/* test_status.c - gRPC status names, grpc-status parse/format, HTTP and
 * HTTP/2 error mappings (core/lwg_status.h). */
#include <limits.h>

#include "lwg_test.h"
#include "core/lwg_status.h"
#include "port/lwg_err.h"

static const char *const expected_names[17] = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
};

static void test_enum_values(void)
{
    /* The wire values must never move. */
    CHECK_EQ(LWG_STATUS_OK, 0);
    CHECK_EQ(LWG_STATUS_CANCELLED, 1);
    CHECK_EQ(LWG_STATUS_UNKNOWN, 2);
    CHECK_EQ(LWG_STATUS_INVALID_ARGUMENT, 3);
    CHECK_EQ(LWG_STATUS_DEADLINE_EXCEEDED, 4);
    CHECK_EQ(LWG_STATUS_NOT_FOUND, 5);
    CHECK_EQ(LWG_STATUS_ALREADY_EXISTS, 6);
    CHECK_EQ(LWG_STATUS_PERMISSION_DENIED, 7);
    CHECK_EQ(LWG_STATUS_RESOURCE_EXHAUSTED, 8);
    CHECK_EQ(LWG_STATUS_FAILED_PRECONDITION, 9);
    CHECK_EQ(LWG_STATUS_ABORTED, 10);
    CHECK_EQ(LWG_STATUS_OUT_OF_RANGE, 11);
    CHECK_EQ(LWG_STATUS_UNIMPLEMENTED, 12);
    CHECK_EQ(LWG_STATUS_INTERNAL, 13);
    CHECK_EQ(LWG_STATUS_UNAVAILABLE, 14);
    CHECK_EQ(LWG_STATUS_DATA_LOSS, 15);
    CHECK_EQ(LWG_STATUS_UNAUTHENTICATED, 16);
}

static void test_names(void)
{
    for (int c = 0; c <= 16; c++)
        CHECK(strcmp(lwg_status_name(c), expected_names[c]) == 0);
    CHECK(strcmp(lwg_status_name(-1), "UNKNOWN") == 0);
    CHECK(strcmp(lwg_status_name(17), "UNKNOWN") == 0);
    CHECK(strcmp(lwg_status_name(1000), "UNKNOWN") == 0);
    CHECK(strcmp(lwg_status_name(INT_MIN), "UNKNOWN") == 0);
    CHECK(strcmp(lwg_status_name(INT_MAX), "UNKNOWN") == 0);
}

static void test_from_http(void)
{
    CHECK_EQ(lwg_status_from_http(400), LWG_STATUS_INTERNAL);
    CHECK_EQ(lwg_status_from_http(401), LWG_STATUS_UNAUTHENTICATED);
    CHECK_EQ(lwg_status_from_http(403), LWG_STATUS_PERMISSION_DENIED);
    CHECK_EQ(lwg_status_from_http(404), LWG_STATUS_UNIMPLEMENTED);
    CHECK_EQ(lwg_status_from_http(429), LWG_STATUS_UNAVAILABLE);
    CHECK_EQ(lwg_status_from_http(431), LWG_STATUS_INTERNAL);
    CHECK_EQ(lwg_status_from_http(502), LWG_STATUS_UNAVAILABLE);
    CHECK_EQ(lwg_status_from_http(503), LWG_STATUS_UNAVAILABLE);
    CHECK_EQ(lwg_status_from_http(504), LWG_STATUS_UNAVAILABLE);
    /* 200 without grpc-status is not a success. */
    CHECK_EQ(lwg_status_from_http(200), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(100), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(0), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(402), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(415), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(500), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(501), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(505), LWG_STATUS_UNKNOWN);
    CHECK_EQ(lwg_status_from_http(0xffffffffu), LWG_STATUS_UNKNOWN);
    /* Only the listed codes map to something else. */
    for (uint32_t h = 0; h < 1000; h++) {
        lwg_status_code s = lwg_status_from_http(h);
        if (h != 400 && h != 401 && h != 403 && h != 404 && h != 429 &&
            h != 431 && h != 502 && h != 503 && h != 504)
            CHECK_EQ(s, LWG_STATUS_UNKNOWN);
    }
}

static void test_from_h2_error(void)
{
    static const lwg_status_code want[14] = {
        LWG_STATUS_INTERNAL,           /* 0x0 NO_ERROR */
        LWG_STATUS_INTERNAL,           /* 0x1 PROTOCOL_ERROR */
        LWG_STATUS_INTERNAL,           /* 0x2 INTERNAL_ERROR */
        LWG_STATUS_INTERNAL,           /* 0x3 FLOW_CONTROL_ERROR */
        LWG_STATUS_INTERNAL,           /* 0x4 SETTINGS_TIMEOUT */
        LWG_STATUS_INTERNAL,           /* 0x5 STREAM_CLOSED */
        LWG_STATUS_INTERNAL,           /* 0x6 FRAME_SIZE_ERROR */
        LWG_STATUS_UNAVAILABLE,        /* 0x7 REFUSED_STREAM */
        LWG_STATUS_CANCELLED,          /* 0x8 CANCEL */
        LWG_STATUS_INTERNAL,           /* 0x9 COMPRESSION_ERROR */
        LWG_STATUS_INTERNAL,           /* 0xa CONNECT_ERROR */
        LWG_STATUS_RESOURCE_EXHAUSTED, /* 0xb ENHANCE_YOUR_CALM */
        LWG_STATUS_PERMISSION_DENIED,  /* 0xc INADEQUATE_SECURITY */
        LWG_STATUS_INTERNAL,           /* 0xd HTTP_1_1_REQUIRED */
    };
    for (uint32_t c = 0; c < 14; c++)
        CHECK_EQ(lwg_status_from_h2_error(c), want[c]);
    /* Unknown codes: as INTERNAL_ERROR (RFC 9113 §7). */
    CHECK_EQ(lwg_status_from_h2_error(0xe), LWG_STATUS_INTERNAL);
    CHECK_EQ(lwg_status_from_h2_error(0x100), LWG_STATUS_INTERNAL);
    CHECK_EQ(lwg_status_from_h2_error(0xffffffffu), LWG_STATUS_INTERNAL);
}

static int parse_str(const char *s, int *code)
{
    return lwg_status_parse((const uint8_t *)s, strlen(s), code);
}

static void test_parse_valid(void)
{
    char buf[16];
    int code;

    for (int c = 0; c <= 16; c++) {
        snprintf(buf, sizeof buf, "%d", c);
        code = -1;
        CHECK_EQ(parse_str(buf, &code), LWG_OK);
        CHECK_EQ(code, c);
    }
    /* Leading zeros are tolerated. */
    CHECK_EQ(parse_str("00", &code), LWG_OK);
    CHECK_EQ(code, 0);
    CHECK_EQ(parse_str("007", &code), LWG_OK);
    CHECK_EQ(code, 7);
    CHECK_EQ(parse_str("0000000000000000000016", &code), LWG_OK);
    CHECK_EQ(code, 16);
    /* The value is not NUL-terminated: only n bytes count. */
    CHECK_EQ(lwg_status_parse((const uint8_t *)"149", 2, &code), LWG_OK);
    CHECK_EQ(code, 14);
}

static void test_parse_unknown_codes(void)
{
    int code;

    /* Numbers beyond 16 are valid syntax but unknown: UNKNOWN. */
    CHECK_EQ(parse_str("17", &code), LWG_OK);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    CHECK_EQ(parse_str("99", &code), LWG_OK);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    CHECK_EQ(parse_str("100", &code), LWG_OK);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    CHECK_EQ(parse_str("4294967296", &code), LWG_OK);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    CHECK_EQ(parse_str("99999999999999999999999999999999999999", &code), LWG_OK);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    /* Saturation must not wrap back into range. */
    CHECK_EQ(parse_str("18446744073709551617", &code), LWG_OK);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    CHECK_EQ(parse_str("170", &code), LWG_OK);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
}

static void test_parse_malformed(void)
{
    static const char *const bad[] = {
        "", "-1", "+1", " 1", "1 ", "1a", "a", "0x1", "1.0", "١", "\t0",
    };
    int code;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        code = 0;
        CHECK_EQ(parse_str(bad[i], &code), LWG_EPROTO);
        CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    }
    code = 0;
    CHECK_EQ(lwg_status_parse(NULL, 0, &code), LWG_EPROTO);
    CHECK_EQ(code, LWG_STATUS_UNKNOWN);
    /* An embedded NUL is not a digit. */
    CHECK_EQ(lwg_status_parse((const uint8_t *)"1\0", 2, &code), LWG_EPROTO);
}

static void test_format(void)
{
    char buf[LWG_STATUS_FORMAT_MAX];
    char want[16];
    int code;

    for (int c = 0; c <= 16; c++) {
        size_t n;
        memset(buf, 'x', sizeof buf);
        n = lwg_status_format(c, buf, sizeof buf);
        snprintf(want, sizeof want, "%d", c);
        CHECK_EQ(n, strlen(want));
        CHECK_MEM(buf, want, n);
        /* Round trip. */
        CHECK_EQ(lwg_status_parse((const uint8_t *)buf, n, &code), LWG_OK);
        CHECK_EQ(code, c);
        /* Exactly enough room works; one less writes nothing. */
        memset(buf, 'x', sizeof buf);
        CHECK_EQ(lwg_status_format(c, buf, n), n);
        memset(buf, 'x', sizeof buf);
        CHECK_EQ(lwg_status_format(c, buf, n - 1), 0);
        CHECK(buf[0] == 'x' && buf[1] == 'x');
    }
    /* Unknown codes go out as UNKNOWN. */
    CHECK_EQ(lwg_status_format(-1, buf, sizeof buf), 1);
    CHECK(buf[0] == '2');
    CHECK_EQ(lwg_status_format(17, buf, sizeof buf), 1);
    CHECK(buf[0] == '2');
    CHECK_EQ(lwg_status_format(INT_MAX, buf, sizeof buf), 1);
    CHECK(buf[0] == '2');
    CHECK_EQ(lwg_status_format(INT_MIN, buf, sizeof buf), 1);
    CHECK(buf[0] == '2');
    CHECK_EQ(lwg_status_format(0, NULL, 0), 0);
}

int main(void)
{
    RUN(test_enum_values);
    RUN(test_names);
    RUN(test_from_http);
    RUN(test_from_h2_error);
    RUN(test_parse_valid);
    RUN(test_parse_unknown_codes);
    RUN(test_parse_malformed);
    RUN(test_format);
    return lwg_test_summary();
}
