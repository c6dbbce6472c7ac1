/*
 * fp_alt.c - what a device links without lwgrpc: one gRPC unary call
 * (helloworld.Greeter/SayHello) on nghttp2 + nanopb, with the gRPC glue
 * written by hand (5-byte message framing, the request headers, the
 * response headers and trailers, grpc-status).  For the footprint
 * comparison of bench/footprint/footprint.sh.
 *
 *   -DFP_CLIENT   a device image: the client, pumped like a driver would
 *   -DFP_SERVER   a device image: the server
 *   -DFP_HOST     a host program: client and server in one process, back
 *                 to back in memory, each session with a counting
 *                 allocator; runs one call and prints the heap each
 *                 session needed at its peak:
 *                   HEAP role=client peak=N
 *                   HEAP role=server peak=N
 *
 * nghttp2 keeps its state on the heap (nghttp2_mem): the device images
 * link newlib-nano's malloc, and their RAM is .data + .bss + that peak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "helloworld/helloworld.pb.h"

/* ---- counting allocator (nghttp2_mem) ------------------------------------- */
typedef struct heap_count {
    size_t now, peak;
} heap_count;

static void *count_malloc(size_t size, void *ud)
{
    heap_count *h = ud;
    size_t *p = malloc(size + sizeof(size_t) * 2);

    if (p == NULL)
        return NULL;
    p[0] = size;
    h->now += size;
    if (h->now > h->peak)
        h->peak = h->now;
    return p + 2;
}

static void count_free(void *ptr, void *ud)
{
    heap_count *h = ud;
    size_t *p = ptr;

    if (p == NULL)
        return;
    p -= 2;
    h->now -= p[0];
    free(p);
}

static void *count_calloc(size_t n, size_t size, void *ud)
{
    void *p = count_malloc(n * size, ud);

    if (p)
        memset(p, 0, n * size);
    return p;
}

static void *count_realloc(void *ptr, size_t size, void *ud)
{
    void *q;
    size_t old;

    if (ptr == NULL)
        return count_malloc(size, ud);
    old = ((size_t *)ptr)[-2];
    q = count_malloc(size, ud);
    if (q == NULL)
        return NULL;
    memcpy(q, ptr, old < size ? old : size);
    count_free(ptr, ud);
    return q;
}

/* ---- gRPC framing glue ------------------------------------------------------ */
typedef struct grpc_msg {
    uint8_t buf[5 + 128];
    size_t len;       /* bytes of buf filled   */
    size_t off;       /* bytes already sent    */
} grpc_msg;

static int frame_pb(grpc_msg *m, const pb_msgdesc_t *fields, const void *src)
{
    pb_ostream_t os = pb_ostream_from_buffer(m->buf + 5, sizeof m->buf - 5);

    if (!pb_encode(&os, fields, src))
        return -1;
    m->buf[0] = 0;
    m->buf[1] = (uint8_t)(os.bytes_written >> 24);
    m->buf[2] = (uint8_t)(os.bytes_written >> 16);
    m->buf[3] = (uint8_t)(os.bytes_written >> 8);
    m->buf[4] = (uint8_t)os.bytes_written;
    m->len = 5 + os.bytes_written;
    m->off = 0;
    return 0;
}

static int unframe_pb(const grpc_msg *m, const pb_msgdesc_t *fields, void *dst)
{
    size_t n;
    pb_istream_t is;

    if (m->len < 5 || m->buf[0] != 0)
        return -1;
    n = ((size_t)m->buf[1] << 24) | ((size_t)m->buf[2] << 16) | ((size_t)m->buf[3] << 8) |
        m->buf[4];
    if (n != m->len - 5)
        return -1;
    is = pb_istream_from_buffer(m->buf + 5, n);
    return pb_decode(&is, fields, dst) ? 0 : -1;
}

static void append(grpc_msg *m, const uint8_t *data, size_t len)
{
    if (len > sizeof m->buf - m->len)
        len = sizeof m->buf - m->len;
    memcpy(m->buf + m->len, data, len);
    m->len += len;
}


#define NV(n, v)                                                                  \
    { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1,                 \
      NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE }

#if defined(FP_CLIENT) || defined(FP_HOST)
/* ---- client ------------------------------------------------------------------- */
static struct client {
    nghttp2_session *session;
    grpc_msg req, resp;
    int grpc_status;
    int done;
    helloworld_HelloReply reply;
} cl;

