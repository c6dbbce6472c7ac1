/*
 * gen_e2e.c - the generated stubs of the generator's edge-case protos
 * (tests/gen/edge.proto: no package, imported and nested types, two
 * services with methods of the same names; edge_common.proto: package
 * a.b.c; mangled.proto: nanopb's mangle_names) between an lwgrpc client
 * and an lwgrpc server, a call of every kind.
 *
 *   build/host/bin/gen_e2e        (make gen-e2e; tests/check_gen_e2e.sh)
 *
 * The server runs in a child process (fork) on a loopback port, with the
 * generated handler tables; the parent calls it through the generated
 * blocking wrappers (*.lwgrpc_posix.h) and the generated asynchronous
 * client functions (*.lwgrpc.h).  One line per check; the last line is
 * "N passed, N failed".
 */
#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "edge.lwgrpc_posix.h"
#include "edge_common.lwgrpc_posix.h"
#include "mangled.lwgrpc_posix.h"
#include "port/posix/lwg_posix.h"

#define COUNT_N 5000          /* Count responses: more than a window holds */
#define BETA_DELAY_MS 20      /* Beta.Echo answers this much later          */

/* ==== blob callbacks (Local.blob is a nanopb callback field) ============= */

typedef struct blob {
    size_t size;              /* bytes to write / bytes read                */
} blob;

static bool blob_encode(pb_ostream_t *s, const pb_field_t *f, void *const *arg)
{
    const blob *b = *arg;

    if (!pb_encode_tag_for_field(s, f) || !pb_encode_varint(s, b->size))
        return false;
    for (size_t i = 0; i < b->size; i++)
        if (!pb_write(s, (const pb_byte_t *)"b", 1))
            return false;
    return true;
}

static bool blob_count(pb_istream_t *s, const pb_field_t *f, void **arg)
{
    blob *b = *arg;
    uint8_t buf[64];

    (void)f;
    while (s->bytes_left > 0) {
        size_t k = s->bytes_left < sizeof buf ? s->bytes_left : sizeof buf;
        if (!pb_read(s, buf, k))
            return false;
        b->size += k;
    }
    return true;
}

/* ==== the server (child process) ======================================== */

typedef struct call_state {
    int in_use;
    int32_t next;             /* Count: next value to send (down to 1)     */
    unsigned readies;         /* Count, Chat: _ready calls                  */
    int32_t total;            /* Sum, Beta.Chat                             */
    int32_t seen[8];
    pb_size_t seen_count;
    blob blob_in;             /* Chat: the request's blob, counted          */
    blob blob_out;            /* Chat: the reply's blob (outlives a send)   */
    Local pending;            /* Chat: a reply that waits for _ready        */
    int has_pending;
    int beta_waiting;         /* Beta.Echo: to answer at beta_due           */
    uint32_t beta_due;
    int32_t beta_number;
} call_state;

static lwg_server server;
static lwg_posix_server posix_server;
static Alpha_server alpha_server;
static Beta_server beta_server;
static a_b_c_Deep_server deep_server;
static Strip_server strip_server;
static call_state states[LWG_MAX_SERVER_CALLS];
static unsigned alpha_done;
static volatile sig_atomic_t stop;

static call_state *state_of(lwg_call *call)
{
    return call->user;
}

static void attach_state(lwg_call *call)
{
    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        if (!states[i].in_use) {
            memset(&states[i], 0, sizeof states[i]);
            states[i].in_use = 1;
            call->user = &states[i];
            return;
        }
    }
    lwg_call_finish(call, LWG_STATUS_RESOURCE_EXHAUSTED, "no call state", NULL, 0);
}

static void detach_state(lwg_call *call)
{
    call_state *s = state_of(call);

    if (s)
        s->in_use = 0;
    call->user = NULL;
}

/* ---- Alpha: every kind -------------------------------------------------- */

static const lwg_md started_md[] = { { "x-started", (const uint8_t *)"alpha", 5 } };

static void alpha_start(lwg_call *call)
{
    attach_state(call);
    lwg_call_send_headers(call, started_md, 1);
}

static void alpha_prepare(lwg_call *call, void *req)
{
    call_state *s = state_of(call);

    if (s && call->method == &Alpha_Chat_method) {
        Local *l = req;
        s->blob_in.size = 0;
        l->blob.funcs.decode = blob_count;
        l->blob.arg = &s->blob_in;
    }
}

static void alpha_end_of_call(lwg_call *call)
{
    alpha_done++;
    detach_state(call);
}

