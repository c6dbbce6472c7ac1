/*
 * bench_client.c - the lwgrpc benchmark client: drives bench.Bench
 * (bench/bench.proto) on one HTTP/2 connection with the asynchronous API,
 * `conc` calls in flight at once, single-threaded.
 *
 *   build/bench/bin/lwg_bench_client --server=127.0.0.1:PORT
 *       [--mode=unary|sstream|cstream] [--conc=1] [--size=100]
 *       [--secs=2] [--warmup=0.5] [--calls=0] [--count=1000] [--deadline-ms=0]
 *
 *   unary    Unary calls with a `size`-byte payload (the response is
 *            decoded and its length checked)
 *   sstream  ServerStream calls of `count` chunks of `size` bytes
 *   cstream  ClientStream calls of `count` chunks of `size` bytes
 *
 * Runs warmup seconds unmeasured, then secs measured; with --calls=N it
 * runs exactly N calls instead (no warm-up; for callgrind).  Prints one
 * line, the same as the C++ and grpc-go benchmark clients print:
 *   RESULT {"calls":N,"secs":S,"calls_per_s":R,"p50_us":A,"p99_us":B,
 *           "bytes":N,"mb_per_s":M,"errors":E}
 * --deadline-ms=N gives every call a deadline (sent as grpc-timeout); the
 * default is none, as in the C++ and grpc-go clients, so that all three
 * do the same work per call.
 * Latency is per call, from start to status.  bytes (streaming) counts
 * payload bytes of the calls that finished OK in the measured window.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.lwgrpc.h"
#include "bench/lwg/bench_util.h"
#include "port/posix/lwg_posix.h"

#define MAX_CONC 100
#define MAX_SAMPLES (4u * 1024u * 1024u)

enum { MODE_UNARY, MODE_SSTREAM, MODE_CSTREAM };

static lwg_channel channel;
static lwg_posix_client client;
static lwg_call calls[MAX_CONC];

static struct slot {
    int busy;           /* started, on_status not yet seen  */
    uint64_t t_start;
    uint32_t sent;      /* cstream: chunks queued           */
    uint64_t bytes;     /* payload bytes of this call       */
    int bad;            /* a response did not check out     */
} slots[MAX_CONC];

static int mode = MODE_UNARY;
static uint32_t msg_size = 100;
static uint32_t msg_count = 1000;
static uint64_t t_measure;      /* measured window start (ns) */
static uint64_t t_stop;         /* start no calls after this  */
static int measuring;
static uint64_t n_calls, n_errors, n_bytes, n_started, calls_limit;
static uint32_t *samples;       /* latencies in us            */
static uint64_t n_samples;

static bench_Payload payload;
static bench_Payload payload_in;
static bench_Chunk chunk;
static bench_Chunk chunk_in;
static lwg_call_opts call_opts;

static int on_message(lwg_call *call, const uint8_t *msg, size_t len)
{
    struct slot *s = call->user;

    if (mode == MODE_UNARY) {
        if (bench_Bench_Unary_decode(msg, len, &payload_in) != LWG_OK ||
            payload_in.data.size != msg_size)
            s->bad = 1;
    } else if (mode == MODE_SSTREAM) {
        if (bench_Bench_ServerStream_decode(msg, len, &chunk_in) != LWG_OK ||
            chunk_in.data.size != msg_size)
            s->bad = 1;
        else
            s->bytes += chunk_in.data.size;
    } else {
        bench_Count count;
        if (bench_Bench_ClientStream_decode(msg, len, &count) != LWG_OK ||
            count.messages != msg_count || count.bytes != (uint64_t)msg_count * msg_size)
            s->bad = 1;
    }
    return LWG_OK;
}

/* cstream: queue chunks until the call cannot take more, then half-close. */
static void send_chunks(lwg_call *call)
{
    struct slot *s = call->user;

    while (s->sent < msg_count) {
        int r = bench_Bench_ClientStream_send(call, &chunk);
        if (r == LWG_EAGAIN)
            return;
        if (r != LWG_OK) {
            s->bad = 1;
            lwg_call_cancel(call);
            return;
        }
        s->sent++;
        s->bytes += msg_size;
    }
    (void)lwg_call_close_send(call);
}