static ssize_t client_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len,
                           uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    (void)s;
    (void)sid;
    (void)src;
    (void)ud;
    if (len > cl.req.len - cl.req.off)
        len = cl.req.len - cl.req.off;
    memcpy(buf, cl.req.buf + cl.req.off, len);
    cl.req.off += len;
    if (cl.req.off == cl.req.len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)len;
}

static int client_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                            size_t namelen, const uint8_t *value, size_t valuelen,
                            uint8_t flags, void *ud)
{
    (void)s;
    (void)f;
    (void)flags;
    (void)ud;
    if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0) {
        int v = 0;
        for (size_t i = 0; i < valuelen; i++)
            v = v * 10 + (value[i] - '0');
        cl.grpc_status = v;
    }
    return 0;
}

static int client_on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data,
                          size_t len, void *ud)
{
    (void)s;
    (void)flags;
    (void)sid;
    (void)ud;
    append(&cl.resp, data, len);
    return 0;
}

static int client_on_close(nghttp2_session *s, int32_t sid, uint32_t err, void *ud)
{
    (void)s;
    (void)sid;
    (void)ud;
    if (err == 0 && cl.grpc_status == 0 &&
        unframe_pb(&cl.resp, helloworld_HelloReply_fields, &cl.reply) == 0)
        cl.done = 1;
    else
        cl.done = -1;
    return 0;
}

static int client_init(nghttp2_mem *mem)
{
    nghttp2_session_callbacks *cbs;
    int r;

    cl.grpc_status = -1;
    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return -1;
    nghttp2_session_callbacks_set_on_header_callback(cbs, client_on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, client_on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, client_on_close);
    r = nghttp2_session_client_new3(&cl.session, cbs, NULL, NULL, mem);
    nghttp2_session_callbacks_del(cbs);
    if (r != 0)
        return -1;
    return nghttp2_submit_settings(cl.session, NGHTTP2_FLAG_NONE, NULL, 0);
}

static int client_call(const char *name)
{
    static const nghttp2_nv hdrs[] = {
        NV(":method", "POST"),
        NV(":scheme", "http"),
        NV(":path", "/helloworld.Greeter/SayHello"),
        NV(":authority", "device.local:50051"),
        NV("content-type", "application/grpc"),
        NV("te", "trailers"),
        NV("user-agent", "grpc-c-nghttp2/0.1"),
    };
    nghttp2_data_provider prd = { .read_callback = client_read };
    helloworld_HelloRequest req = helloworld_HelloRequest_init_zero;

    strncpy(req.name, name, sizeof req.name - 1);
    if (frame_pb(&cl.req, helloworld_HelloRequest_fields, &req) != 0)
        return -1;
    return nghttp2_submit_request(cl.session, NULL, hdrs, sizeof hdrs / sizeof hdrs[0], &prd,
                                  NULL) > 0 ? 0 : -1;
}
#endif

#if defined(FP_SERVER) || defined(FP_HOST)
/* ---- server ------------------------------------------------------------------- */
static struct server {
    nghttp2_session *session;
    grpc_msg req, resp;
    int32_t sid;
    int path_ok;
} sv;

static const nghttp2_nv server_trailers[] = { NV("grpc-status", "0") };

static ssize_t server_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len,
                           uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    (void)src;
    (void)ud;
    if (len > sv.resp.len - sv.resp.off)
        len = sv.resp.len - sv.resp.off;
    memcpy(buf, sv.resp.buf + sv.resp.off, len);
    sv.resp.off += len;
    if (sv.resp.off == sv.resp.len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        if (nghttp2_submit_trailer(s, sid, server_trailers, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return (ssize_t)len;
}

static int server_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                            size_t namelen, const uint8_t *value, size_t valuelen,
                            uint8_t flags, void *ud)
{
    (void)s;
    (void)flags;
    (void)ud;
    if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
        sv.sid = f->hd.stream_id;
        sv.path_ok = valuelen == 28 && memcmp(value, "/helloworld.Greeter/SayHello", 28) == 0;
    }
    return 0;
}

static int server_on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data,
                          size_t len, void *ud)
{
    (void)s;
    (void)flags;
    (void)sid;
    (void)ud;
    append(&sv.req, data, len);
    return 0;
}

