/* test_msgframe.c - gRPC length-prefixed message framing
 * (core/lwg_msgframe.h).  Every stream is fed whole, one byte at a time,
 * split at every position, and in random chunk sizes; each chunk lives in
 * its own heap block freed after use, so ASan catches a view that reads
 * past a chunk or outlives it. */
#include <stdlib.h>

#include "lwg_test.h"
#include "core/lwg_msgframe.h"
#include "port/lwg_err.h"

#define MAX_MSGS 64
#define MAX_DATA 200000

typedef struct msg_spec {
    uint8_t flag;
    uint32_t len;
} msg_spec;

/* What one run produced. */
typedef struct run_result {
    int rc;              /* LWG_EAGAIN at a clean end, else the error */
    size_t count;        /* messages delivered */
    uint8_t flags[MAX_MSGS];
    uint32_t lens[MAX_MSGS];
    size_t data_len;
    uint8_t data[MAX_DATA]; /* all payloads, concatenated */
    size_t consumed;     /* input bytes the reader took */
    int partial;         /* lwg_msg_reader_partial() at the end */
    size_t zero_copies;
} run_result;

static run_result result_a, result_b; /* large: keep them off the stack */

/* Payload byte j of message i: recognisable, differs per message. */
static uint8_t payload_byte(size_t i, size_t j)
{
    return (uint8_t)(i * 31u + j * 7u + 1u);
}

/* Build a stream of messages; returns its length. */
static size_t build_stream(uint8_t *out, size_t out_size,
                           const msg_spec *specs, size_t n)
{
    size_t off = 0;

    for (size_t i = 0; i < n; i++) {
        CHECK(off + LWG_MSG_PREFIX_LEN + specs[i].len <= out_size);
        lwg_msg_prefix_encode(out + off, 0, specs[i].len);
        out[off] = specs[i].flag; /* raw flag, to test invalid values too */
        off += LWG_MSG_PREFIX_LEN;
        for (uint32_t j = 0; j < specs[i].len; j++)
            out[off++] = payload_byte(i, j);
    }
    return off;
}

/* How a stream is cut into chunks. */
typedef struct chunker {
    int mode;            /* 0 whole, 1 bytes, 2 random, 3 split points */
    uint32_t seed;       /* mode 2 */
    size_t max_chunk;    /* mode 2 */
    size_t cuts[2];      /* mode 3: cut positions (ascending) */
    size_t ncuts;
} chunker;

static size_t next_chunk(chunker *ch, size_t off, size_t remaining)
{
    size_t c = remaining;

    switch (ch->mode) {
    case 1:
        c = 1;
        break;
    case 2:
        c = 1 + lwg_test_xorshift32(&ch->seed) % ch->max_chunk;
        break;
    case 3:
        for (size_t i = 0; i < ch->ncuts; i++)
            if (ch->cuts[i] > off) {
                c = ch->cuts[i] - off;
                break;
            }
        break;
    default:
        break;
    }
    return c < remaining ? c : remaining;
}

