/*
 * ka_client_driver.c - an lwgrpc client for the keepalive / connection
 * life-cycle peer tests (tests/peer/test_keepalive.py).
 *
 * It makes calls one after another on one channel over the POSIX port and
 * keeps pumping lwg_posix_poll() between them, so keepalive PINGs,
 * GOAWAYs, reconnects and backoff all run while it is idle.  Messages are
 * raw bytes (hand-written lwg_method, no generated code):
 *   /t.S/Unary   unary echo; the request is "call <i>", the echo checked
 *   /t.S/Stream  server streaming; the request is "<count> <interval_ms>"
 *                (the server sends count messages interval_ms apart)
 *
 * OPTIONS
 *   --target=HOST:PORT                  (required)
 *   --keepalive_time_ms=MS              lwg_channel_opts (10 s minimum)
 *   --keepalive_timeout_ms=MS
 *   --keepalive_permit_without_stream   (or =0/=1)
 *   --backoff_initial_ms=MS  --backoff_max_ms=MS  --idle_timeout_ms=MS
 *   --wait_for_ready                    lwg_call_opts.wait_for_ready
 *   --timeout_ms=MS                     each call's deadline (default 20000)
 *   --method=PATH                       /t.S/Unary (default) or /t.S/Stream
 *   --stream=COUNT:INTERVAL_MS          /t.S/Stream request (default 1000:1000)
 *   --calls=N                           how many calls (default 1)
 *   --interval_ms=MS                    gap between the end of one call and
 *                                       the start of the next (default 0)
 *   --at_ms=T1,T2,...                   instead: call i starts T_i ms after
 *                                       the driver started (or when the
 *                                       previous call ended, if later);
 *                                       sets --calls
 *   --hold_ms=MS                        cancel a call still open after MS
 *   --linger_ms=MS                      keep pumping after the last call
 *   --wall_ms=MS                        give up after MS (default 120000)
 *   --poll_ms=MS                        longest lwg_posix_poll() wait (50)
 *
 * OUTPUT (stdout, one line each, flushed)
 *   keepalive_time MS                   at start and whenever it changes
 *   state IDLE|CONNECTING|READY|TRANSIENT_FAILURE|SHUTDOWN
 *   call I start
 *   call I message K                    K-th response message (streams)
 *   call I bad_echo                     the unary echo differed
 *   call I status CODE messages K ms ELAPSED MESSAGE
 *   summary calls N ok K failed F ready R keepalive_time MS
 *   driver timeout                      (--wall_ms passed; exit 3)
 * Exit status: 0 when every call ended OK, 1 otherwise, 2 usage, 3 timeout.
 *
 * Test code: may use the C library freely; the runtime never allocates.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/posix/lwg_posix.h"

#define MAX_CALLS 1000

static lwg_channel channel;
static lwg_posix_client client;
static lwg_channel_opts chopts;
static lwg_call_opts copts;
static lwg_call call;
static lwg_method method = { "/t.S/Unary", LWG_RPC_UNARY, NULL, NULL };

static unsigned n_calls = 1;
static long interval_ms;
static long at_ms[MAX_CALLS];
static int use_at;
static long hold_ms;
static unsigned stream_count = 1000, stream_interval = 1000;
static int poll_ms = 50;

static unsigned cur;          /* current call number, 1-based           */
static int in_call;
static uint32_t call_t0;
static unsigned messages;
static int echo_bad;
static char request[64];
static size_t request_len;
static unsigned n_ok, n_failed, n_ready;
static int ended;             /* a call just ended: plan the next one    */

static const char *state_name(int s)
{
    static const char *const names[] = { "IDLE", "CONNECTING", "READY", "TRANSIENT_FAILURE",
                                         "SHUTDOWN" };
    return s >= 0 && s <= 4 ? names[s] : "?";
}

static void on_state(lwg_channel *ch, int state)
{
    (void)ch;
    if (state == LWG_CHANNEL_READY)
        n_ready++;
    printf("state %s\n", state_name(state));
    fflush(stdout);
}

static int cb_message(lwg_call *c, const uint8_t *msg, size_t len)
{
    (void)c;
    messages++;
    if (method.kind == LWG_RPC_UNARY) {
        if (len != request_len || memcmp(msg, request, len) != 0)
            echo_bad = 1;
    } else {
        printf("call %u message %u\n", cur, messages);
        fflush(stdout);
    }
    return LWG_OK;
}

