/*
 * bench_server.c - the lwgrpc benchmark server: bench.Bench
 * (bench/bench.proto) on the POSIX port, single-threaded, with the stubs
 * protoc-gen-lwgrpc generates.
 *
 *   build/bench/bin/lwg_bench_server [--port=0]
 *
 * Prints "listening on port N" once it listens.  Unary echoes the payload;
 * ServerStream sends `count` chunks of `size` bytes; ClientStream answers
 * with what arrived; GetStats returns the counters the benchmark driver
 * checks (every Unary call that finished OK is counted in on_done, i.e.
 * after grpc-status 0 was queued on the connection).  Stops on SIGINT /
 * SIGTERM (so callgrind can write its profile).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.lwgrpc.h"
#include "bench/lwg/bench_util.h"
#include "port/posix/lwg_posix.h"

static lwg_server server;
static lwg_posix_server listener;
static bench_Bench_server bench_srv;
static volatile sig_atomic_t stop;

static struct {
    uint64_t unary_ok;
    uint64_t stream_ok;
    uint64_t stream_bytes;
} stats;

/* Per server-call state of a streaming call, by call slot. */
static struct stream_state {
    uint32_t left;      /* ServerStream: chunks still to send */
    uint32_t size;
    uint64_t messages;  /* ClientStream: what arrived         */
    uint64_t bytes;
} streams[LWG_MAX_SERVER_CALLS];

/* One chunk of the largest size; a send uses its first `size` bytes. */
static bench_Chunk chunk;

static struct stream_state *state_of(lwg_call *call)
{
    return &streams[call - server.calls];
}

static int on_unary(lwg_call *call, const bench_Payload *req, bench_Payload *resp)
{
    (void)call;
    resp->data.size = req->data.size;
    memcpy(resp->data.bytes, req->data.bytes, req->data.size);
    return LWG_STATUS_OK;
}

/* Send chunks until the call cannot take more (LWG_EAGAIN: ServerStream_ready
 * resumes) or all are out. */
static void stream_more(lwg_call *call)
{
    struct stream_state *s = state_of(call);

    while (s->left > 0) {
        int r;
        chunk.data.size = s->size;
        r = bench_Bench_ServerStream_send_response(call, &chunk);
        if (r == LWG_EAGAIN)
            return;
        if (r != LWG_OK) {
            (void)lwg_call_finish(call, LWG_STATUS_INTERNAL, "send failed", NULL, 0);
            return;
        }
        s->left--;
        stats.stream_bytes += s->size;
    }
    (void)lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static void on_server_stream(lwg_call *call, const bench_StreamReq *req)
{
    struct stream_state *s = state_of(call);

    if (req->size > sizeof chunk.data.bytes) {
        (void)lwg_call_finish(call, LWG_STATUS_INVALID_ARGUMENT, "size > 65536", NULL, 0);
        return;
    }
    s->left = req->count;
    s->size = req->size;
    stream_more(call);
}

static int on_client_stream_message(lwg_call *call, const bench_Chunk *req)
{
    struct stream_state *s = state_of(call);

    s->messages++;
    s->bytes += req->data.size;
    stats.stream_bytes += req->data.size;
    return LWG_OK;
}

static void on_client_stream_end(lwg_call *call)
{
    struct stream_state *s = state_of(call);
    bench_Count count = { s->messages, s->bytes };

    if (bench_Bench_ClientStream_send_response(call, &count) == LWG_OK)
        (void)lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
    else
        (void)lwg_call_finish(call, LWG_STATUS_INTERNAL, "send failed", NULL, 0);
}

static int on_get_stats(lwg_call *call, const bench_StatsReq *req, bench_Stats *resp)
{
    (void)call;
    (void)req;
    resp->unary_ok = stats.unary_ok;
    resp->stream_ok = stats.stream_ok;
    resp->stream_bytes = stats.stream_bytes;
    return LWG_STATUS_OK;
}

static void on_start(lwg_call *call)
{
    memset(state_of(call), 0, sizeof(struct stream_state));
}

/* The call is over: count what finished OK (the status went out). */
static void on_done(lwg_call *call)
{
    if (lwg_call_status(call) != LWG_STATUS_OK)
        return;
    if (call->method == &bench_Bench_Unary_method)
        stats.unary_ok++;
    else if (call->method != &bench_Bench_GetStats_method)
        stats.stream_ok++;
}

static const bench_Bench_impl impl = {
    .on_start = on_start,
    .on_done = on_done,
    .Unary = on_unary,
    .ServerStream = on_server_stream,
    .ServerStream_ready = stream_more,
    .ClientStream_message = on_client_stream_message,
    .ClientStream_end = on_client_stream_end,
    .GetStats = on_get_stats,
};

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    static const char *const known[] = { "port", NULL };
    lwg_posix_server *servers[1] = { &listener };
    struct sigaction sa;
    int port;

    bench_check_flags(argc, argv, known, "lwg_bench_server [--port=0]");
    port = atoi(bench_flag(argc, argv, "port", "0"));
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;      /* no SA_RESTART: poll() returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    memset(chunk.data.bytes, 'x', sizeof chunk.data.bytes);

    lwg_server_init(&server, NULL);
    if (bench_Bench_register(&server, &bench_srv, &impl) != LWG_OK ||
        lwg_posix_server_listen(&listener, &server, "127.0.0.1", port) != LWG_OK) {
        fprintf(stderr, "lwg_bench_server: cannot listen on port %d\n", port);
        return 1;
    }
    printf("listening on port %d\n", listener.port);
    fflush(stdout);
    while (!stop)
        lwg_posix_poll(NULL, 0, servers, 1, 1000);
    lwg_posix_server_close(&listener);
    return 0;
}