/* Feed `stream` through a fresh reader cut by `ch`; fill *res. */
static void run_stream(const uint8_t *stream, size_t len, size_t buf_size,
                       uint32_t max_message, chunker *ch, run_result *res)
{
    lwg_msg_reader r;
    uint8_t *buf = buf_size ? malloc(buf_size) : NULL;
    size_t off = 0;

    memset(res, 0, offsetof(run_result, data));
    res->data_len = 0;
    res->consumed = 0;
    res->partial = 0;
    res->zero_copies = 0;
    res->rc = LWG_EAGAIN;
    lwg_msg_reader_init(&r, buf, buf_size, max_message);
    CHECK(!lwg_msg_reader_partial(&r));

    while (off < len) {
        size_t c = next_chunk(ch, off, len - off), pos = 0;
        uint8_t *chunk = malloc(c);
        int stop = 0;

        memcpy(chunk, stream + off, c);
        for (;;) {
            size_t used = 12345, used2 = 12345;
            int rc = lwg_msg_reader_feed(&r, chunk + pos, c - pos, &used);
            CHECK(used <= c - pos);
            pos += used;
            res->consumed += used;
            if (rc == LWG_OK) {
                CHECK(r.msg != NULL);
                CHECK(!lwg_msg_reader_partial(&r));
                if (r.zero_copy) {
                    res->zero_copies++;
                    CHECK(r.msg_len > 0);
                    CHECK(r.msg >= chunk && r.msg + r.msg_len <= chunk + pos);
                } else if (r.msg_len > 0) {
                    CHECK(r.msg == buf);
                }
                CHECK(r.compressed <= 1);
                if (res->count < MAX_MSGS) {
                    res->flags[res->count] = r.compressed;
                    res->lens[res->count] = r.msg_len;
                }
                res->count++;
                CHECK(res->data_len + r.msg_len <= MAX_DATA);
                if (r.msg_len > 0) {
                    memcpy(res->data + res->data_len, r.msg, r.msg_len);
                    res->data_len += r.msg_len;
                }
                /* Feeding again before next() is refused, takes nothing. */
                CHECK_EQ(lwg_msg_reader_feed(&r, chunk + pos, c - pos, &used2),
                         LWG_EINVAL);
                CHECK_EQ(used2, 0);
                lwg_msg_reader_next(&r);
                continue;
            }
            if (rc == LWG_EAGAIN) {
                CHECK_EQ(pos, c); /* need more: everything was taken */
                break;
            }
            res->rc = rc;
            CHECK(lwg_msg_reader_partial(&r));
            /* Sticky: the same error again, nothing consumed. */
            CHECK_EQ(lwg_msg_reader_feed(&r, chunk + pos, c - pos, &used2), rc);
            CHECK_EQ(used2, 0);
            lwg_msg_reader_next(&r); /* no effect after an error */
            CHECK_EQ(lwg_msg_reader_feed(&r, chunk, c, &used2), rc);
            stop = 1;
            break;
        }
        free(chunk);
        off += c;
        if (stop)
            break;
    }
    res->partial = lwg_msg_reader_partial(&r);
    free(buf);
}

/* Compare a run with the messages the stream carried (the first
 * `ok_count` of specs are expected to arrive). */
static void check_result(const run_result *res, const msg_spec *specs,
                         size_t ok_count, int want_rc)
{
    size_t doff = 0;

    CHECK_EQ(res->rc, want_rc);
    CHECK_EQ(res->count, ok_count);
    for (size_t i = 0; i < ok_count && i < res->count && i < MAX_MSGS; i++) {
        CHECK_EQ(res->flags[i], specs[i].flag);
        CHECK_EQ(res->lens[i], specs[i].len);
        for (uint32_t j = 0; j < specs[i].len && doff + j < res->data_len; j++)
            if (res->data[doff + j] != payload_byte(i, j)) {
                CHECK(res->data[doff + j] == payload_byte(i, j));
                break;
            }
        doff += specs[i].len;
    }
    CHECK_EQ(res->data_len, doff);
}

/* Run a stream under every chunking and compare each with the whole run
 * and with the expectation. */
static void check_all_chunkings(const msg_spec *specs, size_t n,
                                size_t buf_size, uint32_t max_message,
                                size_t ok_count, int want_rc,
                                size_t want_consumed)
{
    static uint8_t stream[MAX_DATA];
    size_t len = build_stream(stream, sizeof stream, specs, n);
    chunker ch;

    /* whole */
    memset(&ch, 0, sizeof ch);
    run_stream(stream, len, buf_size, max_message, &ch, &result_a);
    check_result(&result_a, specs, ok_count, want_rc);
    CHECK_EQ(result_a.consumed, want_consumed);
    CHECK_EQ(result_a.partial, want_rc != LWG_EAGAIN);

    /* one byte at a time */
    memset(&ch, 0, sizeof ch);
    ch.mode = 1;
    run_stream(stream, len, buf_size, max_message, &ch, &result_b);
    check_result(&result_b, specs, ok_count, want_rc);
    CHECK_EQ(result_b.consumed, want_consumed);
    CHECK_EQ(result_b.partial, result_a.partial);

    /* random chunk sizes */
    for (uint32_t seed = 1; seed <= (len > 10000 ? 8u : 120u); seed++) {
        static const size_t max_chunks[] = { 2, 3, 6, 7, 16, 64, 300 };
        memset(&ch, 0, sizeof ch);
        ch.mode = 2;
        ch.seed = seed * 2654435761u;
        ch.max_chunk = max_chunks[seed % (sizeof max_chunks / sizeof max_chunks[0])];
        run_stream(stream, len, buf_size, max_message, &ch, &result_b);
        check_result(&result_b, specs, ok_count, want_rc);
        CHECK_EQ(result_b.consumed, want_consumed);
        CHECK_EQ(result_b.partial, result_a.partial);
    }

    /* every single split point (short streams only: each run is O(len)) */
    if (len <= 2000) {
        for (size_t cut = 1; cut < len; cut++) {
            memset(&ch, 0, sizeof ch);
            ch.mode = 3;
            ch.cuts[0] = cut;
            ch.ncuts = 1;
            run_stream(stream, len, buf_size, max_message, &ch, &result_b);
            check_result(&result_b, specs, ok_count, want_rc);
            CHECK_EQ(result_b.consumed, want_consumed);
        }
    }
}

