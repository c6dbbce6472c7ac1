/*
 * h2_driver.c - one lwg_h2_conn over a real TCP socket, for the peer tests
 * (tests/peer/test_h2_peer.py drives it against hyper-h2 and raw frames).
 *
 *   h2_driver server PORT [options]        listen on 127.0.0.1:PORT (0 =
 *                                          any; the port is printed), accept
 *                                          one connection, run the echo app
 *   h2_driver client HOST PORT [options]   connect, run --streams requests
 *
 * The driver pumps the engine with poll(): recv() into a buffer, offer it
 * to lwg_h2_recv() (which may take only part of it: then output is flushed
 * first and the rest offered again), lwg_h2_output()/send()/
 * lwg_h2_output_done(), lwg_h2_tick() with lwg_h2_next_timeout() as the
 * poll timeout, and a lingering close once lwg_h2_wants_close() says so.
 *
 * Everything the tests assert on is printed to stdout, one line each:
 *   event listening port=P | event connected | event ready ...
 *   event stream_open id=N | event headers_end id=N kind=K too_large=T
 *   event remote_end id=N bytes=N | event stream_close id=N how=H code=C
 *   event goaway last=N code=C debug=TEXT | event ping_ack payload=HEX
 *   event conn_error err=E code=C | event peer_closed | event wants_close
 *   event bug WHAT ...   (the engine broke its own contract)
 *   event exit fatal=E code=C
 * Client results:
 *   stream ID status S bytes N trailers ok|none match 1|0
 *   stream ID reset CODE | stream ID reset_us CODE | stream ID refused
 *   stream ID conn_closed | stream ID unsent | unopened idx=K
 *   result ok=N reset=N refused=N failed=N
 *
 * SERVER: the echo application.  A request stream gets `:status 200`,
 * `content-type` (the request's, echoed) and every `x-echo-*` request
 * header back; every DATA byte is echoed (as much as submit_data takes,
 * the rest on on_send_ready) and consumed only once it is echoed, so the
 * receive window reflects what the app holds; when the peer ends its side
 * and everything is echoed, trailers `x-trailer: done` end the stream.
 * Request headers that change this:
 *   x-reset: CODE             reset the stream with CODE after the headers
 *   x-reset-after-bytes: N    reset with CANCEL once N bytes arrived
 *   x-hold-ms: N              neither answer, echo nor consume for N ms
 *   x-big-response: N         add about N bytes of x-big-K response headers
 *   x-end-with-data: 1        end with an empty DATA+END_STREAM, no trailers
 *
 * OPTIONS (both roles)
 *   --initial-window=N --conn-window=N --max-frame=N --max-concurrent=N
 *   --header-table=N --max-header-list=N --settings-timeout=N
 *                        the lwg_h2_settings we advertise
 *   --ping               send a PING ("lwgping1") once the peer is ready
 *   --timeout-ms=N       give up after N ms (default 20000; exit 3)
 *   --verbose            print every header field (event header ...)
 *   --goaway-after=N     server: GOAWAY(NO_ERROR) after the Nth stream opens
 *   --zero-copy          server: echo with lwg_h2_data_reserve()/commit()
 * Client only:
 *   --streams=N --body=N --path=P --header=NAME:VALUE (repeatable)
 *   --header-bytes=N     add x-pad-K request headers of about N bytes
 *   --rst=IDX:CODE       reset the IDX-th stream (0-based) after its headers
 *
 * Exit status: 0 when the run completed (client: every stream has a final
 * result and no stream failed; server: the connection ended), 1 on a
 * failure (client stream failed, data mismatch, contract bug), 2 usage,
 * 3 timeout.  Test code: it may use malloc, the runtime never does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/lwg_h2.h"

#define RX_BUF_SIZE   32768
#define MAX_EXTRA_HDR 16
#define MAX_ECHO_HDR  16

/* ---- configuration ------------------------------------------------------ */

typedef struct extra_header {
    const char *name;
    size_t name_len;
    const char *value;
} extra_header;

typedef struct options {
    int is_server;
    const char *host;
    int port;
    lwg_h2_settings settings;
    int ping;
    int verbose;
    int zero_copy;
    uint32_t timeout_ms;
    unsigned goaway_after;
    /* client */
    unsigned streams;
    size_t body;
    const char *path;
    extra_header extra[MAX_EXTRA_HDR];
    unsigned n_extra;
    size_t header_bytes;
    int rst_idx;
    uint32_t rst_code;
} options;

/* ---- per-stream application state ---------------------------------------- */

typedef struct app_stream {
    int in_use;
    unsigned idx;              /* client: request number */
    lwg_h2_stream *st;         /* NULL once closed */
    uint32_t id;
    /* server */
    uint8_t *echo;             /* received, not yet echoed */
    size_t echo_len, echo_cap;
    char *content_type;
    struct { char *name; char *value; } echo_hdr[MAX_ECHO_HDR];
    unsigned n_echo_hdr;
    long reset_code;           /* -1: none */
    size_t reset_after;        /* 0: none */
    uint32_t hold_until;
    int holding;
    size_t big_response;
    int end_with_data;
    int response_pending;      /* headers decided, not yet taken by submit */
    int response_sent;
    int finished;              /* END_STREAM submitted */
    /* both */
    size_t bytes_in;
    int remote_ended;
    /* client */
    int headers_sent;
    size_t body_sent;
    int status;
    int trailers;
    int match;
    int done;
} app_stream;

