/* test_metadata.c - bounded metadata storage (core/lwg_metadata.h). */
#include "lwg_test.h"
#include "core/lwg_base64.h"
#include "core/lwg_metadata.h"
#include "port/lwg_err.h"

static lwg_metadata md; /* large-ish: keep it off the stack */

#define S(lit) lit, (sizeof lit - 1)

static int add_str(const char *name, const char *value)
{
    return lwg_metadata_add(&md, name, strlen(name), value, strlen(value));
}

/* A snapshot to prove a failed add changed nothing. */
static void same_as(const lwg_metadata *before)
{
    CHECK_EQ(md.count, before->count);
    CHECK_EQ(md.used, before->used);
    CHECK(memcmp(md.entries, before->entries,
                 before->count * sizeof md.entries[0]) == 0);
    CHECK(memcmp(md.arena, before->arena, before->used) == 0);
}

static void test_init_empty(void)
{
    size_t vlen = 99;

    memset(&md, 0xa5, sizeof md);
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_count(&md), 0);
    CHECK_EQ(lwg_metadata_bytes_free(&md), LWG_METADATA_BYTES);
    CHECK(lwg_metadata_get(&md, S("x"), &vlen) == NULL);
    CHECK_EQ(vlen, 99);
    CHECK_EQ(lwg_metadata_find(&md, S("x"), 0), 0);
    CHECK_EQ(lwg_metadata_header_list_size(&md), 0);
    CHECK_EQ(lwg_metadata_wire_len(&md, 0), 0);
}

static void test_add_get_iterate(void)
{
    lwg_metadata_view v;
    const uint8_t *p;
    size_t vlen = 0;

    lwg_metadata_init(&md);
    CHECK_EQ(add_str("x-request-id", "abc-123"), LWG_OK);
    CHECK_EQ(add_str("authorization", "Bearer t0k3n"), LWG_OK);
    CHECK_EQ(add_str("x-request-id", "second"), LWG_OK); /* duplicate */
    CHECK_EQ(add_str("empty", ""), LWG_OK);
    CHECK_EQ(lwg_metadata_count(&md), 4);
    CHECK_EQ(lwg_metadata_bytes_free(&md),
             LWG_METADATA_BYTES - (12 + 7 + 13 + 12 + 12 + 6 + 5));

    p = lwg_metadata_get(&md, S("authorization"), &vlen);
    CHECK(p != NULL);
    CHECK_EQ(vlen, 12);
    CHECK_MEM(p, "Bearer t0k3n", 12);
    p = lwg_metadata_get(&md, S("x-request-id"), NULL); /* first of two */
    CHECK(p != NULL && memcmp(p, "abc-123", 7) == 0);
    p = lwg_metadata_get(&md, S("empty"), &vlen);
    CHECK(p != NULL);
    CHECK_EQ(vlen, 0);
    CHECK(lwg_metadata_get(&md, S("x-request"), NULL) == NULL);   /* prefix */
    CHECK(lwg_metadata_get(&md, S("x-request-idx"), NULL) == NULL);
    CHECK(lwg_metadata_get(&md, S("X-Request-Id"), NULL) == NULL); /* exact */

    /* find iterates duplicates in order */
    CHECK_EQ(lwg_metadata_find(&md, S("x-request-id"), 0), 0);
    CHECK_EQ(lwg_metadata_find(&md, S("x-request-id"), 1), 2);
    CHECK_EQ(lwg_metadata_find(&md, S("x-request-id"), 3), 4);
    CHECK_EQ(lwg_metadata_find(&md, S("x-request-id"), 100), 4);
    CHECK_EQ(lwg_metadata_find(&md, S("nope"), 0), 4);

    /* iteration by index */
    CHECK_EQ(lwg_metadata_at(&md, 1, &v), LWG_OK);
    CHECK_EQ(v.name_len, 13);
    CHECK_MEM(v.name, "authorization", 13);
    CHECK_EQ(v.value_len, 12);
    CHECK_EQ(v.binary, 0);
    CHECK_EQ(lwg_metadata_at(&md, 2, &v), LWG_OK);
    CHECK_MEM(v.value, "second", 6);
    v.name_len = 777;
    CHECK_EQ(lwg_metadata_at(&md, 4, &v), LWG_EINVAL);
    CHECK_EQ(v.name_len, 777); /* untouched */
    CHECK_EQ(lwg_metadata_at(&md, (size_t)-1, &v), LWG_EINVAL);
}

