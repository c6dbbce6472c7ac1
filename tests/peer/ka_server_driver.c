/*
 * ka_server_driver.c - an lwgrpc server for the keepalive / connection
 * management peer tests (tests/peer/test_keepalive.py).
 *
 * Serves two hand-written raw-bytes methods (no generated code):
 *   /t.S/Unary   echoes the request message
 *   /t.S/Stream  server streaming: the request is "<count> <interval_ms>"
 *                in ASCII; the answer is count messages "msg <k>",
 *                interval_ms apart, then OK
 *
 * OPTIONS (lwg_server_opts fields; 0 takes gRPC's default)
 *   --port=N                            (0: any free port; default 0)
 *   --keepalive_time_ms=MS  --keepalive_timeout_ms=MS
 *   --keepalive_min_time_ms=MS  --keepalive_permit_without_stream[=0|1]
 *   --max_connection_idle_ms=MS  --max_connection_age_ms=MS
 *   --max_connection_age_grace_ms=MS
 *   --shutdown_grace_ms=MS              on SIGTERM/SIGINT (default 2000)
 *   --wall_ms=MS                        exit after MS (default 300000)
 *   --poll_ms=MS                        longest lwg_posix_poll() wait (200)
 *
 * OUTPUT (stdout, one line each, flushed)
 *   listening PORT
 *   connections N                       whenever the number changes
 *   unary TEXT                          a unary request (printable bytes)
 *   call_done PATH STATUS               every call that ends, with status
 *   served N                            after each call that ended OK (N is
 *                                       the running total), and at exit
 *   shutdown                            SIGTERM: graceful stop begins
 *   exit
 *
 * Test code: may use the C library freely; the runtime never allocates.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/posix/lwg_posix.h"

typedef struct stream_state {
    int active;           /* a /t.S/Stream request is being answered */
    unsigned count, sent, interval;
    uint32_t next_due;
    int finished;
} stream_state;

static lwg_server server;
static lwg_posix_server posix_server;
static lwg_server_opts sopts;
static stream_state states[LWG_MAX_SERVER_CALLS];
static unsigned long served;
static volatile sig_atomic_t stop;

static stream_state *state_of(lwg_call *call)
{
    return &states[call - server.calls];
}

/* ---- /t.S/Unary ------------------------------------------------------------- */

static void unary_start(lwg_call *call)
{
    memset(state_of(call), 0, sizeof(stream_state));
}

static int unary_message(lwg_call *call, const uint8_t *msg, size_t len)
{
    printf("unary ");
    for (size_t i = 0; i < len && i < 200; i++)
        putchar(msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '.');
    printf("\n");
    fflush(stdout);
    if (lwg_call_send(call, msg, len) != LWG_OK)
        (void)lwg_call_finish(call, LWG_STATUS_INTERNAL, "echo failed", NULL, 0);
    return LWG_OK;
}

static void unary_half_close(lwg_call *call)
{
    (void)lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
}

static void on_done(lwg_call *call)
{
    int code = lwg_call_status(call);

    state_of(call)->active = 0;
    printf("call_done %s %d\n", call->method ? call->method->path : "?", code);
    if (code == LWG_STATUS_OK)
        printf("served %lu\n", ++served);
    fflush(stdout);
}

/* ---- /t.S/Stream --------------------------------------------------------------- */

static void stream_pump(lwg_call *call, uint32_t now)
{
    stream_state *s = state_of(call);

    while (s->active && !s->finished) {
        char msg[32];
        int n, r;

        if (s->sent == s->count) {
            s->finished = 1;
            (void)lwg_call_finish(call, LWG_STATUS_OK, NULL, NULL, 0);
            return;
        }
        if (!lwg_time_reached(now, s->next_due))
            return;
        n = snprintf(msg, sizeof msg, "msg %u", s->sent + 1);
        r = lwg_call_send(call, (const uint8_t *)msg, (size_t)n);
        if (r == LWG_EAGAIN)
            return; /* on_send_ready brings us back */
        if (r != LWG_OK) {
            s->finished = 1;
            return;
        }
        s->sent++;
        s->next_due = now + s->interval;
    }
}

static int stream_message(lwg_call *call, const uint8_t *msg, size_t len)
{
    stream_state *s = state_of(call);
    char text[64];

    if (len >= sizeof text)
        len = sizeof text - 1;
    memcpy(text, msg, len);
    text[len] = '\0';
    if (s->active || sscanf(text, "%u %u", &s->count, &s->interval) != 2) {
        (void)lwg_call_finish(call, LWG_STATUS_INVALID_ARGUMENT, "want \"<count> <interval_ms>\"",
                              NULL, 0);
        return LWG_OK;
    }
    s->active = 1;
    s->sent = 0;
    s->finished = 0;
    s->next_due = lwg_port_now_ms();
    stream_pump(call, s->next_due);
    return LWG_OK;
}

static void stream_ready(lwg_call *call)
{
    stream_pump(call, lwg_port_now_ms());
}