typedef struct app {
    options opt;
    lwg_h2_conn conn;
    int fd;
    app_stream *streams;       /* server: LWG_MAX_STREAMS; client: streams */
    unsigned n_streams;
    unsigned next_open;        /* client: next request to open */
    unsigned opened;           /* server: streams opened so far */
    unsigned ok, reset, refused, failed;
    int bug;
    int goaway_done;           /* client: our closing GOAWAY submitted */
    int peer_closed;
    int ready;
    char authority[64];
} app;

static app g_app;

static app_stream *app_of(lwg_h2_stream *st)
{
    return (app_stream *)st->user;
}

static void bug(const char *what, uint32_t id)
{
    printf("event bug %s id=%u\n", what, (unsigned)id);
    g_app.bug = 1;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "h2_driver: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrndup(const uint8_t *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int nv_is(const lwg_h2_nv *nv, const char *name)
{
    size_t n = strlen(name);
    return nv->name_len == n && memcmp(nv->name, name, n) == 0;
}

static long nv_number(const lwg_h2_nv *nv)
{
    char tmp[32];
    size_t n = nv->value_len < sizeof tmp - 1 ? nv->value_len : sizeof tmp - 1;

    memcpy(tmp, nv->value, n);
    tmp[n] = '\0';
    return strtol(tmp, NULL, 0);
}

static void print_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        putchar(p[i] >= 0x21 && p[i] < 0x7f ? p[i] : '.');
}

static lwg_h2_nv mknv(const char *name, size_t name_len, const char *value,
                      size_t value_len)
{
    lwg_h2_nv nv;

    nv.name = (const uint8_t *)name;
    nv.name_len = (uint32_t)name_len;
    nv.value = (const uint8_t *)value;
    nv.value_len = (uint32_t)value_len;
    nv.flags = 0;
    return nv;
}

#define NV(n, v) mknv((n), strlen(n), (v), strlen(v))

/* The body the client sends on request idx: a pattern that differs per
 * stream and per position, so a misrouted or reordered byte shows. */
static uint8_t body_byte(unsigned idx, size_t i)
{
    return (uint8_t)(i * 131u + idx * 17u + (i >> 9));
}

static void app_stream_free(app_stream *s)
{
    free(s->echo);
    free(s->content_type);
    for (unsigned i = 0; i < s->n_echo_hdr; i++) {
        free(s->echo_hdr[i].name);
        free(s->echo_hdr[i].value);
    }
    s->echo = NULL;
    s->content_type = NULL;
    s->n_echo_hdr = 0;
}

/* ======================================================================
 * Server: the echo application
 * ==================================================================== */

/* Hand echo bytes to the engine: submit_data, or reserve/commit with
 * --zero-copy.  Returns bytes taken (0: wait for on_send_ready), or -1. */
static int echo_some(lwg_h2_conn *c, app_stream *s)
{
    int n;

    if (g_app.opt.zero_copy) {
        size_t room = 0;
        uint8_t *p = lwg_h2_data_reserve(c, s->st, &room);
        if (!p) {
            printf("event data_reserve_failed id=%u\n", (unsigned)s->id);
            return -1;
        }
        if (room == 0)
            return 0;
        n = (int)(room < s->echo_len ? room : s->echo_len);
        memcpy(p, s->echo, (size_t)n);
        int rc = lwg_h2_data_commit(c, s->st, (size_t)n, 0);
        if (rc < 0) {
            printf("event data_commit_failed id=%u rc=%d\n", (unsigned)s->id, rc);
            return -1;
        }
    } else {
        n = lwg_h2_submit_data(c, s->st, s->echo, s->echo_len, 0);
        if (n < 0) {
            printf("event submit_data_failed id=%u rc=%d\n", (unsigned)s->id, n);
            return -1;
        }
    }
    if ((size_t)n > s->echo_len) {
        bug("data_send_took_more_than_offered", s->id);
        return -1;
    }
    return n;
}

/* x-end-with-data: END_STREAM on an empty DATA frame.  Returns LWG_OK once
 * it is queued (the stream left OPEN / HALF_CLOSED_REMOTE, or closed),
 * LWG_EAGAIN to retry on on_send_ready, or an error. */
static int end_with_empty_data(lwg_h2_conn *c, app_stream *s)
{
    int rc;

    if (g_app.opt.zero_copy) {
        size_t room = 0;
        if (!lwg_h2_data_reserve(c, s->st, &room))
            return LWG_EINVAL;
        rc = lwg_h2_data_commit(c, s->st, 0, 1);
    } else {
        rc = lwg_h2_submit_data(c, s->st, NULL, 0, 1);
    }
    if (rc < 0)
        return rc;
    if (!s->st || (s->st->state != LWG_H2_ST_OPEN &&
                   s->st->state != LWG_H2_ST_HALF_CLOSED_REMOTE))
        return LWG_OK;
    return LWG_EAGAIN;
}

/* Response headers, then as much echo as the engine takes, then the end
 * of the stream.  Called whenever something may have changed. */