static void on_send_ready(lwg_call *call)
{
    struct slot *s = call->user;

    if (mode == MODE_CSTREAM && s->sent < msg_count)
        send_chunks(call);
}

static void on_status(lwg_call *call)
{
    struct slot *s = call->user;
    uint64_t now = bench_now_ns();
    int ok = lwg_call_status(call) == LWG_STATUS_OK && !s->bad;

    s->busy = 0;
    if (!measuring)
        return;
    if (!ok) {
        if (n_errors < 5)
            fprintf(stderr, "call failed: %s %s%s\n", lwg_status_name(lwg_call_status(call)),
                    lwg_call_status_message(call), s->bad ? " (bad response)" : "");
        n_errors++;
        return;
    }
    n_calls++;
    if (mode != MODE_UNARY)
        n_bytes += s->bytes;
    if (n_samples < MAX_SAMPLES)
        samples[n_samples++] = (uint32_t)((now - s->t_start) / 1000u);
}

static const lwg_call_cbs cbs = {
    .on_message = on_message,
    .on_send_ready = on_send_ready,
    .on_status = on_status,
};

static int start_call(int i)
{
    struct slot *s = &slots[i];
    lwg_call *call = &calls[i];
    int r;

    memset(s, 0, sizeof *s);
    s->busy = 1;
    s->t_start = bench_now_ns();
    n_started++;
    if (mode == MODE_UNARY) {
        r = bench_Bench_Unary_start(&channel, call, &call_opts, &cbs, s);
        if (r == LWG_OK)
            r = bench_Bench_Unary_send(call, &payload);
        if (r == LWG_OK)
            r = lwg_call_close_send(call);
    } else if (mode == MODE_SSTREAM) {
        bench_StreamReq req = { msg_count, msg_size };
        r = bench_Bench_ServerStream_start(&channel, call, &call_opts, &cbs, s);
        if (r == LWG_OK)
            r = bench_Bench_ServerStream_send(call, &req);
        if (r == LWG_OK)
            r = lwg_call_close_send(call);
    } else {
        r = bench_Bench_ClientStream_start(&channel, call, &call_opts, &cbs, s);
        if (r == LWG_OK)
            send_chunks(call);
    }
    if (r != LWG_OK) {
        fprintf(stderr, "lwg_bench_client: cannot start a call (%d)\n", r);
        return -1;
    }
    return 0;
}

/* The k-th smallest of a[0..n) (k < n), partly reordering a: Hoare's
 * selection, linear on average, so that the latency figures cost the
 * run next to nothing per call (the C++ client uses nth_element). */
static uint32_t select_kth(uint32_t *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;

    while (lo < hi) {
        uint32_t pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;

        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                uint32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return a[k];
    }
    return a[k];
}

static uint32_t percentile(double p)
{
    if (n_samples == 0)
        return 0;
    return select_kth(samples, n_samples, (size_t)(p * (double)(n_samples - 1) + 0.5));
}