static void cb_status(lwg_call *c)
{
    int code = lwg_call_status(c);

    if (echo_bad) {
        printf("call %u bad_echo\n", cur);
        if (code == LWG_STATUS_OK)
            code = LWG_STATUS_DATA_LOSS; /* counted as a failure below */
    }
    if (method.kind == LWG_RPC_UNARY && code == LWG_STATUS_OK && messages != 1)
        code = LWG_STATUS_INTERNAL;
    printf("call %u status %d messages %u ms %ld %s\n", cur, lwg_call_status(c), messages,
           (long)lwg_time_diff(lwg_port_now_ms(), call_t0), lwg_call_status_message(c));
    fflush(stdout);
    if (code == LWG_STATUS_OK)
        n_ok++;
    else
        n_failed++;
    in_call = 0;
    ended = 1;
}

static const lwg_call_cbs cbs = {
    .on_message = cb_message,
    .on_status = cb_status,
};

static void start_call(void)
{
    int r;

    cur++;
    messages = 0;
    echo_bad = 0;
    if (method.kind == LWG_RPC_UNARY)
        request_len = (size_t)snprintf(request, sizeof request, "call %u", cur);
    else
        request_len = (size_t)snprintf(request, sizeof request, "%u %u", stream_count,
                                       stream_interval);
    call_t0 = lwg_port_now_ms();
    printf("call %u start\n", cur);
    fflush(stdout);
    r = lwg_call_start(&channel, &call, &method, &copts, &cbs, NULL);
    if (r != LWG_OK) {
        printf("call %u status -1 messages 0 ms 0 start_error %d\n", cur, r);
        fflush(stdout);
        n_failed++;
        ended = 1;
        return;
    }
    in_call = 1;
    /* one message, then half-close; the copy is the call's */
    r = lwg_call_send(&call, (const uint8_t *)request, request_len);
    if (r != LWG_OK && r != LWG_ECLOSED) {
        printf("call %u send_error %d\n", cur, r);
        fflush(stdout);
    }
    if (in_call)
        (void)lwg_call_close_send(&call);
}

static int usage(void)
{
    fprintf(stderr,
            "usage: ka_client_driver --target=HOST:PORT [--keepalive_time_ms=MS]\n"
            "  [--keepalive_timeout_ms=MS] [--keepalive_permit_without_stream]\n"
            "  [--backoff_initial_ms=MS] [--backoff_max_ms=MS] [--idle_timeout_ms=MS]\n"
            "  [--wait_for_ready] [--timeout_ms=MS] [--method=PATH] [--stream=N:MS]\n"
            "  [--calls=N] [--interval_ms=MS] [--at_ms=T1,T2,..] [--hold_ms=MS]\n"
            "  [--linger_ms=MS] [--wall_ms=MS] [--poll_ms=MS]\n");
    return 2;
}

static const char *opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 ? arg + n : NULL;
}

/* "--flag" or "--flag=0/1" */
static int bool_opt(const char *arg, const char *name, uint8_t *out)
{
    size_t n = strlen(name);

    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '\0')
        *out = 1;
    else if (arg[n] == '=')
        *out = (uint8_t)(atoi(arg + n + 1) != 0);
    else
        return 0;
    return 1;
}

static uint32_t u32(const char *v)
{
    return (uint32_t)strtoul(v, NULL, 10);
}