static void server_pump(lwg_h2_conn *c, app_stream *s)
{
    lwg_h2_stream *st = s->st;

    if (!st || s->holding || s->finished)
        return;
    if (s->response_pending && !s->response_sent) {
        lwg_h2_nv nv[4 + MAX_ECHO_HDR + 64];
        char big_names[64][16];
        char *big_value = NULL;
        size_t n = 0;

        nv[n++] = NV(":status", "200");
        nv[n++] = NV("content-type", s->content_type ? s->content_type
                                                     : "application/octet-stream");
        for (unsigned i = 0; i < s->n_echo_hdr; i++)
            nv[n++] = NV(s->echo_hdr[i].name, s->echo_hdr[i].value);
        if (s->big_response) {
            /* about big_response bytes in headers of up to 4000 bytes */
            size_t left = s->big_response, each = 4000;
            big_value = xmalloc(each);
            memset(big_value, 'b', each);
            for (unsigned k = 0; left > 0 && k < 64; k++) {
                size_t len = left < each ? left : each;
                snprintf(big_names[k], sizeof big_names[k], "x-big-%u", k);
                nv[n++] = mknv(big_names[k], strlen(big_names[k]), big_value, len);
                left -= len;
            }
        }
        int rc = lwg_h2_submit_headers(c, st, nv, n, 0);
        free(big_value);
        if (rc == LWG_EAGAIN)
            return; /* on_send_ready retries */
        if (rc != LWG_OK) {
            printf("event submit_headers_failed id=%u rc=%d\n", (unsigned)s->id, rc);
            lwg_h2_submit_rst(c, st, LWG_H2_INTERNAL_ERROR);
            return;
        }
        s->response_sent = 1;
    }
    if (!s->response_sent)
        return;
    while (s->echo_len > 0) {
        int n = echo_some(c, s);
        if (n <= 0)
            return; /* error, or wait for on_send_ready */
        memmove(s->echo, s->echo + n, s->echo_len - (size_t)n);
        s->echo_len -= (size_t)n;
        lwg_h2_consume(c, st, (size_t)n);
        if (!s->st)
            return; /* closed from a callback inside consume */
    }
    if (s->remote_ended && s->echo_len == 0) {
        int rc;
        if (s->end_with_data) {
            rc = end_with_empty_data(c, s);
        } else {
            lwg_h2_nv tr[1] = { NV("x-trailer", "done") };
            rc = lwg_h2_submit_headers(c, st, tr, 1, 1);
        }
        if (rc == LWG_EAGAIN)
            return;
        if (rc < 0)
            printf("event submit_end_failed id=%u rc=%d\n", (unsigned)s->id, rc);
        s->finished = 1;
    }
}

static int srv_on_stream_open(lwg_h2_conn *c, lwg_h2_stream *st)
{
    app *a = &g_app;
    app_stream *s = NULL;

    (void)c;
    for (unsigned i = 0; i < a->n_streams; i++) {
        if (!a->streams[i].in_use) {
            s = &a->streams[i];
            break;
        }
    }
    printf("event stream_open id=%u\n", (unsigned)st->id);
    if (!s) {
        bug("stream_open_beyond_max_streams", st->id);
        return LWG_ENOMEM;
    }
    memset(s, 0, sizeof *s);
    s->in_use = 1;
    s->st = st;
    s->id = st->id;
    s->reset_code = -1;
    s->echo_cap = a->opt.settings.initial_window;
    s->echo = xmalloc(s->echo_cap);
    st->user = s;
    a->opened++;
    if (a->opt.goaway_after && a->opened == a->opt.goaway_after)
        lwg_h2_submit_goaway(c, LWG_H2_GOAWAY_LAST_PEER, LWG_H2_NO_ERROR,
                             "draining");
    return 0;
}

static int srv_on_header(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                         const lwg_h2_nv *nv)
{
    app_stream *s = app_of(st);

    (void)c;
    if (g_app.opt.verbose) {
        printf("event header id=%u kind=%u ", (unsigned)st->id, kind);
        print_text(nv->name, nv->name_len);
        putchar('=');
        print_text(nv->value, nv->value_len > 200 ? 200 : nv->value_len);
        printf(" len=%u\n", (unsigned)nv->value_len);
    }
    if (!s || kind != LWG_H2_HDR_INITIAL)
        return 0;
    if (nv_is(nv, "content-type")) {
        free(s->content_type);
        s->content_type = xstrndup(nv->value, nv->value_len);
    } else if (nv_is(nv, "x-reset")) {
        s->reset_code = nv_number(nv);
    } else if (nv_is(nv, "x-reset-after-bytes")) {
        s->reset_after = (size_t)nv_number(nv);
    } else if (nv_is(nv, "x-hold-ms")) {
        s->holding = 1;
        s->hold_until = lwg_port_now_ms() + (uint32_t)nv_number(nv);
    } else if (nv_is(nv, "x-big-response")) {
        s->big_response = (size_t)nv_number(nv);
    } else if (nv_is(nv, "x-end-with-data")) {
        s->end_with_data = 1;
    } else if (nv->name_len > 7 && memcmp(nv->name, "x-echo-", 7) == 0 &&
               s->n_echo_hdr < MAX_ECHO_HDR) {
        s->echo_hdr[s->n_echo_hdr].name = xstrndup(nv->name, nv->name_len);
        s->echo_hdr[s->n_echo_hdr].value = xstrndup(nv->value, nv->value_len);
        s->n_echo_hdr++;
    }
    return 0;
}

