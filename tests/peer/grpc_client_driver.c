/*
 * grpc_client_driver.c - one lwgrpc client call over the POSIX port, for
 * the peer tests (tests/peer/test_grpc_edges.py serves scripted responses
 * from a raw HTTP/2 peer, python3-h2, and asserts what this prints).
 *
 *   grpc_client_driver HOST PORT PATH [options]
 *
 * The call uses a hand-written lwg_method (no generated code): messages
 * are raw bytes, given in hex.  The driver runs the asynchronous call API
 * with lwg_posix_poll(): every event is printed as it happens, so the test
 * sees the order.
 *
 * OPTIONS
 *   --kind=unary|server|client|bidi   the method's kind (default unary)
 *   --msg=HEX          a request message (repeatable, sent in order;
 *                      "--msg=" is an empty message).  Default: none.
 *   --no-close         do not half-close after the messages
 *   --timeout=MS       the call's deadline (lwg_call_opts.timeout_ms)
 *   --max-recv=N       lwg_call_opts.max_recv_message
 *   --md=NAME=VALUE    request metadata (repeatable); for a NAME ending in
 *                      -bin, VALUE is hex
 *   --authority=A      lwg_call_opts.authority
 *   --cancel-after-msgs=N   lwg_call_cancel() once N messages arrived
 *   --wall=MS          give up after MS (default 10000): prints
 *                      "driver timeout", exit 3
 *   --linger=MS        keep pumping this long after the status so what
 *                      the engine still has to send (RST_STREAM) goes out
 *                      (default 300)
 *
 * OUTPUT (one line each, stdout)
 *   started                     the call was started (lwg_call_start OK)
 *   start_error E               lwg_call_start() refused it (LWG_E... code)
 *   send_error E                lwg_call_send() failed
 *   headers                     response headers (not for Trailers-Only)
 *   md NAME=VALUE               a received metadata entry, in order, as it
 *                               is first seen: header entries right after
 *                               `headers`, trailer entries before `status`;
 *                               -bin values in hex, others as they are
 *   message LEN HEX             one response message
 *   status CODE MESSAGE         the outcome (lwg_call_status and message)
 *   driver timeout | driver done
 * Exit status: 0 when a status was printed, 2 usage, 3 timeout.
 *
 * Test code: may use the C library freely; the runtime never allocates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/posix/lwg_posix.h"

#define MAX_MSGS 32
#define MAX_MD   40
#define MAX_MSG_BYTES 4096

static lwg_channel channel;
static lwg_posix_client client;
static lwg_call call;
static lwg_method method = { NULL, LWG_RPC_UNARY, NULL, NULL };
static lwg_call_opts opts;

static uint8_t msgs[MAX_MSGS][MAX_MSG_BYTES];
static size_t msg_len[MAX_MSGS];
static size_t n_msgs, next_msg;
static int close_after = 1;
static int closed_send;
static unsigned cancel_after_msgs;
static unsigned messages_seen;

static lwg_md md_out[MAX_MD];
static uint8_t md_bin[MAX_MD][MAX_MSG_BYTES];
static size_t n_md;

static size_t md_printed; /* md_in entries printed so far */
static int done;

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse hex into out; returns the length or -1. */
static long unhex(const char *s, uint8_t *out, size_t room)
{
    size_t n = strlen(s), i;

    if (n % 2 || n / 2 > room)
        return -1;
    for (i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

/* Print md_in entries not printed yet. */
static void print_new_md(void)
{
    const lwg_metadata *md = lwg_call_metadata(&call);
    lwg_metadata_view v;

    for (; md_printed < lwg_metadata_count(md); md_printed++) {
        if (lwg_metadata_at(md, md_printed, &v) != LWG_OK)
            break;
        printf("md %.*s=", (int)v.name_len, v.name);
        if (v.binary)
            print_hex(v.value, v.value_len);
        else
            printf("%.*s", (int)v.value_len, (const char *)v.value);
        printf("\n");
    }
}

/* Send what is left; half-close after the last one. */
static void send_more(void)
{
    while (next_msg < n_msgs) {
        int r = lwg_call_send(&call, msgs[next_msg], msg_len[next_msg]);
        if (r == LWG_EAGAIN)
            return; /* on_send_ready */
        if (r != LWG_OK) {
            printf("send_error %d\n", r);
            next_msg = n_msgs;
            return;
        }
        next_msg++;
    }
    if (close_after && !closed_send) {
        closed_send = 1;
        (void)lwg_call_close_send(&call);
    }
}

static void cb_headers(lwg_call *c)
{
    (void)c;
    printf("headers\n");
    print_new_md();
    fflush(stdout);
}

static int cb_message(lwg_call *c, const uint8_t *msg, size_t len)
{
    printf("message %zu ", len);
    print_hex(msg, len);
    printf("\n");
    fflush(stdout);
    messages_seen++;
    if (cancel_after_msgs && messages_seen == cancel_after_msgs)
        lwg_call_cancel(c);
    return LWG_OK;
}

static void cb_send_ready(lwg_call *c)
{
    (void)c;
    send_more();
}

static void cb_status(lwg_call *c)
{
    print_new_md();
    printf("status %d %s\n", lwg_call_status(c), lwg_call_status_message(c));
    fflush(stdout);
    done = 1;
}

static const lwg_call_cbs cbs = {
    .on_headers = cb_headers,
    .on_message = cb_message,
    .on_send_ready = cb_send_ready,
    .on_status = cb_status,
};

static int usage(void)
{
    fprintf(stderr, "usage: grpc_client_driver HOST PORT PATH [--kind=unary|server|client|bidi]\n"
                    "  [--msg=HEX]... [--no-close] [--timeout=MS] [--max-recv=N]\n"
                    "  [--md=NAME=VALUE]... [--authority=A] [--cancel-after-msgs=N]\n"
                    "  [--wall=MS] [--linger=MS]\n");
    return 2;
}

static const char *opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 ? arg + n : NULL;
}

int main(int argc, char **argv)
{
    lwg_posix_client *clients[1] = { &client };
    long wall_ms = 10000, linger_ms = 300;
    uint32_t t0, t_done = 0;
    char authority[300];
    const char *v;
    int r;

    if (argc < 4)
        return usage();
    method.path = argv[3];
    for (int i = 4; i < argc; i++) {
        const char *a = argv[i];
        if ((v = opt(a, "--kind=")) != NULL) {
            if (strcmp(v, "unary") == 0)
                method.kind = LWG_RPC_UNARY;
            else if (strcmp(v, "server") == 0)
                method.kind = LWG_RPC_SERVER_STREAMING;
            else if (strcmp(v, "client") == 0)
                method.kind = LWG_RPC_CLIENT_STREAMING;
            else if (strcmp(v, "bidi") == 0)
                method.kind = LWG_RPC_BIDI_STREAMING;
            else
                return usage();
        } else if ((v = opt(a, "--msg=")) != NULL) {
            long n;
            if (n_msgs == MAX_MSGS || (n = unhex(v, msgs[n_msgs], MAX_MSG_BYTES)) < 0)
                return usage();
            msg_len[n_msgs++] = (size_t)n;
        } else if (strcmp(a, "--no-close") == 0) {
            close_after = 0;
        } else if ((v = opt(a, "--timeout=")) != NULL) {
            opts.timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        } else if ((v = opt(a, "--max-recv=")) != NULL) {
            opts.max_recv_message = (uint32_t)strtoul(v, NULL, 10);
        } else if ((v = opt(a, "--authority=")) != NULL) {
            opts.authority = v;
        } else if ((v = opt(a, "--cancel-after-msgs=")) != NULL) {
            cancel_after_msgs = (unsigned)strtoul(v, NULL, 10);
        } else if ((v = opt(a, "--wall=")) != NULL) {
            wall_ms = strtol(v, NULL, 10);
        } else if ((v = opt(a, "--linger=")) != NULL) {
            linger_ms = strtol(v, NULL, 10);
        } else if ((v = opt(a, "--md=")) != NULL) {
            const char *eq = strchr(v, '=');
            size_t nlen;
            char *name;
            if (eq == NULL || n_md == MAX_MD)
                return usage();
            nlen = (size_t)(eq - v);
            name = strndup(v, nlen);
            md_out[n_md].name = name;
            if (nlen > 4 && strcmp(name + nlen - 4, "-bin") == 0) {
                long n = unhex(eq + 1, md_bin[n_md], MAX_MSG_BYTES);
                if (n < 0)
                    return usage();
                md_out[n_md].value = md_bin[n_md];
                md_out[n_md].value_len = (size_t)n;
            } else {
                md_out[n_md].value = (const uint8_t *)(eq + 1);
                md_out[n_md].value_len = strlen(eq + 1);
            }
            n_md++;
        } else {
            return usage();
        }
    }
    opts.metadata = md_out;
    opts.metadata_count = n_md;

    /* :authority is HOST:PORT ([HOST]:PORT for an IPv6 literal) */
    snprintf(authority, sizeof authority, strchr(argv[1], ':') ? "[%s]:%s" : "%s:%s", argv[1],
             argv[2]);
    if (lwg_channel_init(&channel, authority, lwg_port_now_ms()) != LWG_OK ||
        lwg_posix_client_init(&client, &channel, argv[1], atoi(argv[2])) != LWG_OK) {
        fprintf(stderr, "grpc_client_driver: bad host or port\n");
        return 2;
    }
    r = lwg_call_start(&channel, &call, &method, &opts, &cbs, NULL);
    if (r != LWG_OK) {
        printf("start_error %d\n", r);
        return 0;
    }
    printf("started\n");
    fflush(stdout);
    send_more();

    t0 = lwg_port_now_ms();
    for (;;) {
        uint32_t now = lwg_port_now_ms();
        if (done) {
            if (t_done == 0)
                t_done = now ? now : 1;
            if (lwg_time_diff(now, t_done) >= linger_ms)
                break;
        }
        if (lwg_time_diff(now, t0) >= wall_ms) {
            printf("driver timeout\n");
            fflush(stdout);
            lwg_posix_client_close(&client);
            return 3;
        }
        (void)lwg_posix_poll(clients, 1, NULL, 0, 20);
    }
    lwg_posix_client_close(&client);
    for (size_t i = 0; i < n_md; i++)
        free((void *)md_out[i].name);
    printf("driver done\n");
    fflush(stdout);
    return 0;
}
