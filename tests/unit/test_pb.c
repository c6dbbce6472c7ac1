/*
 * test_pb.c - nanopb message glue (core/lwg_pb.h) and lwg_call_decode_pb,
 * on the messages of tests/gen/pbclear.proto (proto2: has_ fields,
 * required fields, default values, extensions, a submessage callback)
 * and tests/gen/pbclear3.proto (proto3).
 *
 * lwg_pb_clear() must give what T_init_default gives, field by field,
 * from a struct full of garbage, without writing bytes payloads.
 * lwg_pb_reset() must reset as pb_decode() does.  A decode after either
 * must leave nothing of the previous message: the result encodes to
 * exactly the bytes it was decoded from.
 */
#include "lwg_test.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include "core/lwg_call.h"
#include "core/lwg_pb.h"
#include "pbclear.pb.h"
#include "pbclear3.pb.h"
#include "port/lwg_err.h"

#define GARBAGE 0xA5

static void garbage(void *p, size_t n)
{
    memset(p, GARBAGE, n);
}

/* ==== comparing messages field by field ================================ */
/* A diff_* returns NULL when a and b read the same, else the first
 * comparison that failed.  WHOLE also compares the elements past a
 * repeated field's count and the oneof members not set, which
 * T_init_default writes (code indexes them); SEEN compares only what a
 * decoded message says. */
enum { SEEN = 0, WHOLE = 1 };