static void srv_on_headers_end(lwg_h2_conn *c, lwg_h2_stream *st,
                               unsigned kind, int too_large)
{
    app_stream *s = app_of(st);

    printf("event headers_end id=%u kind=%u too_large=%d\n", (unsigned)st->id,
           kind, too_large);
    if (!s || kind != LWG_H2_HDR_INITIAL)
        return;
    if (s->reset_code >= 0) {
        lwg_h2_submit_rst(c, st, (uint32_t)s->reset_code); /* closes s */
        return;
    }
    s->response_pending = 1;
    server_pump(c, s);
}

static void srv_on_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data,
                        size_t len)
{
    app_stream *s = app_of(st);

    if (!s) {
        bug("data_without_app_stream", st->id);
        return;
    }
    s->bytes_in += len;
    if (s->echo_len + len > s->echo_cap) {
        /* The engine let the peer send more than the window we granted. */
        bug("data_beyond_receive_window", st->id);
        lwg_h2_submit_rst(c, st, LWG_H2_INTERNAL_ERROR);
        return;
    }
    memcpy(s->echo + s->echo_len, data, len);
    s->echo_len += len;
    if (s->reset_after && s->bytes_in >= s->reset_after) {
        lwg_h2_submit_rst(c, st, LWG_H2_CANCEL);
        return;
    }
    server_pump(c, s);
}

static void srv_on_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    app_stream *s = app_of(st);

    printf("event remote_end id=%u bytes=%zu\n", (unsigned)st->id,
           s ? s->bytes_in : 0);
    if (!s)
        return;
    s->remote_ended = 1;
    server_pump(c, s);
}

/* ======================================================================
 * Client: --streams requests with --body bytes each
 * ==================================================================== */