/* Run due stream messages; return ms until the next one. */
static int run_streams(int wait)
{
    uint32_t now = lwg_port_now_ms();

    for (unsigned i = 0; i < LWG_MAX_SERVER_CALLS; i++) {
        lwg_call *call = &server.calls[i];
        stream_state *s = &states[i];
        int32_t left;

        if (call->state != LWG_CALL_ACTIVE || !s->active || s->finished)
            continue;
        stream_pump(call, now);
        if (s->active && !s->finished && !call->send_blocked) {
            left = lwg_time_diff(s->next_due, now);
            if (left < wait)
                wait = left < 0 ? 0 : left;
        }
    }
    return wait;
}

static const lwg_method unary_method = { "/t.S/Unary", LWG_RPC_UNARY, NULL, NULL };
static const lwg_method stream_method = { "/t.S/Stream", LWG_RPC_SERVER_STREAMING, NULL, NULL };

static const lwg_handler handlers[] = {
    {
        .method = &unary_method,
        .on_start = unary_start,
        .on_message = unary_message,
        .on_half_close = unary_half_close,
        .on_done = on_done,
    },
    {
        .method = &stream_method,
        .on_start = unary_start,
        .on_message = stream_message,
        .on_send_ready = stream_ready,
        .on_done = on_done,
    },
};
static const lwg_service service = { "t.S", handlers, 2 };

/* ---- main ------------------------------------------------------------------------ */

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static const char *opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 ? arg + n : NULL;
}

static uint32_t u32(const char *v)
{
    return (uint32_t)strtoul(v, NULL, 10);
}

static int usage(void)
{
    fprintf(stderr, "usage: ka_server_driver [--port=N] [--keepalive_time_ms=MS]\n"
                    "  [--keepalive_timeout_ms=MS] [--keepalive_min_time_ms=MS]\n"
                    "  [--keepalive_permit_without_stream[=0|1]] [--max_connection_idle_ms=MS]\n"
                    "  [--max_connection_age_ms=MS] [--max_connection_age_grace_ms=MS]\n"
                    "  [--shutdown_grace_ms=MS] [--wall_ms=MS] [--poll_ms=MS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    lwg_posix_server *servers[1] = { &posix_server };
    long port = 0, wall_ms = 300000, grace_ms = 2000, poll_ms = 200;
    unsigned last_conns = 0;
    uint32_t t0, t_stop = 0;
    const char *v;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((v = opt(a, "--port=")) != NULL)
            port = strtol(v, NULL, 10);
        else if ((v = opt(a, "--keepalive_time_ms=")) != NULL)
            sopts.keepalive_time_ms = u32(v);
        else if ((v = opt(a, "--keepalive_timeout_ms=")) != NULL)
            sopts.keepalive_timeout_ms = u32(v);
        else if ((v = opt(a, "--keepalive_min_time_ms=")) != NULL)
            sopts.keepalive_min_time_ms = u32(v);
        else if (strcmp(a, "--keepalive_permit_without_stream") == 0)
            sopts.keepalive_permit_without_stream = 1;
        else if ((v = opt(a, "--keepalive_permit_without_stream=")) != NULL)
            sopts.keepalive_permit_without_stream = (uint8_t)(atoi(v) != 0);
        else if ((v = opt(a, "--max_connection_idle_ms=")) != NULL)
            sopts.max_connection_idle_ms = u32(v);
        else if ((v = opt(a, "--max_connection_age_ms=")) != NULL)
            sopts.max_connection_age_ms = u32(v);
        else if ((v = opt(a, "--max_connection_age_grace_ms=")) != NULL)
            sopts.max_connection_age_grace_ms = u32(v);
        else if ((v = opt(a, "--shutdown_grace_ms=")) != NULL)
            grace_ms = strtol(v, NULL, 10);
        else if ((v = opt(a, "--wall_ms=")) != NULL)
            wall_ms = strtol(v, NULL, 10);
        else if ((v = opt(a, "--poll_ms=")) != NULL)
            poll_ms = strtol(v, NULL, 10);
        else
            return usage();
    }

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    lwg_server_init(&server, NULL);
    lwg_server_set_opts(&server, &sopts);
    if (lwg_server_add_service(&server, &service) != LWG_OK ||
        lwg_posix_server_listen(&posix_server, &server, NULL, (int)port) != LWG_OK) {
        fprintf(stderr, "ka_server_driver: cannot listen on port %ld\n", port);
        return 1;
    }
    printf("listening %d\n", posix_server.port);
    fflush(stdout);

    t0 = lwg_port_now_ms();
    for (;;) {
        uint32_t now = lwg_port_now_ms();
        unsigned conns = lwg_server_connections(&server);

        if (conns != last_conns) {
            last_conns = conns;
            printf("connections %u\n", conns);
            fflush(stdout);
        }
        if (stop && t_stop == 0) {
            t_stop = now | 1;
            printf("shutdown\n");
            fflush(stdout);
            lwg_server_shutdown(&server, (uint32_t)grace_ms, now);
        }
        if (t_stop && (conns == 0 || lwg_time_diff(now, t_stop) > grace_ms + 1000))
            break;
        if (lwg_time_diff(now, t0) >= wall_ms)
            break;
        lwg_posix_poll(NULL, 0, servers, 1, run_streams(t_stop ? 20 : (int)poll_ms));
    }
    lwg_posix_server_close(&posix_server);
    printf("served %lu\n", served);
    printf("exit\n");
    fflush(stdout);
    return 0;
}