static void test_views_survive_later_adds(void)
{
    lwg_metadata_view a, b;

    lwg_metadata_init(&md);
    CHECK_EQ(add_str("a", "first"), LWG_OK);
    CHECK_EQ(lwg_metadata_at(&md, 0, &a), LWG_OK);
    for (int i = 0; i < LWG_MAX_METADATA - 1; i++)
        CHECK_EQ(add_str("b", "more"), LWG_OK);
    CHECK_EQ(lwg_metadata_at(&md, 0, &b), LWG_OK);
    CHECK(a.value == b.value);
    CHECK_MEM(a.value, "first", 5);
    lwg_metadata_clear(&md);
    CHECK_EQ(lwg_metadata_count(&md), 0);
    CHECK_EQ(lwg_metadata_bytes_free(&md), LWG_METADATA_BYTES);
    CHECK_EQ(add_str("c", "again"), LWG_OK); /* reusable after clear */
    CHECK_EQ(lwg_metadata_count(&md), 1);
}

static void test_name_validation(void)
{
    static const char *const bad[] = {
        "", "A", "X-Id", "x id", "x:y", ":path", ":authority", "x/y",
        "x\ty", "caf\xc3\xa9", "x\x7f", "x=y", "x,y", "\"x\"", "x!",
    };
    static const char *const good[] = {
        "a", "0", "x-id", "a_b.c-d", "0123456789abcdefghijklmnopqrstuvwxyz_.-",
        "-", ".", "_", "x-bin", "bin",
    };

    CHECK(!lwg_metadata_name_valid(NULL, 0));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = strlen(bad[i]);
        CHECK(!lwg_metadata_name_valid(bad[i], n));
        lwg_metadata_init(&md);
        CHECK_EQ(lwg_metadata_add(&md, bad[i], n, "v", 1), LWG_EINVAL);
        CHECK_EQ(lwg_metadata_add_raw(&md, bad[i], n, "v", 1), LWG_EINVAL);
        CHECK_EQ(lwg_metadata_add_wire(&md, bad[i], n, (const uint8_t *)"v", 1), LWG_EINVAL);
        CHECK_EQ(lwg_metadata_count(&md), 0);
        CHECK_EQ(lwg_metadata_bytes_free(&md), LWG_METADATA_BYTES);
    }
    /* An embedded NUL is not a name character. */
    CHECK(!lwg_metadata_name_valid("a\0b", 3));
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        CHECK(lwg_metadata_name_valid(good[i], strlen(good[i])));
        lwg_metadata_init(&md);
        CHECK_EQ(add_str(good[i], "v"), LWG_OK);
    }
}

static void test_value_validation(void)
{
    uint8_t all[95];

    for (int i = 0; i < 95; i++)
        all[i] = (uint8_t)(0x20 + i); /* 0x20..0x7e */
    CHECK(lwg_metadata_value_valid(all, sizeof all));
    CHECK(lwg_metadata_value_valid(NULL, 0));
    for (int b = 0; b < 256; b++) {
        uint8_t v[3] = { 'a', (uint8_t)b, 'z' };
        int ok = b >= 0x20 && b <= 0x7e;
        CHECK_EQ(lwg_metadata_value_valid(v, 3), ok);
        lwg_metadata_init(&md);
        CHECK_EQ(lwg_metadata_add(&md, S("x-v"), v, 3), ok ? LWG_OK : LWG_EINVAL);
        CHECK_EQ(lwg_metadata_add_raw(&md, S("x-v"), v, 3), ok ? LWG_OK : LWG_EINVAL);
        CHECK_EQ(lwg_metadata_add_wire(&md, S("x-v"), v, 3), ok ? LWG_OK : LWG_EINVAL);
        /* -bin values are raw bytes: anything goes */
        CHECK_EQ(lwg_metadata_add(&md, S("x-v-bin"), v, 3), LWG_OK);
    }
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add(&md, S("x"), all, sizeof all), LWG_OK);
    CHECK_EQ(lwg_metadata_add(&md, S("x"), NULL, 0), LWG_OK);
    CHECK_EQ(lwg_metadata_add(&md, S("x-bin"), NULL, 0), LWG_OK);
}