#define SAME(cond) \
    do { if (!(cond)) return #cond; } while (0)
#define SAME_IN(diff) \
    do { const char *d_ = (diff); if (d_ != NULL) return d_; } while (0)
/* pb_bytes_array_t: the size, then only the bytes it covers */
#define SAME_BYTES(x, y) \
    SAME((x).size == (y).size && (x).size <= sizeof (x).bytes && \
         memcmp((x).bytes, (y).bytes, (x).size) == 0)
/* a char array: all of it (strings are zero-filled) */
#define SAME_STR(x, y) SAME(memcmp((x), (y), sizeof(x)) == 0)
#define SAME_CB(x, y) SAME((x).funcs.decode == (y).funcs.decode && (x).arg == (y).arg)
/* how many elements of a repeated field to compare */
#define UPTO(whole, count, array) \
    ((whole) ? (pb_size_t)(sizeof(array) / sizeof((array)[0])) : (count))

/* CHECK_SAME(diff_X(&a, &b, ...)): a failed comparison is reported. */
#define CHECK_SAME(diff) \
    do { \
        const char *d_ = (diff); \
        if (d_ != NULL) \
            lwg_test_fail(__FILE__, __LINE__, d_); \
    } while (0)

static const char *diff_leaf(const pbt_Leaf *a, const pbt_Leaf *b)
{
    SAME(a->has_n == b->has_n);
    SAME(a->n == b->n);
    SAME(a->has_tag == b->has_tag);
    SAME_STR(a->tag, b->tag);
    SAME(a->has_blob == b->has_blob);
    SAME_BYTES(a->blob, b->blob);
    return NULL;
}

static const char *diff_defaults(const pbt_WithDefaults *a, const pbt_WithDefaults *b, int whole)
{
    SAME(a->has_i == b->has_i);
    SAME(a->i == b->i);
    SAME(a->has_s == b->has_s);
    SAME_STR(a->s, b->s);
    SAME(a->has_b == b->has_b);
    SAME_BYTES(a->b, b->b);
    SAME(a->r == b->r);
    SAME(a->has_c == b->has_c);
    SAME(a->c == b->c);
    SAME(a->has_f == b->has_f);
    SAME(a->f == b->f);
    SAME(a->has_d == b->has_d);
    SAME(a->d == b->d);
    SAME(a->has_leaf == b->has_leaf);
    SAME_IN(diff_leaf(&a->leaf, &b->leaf));
    SAME(a->nums_count == b->nums_count);
    for (pb_size_t i = 0; i < UPTO(whole, a->nums_count, a->nums); i++)
        SAME(a->nums[i] == b->nums[i]);
    return NULL;
}

static const char *diff_pick(const pbt_Pick *a, const pbt_Pick *b, int whole)
{
    SAME_CB(a->cb_kind, b->cb_kind);
    SAME(a->which_kind == b->which_kind);
    if (whole || a->which_kind == pbt_Pick_leaf_tag)
        SAME_IN(diff_leaf(&a->kind.leaf, &b->kind.leaf));
    if (whole || a->which_kind == pbt_Pick_n_tag)
        SAME(a->kind.n == b->kind.n);
    return NULL;
}

static const char *diff_nested(const pbt_Nested *a, const pbt_Nested *b)
{
    SAME(a->has_in == b->has_in);
    SAME(a->in.has_leaf == b->in.has_leaf);
    SAME_IN(diff_leaf(&a->in.leaf, &b->in.leaf));
    SAME(a->in.has_big == b->in.has_big);
    SAME_BYTES(a->in.big, b->in.big);
    return NULL;
}

static const char *diff_all(const pbt_All *a, const pbt_All *b, int whole)
{
    pb_size_t i;

    SAME(a->req == b->req);
    SAME(a->has_opt == b->has_opt);
    SAME(a->opt == b->opt);
    SAME(a->has_name == b->has_name);
    SAME_STR(a->name, b->name);
    SAME(a->has_data == b->has_data);
    SAME_BYTES(a->data, b->data);
    SAME(a->vals_count == b->vals_count);
    for (i = 0; i < UPTO(whole, a->vals_count, a->vals); i++)
        SAME(a->vals[i] == b->vals[i]);
    SAME(a->names_count == b->names_count);
    for (i = 0; i < UPTO(whole, a->names_count, a->names); i++)
        SAME_STR(a->names[i], b->names[i]);
    SAME(a->blobs_count == b->blobs_count);
    for (i = 0; i < UPTO(whole, a->blobs_count, a->blobs); i++)
        SAME_BYTES(a->blobs[i], b->blobs[i]);
    SAME(a->leaves_count == b->leaves_count);
    for (i = 0; i < UPTO(whole, a->leaves_count, a->leaves); i++)
        SAME_IN(diff_leaf(&a->leaves[i], &b->leaves[i]));
    SAME(a->has_leaf == b->has_leaf);
    SAME_IN(diff_leaf(&a->leaf, &b->leaf));
    SAME(a->which_choice == b->which_choice);
    if (whole || a->which_choice == pbt_All_num_tag)
        SAME(a->choice.num == b->choice.num);
    if (whole || a->which_choice == pbt_All_text_tag)
        SAME_STR(a->choice.text, b->choice.text);
    if (whole || a->which_choice == pbt_All_sub_tag)
        SAME_IN(diff_leaf(&a->choice.sub, &b->choice.sub));
    if (whole || a->which_choice == pbt_All_raw_tag)
        SAME_BYTES(a->choice.raw, b->choice.raw);
    SAME_CB(a->cb, b->cb);
    SAME_CB(a->cbs, b->cbs);
    SAME(a->has_fixed == b->has_fixed);
    SAME(memcmp(a->fixed, b->fixed, sizeof a->fixed) == 0);
    SAME(memcmp(a->fixed_count, b->fixed_count, sizeof a->fixed_count) == 0);
    SAME(a->has_wd == b->has_wd);
    SAME_IN(diff_defaults(&a->wd, &b->wd, whole));
    SAME(a->wds_count == b->wds_count);
    for (i = 0; i < UPTO(whole, a->wds_count, a->wds); i++)
        SAME_IN(diff_defaults(&a->wds[i], &b->wds[i], whole));
    SAME(a->has_nest == b->has_nest);
    SAME_IN(diff_nested(&a->nest, &b->nest));
    SAME(a->has_color == b->has_color);
    SAME(a->color == b->color);
    SAME(a->has_ratio == b->has_ratio);
    SAME(a->ratio == b->ratio);
    SAME(a->has_pick == b->has_pick);
    SAME_IN(diff_pick(&a->pick, &b->pick, whole));
    return NULL;
}

static const char *diff_sub3(const pbt3_Sub *a, const pbt3_Sub *b)
{
    SAME(a->a == b->a);
    SAME_BYTES(a->b, b->b);
    return NULL;
}

static const char *diff_msg3(const pbt3_Msg *a, const pbt3_Msg *b, int whole)
{
    pb_size_t i;

    SAME_BYTES(a->data, b->data);
    SAME_STR(a->text, b->text);
    SAME(a->has_sub == b->has_sub);
    SAME_IN(diff_sub3(&a->sub, &b->sub));
    SAME(a->has_opt == b->has_opt);
    SAME(a->opt == b->opt);
    SAME(a->subs_count == b->subs_count);
    for (i = 0; i < UPTO(whole, a->subs_count, a->subs); i++)
        SAME_IN(diff_sub3(&a->subs[i], &b->subs[i]));
    SAME(a->nums_count == b->nums_count);
    for (i = 0; i < UPTO(whole, a->nums_count, a->nums); i++)
        SAME(a->nums[i] == b->nums[i]);
    SAME(a->which_o == b->which_o);
    if (whole || a->which_o == pbt3_Msg_one_tag)
        SAME_IN(diff_sub3(&a->o.one, &b->o.one));
    if (whole || a->which_o == pbt3_Msg_two_tag)
        SAME(a->o.two == b->o.two);
    SAME_CB(a->cb, b->cb);
    return NULL;
}

/* ==== messages to decode ================================================= */

static bool write_string_cb(pb_ostream_t *s, const pb_field_t *f, void *const *arg)
{
    const char *text = *arg;

    return pb_encode_tag_for_field(s, f) &&
           pb_encode_string(s, (const pb_byte_t *)text, strlen(text));
}

/* What a decode callback saw. */
typedef struct seen {
    int calls;
    size_t bytes;
} seen;

static bool count_cb(pb_istream_t *s, const pb_field_t *f, void **arg)
{
    seen *n = *arg;

    (void)f;
    n->calls++;
    n->bytes += s->bytes_left;
    return pb_read(s, NULL, s->bytes_left);
}

/* submsg_callback: called before the submessage is decoded; reads
 * nothing, so nanopb decodes it after */
static bool peek_cb(pb_istream_t *s, const pb_field_t *f, void **arg)
{
    seen *n = *arg;

    (void)s;
    (void)f;
    n->calls++;
    return true;
}

static void set_leaf(pbt_Leaf *l, int32_t n, const char *tag, uint8_t fill)
{
    l->has_n = true;
    l->n = n;
    l->has_tag = true;
    strncpy(l->tag, tag, sizeof l->tag - 1);
    l->has_blob = true;
    l->blob.size = 40;
    memset(l->blob.bytes, fill, l->blob.size);
}

static void set_defaults_msg(pbt_WithDefaults *w, int32_t i)
{
    *w = (pbt_WithDefaults)pbt_WithDefaults_init_default;
    w->has_i = true;
    w->i = i;
    w->has_s = true;
    strcpy(w->s, "other");
    w->has_b = true;
    w->b.size = 3;
    memcpy(w->b.bytes, "xyz", 3);
    w->r = 99;
    w->has_c = true;
    w->c = pbt_Color_GREEN;
    w->has_f = true;
    w->f = false;
    w->has_d = true;
    w->d = -2.25;
    w->has_leaf = true;
    set_leaf(&w->leaf, i + 1, "wl", 0x33);
    w->nums_count = 3;
    w->nums[0] = -1;
    w->nums[1] = 2;
    w->nums[2] = -3;
}

/* Every field set (callbacks encode a string). */
static void fill_big(pbt_All *m)
{
    static const char cb_text[] = "callback bytes";

    *m = (pbt_All)pbt_All_init_default;
    m->req = -7;
    m->has_opt = true;
    m->opt = 0x123456789abcULL;
    m->has_name = true;
    strcpy(m->name, "big message");
    m->has_data = true;
    m->data.size = 4000;
    for (size_t i = 0; i < m->data.size; i++)
        m->data.bytes[i] = (uint8_t)(i * 7 + 1);
    m->vals_count = 4;
    for (pb_size_t i = 0; i < 4; i++)
        m->vals[i] = 1000u + i;
    m->names_count = 2;
    strcpy(m->names[0], "one");
    strcpy(m->names[1], "two2");
    m->blobs_count = 2;
    m->blobs[0].size = 16;
    memset(m->blobs[0].bytes, 0x11, 16);
    m->blobs[1].size = 5;
    memset(m->blobs[1].bytes, 0x22, 5);
    m->leaves_count = 3;
    set_leaf(&m->leaves[0], 1, "l0", 0x44);
    set_leaf(&m->leaves[1], 2, "l1", 0x55);
    set_leaf(&m->leaves[2], 3, "l2", 0x66);
    m->has_leaf = true;
    set_leaf(&m->leaf, 4, "leaf", 0x77);
    m->which_choice = pbt_All_sub_tag;
    set_leaf(&m->choice.sub, 5, "sub", 0x88);
    m->cb.funcs.encode = write_string_cb;
    m->cb.arg = (void *)cb_text;
    m->cbs.funcs.encode = write_string_cb;
    m->cbs.arg = (void *)cb_text;
    m->has_fixed = true;
    memcpy(m->fixed, "\x01\x02\x03\x04", 4);
    m->fixed_count[0] = 10;
    m->fixed_count[1] = 20;
    m->fixed_count[2] = 30;
    m->has_wd = true;
    set_defaults_msg(&m->wd, 50);
    m->wds_count = 2;
    set_defaults_msg(&m->wds[0], 60);
    set_defaults_msg(&m->wds[1], 70);
    m->has_nest = true;
    m->nest.has_in = true;
    m->nest.in.has_leaf = true;
    set_leaf(&m->nest.in.leaf, 6, "deep", 0x99);
    m->nest.in.has_big = true;
    m->nest.in.big.size = 1000;
    memset(m->nest.in.big.bytes, 0xbb, 1000);
    m->has_color = true;
    m->color = pbt_Color_BLUE;
    m->has_ratio = true;
    m->ratio = 0.5f;
    m->has_pick = true;
    m->pick.which_kind = pbt_Pick_leaf_tag;
    set_leaf(&m->pick.kind.leaf, 8, "pick", 0xcc);
}

/* Few fields, another oneof member. */
static void fill_small(pbt_All *m)
{
    *m = (pbt_All)pbt_All_init_default;
    m->req = 3;
    m->vals_count = 1;
    m->vals[0] = 5;
    m->which_choice = pbt_All_num_tag;
    m->choice.num = 12;
}

static void fill_big3(pbt3_Msg *m)
{
    *m = (pbt3_Msg)pbt3_Msg_init_zero;
    m->data.size = 4096;
    memset(m->data.bytes, 0x5a, m->data.size);
    strcpy(m->text, "proto3 text");
    m->has_sub = true;
    m->sub.a = 9;
    m->sub.b.size = 32;
    memset(m->sub.b.bytes, 0x12, 32);
    m->has_opt = true;
    m->opt = 0;
    m->subs_count = 2;
    m->subs[0].a = 1;
    m->subs[1].a = 2;
    m->subs[1].b.size = 1;
    m->subs[1].b.bytes[0] = 0xee;
    m->nums_count = 4;
    m->nums[0] = -1;
    m->nums[3] = INT64_MAX;
    m->which_o = pbt3_Msg_one_tag;
    m->o.one.a = 77;
}

static void fill_small3(pbt3_Msg *m)
{
    *m = (pbt3_Msg)pbt3_Msg_init_zero;
    m->data.size = 2;
    memcpy(m->data.bytes, "hi", 2);
    m->which_o = pbt3_Msg_two_tag;
    m->o.two = 4;
}

typedef struct wire {
    uint8_t buf[8192];
    size_t len;
} wire;

static int encode(wire *w, const pb_msgdesc_t *fields, const void *src)
{
    pb_ostream_t os = pb_ostream_from_buffer(w->buf, sizeof w->buf);
    bool ok = pb_encode(&os, fields, src);

    w->len = os.bytes_written;
    return ok;
}

/* `m` encodes to exactly the bytes of `want`. */
static int encodes_to(const pb_msgdesc_t *fields, const void *m, const wire *want)
{
    static wire got;

    return encode(&got, fields, m) && got.len == want->len &&
           memcmp(got.buf, want->buf, got.len) == 0;
}

/* Callback fields are not garbage where a decode would call them. */
static void garbage_all(pbt_All *m)
{
    garbage(m, sizeof *m);
    memset(&m->cb, 0, sizeof m->cb);
    memset(&m->cbs, 0, sizeof m->cbs);
    memset(&m->pick.cb_kind, 0, sizeof m->pick.cb_kind);
}

static void garbage_msg3(pbt3_Msg *m)
{
    garbage(m, sizeof *m);
    memset(&m->cb, 0, sizeof m->cb);
}

/* ==== lwg_pb_clear: T_init_default, field by field ======================= */

static pbt_All all_a, all_b, all_want;
static pbt3_Msg msg3_a, msg3_want;

static void test_clear_all_kinds(void)
{
    all_want = (pbt_All)pbt_All_init_default;
    garbage(&all_a, sizeof all_a);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_SAME(diff_all(&all_a, &all_want, WHOLE));
    /* the same again from a struct that was a real message */
    fill_big(&all_a);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_SAME(diff_all(&all_a, &all_want, WHOLE));
}

static void test_clear_without_defaults_is_init_zero(void)
{
    pbt_Leaf leaf, leaf_zero = pbt_Leaf_init_zero;
    pbt_Nested nest, nest_zero = pbt_Nested_init_zero;
    pbt_Pick pick, pick_zero = pbt_Pick_init_zero;
    pbt3_Sub sub, sub_zero = pbt3_Sub_init_zero;

    garbage(&leaf, sizeof leaf);
    lwg_pb_clear(pbt_Leaf_fields, &leaf);
    CHECK_SAME(diff_leaf(&leaf, &leaf_zero));
    garbage(&nest, sizeof nest);
    lwg_pb_clear(pbt_Nested_fields, &nest);
    CHECK_SAME(diff_nested(&nest, &nest_zero));
    garbage(&pick, sizeof pick);
    lwg_pb_clear(pbt_Pick_fields, &pick);
    CHECK_SAME(diff_pick(&pick, &pick_zero, WHOLE));
    garbage(&sub, sizeof sub);
    lwg_pb_clear(pbt3_Sub_fields, &sub);
    CHECK_SAME(diff_sub3(&sub, &sub_zero));
    msg3_want = (pbt3_Msg)pbt3_Msg_init_zero;
    garbage(&msg3_a, sizeof msg3_a);
    lwg_pb_clear(pbt3_Msg_fields, &msg3_a);
    CHECK_SAME(diff_msg3(&msg3_a, &msg3_want, WHOLE));
}

static void test_clear_defaults(void)
{
    pbt_WithDefaults w, want = pbt_WithDefaults_init_default;

    garbage(&w, sizeof w);
    lwg_pb_clear(pbt_WithDefaults_fields, &w);
    CHECK_SAME(diff_defaults(&w, &want, WHOLE));
    CHECK_EQ(w.i, 42);
    CHECK(strcmp(w.s, "hello") == 0);
    CHECK_EQ(w.b.size, 2);
    CHECK_EQ(w.r, 7);
    CHECK_EQ(w.c, pbt_Color_BLUE);
    CHECK(w.f);
    CHECK(w.d == 1.5);
    CHECK(!w.has_i && !w.has_s && !w.has_b && !w.has_c && !w.has_f && !w.has_d);
    /* inside a message without defaults of its own, and in an array */
    garbage(&all_a, sizeof all_a);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_SAME(diff_defaults(&all_a.wd, &want, WHOLE));
    CHECK_SAME(diff_defaults(&all_a.wds[0], &want, WHOLE));
    CHECK_SAME(diff_defaults(&all_a.wds[1], &want, WHOLE));
}

static void test_clear_callbacks_and_extensions(void)
{
    pbt_Ext ext;

    garbage(&all_a, sizeof all_a);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK(all_a.cb.funcs.decode == NULL && all_a.cb.arg == NULL);
    CHECK(all_a.cbs.funcs.decode == NULL && all_a.cbs.arg == NULL);
    CHECK(all_a.pick.cb_kind.funcs.decode == NULL && all_a.pick.cb_kind.arg == NULL);
    garbage(&ext, sizeof ext);
    lwg_pb_clear(pbt_Ext_fields, &ext);
    CHECK(!ext.has_a);
    CHECK_EQ(ext.a, 0);
    CHECK(ext.extensions == NULL);
}

/* The point of it all: a bytes payload is not written. */
static void test_clear_leaves_bytes_payloads(void)
{
    garbage(&all_a, sizeof all_a);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_EQ(all_a.data.size, 0);
    CHECK_EQ(all_a.data.bytes[0], GARBAGE);
    CHECK_EQ(all_a.data.bytes[sizeof all_a.data.bytes - 1], GARBAGE);
    CHECK_EQ(all_a.nest.in.big.size, 0);
    CHECK_EQ(all_a.nest.in.big.bytes[500], GARBAGE);
    CHECK_EQ(all_a.leaves[2].blob.bytes[0], GARBAGE);
    /* strings are zeroed whole */
    for (size_t i = 0; i < sizeof all_a.name; i++)
        CHECK_EQ(all_a.name[i], 0);
    garbage(&msg3_a, sizeof msg3_a);
    lwg_pb_clear(pbt3_Msg_fields, &msg3_a);
    CHECK_EQ(msg3_a.data.size, 0);
    CHECK_EQ(msg3_a.data.bytes[4095], GARBAGE);
}

/* ==== lwg_pb_reset: pb_decode()'s reset ================================== */

static void test_reset_like_pb_decode(void)
{
    static const uint8_t none[1];
    seen s = { 0, 0 };
    pb_istream_t is;

    /* the same garbage (callbacks set) in both */
    garbage_all(&all_a);
    all_a.cb.funcs.decode = count_cb;
    all_a.cb.arg = &s;
    all_a.pick.cb_kind.funcs.decode = peek_cb;
    all_a.pick.cb_kind.arg = &s;
    all_b = all_a;
    lwg_pb_reset(pbt_All_fields, &all_a);
    is = pb_istream_from_buffer(none, 0);
    (void)pb_decode(&is, pbt_All_fields, &all_b); /* false: `req` missing */
    CHECK_SAME(diff_all(&all_a, &all_b, SEEN));
    CHECK(all_a.cb.funcs.decode == count_cb && all_a.cb.arg == &s);
    CHECK(all_a.pick.cb_kind.funcs.decode == peek_cb);
    CHECK_EQ(all_a.wd.i, 42); /* defaults, in a submessage */
    CHECK_EQ(all_a.data.bytes[10], GARBAGE);
    CHECK_EQ(s.calls, 0);
}

/* ==== decoding: nothing of the previous message stays ==================== */

static wire wire_big, wire_small, wire_big3, wire_small3;

static void encode_samples(void)
{
    static pbt_All m;
    static pbt3_Msg m3;

    fill_big(&m);
    CHECK(encode(&wire_big, pbt_All_fields, &m));
    fill_small(&m);
    CHECK(encode(&wire_small, pbt_All_fields, &m));
    fill_big3(&m3);
    CHECK(encode(&wire_big3, pbt3_Msg_fields, &m3));
    fill_small3(&m3);
    CHECK(encode(&wire_small3, pbt3_Msg_fields, &m3));
    CHECK(wire_big.len > 5000 && wire_small.len < 20);
}

/* lwg_call_decode_pb: the client's _decode and the blocking recv */
static void test_decode_pb_no_stale_fields(void)
{
    static const uint8_t none[1];
    pb_istream_t is;

    encode_samples();
    garbage_all(&all_a);
    CHECK_EQ(lwg_call_decode_pb(wire_big.buf, wire_big.len, pbt_All_fields, &all_a), LWG_OK);
    CHECK_EQ(lwg_call_decode_pb(wire_small.buf, wire_small.len, pbt_All_fields, &all_a), LWG_OK);
    CHECK(encodes_to(pbt_All_fields, &all_a, &wire_small));
    /* field by field, what pb_decode gives */
    garbage_all(&all_b);
    is = pb_istream_from_buffer(wire_small.buf, wire_small.len);
    CHECK(pb_decode(&is, pbt_All_fields, &all_b));
    CHECK_SAME(diff_all(&all_a, &all_b, SEEN));
    /* and back: the big one after the small one */
    CHECK_EQ(lwg_call_decode_pb(wire_big.buf, wire_big.len, pbt_All_fields, &all_a), LWG_OK);
    is = pb_istream_from_buffer(wire_big.buf, wire_big.len);
    CHECK(pb_decode(&is, pbt_All_fields, &all_b));
    CHECK_SAME(diff_all(&all_a, &all_b, SEEN));
    /* proto3: singular fields without has_ */
    garbage_msg3(&msg3_a);
    CHECK_EQ(lwg_call_decode_pb(wire_big3.buf, wire_big3.len, pbt3_Msg_fields, &msg3_a), LWG_OK);
    CHECK(encodes_to(pbt3_Msg_fields, &msg3_a, &wire_big3));
    CHECK_EQ(lwg_call_decode_pb(wire_small3.buf, wire_small3.len, pbt3_Msg_fields, &msg3_a),
             LWG_OK);
    CHECK(encodes_to(pbt3_Msg_fields, &msg3_a, &wire_small3));
    /* an empty message after it */
    CHECK_EQ(lwg_call_decode_pb(none, 0, pbt3_Msg_fields, &msg3_a), LWG_OK);
    msg3_want = (pbt3_Msg)pbt3_Msg_init_zero;
    CHECK_SAME(diff_msg3(&msg3_a, &msg3_want, SEEN));
}

/* lwg_pb_clear, then lwg_pb_decode_noinit: the generated server
 * trampolines */
static void test_clear_then_noinit_no_stale_fields(void)
{
    encode_samples();
    garbage(&all_a, sizeof all_a);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_EQ(lwg_pb_decode_noinit(wire_big.buf, wire_big.len, pbt_All_fields, &all_a), LWG_OK);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_EQ(lwg_pb_decode_noinit(wire_small.buf, wire_small.len, pbt_All_fields, &all_a),
             LWG_OK);
    CHECK(encodes_to(pbt_All_fields, &all_a, &wire_small));
    garbage(&msg3_a, sizeof msg3_a);
    lwg_pb_clear(pbt3_Msg_fields, &msg3_a);
    CHECK_EQ(lwg_pb_decode_noinit(wire_big3.buf, wire_big3.len, pbt3_Msg_fields, &msg3_a),
             LWG_OK);
    CHECK(encodes_to(pbt3_Msg_fields, &msg3_a, &wire_big3));
    lwg_pb_clear(pbt3_Msg_fields, &msg3_a);
    CHECK_EQ(lwg_pb_decode_noinit(wire_small3.buf, wire_small3.len, pbt3_Msg_fields, &msg3_a),
             LWG_OK);
    CHECK(encodes_to(pbt3_Msg_fields, &msg3_a, &wire_small3));
}

/* Without a reset the no-init decode merges: the checks above would see
 * it. */
static void test_noinit_alone_merges(void)
{
    encode_samples();
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_EQ(lwg_pb_decode_noinit(wire_big.buf, wire_big.len, pbt_All_fields, &all_a), LWG_OK);
    CHECK_EQ(lwg_pb_decode_noinit(wire_small.buf, wire_small.len, pbt_All_fields, &all_a),
             LWG_EPROTO); /* vals: 4 + 1 values overflow the array */
    lwg_pb_clear(pbt3_Msg_fields, &msg3_a);
    CHECK_EQ(lwg_pb_decode_noinit(wire_big3.buf, wire_big3.len, pbt3_Msg_fields, &msg3_a),
             LWG_OK);
    CHECK_EQ(lwg_pb_decode_noinit(wire_small3.buf, wire_small3.len, pbt3_Msg_fields, &msg3_a),
             LWG_OK);
    CHECK(!encodes_to(pbt3_Msg_fields, &msg3_a, &wire_small3));
    CHECK(msg3_a.has_sub && strcmp(msg3_a.text, "proto3 text") == 0);
}

/* ==== callbacks, extensions, errors ====================================== */

static void test_decode_pb_keeps_callbacks(void)
{
    seen cb = { 0, 0 }, cbs = { 0, 0 }, pick = { 0, 0 };

    encode_samples();
    garbage_all(&all_a);
    all_a.cb.funcs.decode = count_cb;
    all_a.cb.arg = &cb;
    all_a.cbs.funcs.decode = count_cb;
    all_a.cbs.arg = &cbs;
    all_a.pick.cb_kind.funcs.decode = peek_cb;
    all_a.pick.cb_kind.arg = &pick;
    for (int round = 1; round <= 2; round++) {
        CHECK_EQ(lwg_call_decode_pb(wire_big.buf, wire_big.len, pbt_All_fields, &all_a), LWG_OK);
        CHECK_EQ(cb.calls, round);
        CHECK_EQ(cb.bytes, round * strlen("callback bytes"));
        CHECK_EQ(cbs.calls, round);
        CHECK_EQ(pick.calls, round);
        CHECK(all_a.pick.which_kind == pbt_Pick_leaf_tag && all_a.pick.kind.leaf.n == 8);
    }
    /* lwg_pb_clear + prepare_request + no-init decode: the trampolines */
    lwg_pb_clear(pbt_All_fields, &all_a);
    all_a.cb.funcs.decode = count_cb;
    all_a.cb.arg = &cb;
    CHECK_EQ(lwg_pb_decode_noinit(wire_big.buf, wire_big.len, pbt_All_fields, &all_a), LWG_OK);
    CHECK_EQ(cb.calls, 3);
    CHECK_EQ(cbs.calls, 2);
}

static void test_decode_pb_resets_extensions(void)
{
    pbt_Ext m = pbt_Ext_init_zero;
    int32_t value = 9, got = -1;
    pb_extension_t ext = { &pbt_ext_n, &value, NULL, true };
    pb_extension_t ext_in = { &pbt_ext_n, &got, NULL, false };
    wire with, without;

    m.has_a = true;
    m.a = 1;
    m.extensions = &ext;
    CHECK(encode(&with, pbt_Ext_fields, &m));
    m.extensions = NULL;
    CHECK(encode(&without, pbt_Ext_fields, &m));
    CHECK(with.len > without.len);
    garbage(&m, sizeof m);
    m.extensions = &ext_in;
    CHECK_EQ(lwg_call_decode_pb(with.buf, with.len, pbt_Ext_fields, &m), LWG_OK);
    CHECK(ext_in.found);
    CHECK_EQ(got, 9);
    CHECK_EQ(lwg_call_decode_pb(without.buf, without.len, pbt_Ext_fields, &m), LWG_OK);
    CHECK(!ext_in.found);
    CHECK_EQ(got, 0);
    CHECK(m.has_a && m.a == 1 && m.extensions == &ext_in);
}

static void test_decode_errors(void)
{
    static const uint8_t bad[] = { 0x0a, 0x7f, 0x01 }; /* data: 127 bytes, 1 there */
    static const uint8_t zero_tag[] = { 0x00 };

    lwg_pb_clear(pbt3_Msg_fields, &msg3_a);
    lwg_pb_clear(pbt_All_fields, &all_a);
    CHECK_EQ(lwg_call_decode_pb(bad, sizeof bad, pbt3_Msg_fields, &msg3_a), LWG_EPROTO);
    CHECK_EQ(lwg_pb_decode_noinit(bad, sizeof bad, pbt3_Msg_fields, &msg3_a), LWG_EPROTO);
    CHECK_EQ(lwg_call_decode_pb(zero_tag, sizeof zero_tag, pbt3_Msg_fields, &msg3_a),
             LWG_EPROTO);
    /* a required field missing */
    CHECK_EQ(lwg_call_decode_pb(bad, 0, pbt_All_fields, &all_a), LWG_EPROTO);
}

/* ==== LWG_PB_CLEAR / LWG_PB_RESET: the same bytes as the functions ===== */

/* From the same garbage, the macro and the function must leave every
 * byte of the struct the same (neither writes bytes payloads). */
#define CHECK_MACRO_SAME_(T, PREP, MACRO, FUNC) \
    do { \
        static T ma_, mb_; \
        garbage(&ma_, sizeof ma_); \
        garbage(&mb_, sizeof mb_); \
        PREP(ma_); \
        PREP(mb_); \
        MACRO(T, &ma_); \
        FUNC(T##_fields, &mb_); \
        CHECK(memcmp(&ma_, &mb_, sizeof ma_) == 0); \
    } while (0)
#define NO_PREP(m) (void)0
/* a reset follows the extension chain (it is kept): give it none */
#define NO_EXTENSIONS(m) ((m).extensions = NULL)
#define CHECK_MACRO_SAME(T) \
    do { \
        CHECK_MACRO_SAME_(T, NO_PREP, LWG_PB_CLEAR, lwg_pb_clear); \
        CHECK_MACRO_SAME_(T, NO_PREP, LWG_PB_RESET, lwg_pb_reset); \
    } while (0)

static void test_macros_match_functions(void)
{
    pbt3_Scalars s, zero = pbt3_Scalars_init_zero;

    CHECK_MACRO_SAME(pbt_Leaf);
    CHECK_MACRO_SAME(pbt_WithDefaults);
    CHECK_MACRO_SAME(pbt_Pick);
    CHECK_MACRO_SAME_(pbt_Ext, NO_PREP, LWG_PB_CLEAR, lwg_pb_clear);
    CHECK_MACRO_SAME_(pbt_Ext, NO_EXTENSIONS, LWG_PB_RESET, lwg_pb_reset);
    CHECK_MACRO_SAME(pbt_Nested_Inner);
    CHECK_MACRO_SAME(pbt_Nested);
    CHECK_MACRO_SAME(pbt_All);
    CHECK_MACRO_SAME(pbt3_Sub);
    CHECK_MACRO_SAME(pbt3_Msg);
    CHECK_MACRO_SAME(pbt3_Scalars);
    /* every in-line kind reads as T_init_zero afterwards */
    garbage(&s, sizeof s);
    LWG_PB_CLEAR(pbt3_Scalars, &s);
    CHECK(!s.b && s.i32 == 0 && s.u32 == 0 && s.s32 == 0 && s.f32 == 0 && s.sf32 == 0);
    CHECK(s.i64 == 0 && s.u64 == 0 && s.s64 == 0 && s.f64 == 0 && s.sf64 == 0);
    CHECK(s.fl == 0 && s.db == 0 && s.en == pbt3_Signed_S_ZERO && !s.has_opt && s.opt == 0);
    CHECK(memcmp(s.str, zero.str, sizeof s.str) == 0 && s.by.size == 0);
    CHECK(memcmp(s.fixed, zero.fixed, sizeof s.fixed) == 0);
    CHECK(s.by.bytes[0] == GARBAGE); /* the payload is left alone */
}

int main(void)
{
    RUN(test_clear_all_kinds);
    RUN(test_clear_without_defaults_is_init_zero);
    RUN(test_clear_defaults);
    RUN(test_clear_callbacks_and_extensions);
    RUN(test_clear_leaves_bytes_payloads);
    RUN(test_reset_like_pb_decode);
    RUN(test_decode_pb_no_stale_fields);
    RUN(test_clear_then_noinit_no_stale_fields);
    RUN(test_noinit_alone_merges);
    RUN(test_decode_pb_keeps_callbacks);
    RUN(test_decode_pb_resets_extensions);
    RUN(test_decode_errors);
    RUN(test_macros_match_functions);
    return lwg_test_summary();
}