static void client_result(app_stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void client_result(app_stream *s, const char *fmt, ...)
{
    va_list ap;

    if (s->done)
        return;
    s->done = 1;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static void client_pump(lwg_h2_conn *c, app_stream *s)
{
    app *a = &g_app;
    lwg_h2_stream *st = s->st;

    if (!st)
        return;
    if (!s->headers_sent) {
        lwg_h2_nv nv[8 + MAX_EXTRA_HDR + 64];
        char pad_names[64][16];
        char *pad = NULL;
        size_t n = 0;

        nv[n++] = NV(":method", "POST");
        nv[n++] = NV(":scheme", "http");
        nv[n++] = NV(":path", a->opt.path);
        nv[n++] = NV(":authority", a->authority);
        nv[n++] = NV("content-type", "application/grpc");
        nv[n++] = NV("te", "trailers");
        nv[n++] = NV("user-agent", "lwgrpc-h2-driver");
        for (unsigned i = 0; i < a->opt.n_extra; i++)
            nv[n++] = mknv(a->opt.extra[i].name, a->opt.extra[i].name_len,
                           a->opt.extra[i].value, strlen(a->opt.extra[i].value));
        if (a->opt.header_bytes) {
            size_t left = a->opt.header_bytes, each = 4000;
            pad = xmalloc(each);
            memset(pad, 'p', each);
            for (unsigned k = 0; left > 0 && k < 64; k++) {
                size_t len = left < each ? left : each;
                snprintf(pad_names[k], sizeof pad_names[k], "x-pad-%u", k);
                nv[n++] = mknv(pad_names[k], strlen(pad_names[k]), pad, len);
                left -= len;
            }
        }
        int rc = lwg_h2_submit_headers(c, st, nv, n, a->opt.body == 0);
        free(pad);
        if (rc == LWG_EAGAIN)
            return;
        if (rc != LWG_OK) {
            printf("event submit_headers_failed idx=%u rc=%d\n", s->idx, rc);
            client_result(s, "stream %u headers_failed %d\n", (unsigned)st->id, rc);
            a->failed++;
            lwg_h2_submit_rst(c, st, LWG_H2_CANCEL);
            return;
        }
        s->headers_sent = 1;
        s->id = st->id;
        if (st->id == 0 || (st->id & 1) == 0)
            bug("client_stream_id_not_odd", st->id);
        if (a->opt.rst_idx >= 0 && (unsigned)a->opt.rst_idx == s->idx) {
            lwg_h2_submit_rst(c, st, a->opt.rst_code); /* closes s */
            return;
        }
    }
    while (s->body_sent < a->opt.body) {
        uint8_t chunk[4096];
        size_t left = a->opt.body - s->body_sent;
        size_t len = left < sizeof chunk ? left : sizeof chunk;

        for (size_t i = 0; i < len; i++)
            chunk[i] = body_byte(s->idx, s->body_sent + i);
        int n = lwg_h2_submit_data(c, st, chunk, len, len == left);
        if (n < 0) {
            printf("event submit_data_failed id=%u rc=%d\n", (unsigned)s->id, n);
            return;
        }
        if ((size_t)n > len) {
            bug("submit_data_took_more_than_offered", s->id);
            return;
        }
        s->body_sent += (size_t)n;
        if ((size_t)n < len)
            return; /* on_send_ready */
    }
}

/* Open requests while the engine lets us. */
static void client_open_more(lwg_h2_conn *c)
{
    app *a = &g_app;

    while (a->next_open < a->n_streams) {
        int can = lwg_h2_can_open(c);
        if (can == LWG_ECLOSED) {
            /* no new streams on this connection: they were never sent */
            while (a->next_open < a->n_streams) {
                app_stream *s = &a->streams[a->next_open++];
                client_result(s, "unopened idx=%u\n", s->idx);
                a->refused++;
            }
            return;
        }
        if (can != LWG_OK)
            return;
        app_stream *s = &a->streams[a->next_open];
        lwg_h2_stream *st = lwg_h2_stream_open(c, s);
        if (!st) {
            bug("can_open_ok_but_stream_open_null", 0);
            return;
        }
        a->next_open++;
        s->st = st;
        s->in_use = 1;
        client_pump(c, s);
    }
}

static int cli_on_header(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                         const lwg_h2_nv *nv)
{
    app_stream *s = app_of(st);

    (void)c;
    if (g_app.opt.verbose) {
        printf("event header id=%u kind=%u ", (unsigned)st->id, kind);
        print_text(nv->name, nv->name_len);
        putchar('=');
        print_text(nv->value, nv->value_len > 200 ? 200 : nv->value_len);
        printf(" len=%u\n", (unsigned)nv->value_len);
    }
    if (s && kind == LWG_H2_HDR_INITIAL && nv_is(nv, ":status"))
        s->status = (int)nv_number(nv);
    return 0;
}

static void cli_on_headers_end(lwg_h2_conn *c, lwg_h2_stream *st, unsigned kind,
                               int too_large)
{
    app_stream *s = app_of(st);

    (void)c;
    printf("event headers_end id=%u kind=%u too_large=%d\n", (unsigned)st->id,
           kind, too_large);
    if (s && kind == LWG_H2_HDR_TRAILERS)
        s->trailers = 1;
}

static void cli_on_data(lwg_h2_conn *c, lwg_h2_stream *st, const uint8_t *data,
                        size_t len)
{
    app_stream *s = app_of(st);

    if (!s) {
        bug("data_without_app_stream", st->id);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (s->bytes_in + i >= g_app.opt.body ||
            data[i] != body_byte(s->idx, s->bytes_in + i)) {
            s->match = 0;
            break;
        }
    }
    s->bytes_in += len;
    lwg_h2_consume(c, st, len);
}

static void cli_on_remote_end(lwg_h2_conn *c, lwg_h2_stream *st)
{
    app_stream *s = app_of(st);

    (void)c;
    printf("event remote_end id=%u bytes=%zu\n", (unsigned)st->id,
           s ? s->bytes_in : 0);
    if (s)
        s->remote_ended = 1;
}

/* ======================================================================
 * Callbacks shared by both roles
 * ==================================================================== */

static void on_stream_close(lwg_h2_conn *c, lwg_h2_stream *st, unsigned how,
                            uint32_t code)
{
    app *a = &g_app;
    app_stream *s = app_of(st);

    (void)c;
    printf("event stream_close id=%u how=%u code=%u\n", (unsigned)st->id, how,
           (unsigned)code);
    if (!s)
        return;
    if (!a->opt.is_server) {
        uint32_t id = st->id;
        switch (how) {
        case LWG_H2_CLOSE_NORMAL:
            client_result(s, "stream %u status %d bytes %zu trailers %s match %d\n",
                          (unsigned)id, s->status, s->bytes_in,
                          s->trailers ? "ok" : "none",
                          s->match && s->bytes_in == a->opt.body);
            if (s->status == 200 && s->match && s->bytes_in == a->opt.body)
                a->ok++;
            else
                a->failed++;
            break;
        case LWG_H2_CLOSE_RESET_PEER:
            client_result(s, "stream %u reset %u\n", (unsigned)id, (unsigned)code);
            a->reset++;
            break;
        case LWG_H2_CLOSE_RESET_US:
            client_result(s, "stream %u reset_us %u\n", (unsigned)id, (unsigned)code);
            a->reset++;
            break;
        case LWG_H2_CLOSE_REFUSED:
            client_result(s, "stream %u refused\n", (unsigned)id);
            a->refused++;
            break;
        case LWG_H2_CLOSE_UNSENT:
            client_result(s, "stream %u unsent\n", (unsigned)id);
            a->refused++;
            break;
        default:
            client_result(s, "stream %u conn_closed\n", (unsigned)id);
            a->failed++;
            break;
        }
        s->st = NULL;
        return;
    }
    s->st = NULL;
    app_stream_free(s);
    s->in_use = 0;
}

static void on_goaway(lwg_h2_conn *c, uint32_t last_id, uint32_t code,
                      const uint8_t *debug, size_t debug_len)
{
    printf("event goaway last=%u code=%u debug=", (unsigned)last_id, (unsigned)code);
    print_text(debug, debug_len);
    putchar('\n');
    /* Requests not yet opened will never be: report them now rather than
     * wait for an on_send_ready(NULL) that a closing connection may not
     * send. */
    if (!g_app.opt.is_server)
        client_open_more(c);
}

static void on_send_ready(lwg_h2_conn *c, lwg_h2_stream *st)
{
    if (!st) {
        if (!g_app.opt.is_server)
            client_open_more(c);
        return;
    }
    app_stream *s = app_of(st);
    if (!s)
        return;
    if (g_app.opt.is_server)
        server_pump(c, s);
    else
        client_pump(c, s);
}

static void on_ping_ack(lwg_h2_conn *c, const uint8_t opaque[8])
{
    (void)c;
    printf("event ping_ack payload=");
    for (int i = 0; i < 8; i++)
        printf("%02x", opaque[i]);
    putchar('\n');
}

static void on_ready(lwg_h2_conn *c)
{
    app *a = &g_app;

    printf("event ready peer_max_frame=%u peer_initial_window=%u "
           "peer_max_concurrent=%u peer_header_table=%u\n",
           (unsigned)c->peer.max_frame_size, (unsigned)c->peer.initial_window,
           (unsigned)c->peer.max_concurrent, (unsigned)c->peer.header_table_size);
    if (a->ready++)
        bug("on_ready_twice", 0);
    if (a->opt.ping) {
        int rc = lwg_h2_submit_ping(c, (const uint8_t *)"lwgping1");
        if (rc != LWG_OK)
            printf("event ping_submit_failed rc=%d\n", rc);
    }
    if (!a->opt.is_server)
        client_open_more(c);
}

static void on_conn_error(lwg_h2_conn *c, int err, uint32_t h2_code)
{
    (void)c;
    printf("event conn_error err=%d code=%u\n", err, (unsigned)h2_code);
}

static const lwg_h2_callbacks server_callbacks = {
    .on_stream_open = srv_on_stream_open,
    .on_header = srv_on_header,
    .on_headers_end = srv_on_headers_end,
    .on_data = srv_on_data,
    .on_remote_end = srv_on_remote_end,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
    .on_send_ready = on_send_ready,
    .on_ping_ack = on_ping_ack,
    .on_ready = on_ready,
    .on_conn_error = on_conn_error,
};

static const lwg_h2_callbacks client_callbacks = {
    .on_stream_open = NULL,
    .on_header = cli_on_header,
    .on_headers_end = cli_on_headers_end,
    .on_data = cli_on_data,
    .on_remote_end = cli_on_remote_end,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
    .on_send_ready = on_send_ready,
    .on_ping_ack = on_ping_ack,
    .on_ready = on_ready,
    .on_conn_error = on_conn_error,
};

/* ======================================================================
 * Sockets and the pump loop
 * ==================================================================== */

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    int one = 1;

    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int server_accept(int port)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);

    if (ls < 0)
        return -1;
    (void)setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1) < 0 ||
        getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
        perror("h2_driver: listen");
        close(ls);
        return -1;
    }
    printf("event listening port=%u\n", (unsigned)ntohs(sa.sin_port));

    struct pollfd pfd = { .fd = ls, .events = POLLIN };
    if (poll(&pfd, 1, (int)g_app.opt.timeout_ms) <= 0) {
        printf("event timeout waiting_for_accept\n");
        close(ls);
        exit(3);
    }
    int fd = accept(ls, NULL, NULL);
    close(ls);
    return fd;
}