static void test_reserved(void)
{
    static const char *const reserved[] = {
        ":path", ":authority", ":status", ":", "grpc-status", "grpc-message",
        "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
        "grpc-message-type", "grpc-status-details-bin", "grpc-",
        "grpc-future-thing", "grpc-previous-rpc-attempts", "content-type",
        "te", "user-agent", "content-length", "host", "connection",
        "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "Content-Type", "TE", "GRPC-STATUS", "Grpc-Timeout", "Connection",
    };
    static const char *const allowed[] = {
        "authorization", "x-grpc-thing", "grpc", "grpcx", "grpc_status",
        "tea", "t", "e", "content-types", "content", "user-agents",
        "hosts", "upgrades", "x-te", "trace-proto-bin", "cookie",
    };

    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        CHECK(lwg_metadata_is_reserved(reserved[i], strlen(reserved[i])));
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        CHECK(!lwg_metadata_is_reserved(allowed[i], strlen(allowed[i])));
    CHECK(!lwg_metadata_is_reserved(NULL, 0));
    CHECK(!lwg_metadata_is_reserved("te", 1)); /* only nlen bytes count */

    lwg_metadata_init(&md);
    /* The application may not add them; the runtime may. */
    CHECK_EQ(add_str("grpc-status", "0"), LWG_EINVAL);
    CHECK_EQ(add_str("grpc-custom", "x"), LWG_EINVAL);
    CHECK_EQ(add_str("content-type", "application/grpc"), LWG_EINVAL);
    CHECK_EQ(add_str("te", "trailers"), LWG_EINVAL);
    CHECK_EQ(add_str("user-agent", "me"), LWG_EINVAL);
    CHECK_EQ(add_str("connection", "close"), LWG_EINVAL);
    CHECK_EQ(lwg_metadata_add(&md, S("grpc-status-details-bin"), "\x08\x05", 2), LWG_EINVAL);
    CHECK_EQ(lwg_metadata_count(&md), 0);
    CHECK_EQ(lwg_metadata_add_raw(&md, S("grpc-status"), "0", 1), LWG_OK);
    CHECK_EQ(lwg_metadata_add_raw(&md, S("grpc-status-details-bin"), "\x08\x05", 2), LWG_OK);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("grpc-message"), (const uint8_t *)"a%20b", 5), LWG_OK);
    CHECK_EQ(lwg_metadata_count(&md), 3);
    CHECK_EQ(add_str("authorization", "x"), LWG_OK);
}

static void test_is_bin(void)
{
    CHECK(lwg_metadata_is_bin(S("x-bin")));
    CHECK(lwg_metadata_is_bin(S("trace-proto-bin")));
    CHECK(lwg_metadata_is_bin(S("-bin")));
    CHECK(!lwg_metadata_is_bin(S("bin")));
    CHECK(!lwg_metadata_is_bin(S("x-bi")));
    CHECK(!lwg_metadata_is_bin(S("x_bin")));
    CHECK(!lwg_metadata_is_bin(S("x-bin-")));
    CHECK(!lwg_metadata_is_bin(S("x-BIN")));
    CHECK(!lwg_metadata_is_bin(NULL, 0));
    CHECK(lwg_metadata_is_bin("x-binary", 5)); /* only nlen bytes count */
}

static void test_entries_exhausted(void)
{
    lwg_metadata before;

    lwg_metadata_init(&md);
    for (int i = 0; i < LWG_MAX_METADATA; i++)
        CHECK_EQ(add_str("k", "v"), LWG_OK);
    CHECK_EQ(lwg_metadata_count(&md), LWG_MAX_METADATA);
    before = md;
    CHECK_EQ(add_str("k", "v"), LWG_ENOMEM);
    CHECK_EQ(lwg_metadata_add_raw(&md, S("k"), "", 0), LWG_ENOMEM);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("k-bin"), (const uint8_t *)"AA", 2), LWG_ENOMEM);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("k"), (const uint8_t *)"v", 1), LWG_ENOMEM);
    same_as(&before);
}