static size_t stream_len(const msg_spec *specs, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += LWG_MSG_PREFIX_LEN + specs[i].len;
    return len;
}

static void test_prefix_encode(void)
{
    uint8_t p[LWG_MSG_PREFIX_LEN];

    lwg_msg_prefix_encode(p, 0, 0);
    CHECK_MEM(p, "\x00\x00\x00\x00\x00", 5);
    lwg_msg_prefix_encode(p, 1, 0x01020304u);
    CHECK_MEM(p, "\x01\x01\x02\x03\x04", 5);
    lwg_msg_prefix_encode(p, 7, 0xffffffffu); /* any nonzero: flag 1 */
    CHECK_MEM(p, "\x01\xff\xff\xff\xff", 5);
    lwg_msg_prefix_encode(p, 0, 256);
    CHECK_MEM(p, "\x00\x00\x00\x01\x00", 5);
}

static void test_many_messages(void)
{
    /* Several messages in one chunk, zero-length ones among them, the
     * exact maximum, and both flag values. */
    static const msg_spec specs[] = {
        { 0, 0 }, { 1, 1 }, { 0, 5 }, { 0, 63 }, { 1, 64 }, { 0, 0 },
        { 0, 0 }, { 1, 3 }, { 0, 64 }, { 0, 2 }, { 1, 0 }, { 0, 17 },
    };
    size_t n = sizeof specs / sizeof specs[0];

    check_all_chunkings(specs, n, 64, 64, n, LWG_EAGAIN, stream_len(specs, n));
    /* Fed whole, every non-empty message is lent, nothing copied. */
    {
        uint8_t stream[1024];
        size_t len = build_stream(stream, sizeof stream, specs, n);
        chunker ch;
        memset(&ch, 0, sizeof ch);
        run_stream(stream, len, 64, 64, &ch, &result_a);
        CHECK_EQ(result_a.zero_copies, 8);
        /* byte by byte, only the 1-byte message can be lent */
        ch.mode = 1;
        run_stream(stream, len, 64, 64, &ch, &result_a);
        CHECK_EQ(result_a.zero_copies, 1);
    }
}

static void test_single_message_kinds(void)
{
    static const msg_spec empty[] = { { 0, 0 } };
    static const msg_spec one[] = { { 1, 1 } };
    static const msg_spec big[] = { { 0, 70000 }, { 1, 65536 }, { 0, 1 } };

    check_all_chunkings(empty, 1, 16, 16, 1, LWG_EAGAIN, 5);
    check_all_chunkings(one, 1, 16, 16, 1, LWG_EAGAIN, 6);
    /* lengths beyond 16 bits */
    check_all_chunkings(big, 3, 70000, 70000, 3, LWG_EAGAIN,
                        stream_len(big, 3));
}

static void test_max_size_exact_and_one_over(void)
{
    static const msg_spec exact[] = { { 0, 10 }, { 0, 64 }, { 0, 1 } };
    static const msg_spec over[] = { { 0, 10 }, { 0, 65 }, { 0, 1 } };

    check_all_chunkings(exact, 3, 64, 64, 3, LWG_EAGAIN, stream_len(exact, 3));
    /* The over-long message stops the reader right after its prefix. */
    check_all_chunkings(over, 3, 64, 64, 1, LWG_ETOOBIG, 15 + 5);
}