static int client_connect(const char *host, int port)
{
    struct addrinfo hints, *res, *ai;
    char portstr[16];
    int fd = -1;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portstr, sizeof portstr, "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0)
        return -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Send what the engine has queued, as far as the socket takes it.
 * Returns 0, or -1 when the socket failed. */
static int flush_output(app *a)
{
    for (;;) {
        size_t len = 0;
        const uint8_t *p = lwg_h2_output(&a->conn, &len);
        if (len == 0)
            return 0;
        if (len > LWG_TX_BUF_SIZE)
            bug("output_longer_than_tx_buf", 0);
        ssize_t n = send(a->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return 0;
            printf("event send_failed errno=%d\n", errno);
            return -1;
        }
        lwg_h2_output_done(&a->conn, (size_t)n);
    }
}

static int output_pending(app *a)
{
    size_t len = 0;

    (void)lwg_h2_output(&a->conn, &len);
    return len > 0;
}

/* Release streams whose x-hold-ms ran out; returns ms to the next one. */
static uint32_t run_holds(app *a, uint32_t now)
{
    uint32_t next = LWG_NO_TIMEOUT;

    if (!a->opt.is_server)
        return next;
    for (unsigned i = 0; i < a->n_streams; i++) {
        app_stream *s = &a->streams[i];
        if (!s->in_use || !s->holding || !s->st)
            continue;
        if (lwg_time_reached(now, s->hold_until)) {
            s->holding = 0;
            printf("event hold_released id=%u\n", (unsigned)s->id);
            server_pump(&a->conn, s);
        } else {
            uint32_t left = (uint32_t)lwg_time_diff(s->hold_until, now);
            if (left < next)
                next = left;
        }
    }
    return next;
}

static int client_all_done(app *a)
{
    if (a->opt.is_server || a->next_open < a->n_streams)
        return 0;
    for (unsigned i = 0; i < a->n_streams; i++)
        if (!a->streams[i].done)
            return 0;
    return 1;
}

/* After the last write: stop sending, read (and drop) what the peer still
 * sends for a moment, so our final frames are not destroyed by a TCP RST
 * for unread data. */
static void lingering_close(int fd)
{
    uint8_t junk[4096];
    uint32_t start = lwg_port_now_ms();

    (void)shutdown(fd, SHUT_WR);
    for (;;) {
        int32_t left = 500 - lwg_time_diff(lwg_port_now_ms(), start);
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            break;
        ssize_t n = recv(fd, junk, sizeof junk, 0);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
            break;
    }
    close(fd);
}

/* Offer rx[*off, *len) to the engine.  Returns 0, or -1 when the
 * connection failed (recv returned LWG_ECONN). */
static int feed_input(app *a, const uint8_t *rx, size_t *off, size_t *len)
{
    while (*len > 0) {
        int n = lwg_h2_recv(&a->conn, rx + *off, *len, lwg_port_now_ms());
        if (n < 0) {
            if (n != LWG_ECONN)
                printf("event recv_error rc=%d\n", n);
            *len = 0;
            return -1;
        }
        if ((size_t)n > *len) {
            bug("recv_consumed_more_than_len", 0);
            *len = 0;
            return -1;
        }
        *off += (size_t)n;
        *len -= (size_t)n;
        if (*len > 0) {
            if (!output_pending(a)) {
                if (n == 0) {
                    /* No progress and nothing to flush: a livelock. */
                    bug("recv_stalled_with_empty_output", 0);
                    *len = 0;
                    return -1;
                }
                continue;
            }
            return 0; /* flush first, then offer the rest */
        }
    }
    return 0;
}

static int run(app *a)
{
    static uint8_t rx[RX_BUF_SIZE];
    size_t rx_off = 0, rx_len = 0;
    uint32_t start = lwg_port_now_ms();
    int failed = 0;

    for (;;) {
        uint32_t now = lwg_port_now_ms();

        (void)run_holds(a, now);

        lwg_h2_tick(&a->conn, now);
        if (flush_output(a) < 0) {
            lwg_h2_transport_closed(&a->conn, LWG_EIO);
            break;
        }
        if (rx_len > 0 && !failed) {
            if (feed_input(a, rx, &rx_off, &rx_len) < 0)
                failed = 1;
            if (flush_output(a) < 0) {
                lwg_h2_transport_closed(&a->conn, LWG_EIO);
                break;
            }
            if (rx_len > 0 && !output_pending(a))
                continue; /* more to offer at once */
        }
        if (a->bug)
            break;
        if (client_all_done(a) && !a->goaway_done) {
            a->goaway_done = 1;
            lwg_h2_submit_goaway(&a->conn, LWG_H2_GOAWAY_LAST_PEER,
                                 LWG_H2_NO_ERROR, "client done");
            continue;
        }
        int pending = output_pending(a);
        if (!pending) {
            if (lwg_h2_wants_close(&a->conn)) {
                printf("event wants_close\n");
                break;
            }
            if (failed || a->goaway_done || a->peer_closed)
                break;
        }

        /* Wait for the socket, a timer, or the overall deadline. */
        int32_t elapsed = lwg_time_diff(lwg_port_now_ms(), start);
        if (elapsed >= (int32_t)a->opt.timeout_ms) {
            printf("event timeout\n");
            fflush(stdout);
            return 3;
        }
        uint32_t wait = a->opt.timeout_ms - (uint32_t)elapsed;
        uint32_t eng = lwg_h2_next_timeout(&a->conn, lwg_port_now_ms());
        if (eng < wait)
            wait = eng;
        /* holds may have started while input was fed above */
        uint32_t hold_next = run_holds(a, lwg_port_now_ms());
        if (hold_next < wait)
            wait = hold_next;
        struct pollfd pfd = { .fd = a->fd, .events = 0 };
        if (rx_len == 0 && !failed)
            pfd.events |= POLLIN;
        if (pending)
            pfd.events |= POLLOUT;
        int pr = poll(&pfd, 1, (int)wait);
        if (pr < 0 && errno != EINTR) {
            perror("h2_driver: poll");
            break;
        }
        if (pr > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) && rx_len == 0 &&
            !failed) {
            ssize_t n = recv(a->fd, rx, sizeof rx, 0);
            if (n > 0) {
                rx_off = 0;
                rx_len = (size_t)n;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                printf("event peer_closed\n");
                a->peer_closed = 1;
                lwg_h2_transport_closed(&a->conn, n == 0 ? LWG_OK : LWG_EIO);
                (void)flush_output(a);
                break;
            }
        }
    }
    return 0;
}