static int alpha_echo(lwg_call *call, const a_b_c_Outer_Inner *req, Local *resp)
{
    (void)call;
    snprintf(resp->text, sizeof resp->text, "%s", req->text);
    resp->number = req->value;
    resp->has_part = true;
    resp->part.n = req->value * 2;
    return LWG_STATUS_OK;
}

static void count_pump(lwg_call *call)
{
    call_state *s = state_of(call);

    while (s->next > 0) {
        a_b_c_Outer_Inner m = a_b_c_Outer_Inner_init_zero;
        int r;
        m.value = s->next;
        if (s->next == 1)
            snprintf(m.text, sizeof m.text, "last ready=%u", s->readies);
        else
            snprintf(m.text, sizeof m.text, "n=%d", (int)s->next);
        r = Alpha_Count_send_response(call, &m);
        if (r == LWG_EAGAIN)
            return; /* Count_ready resumes */
        if (r != LWG_OK)
            return;
        s->next--;
    }
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static void alpha_count(lwg_call *call, const Local *req)
{
    state_of(call)->next = req->number;
    count_pump(call);
}

static void alpha_count_ready(lwg_call *call)
{
    state_of(call)->readies++;
    count_pump(call);
}

static int alpha_sum_message(lwg_call *call, const a_b_c_Outer_Inner *req)
{
    call_state *s = state_of(call);

    s->total += req->value;
    if (s->seen_count < 8)
        s->seen[s->seen_count++] = req->value;
    return LWG_OK;
}

static void alpha_sum_end(lwg_call *call)
{
    call_state *s = state_of(call);
    a_b_c_Shared resp = a_b_c_Shared_init_zero;

    resp.total = s->total;
    memcpy(resp.seen, s->seen, sizeof resp.seen);
    resp.seen_count = s->seen_count;
    Alpha_Sum_send_response(call, &resp);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

/* Chat: the reply has the text upper-cased, the request blob's length,
 * the number of _ready calls so far, and a blob of req->number bytes.  A
 * reply that cannot go out now waits in the state and holds the request
 * stream (LWG_EAGAIN) until _ready sent it. */
static int alpha_chat_message(lwg_call *call, const Local *req)
{
    call_state *s = state_of(call);
    Local *out = &s->pending;

    *out = (Local)Local_init_zero;
    for (size_t i = 0; req->text[i] && i + 1 < sizeof out->text; i++)
        out->text[i] = (char)toupper((unsigned char)req->text[i]);
    out->number = (int32_t)s->blob_in.size;
    out->has_part = true;
    out->part.n = (int32_t)s->readies;
    if (req->number > 0) {
        s->blob_out.size = (size_t)req->number;
        out->blob.funcs.encode = blob_encode;
        out->blob.arg = &s->blob_out;
    }
    if (Alpha_Chat_send_response(call, out) == LWG_EAGAIN) {
        s->has_pending = 1;
        return LWG_EAGAIN;
    }
    return LWG_OK;
}

static void alpha_chat_ready(lwg_call *call)
{
    call_state *s = state_of(call);

    s->readies++;
    s->pending.part.n = (int32_t)s->readies;
    if (s->has_pending && Alpha_Chat_send_response(call, &s->pending) == LWG_OK) {
        s->has_pending = 0;
        lwg_call_recv_done(call);
    }
}

static void alpha_chat_end(lwg_call *call)
{
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static const Alpha_impl alpha_impl = {
    .on_start = alpha_start,
    .prepare_request = alpha_prepare,
    .on_done = alpha_end_of_call,
    .Echo = alpha_echo,
    .Count = alpha_count,
    .Count_ready = alpha_count_ready,
    .Sum_message = alpha_sum_message,
    .Sum_end = alpha_sum_end,
    .Chat_message = alpha_chat_message,
    .Chat_end = alpha_chat_end,
    .Chat_ready = alpha_chat_ready,
};

/* ---- Beta: the same method names, answered later ------------------------- */

static int beta_echo(lwg_call *call, const Local *req, Local_Part *resp)
{
    call_state *s = state_of(call);

    (void)resp;
    if (req->number < 0) {
        lwg_call_finish(call, LWG_STATUS_NOT_FOUND, "negative number", NULL, 0);
        return LWG_STATUS_ASYNC;
    }
    s->beta_waiting = 1;
    s->beta_due = lwg_port_now_ms() + BETA_DELAY_MS;
    s->beta_number = req->number;
    return LWG_STATUS_ASYNC; /* answered by beta_timers() */
}

static int beta_chat_message(lwg_call *call, const Local_Part *req)
{
    state_of(call)->total += req->n;
    return LWG_OK;
}

static void beta_chat_end(lwg_call *call)
{
    Local_Part resp = Local_Part_init_zero;

    resp.n = state_of(call)->total;
    Beta_Chat_send_response(call, &resp);
    lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static const Beta_impl beta_impl = {
    .on_start = attach_state,
    .on_done = detach_state,
    .Echo = beta_echo,
    .Chat_message = beta_chat_message,
    .Chat_end = beta_chat_end,
};

static void beta_timers(void)
{
    uint32_t now = lwg_port_now_ms();

    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        lwg_call *call = &server.calls[i];
        call_state *s = call->user;
        Local_Part resp = Local_Part_init_zero;
        if (call->state != LWG_CALL_ACTIVE || s == NULL || !s->beta_waiting ||
            !lwg_time_reached(now, s->beta_due))
            continue;
        s->beta_waiting = 0;
        resp.n = s->beta_number + 1;
        Beta_Echo_send_response(call, &resp);
        lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
    }
}

/* ---- a.b.c.Deep and x.yy.zz.Strip ------------------------------------------ */

static int deep_twice(lwg_call *call, const a_b_c_Outer_Inner *req, a_b_c_Shared *resp)
{
    (void)call;
    if (req->value < 0)
        return LWG_STATUS_INVALID_ARGUMENT;
    resp->total = req->value == 0 ? (int32_t)alpha_done : req->value * 2;
    resp->seen[0] = req->value;
    resp->seen_count = 1;
    return LWG_STATUS_OK;
}

static const a_b_c_Deep_impl deep_impl = { .Twice = deep_twice };

static int strip_get(lwg_call *call, const Req_Sub *req, Resp *resp)
{
    (void)call;
    resp->b = req->a * 2;
    return LWG_STATUS_OK;
}

/* Watch is not implemented: its callers get UNIMPLEMENTED */
static const Strip_impl strip_impl = { .Get = strip_get };

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int serve(int port_fd)
{
    lwg_posix_server *servers[1] = { &posix_server };
    char line[16];
    int n;

    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    lwg_server_init(&server, NULL);
    if (Alpha_register(&server, &alpha_server, &alpha_impl) != LWG_OK ||
        Beta_register(&server, &beta_server, &beta_impl) != LWG_OK ||
        a_b_c_Deep_register(&server, &deep_server, &deep_impl) != LWG_OK ||
        Strip_register(&server, &strip_server, &strip_impl) != LWG_OK ||
        lwg_posix_server_listen(&posix_server, &server, "127.0.0.1", 0) != LWG_OK) {
        fprintf(stderr, "gen_e2e server: cannot start\n");
        return 1;
    }
    n = snprintf(line, sizeof line, "%d\n", posix_server.port);
    if (write(port_fd, line, (size_t)n) != n)
        return 1;
    close(port_fd);
    while (!stop) {
        lwg_posix_poll(NULL, 0, servers, 1, 5);
        beta_timers();
    }
    lwg_posix_server_close(&posix_server);
    return 0;
}

/* ==== the client (parent) ================================================== */

static lwg_channel channel;
static lwg_posix_client client;
static lwg_posix_call pcall;
static int passed, failed;

static void check(int ok, const char *name, const char *fmt, ...)
{
    if (ok) {
        printf("ok   %s\n", name);
        passed++;
    } else {
        va_list ap;
        printf("FAIL %s: ", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf(" (status %s \"%s\")\n", lwg_status_name(lwg_call_status(&pcall.call)),
               lwg_call_status_message(&pcall.call));
        failed++;
    }
    fflush(stdout);
}

static void unary_calls(void)
{
    a_b_c_Outer_Inner in = a_b_c_Outer_Inner_init_zero;
    Local local = Local_init_zero;
    Local_Part part = Local_Part_init_zero;
    a_b_c_Shared shared = a_b_c_Shared_init_zero;
    Req_Sub sub = Req_Sub_init_zero;
    Resp r = Resp_init_zero;
    size_t len = 0;
    const uint8_t *v;
    int code;

    in.value = 7;
    snprintf(in.text, sizeof in.text, "hi");
    code = Alpha_Echo(&client, NULL, &in, &local, &pcall);
    check(code == LWG_STATUS_OK && strcmp(local.text, "hi") == 0 && local.number == 7 &&
              local.has_part && local.part.n == 14,
          "Alpha.Echo unary (imported nested request, handler returns OK)",
          "code %d text \"%s\" number %d part %d", code, local.text, (int)local.number,
          (int)local.part.n);
    v = lwg_metadata_get(lwg_call_metadata(&pcall.call), "x-started", 9, &len);
    check(v != NULL && len == 5 && memcmp(v, "alpha", 5) == 0,
          "Alpha on_start ran (its response header arrived)", "no x-started header");

    local = (Local)Local_init_zero;
    local.number = 41;
    code = Beta_Echo(&client, NULL, &local, &part, &pcall);
    check(code == LWG_STATUS_OK && part.n == 42,
          "Beta.Echo unary, same name as Alpha.Echo (LWG_STATUS_ASYNC, answered later)",
          "code %d n %d", code, (int)part.n);

    local.number = -1;
    code = Beta_Echo(&client, NULL, &local, &part, &pcall);
    check(code == LWG_STATUS_NOT_FOUND &&
              strcmp(lwg_call_status_message(&pcall.call), "negative number") == 0,
          "Beta.Echo: LWG_STATUS_ASYNC handler finishing itself with a message", "code %d",
          code);

    in.value = 21;
    code = a_b_c_Deep_Twice(&client, NULL, &in, &shared, &pcall);
    check(code == LWG_STATUS_OK && shared.total == 42 && shared.seen_count == 1 &&
              shared.seen[0] == 21,
          "a.b.c.Deep.Twice unary (three-level package)", "code %d total %d", code,
          (int)shared.total);

    in.value = -5;
    code = a_b_c_Deep_Twice(&client, NULL, &in, &shared, &pcall);
    check(code == LWG_STATUS_INVALID_ARGUMENT && lwg_call_status_message(&pcall.call)[0] == 0,
          "a.b.c.Deep.Twice: a handler's status code ends the call", "code %d", code);

    sub.a = 3;
    code = Strip_Get(&client, NULL, &sub, &r, &pcall);
    check(code == LWG_STATUS_OK && r.b == 6, "x.yy.zz.Strip.Get unary (mangle_names names)",
          "code %d b %d", code, (int)r.b);
}

static void streaming_calls(void)
{
    Local local = Local_init_zero;
    a_b_c_Outer_Inner in = a_b_c_Outer_Inner_init_zero;
    a_b_c_Shared shared = a_b_c_Shared_init_zero;
    Local_Part part = Local_Part_init_zero;
    Req req = Req_init_zero;
    Resp r = Resp_init_zero;
    int32_t want = COUNT_N;
    int ok = 1, code, rc;
    unsigned readies = 0;

    /* server streaming */
    local.number = COUNT_N;
    rc = Alpha_Count_posix_start(&pcall, &client, NULL, &local);
    while (rc == LWG_OK && (rc = Alpha_Count_posix_recv(&pcall, &in)) == LWG_OK) {
        if (in.value != want)
            ok = 0;
        if (in.value == 1)
            sscanf(in.text, "last ready=%u", &readies);
        want--;
    }
    code = Alpha_Count_posix_finish(&pcall);
    check(code == LWG_STATUS_OK && ok && want == 0,
          "Alpha.Count server streaming (5000 responses, in order)",
          "code %d, %d responses missing, order %s", code, (int)want, ok ? "ok" : "wrong");
    check(readies > 0, "Alpha.Count resumed from Count_ready (send-ready)",
          "never blocked: raise COUNT_N");

    /* client streaming */
    rc = Alpha_Sum_posix_start(&pcall, &client, NULL);
    for (int i = 1; i <= 10 && rc == LWG_OK; i++) {
        in = (a_b_c_Outer_Inner)a_b_c_Outer_Inner_init_zero;
        in.value = i;
        rc = Alpha_Sum_posix_send(&pcall, &in);
    }
    code = Alpha_Sum_posix_finish(&pcall, &shared);
    check(code == LWG_STATUS_OK && shared.total == 55 && shared.seen_count == 8 &&
              shared.seen[7] == 8,
          "Alpha.Sum client streaming (imported request and response)", "code %d total %d",
          code, (int)shared.total);

    /* bidirectional, one reply per request, blob counted by prepare_request */
    rc = Alpha_Chat_posix_start(&pcall, &client, NULL);
    ok = rc == LWG_OK;
    for (int i = 0; i < 3 && ok; i++) {
        static const char *const words[] = { "abc", "xyz", "mixed Case" };
        static const char *const upper[] = { "ABC", "XYZ", "MIXED CASE" };
        blob b = { (size_t)(100 * i) };
        Local out = Local_init_zero;
        Local back = Local_init_zero;
        snprintf(out.text, sizeof out.text, "%s", words[i]);
        out.blob.funcs.encode = blob_encode;
        out.blob.arg = &b;
        ok = Alpha_Chat_posix_send(&pcall, &out) == LWG_OK &&
             Alpha_Chat_posix_recv(&pcall, &back) == LWG_OK && strcmp(back.text, upper[i]) == 0 &&
             back.number == 100 * i;
    }
    Alpha_Chat_posix_close_send(&pcall);
    code = Alpha_Chat_posix_finish(&pcall);
    check(ok && code == LWG_STATUS_OK, "Alpha.Chat bidirectional (prepare_request callbacks)",
          "code %d, replies %s", code, ok ? "ok" : "wrong");

    /* Beta.Chat: client streaming under a bidi method's name in Alpha */
    rc = Beta_Chat_posix_start(&pcall, &client, NULL);
    for (int i = 1; i <= 3 && rc == LWG_OK; i++) {
        part.n = i * 10;
        rc = Beta_Chat_posix_send(&pcall, &part);
    }
    code = Beta_Chat_posix_finish(&pcall, &part);
    check(code == LWG_STATUS_OK && part.n == 60, "Beta.Chat client streaming, same name as Alpha.Chat",
          "code %d n %d", code, (int)part.n);

    /* a method left NULL in the impl */
    rc = Strip_Watch_posix_start(&pcall, &client, NULL, &req);
    if (rc == LWG_OK)
        rc = Strip_Watch_posix_recv(&pcall, &r);
    code = Strip_Watch_posix_finish(&pcall);
    check(rc == LWG_ECLOSED && code == LWG_STATUS_UNIMPLEMENTED,
          "x.yy.zz.Strip.Watch, not implemented: UNIMPLEMENTED", "recv %d code %d", rc, code);
}

static void bad_request(void)
{
    static const uint8_t garbage[] = { 0x12, 0xff }; /* a length that never ends */
    int code;

    if (lwg_posix_call_start(&pcall, &client, &Alpha_Echo_method, NULL) == LWG_OK) {
        lwg_posix_call_send(&pcall, garbage, sizeof garbage);
        lwg_posix_call_close_send(&pcall);
    }
    code = lwg_posix_call_finish(&pcall);
    check(code == LWG_STATUS_INTERNAL &&
              strcmp(lwg_call_status_message(&pcall.call), "request message does not decode") == 0,
          "a request that does not decode: INTERNAL", "code %d", code);
}

/* ---- the asynchronous client functions ------------------------------------------ */

typedef struct async_ctx {
    int done;
    int replies;
    int sent;
    int want;                 /* Chat: notes to send                        */
    int32_t reply_blob;       /* Chat: blob size asked of each reply        */
    int bad;
    Local last;
} async_ctx;

static int async_message(lwg_call *call, const uint8_t *msg, size_t len)
{
    async_ctx *a = call->user;

    a->last = (Local)Local_init_zero;
    if (call->method == &Alpha_Echo_method) {
        if (Alpha_Echo_decode(msg, len, &a->last) != LWG_OK)
            a->bad = 1;
    } else if (Alpha_Chat_decode(msg, len, &a->last) != LWG_OK) {
        a->bad = 1;
    }
    a->replies++;
    return LWG_OK;
}

static void async_send_next(lwg_call *call)
{
    async_ctx *a = call->user;
    Local note = Local_init_zero;

    while (a->sent < a->want) {
        snprintf(note.text, sizeof note.text, "note %d", a->sent);
        note.number = a->reply_blob;
        if (Alpha_Chat_send(call, &note) != LWG_OK)
            return; /* LWG_EAGAIN: on_send_ready brings us back */
        a->sent++;
    }
    lwg_call_close_send(call);
}

static void async_status(lwg_call *call)
{
    ((async_ctx *)call->user)->done = 1;
}

static const lwg_call_cbs async_cbs = {
    .on_message = async_message,
    .on_send_ready = async_send_next,
    .on_status = async_status,
};

static void async_wait(async_ctx *a)
{
    lwg_posix_client *clients[1] = { &client };
    uint32_t until = lwg_port_now_ms() + 10000;

    while (!a->done && !lwg_time_reached(lwg_port_now_ms(), until))
        lwg_posix_poll(clients, 1, NULL, 0, 50);
}

static void async_calls(void)
{
    static lwg_call call;
    async_ctx a = { 0 };
    a_b_c_Outer_Inner in = a_b_c_Outer_Inner_init_zero;

    in.value = 5;
    snprintf(in.text, sizeof in.text, "async");
    if (Alpha_Echo_start(&channel, &call, NULL, &async_cbs, &a) == LWG_OK &&
        Alpha_Echo_send(&call, &in) == LWG_OK) {
        /* the request is complete only at the half-close: no answer before */
        lwg_posix_client *clients[1] = { &client };
        uint32_t until = lwg_port_now_ms() + 200;
        while (!a.done && !lwg_time_reached(lwg_port_now_ms(), until))
            lwg_posix_poll(clients, 1, NULL, 0, 20);
        check(!a.done && a.replies == 0, "a unary handler waits for the client's half-close",
              "answered before it (done %d, replies %d)", a.done, a.replies);
        lwg_call_close_send(&call);
    }
    async_wait(&a);
    check(a.done && lwg_call_status(&call) == LWG_STATUS_OK && a.replies == 1 && !a.bad &&
              strcmp(a.last.text, "async") == 0 && a.last.part.n == 10,
          "Alpha.Echo with the asynchronous _start/_send/_decode", "done %d replies %d",
          a.done, a.replies);

    a = (async_ctx){ .want = 3 };
    if (Alpha_Chat_start(&channel, &call, NULL, &async_cbs, &a) == LWG_OK)
        async_send_next(&call);
    async_wait(&a);
    check(a.done && lwg_call_status(&call) == LWG_STATUS_OK && a.replies == 3 && !a.bad &&
              strcmp(a.last.text, "NOTE 2") == 0,
          "Alpha.Chat with the asynchronous API (sends from on_send_ready)",
          "done %d replies %d last \"%s\"", a.done, a.replies, a.last.text);

    /* 300 replies of 1000 bytes: more than the server's transmit buffer
     * and the stream window, so it must hold requests and resume */
    a = (async_ctx){ .want = 300, .reply_blob = 1000 };
    if (Alpha_Chat_start(&channel, &call, NULL, &async_cbs, &a) == LWG_OK)
        async_send_next(&call);
    async_wait(&a);
    check(a.done && lwg_call_status(&call) == LWG_STATUS_OK && a.replies == 300 && !a.bad &&
              strcmp(a.last.text, "NOTE 299") == 0,
          "Alpha.Chat flood: 300 replies of 1000 bytes", "done %d replies %d", a.done,
          a.replies);
    check(a.last.part.n > 0, "Alpha.Chat paused requests (LWG_EAGAIN) and resumed in Chat_ready",
          "never blocked");
}

static void on_done_counted(void)
{
    a_b_c_Outer_Inner in = a_b_c_Outer_Inner_init_zero;
    a_b_c_Shared shared = a_b_c_Shared_init_zero;
    int code = a_b_c_Deep_Twice(&client, NULL, &in, &shared, &pcall);

    /* Alpha calls so far: Echo, Count, Sum, Chat, the bad request, and
     * the three asynchronous ones */
    check(code == LWG_STATUS_OK && shared.total == 8, "Alpha on_done ran once per call",
          "code %d, on_done %d times, want 8", code, (int)shared.total);
}

int main(void)
{
    int fds[2];
    char line[16] = "";
    pid_t pid;
    int port, status;
    ssize_t n;
    char authority[32];

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(fds) != 0)
        return 2;
    pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        close(fds[0]);
        _exit(serve(fds[1]));
    }
    close(fds[1]);
    n = read(fds[0], line, sizeof line - 1);
    close(fds[0]);
    port = n > 0 ? atoi(line) : 0;
    if (port <= 0) {
        printf("FAIL the server did not start\n0 passed, 1 failed\n");
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(authority, sizeof authority, "127.0.0.1:%d", port);
    lwg_channel_init(&channel, authority, lwg_port_now_ms());
    lwg_posix_client_init(&client, &channel, "127.0.0.1", port);

    unary_calls();
    streaming_calls();
    bad_request();
    async_calls();
    on_done_counted();

    lwg_posix_client_close(&client);
    kill(pid, SIGTERM);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("FAIL the server process did not end cleanly (status 0x%x)\n", status);
        failed++;
    } else {
        printf("ok   the server process ended cleanly\n");
        passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