static void test_limit_is_smaller_of_max_and_buffer(void)
{
    static const msg_spec m50[] = { { 0, 50 } };
    static const msg_spec m51[] = { { 0, 51 } };
    static const msg_spec m30[] = { { 1, 30 } };
    static const msg_spec m31[] = { { 1, 31 } };

    /* max_message below the buffer */
    check_all_chunkings(m50, 1, 100, 50, 1, LWG_EAGAIN, 55);
    check_all_chunkings(m51, 1, 100, 50, 0, LWG_ETOOBIG, 5);
    /* buffer below max_message: refused even when it could be lent */
    check_all_chunkings(m30, 1, 30, 1000, 1, LWG_EAGAIN, 35);
    check_all_chunkings(m31, 1, 30, 1000, 0, LWG_ETOOBIG, 5);
}

static void test_huge_announced_length(void)
{
    const uint8_t huge[] = { 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3 };
    const uint8_t big[] = { 1, 0x80, 0, 0, 0 };
    lwg_msg_reader r;
    uint8_t buf[16];
    size_t used;

    lwg_msg_reader_init(&r, buf, sizeof buf, 0xffffffffu);
    CHECK_EQ(lwg_msg_reader_feed(&r, huge, sizeof huge, &used), LWG_ETOOBIG);
    CHECK_EQ(used, 5);
    CHECK(lwg_msg_reader_partial(&r));
    lwg_msg_reader_init(&r, buf, sizeof buf, 16);
    CHECK_EQ(lwg_msg_reader_feed(&r, big, sizeof big, &used), LWG_ETOOBIG);
    CHECK_EQ(used, 5);
}

static void test_bad_compressed_flag(void)
{
    static const msg_spec flag2[] = { { 0, 4 }, { 2, 4 } };
    static const msg_spec flagff[] = { { 0xff, 0 } };

    check_all_chunkings(flag2, 2, 16, 16, 1, LWG_EPROTO, 9 + 5);
    check_all_chunkings(flagff, 1, 16, 16, 0, LWG_EPROTO, 5);
}

static void test_no_buffer(void)
{
    static const msg_spec empties[] = { { 0, 0 }, { 1, 0 }, { 0, 0 } };
    static const msg_spec one[] = { { 0, 0 }, { 0, 1 } };

    /* Without a buffer only empty messages pass. */
    check_all_chunkings(empties, 3, 0, 1000, 3, LWG_EAGAIN, 15);
    check_all_chunkings(one, 2, 0, 1000, 1, LWG_ETOOBIG, 10);
}

static void test_truncated_stream_is_partial(void)
{
    static const msg_spec specs[] = { { 0, 3 }, { 0, 0 }, { 1, 7 } };
    uint8_t stream[64];
    size_t len = build_stream(stream, sizeof stream, specs, 3);
    /* message boundaries: 0, 8, 13, 25 */

    for (size_t cut = 0; cut <= len; cut++) {
        lwg_msg_reader r;
        uint8_t buf[16];
        size_t off = 0, used;
        int boundary = cut == 0 || cut == 8 || cut == 13 || cut == 25;

        lwg_msg_reader_init(&r, buf, sizeof buf, 16);
        for (;;) {
            int rc = lwg_msg_reader_feed(&r, stream + off, cut - off, &used);
            off += used;
            if (rc != LWG_OK)
                break;
            lwg_msg_reader_next(&r);
        }
        CHECK_EQ(off, cut);
        CHECK_EQ(lwg_msg_reader_partial(&r), !boundary);
    }
}