int main(int argc, char **argv)
{
    static const char *const known[] = { "server", "mode", "conc", "size", "secs", "warmup",
                                         "calls", "count", "deadline-ms", NULL };
    static const char usage[] =
        "lwg_bench_client --server=HOST:PORT [--mode=unary|sstream|cstream] [--conc=1]\n"
        "    [--size=100] [--secs=2] [--warmup=0.5] [--calls=0] [--count=1000]\n"
        "    [--deadline-ms=0]";
    lwg_posix_client *clients[1] = { &client };
    const char *server, *m, *colon;
    char host[256];
    int conc, port;
    double secs, warmup, elapsed;
    uint64_t t0, t_end;

    bench_check_flags(argc, argv, known, usage);
    server = bench_flag(argc, argv, "server", "127.0.0.1:50051");
    m = bench_flag(argc, argv, "mode", "unary");
    conc = atoi(bench_flag(argc, argv, "conc", "1"));
    msg_size = (uint32_t)atoi(bench_flag(argc, argv, "size", "100"));
    msg_count = (uint32_t)atoi(bench_flag(argc, argv, "count", "1000"));
    secs = atof(bench_flag(argc, argv, "secs", "2"));
    warmup = atof(bench_flag(argc, argv, "warmup", "0.5"));
    calls_limit = strtoull(bench_flag(argc, argv, "calls", "0"), NULL, 10);
    if (strcmp(m, "unary") == 0)
        mode = MODE_UNARY;
    else if (strcmp(m, "sstream") == 0)
        mode = MODE_SSTREAM;
    else if (strcmp(m, "cstream") == 0)
        mode = MODE_CSTREAM;
    else {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    colon = strrchr(server, ':');
    if (conc < 1 || conc > MAX_CONC || colon == NULL || (size_t)(colon - server) >= sizeof host ||
        (mode == MODE_UNARY && msg_size > sizeof payload.data.bytes) ||
        msg_size > sizeof chunk.data.bytes) {
        fprintf(stderr, "%s\n(conc 1..%d, size <= 4096 unary, <= 65536 streaming)\n", usage,
                MAX_CONC);
        return 2;
    }
    memcpy(host, server, (size_t)(colon - server));
    host[colon - server] = '\0';
    port = atoi(colon + 1);
    samples = malloc(MAX_SAMPLES * sizeof *samples);   /* the benchmark's, not lwgrpc's */
    if (samples == NULL)
        return 1;
    signal(SIGPIPE, SIG_IGN);

    if (mode == MODE_UNARY) {
        payload.data.size = msg_size;
        memset(payload.data.bytes, 'x', msg_size);
    } else {
        chunk.data.size = msg_size;
        memset(chunk.data.bytes, 'x', msg_size);
    }
    call_opts.timeout_ms = (uint32_t)strtoul(bench_flag(argc, argv, "deadline-ms", "0"), NULL, 10);

    if (lwg_channel_init(&channel, server, lwg_port_now_ms()) != LWG_OK ||
        lwg_posix_client_init(&client, &channel, host, port) != LWG_OK) {
        fprintf(stderr, "lwg_bench_client: bad --server %s\n", server);
        return 2;
    }

    t0 = bench_now_ns();
    if (calls_limit > 0) {
        measuring = 1;
        t_measure = t0;
        t_stop = UINT64_MAX;
    } else {
        measuring = warmup <= 0;
        t_measure = t0 + (uint64_t)(warmup * 1e9);
        t_stop = t_measure + (uint64_t)(secs * 1e9);
    }
    for (;;) {
        uint64_t now = bench_now_ns();
        int busy = 0;

        if (!measuring && now >= t_measure) {
            measuring = 1;
            t_measure = now;
        }
        for (int i = 0; i < conc; i++) {
            if (!slots[i].busy) {
                if (now < t_stop && (calls_limit == 0 || n_started < calls_limit)) {
                    if (start_call(i) != 0)
                        return 1;
                }
            }
            busy += slots[i].busy;
        }
        if (busy == 0)
            break;
        lwg_posix_poll(clients, 1, NULL, 0, 100);
    }
    t_end = bench_now_ns();
    elapsed = (double)(t_end - t_measure) / 1e9;
    printf("RESULT {\"impl\":\"lwgrpc\",\"mode\":\"%s\",\"conc\":%d,\"size\":%u,"
           "\"calls\":%llu,\"secs\":%.4f,\"calls_per_s\":%.1f,\"p50_us\":%u,\"p99_us\":%u,"
           "\"bytes\":%llu,\"mb_per_s\":%.2f,\"errors\":%llu}\n",
           m, conc, msg_size, (unsigned long long)n_calls, elapsed,
           elapsed > 0 ? (double)n_calls / elapsed : 0.0, percentile(0.50), percentile(0.99),
           (unsigned long long)n_bytes, elapsed > 0 ? (double)n_bytes / elapsed / 1e6 : 0.0,
           (unsigned long long)n_errors);
    lwg_posix_client_close(&client);
    return n_errors == 0 && n_calls > 0 ? 0 : 1;
}