static void test_arena_exhausted(void)
{
    static uint8_t big[LWG_METADATA_BYTES + 1];
    lwg_metadata before;
    lwg_metadata_view v;

    memset(big, 'v', sizeof big);
    /* name + value exactly fill the arena */
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add(&md, S("k"), big, LWG_METADATA_BYTES - 1), LWG_OK);
    CHECK_EQ(lwg_metadata_bytes_free(&md), 0);
    before = md;
    CHECK_EQ(lwg_metadata_add(&md, S("k"), NULL, 0), LWG_ENOMEM); /* name alone */
    same_as(&before);
    CHECK_EQ(lwg_metadata_at(&md, 0, &v), LWG_OK);
    CHECK_EQ(v.value_len, LWG_METADATA_BYTES - 1);

    /* one byte over */
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add(&md, S("k"), big, LWG_METADATA_BYTES), LWG_ENOMEM);
    CHECK_EQ(lwg_metadata_count(&md), 0);
    CHECK_EQ(lwg_metadata_bytes_free(&md), LWG_METADATA_BYTES);

    /* the last entry fits exactly after others */
    lwg_metadata_init(&md);
    CHECK_EQ(add_str("a", "0123456789"), LWG_OK); /* 11 bytes */
    before = md;
    CHECK_EQ(lwg_metadata_add(&md, S("bb"), big, LWG_METADATA_BYTES - 11 - 1), LWG_ENOMEM);
    same_as(&before);
    CHECK_EQ(lwg_metadata_add(&md, S("bb"), big, LWG_METADATA_BYTES - 11 - 2), LWG_OK);
    CHECK_EQ(lwg_metadata_bytes_free(&md), 0);
    /* a huge length cannot wrap the room check */
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add(&md, S("k-bin"), big, (size_t)-1), LWG_ENOMEM);
}

/* What the caller vouches for is not checked again; the bounds are. */
static void test_add_wire_known(void)
{
    static uint8_t big[LWG_METADATA_BYTES + 1];
    const unsigned both = LWG_MD_KNOWN_NAME_OK | LWG_MD_KNOWN_VALUE_OK;
    lwg_metadata before;
    lwg_metadata_view v;

    memset(big, 'v', sizeof big);
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("x-a"), (const uint8_t *)"1", 1, both), LWG_OK);
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("x-e"), NULL, 0, both), LWG_OK);
    /* a name only the caller's word makes valid is taken as said */
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("X-Up"), (const uint8_t *)"v", 1, both), LWG_OK);
    /* without the word it is checked */
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("X-Up"), (const uint8_t *)"v", 1,
                                         LWG_MD_KNOWN_VALUE_OK), LWG_EINVAL);
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("x-b"), (const uint8_t *)"\n", 1,
                                         LWG_MD_KNOWN_NAME_OK), LWG_EINVAL);
    CHECK_EQ(lwg_metadata_count(&md), 3);
    CHECK_EQ(lwg_metadata_at(&md, 0, &v), LWG_OK);
    CHECK(v.name_len == 3 && memcmp(v.name, "x-a", 3) == 0 && v.value_len == 1 &&
          v.value[0] == '1');
    CHECK_EQ(lwg_metadata_at(&md, 1, &v), LWG_OK);
    CHECK(v.name_len == 3 && v.value_len == 0);
    /* -bin values are still base64-decoded */
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("x-bin"), (const uint8_t *)"AAE=", 4, both),
             LWG_OK);
    CHECK_EQ(lwg_metadata_at(&md, 3, &v), LWG_OK);
    CHECK(v.binary && v.value_len == 2 && v.value[0] == 0 && v.value[1] == 1);
    /* bounds: the arena, a length that would wrap, the entries */
    before = md;
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("k"), big, lwg_metadata_bytes_free(&md), both),
             LWG_ENOMEM);
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("k"), big, (size_t)-1, both), LWG_ENOMEM);
    same_as(&before);
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("k"), big, lwg_metadata_bytes_free(&md) - 1,
                                         both), LWG_OK);
    CHECK_EQ(lwg_metadata_bytes_free(&md), 0);
    lwg_metadata_init(&md);
    for (int i = 0; i < LWG_MAX_METADATA; i++)
        CHECK_EQ(lwg_metadata_add_wire_known(&md, S("k"), (const uint8_t *)"v", 1, both), LWG_OK);
    before = md;
    CHECK_EQ(lwg_metadata_add_wire_known(&md, S("k"), (const uint8_t *)"v", 1, both),
             LWG_ENOMEM);
    same_as(&before);
}