static void test_partial_states(void)
{
    lwg_msg_reader r;
    uint8_t buf[8];
    const uint8_t s[] = { 0, 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0, 0 };
    size_t used;

    lwg_msg_reader_init(&r, buf, sizeof buf, 8);
    CHECK(!lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, NULL, 0, &used), LWG_EAGAIN);
    CHECK_EQ(used, 0);
    CHECK(!lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, s, 3, &used), LWG_EAGAIN);  /* prefix */
    CHECK_EQ(used, 3);
    CHECK(lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, s + 3, 2, &used), LWG_EAGAIN); /* prefix done */
    CHECK(lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, s + 5, 1, &used), LWG_EAGAIN); /* 'h' */
    CHECK(lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, s + 6, 6, &used), LWG_OK);     /* 'i' */
    CHECK_EQ(used, 1);
    CHECK(!r.zero_copy);     /* half of it came earlier: copied */
    CHECK(r.msg == buf);
    CHECK_EQ(r.msg_len, 2);
    CHECK_MEM(r.msg, "hi", 2);
    CHECK(!lwg_msg_reader_partial(&r)); /* complete, pending */
    lwg_msg_reader_next(&r);
    CHECK(!lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, s + 7, 5, &used), LWG_OK);     /* empty */
    CHECK_EQ(used, 5);
    CHECK_EQ(r.msg_len, 0);
    CHECK(r.msg != NULL);
    CHECK(!r.zero_copy);
    lwg_msg_reader_next(&r);
    lwg_msg_reader_next(&r); /* nothing pending: no effect */
    CHECK(!lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, NULL, 0, &used), LWG_EAGAIN);
}

static void test_zero_copy_and_keep(void)
{
    lwg_msg_reader r;
    uint8_t buf[8];
    uint8_t *chunk = malloc(16);
    size_t used;

    memcpy(chunk, "\x00\x00\x00\x00\x04" "abcd" "\x00\x00\x00\x00\x01" "z", 15);
    lwg_msg_reader_init(&r, buf, sizeof buf, 8);
    CHECK_EQ(lwg_msg_reader_feed(&r, chunk, 15, &used), LWG_OK);
    CHECK_EQ(used, 9);
    CHECK(r.zero_copy);
    CHECK(r.msg == chunk + 5);
    CHECK_EQ(r.msg_len, 4);
    CHECK_EQ(r.compressed, 0);
    lwg_msg_reader_keep(&r);
    CHECK(!r.zero_copy);
    CHECK(r.msg == buf);
    memset(chunk, '#', 9); /* the caller reuses its input */
    CHECK_MEM(r.msg, "abcd", 4);
    lwg_msg_reader_keep(&r); /* already kept: no effect */
    CHECK(r.msg == buf);
    lwg_msg_reader_next(&r);
    lwg_msg_reader_keep(&r); /* nothing pending: no effect */
    CHECK_EQ(lwg_msg_reader_feed(&r, chunk + 9, 6, &used), LWG_OK);
    CHECK(r.zero_copy);
    CHECK_MEM(r.msg, "z", 1);
    free(chunk);
}

static void test_init_resets(void)
{
    lwg_msg_reader r;
    uint8_t buf[4];
    const uint8_t bad[] = { 0, 0, 0, 0, 9 };
    const uint8_t good[] = { 1, 0, 0, 0, 2, 'o', 'k' };
    size_t used;

    lwg_msg_reader_init(&r, buf, sizeof buf, 4);
    CHECK_EQ(lwg_msg_reader_feed(&r, bad, sizeof bad, &used), LWG_ETOOBIG);
    CHECK_EQ(lwg_msg_reader_feed(&r, good, sizeof good, &used), LWG_ETOOBIG);
    CHECK_EQ(used, 0);
    lwg_msg_reader_init(&r, buf, sizeof buf, 4);
    CHECK(!lwg_msg_reader_partial(&r));
    CHECK_EQ(lwg_msg_reader_feed(&r, good, sizeof good, &used), LWG_OK);
    CHECK_EQ(used, 7);
    CHECK_EQ(r.compressed, 1);
    CHECK_MEM(r.msg, "ok", 2);
}

int main(void)
{
    RUN(test_prefix_encode);
    RUN(test_many_messages);
    RUN(test_single_message_kinds);
    RUN(test_max_size_exact_and_one_over);
    RUN(test_limit_is_smaller_of_max_and_buffer);
    RUN(test_huge_announced_length);
    RUN(test_bad_compressed_flag);
    RUN(test_no_buffer);
    RUN(test_truncated_stream_is_partial);
    RUN(test_partial_states);
    RUN(test_zero_copy_and_keep);
    RUN(test_init_resets);
    return lwg_test_summary();
}