/* ======================================================================
 * main
 * ==================================================================== */

static int opt_u32(const char *arg, const char *name, uint32_t *out)
{
    size_t n = strlen(name);

    if (strncmp(arg, name, n) != 0 || arg[n] != '=')
        return 0;
    *out = (uint32_t)strtoul(arg + n + 1, NULL, 0);
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: h2_driver server PORT [options]\n"
                    "       h2_driver client HOST PORT [options]\n"
                    "(see the comment at the top of tests/peer/h2_driver.c)\n");
    exit(2);
}

static void parse_args(options *o, int argc, char **argv)
{
    int i;
    uint32_t v;

    memset(o, 0, sizeof *o);
    o->settings = lwg_h2_default_settings;
    o->timeout_ms = 20000;
    o->streams = 1;
    o->path = "/echo";
    o->rst_idx = -1;
    if (argc < 3)
        usage();
    if (strcmp(argv[1], "server") == 0) {
        o->is_server = 1;
        o->port = atoi(argv[2]);
        i = 3;
    } else if (strcmp(argv[1], "client") == 0 && argc >= 4) {
        o->host = argv[2];
        o->port = atoi(argv[3]);
        i = 4;
    } else {
        usage();
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (opt_u32(a, "--initial-window", &o->settings.initial_window) ||
            opt_u32(a, "--conn-window", &o->settings.conn_window) ||
            opt_u32(a, "--max-frame", &o->settings.max_frame_size) ||
            opt_u32(a, "--max-concurrent", &o->settings.max_concurrent) ||
            opt_u32(a, "--header-table", &o->settings.header_table_size) ||
            opt_u32(a, "--max-header-list", &o->settings.max_header_list) ||
            opt_u32(a, "--settings-timeout", &o->settings.settings_timeout_ms) ||
            opt_u32(a, "--timeout-ms", &o->timeout_ms) ||
            opt_u32(a, "--goaway-after", &o->goaway_after) ||
            opt_u32(a, "--streams", &o->streams))
            continue;
        if (opt_u32(a, "--body", &v)) {
            o->body = v;
        } else if (opt_u32(a, "--header-bytes", &v)) {
            o->header_bytes = v;
        } else if (strncmp(a, "--path=", 7) == 0) {
            o->path = a + 7;
        } else if (strncmp(a, "--header=", 9) == 0 && o->n_extra < MAX_EXTRA_HDR) {
            const char *colon = strchr(a + 10, ':'); /* skip a leading ':' */
            if (!colon)
                usage();
            o->extra[o->n_extra].name = a + 9;
            o->extra[o->n_extra].name_len = (size_t)(colon - (a + 9));
            o->extra[o->n_extra].value = colon + 1;
            o->n_extra++;
        } else if (strncmp(a, "--rst=", 6) == 0) {
            char *end;
            o->rst_idx = (int)strtol(a + 6, &end, 0);
            if (*end != ':')
                usage();
            o->rst_code = (uint32_t)strtoul(end + 1, NULL, 0);
        } else if (strcmp(a, "--ping") == 0) {
            o->ping = 1;
        } else if (strcmp(a, "--zero-copy") == 0) {
            o->zero_copy = 1;
        } else if (strcmp(a, "--verbose") == 0) {
            o->verbose = 1;
        } else {
            fprintf(stderr, "h2_driver: unknown option %s\n", a);
            usage();
        }
    }
}