static void test_add_wire_bin(void)
{
    const uint8_t *p;
    size_t vlen;
    lwg_metadata_view v;

    lwg_metadata_init(&md);
    /* unpadded and padded decode to the same bytes */
    CHECK_EQ(lwg_metadata_add_wire(&md, S("a-bin"), (const uint8_t *)"AAEC", 4), LWG_OK);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("b-bin"), (const uint8_t *)"AQ==", 4), LWG_OK);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("c-bin"), (const uint8_t *)"AQ", 2), LWG_OK);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("d-bin"), NULL, 0), LWG_OK); /* empty */
    CHECK_EQ(lwg_metadata_count(&md), 4);
    p = lwg_metadata_get(&md, S("a-bin"), &vlen);
    CHECK_EQ(vlen, 3);
    CHECK(p && memcmp(p, "\x00\x01\x02", 3) == 0);
    p = lwg_metadata_get(&md, S("b-bin"), &vlen);
    CHECK_EQ(vlen, 1);
    CHECK(p && p[0] == 1);
    p = lwg_metadata_get(&md, S("c-bin"), &vlen);
    CHECK_EQ(vlen, 1);
    CHECK(p && p[0] == 1);
    p = lwg_metadata_get(&md, S("d-bin"), &vlen);
    CHECK(p != NULL);
    CHECK_EQ(vlen, 0);
    CHECK_EQ(lwg_metadata_at(&md, 0, &v), LWG_OK);
    CHECK_EQ(v.binary, 1);
    /* the arena holds decoded bytes, not base64 */
    CHECK_EQ(lwg_metadata_bytes_free(&md),
             LWG_METADATA_BYTES - (5 + 3) - (5 + 1) - (5 + 1) - 5);
}

static void test_add_wire_bin_comma_split(void)
{
    lwg_metadata before;
    lwg_metadata_view v;
    const char *joined = "AA,AQ==, Ag\t,\tAwQ ,,BQ";

    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)joined,
                                   strlen(joined)), LWG_OK);
    CHECK_EQ(lwg_metadata_count(&md), 6);
    {
        static const uint8_t want[6][2] = { { 0 }, { 1 }, { 2 }, { 3, 4 }, { 0 }, { 5 } };
        static const size_t want_len[6] = { 1, 1, 1, 2, 0, 1 };
        for (size_t i = 0; i < 6; i++) {
            CHECK_EQ(lwg_metadata_at(&md, i, &v), LWG_OK);
            CHECK_MEM(v.name, "x-bin", 5);
            CHECK_EQ(v.value_len, want_len[i]);
            CHECK_MEM(v.value, want[i], want_len[i]);
        }
    }
    /* a lone comma: two empty values */
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)",", 1), LWG_OK);
    CHECK_EQ(lwg_metadata_count(&md), 2);

    /* a bad part rolls every part back */
    lwg_metadata_init(&md);
    CHECK_EQ(add_str("keep", "me"), LWG_OK);
    before = md;
    CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)"AA,A,AQ", 7), LWG_EPROTO);
    same_as(&before);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)"AA,AQ,!!", 8), LWG_EPROTO);
    same_as(&before);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)"A A", 3), LWG_EPROTO);
    same_as(&before);
    /* running out of entries part-way rolls back too */
    {
        char many[3 * LWG_MAX_METADATA + 1];
        size_t n = 0;
        for (int i = 0; i < LWG_MAX_METADATA; i++) { /* one more than free */
            memcpy(many + n, "AA,", 3);
            n += 3;
        }
        n--; /* drop the last comma */
        CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)many, n), LWG_ENOMEM);
        same_as(&before);
        n -= 3; /* exactly the free entries */
        CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)many, n), LWG_OK);
        CHECK_EQ(lwg_metadata_count(&md), LWG_MAX_METADATA);
    }
    /* running out of arena part-way rolls back */
    {
        static char b64[LWG_METADATA_BYTES * 2];
        static uint8_t raw[LWG_METADATA_BYTES];
        size_t half = LWG_METADATA_BYTES / 2; /* two halves + names > arena */
        size_t n = 0;
        int len;
        memset(raw, 0x5a, sizeof raw);
        lwg_metadata_init(&md);
        before = md;
        len = lwg_base64_encode(raw, half, b64, sizeof b64);
        CHECK(len > 0);
        n = (size_t)len;
        b64[n++] = ',';
        len = lwg_base64_encode(raw, half, b64 + n, sizeof b64 - n);
        CHECK(len > 0);
        n += (size_t)len;
        CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)b64, n), LWG_ENOMEM);
        same_as(&before);
    }
    /* a non -bin value keeps its commas */
    lwg_metadata_init(&md);
    CHECK_EQ(lwg_metadata_add_wire(&md, S("x-list"), (const uint8_t *)"a, b,c", 6), LWG_OK);
    CHECK_EQ(lwg_metadata_count(&md), 1);
    CHECK_EQ(lwg_metadata_at(&md, 0, &v), LWG_OK);
    CHECK_EQ(v.value_len, 6);
}