int main(int argc, char **argv)
{
    lwg_posix_client *clients[1] = { &client };
    const char *target = NULL, *v;
    char host[256];
    const char *colon;
    long wall_ms = 120000, linger_ms = 0;
    uint32_t t0, next_start, last_ka, t_end = 0;
    int port;

    signal(SIGPIPE, SIG_IGN);
    copts.timeout_ms = 20000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((v = opt(a, "--target=")) != NULL)
            target = v;
        else if ((v = opt(a, "--keepalive_time_ms=")) != NULL)
            chopts.keepalive_time_ms = u32(v);
        else if ((v = opt(a, "--keepalive_timeout_ms=")) != NULL)
            chopts.keepalive_timeout_ms = u32(v);
        else if (bool_opt(a, "--keepalive_permit_without_stream",
                          &chopts.keepalive_permit_without_stream))
            ;
        else if ((v = opt(a, "--backoff_initial_ms=")) != NULL)
            chopts.backoff_initial_ms = u32(v);
        else if ((v = opt(a, "--backoff_max_ms=")) != NULL)
            chopts.backoff_max_ms = u32(v);
        else if ((v = opt(a, "--idle_timeout_ms=")) != NULL)
            chopts.idle_timeout_ms = u32(v);
        else if (bool_opt(a, "--wait_for_ready", &copts.wait_for_ready))
            ;
        else if ((v = opt(a, "--timeout_ms=")) != NULL)
            copts.timeout_ms = u32(v);
        else if ((v = opt(a, "--method=")) != NULL)
            method.path = v;
        else if ((v = opt(a, "--stream=")) != NULL) {
            if (sscanf(v, "%u:%u", &stream_count, &stream_interval) != 2)
                return usage();
        } else if ((v = opt(a, "--calls=")) != NULL)
            n_calls = (unsigned)strtoul(v, NULL, 10);
        else if ((v = opt(a, "--interval_ms=")) != NULL)
            interval_ms = strtol(v, NULL, 10);
        else if ((v = opt(a, "--at_ms=")) != NULL) {
            char *end;
            n_calls = 0;
            use_at = 1;
            while (*v && n_calls < MAX_CALLS) {
                at_ms[n_calls++] = strtol(v, &end, 10);
                if (end == v)
                    return usage();
                v = *end == ',' ? end + 1 : end;
            }
        } else if ((v = opt(a, "--hold_ms=")) != NULL)
            hold_ms = strtol(v, NULL, 10);
        else if ((v = opt(a, "--linger_ms=")) != NULL)
            linger_ms = strtol(v, NULL, 10);
        else if ((v = opt(a, "--wall_ms=")) != NULL)
            wall_ms = strtol(v, NULL, 10);
        else if ((v = opt(a, "--poll_ms=")) != NULL)
            poll_ms = atoi(v);
        else
            return usage();
    }
    if (target == NULL || (colon = strrchr(target, ':')) == NULL ||
        (size_t)(colon - target) >= sizeof host || n_calls == 0 || n_calls > MAX_CALLS)
        return usage();
    if (strcmp(method.path, "/t.S/Stream") == 0)
        method.kind = LWG_RPC_SERVER_STREAMING;
    memcpy(host, target, (size_t)(colon - target));
    host[colon - target] = '\0';
    port = atoi(colon + 1);
    chopts.on_state_change = on_state;

    t0 = lwg_port_now_ms();
    if (lwg_channel_init(&channel, target, t0) != LWG_OK ||
        lwg_posix_client_init(&client, &channel, host, port) != LWG_OK) {
        fprintf(stderr, "ka_client_driver: bad target\n");
        return 2;
    }
    lwg_channel_set_opts(&channel, &chopts);
    last_ka = lwg_channel_keepalive_time(&channel);
    printf("keepalive_time %lu\n", (unsigned long)last_ka);
    fflush(stdout);

    next_start = t0 + (uint32_t)(use_at ? at_ms[0] : 0);
    for (;;) {
        uint32_t now = lwg_port_now_ms();
        int wait = poll_ms;

        if (lwg_channel_keepalive_time(&channel) != last_ka) {
            last_ka = lwg_channel_keepalive_time(&channel);
            printf("keepalive_time %lu\n", (unsigned long)last_ka);
            fflush(stdout);
        }
        if (ended) {
            /* when the next call starts */
            ended = 0;
            t_end = now;
            next_start = now + (uint32_t)interval_ms;
            if (use_at && cur < n_calls) {
                uint32_t at = t0 + (uint32_t)at_ms[cur];
                next_start = lwg_time_reached(now, at) ? now : at;
            }
        }
        if (lwg_time_diff(now, t0) >= wall_ms) {
            printf("driver timeout\n");
            fflush(stdout);
            lwg_posix_client_close(&client);
            return 3;
        }
        if (in_call && hold_ms > 0 && lwg_time_diff(now, call_t0) >= hold_ms) {
            lwg_call_cancel(&call); /* on_status follows from the pump */
            hold_ms = 0;
        }
        if (!in_call) {
            if (cur == n_calls) {
                if (lwg_time_diff(now, t_end) >= linger_ms)
                    break;
            } else if (lwg_time_reached(now, next_start)) {
                start_call();
                continue;
            } else {
                int32_t left = lwg_time_diff(next_start, now);
                if (left < wait)
                    wait = left;
            }
        }
        (void)lwg_posix_poll(clients, 1, NULL, 0, wait);
    }
    printf("summary calls %u ok %u failed %u ready %u keepalive_time %lu\n", n_calls, n_ok,
           n_failed, n_ready, (unsigned long)lwg_channel_keepalive_time(&channel));
    fflush(stdout);
    lwg_posix_client_close(&client);
    return n_failed == 0 ? 0 : 1;
}