int main(int argc, char **argv)
{
    app *a = &g_app;
    options *o = &a->opt;
    uint32_t code = 0;
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    parse_args(o, argc, argv);

    if (o->is_server) {
        a->n_streams = LWG_MAX_STREAMS;
        a->fd = server_accept(o->port);
    } else {
        a->n_streams = o->streams;
        a->fd = client_connect(o->host, o->port);
        snprintf(a->authority, sizeof a->authority, "%s:%d", o->host, o->port);
    }
    if (a->fd < 0) {
        fprintf(stderr, "h2_driver: no connection: %s\n", strerror(errno));
        return 1;
    }
    if (set_nonblocking(a->fd) < 0)
        return 1;
    printf("event connected\n");
    a->streams = calloc(a->n_streams ? a->n_streams : 1, sizeof *a->streams);
    if (!a->streams)
        return 1;
    for (unsigned i = 0; i < a->n_streams; i++) {
        a->streams[i].idx = i;
        a->streams[i].match = 1;
    }
    printf("settings header_table=%u max_concurrent=%u initial_window=%u "
           "conn_window=%u max_frame=%u max_header_list=%u\n",
           (unsigned)o->settings.header_table_size,
           (unsigned)o->settings.max_concurrent,
           (unsigned)o->settings.initial_window,
           (unsigned)o->settings.conn_window,
           (unsigned)o->settings.max_frame_size,
           (unsigned)o->settings.max_header_list);

    rc = lwg_h2_conn_init(&a->conn, o->is_server,
                          o->is_server ? &server_callbacks : &client_callbacks,
                          a, &o->settings, lwg_port_now_ms());
    if (rc != LWG_OK) {
        printf("event init_failed rc=%d\n", rc);
        return 2;
    }

    rc = run(a);
    int fatal = lwg_h2_conn_error(&a->conn, &code);
    if (rc == 0)
        lingering_close(a->fd);
    else
        close(a->fd);

    if (!o->is_server) {
        for (unsigned i = 0; i < a->n_streams; i++) {
            app_stream *s = &a->streams[i];
            if (!s->done) {
                client_result(s, "stream %u unfinished\n", (unsigned)s->id);
                a->failed++;
            }
        }
        printf("result ok=%u reset=%u refused=%u failed=%u\n", a->ok, a->reset,
               a->refused, a->failed);
    }
    for (unsigned i = 0; i < a->n_streams; i++)
        app_stream_free(&a->streams[i]);
    free(a->streams);
    printf("event exit fatal=%d code=%u\n", fatal, (unsigned)code);
    if (rc != 0)
        return rc;
    if (a->bug || (!o->is_server && a->failed))
        return 1;
    return 0;
}