static void test_wire_value(void)
{
    char out[64];
    const uint8_t bin[] = { 0xfb, 0xff, 0x00, 0x10 };

    lwg_metadata_init(&md);
    CHECK_EQ(add_str("x-id", "abc"), LWG_OK);
    CHECK_EQ(lwg_metadata_add(&md, S("x-bin"), bin, sizeof bin), LWG_OK);
    CHECK_EQ(lwg_metadata_add(&md, S("e-bin"), NULL, 0), LWG_OK);
    CHECK_EQ(add_str("e", ""), LWG_OK);

    CHECK_EQ(lwg_metadata_wire_len(&md, 0), 3);
    CHECK_EQ(lwg_metadata_wire_value(&md, 0, out, sizeof out), 3);
    CHECK_MEM(out, "abc", 3);
    /* -bin: unpadded base64 */
    CHECK_EQ(lwg_metadata_wire_len(&md, 1), 6);
    CHECK_EQ(lwg_metadata_wire_value(&md, 1, out, sizeof out), 6);
    CHECK_MEM(out, "+/8AEA", 6);
    CHECK_EQ(lwg_metadata_wire_len(&md, 2), 0);
    CHECK_EQ(lwg_metadata_wire_value(&md, 2, out, sizeof out), 0);
    CHECK_EQ(lwg_metadata_wire_value(&md, 3, NULL, 0), 0);
    /* bounds */
    memset(out, 'x', sizeof out);
    CHECK_EQ(lwg_metadata_wire_value(&md, 0, out, 2), LWG_ENOMEM);
    CHECK_EQ(lwg_metadata_wire_value(&md, 1, out, 5), LWG_ENOMEM);
    CHECK(out[0] == 'x');
    CHECK_EQ(lwg_metadata_wire_value(&md, 0, out, 3), 3);
    CHECK_EQ(lwg_metadata_wire_value(&md, 4, out, sizeof out), LWG_EINVAL);
    CHECK_EQ(lwg_metadata_wire_len(&md, 4), 0);

    /* header-list size: (4+3+32) + (5+6+32) + (5+0+32) + (1+0+32) */
    CHECK_EQ(lwg_metadata_header_list_size(&md), 39 + 43 + 37 + 33);

    /* wire -> store -> wire round trip for -bin */
    {
        lwg_metadata_view v;
        int n = lwg_metadata_wire_value(&md, 1, out, sizeof out);
        lwg_metadata_init(&md);
        CHECK_EQ(lwg_metadata_add_wire(&md, S("x-bin"), (const uint8_t *)out, (size_t)n), LWG_OK);
        CHECK_EQ(lwg_metadata_at(&md, 0, &v), LWG_OK);
        CHECK_EQ(v.value_len, sizeof bin);
        CHECK_MEM(v.value, bin, sizeof bin);
    }
}

int main(void)
{
    RUN(test_init_empty);
    RUN(test_add_get_iterate);
    RUN(test_views_survive_later_adds);
    RUN(test_name_validation);
    RUN(test_value_validation);
    RUN(test_reserved);
    RUN(test_is_bin);
    RUN(test_entries_exhausted);
    RUN(test_arena_exhausted);
    RUN(test_add_wire_known);
    RUN(test_add_wire_bin);
    RUN(test_add_wire_bin_comma_split);
    RUN(test_wire_value);
    return lwg_test_summary();
}