static int server_on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    static const nghttp2_nv hdrs[] = {
        NV(":status", "200"),
        NV("content-type", "application/grpc"),
    };
    static const nghttp2_nv unimplemented[] = {
        NV(":status", "200"),
        NV("content-type", "application/grpc"),
        NV("grpc-status", "12"),
    };
    nghttp2_data_provider prd = { .read_callback = server_read };
    helloworld_HelloRequest req = helloworld_HelloRequest_init_zero;
    helloworld_HelloReply reply = helloworld_HelloReply_init_zero;

    (void)ud;
    if (!(f->hd.flags & NGHTTP2_FLAG_END_STREAM) || f->hd.stream_id != sv.sid ||
        (f->hd.type != NGHTTP2_DATA && f->hd.type != NGHTTP2_HEADERS))
        return 0;
    if (!sv.path_ok || unframe_pb(&sv.req, helloworld_HelloRequest_fields, &req) != 0)
        return nghttp2_submit_response(s, sv.sid, unimplemented, 3, NULL);
    snprintf(reply.message, sizeof reply.message, "Hello %s", req.name);
    if (frame_pb(&sv.resp, helloworld_HelloReply_fields, &reply) != 0)
        return -1;
    return nghttp2_submit_response(s, sv.sid, hdrs, 2, &prd);
}

static int server_init(nghttp2_mem *mem)
{
    nghttp2_session_callbacks *cbs;
    int r;

    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return -1;
    nghttp2_session_callbacks_set_on_header_callback(cbs, server_on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, server_on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, server_on_frame);
    r = nghttp2_session_server_new3(&sv.session, cbs, NULL, NULL, mem);
    nghttp2_session_callbacks_del(cbs);
    if (r != 0)
        return -1;
    return nghttp2_submit_settings(sv.session, NGHTTP2_FLAG_NONE, NULL, 0);
}
#endif

#if defined(FP_HOST)
/* ---- host: one call, back to back, heap peaks -------------------------------- */
static int pump(nghttp2_session *from, nghttp2_session *to)
{
    const uint8_t *data;
    ssize_t n;
    int moved = 0;

    while ((n = nghttp2_session_mem_send(from, &data)) > 0) {
        if (nghttp2_session_mem_recv(to, data, (size_t)n) != n)
            return -1;
        moved = 1;
    }
    return n < 0 ? -1 : moved;
}

int main(void)
{
    heap_count hc = { 0, 0 }, hs = { 0, 0 };
    nghttp2_mem mc = { &hc, count_malloc, count_free, count_calloc, count_realloc };
    nghttp2_mem ms = { &hs, count_malloc, count_free, count_calloc, count_realloc };
    int i;

    if (client_init(&mc) != 0 || server_init(&ms) != 0 || client_call("nghttp2") != 0)
        return 1;
    for (i = 0; i < 100 && cl.done == 0; i++) {
        int a = pump(cl.session, sv.session), b = pump(sv.session, cl.session);
        if (a < 0 || b < 0)
            return 1;
    }
    if (cl.done != 1 || strcmp(cl.reply.message, "Hello nghttp2") != 0) {
        fprintf(stderr, "fp_alt: the call failed\n");
        return 1;
    }
    printf("HEAP role=client peak=%zu\n", hc.peak);
    printf("HEAP role=server peak=%zu\n", hs.peak);
    nghttp2_session_del(cl.session);
    nghttp2_session_del(sv.session);
    return 0;
}
#else
/* ---- device images: pumped the way a driver would (volatile input) ------------ */
static const uint8_t *volatile fp_input;
static volatile size_t fp_input_len;
static volatile uint32_t fp_sink;
void fp_common(void);   /* fp_port.c: the C library code every image shares */

static void drive(nghttp2_session *s)
{
    const uint8_t *data;
    ssize_t n;

    (void)nghttp2_session_mem_recv(s, fp_input, fp_input_len);
    while ((n = nghttp2_session_mem_send(s, &data)) > 0)
        fp_sink += data[0];
    fp_sink += (uint32_t)nghttp2_session_want_read(s) + (uint32_t)nghttp2_session_want_write(s);
}

int main(void)
{
    fp_common();
#if defined(FP_CLIENT)
    client_init(NULL);
    client_call("device");
    drive(cl.session);
    fp_sink += (uint32_t)cl.done + (uint32_t)cl.reply.message[0];
    nghttp2_session_del(cl.session);
#else
    server_init(NULL);
    drive(sv.session);
    nghttp2_session_del(sv.session);
#endif
    return (int)(fp_sink & 1u);
}
#endif
